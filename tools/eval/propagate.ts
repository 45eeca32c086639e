/**
 * Propagation harness: on every nodule whose readers' majority spans two or more slices, a
 * simulated user approves the largest slice and propagates it both ways exactly as the
 * viewer does (`propagateOnto`, the viewer's default settings, no learned preference); the
 * stack is then scored in 3D against the readers' majority and against each reader.
 *
 *   npm run eval:propagation -- --data ../shared/data/lidc-crops --split models/spa-lidc-split.json [--out propagation.json]
 *
 * Two starts: "majority" approves the readers' majority on that slice (propagation alone);
 * "one-click" approves SPA's first recommendation there, after the 2D harness's agreement
 * click. The crops' stacks end where the last reader's outline ends, so running past the
 * nodule is seen only inside the stack (slices some reader marked but the majority did not);
 * "end of stack" in the stop reasons counts the directions that ran to the stack's end.
 *
 * Options: --split <json> with --subset val (default) or train; --models <dir>; --limit <n>
 * evenly spaced nodules; --seed; --threads (onnxruntime-node threads, default 1).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { countOn, parseContract, SpaSession, withTestTimeViews, type Predictor } from '../../src/core';
import { DEFAULT_SPA_CONFIG } from '../../src/extension/services/SpaService';
import { propagateOnto, slicesFrom } from '../../src/extension/utils/propagation';
import { DEFAULT_MODEL, loadNodeModel, readModelFiles } from '../lib/nodeModel';
import { type CropNodule, cropSliceOf, loadCropNodules } from './dataset';
import { CommonOptions, evenlySpaced, parseOptions, splitPatients } from './options';
import { agreementClick } from './protocols';
import { sliceImageOf } from './simulate';
import { dice3d, largestSlice, majorityVolume, markedSlices, markingReaders, readerVolume, type Volume } from './volumes';

type StartName = 'majority' | 'one-click';
const STARTS: StartName[] = ['majority', 'one-click'];

interface Args extends CommonOptions {
  seed: number;
  threads: number;
}

function parseArgs(argv: string[]): Args {
  return parseOptions(argv, { data: '', subset: 'val', seed: 1, threads: 1 } as Args, ['limit', 'seed', 'threads'], '--data --out --split --subset --models --limit --seed --threads');
}

interface NoduleRecord {
  id: string;
  start: StartName;
  /** 3D Dice against the readers' majority, and against each reader who marked the nodule. */
  diceMajority: number;
  diceReaders: number[];
  /** 3D Dice of the approved slice alone against the majority: what propagation adds to. */
  startOnlyDiceMajority: number;
  slicesMajority: number;
  slicesOurs: number;
  /** Majority slices left empty, and slices filled where the majority is empty. */
  slicesMissed: number;
  slicesExtra: number;
  /** Why each direction stopped. */
  stops: string[];
}

/** A stop reason without its figures, to count alike reasons together. */
const reasonKind = (reason: string) => reason.replace(/\s*\(.*\)|\s*by only \d+%|\s*from \d+ to \d+ px/g, '');

/** N, K and seed as the viewer runs SPA (the harness fixes the seed). */
const spaOptions = (seed: number) => ({ samples: DEFAULT_SPA_CONFIG.samples, candidates: DEFAULT_SPA_CONFIG.candidates, seed });

async function approvedMask(predictor: Predictor, nodule: CropNodule, slice: number, start: StartName, majority: Volume, seed: number): Promise<Uint8Array> {
  if (start === 'majority') return majority[slice];
  const crop = cropSliceOf(nodule, slice);
  const session = new SpaSession(predictor, spaOptions(seed));
  await session.start(sliceImageOf(crop), agreementClick(crop), { cropCentre: { row: nodule.size / 2, col: nodule.size / 2 } });
  return session.approve().maskRowsCols;
}

