/**
 * Odd images through the whole engine (crop, model, sampling, candidates, paste back) with
 * the shipped model on onnxruntime-node: signed and unsigned 16-bit CT, images smaller than
 * the crop, a 1024 x 1024 slice, anisotropic pixels, clicks at the border, and refusals.
 * Real DICOM where there is some: the sample study's slice with the nodule (LIDC-IDRI-0001)
 * and, when the shared data is there, pydicom's 16 x 16 CT.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { PATHS, SAMPLE_NODULE } from '../../scripts/projectConfig';
import { readSliceImage } from '../../tools/lib/dicomFile';
import { loadNodeModel } from '../../tools/lib/nodeModel';
import { SpaInputError } from './errors';
import type { SpaModel } from './model';
import { prepareCrop } from './preprocess';
import { SpaSession, type RoundResult } from './session';
import type { Click, SliceImage } from './types';

const REPO = resolve(__dirname, '..', '..');
const LIDC_SLICE = join(PATHS.sampleDicom, SAMPLE_NODULE.largestSliceFile);
const HIGHDICOM_CT = resolve(REPO, '..', 'shared', 'data', 'dicom-seg-samples', 'highdicom', 'ct_image.dcm');
const TINY_CT = resolve(REPO, '..', 'shared', 'data', 'dicom-seg-samples', 'highdicom', 'pydicom_dicomdirtests_77654033_CT2', '17106');
const NODULE = SAMPLE_NODULE.centre;

/** HU of every pixel of a slice. */
function hu(slice: SliceImage): Float64Array {
  return Float64Array.from(slice.pixelData as ArrayLike<number>, v => v * slice.rescaleSlope + slice.rescaleIntercept);
}

const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
const at = (m: Uint8Array, size: number, row: number, col: number) => m[row * size + col];

/** Checks that the approved mask is exactly the recommendation put back at the crop's place. */
function expectPastedBack(session: SpaSession, round: RoundResult, slice: SliceImage): Uint8Array {
  const { maskRowsCols, rows, columns } = session.approve();
  expect([rows, columns]).toEqual([slice.rows, slice.columns]);
  expect(maskRowsCols).toHaveLength(slice.rows * slice.columns);
  const S = round.cropSizePx;
  let inside = 0;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const r = round.cropOriginPx.row + y;
      const c = round.cropOriginPx.col + x;
      if (r < 0 || c < 0 || r >= slice.rows || c >= slice.columns) continue;
      if (maskRowsCols[r * slice.columns + c] !== round.recommendationHW[y * S + x]) throw new Error(`pixel (${r}, ${c}) differs from crop (${y}, ${x})`);
      inside += round.recommendationHW[y * S + x];
    }
  }
  // Nothing of the mask lies outside the crop.
  expect(count(maskRowsCols)).toBe(inside);
  return maskRowsCols;
}

/** A lung-like background (-850 HU) with a soft-tissue disk (+40 HU). */
function diskSlice(rows: number, columns: number, centre: { row: number; col: number }, radius: number, spacing: [number, number] = [0.7, 0.7]): SliceImage {
  const pixelData = new Int16Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) pixelData[r * columns + c] = (r - centre.row) ** 2 + (c - centre.col) ** 2 <= radius * radius ? 1064 : 174;
  }
  return { rows, columns, pixelData, rescaleSlope: 1, rescaleIntercept: -1024, pixelSpacingMm: spacing };
}

let model: SpaModel;
let lidc: SliceImage;

beforeAll(async () => {
  model = await loadNodeModel('node');
  lidc = readSliceImage(LIDC_SLICE);
});

afterAll(async () => {
  await model?.release();
});

const CLICK: Click = { ...NODULE, positive: true };
const OPTIONS = { samples: 32, candidates: 3, seed: 7 };

