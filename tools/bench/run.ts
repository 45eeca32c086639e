/**
 * Benchmark of the SPA engine on real LIDC crops: onnxruntime-node and onnxruntime-web (wasm)
 * in Node, and onnxruntime-web (wasm, 1 and 2 threads) in headless Chromium.
 *
 *   npm run bench -- [--out artifacts/bench.json]
 *
 * Options: --data <dir> crops laid out like ../shared/data/lidc-crops (default that folder);
 * --models <dir> (default models/); --model <name> (default spa-lidc); --slices <n> crops used
 * (default 20); --rounds <n> timed rounds per environment at least (default 40); --warmup <n>
 * untimed rounds first (default 6); --samples <n> N per round (default 32); --views <n> test-time
 * symmetry views per round (default DEFAULT_TEST_TIME_VIEWS); --node-threads <n>
 * (default 1); --envs <a,b,..> a subset of node, node-wasm-1t, browser-wasm-1t, browser-wasm-2t,
 * viewer; --viewer-clicks <n> timed clicks in the viewer (default 30).
 *
 * Per environment: cold_start_ms (model read/fetch + checksum + session creation; in the
 * browser this includes downloading and compiling onnxruntime's .wasm), forward_ms (one model
 * pass at batch 1), round_ms (SpaSession.start or addClick: model pass, N samples, clustering,
 * uncertainty). Only one Chromium runs at a time, each with a fresh profile.
 *
 * The "viewer" environment is the product itself: OHIF with the SPA mode on the sample study,
 * timing click -> candidates drawn in the panel (click_to_drawn_ms; see ./viewer.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { chromium } from 'playwright-core';
import webpack from 'webpack';

import { countOn, deepestPoint, DEFAULT_OPTIONS, DEFAULT_TEST_TIME_VIEWS, parseContract, SpaModel, usableTestTimeViews } from '../../src/core';
import type { Click } from '../../src/core';
import { agreementClick } from '../eval/protocols';
import { loadCropSlices, type CropSlice } from '../eval/dataset';
import { DEFAULT_MODEL, loadOrt, MODELS_DIR, readModelFiles, type RuntimeName } from '../lib/nodeModel';
import type { PageBenchConfig, PageBenchResult } from './page';
import { startBenchServer } from './server';
import { runViewerBench, type ViewerBenchResult } from './viewer';
import { encodeCases, runWorkload, type BenchCase, type WorkloadOptions, type WorkloadTimings } from './workload';

const ROOT = resolve(__dirname, '..', '..');
const ENVIRONMENTS = ['node', 'node-wasm-1t', 'browser-wasm-1t', 'browser-wasm-2t', 'viewer'] as const;
type EnvName = (typeof ENVIRONMENTS)[number];

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The targets. */
const TARGET_ROUND_P50_MS = 60;
/** One model pass at batch 1 (the model issue's speed goal), in the same environment. */
const TARGET_FORWARD_P50_MS = 30;
const TARGET_ROUND_ENV: EnvName = 'browser-wasm-2t';
const TARGET_COLD_START_MS = 1500;
const TARGET_CLICK_TO_DRAWN_P50_MS = 150;
const VIEWER_WARMUP_CLICKS = 4;

interface Args {
  out: string;
  data: string;
  models: string;
  model: string;
  slices: number;
  rounds: number;
  warmup: number;
  samples: number;
  views: number;
  nodeThreads: number;
  viewerClicks: number;
  envs: EnvName[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    out: join(ROOT, 'artifacts', 'bench.json'),
    data: resolve(ROOT, '..', 'shared', 'data', 'lidc-crops'),
    models: MODELS_DIR,
    model: DEFAULT_MODEL,
    slices: 20,
    rounds: 40,
    warmup: 6,
    samples: 32,
    views: DEFAULT_TEST_TIME_VIEWS,
    nodeThreads: 1,
    viewerClicks: 30,
    envs: [...ENVIRONMENTS],
  };
  const numeric: Record<string, keyof Args> = { slices: 'slices', rounds: 'rounds', warmup: 'warmup', samples: 'samples', views: 'views', 'node-threads': 'nodeThreads', 'viewer-clicks': 'viewerClicks' };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    if (key === 'out' || key === 'data' || key === 'models') args[key] = resolve(value);
    else if (key === 'model') args.model = value;
    else if (key === 'envs') {
      const envs = value.split(',').filter(Boolean);
      const bad = envs.filter(e => !(ENVIRONMENTS as readonly string[]).includes(e));
      if (bad.length || !envs.length) throw new Error(`--envs: unknown environment "${bad.join(',') || value}"; any of ${ENVIRONMENTS.join(', ')}`);
      args.envs = envs as EnvName[];
    } else if (key in numeric) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (key === 'warmup' ? 0 : 1)) throw new Error(`--${key} must be a positive integer, got "${value}"`);
      (args as unknown as Record<string, number>)[numeric[key]] = n;
    } else {
      throw new Error(`unknown option --${key}; options: --out --data --models --model --slices --rounds --warmup --samples --views --node-threads --viewer-clicks --envs`);
    }
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Cases: real crops, first click where all readers agree, second where they disagree

