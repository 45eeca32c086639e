import React from 'react';
import type { Rgb } from '../extension/utils/maskDrawing';
import { thumbnailRGBA } from '../extension/utils/maskDrawing';

interface Props {
  greyHW: Uint8Array;
  maskHW: Uint8Array;
  size: number;
  rgb: Rgb;
  /** Called after the thumbnail is drawn. */
  onDrawn?: () => void;
  cssSize?: number;
}

/** The crop with the mask outlined in its viewport colour. */
export default function MaskThumbnail({ greyHW, maskHW, size, rgb, onDrawn, cssSize = 76 }: Props) {
  const ref = React.useRef<HTMLCanvasElement>(null);
  const drawn = React.useRef(onDrawn);
  drawn.current = onDrawn;
  React.useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const rgba = thumbnailRGBA(greyHW, maskHW, size, rgb) as Uint8ClampedArray<ArrayBuffer>;
    ctx.putImageData(new ImageData(rgba, size, size), 0, 0);
    drawn.current?.();
  }, [greyHW, maskHW, size, rgb]);
  return <canvas ref={ref} width={size} height={size} style={{ width: cssSize, height: cssSize, imageRendering: 'pixelated', borderRadius: 4 }} aria-hidden />;
}
