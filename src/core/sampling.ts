/**
 * Drawing segmentations from the preference mixture: z ~ sum_m pi_m N(mu_m, diag(var_m)),
 * logits = mean + factor^T z. No network pass per sample.
 */
import type { ModelOutput } from './model';
import type { SeededRandom } from './random';

/** Logit margin beyond which a pixel is taken as saturated for every sample. */
export const SATURATION_LOGIT = 6;
/** Probability spread below which a pixel adds nothing useful (< 1e-4) to sample distances. */
export const DIFFERING_RANGE = 0.01;

export interface SampleSet {
  n: number;
  /** Sample probabilities, n * H * W. */
  probsNHW: Float32Array;
  /** Latent codes, n * R. */
  zNR: Float32Array;
  /** Mixture component that produced each sample. */
  componentN: Int32Array;
  /**
   * Pixels where the samples' probabilities may differ at all; every other pixel has the same
   * value in every sample (so summaries need only look at these). Absent: any pixel may differ.
   */
  varyingPixels?: Int32Array;
  /**
   * Pixels where the samples' probabilities span more than DIFFERING_RANGE; elsewhere they
   * agree so closely that clustering ignores them. Clustering scans for them when absent.
   */
  differingPixels?: Int32Array;
}

export interface SampleSummary {
  meanProbHW: Float32Array;
  /** Majority vote: mean probability >= 0.5. */
  recommendationHW: Uint8Array;
  /** Per-pixel variance of the sample probabilities, 0..0.25. */
  uncertaintyHW: Float32Array;
}

export function drawSamples(
  output: ModelOutput,
  piM: ArrayLike<number>,
  n: number,
  rank: number,
  rng: SeededRandom
): SampleSet {
  const pixels = output.meanLogitsHW.length;
  const m = piM.length;
  if (output.mixMeansMR.length !== m * rank) {
    throw new Error(`preference weights have ${m} components but the model gives ${output.mixMeansMR.length / rank}`);
  }
  const zNR = new Float32Array(n * rank);
  const componentN = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.categorical(piM);
    componentN[i] = c;
    for (let r = 0; r < rank; r++) {
      const sd = Math.exp(0.5 * output.mixLogvarsMR[c * rank + r]);
      zNR[i * rank + r] = output.mixMeansMR[c * rank + r] + sd * rng.normal();
    }
  }
  // A pixel whose logit stays beyond +-SATURATION_LOGIT for every drawn z is decided alike
  // by all samples: it takes the sigmoid of the middle of its logit range for each of them
  // (an error below sigmoid(-SATURATION_LOGIT) = 0.25 %) and is skipped by everything
  // downstream (summary, clustering, candidates). Most pixels of a crop are far from the
  // structure, so a cheap bound settles them first: with z inside the box [zMin, zMax] of the
  // drawn codes, factor.z lies between sum_r min(f_r zMin_r, f_r zMax_r) and the same with max;
  // only the pixels the bound leaves open get their n logits computed.
  const { meanLogitsHW: mean, factorRHW: factor } = output;
  const loHW = Float64Array.from(mean);
  const hiHW = Float64Array.from(mean);
  for (let r = 0; r < rank; r++) {
    let zMin = Infinity;
    let zMax = -Infinity;
    for (let i = 0; i < n; i++) {
      zMin = Math.min(zMin, zNR[i * rank + r]);
      zMax = Math.max(zMax, zNR[i * rank + r]);
    }
    const plane = factor.subarray(r * pixels, (r + 1) * pixels);
    for (let p = 0; p < pixels; p++) {
      const a = plane[p] * zMin;
      const b = plane[p] * zMax;
      if (a < b) {
        loHW[p] += a;
        hiHW[p] += b;
      } else {
        loHW[p] += b;
        hiHW[p] += a;
      }
    }
  }
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  // Each sample row starts as the value all samples share; the varying pixels are filled in after.
  const fixedHW = new Float32Array(pixels);
  const open: number[] = [];
  for (let p = 0; p < pixels; p++) {
    if (loHW[p] > SATURATION_LOGIT || hiHW[p] < -SATURATION_LOGIT) fixedHW[p] = sigmoid((loHW[p] + hiHW[p]) / 2);
    else open.push(p);
  }
  // The open pixels' logits for every sample, pixel by pixel over contiguous copies.
  const zFloat = Float64Array.from(zNR);
  const factorOR = new Float64Array(open.length * rank);
  for (let r = 0; r < rank; r++) for (let j = 0; j < open.length; j++) factorOR[j * rank + r] = factor[r * pixels + open[j]];
  const varying: number[] = [];
  const logitsON = new Float64Array(open.length * n);
  for (let j = 0; j < open.length; j++) {
    const base = mean[open[j]];
    const f = j * rank;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      let l = base;
      const zi = i * rank;
      for (let r = 0; r < rank; r++) l += factorOR[f + r] * zFloat[zi + r];
      logitsON[j * n + i] = l;
      if (l < lo) lo = l;
      if (l > hi) hi = l;
    }
    if (lo > SATURATION_LOGIT || hi < -SATURATION_LOGIT) fixedHW[open[j]] = sigmoid((lo + hi) / 2);
    else varying.push(j);
  }
  const probsNHW = new Float32Array(n * pixels);
  for (let i = 0; i < n; i++) probsNHW.set(fixedHW, i * pixels);
  for (const j of varying) {
    const p = open[j];
    for (let i = 0; i < n; i++) probsNHW[i * pixels + p] = sigmoid(logitsON[j * n + i]);
  }
  const varyingPixels = Int32Array.from(varying, j => open[j]);
  // Keep, for clustering, the pixels where the samples really differ.
  const differingPixels = findDifferingPixels(probsNHW, n, varyingPixels);
  return { n, probsNHW, zNR, componentN, varyingPixels, differingPixels };
}

