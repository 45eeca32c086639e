/**
 * Rules for carrying an approved structure to the neighbouring slices: where to click
 * (the approved mask's centroid) and when a predicted mask still is the same structure.
 * Masks are full slices, rows x columns, row-major, 1 inside.
 */
import {
  centroid,
  countOn,
  deepestPoint,
  dice,
  largestComponent,
  SpaSession,
  type PixelPoint,
  type Predictor,
  type PreferenceProfile,
  type SliceImage,
  type SpaOptions,
} from '../../core';

export interface PropagationLimits {
  /** A prediction smaller than this (pixels) counts as empty: the structure has ended. */
  minPixels: number;
  /** Stop when a slice's mask is more than this many times the previous slice's area. */
  maxGrowth: number;
  /** Stop when the masks of two neighbouring slices share less than this fraction of the smaller one. */
  minOverlap: number;
  /** Stop when a mask is smaller than this fraction of the structure's largest slice (its tail). */
  minFractionOfLargest: number;
}

export const DEFAULT_PROPAGATION_LIMITS: PropagationLimits = {
  minPixels: 4,
  maxGrowth: 2.5,
  minOverlap: 0.3,
  minFractionOfLargest: 0.25,
};

/**
 * The click for the next slice: the centroid of the previous slice's mask, or the mask's
 * deepest pixel when the centroid falls outside it (a crescent); null for an empty mask.
 */
export function propagationClick(previousMask: Uint8Array, rows: number, columns: number): PixelPoint | null {
  const c = centroid(previousMask, columns);
  if (!c) return null;
  const p = { row: Math.round(c.row), col: Math.round(c.col) };
  if (previousMask[p.row * columns + p.col]) return p;
  return deepestPoint(previousMask, rows, columns);
}

export type PropagationVerdict =
  | { accept: true; mask: Uint8Array; pixels: number }
  | { accept: false; reason: string };

/**
 * Whether `predicted` continues the structure of `previous`: its largest connected part
 * must be big enough (absolutely and against the structure's largest slice so far,
 * `largestPixels`), lie mostly on the previous mask and not grow beyond the limit.
 */
export function judgePropagatedMask(
  previous: Uint8Array,
  predicted: Uint8Array,
  rows: number,
  columns: number,
  limits: PropagationLimits = DEFAULT_PROPAGATION_LIMITS,
  largestPixels = 0
): PropagationVerdict {
  const mask = largestComponent(predicted, rows, columns);
  const pixels = countOn(mask);
  if (pixels < limits.minPixels) return { accept: false, reason: `the prediction is empty (${pixels} px)` };
  if (pixels < limits.minFractionOfLargest * largestPixels) {
    return { accept: false, reason: `the structure fades out (${pixels} px, its largest slice has ${largestPixels})` };
  }
  const before = countOn(previous);
  if (pixels > limits.maxGrowth * before) {
    return { accept: false, reason: `the mask would grow from ${before} to ${pixels} px` };
  }
  let overlap = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] && previous[i]) overlap++;
  const smaller = Math.min(pixels, before);
  if (overlap < limits.minOverlap * smaller) {
    return { accept: false, reason: `it overlaps the previous slice's mask by only ${Math.round((100 * overlap) / smaller)}%` };
  }
  return { accept: true, mask, pixels };
}

/** The slice indices to visit from `start` in `direction` (+1 / -1) within 0..count-1, nearest first. */
export function slicesFrom(start: number, direction: 1 | -1, count: number, limit: number): number[] {
  const out: number[] = [];
  for (let i = start + direction; i >= 0 && i < count && out.length < limit; i += direction) out.push(i);
  return out;
}

/**
 * Of a slice's masks (the recommendation first, then the candidates), the one that
 * continues the previous slice's mask best (highest Dice): a structure changes little from
 * one slice to the next. Ties keep the earlier mask, i.e. the recommendation.
 */
export function pickContinuation(optionsRowsCols: readonly Uint8Array[], previous: Uint8Array): number {
  let best = 0;
  let bestScore = -1;
  optionsRowsCols.forEach((mask, i) => {
    const score = dice(mask, previous);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

/**
 * One step of propagation: click on `slice` where the previous slice's mask is, run SPA
 * (under the user's learned preference), keep the mask that continues the previous one best
 * and judge it. `cropCentre` fixes the crop (the evaluation harness's crops are already
 * centred on the nodule); the viewer crops around the click.
 */
export async function propagateOnto(
  predictor: Predictor,
  slice: SliceImage,
  previous: Uint8Array,
  largestPixels: number,
  options: Partial<SpaOptions>,
  profile?: PreferenceProfile,
  cropCentre?: PixelPoint
): Promise<PropagationVerdict> {
  const at = propagationClick(previous, slice.rows, slice.columns);
  if (!at) return { accept: false, reason: 'the previous slice\'s mask is empty' };
  const session = new SpaSession(predictor, options, profile);
  const round = await session.start(slice, { ...at, positive: true }, { cropCentre });
  // The recommendation under the learned preference, or the candidate that continues the
  // previous slice's mask better.
  const optionsRowsCols = [session.approve().maskRowsCols, ...round.candidates.map((_, k) => session.approve(k).maskRowsCols)];
  const predicted = optionsRowsCols[pickContinuation(optionsRowsCols, previous)];
  return judgePropagatedMask(previous, predicted, slice.rows, slice.columns, DEFAULT_PROPAGATION_LIMITS, largestPixels);
}
