/**
 * Training re-crops some LIDC crops around the first click (training/data.py `recentre`) so
 * that the model learns on the crops the viewer gives it. This checks that the Python re-crop
 * and the engine's prepareCrop (src/core/preprocess.ts) agree pixel for pixel, padding included.
 * Its flat-background and border-cut augmentations (`flatten_background`, `cut_at_border`)
 * must normalise and pad as the engine does too, and its first click, when it is the deepest agreed
 * pixel, must be the pixel the evaluation harness clicks, its corrective clicks, when placed
 * as the engine derives them, the engine's derived click, its simulated users' preference
 * votes the targets the harness's "spa" protocol builds, and its 2x zoom of a small structure
 * the view tools/eval/probeRound1.ts gives the model. Its corrective clicks at the network's
 * own errors must fall where the shipped network's recommendation is wrong.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { deepestPoint, derivedClick, prepareCrop } from '../../src/core';
import type { ModelContract, SliceImage } from '../../src/core';
import { loadCropSlices, type CropSlice } from '../../tools/eval/dataset';
import { agreementClick, majorityOf, preferenceTarget } from '../../tools/eval/protocols';
import { zoomed2x } from '../../tools/eval/zoom';

const ROOT = resolve(__dirname, '..', '..');
const CROPS = resolve(ROOT, '..', 'shared', 'data', 'lidc-crops');
const PYTHON = '/usr/bin/python3';
const contract = JSON.parse(readFileSync(join(ROOT, 'models', 'spa-lidc.json'), 'utf8')) as ModelContract;
const slices = loadCropSlices(CROPS, new Set(['LIDC-IDRI-0001']));

/**
 * Runs `lines` of Python after training/data.py's folder is on the path, `a` holds `input`
 * (read from stdin) and `grid(key)` decodes one of its base64 size x size uint8 arrays; the
 * script prints JSON, which is returned.
 */
function runTrainingPython<T>(lines: string[], input: { size: number } & Record<string, unknown>): T {
  const script = [
    'import sys, json, base64, numpy as np',
    "sys.path.insert(0, 'training')",
    'a = json.load(sys.stdin)',
    "s = a['size']",
    'grid = lambda key: np.frombuffer(base64.b64decode(a[key]), np.uint8).reshape(s, s)',
    ...lines,
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { cwd: ROOT, input: JSON.stringify(input), encoding: 'utf8' }));
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Grey values 0..255 as a slice whose HU are those values. */
const greySlice = (pixelData: Uint8Array, rows: number, columns: number): SliceImage => ({
  rows,
  columns,
  pixelData,
  rescaleSlope: 1,
  rescaleIntercept: 0,
  pixelSpacingMm: [1, 1],
});

function readerUnion(slice: CropSlice): Uint8Array {
  const union = new Uint8Array(slice.size * slice.size);
  for (const m of slice.readerMasksHW) m.forEach((v, i) => (union[i] |= v));
  return union;
}

