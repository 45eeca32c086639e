import fs from 'node:fs';
import path from 'node:path';
import { dice3d, noduleMasks, parseLidcXml, rasteriseContour, readerNodulesOn } from './lidcReaders';

const XML = path.resolve(__dirname, '../../../shared/data/lidc-idri-0001/069.xml');
const crops = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../fixtures/lidc0001-crops.json'), 'utf8')) as {
  slices: Array<{ SOPInstanceUID: string; z: number }>;
};

describe('rasterising an LIDC contour', () => {
  it('fills the inside of a contour and leaves the contour out', () => {
    // A 5 x 5 square outline (cols 1..5, rows 1..5) on a 7 x 7 grid.
    const points: Array<[number, number]> = [];
    for (let x = 1; x <= 5; x++) points.push([x, 1]);
    for (let y = 2; y <= 5; y++) points.push([5, y]);
    for (let x = 4; x >= 1; x--) points.push([x, 5]);
    for (let y = 4; y >= 2; y--) points.push([1, y]);
    const mask = rasteriseContour(points, 7, 7);
    const on = Array.from(mask.keys()).filter(i => mask[i]);
    expect(on.map(i => [Math.floor(i / 7), i % 7])).toEqual([
      [2, 2], [2, 3], [2, 4],
      [3, 2], [3, 3], [3, 4],
      [4, 2], [4, 3], [4, 4],
    ]);
    expect(rasteriseContour([[1, 1]], 7, 7).some(v => v)).toBe(false);
  });

  it('parses readers, nodules and ROIs, and cuts excluded ROIs out of included ones', () => {
    const square = (x0: number, x1: number) => {
      const pts: string[] = [];
      for (let x = x0; x <= x1; x++) pts.push(`<edgeMap><xCoord>${x}</xCoord><yCoord>${x0}</yCoord></edgeMap>`);
      for (let y = x0 + 1; y <= x1; y++) pts.push(`<edgeMap><xCoord>${x1}</xCoord><yCoord>${y}</yCoord></edgeMap>`);
      for (let x = x1 - 1; x >= x0; x--) pts.push(`<edgeMap><xCoord>${x}</xCoord><yCoord>${x1}</yCoord></edgeMap>`);
      for (let y = x1 - 1; y > x0; y--) pts.push(`<edgeMap><xCoord>${x0}</xCoord><yCoord>${y}</yCoord></edgeMap>`);
      return pts.join('');
    };
    const xml = `<LidcReadMessage><readingSession><unblindedReadNodule><noduleID>N1</noduleID>
      <roi><imageSOP_UID>1.2.3</imageSOP_UID><inclusion>TRUE</inclusion>${square(0, 10)}</roi>
      <roi><imageSOP_UID>1.2.3</imageSOP_UID><inclusion>FALSE</inclusion>${square(3, 7)}</roi>
      </unblindedReadNodule></readingSession><readingSession></readingSession></LidcReadMessage>`;
    const readings = parseLidcXml(xml);
    expect(readings.map(r => r.nodules.length)).toEqual([1, 0]);
    expect(readings[0].nodules[0].rois.map(r => [r.inclusion, r.points.length])).toEqual([[true, 40], [false, 16]]);
    const mask = noduleMasks(readings[0].nodules[0], 12, 12).get('1.2.3')!;
    const on = (row: number, col: number) => mask[row * 12 + col];
    expect([on(1, 1), on(2, 2), on(5, 5), on(3, 3), on(0, 0)]).toEqual([1, 1, 0, 0, 0]);
  });

  it('computes Dice over a stack, missing slices counting as empty', () => {
    const a = new Map([['s1', [1, 1, 0, 0]]]);
    const b = new Map([['s1', [1, 0, 0, 0]], ['s2', [1, 0, 0, 0]]]);
    expect(dice3d(a, b)).toBeCloseTo((2 * 1) / 4);
    expect(dice3d(new Map(), new Map())).toBe(1);
  });
});

(fs.existsSync(XML) ? describe : describe.skip)('LIDC-IDRI-0001 readers (../shared/data/lidc-idri-0001/069.xml)', () => {
  const readings = parseLidcXml(fs.readFileSync(XML, 'utf8'));

  it('finds the four readers of the nodule on its largest slices', () => {
    expect(readings).toHaveLength(4);
    const z115 = crops.slices.find(s => s.z === -115)!.SOPInstanceUID;
    expect(readerNodulesOn(readings, z115).map(r => r.session)).toEqual([0, 1, 2, 3]);
  });

  it('puts every reader mask inside the 128 x 128 training crop at (302, 252), on the crop slices', () => {
    const cropSops = new Set(crops.slices.map(s => s.SOPInstanceUID));
    for (const { nodule } of readerNodulesOn(readings, crops.slices[4].SOPInstanceUID)) {
      const masks = noduleMasks(nodule, 512, 512);
      for (const [sop, mask] of masks) {
        expect(cropSops.has(sop)).toBe(true);
        mask.forEach((v, i) => {
          if (!v) return;
          const row = Math.floor(i / 512);
          const col = i % 512;
          expect(row >= 302 && row < 430 && col >= 252 && col < 380).toBe(true);
        });
      }
    }
  });
});
