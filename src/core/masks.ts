/** Binary-mask measures and geometry on H x W grids (row-major Uint8Array, 1 = inside). */
import type { PixelPoint } from './types';

export function countOn(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

/** Dice of two masks; 1 when both are empty. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0;
    const y = b[i] ? 1 : 0;
    inter += x & y;
    sum += x + y;
  }
  return sum === 0 ? 1 : (2 * inter) / sum;
}

/** Intersection over union; 1 when both are empty. */
export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0;
    const y = b[i] ? 1 : 0;
    inter += x & y;
    union += x | y;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * Chamfer (3-4) distance from each region pixel to the nearest pixel outside the region
 * (or the grid edge), in pixel units; 0 outside the region.
 */
export function distanceInside(region: Uint8Array, height: number, width: number): Float32Array {
  const big = 1e9;
  const d = new Float32Array(height * width);
  for (let i = 0; i < d.length; i++) d[i] = region[i] ? big : 0;
  const at = (y: number, x: number) => (y < 0 || x < 0 || y >= height || x >= width ? 0 : d[y * width + x]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!d[i]) continue;
      d[i] = Math.min(d[i], at(y - 1, x) + 3, at(y, x - 1) + 3, at(y - 1, x - 1) + 4, at(y - 1, x + 1) + 4);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      if (!d[i]) continue;
      d[i] = Math.min(d[i], at(y + 1, x) + 3, at(y, x + 1) + 3, at(y + 1, x + 1) + 4, at(y + 1, x - 1) + 4);
    }
  }
  for (let i = 0; i < d.length; i++) d[i] /= 3;
  return d;
}

/** The region pixel farthest from the region's boundary, or null for an empty region. */
export function deepestPoint(region: Uint8Array, height: number, width: number): PixelPoint | null {
  const d = distanceInside(region, height, width);
  let best = -1;
  let bestValue = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] > bestValue) {
      bestValue = d[i];
      best = i;
    }
  }
  return best < 0 ? null : { row: Math.floor(best / width), col: best % width };
}

/** 4-connected components of a mask: a label per pixel (0 outside, 1..count inside) and each label's size at index label. */
export function labelComponents(mask: Uint8Array, height: number, width: number): { labelHW: Int32Array; sizes: number[] } {
  const labelHW = new Int32Array(height * width);
  const sizes = [0];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labelHW[start]) continue;
    const next = sizes.length;
    let size = 0;
    labelHW[start] = next;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const y = Math.floor(i / width);
      const x = i % width;
      const visit = (j: number) => {
        if (mask[j] && !labelHW[j]) {
          labelHW[j] = next;
          stack.push(j);
        }
      };
      if (y > 0) visit(i - width);
      if (y < height - 1) visit(i + width);
      if (x > 0) visit(i - 1);
      if (x < width - 1) visit(i + 1);
    }
    sizes.push(size);
  }
  return { labelHW, sizes };
}

/** The largest 4-connected component of a mask (empty mask in, empty mask out). */
export function largestComponent(mask: Uint8Array, height: number, width: number): Uint8Array {
  const { labelHW, sizes } = labelComponents(mask, height, width);
  let best = 0;
  for (let l = 1; l < sizes.length; l++) if (sizes[l] > sizes[best]) best = l;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = best && labelHW[i] === best ? 1 : 0;
  return out;
}

/**
 * The 4-connected components of a mask that hold at least one of `points`: the structure the
 * user clicked, without separate blobs elsewhere in the crop. A mask that holds none of the
 * points comes back unchanged (the model disagrees with the clicks; hiding its answer would
 * not help the user).
 */
export function componentsAt(mask: Uint8Array, points: readonly PixelPoint[], height: number, width: number): Uint8Array {
  const { labelHW } = labelComponents(mask, height, width);
  const keep = new Set<number>();
  for (const p of points) {
    if (p.row < 0 || p.col < 0 || p.row >= height || p.col >= width) continue;
    const l = labelHW[p.row * width + p.col];
    if (l) keep.add(l);
  }
  if (!keep.size) return mask;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = keep.has(labelHW[i]) ? 1 : 0;
  return out;
}

/**
 * The mask with its holes filled: background regions that do not reach the grid's edge,
 * except those holding one of `keepOpen` (where the user said "not this" with a negative
 * click). Readers outline nodules as closed contours, so a hole in a proposal is the
 * network's error, not anatomy (47 of 6463 sampled LIDC reader masks have any).
 */
export function fillHoles(mask: Uint8Array, keepOpen: readonly PixelPoint[], height: number, width: number): Uint8Array {
  // Work in the mask's bounding box grown by a pixel: background on the box's border is
  // outside the mask or on the grid's edge, so it reaches the edge; flood from there.
  // (labelComponents over the whole inverted crop did the same but slowed the harness's
  // rounds about fourfold: every mask of every round goes through here.)
  let r0 = height, r1 = -1, c0 = width, c1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / width), c = i % width;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
    if (c < c0) c0 = c;
    if (c > c1) c1 = c;
  }
  const out = mask.slice();
  if (r1 < 0) return out;
  r0 = Math.max(0, r0 - 1); r1 = Math.min(height - 1, r1 + 1);
  c0 = Math.max(0, c0 - 1); c1 = Math.min(width - 1, c1 + 1);
  const open = new Uint8Array(mask.length);
  const stack: number[] = [];
  const seed = (r: number, c: number) => {
    const i = r * width + c;
    if (r >= r0 && r <= r1 && c >= c0 && c <= c1 && !mask[i] && !open[i]) {
      open[i] = 1;
      stack.push(i);
    }
  };
  for (let c = c0; c <= c1; c++) { seed(r0, c); seed(r1, c); }
  for (let r = r0; r <= r1; r++) { seed(r, c0); seed(r, c1); }
  for (const p of keepOpen) seed(p.row, p.col);
  while (stack.length) {
    const i = stack.pop()!;
    const r = Math.floor(i / width), c = i % width;
    seed(r - 1, c); seed(r + 1, c); seed(r, c - 1); seed(r, c + 1);
  }
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const i = r * width + c;
      if (!mask[i] && !open[i]) out[i] = 1;
    }
  }
  return out;
}

/** Mask centroid in pixel coordinates, or null when empty. */
export function centroid(mask: ArrayLike<number>, width: number): PixelPoint | null {
  let n = 0;
  let sr = 0;
  let sc = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    n++;
    sr += Math.floor(i / width);
    sc += i % width;
  }
  return n ? { row: sr / n, col: sc / n } : null;
}
