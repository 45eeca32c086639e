import type { ModelOutput } from './model';
import { SeededRandom } from './random';
import { DIFFERING_RANGE, drawSamples, SampleSet, SATURATION_LOGIT, summariseSamples } from './sampling';

/**
 * A 4-pixel "model" of rank 2 with 2 components whose variance is ~0 (logvar -40, sd 2e-9),
 * so each sample is the component mean and its probabilities are known by hand:
 *   mean  = [0, 0, 1, -1]
 *   f0    = [1, -1, 0, 0.5],  f1 = [0, 0, 1, 0]
 *   comp 0: z = (2, 0)   -> logits [2, -2, 1, 0]   -> sigmoid [0.8808, 0.1192, 0.7311, 0.5]
 *   comp 1: z = (-2, 3)  -> logits [-2, 2, 4, -2]  -> sigmoid [0.1192, 0.8808, 0.9820, 0.1192]
 */
const SIG2 = 0.8807970779778823; // 1 / (1 + e^-2)
const SIG1 = 0.7310585786300049; // 1 / (1 + e^-1)
const SIG4 = 0.9820137900379085; // 1 / (1 + e^-4)
const EXPECTED_PROBS = [
  [SIG2, 1 - SIG2, SIG1, 0.5],
  [1 - SIG2, SIG2, SIG4, 1 - SIG2],
];
const RANK = 2;

function tinyOutput(logvar = -40): ModelOutput {
  return {
    meanLogitsHW: Float32Array.from([0, 0, 1, -1]),
    factorRHW: Float32Array.from([1, -1, 0, 0.5, /* r=1 */ 0, 0, 1, 0]),
    mixMeansMR: Float32Array.from([2, 0, /* m=1 */ -2, 3]),
    mixLogvarsMR: Float32Array.from([logvar, logvar, logvar, logvar]),
  };
}

describe('drawSamples', () => {
  it('decodes each sample as sigmoid(mean + factor^T z) with z from its component', () => {
    const s = drawSamples(tinyOutput(), [0.5, 0.5], 64, RANK, new SeededRandom(1));
    expect(s.n).toBe(64);
    expect(s.probsNHW).toHaveLength(64 * 4);
    expect(s.zNR).toHaveLength(64 * RANK);
    const seen = new Set<number>();
    for (let i = 0; i < s.n; i++) {
      const c = s.componentN[i];
      seen.add(c);
      expect(s.zNR[i * RANK]).toBeCloseTo(c === 0 ? 2 : -2, 6);
      expect(s.zNR[i * RANK + 1]).toBeCloseTo(c === 0 ? 0 : 3, 6);
      for (let p = 0; p < 4; p++) expect(s.probsNHW[i * 4 + p]).toBeCloseTo(EXPECTED_PROBS[c][p], 6);
    }
    expect(seen).toEqual(new Set([0, 1]));
  });

  it('draws components with frequencies pi, and never a component of weight 0', () => {
    const n = 4000;
    const s = drawSamples(tinyOutput(), [0.25, 0.75], n, RANK, new SeededRandom(2));
    const ones = s.componentN.reduce((a, c) => a + c, 0);
    expect(Math.abs(ones / n - 0.75)).toBeLessThan(0.03); // se 0.0068
    const only0 = drawSamples(tinyOutput(), [1, 0], 200, RANK, new SeededRandom(3));
    expect(only0.componentN.every(c => c === 0)).toBe(true);
  });

  it('uses exp(logvar / 2) as the standard deviation of z', () => {
    // logvar = ln 4: sd 2, variance 4 around each component mean.
    const n = 20000;
    const s = drawSamples(tinyOutput(Math.log(4)), [1, 0], n, RANK, new SeededRandom(4));
    for (let r = 0; r < RANK; r++) {
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        const v = s.zNR[i * RANK + r];
        sum += v;
        sumSq += v * v;
      }
      const mean = sum / n;
      const variance = sumSq / n - mean * mean;
      expect(Math.abs(mean - [2, 0][r])).toBeLessThan(0.07); // se 0.014
      expect(Math.abs(variance - 4)).toBeLessThan(0.25); // se 0.04
    }
    // And the decoded probability of pixel 2 (logit 1 + z1) is sigmoid of that z exactly.
    for (let i = 0; i < 10; i++) expect(s.probsNHW[i * 4 + 2]).toBeCloseTo(1 / (1 + Math.exp(-(1 + s.zNR[i * RANK + 1]))), 6);
  });

  it('is deterministic for a seed', () => {
    const a = drawSamples(tinyOutput(0), [0.3, 0.7], 32, RANK, new SeededRandom(9));
    const b = drawSamples(tinyOutput(0), [0.3, 0.7], 32, RANK, new SeededRandom(9));
    expect(Array.from(a.probsNHW)).toEqual(Array.from(b.probsNHW));
    expect(Array.from(a.componentN)).toEqual(Array.from(b.componentN));
  });

  it('refuses weights whose length does not match the model components', () => {
    expect(() => drawSamples(tinyOutput(), [0.2, 0.3, 0.5], 8, RANK, new SeededRandom(1))).toThrow(/3 components but the model gives 2/);
  });
});

