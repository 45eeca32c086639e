/**
 * Drawing segmentations from the preference mixture: z ~ sum_m pi_m N(mu_m, diag(var_m)),
 * logits = mean + factor^T z. No network pass per sample.
 */
import type { ModelOutput } from './model';
import type { SeededRandom } from './random';

/** Logit margin beyond which a pixel is taken as saturated for every sample. */
export const SATURATION_LOGIT = 12;

export interface SampleSet {
  n: number;
  /** Sample probabilities, n * H * W. */
  probsNHW: Float32Array;
  /** Latent codes, n * R. */
  zNR: Float32Array;
  /** Mixture component that produced each sample. */
  componentN: Int32Array;
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
  // Pixels whose mean logit lies beyond every sample's reach (|factor^T z| bounded by
  // sum_r |factor_r| * max|z_r|) by more than SATURATION_LOGIT are the same for all samples up
  // to sigmoid(-SATURATION_LOGIT) < 1e-5: they take sigmoid(mean) without the rank-R sum.
  const zMaxR = new Float32Array(rank);
  for (let i = 0; i < n; i++) for (let r = 0; r < rank; r++) zMaxR[r] = Math.max(zMaxR[r], Math.abs(zNR[i * rank + r]));
  const { meanLogitsHW: mean, factorRHW: factor } = output;
  const varying: number[] = [];
  const probsNHW = new Float32Array(n * pixels);
  for (let p = 0; p < pixels; p++) {
    let reach = 0;
    for (let r = 0; r < rank; r++) reach += Math.abs(factor[r * pixels + p]) * zMaxR[r];
    if (Math.abs(mean[p]) - reach > SATURATION_LOGIT) {
      const v = 1 / (1 + Math.exp(-mean[p]));
      for (let i = 0; i < n; i++) probsNHW[i * pixels + p] = v;
    } else varying.push(p);
  }
  for (let i = 0; i < n; i++) {
    const z = zNR.subarray(i * rank, (i + 1) * rank);
    const row = probsNHW.subarray(i * pixels, (i + 1) * pixels);
    for (const p of varying) {
      let logit = mean[p];
      for (let r = 0; r < rank; r++) logit += z[r] * factor[r * pixels + p];
      row[p] = 1 / (1 + Math.exp(-logit));
    }
  }
  return { n, probsNHW, zNR, componentN };
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
