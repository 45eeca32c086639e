import { centroid, componentsAt, countOn, deepestPoint, dice, distanceInside, fillHoles, iou, largestComponent } from './masks';

function maskOf(height: number, width: number, pixels: [number, number][]): Uint8Array {
  const m = new Uint8Array(height * width);
  for (const [r, c] of pixels) m[r * width + c] = 1;
  return m;
}

function rect(height: number, width: number, r0: number, c0: number, h: number, w: number): Uint8Array {
  const m = new Uint8Array(height * width);
  for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) m[r * width + c] = 1;
  return m;
}

describe('dice and iou', () => {
  it('match hand-computed values', () => {
    // a = {0, 1, 2, 3}, b = {2, 3, 4}: intersection 2, |a| + |b| = 7, union 5.
    const a = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const b = Uint8Array.from([0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(dice(a, b)).toBeCloseTo(4 / 7, 12);
    expect(iou(a, b)).toBeCloseTo(2 / 5, 12);
    expect(dice(a, a)).toBe(1);
    expect(iou(a, a)).toBe(1);
    // Dice = 2 IoU / (1 + IoU) for any pair.
    expect(dice(a, b)).toBeCloseTo((2 * iou(a, b)) / (1 + iou(a, b)), 12);
  });

  it('treat any non-zero value as inside', () => {
    const a = Uint8Array.from([255, 1, 0, 0]);
    const b = Uint8Array.from([1, 0, 0, 7]);
    expect(dice(a, b)).toBeCloseTo(0.5, 12); // 2 * 1 / (2 + 2)
    expect(iou(a, b)).toBeCloseTo(1 / 3, 12);
  });

  it('are 1 for two empty masks and 0 when exactly one is empty or they are disjoint', () => {
    const empty = new Uint8Array(6);
    const some = Uint8Array.from([0, 1, 1, 0, 0, 0]);
    const other = Uint8Array.from([1, 0, 0, 0, 0, 1]);
    expect(dice(empty, empty)).toBe(1);
    expect(iou(empty, empty)).toBe(1);
    expect(dice(empty, some)).toBe(0);
    expect(iou(some, empty)).toBe(0);
    expect(dice(some, other)).toBe(0);
    expect(iou(some, other)).toBe(0);
  });

  it('countOn counts non-zero entries', () => {
    expect(countOn(Uint8Array.from([0, 3, 1, 0, 255]))).toBe(3);
    expect(countOn(new Uint8Array(4))).toBe(0);
  });
});

describe('distanceInside and deepestPoint', () => {
  const H = 12;
  const W = 14;

  it('give, on a square, the steps to the nearest outside pixel (axis steps are the shortest)', () => {
    // 7 x 7 square at rows 2..8, cols 3..9: distance = 1 + min steps to its border.
    const sq = rect(H, W, 2, 3, 7, 7);
    const d = distanceInside(sq, H, W);
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const inside = r >= 2 && r <= 8 && c >= 3 && c <= 9;
        const want = inside ? 1 + Math.min(r - 2, 8 - r, c - 3, 9 - c) : 0;
        expect([r, c, d[r * W + c]]).toEqual([r, c, want]);
      }
    }
    expect(deepestPoint(sq, H, W)).toEqual({ row: 5, col: 6 });
  });

  it('count the grid edge as outside', () => {
    const full = new Uint8Array(5 * 5).fill(1);
    const d = distanceInside(full, 5, 5);
    expect(Array.from(d.subarray(10, 15))).toEqual([1, 2, 3, 2, 1]); // middle row
    expect(deepestPoint(full, 5, 5)).toEqual({ row: 2, col: 2 });
  });

  it('use 4/3 per diagonal step (chamfer 3-4), within 6 % of the Euclidean distance', () => {
    // One outside pixel at (10, 10) of a 21 x 21 all-inside grid; near it the grid edge is farther.
    const n = 21;
    const region = new Uint8Array(n * n).fill(1);
    region[10 * n + 10] = 0;
    const d = distanceInside(region, n, n);
    expect(d[10 * n + 10]).toBe(0);
    expect(d[11 * n + 11]).toBeCloseTo(4 / 3, 6);
    expect(d[12 * n + 12]).toBeCloseTo(8 / 3, 6);
    expect(d[10 * n + 13]).toBeCloseTo(3, 6);
    expect(d[12 * n + 13]).toBeCloseTo(1 + 8 / 3, 6); // 2 diagonal + 1 axis step
    // Chamfer 3-4 in closed form: (4 min(|dr|, |dc|) + 3 (max - min)) / 3, close to Euclidean.
    for (let r = 7; r <= 13; r++) {
      for (let c = 7; c <= 13; c++) {
        const a = Math.abs(r - 10);
        const b = Math.abs(c - 10);
        expect(d[r * n + c]).toBeCloseTo((4 * Math.min(a, b) + 3 * (Math.max(a, b) - Math.min(a, b))) / 3, 5);
        expect(Math.abs(d[r * n + c] - Math.hypot(a, b))).toBeLessThanOrEqual(0.06 * Math.hypot(a, b) + 1e-6);
      }
    }
  });

  it('pick a pixel of maximal depth in a rectangle, and null for an empty region', () => {
    // 3 x 7 rectangle rows 2..4, cols 1..7: the middle row (3), cols 2..6 have depth 2.
    const r = rect(H, W, 2, 1, 3, 7);
    const p = deepestPoint(r, H, W)!;
    expect(p.row).toBe(3);
    expect(p.col).toBeGreaterThanOrEqual(2);
    expect(p.col).toBeLessThanOrEqual(6);
    expect(distanceInside(r, H, W)[p.row * W + p.col]).toBe(2);
    expect(deepestPoint(new Uint8Array(H * W), H, W)).toBeNull();
    expect(distanceInside(new Uint8Array(H * W), H, W).every(v => v === 0)).toBe(true);
  });

  it('find the deeper of two blobs', () => {
    const m = rect(H, W, 0, 0, 3, 3);
    rect(H, W, 4, 6, 7, 7).forEach((v, i) => (m[i] |= v)); // centre (7, 9)
    expect(deepestPoint(m, H, W)).toEqual({ row: 7, col: 9 });
  });
});

