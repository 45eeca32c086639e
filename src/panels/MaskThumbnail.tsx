import React from 'react';
import type { CropWindow, Rgb } from '../extension/utils/maskDrawing';
import { thumbnailRGBA } from '../extension/utils/maskDrawing';

interface Props {
  greyHW: Uint8Array;
  maskHW: Uint8Array;
  size: number;
  rgb: Rgb;
  /** The part of the crop to show (shared by a round's thumbnails). */
  window: CropWindow;
  /** Called after the thumbnail is drawn. */
  onDrawn?: () => void;
  cssSize?: number;
}

/** The crop around the structure with the mask outlined in its viewport colour. */
export default function MaskThumbnail({ greyHW, maskHW, size, rgb, window: view, onDrawn, cssSize = 84 }: Props) {
  const ref = React.useRef<HTMLCanvasElement>(null);
  const drawn = React.useRef(onDrawn);
  drawn.current = onDrawn;
  React.useLayoutEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const bitmap = document.createElement('canvas');
    bitmap.width = size;
    bitmap.height = size;
    const rgba = thumbnailRGBA(greyHW, maskHW, size, rgb) as Uint8ClampedArray<ArrayBuffer>;
    bitmap.getContext('2d')!.putImageData(new ImageData(rgba, size, size), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, view.x0, view.y0, view.side, view.side, 0, 0, canvas.width, canvas.height);
    drawn.current?.();
  }, [greyHW, maskHW, size, rgb, view.x0, view.y0, view.side]);
  const px = Math.round(cssSize * (globalThis.devicePixelRatio || 1));
  return <canvas ref={ref} width={px} height={px} style={{ width: cssSize, height: cssSize, borderRadius: 4 }} aria-hidden />;
}
