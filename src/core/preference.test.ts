import { SpaInputError } from './errors';
import type { ModelOutput } from './model';
import { derivedClick, MIN_WEIGHT, parseProfile, responsibilities, uniformProfile, updateWeights } from './preference';
import type { SampleSet } from './sampling';

const RANK = 2;

/** Mixture of 2 components in 2 dimensions: mu0 = (0, 0) with variance 1, mu1 = (3, 0) with variance 4. */
const mixture: ModelOutput = {
  meanLogitsHW: new Float32Array(1),
  factorRHW: new Float32Array(RANK),
  mixMeansMR: Float32Array.from([0, 0, 3, 0]),
  mixLogvarsMR: Float32Array.from([0, 0, Math.log(4), Math.log(4)]),
};

function samplesAt(z: number[][]): SampleSet {
  return { n: z.length, probsNHW: new Float32Array(z.length), zNR: Float32Array.from(z.flat()), componentN: new Int32Array(z.length) };
}

/** Full Gaussian density with its normalising constant, written out independently of the code. */
function density(z: number[], mu: number[], variance: number[]): number {
  return z.reduce((p, v, r) => p * Math.exp(-((v - mu[r]) ** 2) / (2 * variance[r])) / Math.sqrt(2 * Math.PI * variance[r]), 1);
}

function posterior(z: number[], pi: number[]): number[] {
  const w = [pi[0] * density(z, [0, 0], [1, 1]), pi[1] * density(z, [3, 0], [4, 4])];
  const s = w[0] + w[1];
  return w.map(v => v / s);
}

describe('responsibilities', () => {
  it('equal the posterior component probabilities (Bayes with the full Gaussian densities)', () => {
    const points = [
      [0, 0],
      [3, 0],
      [1.5, 0.5],
      [-1, 2],
      [5, -3],
    ];
    for (const pi of [
      [0.5, 0.5],
      [0.9, 0.1],
      [0.02, 0.98],
    ]) {
      const gamma = responsibilities(samplesAt(points), mixture, pi, RANK);
      expect(gamma).toHaveLength(points.length * 2);
      points.forEach((z, i) => {
        const want = posterior(z, pi);
        expect(gamma[i * 2] + gamma[i * 2 + 1]).toBeCloseTo(1, 12);
        expect(gamma[i * 2]).toBeCloseTo(want[0], 6);
        expect(gamma[i * 2 + 1]).toBeCloseTo(want[1], 6);
      });
    }
  });

  it('favour the component a sample came from', () => {
    const gamma = responsibilities(samplesAt([[0, 0], [3, 0]]), mixture, [0.5, 0.5], RANK);
    expect(gamma[0]).toBeGreaterThan(0.8); // z at mu0
    expect(gamma[3]).toBeGreaterThan(0.5); // z at mu1 (the wider component)
  });

  it('stay finite and normalised far out in the tails (log-sum-exp), favouring the wider component', () => {
    const gamma = responsibilities(samplesAt([[1000, 0], [-1000, 500]]), mixture, [0.5, 0.5], RANK);
    expect(Array.from(gamma).every(Number.isFinite)).toBe(true);
    expect(gamma[0] + gamma[1]).toBeCloseTo(1, 12);
    expect(gamma[1]).toBeCloseTo(1, 12);
    expect(gamma[3]).toBeCloseTo(1, 12);
  });

  it('give a component of weight 0 no responsibility', () => {
    const gamma = responsibilities(samplesAt([[0, 0]]), mixture, [0, 1], RANK);
    expect(gamma[0]).toBeLessThan(1e-9);
    expect(gamma[1]).toBeCloseTo(1, 9);
  });
});

