/**
 * Writing one structure's mask into one labelmap slice, and taking it back. The labelmap
 * slice is a rows x columns array of segment indices (0 = none), as cornerstone3D keeps it
 * per referenced image.
 */
export interface LabelmapSlice {
  length: number;
  [index: number]: number;
}

/** What an edit changed: enough to restore the slice exactly. */
export interface SliceEdit {
  indices: Uint32Array;
  previous: Uint16Array;
}

/**
 * Sets `segmentIndex` where `maskRowsCols` is on and clears that segment where it is off
 * (approving the same structure again on a slice replaces its mask there); other segments'
 * pixels under the mask are taken over. Returns the changes.
 */
export function writeSegmentMask(labelmap: LabelmapSlice, maskRowsCols: ArrayLike<number>, segmentIndex: number): SliceEdit {
  if (!Number.isInteger(segmentIndex) || segmentIndex < 1 || segmentIndex > 65535) {
    throw new RangeError(`segmentIndex must be an integer in 1..65535, got ${segmentIndex}`);
  }
  if (maskRowsCols.length !== labelmap.length) {
    throw new Error(`mask has ${maskRowsCols.length} pixels, the labelmap slice ${labelmap.length}`);
  }
  const indices: number[] = [];
  const previous: number[] = [];
  for (let i = 0; i < labelmap.length; i++) {
    const next = maskRowsCols[i] ? segmentIndex : labelmap[i] === segmentIndex ? 0 : labelmap[i];
    if (next !== labelmap[i]) {
      indices.push(i);
      previous.push(labelmap[i]);
      labelmap[i] = next;
    }
  }
  return { indices: Uint32Array.from(indices), previous: Uint16Array.from(previous) };
}

/** Restores what `edit` changed (edits must be undone newest first). */
export function undoSliceEdit(labelmap: LabelmapSlice, edit: SliceEdit): void {
  for (let j = edit.indices.length - 1; j >= 0; j--) labelmap[edit.indices[j]] = edit.previous[j];
}

/** The mask of one segment on a labelmap slice (1 inside). */
export function segmentMask(labelmap: LabelmapSlice, segmentIndex: number): Uint8Array {
  const out = new Uint8Array(labelmap.length);
  for (let i = 0; i < labelmap.length; i++) out[i] = labelmap[i] === segmentIndex ? 1 : 0;
  return out;
}
