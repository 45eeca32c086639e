/**
 * Preference alignment (SPA, Zhu et al. 2024, arXiv 2411.15513): an EM-style update of the
 * mixture weights pi towards the components that explain what the user chose, the derived
 * correction click, and the PreferenceProfile that carries pi to the next case.
 */
import { SpaInputError } from './errors';
import { deepestPoint } from './masks';
import type { ModelOutput } from './model';
import type { SampleSet } from './sampling';
import type { Click } from './types';

/** Floor applied to each weight before renormalising, so that no reading style is ruled out for good. */
export const MIN_WEIGHT = 0.02;

/** Posterior responsibilities gamma[i][m] of each component for each sample's latent code. */
export function responsibilities(samples: SampleSet, output: ModelOutput, piM: ArrayLike<number>, rank: number): Float64Array {
  const m = piM.length;
  const gammaNM = new Float64Array(samples.n * m);
  const logp = new Float64Array(m);
  for (let i = 0; i < samples.n; i++) {
    let max = -Infinity;
    for (let c = 0; c < m; c++) {
      let s = Math.log(Math.max(piM[c], 1e-12));
      for (let r = 0; r < rank; r++) {
        const lv = output.mixLogvarsMR[c * rank + r];
        const diff = samples.zNR[i * rank + r] - output.mixMeansMR[c * rank + r];
        s -= 0.5 * (diff * diff * Math.exp(-lv) + lv);
      }
      logp[c] = s;
      if (s > max) max = s;
    }
    let total = 0;
    for (let c = 0; c < m; c++) total += Math.exp(logp[c] - max);
    for (let c = 0; c < m; c++) gammaNM[i * m + c] = Math.exp(logp[c] - max) / total;
  }
  return gammaNM;
}

/**
 * One EM-style step: the mean responsibility over the samples the user endorsed (weightN,
 * e.g. 1 for the chosen cluster), blended into pi with `rate` and floored at MIN_WEIGHT.
 */
export function updateWeights(piM: ArrayLike<number>, gammaNM: Float64Array, weightN: ArrayLike<number>, rate: number): number[] {
  const m = piM.length;
  const target = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < weightN.length; i++) {
    if (!weightN[i]) continue;
    total += weightN[i];
    for (let c = 0; c < m; c++) target[c] += weightN[i] * gammaNM[i * m + c];
  }
  if (total === 0 || rate === 0) return Array.from(piM);
  const next = Array.from(piM, (p, c) => Math.max(MIN_WEIGHT, (1 - rate) * p + (rate * target[c]) / total));
  const sum = next.reduce((a, b) => a + b, 0);
  return next.map(p => p / sum);
}

/** Share of the maximum disagreement that still counts as "where the choice differs most". */
const NEAR_MAX_DISAGREEMENT = 0.9;
/** Probability the chosen candidate must reach (or 1 - it) for a pixel to carry a derived click. */
const CONFIDENT = 0.9;
/** Mean probability difference below which the candidates do not really disagree anywhere. */
const MIN_DISAGREEMENT = 0.5;

/**
 * The correction click derived from a choice: where the chosen candidate differs most from
 * the others (mean absolute difference of their probability maps, or of binary masks), at the
 * deepest pixel of that region, labelled by the chosen candidate. Of the two sides (pixels the
 * choice adds, pixels it removes) the larger one is used. Null when nothing differs.
 */
export function derivedClick(chosenHW: ArrayLike<number>, othersHW: readonly ArrayLike<number>[], height: number, width: number): Click | null {
  const pixels = height * width;
  const score = new Float32Array(pixels);
  let max = 0;
  for (let p = 0; p < pixels; p++) {
    // Only where the chosen candidate itself is sure: a click there is what it stands for.
    if (chosenHW[p] > 1 - CONFIDENT && chosenHW[p] < CONFIDENT) continue;
    let s = 0;
    for (const other of othersHW) s += Math.abs(chosenHW[p] - other[p]);
    score[p] = s / Math.max(1, othersHW.length);
    if (score[p] > max) max = score[p];
  }
  if (max < MIN_DISAGREEMENT) return null;
  const added = new Uint8Array(pixels);
  const removed = new Uint8Array(pixels);
  let nAdded = 0;
  let nRemoved = 0;
  for (let p = 0; p < pixels; p++) {
    if (score[p] < NEAR_MAX_DISAGREEMENT * max) continue;
    if (chosenHW[p] >= 0.5) {
      added[p] = 1;
      nAdded++;
    } else {
      removed[p] = 1;
      nRemoved++;
    }
  }
  const positive = nAdded >= nRemoved;
  const point = deepestPoint(positive ? added : removed, height, width);
  return point ? { ...point, positive } : null;
}

export interface PreferenceProfile {
  format: 'spa-preference-profile';
  version: 1;
  /** Model the weights belong to (they mean nothing for another model). */
  model: string;
  piM: number[];
  /** How many choices shaped these weights. */
  choices: number;
  updatedAt: string;
}

export function uniformProfile(model: string, components: number): PreferenceProfile {
  return {
    format: 'spa-preference-profile',
    version: 1,
    model,
    piM: Array(components).fill(1 / components),
    choices: 0,
    updatedAt: new Date(0).toISOString(),
  };
}

/** Parse an exported profile; throws SpaInputError('bad-profile') saying what is wrong. */
export function parseProfile(json: unknown, model: string, components: number): PreferenceProfile {
  const p = json as Partial<PreferenceProfile> | null;
  const bad = (why: string) => new SpaInputError('bad-profile', `Preference profile rejected: ${why}.`);
  if (!p || p.format !== 'spa-preference-profile' || p.version !== 1) throw bad('not an SPA preference profile (format/version)');
  if (p.model !== model) throw bad(`it belongs to model "${String(p.model)}", this viewer runs "${model}"`);
  if (!Array.isArray(p.piM) || p.piM.length !== components || p.piM.some(v => typeof v !== 'number' || !(v >= 0))) {
    throw bad(`expected ${components} non-negative weights`);
  }
  const sum = p.piM.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw bad('weights sum to zero');
  return {
    format: 'spa-preference-profile',
    version: 1,
    model,
    piM: p.piM.map(v => v / sum),
    choices: Number.isInteger(p.choices) ? (p.choices as number) : 0,
    updatedAt: typeof p.updatedAt === 'string' ? p.updatedAt : new Date(0).toISOString(),
  };
}
