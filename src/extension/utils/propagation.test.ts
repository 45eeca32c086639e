import { join } from 'node:path';

import { PATHS, SAMPLE_NODULE } from '../../../scripts/projectConfig';
import { readSliceImage } from '../../../tools/lib/dicomFile';
import { loadNodeModel } from '../../../tools/lib/nodeModel';
import { countOn, dice, SpaSession, type SpaModel } from '../../core';
import { DEFAULT_PROPAGATION_LIMITS, judgePropagatedMask, pickContinuation, propagateOnto, propagationClick, slicesFrom } from './propagation';

const rows = 20;
const columns = 20;
function disk(cy: number, cx: number, r: number): Uint8Array {
  const m = new Uint8Array(rows * columns);
  for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) m[y * columns + x] = 1;
  return m;
}

describe('propagation rules', () => {
  it('clicks at the centroid of the previous mask, or its deepest pixel for a crescent', () => {
    expect(propagationClick(disk(8, 11, 3), rows, columns)).toEqual({ row: 8, col: 11 });
    const crescent = disk(10, 10, 6);
    disk(10, 12, 5).forEach((v, i) => v && (crescent[i] = 0));
    const p = propagationClick(crescent, rows, columns)!;
    expect(crescent[p.row * columns + p.col]).toBe(1);
    expect(propagationClick(new Uint8Array(rows * columns), rows, columns)).toBeNull();
  });

  it('accepts a slightly smaller mask on the same spot and keeps only its largest part', () => {
    const predicted = disk(10, 10, 3);
    predicted[0] = 1; // a stray pixel elsewhere
    const verdict = judgePropagatedMask(disk(10, 10, 4), predicted, rows, columns);
    expect(verdict.accept).toBe(true);
    if (verdict.accept) expect(verdict.mask[0]).toBe(0);
  });

  it('stops on an empty prediction, a mask that grows too much or one that moved away', () => {
    const prev = disk(10, 10, 2);
    expect(judgePropagatedMask(prev, new Uint8Array(rows * columns), rows, columns)).toMatchObject({ accept: false, reason: expect.stringContaining('empty') });
    expect(judgePropagatedMask(prev, disk(10, 10, 6), rows, columns)).toMatchObject({ accept: false, reason: expect.stringContaining('grow') });
    expect(judgePropagatedMask(disk(4, 4, 3), disk(15, 15, 3), rows, columns, { ...DEFAULT_PROPAGATION_LIMITS, maxGrowth: 10 })).toMatchObject({
      accept: false,
      reason: expect.stringContaining('overlaps'),
    });
    // A mask that grows around the previous one overlaps all of it: accepted.
    expect(judgePropagatedMask(disk(10, 10, 2), disk(10, 10, 3), rows, columns).accept).toBe(true);
  });

  it('stops where the structure fades out against its largest slice', () => {
    const prev = disk(10, 10, 3);
    expect(judgePropagatedMask(prev, disk(10, 10, 1), rows, columns, DEFAULT_PROPAGATION_LIMITS, 200)).toMatchObject({
      accept: false,
      reason: expect.stringContaining('fades out'),
    });
    expect(judgePropagatedMask(prev, disk(10, 10, 2), rows, columns, DEFAULT_PROPAGATION_LIMITS, 29).accept).toBe(true);
  });

  it('lists neighbouring slices nearest first within the stack and the limit', () => {
    expect(slicesFrom(5, 1, 8, 10)).toEqual([6, 7]);
    expect(slicesFrom(5, -1, 8, 2)).toEqual([4, 3]);
    expect(slicesFrom(0, -1, 8, 2)).toEqual([]);
  });
});

describe('pickContinuation', () => {
  it('takes the mask closest to the previous slice, the recommendation on a tie', () => {
    const prev = disk(10, 10, 5);
    expect(pickContinuation([disk(10, 10, 2), disk(10, 10, 5), disk(3, 3, 2)], prev)).toBe(1);
    expect(pickContinuation([disk(10, 10, 4), disk(10, 10, 4)], prev)).toBe(0);
  });
});

describe('propagateOnto (shipped model, the sample study)', () => {
  const NODULE = { ...SAMPLE_NODULE.centre, positive: true };
  const OPTIONS = { samples: 32, candidates: 4, seed: 3 };
  let model: SpaModel;
  beforeAll(async () => {
    model = await loadNodeModel('node');
  });
  afterAll(async () => {
    await model?.release();
  });

  it('carries the approved nodule to the next slice: same place, similar size', async () => {
    const here = readSliceImage(join(PATHS.sampleDicom, SAMPLE_NODULE.largestSliceFile));
    const session = new SpaSession(model, OPTIONS);
    await session.start(here, NODULE);
    const approved = session.approve().maskRowsCols;
    expect(countOn(approved)).toBeGreaterThan(100);
    const verdict = await propagateOnto(model, readSliceImage(join(PATHS.sampleDicom, '1-044.dcm')), approved, countOn(approved), OPTIONS);
    expect(verdict.accept).toBe(true);
    if (!verdict.accept) return;
    expect(dice(verdict.mask, approved)).toBeGreaterThan(0.6);
    expect(verdict.pixels).toBe(countOn(verdict.mask));
  });

  it('refuses to continue from an empty mask', async () => {
    const next = readSliceImage(join(PATHS.sampleDicom, '1-044.dcm'));
    const emptyMask = new Uint8Array(next.rows * next.columns);
    await expect(propagateOnto(model, next, emptyMask, 0, OPTIONS)).resolves.toEqual({ accept: false, reason: "the previous slice's mask is empty" });
  });
});
