/**
 * Training smoke test: a few steps of training/train.py on a handful of real LIDC crops, ONNX
 * export, and onnxruntime-node reproducing the PyTorch outputs of the exported model.
 * Needs Debian's python3-torch, python3-onnx, python3-pil (installed by .ci/run).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { encodeClicks, SpaModel } from '../../src/core';
import { loadNodeModel } from '../../tools/lib/nodeModel';

const ROOT = resolve(__dirname, '..', '..');
const CROPS = resolve(ROOT, '..', 'shared', 'data', 'lidc-crops');
const PYTHON = '/usr/bin/python3';

describe('training smoke test', () => {
  let work: string;
  let model: SpaModel | null = null;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'spa-train-'));
    // A small data folder with the layout of lidc-crops: the first nodules of four patients.
    const manifest = JSON.parse(readFileSync(join(CROPS, 'manifest.json'), 'utf8')) as { patient: string; nodule: string; slices: number }[];
    const firstPerPatient = manifest.filter((e, i) => manifest.findIndex(f => f.patient === e.patient) === i).slice(0, 4);
    const data = join(work, 'data');
    for (const e of firstPerPatient) {
      mkdirSync(join(data, e.patient), { recursive: true });
      for (const kind of ['image', 'raters']) symlinkSync(join(CROPS, e.patient, `${e.nodule}-${kind}.png`), join(data, e.patient, `${e.nodule}-${kind}.png`));
    }
    writeFileSync(join(data, 'manifest.json'), JSON.stringify(firstPerPatient));
    const run = (args: string[]) => execFileSync(PYTHON, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    run(['training/train.py', '--data', data, '--out', join(work, 'run'), '--smoke', '--iters', '3', '--batch', '4', '--log-every', '1', '--val-every', '3', '--val-slices', '8', '--coverage-weight', '1', '--zoom', '2', '--flat-background-prob', '0.5', '--border-cut-prob', '0.5', '--click-radius', '2', '--deepest-first-click-prob', '0.5', '--deepest-extra-click-prob', '0.5']);
    run(['training/export.py', '--checkpoint', join(work, 'run', 'model.pt'), '--fp16', '--out', join(work, 'models'), '--fixture-out', join(work, 'models'), '--split', join(work, 'run', 'split.json')]);
  }, 600_000);

  afterAll(async () => {
    await model?.release();
    rmSync(work, { recursive: true, force: true });
  });

  it('logs progress, writes the split and a resumable checkpoint', () => {
    const log = readFileSync(join(work, 'run', 'train.log'), 'utf8');
    expect(log).toMatch(/step 3\/3 loss \d/);
    expect(log).toMatch(/coverage \d/); // --coverage-weight 1: the anti-collapse term is computed
    expect(log).not.toMatch(/coverage 0\.0000 /);
    expect(log).toMatch(/val_dice \d/);
    expect(log).toMatch(/val_dice_deepest_click \d/); // the harness's first click, validated beside the random one
    const split = JSON.parse(readFileSync(join(work, 'run', 'split.json'), 'utf8'));
    expect(split.train_patients.filter((p: string) => split.val_patients.includes(p))).toEqual([]);
    expect(split.val_patients.length).toBeGreaterThan(0);
    const resumed = execFileSync(PYTHON, ['training/train.py', '--data', join(work, 'data'), '--out', join(work, 'run'), '--smoke', '--iters', '4', '--batch', '4', '--val-every', '4', '--val-slices', '8'], { cwd: ROOT, encoding: 'utf8' });
    expect(resumed).toMatch(/resumed at step 3/);
  }, 300_000);

  it('rebuilds a trainable network from the exported ONNX file, fine-tunes it on patches in two processes in bfloat16 and exports it again', () => {
    // from_onnx gives back exactly what the file computes: the parity fixture's outputs.
    const check = [
      'import sys, json, base64, numpy as np, torch',
      "sys.path.insert(0, 'training')",
      'from from_onnx import load_onnx_net',
      'from data import click_maps',
      `d = ${JSON.stringify(join(work, 'models'))}`,
      "fx = json.load(open(d + '/spa-lidc-parity.json'))",
      "img = np.frombuffer(base64.b64decode(fx['imageGrey']), np.uint8).reshape(128, 128).astype(np.float32) / 255",
      "radius = json.load(open(d + '/spa-lidc.json'))['clickEncoding']['radiusPx']",
      "clicks = click_maps(*[[tuple(p) for p in fx[k]] for k in ('positive', 'negative')], radius)",
      "m, f, mm, ml = load_onnx_net(d + '/spa-lidc.onnx')(torch.from_numpy(img)[None, None], torch.from_numpy(clicks)[None])",
      "print(float(np.abs(m.detach().flatten()[fx['pixels']].numpy() - np.array(fx['meanLogits'])).max()))",
    ].join('\n');
    const gap = Number(execFileSync(PYTHON, ['-c', check], { cwd: ROOT, encoding: 'utf8' }).trim());
    expect(gap).toBeLessThan(1e-5);
    const out = join(work, 'finetune');
    const log = execFileSync(PYTHON, ['training/train.py', '--data', join(work, 'data'), '--out', out, '--smoke', '--init-onnx', join(work, 'models', 'spa-lidc.onnx'),
      '--patch', '64', '--bf16', '--posterior-warmup', '1', '--error-click-prob', '1', '--iters', '4', '--stop-at', '2', '--batch', '4', '--procs', '2', '--log-every', '1', '--val-every', '2', '--val-slices', '8'], { cwd: ROOT, encoding: 'utf8' });
    expect(log).toMatch(/initialised from .*spa-lidc\.onnx/);
    expect(log).toMatch(/step 2\/4 loss \d/); // --stop-at 2 of a 4-step schedule
    expect(log).not.toMatch(/step 3\/4/);
    expect(log).toMatch(/2 processes hold the same weights/); // --procs 2: gradients averaged, weights in step
    // The fine-tune keeps the file's geometry and the click disks it was trained on (--click-radius 2).
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ folded: true, base: 12, zoom: 2, patch: 64, click_radius: 2, bf16: true, error_click_prob: 1 });
    const exported = execFileSync(PYTHON, ['training/export.py', '--checkpoint', join(out, 'model.pt'), '--out', join(out, 'models'), '--fixture-out', join(out, 'models')], { cwd: ROOT, encoding: 'utf8' });
    expect(exported).toMatch(/wrote .*spa-lidc\.onnx/);
  }, 300_000);

  it('exports an ONNX model that onnxruntime-node runs like PyTorch', async () => {
    model = await loadNodeModel('node', { dir: join(work, 'models') });
    const fixture = JSON.parse(readFileSync(join(work, 'models', 'spa-lidc-parity.json'), 'utf8'));
    const grey = Buffer.from(fixture.imageGrey, 'base64');
    const clicks = [
      ...fixture.positive.map(([row, col]: number[]) => ({ row, col, positive: true })),
      ...fixture.negative.map(([row, col]: number[]) => ({ row, col, positive: false })),
    ];
    const [out] = await model.predict([{ imageInput: Float32Array.from(grey, g => g / 255), clickMaps: encodeClicks(clicks, { row: 0, col: 0 }, model.contract) }]);
    fixture.pixels.forEach((p: number, i: number) => expect(Math.abs(out.meanLogitsHW[p] - fixture.meanLogits[i])).toBeLessThan(1e-4));
    expect(out.mixMeansMR).toHaveLength(model.contract.components * model.contract.rank);
    const contract = JSON.parse(readFileSync(join(work, 'models', 'spa-lidc.json'), 'utf8'));
    expect(contract.training.iters).toBe(3);
    expect(contract.weights).toBe('float16-rounded'); // --fp16: float16 values, stored as float32 (wasm runs those faster)
    expect(contract.segmentedCentrePx).toBe(64); // --zoom 2
    expect(contract.clickEncoding.radiusPx).toBe(2); // --click-radius 2, and the parity above used it
  });
});