async function evaluateNodule(predictor: Predictor, nodule: CropNodule, majority: Volume, start: StartName, seed: number): Promise<NoduleRecord> {
  const first = largestSlice(majority);
  const size = nodule.size;
  const centre = { row: size / 2, col: size / 2 };
  const ours: Volume = nodule.greyHW.map(() => new Uint8Array(size * size));
  ours[first] = await approvedMask(predictor, nodule, first, start, majority, seed);
  const startOnly = ours.map(m => m.slice());
  let largest = countOn(ours[first]);
  const stops: string[] = [];
  for (const direction of [1, -1] as const) {
    let previous = ours[first];
    let stop = 'end of stack';
    const order = slicesFrom(first, direction, nodule.greyHW.length, DEFAULT_SPA_CONFIG.propagationLimit);
    if (order.length === DEFAULT_SPA_CONFIG.propagationLimit) stop = 'the slice limit';
    for (const index of order) {
      const verdict = await propagateOnto(predictor, sliceImageOf(cropSliceOf(nodule, index)), previous, largest, spaOptions(seed), undefined, centre);
      if (!verdict.accept) {
        stop = reasonKind(verdict.reason);
        break;
      }
      ours[index] = verdict.mask;
      previous = verdict.mask;
      largest = Math.max(largest, verdict.pixels);
    }
    stops.push(stop);
  }
  const wanted = new Set(markedSlices(majority));
  const got = new Set(markedSlices(ours));
  return {
    id: nodule.id,
    start,
    diceMajority: dice3d(ours, majority),
    diceReaders: markingReaders(nodule).map(r => dice3d(ours, readerVolume(nodule, r))),
    startOnlyDiceMajority: dice3d(startOnly, majority),
    slicesMajority: wanted.size,
    slicesOurs: got.size,
    slicesMissed: [...wanted].filter(s => !got.has(s)).length,
    slicesExtra: [...got].filter(s => !wanted.has(s)).length,
    stops,
  };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function summarise(records: NoduleRecord[]) {
  const stopCounts: Record<string, number> = {};
  for (const r of records) for (const s of r.stops) stopCounts[s] = (stopCounts[s] ?? 0) + 1;
  return {
    nodules: records.length,
    dice_3d_majority: mean(records.map(r => r.diceMajority)),
    dice_3d_readers_mean: mean(records.map(r => mean(r.diceReaders))),
    dice_3d_best_reader: mean(records.map(r => Math.max(...r.diceReaders))),
    start_slice_only_dice_3d_majority: mean(records.map(r => r.startOnlyDiceMajority)),
    slices_majority: mean(records.map(r => r.slicesMajority)),
    slices_ours: mean(records.map(r => r.slicesOurs)),
    slices_missed: mean(records.map(r => r.slicesMissed)),
    slices_extra: mean(records.map(r => r.slicesExtra)),
    stops: Object.fromEntries(Object.entries(stopCounts).sort((a, b) => b[1] - a[1])),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const withMajority = loadCropNodules(args.data, splitPatients(args)).map(nodule => ({ nodule, majority: majorityVolume(nodule) }));
  const nodules = evenlySpaced(withMajority.filter(n => markedSlices(n.majority).length >= 2), args.limit);
  const files = readModelFiles(DEFAULT_MODEL, args.models);
  const contract = parseContract(files.contractJson, files.contractFile);
  const model = await loadNodeModel('node', { threads: args.threads, dir: args.models });
  const predictor = withTestTimeViews(model, DEFAULT_SPA_CONFIG.testTimeViews);
  const { samples, candidates, propagationLimit, testTimeViews } = DEFAULT_SPA_CONFIG;
  console.log(`SPA propagation: ${nodules.length} nodules spanning 2+ majority slices, model ${contract.name} ${contract.version}, N=${samples}, K=${candidates}, up to ${propagationLimit} slices each way`);
  const t0 = performance.now();
  const records: NoduleRecord[] = [];
  let lastPrint = 0;
  for (const [i, { nodule, majority }] of nodules.entries()) {
    for (const start of STARTS) records.push(await evaluateNodule(predictor, nodule, majority, start, args.seed));
    const s = (performance.now() - t0) / 1000;
    if (s - lastPrint > 10 || i === nodules.length - 1) {
      lastPrint = s;
      console.log(`  ${i + 1}/${nodules.length} nodules, ${s.toFixed(0)} s`);
    }
  }
  await model.release();
  const report = {
    model: { name: contract.name, version: contract.version, sha256: contract.sha256 },
    seconds: (performance.now() - t0) / 1000,
    settings: { samples, candidates, propagation_limit: propagationLimit, views: testTimeViews, seed: args.seed, data: args.data, split: args.split ?? null, subset: args.subset },
    starts: Object.fromEntries(STARTS.map(s => [s, summarise(records.filter(r => r.start === s))])),
  };
  const f = (x: number) => x.toFixed(3);
  console.log('\nstart      nodules  3D Dice: majority  readers (mean)  best reader | approved slice alone | slices: majority  ours  missed  extra');
  for (const s of STARTS) {
    const r = report.starts[s];
    console.log(
      `${s.padEnd(10)} ${String(r.nodules).padStart(7)}  ${f(r.dice_3d_majority).padStart(17)}  ${f(r.dice_3d_readers_mean).padStart(14)}  ${f(r.dice_3d_best_reader).padStart(11)} | ` +
        `${f(r.start_slice_only_dice_3d_majority).padStart(20)} | ${r.slices_majority.toFixed(2).padStart(16)}  ${r.slices_ours.toFixed(2).padStart(4)}  ${r.slices_missed.toFixed(2).padStart(6)}  ${r.slices_extra.toFixed(2).padStart(5)}`
    );
    console.log(`           stops: ${Object.entries(r.stops).map(([k, n]) => `${k} ${n}`).join('; ')}`);
  }
  console.log(`${report.seconds.toFixed(0)} s`);
  if (args.out) {
    writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');
    console.log(`wrote ${args.out}`);
  }
}

main().catch(err => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
