/**
 * Evaluation harness: simulated users on LIDC crops, SPA against the frozen and click-only
 * baselines.
 *
 *   npm run eval -- --data ../shared/data/lidc-crops --split models/spa-lidc-split.json [--out eval.json]
 *
 * Options: --split <json> keeps only the patients of --subset (val, the default, or train);
 * --rate the EM blend rate and --derived 0|1 the derived clicks (for tuning); --models <dir> another model folder; --limit <n> n evenly spaced slices;
 * --views <n> test-time symmetry views (1, 2, 4 or 8; default DEFAULT_TEST_TIME_VIEWS);
 * --workers <n> processes (default 2); --samples, --candidates, --seed.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { countOn, DEFAULT_TEST_TIME_VIEWS, dice, parseContract, usableTestTimeViews, withTestTimeViews } from '../../src/core';
import { DEFAULT_MODEL, loadNodeModel, readModelFiles } from '../lib/nodeModel';
import { CropSlice, loadCropSlices } from './dataset';
import { CommonOptions, evenlySpaced, parseOptions, splitPatients } from './options';
import { majorityOf, PROTOCOLS, ProtocolName, raterCases, readerPairAgreement, sliceRandom, spaCase } from './protocols';
import { BatchingPredictor, CachingPredictor, CaseResult, distributionMetrics, METHODS, MethodName, simulateCase } from './simulate';

interface Args extends CommonOptions {
  workers: number;
  samples: number;
  candidates: number;
  seed: number;
  worker?: number;
  rate?: number;
  derived?: boolean;
  views: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { data: '', workers: 2, samples: 32, candidates: 3, seed: 1, subset: 'val', views: DEFAULT_TEST_TIME_VIEWS };
  const usage = '--data --out --split --subset --models --rate --derived --views --limit --workers --samples --candidates --seed';
  return parseOptions(argv, args, ['limit', 'workers', 'samples', 'candidates', 'seed', 'worker', 'views'], usage, (key, value) => {
    if (key === 'derived') {
      if (value !== '0' && value !== '1') throw new Error(`--derived must be 0 or 1, got "${value}"`);
      args.derived = value === '1';
    } else if (key === 'rate') {
      const x = Number(value);
      if (!(x >= 0 && x <= 1)) throw new Error(`--rate must be in 0..1, got "${value}"`);
      args.rate = x;
    } else return false;
    return true;
  });
}

interface SliceRecord {
  cases: { protocol: ProtocolName; method: MethodName; result: CaseResult }[];
  ged: number;
  bestOfNDice: number;
  /** Readers who marked the slice (1-4). */
  readers: number;
  /** Dice of the marking readers' own majority against the "spa" case's target. */
  readersMajorityDice: number;
  /** Area of the "spa" case's target. */
  targetAreaPx: number;
  /** Mean Dice between pairs of marking readers and their mean area; null with one reader. */
  readerPairs: { dice: number; areaPx: number } | null;
}

function selectSlices(args: Args): CropSlice[] {
  return evenlySpaced(loadCropSlices(args.data, splitPatients(args)), args.limit);
}

async function evaluateSlices(slices: CropSlice[], args: Args, onSlice: (record: SliceRecord) => void): Promise<void> {
  const model = await loadNodeModel('node', { threads: 1, dir: args.models });
  const predictor = new CachingPredictor(withTestTimeViews(new BatchingPredictor(model, 16 * args.views), args.views));
  const base = { samples: args.samples, candidates: args.candidates, seed: args.seed, ...(args.rate !== undefined && { learningRate: args.rate }), ...(args.derived !== undefined && { derivedClicks: args.derived }) };
  for (const slice of slices) {
    predictor.clear();
    const rng = sliceRandom(slice.id, args.seed);
    const cases = [spaCase(slice, rng), ...raterCases(slice)];
    // What an answer equal to the readers' majority (what the recommendation learns) would score.
    const readersMajorityDice = dice(majorityOf(slice.readerMasksHW), cases[0].targetHW);
    const record: SliceRecord = {
      cases: [], ged: 0, bestOfNDice: 0, readers: slice.readerMasksHW.length, readersMajorityDice,
      targetAreaPx: countOn(cases[0].targetHW), readerPairs: readerPairAgreement(slice.readerMasksHW),
    };
    // All cases at once, so that their model passes are batched.
    const runs = cases.flatMap(kase => METHODS.map(async method => ({ protocol: kase.protocol, method, result: await simulateCase(predictor, slice, kase, method, base) })));
    record.cases = await Promise.all(runs);
    Object.assign(record, await distributionMetrics(predictor, slice, cases[0].firstClick, args.samples, args.seed));
    onSlice(record);
  }
  await model.release();
}