describe('largestComponent', () => {
  it('keeps only the largest 4-connected component', () => {
    // Component A (6 pixels, an L), component B (4 pixels), and a pixel touching A only diagonally.
    const H = 6;
    const W = 6;
    const a: [number, number][] = [[0, 0], [1, 0], [2, 0], [3, 0], [3, 1], [3, 2]];
    const b: [number, number][] = [[0, 3], [0, 4], [1, 3], [1, 4]];
    const diagonal: [number, number][] = [[4, 3]];
    const mask = maskOf(H, W, [...a, ...b, ...diagonal]);
    expect(Array.from(largestComponent(mask, H, W))).toEqual(Array.from(maskOf(H, W, a)));
    // Grown beyond A, B wins.
    const bigB = maskOf(H, W, [...a, ...b, [2, 3], [2, 4], [2, 5]]);
    expect(Array.from(largestComponent(bigB, H, W))).toEqual(Array.from(maskOf(H, W, [...b, [2, 3], [2, 4], [2, 5]])));
  });

  it('does not connect across the row wrap of the flat array', () => {
    // (0, W-1) and (1, 0) are neighbours in memory but not in the image.
    const W = 4;
    const mask = maskOf(3, W, [[0, 2], [0, 3], [1, 0]]);
    expect(Array.from(largestComponent(mask, 3, W))).toEqual(Array.from(maskOf(3, W, [[0, 2], [0, 3]])));
  });

  it('returns an empty mask for an empty mask', () => {
    expect(largestComponent(new Uint8Array(9), 3, 3).every(v => v === 0)).toBe(true);
  });
});

describe('componentsAt', () => {
  const H = 6;
  const W = 6;
  const a: [number, number][] = [[0, 0], [1, 0], [2, 0]];
  const b: [number, number][] = [[0, 3], [0, 4], [1, 3], [1, 4]];
  const c: [number, number][] = [[5, 5]];
  const mask = maskOf(H, W, [...a, ...b, ...c]);

  it('keeps the components that hold a point, however small, and drops the rest', () => {
    expect(Array.from(componentsAt(mask, [{ row: 1, col: 0 }], H, W))).toEqual(Array.from(maskOf(H, W, a)));
    expect(Array.from(componentsAt(mask, [{ row: 5, col: 5 }, { row: 0, col: 4 }], H, W))).toEqual(Array.from(maskOf(H, W, [...b, ...c])));
  });

  it('returns the mask unchanged when no point is inside it (or inside the grid)', () => {
    expect(componentsAt(mask, [{ row: 4, col: 1 }, { row: -3, col: 2 }, { row: 2, col: 9 }], H, W)).toBe(mask);
    expect(componentsAt(mask, [], H, W)).toBe(mask);
  });
});

describe('fillHoles', () => {
  const H = 7;
  const W = 7;
  // A 5 x 5 ring (rows/cols 1..5) around a 3 x 3 hole.
  const ring = rect(H, W, 1, 1, 5, 5);
  for (let r = 2; r <= 4; r++) for (let c = 2; c <= 4; c++) ring[r * W + c] = 0;

  it('fills a hole enclosed by the mask', () => {
    expect(Array.from(fillHoles(ring, [], H, W))).toEqual(Array.from(rect(H, W, 1, 1, 5, 5)));
  });

  it('keeps a hole that holds a negative click, and leaves the input untouched', () => {
    const copy = ring.slice();
    expect(Array.from(fillHoles(ring, [{ row: 3, col: 3 }], H, W))).toEqual(Array.from(ring));
    expect(Array.from(ring)).toEqual(Array.from(copy));
  });

  it('does not fill background that reaches the grid edge, and ignores clicks outside the grid', () => {
    const cup = rect(H, W, 0, 0, 4, 4);
    cup[0 * W + 1] = 0; cup[0 * W + 2] = 0; cup[1 * W + 1] = 0; cup[1 * W + 2] = 0; // a notch open to the top edge
    expect(Array.from(fillHoles(cup, [{ row: -1, col: 3 }, { row: 2, col: 9 }], H, W))).toEqual(Array.from(cup));
    expect(Array.from(fillHoles(new Uint8Array(H * W), [], H, W)).every(v => v === 0)).toBe(true);
  });
});

describe('centroid', () => {
  it('is the mean row and column of the pixels', () => {
    const W = 5;
    expect(centroid(maskOf(5, W, [[1, 1], [1, 3], [3, 1], [3, 3]]), W)).toEqual({ row: 2, col: 2 });
    const c = centroid(maskOf(5, W, [[0, 0], [0, 1], [2, 0]]), W)!;
    expect(c.row).toBeCloseTo(2 / 3, 12);
    expect(c.col).toBeCloseTo(1 / 3, 12);
  });

  it('is null for an empty mask', () => {
    expect(centroid(new Uint8Array(10), 5)).toBeNull();
  });
});