describe('training re-crop around the click', () => {
  const [slice] = slices;

  it.each([
    ['the crop centre (nothing moves)', { row: 64, col: 64 }],
    ['off-centre, padding at the top left', { row: 40, col: 51 }],
    ['near the bottom right corner', { row: 120, col: 97 }],
  ])('matches prepareCrop at %s', (_name, centre) => {
    const engine = prepareCrop(greySlice(slice.greyHW, slice.size, slice.size), centre, contract);
    const training = runTrainingPython<number[]>(
      [
        'from data import recentre',
        'masks = np.zeros((1, s, s), bool)',
        "out, _, _ = recentre(grid('grey'), masks, (a['row'], a['col']))",
        'print(json.dumps(out.astype(int).ravel().tolist()))',
      ],
      { grey: base64(slice.greyHW), size: slice.size, row: centre.row, col: centre.col },
    );
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
  const [slice] = slices;

  it.each([0, 3])('with a %i px margin it is the crop with the rest set to its minimum, normalised as the engine normalises', margin => {
    const size = slice.size;
    const union = readerUnion(slice);
    const training = runTrainingPython<number[]>(
      ['from data import flatten_background', "print(json.dumps(flatten_background(grid('grey'), grid('union'), a['margin']).astype(int).ravel().tolist()))"],
      { grey: base64(slice.greyHW), union: base64(union), size, margin },
    );

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
    const engine = prepareCrop(greySlice(flat, size, size), { row: 64, col: 64 }, contract);
    expect(training).toEqual(Array.from(engine.greyHW));
    expect(Math.max(...training)).toBe(255);
    expect(training.filter(g => g === 0).length).toBeGreaterThan(size * size / 2);
  });
});

describe("training's 2x zoom of small structures", () => {
  it.each([0, 4])('slice %i: zoom_centre is the crop the probe gives the model, and its masks are 2 x 2 blocks', index => {
    const slice = slices[index];
    const size = slice.size;
    const union = readerUnion(slice);
    const training = runTrainingPython<{ grey: number[]; mask: number[] }>(
      [
        'from data import zoom_centre',
        "grey, masks = zoom_centre(grid('grey'), grid('union')[None].astype(bool))",
        "print(json.dumps({'grey': grey.astype(int).ravel().tolist(), 'mask': masks[0].astype(int).ravel().tolist()}))",
      ],
      { grey: base64(slice.greyHW), union: base64(union), size },
    );
    const engine = prepareCrop(zoomed2x(slice), { row: size, col: size }, contract);
    expect(training.grey).toEqual(Array.from(engine.greyHW));
    expect(Math.max(...training.grey)).toBe(255);
    // The zoomed mask's pixel (r, c) is the native centre half's pixel (size / 4 + r / 2, size / 4 + c / 2).
    const q = size / 4;
    training.mask.forEach((v, i) => expect(v).toBe(union[(q + Math.floor(Math.floor(i / size) / 2)) * size + q + Math.floor((i % size) / 2)]));
    expect(training.mask.reduce((a, b) => a + b, 0)).toBe(4 * union.reduce((a, b) => a + b, 0));
  });
});

describe("training's border-cut augmentation", () => {
  it.each([0, 1, 2])('seed %i: the crop is what the engine makes of an image that ends at the cut row', seed => {
    const slice = slices[seed];
    const size = slice.size;
    const bits = new Uint8Array(size * size);
    slice.readerMasksHW.forEach((m, r) => m.forEach((v, i) => (bits[i] |= v << r)));
    const training = runTrainingPython<{ grey: number[]; cut: number; masks_above: number; masks_below_same: boolean }>(
      [
        'from data import cut_at_border',
        "masks = np.stack([(grid('bits') >> r) & 1 for r in range(4)]).astype(bool)",
        "out, cut_masks, cut = cut_at_border(grid('grey'), masks, np.random.default_rng(a['seed']))",
        "print(json.dumps({'grey': out.astype(int).ravel().tolist(), 'cut': cut, 'masks_above': int(cut_masks[:, :cut].sum()), 'masks_below_same': bool((cut_masks[:, cut:] == masks[:, cut:]).all())}))",
      ],
      { grey: base64(slice.greyHW), bits: base64(bits), size, seed },
    );
    // The cut runs through the marks (some marked row is lost) and keeps some of them.
    const union = readerUnion(slice);
    const markedRows = Array.from({ length: size }, (_, r) => union.subarray(r * size, (r + 1) * size).some(v => v)).flatMap((m, r) => (m ? [r] : []));
    expect(training.cut).toBeGreaterThanOrEqual(markedRows[0]);
    expect(training.cut).toBeLessThanOrEqual(markedRows[markedRows.length - 1]);
    expect(training.masks_above).toBe(0);
    expect(training.masks_below_same).toBe(true);

    // The engine's crop of an image made of the rows from the cut down, centred where the crop's centre was.
    const image = greySlice(slice.greyHW.slice(training.cut * size), size - training.cut, size);
    const engine = prepareCrop(image, { row: 64 - training.cut, col: 64 }, contract);
    expect(training.grey).toEqual(Array.from(engine.greyHW));
  });
});

describe("training's deepest first click", () => {
  const pyFirstClicks = (masks: Uint8Array[][], size: number) =>
    runTrainingPython<{ deepest: number[][]; first: number[] }[]>(
      [
        'from data import deepest_pixel, simulate_clicks',
        'out = []',
        "for case in a['cases']:",
        "    masks = np.stack([np.frombuffer(base64.b64decode(m), np.uint8).reshape(s, s) for m in case]).astype(bool)",
        '    pos, _, _ = simulate_clicks(masks, masks[0], np.random.default_rng(0), 0, deepest_first_prob=1.0)',
        "    out.append({'deepest': [list(deepest_pixel(m)) for m in masks], 'first': list(pos[0])})",
        'print(json.dumps(out))',
      ],
      { size, cases: masks.map(ms => ms.map(base64)) },
    );

  it("is the harness's agreement click on LIDC-IDRI-0001's slices, and deepest_pixel is the engine's deepestPoint", () => {
    const size = slices[0].size;
    const results = pyFirstClicks(slices.map(s => s.readerMasksHW), size);
    slices.forEach((slice, i) => {
      const harness = agreementClick(slice);
      expect(results[i].first).toEqual([harness.row, harness.col]);
      slice.readerMasksHW.forEach((m, r) => {
        const p = deepestPoint(m, size, size)!;
        expect(results[i].deepest[r]).toEqual([p.row, p.col]);
      });
    });
  });

  it('treats the grid edge as outside, as the engine does', () => {
    const size = 16;
    const edge = new Uint8Array(size * size);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 12; c++) edge[r * size + c] = 1; // a 5 x 12 block on the top edge
    const [result] = pyFirstClicks([[edge]], size);
    const p = deepestPoint(edge, size, size)!;
    expect(result.deepest[0]).toEqual([p.row, p.col]);
    expect(p.row).toBe(2); // not row 0: the edge counts as outside, so the middle row is deepest
  });
});

describe("training's derived corrective click", () => {
  it("is the engine's derivedClick with the target as the chosen candidate and the readers' majority as the rest", () => {
    // Every marking reader of LIDC-IDRI-0001's slices in turn as the target, plus a made-up
    // case where the target removes more than it adds (a negative click).
    const size = slices[0].size;
    const cases = slices.flatMap(slice => {
      const majority = majorityOf(slice.readerMasksHW);
      return slice.readerMasksHW.map(target => ({ target, majority }));
    });
    const ring = new Uint8Array(size * size);
    const shrunk = new Uint8Array(size * size);
    for (let r = 40; r < 80; r++) for (let c = 40; c < 80; c++) ring[r * size + c] = 1;
    for (let r = 55; r < 65; r++) for (let c = 55; c < 65; c++) shrunk[r * size + c] = 1;
    cases.push({ target: shrunk, majority: ring });
    const training = runTrainingPython<(number[] | null)[]>(
      [
        'from data import derived_click',
        'out = []',
        "for case in a['cases']:",
        "    t, m = (np.frombuffer(base64.b64decode(case[k]), np.uint8).reshape(s, s) for k in ('target', 'majority'))",
        '    p = derived_click(t, t != m)',
        '    out.append(None if p is None else [p[0], p[1], int(t[p])])',
        'print(json.dumps(out))',
      ],
      { size, cases: cases.map(c => ({ target: base64(c.target), majority: base64(c.majority) })) },
    );
    let found = 0;
    cases.forEach((c, i) => {
      const engine = derivedClick(c.target, [c.majority], size, size);
      expect(training[i]).toEqual(engine ? [engine.row, engine.col, engine.positive ? 1 : 0] : null);
      if (engine) found++;
    });
    expect(found).toBeGreaterThan(1); // the readers disagree somewhere, so clicks were compared
    expect(training[cases.length - 1]?.[2]).toBe(0); // the target removes more than it adds: a negative click
  });
});

describe("training's simulated preference vote", () => {
  it('is the "spa" protocol\'s target for every preference pixel and label', () => {
    // Every pixel of LIDC-IDRI-0001's slices that some reader marked, with both labels: the
    // readers siding with that label, then their >= 50 % vote.
    const size = slices[0].size;
    const cases = slices.flatMap(slice => {
      const union = readerUnion(slice);
      const pixels = [...union.keys()].filter(p => union[p]);
      return pixels.flatMap(pixel => ([0, 1] as const).map(label => ({ slice, pixel, label })));
    });
    const training = runTrainingPython<string[]>(
      [
        'import hashlib',
        'from data import preference_vote',
        "readers = [np.stack([np.frombuffer(base64.b64decode(m), np.uint8).reshape(s, s) for m in sl]) for sl in a['slices']]",
        'out = []',
        "for si, pixel, label in a['cases']:",
        '    v = preference_vote(readers[si], divmod(pixel, s), bool(label))',
        "    out.append(hashlib.sha1(v.astype(np.uint8).tobytes()).hexdigest())",
        'print(json.dumps(out))',
      ],
      {
        size,
        slices: slices.map(sl => sl.readerMasksHW.map(base64)),
        cases: cases.map(c => [slices.indexOf(c.slice), c.pixel, c.label]),
      },
    );
    const sha1 = (mask: Uint8Array) => createHash('sha1').update(mask).digest('hex');
    let differsFromMajority = 0;
    cases.forEach((c, i) => {
      const harness = sha1(preferenceTarget(c.slice.readerMasksHW, c.pixel, c.label));
      expect(training[i]).toBe(harness);
      if (harness !== sha1(majorityOf(c.slice.readerMasksHW))) differsFromMajority++;
    });
    expect(cases.length).toBeGreaterThan(100);
    expect(differsFromMajority).toBeGreaterThan(0); // the readers disagree, so the votes were not all the majority
  });
});

describe("training's corrective clicks at the network's own errors", () => {
  type Added = { item: number; row: number; col: number; positive: boolean; wrongThere: boolean; depth: number; deepest: number; targetThere: boolean };
  const size = slices[0].size;
  const cases = slices.map(slice => {
    const { row, col } = agreementClick(slice);
    return { grey: base64(slice.greyHW), target: base64(slice.readerMasksHW.find(m => m.some(v => v))!), click: [row, col] };
  });
  let result: { added: Added[]; wrongItems: number[]; onOwnAnswer: number; grew: boolean; three: Added[] };
  beforeAll(() => {
    result = runTrainingPython<typeof result>(
      [
        'import torch',
        'from data import click_maps',
        'from from_onnx import load_onnx_net',
        'from train import add_error_clicks, erosion_depth, recommendation',
        "net = load_onnx_net('models/spa-lidc.onnx')",
        "cs = a['cases']",
        'dec = lambda b: np.frombuffer(base64.b64decode(b), np.uint8).reshape(s, s)',
        "image = torch.from_numpy(np.stack([dec(c['grey']) for c in cs]).astype(np.float32) / 255)[:, None]",
        "target = torch.from_numpy(np.stack([dec(c['target']) for c in cs]).astype(np.float32))[:, None]",
        "clicks = torch.from_numpy(np.stack([click_maps([tuple(c['click'])], [], 3.0) for c in cs]))",
        'gen = lambda: torch.Generator().manual_seed(0)',
        'with torch.no_grad():',
        '    rec = recommendation(net, image, clicks, 8, gen())',
        'wrong = rec != (target > 0.5)',
        'depth = erosion_depth(wrong)',
        'one_round, three_rounds = np.ones(len(cs), int), np.full(len(cs), 3)',
        'maps, added = add_error_clicks(net, image, clicks, target, one_round, 3.0, False, generator=gen())',
        '_, on_own = add_error_clicks(net, image, clicks, rec.float(), one_round, 3.0, False, generator=gen())',
        '_, three = add_error_clicks(net, image, clicks, target, three_rounds, 3.0, False, generator=gen())',
        "info = lambda b, r, c, p: {'item': b, 'row': r, 'col': c, 'positive': p, 'wrongThere': bool(wrong[b, 0, r, c]), 'depth': float(depth[b, 0, r, c]), 'deepest': float(depth[b].max()), 'targetThere': bool(target[b, 0, r, c] > 0.5)}",
        "print(json.dumps({'added': [info(*x) for x in added], 'three': [info(*x) for x in three], 'onOwnAnswer': len(on_own),",
        "                  'wrongItems': np.flatnonzero(wrong.flatten(1).any(1)).tolist(), 'grew': bool((maps >= clicks).all())}))",
      ],
      { size, cases },
    );
  });

  it("lands at the deepest pixel where the shipped network's recommendation is wrong, labelled by the target", () => {
    expect(result.wrongItems.length).toBeGreaterThan(0); // the test would prove nothing on perfect answers
    expect(result.added.map(a => a.item)).toEqual(result.wrongItems); // one click per item with an error
    for (const a of result.added) {
      expect(a.wrongThere).toBe(true);
      expect(a.depth).toBe(a.deepest);
      expect(a.positive).toBe(a.targetThere);
    }
    expect(result.grew).toBe(true); // clicks are added to the maps, none removed
  });

  it('adds nothing where the recommendation is already the target, and at most one click per round', () => {
    expect(result.onOwnAnswer).toBe(0);
    for (const [item] of cases.entries()) expect(result.three.filter(a => a.item === item).length).toBeLessThanOrEqual(3);
    for (const a of result.three) expect(a.positive).toBe(a.targetThere);
    expect(result.three.length).toBeGreaterThan(result.added.length);
  });
});