describe('updateWeights', () => {
  // Sample 0 and 1 belong to component 0, sample 2 to component 1.
  const gamma = Float64Array.from([1, 0, 1, 0, 0, 1]);

  it('blends pi with the mean responsibility of the endorsed samples at the given rate', () => {
    // target = (1, 0); (1 - 0.5) * (0.5, 0.5) + 0.5 * (1, 0) = (0.75, 0.25).
    const next = updateWeights([0.5, 0.5], gamma, [1, 1, 0], 0.5);
    expect(next[0]).toBeCloseTo(0.75, 12);
    expect(next[1]).toBeCloseTo(0.25, 12);
    // Weighted endorsement: weights (1, 0, 3) -> target = (1 * (1, 0) + 3 * (0, 1)) / 4 = (0.25, 0.75);
    // rate 0.2: 0.8 * (0.6, 0.4) + 0.2 * (0.25, 0.75) = (0.53, 0.47).
    const weighted = updateWeights([0.6, 0.4], gamma, [1, 0, 3], 0.2);
    expect(weighted[0]).toBeCloseTo(0.53, 12);
    expect(weighted[1]).toBeCloseTo(0.47, 12);
  });

  it('floors each weight at MIN_WEIGHT and renormalises', () => {
    expect(MIN_WEIGHT).toBeGreaterThan(0);
    // Rate 1 moves all mass to component 0: (1, 0) -> floored (1, MIN) -> renormalised.
    const next = updateWeights([0.5, 0.5], gamma, [1, 0, 0], 1);
    expect(next[0]).toBeCloseTo(1 / (1 + MIN_WEIGHT), 12);
    expect(next[1]).toBeCloseTo(MIN_WEIGHT / (1 + MIN_WEIGHT), 12);
    expect(next[0] + next[1]).toBeCloseTo(1, 12);
    // Repeated choices never rule a component out.
    let pi = [0.5, 0.5];
    for (let i = 0; i < 50; i++) pi = updateWeights(pi, gamma, [1, 1, 0], 0.5);
    expect(pi[1]).toBeGreaterThan(MIN_WEIGHT / 2);
  });

  it('keeps pi a probability vector for arbitrary inputs', () => {
    const m = 4;
    const pi = [0.1, 0.2, 0.3, 0.4];
    const g = Float64Array.from([0.7, 0.1, 0.1, 0.1, 0.25, 0.25, 0.25, 0.25, 0, 0, 0, 1]);
    for (const rate of [0.1, 0.5, 0.9]) {
      const next = updateWeights(pi, g, [1, 0.5, 2], rate);
      expect(next).toHaveLength(m);
      expect(next.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(next.every(v => v > 0)).toBe(true);
    }
  });

  it('leaves pi unchanged when no sample is endorsed or the rate is 0', () => {
    const pi = [0.3, 0.7];
    expect(updateWeights(pi, gamma, [0, 0, 0], 0.5)).toEqual(pi);
    expect(updateWeights(pi, gamma, [1, 1, 1], 0)).toEqual(pi);
    expect(updateWeights(pi, gamma, [0, 0, 0], 0.5)).not.toBe(pi); // a copy, not the caller's array
  });
});

describe('derivedClick', () => {
  const H = 20;
  const W = 20;
  function rect(r0: number, c0: number, h: number, w: number): Uint8Array {
    const m = new Uint8Array(H * W);
    for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) m[r * W + c] = 1;
    return m;
  }
  const union = (...ms: Uint8Array[]) => ms.reduce((a, b) => a.map((v, i) => v | b[i]));

  it('clicks positive at the centre of what the chosen mask adds', () => {
    const chosen = rect(5, 5, 9, 9); // centre (9, 9)
    expect(derivedClick(chosen, [new Uint8Array(H * W), new Uint8Array(H * W)], H, W)).toEqual({ row: 9, col: 9, positive: true });
  });

  it('clicks negative at the centre of what the chosen mask leaves out', () => {
    const others = [rect(2, 10, 7, 7), rect(2, 10, 7, 7)]; // centre (5, 13)
    expect(derivedClick(new Uint8Array(H * W), others, H, W)).toEqual({ row: 5, col: 13, positive: false });
  });

  it('uses the region where the chosen mask disagrees with the most candidates, not the largest difference', () => {
    const a = rect(0, 0, 5, 5);
    const b = rect(14, 14, 5, 5); // centre (16, 16)
    const c = rect(0, 8, 11, 11); // larger, but only one other candidate has it
    const click = derivedClick(a, [union(a, b), union(a, b, c)], H, W);
    // b differs from both others (2 votes); c from one: negative click inside b.
    expect(click).toEqual({ row: 16, col: 16, positive: false });
  });

  it('within the most-disputed pixels, takes the side (added or removed) with more pixels', () => {
    const chosen = rect(1, 1, 7, 7); // 49 added pixels, centre (4, 4)
    const other = rect(12, 12, 3, 3); // 9 removed pixels
    expect(derivedClick(chosen, [other, other], H, W)).toEqual({ row: 4, col: 4, positive: true });
    expect(derivedClick(other, [chosen, chosen], H, W)).toEqual({ row: 4, col: 4, positive: false });
  });

  it('on probability maps, clicks only where the chosen candidate is confident', () => {
    const chosen = new Float32Array(H * W);
    const other = new Float32Array(H * W);
    // A large disputed block where the chosen candidate is unsure (0.6), a small one where it is sure (0.95).
    for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) chosen[r * W + c] = 0.6;
    for (let r = 14; r < 19; r++) for (let c = 14; c < 19; c++) chosen[r * W + c] = 0.95;
    expect(derivedClick(chosen, [other, other], H, W)).toEqual({ row: 16, col: 16, positive: true });
  });

  it('returns null when the candidates never differ by half a probability or more', () => {
    const chosen = new Float32Array(H * W).fill(0.95);
    const other = new Float32Array(H * W).fill(0.6);
    expect(derivedClick(chosen, [other], H, W)).toBeNull();
    // One of five binary candidates disagreeing is a mean difference of 0.2: no click either.
    const a = rect(5, 5, 4, 4);
    expect(derivedClick(a, [a, a, a, a, new Uint8Array(H * W)], H, W)).toBeNull();
  });

  it('returns null when the chosen mask equals every other candidate, or there are none', () => {
    const m = rect(3, 3, 4, 4);
    expect(derivedClick(m, [m.slice(), m.slice()], H, W)).toBeNull();
    expect(derivedClick(m, [], H, W)).toBeNull();
  });
});