describe('drawSamples on a larger map (saturated pixels skipped)', () => {
  // 400 pixels of rank 3: a "structure" in the middle whose logits cross 0 with z, and a far
  // field whose logits stay beyond +-SATURATION_LOGIT for any plausible z.
  const PIXELS = 400;
  const R = 3;
  function fieldOutput(): ModelOutput {
    const rng = new SeededRandom(7);
    const mean = new Float32Array(PIXELS);
    const factor = new Float32Array(R * PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      const inStructure = p >= 150 && p < 250;
      mean[p] = inStructure ? (rng.next() - 0.5) * 4 : (p % 2 ? 14 : -14) + rng.next();
      for (let r = 0; r < R; r++) factor[r * PIXELS + p] = (rng.next() - 0.5) * (inStructure ? 2 : 0.5);
    }
    return {
      meanLogitsHW: mean,
      factorRHW: factor,
      mixMeansMR: Float32Array.from([1, 0, -1, /* m=1 */ -1, 1, 0.5]),
      mixLogvarsMR: Float32Array.from([0, 0, 0, -1, -1, -1]),
    };
  }

  it('matches the exact sigmoid(mean + factor^T z) within sigmoid(-SATURATION_LOGIT) everywhere, exactly where samples vary', () => {
    const out = fieldOutput();
    const s = drawSamples(out, [0.5, 0.5], 32, R, new SeededRandom(3));
    const varying = new Set(Array.from(s.varyingPixels!));
    expect(varying.size).toBeGreaterThan(50);
    expect(varying.size).toBeLessThanOrEqual(100);
    for (let i = 0; i < s.n; i++) {
      for (let p = 0; p < PIXELS; p++) {
        let logit = out.meanLogitsHW[p];
        for (let r = 0; r < R; r++) logit += out.factorRHW[r * PIXELS + p] * s.zNR[i * R + r];
        const exact = 1 / (1 + Math.exp(-logit));
        const got = s.probsNHW[i * PIXELS + p];
        if (varying.has(p)) expect(got).toBeCloseTo(exact, 6);
        else {
          expect(Math.abs(got - exact)).toBeLessThan(1 / (1 + Math.exp(SATURATION_LOGIT)));
          expect(got).toBe(s.probsNHW[p]); // outside varyingPixels every sample holds one value
        }
      }
    }
    // Every pixel where the samples differ by more than DIFFERING_RANGE is listed for clustering.
    const differing = new Set(Array.from(s.differingPixels!));
    for (let p = 0; p < PIXELS; p++) {
      let lo = 1;
      let hi = 0;
      for (let i = 0; i < s.n; i++) {
        lo = Math.min(lo, s.probsNHW[i * PIXELS + p]);
        hi = Math.max(hi, s.probsNHW[i * PIXELS + p]);
      }
      expect(differing.has(p)).toBe(hi - lo > DIFFERING_RANGE);
    }
  });

  it('summarises the sparse set exactly like the dense computation', () => {
    const s = drawSamples(fieldOutput(), [0.3, 0.7], 32, R, new SeededRandom(4));
    const sparse = summariseSamples(s);
    const dense = summariseSamples({ ...s, varyingPixels: undefined });
    for (let p = 0; p < PIXELS; p++) {
      expect(sparse.meanProbHW[p]).toBeCloseTo(dense.meanProbHW[p], 6);
      expect(sparse.uncertaintyHW[p]).toBeCloseTo(dense.uncertaintyHW[p], 6);
    }
    expect(Array.from(sparse.recommendationHW)).toEqual(Array.from(dense.recommendationHW));
  });
});

describe('summariseSamples', () => {
  it('gives the per-pixel mean, population variance and majority (mean >= 0.5) of the samples', () => {
    // 4 samples x 4 pixels; columns are pixels.
    const probs = [
      [0.2, 1, 0, 0.1],
      [0.4, 1, 0, 0.3],
      [0.6, 1, 0, 0.5],
      [0.8, 1, 1, 0.9],
    ];
    const samples: SampleSet = {
      n: 4,
      probsNHW: Float32Array.from(probs.flat()),
      zNR: new Float32Array(8),
      componentN: new Int32Array(4),
    };
    const { meanProbHW, recommendationHW, uncertaintyHW } = summariseSamples(samples);
    // By hand: pixel 0 mean 0.5 (on the threshold -> 1), var (0.09 + 0.01 + 0.01 + 0.09) / 4 = 0.05;
    // pixel 1 mean 1, var 0; pixel 2 mean 0.25, var 0.25 * 0.75 = 0.1875; pixel 3 mean 0.45,
    // var (0.1225 + 0.0225 + 0.0025 + 0.2025) / 4 = 0.0875.
    const want = { mean: [0.5, 1, 0.25, 0.45], variance: [0.05, 0, 0.1875, 0.0875], majority: [1, 1, 0, 0] };
    want.mean.forEach((m, p) => expect(meanProbHW[p]).toBeCloseTo(m, 6));
    want.variance.forEach((v, p) => expect(uncertaintyHW[p]).toBeCloseTo(v, 6));
    expect(Array.from(recommendationHW)).toEqual(want.majority);
    expect(uncertaintyHW.every(v => v >= 0 && v <= 0.25)).toBe(true);
  });

  it('summarises drawn samples consistently with the component counts', () => {
    const n = 100;
    const s = drawSamples(tinyOutput(), [0.6, 0.4], n, RANK, new SeededRandom(12));
    const n1 = s.componentN.reduce((a, c) => a + c, 0);
    const f1 = n1 / n;
    const { meanProbHW, uncertaintyHW, recommendationHW } = summariseSamples(s);
    for (let p = 0; p < 4; p++) {
      const a = EXPECTED_PROBS[0][p];
      const b = EXPECTED_PROBS[1][p];
      const mean = (1 - f1) * a + f1 * b;
      // Two-point distribution: variance f(1 - f)(a - b)^2.
      const variance = f1 * (1 - f1) * (a - b) ** 2;
      expect(meanProbHW[p]).toBeCloseTo(mean, 5);
      expect(uncertaintyHW[p]).toBeCloseTo(variance, 5);
      expect(recommendationHW[p]).toBe(mean >= 0.5 ? 1 : 0);
    }
    // Pixel 2 is likely under both components: always in the recommendation, whatever the mix.
    expect(recommendationHW[2]).toBe(1);
  });
});
