/**
 * k-means++ over the samples' probability maps, deterministic for a given generator.
 * Distances are computed only on the pixels where samples differ (`activePixels`, e.g.
 * SampleSet.differingPixels; found by scanning when not given).
 */
import type { SeededRandom } from './random';
import { findDifferingPixels } from './sampling';

export interface Clustering {
  /** Cluster of each sample, 0..k-1. */
  assignmentN: Int32Array;
  k: number;
}


export function kMeansPlusPlus(
  probsNHW: Float32Array,
  n: number,
  k: number,
  rng: SeededRandom,
  options: { activePixels?: Int32Array; maxIterations?: number } = {}
): Clustering {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const pixels = probsNHW.length / n;
  const maxIterations = options.maxIterations ?? 25;
  const active = options.activePixels ?? findDifferingPixels(probsNHW, n);
  const d = active.length;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = probsNHW[i * pixels + active[j]];
  const dist2 = (a: Float32Array, ai: number, b: Float32Array, bi: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = a[ai * d + j] - b[bi * d + j];
      s += t * t;
    }
    return s;
  };

  // Seeding: each new centre with probability proportional to squared distance.
  const centres: number[] = [Math.floor(rng.next() * n)];
  const nearest = new Float64Array(n).fill(Infinity);
  while (centres.length < Math.min(k, n)) {
    const last = centres[centres.length - 1];
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], dist2(x, i, x, last));
      total += nearest[i];
    }
    if (total <= 1e-9) break; // fewer distinct samples than k
    centres.push(rng.categorical(nearest));
  }
  const kk = centres.length;
  const c = new Float32Array(kk * d);
  centres.forEach((s, ci) => c.set(x.subarray(s * d, (s + 1) * d), ci * d));

  const assignmentN = new Int32Array(n).fill(-1);
  for (let iter = 0; iter < maxIterations; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let ci = 0; ci < kk; ci++) {
        const dd = dist2(x, i, c, ci);
        if (dd < bestD) {
          bestD = dd;
          best = ci;
        }
      }
      if (assignmentN[i] !== best) {
        assignmentN[i] = best;
        changed = true;
      }
    }
    if (!changed) break;
    const counts = new Int32Array(kk);
    c.fill(0);
    for (let i = 0; i < n; i++) {
      counts[assignmentN[i]]++;
      for (let j = 0; j < d; j++) c[assignmentN[i] * d + j] += x[i * d + j];
    }
    for (let ci = 0; ci < kk; ci++) {
      // An emptied cluster keeps a zero centre; the next assignment step decides whether it refills.
      if (counts[ci]) for (let j = 0; j < d; j++) c[ci * d + j] /= counts[ci];
    }
  }
  // Drop empty clusters and renumber.
  const used = Array.from(new Set(Array.from(assignmentN))).sort((a, b) => a - b);
  const remap = new Map(used.map((v, i) => [v, i]));
  return { assignmentN: assignmentN.map(a => remap.get(a)!), k: used.length };
}
