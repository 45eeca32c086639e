/**
 * Pixel painting for masks on square crops (row-major, size x size): outlines and fills
 * in RGBA, the uncertainty heat map, and the colours shared by the panel's thumbnails and
 * the viewport overlay. Framework-free; the overlay and thumbnails put the bytes into an
 * ImageData.
 */
export type Rgb = readonly [number, number, number];

/** The recommendation's colour, then one colour per candidate (K <= 6), in panel order. */
export const RECOMMENDATION_RGB: Rgb = [250, 204, 21];
export const CANDIDATE_RGB: readonly Rgb[] = [
  [56, 189, 248],
  [244, 114, 182],
  [163, 230, 53],
  [251, 146, 60],
  [192, 132, 252],
  [45, 212, 191],
];

export function candidateRgb(k: number): Rgb {
  return CANDIDATE_RGB[k % CANDIDATE_RGB.length];
}

export function cssColour(rgb: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})` : `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}

/** 1 where a mask pixel touches (4-neighbourhood) a pixel outside the mask or the crop edge. */
export function boundaryHW(maskHW: ArrayLike<number>, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      if (!maskHW[i]) continue;
      const edge =
        y === 0 || x === 0 || y === size - 1 || x === size - 1 ||
        !maskHW[i - size] || !maskHW[i + size] || !maskHW[i - 1] || !maskHW[i + 1];
      if (edge) out[i] = 1;
    }
  }
  return out;
}

/**
 * RGBA bytes of a mask in one colour: its boundary opaque, its inside at `fillAlpha`
 * (0..1), outside transparent. Painted into `into` when given (for layering), else a new array.
 */
export function maskRGBA(maskHW: ArrayLike<number>, size: number, rgb: Rgb, fillAlpha: number, into?: Uint8ClampedArray): Uint8ClampedArray {
  const out = into ?? new Uint8ClampedArray(size * size * 4);
  const edge = boundaryHW(maskHW, size);
  const fill = Math.round(255 * fillAlpha);
  for (let i = 0; i < size * size; i++) {
    if (!maskHW[i] || (!edge[i] && fill === 0)) continue;
    out[i * 4] = rgb[0];
    out[i * 4 + 1] = rgb[1];
    out[i * 4 + 2] = rgb[2];
    out[i * 4 + 3] = edge[i] ? 255 : fill;
  }
  return out;
}

/** The grey crop (0..255) with the mask's outline drawn over it in `rgb`: a thumbnail. */
export function thumbnailRGBA(greyHW: ArrayLike<number>, maskHW: ArrayLike<number>, size: number, rgb: Rgb): Uint8ClampedArray {
  const out = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = greyHW[i];
    out[i * 4 + 3] = 255;
  }
  const edge = boundaryHW(maskHW, size);
  for (let i = 0; i < size * size; i++) {
    if (!edge[i]) continue;
    out[i * 4] = rgb[0];
    out[i * 4 + 1] = rgb[1];
    out[i * 4 + 2] = rgb[2];
  }
  return out;
}

/**
 * Heat map of the per-pixel variance of the sampled probabilities (0..0.25): transparent
 * where the samples agree, yellow to red and more opaque as they disagree.
 */
export function heatmapRGBA(uncertaintyHW: ArrayLike<number>, size: number, maxAlpha = 0.75): Uint8ClampedArray {
  const out = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const t = Math.min(1, Math.max(0, uncertaintyHW[i] / 0.25));
    if (t < 0.02) continue;
    out[i * 4] = 255;
    out[i * 4 + 1] = Math.round(230 * (1 - t));
    out[i * 4 + 2] = 0;
    out[i * 4 + 3] = Math.round(255 * maxAlpha * Math.sqrt(t));
  }
  return out;
}

/** A square part of the crop (top-left x0, y0 and side, in crop pixels). */
export interface CropWindow {
  x0: number;
  y0: number;
  side: number;
}

/**
 * The square window that shows every mask of a round with a margin (at least `minSide`
 * pixels, centred on the masks, inside the crop), so that all thumbnails zoom alike.
 */
export function thumbnailWindow(masksHW: ReadonlyArray<ArrayLike<number>>, size: number, margin = 8, minSide = 40): CropWindow {
  let top = size;
  let left = size;
  let bottom = -1;
  let right = -1;
  for (const mask of masksHW) {
    for (let i = 0; i < size * size; i++) {
      if (!mask[i]) continue;
      const y = Math.floor(i / size);
      const x = i % size;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      if (x < left) left = x;
      if (x > right) right = x;
    }
  }
  if (bottom < 0) return { x0: 0, y0: 0, side: size };
  const side = Math.min(size, Math.max(minSide, bottom - top + 1 + 2 * margin, right - left + 1 + 2 * margin));
  const clamp = (v: number) => Math.max(0, Math.min(size - side, v));
  return { x0: clamp(Math.round((left + right + 1 - side) / 2)), y0: clamp(Math.round((top + bottom + 1 - side) / 2)), side };
}
