import { segmentMask, undoSliceEdit, writeSegmentMask } from './labelmapEdit';

describe('labelmap edits', () => {
  it('writes a segment, replaces it on a second approval and restores the slice on undo', () => {
    const labelmap = Uint8Array.from([0, 2, 2, 1, 1, 0]);
    const first = writeSegmentMask(labelmap, [1, 1, 0, 0, 0, 0], 1);
    expect(Array.from(labelmap)).toEqual([1, 1, 2, 0, 0, 0]);
    const second = writeSegmentMask(labelmap, [0, 0, 0, 0, 1, 1], 1);
    expect(Array.from(labelmap)).toEqual([0, 0, 2, 0, 1, 1]); // pixels taken over from segment 2 are not given back until undo
    undoSliceEdit(labelmap, second);
    expect(Array.from(labelmap)).toEqual([1, 1, 2, 0, 0, 0]);
    undoSliceEdit(labelmap, first);
    expect(Array.from(labelmap)).toEqual([0, 2, 2, 1, 1, 0]);
    expect(Array.from(segmentMask(labelmap, 2))).toEqual([0, 1, 1, 0, 0, 0]);
  });

  it('records only what changed', () => {
    const labelmap = Uint8Array.from([3, 0, 0]);
    const edit = writeSegmentMask(labelmap, [1, 0, 0], 3);
    expect(edit.indices.length).toBe(0);
  });

  it('refuses a bad segment index or a mask of another size, naming the values', () => {
    expect(() => writeSegmentMask(new Uint8Array(2), [1, 0], 0)).toThrow('got 0');
    expect(() => writeSegmentMask(new Uint8Array(2), [1, 0, 1], 1)).toThrow('mask has 3 pixels, the labelmap slice 2');
  });
});