/** Where the readers disagree (labelled by their majority), else a negative click just outside the union. */
function secondClick(slice: CropSlice, first: Click): Click {
  const { size, readerMasksHW: readers } = slice;
  const count = new Uint8Array(size * size);
  for (const m of readers) for (let p = 0; p < count.length; p++) count[p] += m[p];
  const disputed = Uint8Array.from(count, c => (c > 0 && c < readers.length ? 1 : 0));
  const spot = countOn(disputed) ? deepestPoint(disputed, size, size) : null;
  if (spot) return { ...spot, positive: count[spot.row * size + spot.col] * 2 >= readers.length };
  let col = first.col;
  while (col < size - 1 && count[first.row * size + col] > 0) col++;
  return { row: first.row, col: Math.min(size - 1, col + 4), positive: false };
}

function loadCases(args: Args, cropSizePx: number): BenchCase[] {
  // Read only as many patients as needed (the full folder has ~2,000 nodules), then spread the picks.
  const manifest: { patient: string; slices: number }[] = JSON.parse(readFileSync(join(args.data, 'manifest.json'), 'utf8'));
  const patients = new Set<string>();
  let available = 0;
  for (const entry of manifest) {
    if (available >= 4 * args.slices) break;
    patients.add(entry.patient);
    available += entry.slices;
  }
  const half = cropSizePx / 2;
  const slices = loadCropSlices(args.data, patients);
  const cases: BenchCase[] = [];
  for (const slice of slices) {
    const first = agreementClick(slice);
    const second = secondClick(slice, first);
    const inCrop = (c: Click) => Math.abs(c.row - slice.size / 2) < half && Math.abs(c.col - slice.size / 2) < half;
    if (inCrop(first) && inCrop(second)) cases.push({ id: slice.id, sizePx: slice.size, greyHW: slice.greyHW, first, second });
  }
  if (cases.length < args.slices) throw new Error(`${args.data}: found ${cases.length} usable slices in ${patients.size} patients, need ${args.slices}`);
  const step = cases.length / args.slices;
  return Array.from({ length: args.slices }, (_, i) => cases[Math.floor(i * step)]);
}

// ---------------------------------------------------------------------------------------------
// Environments

interface EnvRaw extends WorkloadTimings {
  provider: string;
  runtime: string;
  threads: number;
  coldStartMs: number;
  fetchMs?: number;
  sessionMs: number;
  modelBytes: number;
  crossOriginIsolated?: boolean;
  userAgent?: string;
}

function packageVersion(name: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

async function runNode(env: 'node' | 'node-wasm-1t', args: Args, cases: BenchCase[], workload: WorkloadOptions): Promise<EnvRaw> {
  const runtime: RuntimeName = env === 'node' ? 'node' : 'wasm';
  const ort = await loadOrt(runtime); // module import is not part of the cold start (as the page's script load is not)
  const threads = env === 'node' ? args.nodeThreads : 1;
  const sessionOptions: Record<string, unknown> = { executionProviders: [runtime === 'node' ? 'cpu' : 'wasm'] };
  if (runtime === 'node') sessionOptions.intraOpNumThreads = threads;
  else (ort as unknown as { env: { wasm: { numThreads: number } } }).env.wasm.numThreads = threads;
  const t0 = performance.now();
  const files = readModelFiles(args.model, args.models);
  const t1 = performance.now();
  const model = await SpaModel.create(ort, files.contractJson, files.modelBytes, { contractFile: files.contractFile, sessionOptions });
  const t2 = performance.now();
  try {
    const timings = await runWorkload(model, cases, workload);
    const pkg = runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web';
    return {
      ...timings,
      provider: runtime === 'node' ? 'cpu' : 'wasm',
      runtime: `${pkg} ${packageVersion(pkg)} (Node ${process.version})`,
      threads,
      coldStartMs: t2 - t0,
      fetchMs: t1 - t0,
      sessionMs: t2 - t1,
      modelBytes: files.modelBytes.byteLength,
    };
  } finally {
    await model.release();
  }
}

async function buildPage(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require('./webpack.config.cjs') as webpack.Configuration;
  await new Promise<void>((ok, fail) => {
    const compiler = webpack(config);
    compiler.run((err, stats) => {
      compiler.close(() => undefined);
      if (err) return fail(err);
      if (stats?.hasErrors()) return fail(new Error(`webpack (tools/bench/webpack.config.cjs) failed:\n${stats.toString('errors-only')}`));
      ok();
    });
  });
}

async function runBrowser(threads: number, url: string, args: Args, workload: WorkloadOptions): Promise<EnvRaw> {
  const profile = mkdtempSync(join(os.tmpdir(), 'spa-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const problems: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', err => problems.push(`pageerror: ${err.message}`));
    page.on('console', msg => msg.type() === 'error' && problems.push(`console.error: ${msg.text()} (${msg.location().url})`));
    await page.goto(url);
    await page.waitForFunction(() => typeof window.spaBench === 'function', undefined, { timeout: 30000 });
    const config: PageBenchConfig = { ...workload, threads, modelName: args.model };
    const limitMs = 300000;
    const result = await Promise.race([
      page.evaluate(cfg => window.spaBench!(cfg), config) as Promise<PageBenchResult>,
      new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`the page did not finish within ${limitMs / 1000} s`)), limitMs).unref()),
    ]);
    if (threads > 1 && !result.crossOriginIsolated) throw new Error(`the page is not cross-origin isolated, so ${threads} threads would silently run as 1`);
    if (result.threads !== threads) throw new Error(`asked onnxruntime-web for ${threads} threads, it reports ${result.threads}`);
    if (problems.length) throw new Error(`the page reported errors:\n${problems.join('\n')}`);
    return {
      ...result,
      provider: 'wasm',
      runtime: `onnxruntime-web ${packageVersion('onnxruntime-web')} wasm (${result.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? result.userAgent})`,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: r(quantile(sorted, 0.5)),
    p95: r(quantile(sorted, 0.95)),
    mean: r(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    min: r(sorted[0]),
    max: r(sorted[sorted.length - 1]),
    n: sorted.length,
  };
}

