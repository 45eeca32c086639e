import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { PNG } from 'pngjs';

import { readSliceImage } from '../../tools/lib/dicomFile';
import { readContract } from '../../tools/lib/nodeModel';
import { cropOriginFor, encodeClicks, pasteCrop, prepareCrop } from './preprocess';
import type { Click, SliceImage } from './types';

const REPO = resolve(__dirname, '..', '..');
const SHARED_DATA = resolve(REPO, '..', 'shared', 'data');
const contract = readContract();
const S = contract.cropSizePx;

/** The original LIDC-IDRI-0001 slices: the repository's sample copy if present, else the shared data. */
const CT_DIR = [join(REPO, 'sample-data', 'lidc-idri-0001', 'ct'), join(SHARED_DATA, 'lidc-idri-0001', 'ct')].find(d => existsSync(d));
const CROPS_PNG = join(SHARED_DATA, 'lidc-crops', 'LIDC-IDRI-0001', 'nodule-0-image.png');

interface CropsFixture {
  geometry: { centre_row_col: [number, number] };
  slices: { index: number; file: string; row0: number; col0: number; hu_min: number; hu_max: number }[];
}
const crops: CropsFixture = JSON.parse(readFileSync(join(REPO, 'tests', 'fixtures', 'lidc0001-crops.json'), 'utf8'));

/** Grey channel of an 8-bit greyscale PNG (pngjs expands it to RGBA). */
function readGreyPng(file: string): { width: number; height: number; grey: Uint8Array } {
  const png = PNG.sync.read(readFileSync(file));
  const grey = new Uint8Array(png.width * png.height);
  for (let i = 0; i < grey.length; i++) grey[i] = png.data[4 * i];
  return { width: png.width, height: png.height, grey };
}

function mismatches(a: Uint8Array, b: Uint8Array): { count: number; maxAbs: number } {
  let count = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d) count++;
    maxAbs = Math.max(maxAbs, d);
  }
  return { count, maxAbs };
}

