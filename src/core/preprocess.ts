/**
 * Crop and normalise a slice exactly like the LIDC training crops (rule recovered from
 * LIDC-IDRI-0001's original DICOM, see tests/fixtures/PREPROCESSING.md), and encode clicks.
 */
import type { ModelContract } from './contract';
import type { Click, PixelPoint, SliceImage } from './types';

export interface PreparedCrop {
  /** Top-left image pixel of the crop (may be negative where the crop leaves the image). */
  cropOriginPx: PixelPoint;
  /** Grey values 0..255, as in the training PNGs, cropSize * cropSize. */
  greyHW: Uint8Array;
  /** Model input float32[1,1,S,S] = grey / 255. */
  imageInput: Float32Array;
}

export function cropOriginFor(centre: PixelPoint, contract: ModelContract): PixelPoint {
  const c = contract.preprocessing.crop.centreIndexPx;
  return { row: Math.round(centre.row) - c, col: Math.round(centre.col) - c };
}

/** HU crop around `centre`, min-max normalised to 0..255 on its own (round half up). */
export function prepareCrop(slice: SliceImage, centre: PixelPoint, contract: ModelContract): PreparedCrop {
  const size = contract.cropSizePx;
  const origin = cropOriginFor(centre, contract);
  const hu = new Float64Array(size * size);
  const inside = new Uint8Array(size * size);
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0; y < size; y++) {
    const r = origin.row + y;
    if (r < 0 || r >= slice.rows) continue;
    for (let x = 0; x < size; x++) {
      const c = origin.col + x;
      if (c < 0 || c >= slice.columns) continue;
      const v = slice.pixelData[r * slice.columns + c] * slice.rescaleSlope + slice.rescaleIntercept;
      hu[y * size + x] = v;
      inside[y * size + x] = 1;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const greyHW = new Uint8Array(size * size);
  const imageInput = new Float32Array(size * size);
  const scale = hi > lo ? contract.preprocessing.intensity.scale / (hi - lo) : 0;
  for (let i = 0; i < size * size; i++) {
    // Padding takes the crop's minimum, i.e. grey 0.
    const g = inside[i] ? Math.floor((hu[i] - lo) * scale + 0.5) : 0;
    greyHW[i] = g;
    imageInput[i] = g / contract.preprocessing.intensity.scale;
  }
  return { cropOriginPx: origin, greyHW, imageInput };
}

/** Click maps float32[1,2,S,S]: disks on the positive and negative channels. */
export function encodeClicks(clicks: readonly Click[], cropOriginPx: PixelPoint, contract: ModelContract): Float32Array {
  const size = contract.cropSizePx;
  const { radiusPx, value } = contract.clickEncoding;
  const maps = new Float32Array(2 * size * size);
  const r2 = radiusPx * radiusPx;
  const reach = Math.ceil(radiusPx);
  for (const click of clicks) {
    const cy = Math.round(click.row) - cropOriginPx.row;
    const cx = Math.round(click.col) - cropOriginPx.col;
    const channel = click.positive ? 0 : 1;
    for (let y = Math.max(0, cy - reach); y <= Math.min(size - 1, cy + reach); y++) {
      for (let x = Math.max(0, cx - reach); x <= Math.min(size - 1, cx + reach); x++) {
        if ((y - cy) * (y - cy) + (x - cx) * (x - cx) <= r2) maps[channel * size * size + y * size + x] = value;
      }
    }
  }
  return maps;
}

/** Paste a crop-sized mask into a rows x columns slice mask (parts outside are dropped). */
export function pasteCrop(maskHW: Uint8Array, cropOriginPx: PixelPoint, size: number, rows: number, columns: number): Uint8Array {
  const out = new Uint8Array(rows * columns);
  for (let y = 0; y < size; y++) {
    const r = cropOriginPx.row + y;
    if (r < 0 || r >= rows) continue;
    for (let x = 0; x < size; x++) {
      const c = cropOriginPx.col + x;
      if (c >= 0 && c < columns) out[r * columns + c] = maskHW[y * size + x];
    }
  }
  return out;
}