function figures(raw: EnvRaw, loadAverage1m: number) {
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    provider: raw.provider,
    runtime: raw.runtime,
    threads: raw.threads,
    model_bytes: raw.modelBytes,
    cold_start_ms: r(raw.coldStartMs),
    cold_start_parts_ms: { ...(raw.fetchMs !== undefined && { fetch: r(raw.fetchMs) }), verify_and_session: r(raw.sessionMs) },
    forward_ms: summary(raw.forwardMs),
    round_ms: summary(raw.roundMs),
    ...(raw.crossOriginIsolated !== undefined && { cross_origin_isolated: raw.crossOriginIsolated }),
    /** Other work on the machine when this environment started (timings are wall-clock). */
    load_average_1m: Math.round(loadAverage1m * 100) / 100,
  };
}

type EnvFigures = ReturnType<typeof figures>;

function viewerFigures(raw: ViewerBenchResult, loadAverage1m: number) {
  const of = (kind: string) => summary(raw.timings.filter(t => t.kind === kind).map(t => t.clickToDrawnMs));
  return {
    provider: raw.provider,
    threads: raw.threads,
    cross_origin_isolated: raw.crossOriginIsolated,
    user_agent: raw.userAgent,
    /** From the SPA point tool's mouse event to the panel's candidate thumbnails drawn. */
    click_to_drawn_ms: summary(raw.timings.map(t => t.clickToDrawnMs)),
    /** Its two parts: the round computed, then drawn. */
    click_to_result_ms: summary(raw.timings.map(t => t.clickToResultMs)),
    result_to_drawn_ms: summary(raw.timings.map(t => t.resultToDrawnMs)),
    by_kind: { start: of('start'), addClick: of('addClick') },
    load_average_1m: Math.round(loadAverage1m * 100) / 100,
  };
}

