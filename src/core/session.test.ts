import { loadNodeModel, loadOrt, readContract, readModelFiles } from '../../tools/lib/nodeModel';
import { SpaCancelledError, SpaModel, SpaSession, SliceImage, SpaInputError } from '.';
import type { ModelInput, ModelOutput, Predictor } from '.';

function syntheticSlice(rows: number, columns: number): SliceImage {
  // A bright disk (a "nodule", +40 HU) of radius 8 at (40, 50) on lung (-850 HU).
  const pixelData = new Int16Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      pixelData[r * columns + c] = (r - 40) ** 2 + (c - 50) ** 2 <= 64 ? 1064 : 174;
    }
  }
  return { rows, columns, pixelData, rescaleSlope: 1, rescaleIntercept: -1024, pixelSpacingMm: [0.7, 0.7] };
}

describe('SpaSession on the shipped model (onnxruntime-node)', () => {
  let model: SpaModel;
  beforeAll(async () => {
    model = await loadNodeModel('node');
  });
  afterAll(async () => {
    await model.release();
  });

  it('starts, offers 2..K distinct candidates whose shares sum to 1, and approves into slice geometry', async () => {
    const slice = syntheticSlice(100, 90);
    const session = new SpaSession(model, { samples: 32, candidates: 3, seed: 3 });
    const round = await session.start(slice, { row: 40, col: 50, positive: true });
    expect(round.round).toBe(1);
    expect(round.cropOriginPx).toEqual({ row: 40 - 64, col: 50 - 64 });
    expect(round.recommendationHW).toHaveLength(128 * 128);
    expect(round.candidates.length).toBeGreaterThanOrEqual(1);
    expect(round.candidates.length).toBeLessThanOrEqual(3);
    const shares = round.candidates.reduce((s, c) => s + c.share, 0);
    expect(shares).toBeCloseTo(1, 6);
    for (let i = 0; i < round.candidates.length; i++) {
      for (let j = i + 1; j < round.candidates.length; j++) {
        expect(Buffer.from(round.candidates[i].maskHW).equals(Buffer.from(round.candidates[j].maskHW))).toBe(false);
      }
    }
    const { maskRowsCols, rows, columns } = session.approve();
    expect([rows, columns]).toEqual([100, 90]);
    expect(maskRowsCols).toHaveLength(100 * 90);
    // The pasted mask equals the recommendation where the crop overlaps the image.
    let expected = 0;
    for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) {
      const r = y - 24, c = x - 14;
      if (r >= 0 && r < 100 && c >= 0 && c < 90) expected += round.recommendationHW[y * 128 + x];
    }
    expect(maskRowsCols.reduce((a, b) => a + b, 0)).toBe(expected);
  });

  it('is deterministic for a seed, and undo returns the previous round', async () => {
    const slice = syntheticSlice(128, 128);
    const a = new SpaSession(model, { seed: 5 });
    const b = new SpaSession(model, { seed: 5 });
    const ra = await a.start(slice, { row: 40, col: 50, positive: true });
    const rb = await b.start(slice, { row: 40, col: 50, positive: true });
    expect(Buffer.from(ra.recommendationHW).equals(Buffer.from(rb.recommendationHW))).toBe(true);
    expect(ra.candidates.map(c => c.share)).toEqual(rb.candidates.map(c => c.share));
    const r2 = await a.addClick({ row: 60, col: 70, positive: false });
    expect(r2.round).toBe(2);
    expect(r2.clicks).toHaveLength(2);
    expect(a.undo()).toBe(ra);
    expect(a.undo()).toBeNull();
  });

  it('refuses a click outside the image or outside the crop, and a bad choice', async () => {
    const slice = syntheticSlice(64, 64);
    const s = new SpaSession(model);
    await expect(s.start(slice, { row: 70, col: 10, positive: true })).rejects.toMatchObject({ problem: 'click-outside-image' });
    await expect(s.choose(0)).rejects.toBeInstanceOf(SpaInputError);
    const big = syntheticSlice(400, 400);
    await s.start(big, { row: 40, col: 50, positive: true });
    await expect(s.addClick({ row: 300, col: 300, positive: true })).rejects.toMatchObject({ problem: 'click-outside-crop' });
    await expect(s.choose(7)).rejects.toMatchObject({ problem: 'bad-choice' });
  });

  it('refuses a later click outside the square the model segments (contract segmentedCentrePx)', async () => {
    const files = readModelFiles();
    const contractJson = { ...(files.contractJson as object), segmentedCentrePx: 64 };
    const centreOnly = await SpaModel.create(await loadOrt('node'), contractJson, files.modelBytes, { contractFile: files.contractFile });
    try {
      const s = new SpaSession(centreOnly);
      await s.start(syntheticSlice(400, 400), { row: 200, col: 200, positive: true });
      await expect(s.addClick({ row: 240, col: 200, positive: false })).rejects.toMatchObject({
        problem: 'click-outside-crop',
        message: "The click is more than 32 pixels from the structure's first click; reset to start a new structure there.",
      });
      await expect(s.addClick({ row: 200, col: 167, positive: false })).rejects.toMatchObject({ problem: 'click-outside-crop' });
      expect((await s.addClick({ row: 225, col: 170, positive: false })).round).toBe(2);
    } finally {
      await centreOnly.release();
    }
  });

  it('lets the latest of two overlapping requests win', async () => {
    const slice = syntheticSlice(128, 128);
    const s = new SpaSession(model);
    const first = s.start(slice, { row: 40, col: 50, positive: true });
    const second = s.start(slice, { row: 42, col: 52, positive: true });
    await expect(first).rejects.toBeInstanceOf(SpaCancelledError);
    const r = await second;
    expect(r.clicks[0]).toEqual({ row: 42, col: 52, positive: true });
    expect(s.current).toBe(r);
  });
});

describe('SpaSession masks', () => {
  /** A model that is sure of two disks (radius 6) in the crop: at (40, 40) and at (40, 90). */
  class TwoBlobModel implements Predictor {
    readonly contract = readContract();
    async predict(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
      const { cropSizePx: s, rank, components } = this.contract;
      return batch.map(() => {
        const meanLogitsHW = new Float32Array(s * s).fill(-10);
        for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) {
          if ((y - 40) ** 2 + (x - 40) ** 2 <= 36 || (y - 40) ** 2 + (x - 90) ** 2 <= 36) meanLogitsHW[y * s + x] = 10;
        }
        return { meanLogitsHW, factorRHW: new Float32Array(rank * s * s), mixMeansMR: new Float32Array(components * rank), mixLogvarsMR: new Float32Array(components * rank) };
      });
    }
  }

  it('keep only the structure a positive click is on, also after a click on the other one', async () => {
    const slice = syntheticSlice(128, 128);
    const session = new SpaSession(new TwoBlobModel());
    const round = await session.start(slice, { row: 40, col: 40, positive: true }, { cropCentre: { row: 64, col: 64 } });
    expect(round.meanProbHW[40 * 128 + 90]).toBeGreaterThan(0.99); // the model sees both ...
    for (const mask of [round.recommendationHW, ...round.candidates.map(c => c.maskHW)]) {
      expect(mask[40 * 128 + 40]).toBe(1); // ... the masks hold the clicked one only
      expect(mask[40 * 128 + 90]).toBe(0);
    }
    const both = await session.addClick({ row: 40, col: 90, positive: true });
    expect(both.recommendationHW[40 * 128 + 40]).toBe(1);
    expect(both.recommendationHW[40 * 128 + 90]).toBe(1);
  });
});