/** HU range of the crop, computed here directly from the slice. */
function huRange(slice: SliceImage, row0: number, col0: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = row0; y < row0 + S; y++) {
    for (let x = col0; x < col0 + S; x++) {
      const v = slice.pixelData[y * slice.columns + x] * slice.rescaleSlope + slice.rescaleIntercept;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return [lo, hi];
}

describe('prepareCrop reproduces the LIDC training crops from the original DICOM (golden)', () => {
  it('has the DICOM slices the crops were made from', () => {
    expect(CT_DIR).toBeDefined();
    for (const s of crops.slices) expect(existsSync(join(CT_DIR!, s.file))).toBe(true);
  });

  // The 9-slice stack lives only in the shared data (it is training data, not shipped); the
  // repository keeps slice 4 as tests/fixtures/lidc0001-slice4.png, checked in the next test.
  const haveStack = existsSync(CROPS_PNG);
  (haveStack ? it : it.skip)('matches every pixel of all 9 crops of nodule-0 (0 mismatching pixels)', () => {
    const stack = readGreyPng(CROPS_PNG);
    expect(stack.width).toBe(S);
    expect(stack.height).toBe(S * crops.slices.length);
    for (const s of crops.slices) {
      const slice = readSliceImage(join(CT_DIR!, s.file));
      const centre = { row: s.row0 + contract.preprocessing.crop.centreIndexPx, col: s.col0 + contract.preprocessing.crop.centreIndexPx };
      const crop = prepareCrop(slice, centre, contract);
      expect(crop.cropOriginPx).toEqual({ row: s.row0, col: s.col0 });
      // The HU range the Python analysis recorded for this slice (independent cross-check of the DICOM decoding).
      expect(huRange(slice, s.row0, s.col0)).toEqual([s.hu_min, s.hu_max]);
      const expected = stack.grey.subarray(s.index * S * S, (s.index + 1) * S * S);
      const diff = mismatches(crop.greyHW, expected);
      expect({ slice: s.index, file: s.file, ...diff }).toEqual({ slice: s.index, file: s.file, count: 0, maxAbs: 0 });
    }
  });

  it('matches the repository fixture tests/fixtures/lidc0001-slice4.png exactly', () => {
    const s = crops.slices.find(c => c.index === 4)!;
    const fixture = readGreyPng(join(REPO, 'tests', 'fixtures', 'lidc0001-slice4.png'));
    expect([fixture.width, fixture.height]).toEqual([S, S]);
    const slice = readSliceImage(join(CT_DIR!, s.file));
    const crop = prepareCrop(slice, { row: crops.geometry.centre_row_col[0], col: crops.geometry.centre_row_col[1] }, contract);
    expect(mismatches(crop.greyHW, fixture.grey)).toEqual({ count: 0, maxAbs: 0 });
    // The model input is grey / scale, and the crop spans the full 0..255 range.
    expect(crop.imageInput.filter((v, i) => v !== Math.fround(crop.greyHW[i] / 255)).length).toBe(0);
    expect(crop.greyHW.reduce((a, b) => Math.min(a, b), 255)).toBe(0);
    expect(crop.greyHW.reduce((a, b) => Math.max(a, b), 0)).toBe(255);
  });
});

describe('prepareCrop on synthetic slices', () => {
  const c = contract.preprocessing.crop.centreIndexPx;

  function slice(rows: number, columns: number, value: (r: number, col: number) => number, slope = 1, intercept = 0): SliceImage {
    const pixelData = new Int16Array(rows * columns);
    for (let r = 0; r < rows; r++) for (let col = 0; col < columns; col++) pixelData[r * columns + col] = value(r, col);
    return { rows, columns, pixelData, rescaleSlope: slope, rescaleIntercept: intercept, pixelSpacingMm: [1, 1] };
  }

  it('puts the centre pixel at centreIndexPx and rounds a fractional centre', () => {
    expect(cropOriginFor({ row: 366, col: 316 }, contract)).toEqual({ row: 366 - c, col: 316 - c });
    expect(cropOriginFor({ row: 10.4, col: 20.6 }, contract)).toEqual({ row: 10 - c, col: 21 - c });
  });

  it('pads with grey 0 where the crop leaves the image, normalising over the pixels inside only', () => {
    // 10 x 10 image with stored value 10 * row + col (0..99); the crop centred on (0, 0)
    // holds the image at crop rows/cols c..c+9 and padding elsewhere.
    const img = slice(10, 10, (r, col) => 10 * r + col, 1, -1000);
    const crop = prepareCrop(img, { row: 0, col: 0 }, contract);
    expect(crop.cropOriginPx).toEqual({ row: -c, col: -c });
    let paddedNonZero = 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const inside = y >= c && y < c + 10 && x >= c && x < c + 10;
        if (!inside && crop.greyHW[y * S + x] !== 0) paddedNonZero++;
      }
    }
    expect(paddedNonZero).toBe(0);
    const at = (r: number, col: number) => crop.greyHW[(c + r) * S + (c + col)];
    // lo = -1000, hi = -901 (the padding does not take part): grey = round_half_up(v * 255 / 99).
    expect(at(0, 0)).toBe(0);
    expect(at(9, 9)).toBe(255);
    expect(at(5, 5)).toBe(142); // 55 * 255 / 99 = 141.67
    expect(at(0, 1)).toBe(3); // 2.58
    expect(at(3, 9)).toBe(100); // 39 * 255 / 99 = 100.45
    // A crop wholly outside the image on the far side: only the bottom-right corner pixel is inside.
    const corner = prepareCrop(img, { row: 9 + c, col: 9 + c }, contract);
    expect(corner.cropOriginPx).toEqual({ row: 9, col: 9 });
    expect(Array.from(corner.greyHW).every(v => v === 0)).toBe(true); // one pixel: constant crop
  });

  it('maps a constant crop to grey 0 and input 0', () => {
    const crop = prepareCrop(slice(200, 200, () => 40), { row: 100, col: 100 }, contract);
    expect(crop.greyHW.every(v => v === 0)).toBe(true);
    expect(crop.imageInput.every(v => v === 0)).toBe(true);
  });

  it('rounds exact .5 ties up (not half-to-even), with the scale computed first', () => {
    // Range 0..6: scale 255 / 6 = 42.5 exactly, so values 1, 3, 5 land on ties 42.5, 127.5, 212.5.
    const img = slice(S, S, (r, col) => (r * S + col) % 7, 1, -1024);
    const crop = prepareCrop(img, { row: c, col: c }, contract);
    expect(crop.cropOriginPx).toEqual({ row: 0, col: 0 });
    expect(Array.from(crop.greyHW.subarray(0, 7))).toEqual([0, 43, 85, 128, 170, 213, 255]);
  });

  it('applies the rescale slope and intercept before normalising', () => {
    // Stored 170, 85 and 0 elsewhere. With slope -1 the order flips (HU -170, -85, 0), which
    // min-max normalisation of the stored values would not show. Scale 255 / 170 = 1.5 exactly.
    const img = slice(S, S, (r, col) => (r === 0 && col === 0 ? 170 : r === 0 && col === 1 ? 85 : 0), -1, 0);
    const crop = prepareCrop(img, { row: c, col: c }, contract);
    expect(crop.greyHW[0]).toBe(0);
    expect(crop.greyHW[1]).toBe(128); // 127.5 rounds up
    expect(crop.greyHW[2]).toBe(255);
  });
});