const THRESHOLDS = ['0.75', '0.80', '0.85'] as const;

/** NaN for no values (written to JSON as null). */
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** The "spa" protocol's result for the SPA method on one slice. */
const spaResult = (r: SliceRecord) => r.cases.find(c => c.method === 'spa' && c.protocol === 'spa')!.result;

function summarise(results: CaseResult[]) {
  const at = (key: 'dicePerRound' | 'iouPerRound', r: number) => mean(results.map(c => c[key][r - 1]));
  const roundsTo = (t: number) => mean(results.map(c => {
    const i = c.dicePerRound.findIndex(d => d >= t);
    return i < 0 ? 10 : i + 1;
  }));
  return {
    cases: results.length,
    dice: { 1: at('dicePerRound', 1), 3: at('dicePerRound', 3), 6: at('dicePerRound', 6) },
    iou: { 1: at('iouPerRound', 1), 3: at('iouPerRound', 3), 6: at('iouPerRound', 6) },
    rounds_to: Object.fromEntries(THRESHOLDS.map(t => [t, roundsTo(Number(t))])),
    best_candidate_wins: mean(results.map(c => (c.bestCandidateWins ? 1 : 0))),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const slices = selectSlices(args);
  if (args.worker !== undefined) {
    // Worker: every args.workers-th slice, records streamed to the parent.
    const mine = slices.filter((_, i) => i % args.workers === args.worker);
    await evaluateSlices(mine, args, record => process.send!({ record }));
    return;
  }
  const files = readModelFiles(DEFAULT_MODEL, args.models);
  const model = parseContract(files.contractJson, files.contractFile);
  console.log(`SPA evaluation: ${slices.length} slices, model ${model.name} ${model.version}, ${args.workers} workers, N=${args.samples}, K=${args.candidates}`);
  const t0 = performance.now();
  const records: SliceRecord[] = [];
  let lastPrint = 0;
  await Promise.all(
    Array.from({ length: args.workers }, (_, w) =>
      new Promise<void>((resolve, reject) => {
        const child = fork(process.argv[1], [...process.argv.slice(2), '--worker', String(w)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.on('message', (msg: { record: SliceRecord }) => {
          records.push(msg.record);
          const now = performance.now();
          if (now - lastPrint > 5000 || records.length === slices.length) {
            lastPrint = now;
            const s = (now - t0) / 1000;
            console.log(`  ${records.length}/${slices.length} slices, ${s.toFixed(0)} s, eta ${((s / records.length) * (slices.length - records.length)).toFixed(0)} s`);
          }
        });
        child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`worker ${w} exited with ${code}`))));
      })
    )
  );
  const pick = (method: MethodName, protocol: ProtocolName) =>
    summarise(records.flatMap(r => r.cases.filter(c => c.method === method && c.protocol === protocol).map(c => c.result)));
  const report = {
    model: { name: model.name, version: model.version, sha256: model.sha256 },
    slices: records.length,
    seconds: (performance.now() - t0) / 1000,
    settings: { samples: args.samples, candidates: args.candidates, seed: args.seed, views: usableTestTimeViews(model, args.views), rate: args.rate ?? null, derived: args.derived ?? null, rounds: 6, data: args.data, split: args.split ?? null, subset: args.subset },
    protocols: Object.fromEntries(PROTOCOLS.map(p => [p, pick('spa', p)])),
    baselines: Object.fromEntries((['frozen', 'clicks'] as const).map(m => [m, Object.fromEntries(PROTOCOLS.map(p => [p, pick(m, p)]))])),
    distribution: { ged: mean(records.map(r => r.ged)), best_of_n_dice: mean(records.map(r => r.bestOfNDice)) },
    spa_by_readers: byReaders(records),
    spa_by_area: byArea(records),
  };
  printTable(report);
  if (args.out) {
    writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');
    console.log(`wrote ${args.out}`);
  }
}

/**
 * Protocol "spa" by the number of readers who marked the slice, beside the Dice an answer equal
 * to those readers' own majority would get (a ceiling for a recommendation that knew them).
 */