function printTable(envs: Partial<Record<EnvName, EnvFigures>>): void {
  if (!Object.keys(envs).length) return;
  const header = ['environment', 'provider', 'threads', 'cold start ms', 'forward p50', 'round p50', 'round p95', 'rounds'];
  const rows = Object.entries(envs).map(([name, f]) => [
    name,
    f!.provider,
    String(f!.threads),
    f!.cold_start_ms.toFixed(0),
    f!.forward_ms.p50.toFixed(1),
    f!.round_ms.p50.toFixed(1),
    f!.round_ms.p95.toFixed(1),
    String(f!.round_ms.n),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map(w => '-'.repeat(w)).join('  '));
  rows.forEach(r => console.log(line(r)));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const modelFiles = readModelFiles(args.model, args.models);
  const contract = parseContract(modelFiles.contractJson, modelFiles.contractFile);
  const cases = loadCases(args, contract.cropSizePx);
  console.log(`model ${contract.name} ${contract.version} (${contract.bytes} bytes); ${cases.length} crops from ${args.data}`);
  const workload: WorkloadOptions = { warmupRounds: args.warmup, minRounds: args.rounds, samples: args.samples, views: args.views };
  const results: Partial<Record<EnvName, EnvFigures>> = {};

  for (const env of args.envs.filter((e): e is 'node' | 'node-wasm-1t' => e.startsWith('node'))) {
    console.log(`${env}: running`);
    const load = os.loadavg()[0];
    results[env] = figures(await runNode(env, args, cases, workload), load);
  }

  const browserEnvs = args.envs.filter(e => e.startsWith('browser'));
  if (browserEnvs.length) {
    console.log('building the page (tools/bench/webpack.config.cjs -> dist/bench/)');
    await buildPage();
    const { json, bin } = encodeCases(cases);
    const server = await startBenchServer({
      mounts: { '/bench/': join(ROOT, 'dist', 'bench'), '/models/': args.models, '/ort/': dirname(require.resolve('onnxruntime-web')) },
      memory: { '/bench/cases.json': JSON.stringify(json), '/bench/cases.bin': bin },
    });
    try {
      for (const env of browserEnvs) {
        const threads = env === 'browser-wasm-2t' ? 2 : 1;
        console.log(`${env}: running in headless Chromium (${server.url})`);
        const load = os.loadavg()[0];
        results[env] = figures(await runBrowser(threads, `${server.url}/`, args, workload), load);
      }
    } finally {
      await server.close();
    }
  }

  let viewer: ReturnType<typeof viewerFigures> | undefined;
  if (args.envs.includes('viewer')) {
    console.log(`viewer: OHIF with the SPA mode in headless Chromium, ${args.viewerClicks} clicks on the sample study`);
    const load = os.loadavg()[0];
    viewer = viewerFigures(await runViewerBench(args.viewerClicks, VIEWER_WARMUP_CLICKS), load);
  }

  const cold = Object.entries(results).map(([env, f]) => ({ metric: 'cold_start_ms', env, limit: TARGET_COLD_START_MS, value: f!.cold_start_ms, met: f!.cold_start_ms <= TARGET_COLD_START_MS }));
  const roundEnv = results[TARGET_ROUND_ENV];
  const targets = [
    ...(roundEnv
      ? [
          { metric: 'forward_ms.p50', env: TARGET_ROUND_ENV, limit: TARGET_FORWARD_P50_MS, value: roundEnv.forward_ms.p50, met: roundEnv.forward_ms.p50 <= TARGET_FORWARD_P50_MS },
          { metric: 'round_ms.p50', env: TARGET_ROUND_ENV, limit: TARGET_ROUND_P50_MS, value: roundEnv.round_ms.p50, met: roundEnv.round_ms.p50 <= TARGET_ROUND_P50_MS },
        ]
      : []),
    ...cold,
    ...(viewer
      ? [{ metric: 'click_to_drawn_ms.p50', env: `viewer (${viewer.threads} threads)`, limit: TARGET_CLICK_TO_DRAWN_P50_MS, value: viewer.click_to_drawn_ms.p50, met: viewer.click_to_drawn_ms.p50 <= TARGET_CLICK_TO_DRAWN_P50_MS }]
      : []),
  ];
  const cpus = os.cpus();
  const report = {
    model: { name: contract.name, version: contract.version, file: contract.file, bytes: contract.bytes, sha256: contract.sha256 },
    date: new Date().toISOString(),
    machine: { os: `${os.type()} ${os.release()} ${os.arch()}`, cpu_model: cpus[0]?.model ?? 'unknown', cpu_count: cpus.length },
    config: { crops: cases.length, samples: args.samples, views: usableTestTimeViews(contract, args.views), candidates: DEFAULT_OPTIONS.candidates, warmup_rounds: args.warmup, min_timed_rounds: args.rounds, node_threads: args.nodeThreads, data: args.data },
    environments: results,
    ...(viewer && { viewer }),
    targets,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  console.log('');
  printTable(results);
  if (viewer) {
    const { p50, p95, n } = viewer.click_to_drawn_ms;
    console.log(`viewer (${viewer.provider}, ${viewer.threads} threads): click -> candidates drawn p50 ${p50} ms, p95 ${p95} ms over ${n} clicks` +
      ` (new structure p50 ${viewer.by_kind.start.p50} ms, further click p50 ${viewer.by_kind.addClick.p50} ms;` +
      ` computed p50 ${viewer.click_to_result_ms.p50} ms, then drawn p50 ${viewer.result_to_drawn_ms.p50} ms)`);
  }
  console.log('');
  for (const t of targets) console.log(`target ${t.metric} <= ${t.limit} (${t.env}): ${t.value} ${t.met ? 'met' : 'NOT met'}`);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(report, null, 1)}\n`);
  console.log(`wrote ${args.out}`);
}

main().catch(err => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
