/**
 * Training re-crops some LIDC crops around the first click (training/data.py `recentre`) so
 * that the model learns on the crops the viewer gives it. This checks that the Python re-crop
 * and the engine's prepareCrop (src/core/preprocess.ts) agree pixel for pixel, padding included.
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