/** The pixels (of `among`, default all) where the n samples' probabilities span more than DIFFERING_RANGE. */
export function findDifferingPixels(probsNHW: Float32Array, n: number, among?: ArrayLike<number>): Int32Array {
  const pixels = probsNHW.length / n;
  const count = among ? among.length : pixels;
  const differing: number[] = [];
  for (let j = 0; j < count; j++) {
    const p = among ? among[j] : j;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = probsNHW[i * pixels + p];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (hi - lo > DIFFERING_RANGE) differing.push(p);
  }
  return Int32Array.from(differing);
}

export function summariseSamples(samples: SampleSet): SampleSummary {
  const { n, probsNHW, varyingPixels } = samples;
  const pixels = probsNHW.length / n;
  const meanProbHW = new Float32Array(pixels);
  const recommendationHW = new Uint8Array(pixels);
  const uncertaintyHW = new Float32Array(pixels);
  // Pixels outside varyingPixels hold one value in every sample: mean = that value, variance 0.
  if (varyingPixels) meanProbHW.set(probsNHW.subarray(0, pixels));
  const count = varyingPixels ? varyingPixels.length : pixels;
  for (let j = 0; j < count; j++) {
    const p = varyingPixels ? varyingPixels[j] : j;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = probsNHW[i * pixels + p];
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    meanProbHW[p] = mean;
    uncertaintyHW[p] = Math.max(0, sumSq / n - mean * mean);
  }
  for (let p = 0; p < pixels; p++) recommendationHW[p] = meanProbHW[p] >= 0.5 ? 1 : 0;
  return { meanProbHW, recommendationHW, uncertaintyHW };
}

/** Mean probability map of some samples. */
export function meanOfSamples(samples: SampleSet, indices: readonly number[]): Float32Array {
  const { n, probsNHW, varyingPixels } = samples;
  const pixels = probsNHW.length / n;
  const mean = new Float32Array(pixels);
  if (!indices.length) return mean;
  // Outside varyingPixels every sample holds the same value.
  if (varyingPixels) mean.set(probsNHW.subarray(0, pixels));
  const count = varyingPixels ? varyingPixels.length : pixels;
  for (let j = 0; j < count; j++) {
    const p = varyingPixels ? varyingPixels[j] : j;
    let sum = 0;
    for (const i of indices) sum += probsNHW[i * pixels + p];
    mean[p] = sum / indices.length;
  }
  return mean;
}