describe('16-bit CT: signed and unsigned storage of the same HU give the same result', () => {
  it('Int16 stored + intercept -1024 (the file), Int16 HU + intercept 0, Uint16 HU+1024 + intercept -1024', async () => {
    expect(lidc.pixelData).toBeInstanceOf(Int16Array);
    expect(lidc.rescaleIntercept).toBe(-1024);
    // The file pads outside the scanner's field of view with stored -1024 (-2048 HU), which
    // unsigned storage with intercept -1024 cannot hold; scanners that store unsigned pad
    // with -1024 HU. So: HU clamped at -1024 (the crop around the nodule lies inside the
    // field of view and does not change), then stored both ways.
    const clampedHu = Int16Array.from(hu(lidc), v => Math.max(-1024, v));
    expect(hu(lidc).some(v => v < -1024)).toBe(true);
    const signedHu: SliceImage = { ...lidc, pixelData: clampedHu, rescaleIntercept: 0 };
    const unsigned: SliceImage = { ...lidc, pixelData: Uint16Array.from(clampedHu, v => v + 1024), rescaleIntercept: -1024 };
    expect((unsigned.pixelData as Uint16Array).reduce((a, b) => Math.min(a, b), 65535)).toBe(0);
    // Unsigned values read without their intercept are 1024 HU brighter: min-max
    // normalisation per crop gives the same grey crop all the same.
    const unsignedNoIntercept: SliceImage = { ...unsigned, rescaleIntercept: 0 };

    const results = [];
    for (const slice of [lidc, signedHu, unsigned, unsignedNoIntercept]) {
      const session = new SpaSession(model, OPTIONS);
      const round = await session.start(slice, CLICK);
      results.push({ round, mask: expectPastedBack(session, round, slice) });
    }
    const [ref, ...others] = results;
    expect(at(ref.round.recommendationHW, 128, 64, 64)).toBe(1);
    for (const other of others) {
      expect(Buffer.from(other.round.greyHW).equals(Buffer.from(ref.round.greyHW))).toBe(true);
      expect(Buffer.from(other.round.recommendationHW).equals(Buffer.from(ref.round.recommendationHW))).toBe(true);
      expect(other.round.candidates.map(c => c.share)).toEqual(ref.round.candidates.map(c => c.share));
      expect(Buffer.from(other.mask).equals(Buffer.from(ref.mask))).toBe(true);
    }
  });

  it('negative stored values (signed data below the intercept) are read as signed', () => {
    const slice: SliceImage = { rows: 2, columns: 2, pixelData: Int16Array.from([-2000, -1000, 0, 1000]), rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] };
    const crop = prepareCrop(slice, { row: 0, col: 0 }, model.contract);
    const S = model.contract.cropSizePx;
    const c = model.contract.preprocessing.crop.centreIndexPx;
    expect([crop.greyHW[c * S + c], crop.greyHW[c * S + c + 1], crop.greyHW[(c + 1) * S + c], crop.greyHW[(c + 1) * S + c + 1]]).toEqual([0, 85, 170, 255]);
  });
});

describe('images smaller than the 128-pixel crop are padded', () => {
  it('64 x 64 with a disk: the crop is padded with grey 0, the disk is segmented, the mask pasted back', async () => {
    const slice = diskSlice(64, 64, { row: 30, col: 34 }, 7);
    const session = new SpaSession(model, OPTIONS);
    const round = await session.start(slice, { row: 30, col: 34, positive: true });
    expect(round.cropOriginPx).toEqual({ row: 30 - 64, col: 34 - 64 });
    // Padding rows above the image are grey 0 (the crop's minimum).
    expect(round.greyHW.subarray(0, 128 * 34).every(v => v === 0)).toBe(true);
    const mask = expectPastedBack(session, round, slice);
    expect(mask[30 * 64 + 34]).toBe(1);
    // The mask covers most of the disk and not much more.
    const disk = count(Uint8Array.from(slice.pixelData as Int16Array, v => (v === 1064 ? 1 : 0)));
    let overlap = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] && (slice.pixelData as Int16Array)[i] === 1064) overlap++;
    expect((2 * overlap) / (count(mask) + disk)).toBeGreaterThan(0.6);
  });

  const haveTiny = existsSync(TINY_CT);
  (haveTiny ? it : it.skip)('a real 16 x 16 CT (pydicom test data) runs and pastes back into 16 x 16', async () => {
    const slice = readSliceImage(TINY_CT);
    expect([slice.rows, slice.columns]).toEqual([16, 16]);
    const session = new SpaSession(model, OPTIONS);
    const round = await session.start(slice, { row: 8, col: 8, positive: true });
    expect(round.candidates.length).toBeGreaterThanOrEqual(1);
    expectPastedBack(session, round, slice);
  });
});

describe('a crop-sized real CT', () => {
  (existsSync(HIGHDICOM_CT) ? it : it.skip)('highdicom ct_image.dcm (128 x 128), a click 5 pixels from its corner', async () => {
    const slice = readSliceImage(HIGHDICOM_CT);
    expect([slice.rows, slice.columns]).toEqual([128, 128]);
    const session = new SpaSession(model, OPTIONS);
    const round = await session.start(slice, { row: 5, col: 122, positive: true });
    expect(round.cropOriginPx).toEqual({ row: 5 - 64, col: 122 - 64 });
    expectPastedBack(session, round, slice);
  });
});

describe('a 1024 x 1024 slice', () => {
  it('the sample slice upsampled 2x: the nodule is found at twice the coordinates', async () => {
    const N = 1024;
    const stored = new Int16Array(N * N);
    for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) stored[r * N + c] = lidc.pixelData[(r >> 1) * 512 + (c >> 1)];
    const slice: SliceImage = { rows: N, columns: N, pixelData: stored, rescaleSlope: 1, rescaleIntercept: -1024, pixelSpacingMm: [0.3515625, 0.3515625] };
    const session = new SpaSession(model, OPTIONS);
    const t0 = performance.now();
    const round = await session.start(slice, { row: 2 * NODULE.row, col: 2 * NODULE.col, positive: true });
    const ms = performance.now() - t0;
    expect(round.cropOriginPx).toEqual({ row: 2 * NODULE.row - 64, col: 2 * NODULE.col - 64 });
    const mask = expectPastedBack(session, round, slice);
    expect(mask[2 * NODULE.row * N + 2 * NODULE.col]).toBe(1);
    // Only the crop is touched: the round costs about what a 512 x 512 one does (model pass on 128 x 128).
    expect(ms).toBeLessThan(5000);
  });
});

