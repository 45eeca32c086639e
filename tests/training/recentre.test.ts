/**
 * Training re-crops some LIDC crops around the first click (training/data.py `recentre`) so
 * that the model learns on the crops the viewer gives it. This checks that the Python re-crop
 * and the engine's prepareCrop (src/core/preprocess.ts) agree pixel for pixel, padding included.
 * Its flat-background and border-cut augmentations (`flatten_background`, `cut_at_border`)
 * must normalise and pad as the engine does too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { prepareCrop } from '../../src/core';
import type { ModelContract } from '../../src/core';
import { loadCropSlices } from '../../tools/eval/dataset';

const ROOT = resolve(__dirname, '..', '..');
const CROPS = resolve(ROOT, '..', 'shared', 'data', 'lidc-crops');
const PYTHON = '/usr/bin/python3';
const contract = JSON.parse(readFileSync(join(ROOT, 'models', 'spa-lidc.json'), 'utf8')) as ModelContract;

/** training/data.py recentre() on one grey crop, as a flat list of grey values. */
function pythonRecentre(greyHW: Uint8Array, size: number, centre: { row: number; col: number }): number[] {
  const script = [
    'import sys, json, base64, numpy as np',
    "sys.path.insert(0, 'training')",
    'from data import recentre',
    'a = json.load(sys.stdin)',
    "grey = np.frombuffer(base64.b64decode(a['grey']), np.uint8).reshape(a['size'], a['size'])",
    "masks = np.zeros((1, a['size'], a['size']), bool)",
    "out, _, _ = recentre(grey, masks, (a['row'], a['col']))",
    'print(json.dumps(out.astype(int).ravel().tolist()))',
  ].join('\n');
  const input = JSON.stringify({ grey: Buffer.from(greyHW).toString('base64'), size, row: centre.row, col: centre.col });
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { cwd: ROOT, input, encoding: 'utf8' }));
}

describe('training re-crop around the click', () => {
  const [slice] = loadCropSlices(CROPS, new Set(['LIDC-IDRI-0001']));

  it.each([
    ['the crop centre (nothing moves)', { row: 64, col: 64 }],
    ['off-centre, padding at the top left', { row: 40, col: 51 }],
    ['near the bottom right corner', { row: 120, col: 97 }],
  ])('matches prepareCrop at %s', (_name, centre) => {
    const sliceImage = { rows: slice.size, columns: slice.size, pixelData: slice.greyHW, rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] as [number, number] };
    const engine = prepareCrop(sliceImage, centre, contract);
    const training = pythonRecentre(slice.greyHW, slice.size, centre);
    expect(training).toHaveLength(engine.greyHW.length);
    let differing = 0;
    for (let i = 0; i < training.length; i++) if (training[i] !== engine.greyHW[i]) differing++;
    expect(differing).toBe(0);
    // Padding shows as grey 0 where the crop leaves the 128 x 128 image.
    const padded = (centre.row - 64 < 0 ? 64 - centre.row : 0) * 128;
    expect(Array.from(engine.greyHW.subarray(0, padded)).every(g => g === 0)).toBe(true);
  });
});