describe('encodeClicks', () => {
  const { radiusPx, value } = contract.clickEncoding;
  const origin = { row: 0, col: 0 };

  /** Disk pixels counted directly: integer offsets (dy, dx) with dy^2 + dx^2 <= r^2, kept where inside the crop. */
  function diskCount(cy: number, cx: number): number {
    let n = 0;
    const span = Math.ceil(radiusPx) + 2;
    for (let dy = -span; dy <= span; dy++) {
      for (let dx = -span; dx <= span; dx++) {
        const y = cy + dy;
        const x = cx + dx;
        if (dy * dy + dx * dx <= radiusPx * radiusPx && y >= 0 && y < S && x >= 0 && x < S) n++;
      }
    }
    return n;
  }
  const channelSum = (maps: Float32Array, ch: number) => maps.subarray(ch * S * S, (ch + 1) * S * S).reduce((a, b) => a + b, 0);

  it('draws a disk of the contract radius on the positive channel and one on the negative channel', () => {
    // Gauss circle numbers (lattice points in a disk), as an independent check of diskCount.
    const gauss: Record<number, number> = { 1: 5, 2: 13, 3: 29, 4: 49, 5: 81 };
    if (gauss[radiusPx]) expect(diskCount(60, 60)).toBe(gauss[radiusPx]);
    const maps = encodeClicks([{ row: 60, col: 60, positive: true }, { row: 20, col: 100, positive: false }], origin, contract);
    expect(maps).toHaveLength(2 * S * S);
    expect(channelSum(maps, 0)).toBeCloseTo(diskCount(60, 60) * value, 5);
    expect(channelSum(maps, 1)).toBeCloseTo(diskCount(20, 100) * value, 5);
    expect(new Set(maps)).toEqual(new Set([0, value]));
    expect(maps[60 * S + 60]).toBe(value);
    expect(maps[S * S + 20 * S + 100]).toBe(value);
    // Edge of the disk along an axis is inside, one step further is not.
    const r = Math.floor(radiusPx);
    expect(maps[(60 + r) * S + 60]).toBe(value);
    expect(maps[(60 + r + 1) * S + 60]).toBe(0);
    expect(maps[60 * S + 60 - r - 1]).toBe(0);
  });

  it('offsets clicks by the crop origin and rounds fractional clicks', () => {
    const maps = encodeClicks([{ row: 310.4, col: 261.6, positive: true }], { row: 300, col: 250 }, contract);
    expect(maps[10 * S + 12]).toBe(value);
    expect(channelSum(maps, 0)).toBeCloseTo(diskCount(10, 12) * value, 5);
    expect(channelSum(maps, 1)).toBe(0);
  });

  it('clips disks at the crop edges and drops clicks beyond reach', () => {
    const cases: [Click, number, number][] = [
      [{ row: 0, col: 0, positive: true }, 0, 0],
      [{ row: S - 1, col: 5, positive: true }, S - 1, 5],
      [{ row: -1, col: 40, positive: true }, -1, 40], // centre just outside, part of the disk inside
    ];
    for (const [click, cy, cx] of cases) {
      const maps = encodeClicks([click], origin, contract);
      expect(channelSum(maps, 0)).toBeCloseTo(diskCount(cy, cx) * value, 5);
      expect(diskCount(cy, cx)).toBeLessThan(diskCount(60, 60));
    }
    const far = encodeClicks([{ row: -Math.ceil(radiusPx) - 1, col: 40, positive: false }, { row: 40, col: S + 10, positive: true }], origin, contract);
    expect(far.every(v => v === 0)).toBe(true);
  });

  it('does not add up overlapping disks', () => {
    const maps = encodeClicks([{ row: 50, col: 50, positive: true }, { row: 51, col: 50, positive: true }], origin, contract);
    expect(maps.reduce((a, b) => Math.max(a, b), 0)).toBe(value);
    let union = 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const inA = (y - 50) ** 2 + (x - 50) ** 2 <= radiusPx ** 2;
        const inB = (y - 51) ** 2 + (x - 50) ** 2 <= radiusPx ** 2;
        if (inA || inB) union++;
      }
    }
    expect(channelSum(maps, 0)).toBeCloseTo(union * value, 5);
  });

  it('encodes no clicks as all zeros', () => {
    expect(encodeClicks([], origin, contract).every(v => v === 0)).toBe(true);
  });
});