describe('anisotropic pixel spacing', () => {
  it('the engine works in pixels: the same pixels with [0.7, 1.4] mm spacing give the same result as [0.7, 0.7]', async () => {
    const aniso: SliceImage = { ...lidc, pixelSpacingMm: [0.703125, 1.40625] };
    const a = await new SpaSession(model, OPTIONS).start(lidc, CLICK);
    const b = await new SpaSession(model, OPTIONS).start(aniso, CLICK);
    expect(Buffer.from(b.recommendationHW).equals(Buffer.from(a.recommendationHW))).toBe(true);
  });
});

describe('clicks within 10 pixels of the border', () => {
  it.each([
    ['top edge', { row: 3, col: 256 }],
    ['left edge', { row: 256, col: 0 }],
    ['bottom-right corner', { row: 511, col: 505 }],
    ['top-left corner', { row: 9, col: 9 }],
  ])('%s (%p): crop padded, result pasted back inside the image only', async (_name, point) => {
    const session = new SpaSession(model, OPTIONS);
    const round = await session.start(lidc, { ...point, positive: true });
    expect(round.cropOriginPx).toEqual({ row: point.row - 64, col: point.col - 64 });
    // Crop pixels outside the image are padding (grey 0).
    const S = round.cropSizePx;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const r = point.row - 64 + y;
        const c = point.col - 64 + x;
        if (r < 0 || c < 0 || r >= 512 || c >= 512) expect(round.greyHW[y * S + x]).toBe(0);
      }
    }
    expectPastedBack(session, round, lidc);
    // A second click nearer the edge refines the same structure.
    const next = await session.addClick({ row: Math.min(511, point.row + 2), col: Math.max(0, point.col - 2), positive: false });
    expect(next.round).toBe(2);
    expectPastedBack(session, next, lidc);
  });

  it('a disk touching the top border is segmented up to the border', async () => {
    const s = diskSlice(100, 100, { row: 4, col: 50 }, 8);
    const session = new SpaSession(model, OPTIONS);
    const round = await session.start(s, { row: 4, col: 50, positive: true });
    const mask = expectPastedBack(session, round, s);
    expect(mask[4 * 100 + 50]).toBe(1);
    expect(mask[0 * 100 + 50]).toBe(1);
  });
});

describe('refusals say what is wrong', () => {
  it('pixel data that does not match rows x columns (e.g. RGB interleaved) is refused before the model runs', async () => {
    const rgb: SliceImage = { rows: 4, columns: 4, pixelData: new Uint8Array(4 * 4 * 3), rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] };
    const err = await new SpaSession(model, OPTIONS).start(rgb, { row: 1, col: 1, positive: true }).catch(e => e);
    expect(err).toBeInstanceOf(SpaInputError);
    expect(err).toMatchObject({ problem: 'unsupported-image', message: 'Expected a single-channel slice with 4 x 4 pixels, got 48 values.' });
  });

  it('a click outside the image, and a later click outside the crop', async () => {
    const session = new SpaSession(model, OPTIONS);
    await expect(session.start(lidc, { row: -1, col: 10, positive: true })).rejects.toMatchObject({
      problem: 'click-outside-image',
      message: 'The click (row -1, column 10) is outside the 512 x 512 image; click on the structure itself.',
    });
    await session.start(lidc, CLICK);
    await expect(session.addClick({ row: NODULE.row + 100, col: NODULE.col, positive: true })).rejects.toMatchObject({
      problem: 'click-outside-crop',
      message: `The click is more than ${model.contract.segmentedCentrePx / 2} pixels from the structure's first click; reset to start a new structure there.`,
    });
    await expect(session.addClick({ row: 600, col: 0, positive: true })).rejects.toMatchObject({ problem: 'click-outside-image' });
  });

  it('a constant image (no contrast) gives grey 0 everywhere and still answers', async () => {
    const flat: SliceImage = { rows: 64, columns: 64, pixelData: new Int16Array(64 * 64).fill(1024), rescaleSlope: 1, rescaleIntercept: -1024, pixelSpacingMm: [1, 1] };
    const round = await new SpaSession(model, OPTIONS).start(flat, { row: 32, col: 32, positive: true });
    expect(round.greyHW.every(v => v === 0)).toBe(true);
    expect(round.candidates.length).toBeGreaterThanOrEqual(1);
  });
});
