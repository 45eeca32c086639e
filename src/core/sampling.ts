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
  // (an error below sigmoid(-SATURATION_LOGIT) = 0.25 %) and is skipped by the rank-R sum and by clustering.
  // Bound: for a sample of component c, logit = mean + factor.mu_c + factor.(z - mu_c), and
  // |factor.(z - mu_c)| <= |factor| * max_i |z_i - mu_c(i)| (Cauchy-Schwarz).
  const { meanLogitsHW: mean, factorRHW: factor, mixMeansMR } = output;
  const used = Array.from(new Set(Array.from(componentN)));
  let spreadMax = 0;
  for (let i = 0; i < n; i++) {
    let d2 = 0;
    for (let r = 0; r < rank; r++) d2 += (zNR[i * rank + r] - mixMeansMR[componentN[i] * rank + r]) ** 2;
    spreadMax = Math.max(spreadMax, Math.sqrt(d2));
  }
  const probsNHW = new Float32Array(n * pixels);
  const varying: number[] = [];
  for (let p = 0; p < pixels; p++) {
    let norm2 = 0;
    for (let r = 0; r < rank; r++) norm2 += factor[r * pixels + p] ** 2;
    const reach = Math.sqrt(norm2) * spreadMax;
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of used) {
      let centre = mean[p];
      for (let r = 0; r < rank; r++) centre += factor[r * pixels + p] * mixMeansMR[c * rank + r];
      lo = Math.min(lo, centre - reach);
      hi = Math.max(hi, centre + reach);
    }
    if (lo > SATURATION_LOGIT || hi < -SATURATION_LOGIT) {
      const v = 1 / (1 + Math.exp(-(lo + hi) / 2));
      for (let i = 0; i < n; i++) probsNHW[i * pixels + p] = v;
    } else varying.push(p);
  }
  const varyingPixels = Int32Array.from(varying);
  const v = varyingPixels.length;
  // Gather the varying pixels' mean and factor rows once, so that the per-sample sums run
  // over contiguous memory.
  const meanV = new Float64Array(v);
  const factorRV = new Float64Array(rank * v);
  for (let j = 0; j < v; j++) {
    meanV[j] = mean[varyingPixels[j]];
    for (let r = 0; r < rank; r++) factorRV[r * v + j] = factor[r * pixels + varyingPixels[j]];
  }
  const logits = new Float64Array(v);
  for (let i = 0; i < n; i++) {
    logits.set(meanV);
    for (let r = 0; r < rank; r++) {
      const z = zNR[i * rank + r];
      const offset = r * v;
      for (let j = 0; j < v; j++) logits[j] += z * factorRV[offset + j];
    }
    const base = i * pixels;
    for (let j = 0; j < v; j++) probsNHW[base + varyingPixels[j]] = 1 / (1 + Math.exp(-logits[j]));
  }
  // Keep, for clustering, the pixels where the samples really differ.
  const differingPixels = findDifferingPixels(probsNHW, n, varyingPixels);
  return { n, probsNHW, zNR, componentN, differingPixels };
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
  const pixels = samples.probsNHW.length / samples.n;
  const sum = new Float64Array(pixels);
  const sumSq = new Float64Array(pixels);
  for (let i = 0; i < samples.n; i++) {
    const row = samples.probsNHW.subarray(i * pixels, (i + 1) * pixels);
    for (let p = 0; p < pixels; p++) {
      sum[p] += row[p];
      sumSq[p] += row[p] * row[p];
    }
  }
  const meanProbHW = new Float32Array(pixels);
  const recommendationHW = new Uint8Array(pixels);
  const uncertaintyHW = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const mean = sum[p] / samples.n;
    meanProbHW[p] = mean;
    recommendationHW[p] = mean >= 0.5 ? 1 : 0;
    uncertaintyHW[p] = Math.max(0, sumSq[p] / samples.n - mean * mean);
  }
  return { meanProbHW, recommendationHW, uncertaintyHW };
}