describe('pasteCrop', () => {
  // A 4 x 4 "mask" with distinct values 1..16 so that the geometry is visible.
  const mask = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

  it('pastes a crop inside the slice at its origin', () => {
    const out = pasteCrop(mask, { row: 1, col: 2 }, 4, 6, 7);
    expect(out).toHaveLength(42);
    const expected = new Uint8Array(42);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expected[(1 + y) * 7 + (2 + x)] = y * 4 + x + 1;
    expect(Array.from(out)).toEqual(Array.from(expected));
  });

  it('drops the parts of a crop that hang over any edge', () => {
    // Origin (-2, -1) on a 3 x 2 slice: slice (r, c) shows crop (r + 2, c + 1).
    expect(Array.from(pasteCrop(mask, { row: -2, col: -1 }, 4, 3, 2))).toEqual([10, 11, 14, 15, 0, 0]);
    // Origin (1, 1) on a 3 x 3 slice: only crop rows/cols 0..1 land.
    expect(Array.from(pasteCrop(mask, { row: 1, col: 1 }, 4, 3, 3))).toEqual([0, 0, 0, 0, 1, 2, 0, 5, 6]);
    // Entirely outside.
    expect(pasteCrop(mask, { row: 10, col: 0 }, 4, 3, 3).every(v => v === 0)).toBe(true);
    expect(pasteCrop(mask, { row: 0, col: -4 }, 4, 3, 3).every(v => v === 0)).toBe(true);
  });

  it('inverts prepareCrop geometry: a crop of the slice pasted back lands on the same pixels', () => {
    const rows = 40;
    const columns = 30;
    const origin = cropOriginFor({ row: 5, col: 25 }, contract);
    const back = pasteCrop(new Uint8Array(S * S).fill(1), origin, S, rows, columns);
    // Exactly the slice pixels within S of the origin are covered.
    let wrong = 0;
    let covered = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const inCrop = r >= origin.row && r < origin.row + S && c >= origin.col && c < origin.col + S;
        if (inCrop) covered++;
        if (back[r * columns + c] !== (inCrop ? 1 : 0)) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(covered).toBe(Math.min(rows, origin.row + S) * columns); // origin.row < 0, origin.col + S > columns
  });
});
