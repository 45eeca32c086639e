import { SeededRandom } from '../../src/core';
import type { CropSlice } from './dataset';
import { agreementClick, majorityOf, raterCases, readerPairAgreement, sliceRandom, spaCase } from './protocols';

const SIZE = 16;

/** A disk of `radius` px around (row, col) on the SIZE x SIZE grid. */
function disk(row: number, col: number, radius: number): Uint8Array {
  const mask = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) mask[y * SIZE + x] = (y - row) ** 2 + (x - col) ** 2 <= radius * radius ? 1 : 0;
  return mask;
}

function sliceOf(readerMasksHW: Uint8Array[]): CropSlice {
  return { id: 'test/1/0', patient: 'test', greyHW: new Uint8Array(SIZE * SIZE), readerMasksHW, size: SIZE };
}

const at = (mask: Uint8Array, p: { row: number; col: number }) => mask[p.row * SIZE + p.col];

describe('majorityOf', () => {
  it('is the union of two masks and the at-least-two vote of four', () => {
    const a = disk(8, 6, 2);
    const b = disk(8, 10, 2);
    const union = a.map((v, p) => v | b[p]);
    expect(Array.from(majorityOf([a, b]))).toEqual(Array.from(union));
    const four = [a, b, disk(8, 8, 1), disk(2, 2, 1)];
    const votes = (p: number) => four.reduce((n, m) => n + m[p], 0);
    majorityOf(four).forEach((v, p) => expect(v).toBe(votes(p) >= 2 ? 1 : 0));
  });
});

describe('readerPairAgreement', () => {
  it('averages Dice and area over every pair of readers', () => {
    const a = disk(8, 8, 3);
    const b = disk(8, 9, 3);
    const area = (m: Uint8Array) => m.reduce((n, v) => n + v, 0);
    const dAB = (2 * a.reduce((n, v, p) => n + (v & b[p]), 0)) / (area(a) + area(b));
    const two = readerPairAgreement([a, b])!;
    expect(two.dice).toBeCloseTo(dAB, 12);
    expect(two.dice).toBeLessThan(1);
    expect(two.areaPx).toBe((area(a) + area(b)) / 2);
    // Three identical readers agree perfectly; a disjoint fourth pulls the mean down by half.
    expect(readerPairAgreement([a, a, a])!.dice).toBe(1);
    const far = disk(2, 2, 1);
    expect(readerPairAgreement([a, a, a, far])!.dice).toBeCloseTo(3 / 6, 12);
  });

  it('has no pair to compare with one reader', () => {
    expect(readerPairAgreement([disk(8, 8, 3)])).toBeNull();
  });
});

describe('agreementClick', () => {
  it('clicks a pixel every reader marks', () => {
    const readers = [disk(8, 7, 3), disk(8, 9, 3), disk(7, 8, 4)];
    const click = agreementClick(sliceOf(readers));
    expect(click.positive).toBe(true);
    for (const m of readers) expect(at(m, click)).toBe(1);
  });

  it('falls back to the majority when the readers share no pixel', () => {
    const readers = [disk(4, 4, 1), disk(4, 5, 1), disk(12, 12, 1)];
    const click = agreementClick(sliceOf(readers));
    expect(at(majorityOf(readers), click)).toBe(1);
  });

  it('names the slice when no reader marked it', () => {
    expect(() => agreementClick(sliceOf([new Uint8Array(SIZE * SIZE)]))).toThrow('test/1/0: no reader marked this slice');
  });
});

describe('spaCase', () => {
  it('targets a majority of some readers: inside their union, holding every pixel all of them mark', () => {
    const readers = [disk(8, 8, 2), disk(8, 8, 3), disk(8, 9, 4), disk(7, 8, 5)];
    const union = readers.reduce((u, m) => u.map((v, p) => v | m[p]));
    const shared = readers.reduce((u, m) => u.map((v, p) => v & m[p]));
    const rng = new SeededRandom(3);
    const targets = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const kase = spaCase(sliceOf(readers), rng);
      kase.targetHW.forEach((v, p) => {
        if (v) expect(union[p]).toBe(1);
        if (shared[p]) expect(v).toBe(1);
      });
      targets.add(kase.targetHW.join(''));
    }
    // The preference pixel sides with different readers from case to case.
    expect(targets.size).toBeGreaterThan(1);
  });

  it("is that reader's mask when only one reader marked the slice", () => {
    const only = disk(6, 9, 3);
    const kase = spaCase(sliceOf([only]), new SeededRandom(1));
    expect(Array.from(kase.targetHW)).toEqual(Array.from(only));
    expect(at(only, kase.firstClick)).toBe(1);
  });
});

describe('raterCases', () => {
  it("gives one case per reader, its first click inside that reader's mask", () => {
    const readers = [disk(5, 5, 2), disk(10, 10, 3)];
    const cases = raterCases(sliceOf(readers));
    expect(cases).toHaveLength(2);
    cases.forEach((kase, i) => {
      expect(kase.targetHW).toBe(readers[i]);
      expect(at(readers[i], kase.firstClick)).toBe(1);
    });
  });
});

describe('sliceRandom', () => {
  it('gives the same stream for a slice and seed, and another for another slice or seed', () => {
    const first = (id: string, seed: number) => {
      const rng = sliceRandom(id, seed);
      return [rng.next(), rng.next(), rng.next()];
    };
    expect(first('LIDC-IDRI-0001/nodule-0/3', 1)).toEqual(first('LIDC-IDRI-0001/nodule-0/3', 1));
    expect(first('LIDC-IDRI-0001/nodule-0/3', 1)).not.toEqual(first('LIDC-IDRI-0001/nodule-0/4', 1));
    expect(first('LIDC-IDRI-0001/nodule-0/3', 1)).not.toEqual(first('LIDC-IDRI-0001/nodule-0/3', 2));
  });
});
