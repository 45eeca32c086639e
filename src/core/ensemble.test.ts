import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadNodeModel, MODELS_DIR } from '../../tools/lib/nodeModel';
import { ModelContract, parseContract } from './contract';
import { GRID_SYMMETRIES, SymmetryEnsemblePredictor, symmetryTargets, withTestTimeViews } from './ensemble';
import { ModelLoadError } from './errors';
import type { ModelInput, ModelOutput, Predictor } from './model';
import { encodeClicks, prepareCrop } from './preprocess';

const CONTRACT_FILE = join(MODELS_DIR, 'spa-lidc.json');
const shippedJson = JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as Record<string, unknown>;

const S = 6;
const R = 2;
const M = 3;
const contract = { name: 'toy', cropSizePx: S, rank: R, components: M, gridSymmetries: 8 } as ModelContract;

/** A fake network whose outputs are given functions of its input; it records its batches. */
class FakePredictor implements Predictor {
  batches: ModelInput[][] = [];
  constructor(readonly contract: ModelContract, private readonly fn: (input: ModelInput) => ModelOutput) {}
  async predict(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
    this.batches.push([...batch]);
    return batch.map(this.fn);
  }
}

function inputOf(seed: number): ModelInput {
  const imageInput = Float32Array.from({ length: S * S }, (_, i) => ((i * 7 + seed * 13) % 11) / 10);
  const clickMaps = new Float32Array(2 * S * S);
  clickMaps[seed % (S * S)] = 1;
  clickMaps[S * S + ((seed * 5 + 3) % (S * S))] = 1;
  return { imageInput, clickMaps };
}

/** Equivariant by construction: pixelwise functions of the input planes. */
function pixelwise(input: ModelInput): ModelOutput {
  const meanLogitsHW = input.imageInput.map((v, p) => 2 * v - input.clickMaps[p] + input.clickMaps[S * S + p]);
  const factorRHW = new Float32Array(R * S * S);
  for (let r = 0; r < R; r++) for (let p = 0; p < S * S; p++) factorRHW[r * S * S + p] = (r + 1) * input.imageInput[p];
  return { meanLogitsHW, factorRHW, mixMeansMR: Float32Array.from({ length: M * R }, (_, i) => i), mixLogvarsMR: new Float32Array(M * R).fill(-1) };
}

describe('grid symmetries', () => {
  it('are the 8 distinct permutations of the square, identity first', () => {
    const maps = GRID_SYMMETRIES.map(sym => Array.from(symmetryTargets(sym, S)));
    for (const m of maps) expect(new Set(m).size).toBe(S * S);
    expect(maps[0]).toEqual(Array.from({ length: S * S }, (_, i) => i));
    expect(new Set(maps.map(m => m.join(','))).size).toBe(8);
    // Mirror: (row 1, col 0) -> (1, S-1); transpose: (1, 0) -> (0, 1).
    expect(maps[1][1 * S + 0]).toBe(1 * S + S - 1);
    expect(maps[4][1 * S + 0]).toBe(0 * S + 1);
  });
});

