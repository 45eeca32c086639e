import { kMeansPlusPlus } from './clustering';
import { SeededRandom } from './random';
import type { SampleSet } from './sampling';
import { makeCandidates } from './session';

const PIXELS = 60;

/**
 * Samples from well-separated groups: group g is 0.9 on pixels [20g, 20g + 20) and 0.1 elsewhere,
 * plus noise of at most +-0.02, in a shuffled order. Returns the true group of each sample.
 */
function groupedSamples(sizes: number[], seed: number): { probsNHW: Float32Array; groupN: number[] } {
  const rng = new SeededRandom(seed);
  const groupN = sizes.flatMap((size, g) => Array<number>(size).fill(g));
  for (let i = groupN.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [groupN[i], groupN[j]] = [groupN[j], groupN[i]];
  }
  const probsNHW = new Float32Array(groupN.length * PIXELS);
  groupN.forEach((g, i) => {
    for (let p = 0; p < PIXELS; p++) {
      const base = p >= 20 * g && p < 20 * (g + 1) ? 0.9 : 0.1;
      probsNHW[i * PIXELS + p] = base + (rng.next() - 0.5) * 0.04;
    }
  });
  return { probsNHW, groupN };
}

/** True when two labellings describe the same partition (equal up to renaming the labels). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.has(a[i]) && ab.get(a[i]) !== b[i]) || (ba.has(b[i]) && ba.get(b[i]) !== a[i])) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

describe('kMeansPlusPlus', () => {
  it('recovers three well-separated groups exactly, for every seed tried', () => {
    const { probsNHW, groupN } = groupedSamples([12, 9, 11], 1);
    for (let seed = 1; seed <= 20; seed++) {
      const { assignmentN, k } = kMeansPlusPlus(probsNHW, groupN.length, 3, new SeededRandom(seed));
      expect(k).toBe(3);
      expect(samePartition(assignmentN, groupN)).toBe(true);
      expect(new Set(assignmentN)).toEqual(new Set([0, 1, 2]));
    }
  });

  it('recovers two groups of very different size', () => {
    const { probsNHW, groupN } = groupedSamples([29, 3], 2);
    const { assignmentN, k } = kMeansPlusPlus(probsNHW, groupN.length, 2, new SeededRandom(5));
    expect(k).toBe(2);
    expect(samePartition(assignmentN, groupN)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const { probsNHW, groupN } = groupedSamples([10, 10, 10], 3);
    // Ask for more clusters than groups so that the answer depends on the seeding.
    const a = kMeansPlusPlus(probsNHW, groupN.length, 5, new SeededRandom(17));
    const b = kMeansPlusPlus(probsNHW, groupN.length, 5, new SeededRandom(17));
    expect(Array.from(a.assignmentN)).toEqual(Array.from(b.assignmentN));
    expect(a.k).toBe(b.k);
  });

  it('gives k = 1 when all samples are identical, and never more clusters than distinct samples', () => {
    const one = Float32Array.from({ length: 8 * PIXELS }, (_, i) => (i % PIXELS) / PIXELS);
    const r1 = kMeansPlusPlus(one, 8, 3, new SeededRandom(1));
    expect(r1.k).toBe(1);
    expect(Array.from(r1.assignmentN)).toEqual(new Array(8).fill(0));
    // Two distinct patterns (4 copies each) asked for 4 clusters: 2.
    const two = new Float32Array(8 * PIXELS);
    for (let i = 0; i < 8; i++) two.fill(i % 2 ? 0.9 : 0.1, i * PIXELS, (i + 1) * PIXELS);
    const r2 = kMeansPlusPlus(two, 8, 4, new SeededRandom(1));
    expect(r2.k).toBe(2);
    expect(samePartition(r2.assignmentN, [0, 1, 0, 1, 0, 1, 0, 1])).toBe(true);
    // k larger than n.
    const r3 = kMeansPlusPlus(two.subarray(0, 2 * PIXELS), 2, 6, new SeededRandom(1));
    expect(r3.k).toBe(2);
    expect(r3.assignmentN[0]).not.toBe(r3.assignmentN[1]);
  });

  it('puts everything in one cluster for k = 1', () => {
    const { probsNHW, groupN } = groupedSamples([5, 5], 4);
    const r = kMeansPlusPlus(probsNHW, groupN.length, 1, new SeededRandom(1));
    expect(r.k).toBe(1);
    expect(r.assignmentN.every(a => a === 0)).toBe(true);
  });

  it('rejects a k that is not a positive integer, naming it', () => {
    const { probsNHW } = groupedSamples([2, 2], 5);
    for (const k of [0, -1, 1.5, NaN]) {
      expect(() => kMeansPlusPlus(probsNHW, 4, k, new SeededRandom(1))).toThrow(`k must be a positive integer, got ${k}`);
    }
  });
});

describe('makeCandidates', () => {
  it('turns the clusters into majority masks with their shares, largest first', () => {
    const sizes = [6, 18, 8];
    const { probsNHW, groupN } = groupedSamples(sizes, 6);
    const n = groupN.length;
    const samples: SampleSet = { n, probsNHW, zNR: new Float32Array(n), componentN: new Int32Array(n) };
    const candidates = makeCandidates(samples, 3, new SeededRandom(2));
    expect(candidates.map(c => c.share)).toEqual([18 / n, 8 / n, 6 / n]);
    const groupOf = [1, 2, 0]; // largest first
    candidates.forEach((cand, j) => {
      const g = groupOf[j];
      expect(cand.sampleIndices.slice().sort((a, b) => a - b)).toEqual(groupN.flatMap((gi, i) => (gi === g ? [i] : [])));
      // Majority mask of group g: exactly its 20 pixels.
      const expected = Array.from({ length: PIXELS }, (_, p) => (p >= 20 * g && p < 20 * (g + 1) ? 1 : 0));
      expect(Array.from(cand.maskHW)).toEqual(expected);
    });
  });

  it('merges clusters whose majority masks are identical', () => {
    // Two groups that differ in probability (0.6 vs 0.9 on the same pixels) but not in their mask.
    const n = 10;
    const probsNHW = new Float32Array(n * PIXELS);
    for (let i = 0; i < n; i++) for (let p = 0; p < 30; p++) probsNHW[i * PIXELS + p] = i < 4 ? 0.6 : 0.9;
    const samples: SampleSet = { n, probsNHW, zNR: new Float32Array(n), componentN: new Int32Array(n) };
    const candidates = makeCandidates(samples, 2, new SeededRandom(1));
    expect(candidates).toHaveLength(1);
    expect(candidates[0].share).toBe(1);
    expect(candidates[0].sampleIndices.slice().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
