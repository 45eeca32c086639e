/** A crop seen at twice its size, as tools/eval/probeRound1.ts zooms small structures (training/data.py `zoom_centre` trains on the same view). */
import type { SliceImage } from '../../src/core';
import type { CropSlice } from './dataset';
import { sliceImageOf } from './simulate';

/**
 * The slice upsampled 2x (bilinear, pixel centres aligned: zoomed pixel r sits at native
 * (r + 0.5) / 2 - 0.5), so that a model crop centred on it covers the native centre half.
 * Columns are interpolated after rows, in the order training/data.py `zoom_centre` uses, so
 * the two give the model the same grey values.
 */
export function zoomed2x(slice: CropSlice): SliceImage {
  const n = slice.size;
  const m = 2 * n;
  const grey = slice.greyHW;
  const out = new Float64Array(m * m);
  const at = (r: number, c: number) => grey[Math.min(n - 1, r) * n + Math.min(n - 1, c)];
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      const y = Math.max(0, (r + 0.5) / 2 - 0.5);
      const x = Math.max(0, (c + 0.5) / 2 - 0.5);
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      const fy = y - y0;
      const fx = x - x0;
      const left = at(y0, x0) * (1 - fy) + at(y0 + 1, x0) * fy;
      const right = at(y0, x0 + 1) * (1 - fy) + at(y0 + 1, x0 + 1) * fy;
      out[r * m + c] = left * (1 - fx) + right * fx;
    }
  }
  return { ...sliceImageOf(slice), rows: m, columns: m, pixelData: out };
}
