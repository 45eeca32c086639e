/**
 * A nodule's stack as a volume for the propagation harness: the readers' 3D majority, the
 * slice a user would approve first, 3D Dice. A volume is one mask per slice, size * size each.
 */
import { countOn, dice } from '../../src/core';
import type { CropNodule } from './dataset';
import { majorityOf } from './protocols';

export type Volume = Uint8Array[];

/** The readers who marked the nodule on any slice (indices 0..3). */
export function markingReaders(nodule: CropNodule): number[] {
  return [0, 1, 2, 3].filter(r => nodule.readerMasksHW.some(slice => slice[r].includes(1)));
}

/** One reader's outline of the nodule, slice by slice. */
export function readerVolume(nodule: CropNodule, reader: number): Volume {
  return nodule.readerMasksHW.map(slice => slice[reader]);
}

/**
 * Pixels that at least half of the readers who marked the nodule (anywhere) mark: a reader
 * who left a slice out votes "not nodule" there.
 */
export function majorityVolume(nodule: CropNodule): Volume {
  const readers = markingReaders(nodule);
  return nodule.readerMasksHW.map(slice => majorityOf(readers.map(r => slice[r])));
}

/** The slice with the largest majority area (where a user starts and approves); the first on a tie. */
export function largestSlice(volume: Volume): number {
  let best = 0;
  volume.forEach((mask, s) => countOn(mask) > countOn(volume[best]) && (best = s));
  return best;
}

/** Dice over the whole volume (both with the same slices), 1 when both are empty. */
export function dice3d(a: Volume, b: Volume): number {
  if (a.length !== b.length) throw new Error(`volumes of ${a.length} and ${b.length} slices`);
  const flat = (v: Volume) => {
    const out = new Uint8Array(v.reduce((n, m) => n + m.length, 0));
    let offset = 0;
    for (const m of v) {
      out.set(m, offset);
      offset += m.length;
    }
    return out;
  };
  return dice(flat(a), flat(b));
}

/** Indices of the slices where a volume marks anything. */
export function markedSlices(volume: Volume): number[] {
  return volume.flatMap((mask, s) => (mask.includes(1) ? [s] : []));
}
