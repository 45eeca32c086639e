import type { CropNodule } from './dataset';
import { dice3d, largestSlice, majorityVolume, markedSlices, markingReaders, readerVolume } from './volumes';

const SIZE = 8;

function square(row: number, col: number, side: number): Uint8Array {
  const mask = new Uint8Array(SIZE * SIZE);
  for (let y = row; y < row + side; y++) for (let x = col; x < col + side; x++) mask[y * SIZE + x] = 1;
  return mask;
}
const empty = () => new Uint8Array(SIZE * SIZE);

/** Three slices; reader 3 never marks the nodule; reader 2 marks only the middle slice. */
function nodule(): CropNodule {
  const slices = [
    [square(2, 2, 2), square(2, 2, 3), empty(), empty()],
    [square(1, 1, 4), square(2, 2, 4), square(0, 0, 2), empty()],
    [empty(), square(3, 3, 2), empty(), empty()],
  ];
  return { id: 'p/n', patient: 'p', size: SIZE, greyHW: slices.map(empty), readerMasksHW: slices };
}

describe('nodule volumes', () => {
  it('counts only the readers who marked the nodule somewhere', () => {
    expect(markingReaders(nodule())).toEqual([0, 1, 2]);
    expect(readerVolume(nodule(), 2).map(m => m.includes(1))).toEqual([false, true, false]);
  });

  it('takes the majority over those readers, a reader who left a slice out voting no', () => {
    const majority = majorityVolume(nodule());
    // Three readers: two votes needed. Slice 2 has one reader only, so it is empty.
    expect(markedSlices(majority)).toEqual([0, 1]);
    const votes = (s: number, p: number) => nodule().readerMasksHW[s].reduce((n, m) => n + m[p], 0);
    majority.forEach((mask, s) => mask.forEach((v, p) => expect(v).toBe(votes(s, p) >= 2 ? 1 : 0)));
    expect(largestSlice(majority)).toBe(1);
  });

  it('scores Dice over the whole stack, not per slice', () => {
    const a = [square(0, 0, 2), empty()]; // 4 px
    const b = [square(0, 0, 2), square(0, 0, 2)]; // 8 px, 4 shared
    expect(dice3d(a, b)).toBeCloseTo((2 * 4) / 12);
    expect(dice3d([empty()], [empty()])).toBe(1);
    expect(() => dice3d(a, [empty()])).toThrow('volumes of 2 and 1 slices');
  });
});