describe("training's flat-background augmentation", () => {
  const [slice] = loadCropSlices(CROPS, new Set(['LIDC-IDRI-0001']));

  it.each([0, 3])('with a %i px margin it is the crop with the rest set to its minimum, normalised as the engine normalises', margin => {
    const size = slice.size;
    const union = new Uint8Array(size * size);
    for (const m of slice.readerMasksHW) m.forEach((v, i) => (union[i] |= v));
    const script = [
      'import sys, json, base64, numpy as np',
      "sys.path.insert(0, 'training')",
      'from data import flatten_background',
      'a = json.load(sys.stdin)',
      "s = a['size']",
      "grey = np.frombuffer(base64.b64decode(a['grey']), np.uint8).reshape(s, s)",
      "union = np.frombuffer(base64.b64decode(a['union']), np.uint8).reshape(s, s)",
      "print(json.dumps(flatten_background(grey, union, a['margin']).astype(int).ravel().tolist()))",
    ].join('\n');
    const input = JSON.stringify({ grey: Buffer.from(slice.greyHW).toString('base64'), union: Buffer.from(union).toString('base64'), size, margin });
    const training: number[] = JSON.parse(execFileSync(PYTHON, ['-c', script], { cwd: ROOT, input, encoding: 'utf8' }));

    // The same by hand: keep pixels within `margin` (chessboard) of a mark, the rest at the minimum, then the engine's crop.
    const lowest = Math.min(...slice.greyHW);
    const flat = new Uint8Array(size * size);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        let near = false;
        for (let dr = -margin; dr <= margin && !near; dr++) {
          for (let dc = -margin; dc <= margin && !near; dc++) {
            const rr = r + dr;
            const cc = c + dc;
            near = rr >= 0 && cc >= 0 && rr < size && cc < size && union[rr * size + cc] === 1;
          }
        }
        flat[r * size + c] = near ? slice.greyHW[r * size + c] : lowest;
      }
    }
    const sliceImage = { rows: size, columns: size, pixelData: flat, rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] as [number, number] };
    const engine = prepareCrop(sliceImage, { row: 64, col: 64 }, contract);
    expect(training).toEqual(Array.from(engine.greyHW));
    expect(Math.max(...training)).toBe(255);
    expect(training.filter(g => g === 0).length).toBeGreaterThan(size * size / 2);
  });
});

describe("training's border-cut augmentation", () => {
  const slices = loadCropSlices(CROPS, new Set(['LIDC-IDRI-0001']));

  it.each([0, 1, 2])('seed %i: the crop is what the engine makes of an image that ends at the cut row', seed => {
    const slice = slices[seed];
    const size = slice.size;
    const bits = new Uint8Array(size * size);
    slice.readerMasksHW.forEach((m, r) => m.forEach((v, i) => (bits[i] |= v << r)));
    const script = [
      'import sys, json, base64, numpy as np',
      "sys.path.insert(0, 'training')",
      'from data import cut_at_border',
      'a = json.load(sys.stdin)',
      "s = a['size']",
      "grey = np.frombuffer(base64.b64decode(a['grey']), np.uint8).reshape(s, s)",
      "bits = np.frombuffer(base64.b64decode(a['bits']), np.uint8).reshape(s, s)",
      "masks = np.stack([(bits >> r) & 1 for r in range(4)]).astype(bool)",
      "out, cut_masks, cut = cut_at_border(grey, masks, np.random.default_rng(a['seed']))",
      "print(json.dumps({'grey': out.astype(int).ravel().tolist(), 'cut': cut, 'masks_above': int(cut_masks[:, :cut].sum()), 'masks_below_same': bool((cut_masks[:, cut:] == masks[:, cut:]).all())}))",
    ].join('\n');
    const input = JSON.stringify({ grey: Buffer.from(slice.greyHW).toString('base64'), bits: Buffer.from(bits).toString('base64'), size, seed });
    const training: { grey: number[]; cut: number; masks_above: number; masks_below_same: boolean } = JSON.parse(execFileSync(PYTHON, ['-c', script], { cwd: ROOT, input, encoding: 'utf8' }));
    // The cut runs through the marks (some marked row is lost) and keeps some of them.
    const union = new Uint8Array(size * size);
    slice.readerMasksHW.forEach(m => m.forEach((v, i) => (union[i] |= v)));
    const markedRows = Array.from({ length: size }, (_, r) => union.subarray(r * size, (r + 1) * size).some(v => v)).flatMap((m, r) => (m ? [r] : []));
    expect(training.cut).toBeGreaterThanOrEqual(markedRows[0]);
    expect(training.cut).toBeLessThanOrEqual(markedRows[markedRows.length - 1]);
    expect(training.masks_above).toBe(0);
    expect(training.masks_below_same).toBe(true);

    // The engine's crop of an image made of the rows from the cut down, centred where the crop's centre was.
    const rows = size - training.cut;
    const image = { rows, columns: size, pixelData: slice.greyHW.slice(training.cut * size), rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] as [number, number] };
    const engine = prepareCrop(image, { row: 64 - training.cut, col: 64 }, contract);
    expect(training.grey).toEqual(Array.from(engine.greyHW));
  });
});