describe('SymmetryEnsemblePredictor', () => {
  it('gives an equivariant network its plain outputs back (every view is undone correctly)', async () => {
    const inputs = [inputOf(1), inputOf(2)];
    const plain = inputs.map(pixelwise);
    for (const views of [2, 4, 8]) {
      const inner = new FakePredictor(contract, pixelwise);
      const outs = await new SymmetryEnsemblePredictor(inner, views).predict(inputs);
      // One batched call with every view of every input.
      expect(inner.batches.map(b => b.length)).toEqual([inputs.length * views]);
      outs.forEach((o, i) => {
        for (const key of ['meanLogitsHW', 'factorRHW', 'mixMeansMR', 'mixLogvarsMR'] as const) {
          Array.from(o[key]).forEach((v, k) => expect(v).toBeCloseTo(plain[i][key][k], 5));
        }
      });
    }
  });

  it('averages what a network sees differently under the symmetries', async () => {
    // Output = column index, whatever the input: mirroring turns it into S-1-col, so the
    // two-view average is (S-1)/2 everywhere.
    const byColumn = (input: ModelInput): ModelOutput => ({
      ...pixelwise(input),
      meanLogitsHW: Float32Array.from({ length: S * S }, (_, p) => p % S),
      mixMeansMR: new Float32Array(M * R).fill(input.imageInput[0]),
    });
    const input = inputOf(3);
    const [out] = await new SymmetryEnsemblePredictor(new FakePredictor(contract, byColumn), 2).predict([input]);
    for (const v of out.meanLogitsHW) expect(v).toBeCloseTo((S - 1) / 2, 6);
    // Latent parameters: the mean of what each view gave (top-left pixel of each view).
    const mirroredTopLeft = input.imageInput[S - 1];
    for (const v of out.mixMeansMR) expect(v).toBeCloseTo((input.imageInput[0] + mirroredTopLeft) / 2, 6);
  });

  it('refuses more views than the model was trained with; withTestTimeViews caps them', () => {
    const plainModel = new FakePredictor({ ...contract, gridSymmetries: 1 }, pixelwise);
    expect(() => new SymmetryEnsemblePredictor(plainModel, 2)).toThrow('test-time views 2 exceed the 1 grid symmetries that model toy was trained with');
    expect(() => new SymmetryEnsemblePredictor(new FakePredictor(contract, pixelwise), 3)).toThrow('test-time views must be 1, 2, 4 or 8, got 3');
    expect(withTestTimeViews(plainModel, 8)).toBe(plainModel);
    const mirrorOnly = withTestTimeViews(new FakePredictor({ ...contract, gridSymmetries: 2 }, pixelwise), 8);
    expect((mirrorOnly as SymmetryEnsemblePredictor).views).toBe(2);
  });
});

describe('gridSymmetries in the contract', () => {
  it('is read from the shipped model (trained with rotations and mirroring) and validated', () => {
    expect(parseContract(shippedJson, CONTRACT_FILE).gridSymmetries).toBe(8);
    const { gridSymmetries: _, ...older } = shippedJson;
    expect(parseContract(older, CONTRACT_FILE).gridSymmetries).toBe(1);
    const bad = () => parseContract({ ...shippedJson, gridSymmetries: 3 }, CONTRACT_FILE);
    expect(bad).toThrow(ModelLoadError);
    expect(bad).toThrow('invalid gridSymmetries (1, 2, 4 or 8)');
  });
});

describe('with the shipped model', () => {
  it('the 8-view average stays close to the plain pass on a real crop (the model is nearly equivariant)', async () => {
    const model = await loadNodeModel('node');
    try {
      const parity = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tests', 'fixtures', 'spa-lidc-parity.json'), 'utf8'));
      const s = model.contract.cropSizePx;
      const grey = new Uint8Array(Buffer.from(parity.imageGrey, 'base64'));
      const slice = { rows: s, columns: s, pixelData: grey, rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] as [number, number] };
      const [row, col] = parity.positive[0];
      const crop = prepareCrop(slice, { row, col }, model.contract);
      const input = { imageInput: crop.imageInput, clickMaps: encodeClicks([{ row, col, positive: true }], crop.cropOriginPx, model.contract) };
      const [plain] = await model.predict([input]);
      const [averaged] = await new SymmetryEnsemblePredictor(model, 8).predict([input]);
      const on = (o: ModelOutput) => Array.from(o.meanLogitsHW, v => v > 0);
      const a = on(plain);
      const b = on(averaged);
      const both = a.filter((v, i) => v && b[i]).length;
      const dice = (2 * both) / (a.filter(Boolean).length + b.filter(Boolean).length);
      expect(a.filter(Boolean).length).toBeGreaterThan(10);
      // A wrongly undone view would smear the nodule across the crop.
      expect(dice).toBeGreaterThan(0.9);
      expect(averaged.meanLogitsHW).not.toEqual(plain.meanLogitsHW);
    } finally {
      await model.release();
    }
  });
});