function byReaders(records: SliceRecord[]) {
  const groups = [...new Set(records.map(r => r.readers))].sort();
  return Object.fromEntries(
    groups.map(k => {
      const group = records.filter(r => r.readers === k);
      const spa = group.map(spaResult);
      return [k, { slices: group.length, dice: { 1: mean(spa.map(c => c.dicePerRound[0])), 3: mean(spa.map(c => c.dicePerRound[2])) }, readers_majority_dice: mean(group.map(r => r.readersMajorityDice)) }];
    })
  );
}

const AREA_BUCKETS_PX = [0, 10, 20, 30, 60, 150, 300, Infinity];

/**
 * Protocol "spa" round 1 by the target's area, overall and on the slices one reader marked,
 * beside how well two readers agree on structures of that size (pairs of marking readers,
 * bucketed by their mean area): the one-reader slices have no other reference.
 */
function byArea(records: SliceRecord[]) {
  const r1 = (r: SliceRecord) => spaResult(r).dicePerRound[0];
  return AREA_BUCKETS_PX.slice(0, -1).map((lo, i) => {
    const hi = AREA_BUCKETS_PX[i + 1];
    const inBucket = (area: number) => area >= lo && area < hi;
    const all = records.filter(r => inBucket(r.targetAreaPx));
    const one = all.filter(r => r.readers === 1);
    const pairs = records.filter(r => r.readerPairs && inBucket(r.readerPairs.areaPx));
    return {
      area_px: [lo, hi === Infinity ? null : hi],
      slices: all.length, dice_1: mean(all.map(r1)),
      one_reader_slices: one.length, one_reader_dice_1: mean(one.map(r1)),
      reader_pair_slices: pairs.length, reader_pair_dice: mean(pairs.map(r => r.readerPairs!.dice)),
    };
  });
}

function printTable(report: {
  protocols: Record<string, ReturnType<typeof summarise>>;
  baselines: Record<string, Record<string, ReturnType<typeof summarise>>>;
  distribution: { ged: number; best_of_n_dice: number };
  spa_by_readers: ReturnType<typeof byReaders>;
  spa_by_area: ReturnType<typeof byArea>;
  seconds: number;
}): void {
  const f = (x: number) => x.toFixed(3);
  console.log('\nmethod  protocol  cases  dice@1 dice@3 dice@6  iou@1  iou@3  iou@6  to.75  to.80  to.85  best>rec');
  const rows: [string, string, ReturnType<typeof summarise>][] = [];
  for (const p of PROTOCOLS) {
    rows.push(['spa', p, report.protocols[p]]);
    for (const m of ['frozen', 'clicks']) rows.push([m, p, report.baselines[m][p]]);
  }
  for (const [m, p, s] of rows) {
    console.log(
      `${m.padEnd(7)} ${p.padEnd(8)} ${String(s.cases).padStart(6)}  ${f(s.dice[1])}  ${f(s.dice[3])}  ${f(s.dice[6])}  ${f(s.iou[1])}  ${f(s.iou[3])}  ${f(s.iou[6])}  ` +
        `${s.rounds_to['0.75'].toFixed(2).padStart(5)}  ${s.rounds_to['0.80'].toFixed(2).padStart(5)}  ${s.rounds_to['0.85'].toFixed(2).padStart(5)}  ${f(s.best_candidate_wins)}`
    );
  }
  console.log('\nprotocol spa by readers who marked the slice: slices  dice@1 dice@3  readers\' majority');
  for (const [k, g] of Object.entries(report.spa_by_readers)) {
    console.log(`  ${k} reader${k === '1' ? ' ' : 's'}${String(g.slices).padStart(36)}  ${f(g.dice[1])}  ${f(g.dice[3])}  ${f(g.readers_majority_dice)}`);
  }
  const g = (x: number) => (Number.isNaN(x) ? '    -' : f(x));
  console.log('\nprotocol spa by target area (px): slices dice@1 | one reader: slices dice@1 | two readers agree: slices dice');
  for (const b of report.spa_by_area) {
    const range = b.area_px[1] === null ? `>= ${b.area_px[0]}` : `${b.area_px[0]}-${b.area_px[1]}`;
    console.log(`  ${range.padEnd(9)} ${String(b.slices).padStart(6)}  ${g(b.dice_1)} | ${String(b.one_reader_slices).padStart(6)}  ${g(b.one_reader_dice_1)} | ${String(b.reader_pair_slices).padStart(6)}  ${g(b.reader_pair_dice)}`);
  }
  console.log(`distribution: GED ${f(report.distribution.ged)}, best-of-N Dice ${f(report.distribution.best_of_n_dice)}; ${report.seconds.toFixed(0)} s`);
}

main().catch(err => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