describe('preference profile', () => {
  const MODEL = 'spa-lidc';
  const M = 4;

  it('round-trips through JSON', () => {
    const profile = { ...uniformProfile(MODEL, M), piM: [0.1, 0.2, 0.3, 0.4], choices: 7, updatedAt: '2025-01-02T03:04:05.000Z' };
    const back = parseProfile(JSON.parse(JSON.stringify(profile)), MODEL, M);
    expect(back).toEqual(profile);
    const uniform = parseProfile(JSON.parse(JSON.stringify(uniformProfile(MODEL, M))), MODEL, M);
    expect(uniform.piM).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(uniform.choices).toBe(0);
  });

  it('normalises weights that do not sum to 1', () => {
    const p = parseProfile({ ...uniformProfile(MODEL, M), piM: [1, 1, 2, 4] }, MODEL, M);
    expect(p.piM).toEqual([0.125, 0.125, 0.25, 0.5]);
  });

  function rejection(json: unknown): SpaInputError {
    try {
      parseProfile(json, MODEL, M);
    } catch (err) {
      expect(err).toBeInstanceOf(SpaInputError);
      expect((err as SpaInputError).problem).toBe('bad-profile');
      return err as SpaInputError;
    }
    throw new Error('parseProfile accepted a bad profile');
  }

  it('rejects each kind of bad profile with a message saying why', () => {
    const good = uniformProfile(MODEL, M);
    expect(rejection(null).message).toMatch(/not an SPA preference profile/);
    expect(rejection('{}').message).toMatch(/not an SPA preference profile/);
    expect(rejection({ ...good, format: 'something-else' }).message).toMatch(/not an SPA preference profile/);
    expect(rejection({ ...good, version: 2 }).message).toMatch(/format\/version/);
    expect(rejection({ ...good, model: 'other-model' }).message).toMatch(/belongs to model "other-model".*"spa-lidc"/);
    expect(rejection({ ...good, piM: [0.5, 0.5] }).message).toMatch(/expected 4 non-negative weights/);
    expect(rejection({ ...good, piM: [0.5, 0.5, 0.5, 0.5, 0.5] }).message).toMatch(/expected 4/);
    expect(rejection({ ...good, piM: [0.5, -0.1, 0.3, 0.3] }).message).toMatch(/non-negative/);
    expect(rejection({ ...good, piM: [0.5, NaN, 0.3, 0.3] }).message).toMatch(/non-negative/);
    expect(rejection({ ...good, piM: [0.5, '0.1', 0.3, 0.3] }).message).toMatch(/non-negative/);
    expect(rejection({ ...good, piM: 'uniform' }).message).toMatch(/non-negative/);
    expect(rejection({ ...good, piM: [0, 0, 0, 0] }).message).toMatch(/sum to zero/);
  });
});
