/** Runs one simulated user through six rounds of SPA or a baseline on one crop. */
import {
  dice,
  deepestPoint,
  drawSamples,
  encodeClicks,
  iou,
  largestComponent,
  ModelInput,
  ModelOutput,
  Predictor,
  SeededRandom,
  SpaOptions,
  SpaSession,
  uniformProfile,
} from '../../src/core';
import type { Case } from './protocols';
import type { CropSlice } from './dataset';

export const ROUNDS = 6;
export type MethodName = 'spa' | 'frozen' | 'clicks';
export const METHODS: MethodName[] = ['spa', 'frozen', 'clicks'];

/**
 * Method settings: "frozen" never updates pi nor adds a click (so it shows its first set every
 * round); "clicks" keeps pi and only adds a click at the largest error each round.
 */
export function methodOptions(method: MethodName, base: Partial<SpaOptions>): Partial<SpaOptions> {
  if (method === 'spa') return base;
  return { ...base, learningRate: 0, derivedClicks: false };
}

export interface CaseResult {
  dicePerRound: number[];
  iouPerRound: number[];
  bestCandidateWins: boolean;
}

/**
 * Merges the predict calls that concurrent sessions make in the same turn of the event loop
 * into one batched run (the harness runs every case of a slice at once).
 */
export class BatchingPredictor implements Predictor {
  private pending: { input: ModelInput; resolve: (o: ModelOutput) => void; reject: (e: unknown) => void }[] = [];
  batches = 0;

  constructor(private readonly inner: Predictor, private readonly maxBatch = 16) {}

  get contract() {
    return this.inner.contract;
  }

  predict(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
    const results = batch.map(input => new Promise<ModelOutput>((resolve, reject) => this.pending.push({ input, resolve, reject })));
    if (this.pending.length === batch.length) setImmediate(() => this.flush());
    return Promise.all(results);
  }

  private flush(): void {
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const chunk = all.slice(i, i + this.maxBatch);
      this.batches++;
      this.inner.predict(chunk.map(c => c.input)).then(
        outs => chunk.forEach((c, j) => c.resolve(outs[j])),
        err => chunk.forEach(c => c.reject(err))
      );
    }
  }
}

/** Memoises model outputs per crop (as promises, so concurrent equal requests share one pass). */
export class CachingPredictor implements Predictor {
  private cache = new Map<string, Promise<ModelOutput>>();
  passes = 0;

  constructor(private readonly inner: Predictor) {}

  get contract() {
    return this.inner.contract;
  }

  clear(): void {
    this.cache.clear();
  }

  predict(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
    return Promise.all(
      batch.map(item => {
        const on: number[] = [];
        item.clickMaps.forEach((v, i) => v && on.push(i));
        const key = on.join(',');
        let out = this.cache.get(key);
        if (!out) {
          this.passes++;
          out = this.inner.predict([item]).then(([o]) => o);
          this.cache.set(key, out);
        }
        return out;
      })
    );
  }
}

export function sliceImageOf(slice: CropSlice) {
  return { rows: slice.size, columns: slice.size, pixelData: slice.greyHW, rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] as [number, number] };
}

export async function simulateCase(predictor: Predictor, slice: CropSlice, kase: Case, method: MethodName, base: Partial<SpaOptions>): Promise<CaseResult> {
  const session = new SpaSession(predictor, methodOptions(method, base));
  const centre = { row: slice.size / 2, col: slice.size / 2 };
  let round = await session.start(sliceImageOf(slice), kase.firstClick, { cropCentre: centre });
  const dicePerRound: number[] = [];
  const iouPerRound: number[] = [];
  let bestCandidateWins = false;
  for (let r = 1; r <= ROUNDS; r++) {
    const recDice = dice(round.recommendationHW, kase.targetHW);
    dicePerRound.push(recDice);
    iouPerRound.push(iou(round.recommendationHW, kase.targetHW));
    const candDice = round.candidates.map(c => dice(c.maskHW, kase.targetHW));
    if (r === 1) bestCandidateWins = Math.max(...candDice) > recDice;
    if (r === ROUNDS) break;
    if (method === 'frozen') continue; // nothing changes between rounds: the same set is shown again
    if (method === 'clicks') {
      const error = new Uint8Array(kase.targetHW.length);
      for (let p = 0; p < error.length; p++) error[p] = round.recommendationHW[p] !== kase.targetHW[p] ? 1 : 0;
      const spot = deepestPoint(largestComponent(error, slice.size, slice.size), slice.size, slice.size);
      if (!spot) {
        round = await session.choose('recommendation'); // nothing left to correct
        continue;
      }
      round = await session.addClick({ ...spot, positive: kase.targetHW[spot.row * slice.size + spot.col] === 1 });
    } else {
      const best = candDice.reduce((b, d, i) => (d > candDice[b] ? i : b), 0);
      round = await session.choose(recDice >= candDice[best] ? 'recommendation' : best);
    }
  }
  return { dicePerRound, iouPerRound, bestCandidateWins };
}

/**
 * Distribution quality without interaction, after the first click with uniform weights:
 * GED with d = 1 - IoU between binary samples and the marking readers, and best-of-N Dice
 * (per reader, the best sample; averaged over readers).
 */
export async function distributionMetrics(predictor: Predictor, slice: CropSlice, firstClick: Case['firstClick'], samples: number, seed: number) {
  const c = predictor.contract;
  const origin = { row: 0, col: 0 };
  const input: ModelInput = { imageInput: Float32Array.from(slice.greyHW, g => g / 255), clickMaps: encodeClicks([firstClick], origin, c) };
  const [out] = await predictor.predict([input]);
  const set = drawSamples(out, uniformProfile(c.name, c.components).piM, samples, c.rank, new SeededRandom(seed));
  // Masks restricted to the pixels any sample or reader marks: Dice and IoU are unchanged
  // (pixels off in every mask add nothing) and the 32 x 32 sample pairs cost far less.
  const px = slice.size * slice.size;
  const marked = new Uint8Array(px);
  for (let i = 0; i < set.n; i++) for (let p = 0; p < px; p++) if (set.probsNHW[i * px + p] >= 0.5) marked[p] = 1;
  for (const y of slice.readerMasksHW) for (let p = 0; p < px; p++) if (y[p]) marked[p] = 1;
  const support: number[] = [];
  marked.forEach((on, p) => on && support.push(p));
  const masks = Array.from({ length: set.n }, (_, i) => Uint8Array.from(support, p => (set.probsNHW[i * px + p] >= 0.5 ? 1 : 0)));
  const readers = slice.readerMasksHW.map(y => Uint8Array.from(support, p => y[p]));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cross = mean(masks.flatMap(s => readers.map(y => 1 - iou(s, y))));
  const withinS = mean(masks.flatMap((s, i) => masks.map((t, j) => (i === j ? 0 : 1 - iou(s, t))))) * (set.n / Math.max(1, set.n - 1));
  const withinY = readers.length > 1 ? mean(readers.flatMap((y, i) => readers.map((z, j) => (i === j ? 0 : 1 - iou(y, z))))) * (readers.length / (readers.length - 1)) : 0;
  const bestOfN = mean(readers.map(y => Math.max(...masks.map(s => dice(s, y)))));
  return { ged: 2 * cross - withinS - withinY, bestOfNDice: bestOfN };
}
