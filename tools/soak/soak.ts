/**
 * The soak test's driver: builds the soak page, serves it with the sample study's slices
 * (decoded from sample-data/ DICOM with dcmjs) and the model, runs `rounds` SPA rounds in a
 * fresh headless Chromium, and summarises memory and latency against the limits:
 * memory at the last sample within 10 % of the sample at round 25 (JS heap and wasm memory),
 * and the median round of the last 50 at most 1.5x the median of rounds 26-75.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';

import { chromium } from 'playwright-core';
import webpack from 'webpack';

import { PATHS, SAMPLE_NODULE } from '../../scripts/projectConfig';
import { readNaturalDicom, sliceImageFromDataset } from '../lib/dicomFile';
import { DEFAULT_MODEL, MODELS_DIR } from '../lib/nodeModel';
import { startBenchServer } from '../bench/server';
import type { MemorySample, SoakConfig, SoakPageResult, SoakSliceJson } from './page';

const ROOT = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
  // Unrounded performance.memory figures, and gc() so each sample measures what is retained.
  '--enable-precise-memory-info',
  '--js-flags=--expose-gc',
];

export const LIMITS = { memoryGrowth: 0.1, latencyDrift: 1.5, baselineRound: 25, window: 50 };

export interface SoakOptions {
  rounds: number;
  sampleEvery: number;
  threads: number;
  samples: number;
}

export interface SoakSummary {
  rounds: number;
  sampleEvery: number;
  threads: number;
  samplesPerRound: number;
  model: { name: string; version: string; sha256: string };
  browser: string;
  crossOriginIsolated: boolean;
  gcExposed: boolean;
  /** WebAssembly.Memory objects found (created or exported) in the page. */
  wasmMemories: number;
  slices: number;
  memoryAtStart: MemorySample;
  memory: MemorySample[];
  heap: { baselineBytes: number; lastBytes: number; growth: number };
  wasm: { baselineBytes: number; lastBytes: number; growth: number };
  latency: { baselineMedianMs: number; lastMedianMs: number; drift: number; p50Ms: number; p95Ms: number; maxMs: number };
  passed: { heap: boolean; wasm: boolean; latency: boolean };
  roundMs: number[];
  durationS: number;
}

/** The sample study's slices in z order: JSON metadata and one binary of Int16 stored values. */
export function readSampleSlices(dir = PATHS.sampleDicom): { json: SoakSliceJson[]; bin: Uint8Array } {
  const slices = readdirSync(dir)
    .filter(f => f.endsWith('.dcm'))
    .map(f => {
      const ds = readNaturalDicom(join(dir, f)) as { SOPInstanceUID: string; ImagePositionPatient: number[] };
      const { pixelData: pixels, ...image } = sliceImageFromDataset(ds, f);
      if (!(pixels instanceof Int16Array)) throw new Error(`${f}: expected signed 16-bit pixels`);
      const meta: SoakSliceJson = { sop: ds.SOPInstanceUID, z: Number(ds.ImagePositionPatient[2]), ...image };
      return { meta, pixels };
    })
    .sort((a, b) => a.meta.z - b.meta.z);
  const bin = new Uint8Array(slices.reduce((n, s) => n + s.pixels.byteLength, 0));
  let offset = 0;
  for (const s of slices) {
    bin.set(new Uint8Array(s.pixels.buffer, s.pixels.byteOffset, s.pixels.byteLength), offset);
    offset += s.pixels.byteLength;
  }
  return { json: slices.map(s => s.meta), bin };
}

export async function buildSoakPage(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require('./webpack.config.cjs') as webpack.Configuration;
  await new Promise<void>((ok, fail) => {
    const compiler = webpack(config);
    compiler.run((err, stats) => {
      compiler.close(() => undefined);
      if (err) return fail(err);
      if (stats?.hasErrors()) return fail(new Error(`webpack (tools/soak/webpack.config.cjs) failed:\n${stats.toString('errors-only')}`));
      ok();
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

export function summarise(result: SoakPageResult, options: SoakOptions, extra: Pick<SoakSummary, 'model' | 'slices' | 'durationS'>): SoakSummary {
  const { baselineRound, window } = LIMITS;
  const baseline = result.memory.find(m => m.round === baselineRound);
  const last = result.memory[result.memory.length - 1];
  if (!baseline || !last) throw new Error(`no memory sample at round ${baselineRound} (samples every ${options.sampleEvery} rounds)`);
  const growth = (a: number, b: number) => (b - a) / a;
  const ms = result.roundMs;
  const baselineMs = ms.slice(baselineRound, baselineRound + window);
  const lastMs = ms.slice(-window);
  const heap = { baselineBytes: baseline.usedJSHeapSize, lastBytes: last.usedJSHeapSize, growth: growth(baseline.usedJSHeapSize, last.usedJSHeapSize) };
  const wasm = { baselineBytes: baseline.wasmMemoryBytes, lastBytes: last.wasmMemoryBytes, growth: growth(baseline.wasmMemoryBytes, last.wasmMemoryBytes) };
  const latency = {
    baselineMedianMs: median(baselineMs),
    lastMedianMs: median(lastMs),
    drift: median(lastMs) / median(baselineMs),
    p50Ms: median(ms),
    p95Ms: quantile(ms, 0.95),
    maxMs: Math.max(...ms),
  };
  return {
    rounds: options.rounds,
    sampleEvery: options.sampleEvery,
    threads: result.threads,
    samplesPerRound: options.samples,
    model: extra.model,
    browser: result.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? result.userAgent,
    crossOriginIsolated: result.crossOriginIsolated,
    gcExposed: result.gcExposed,
    wasmMemories: result.wasmMemories,
    slices: extra.slices,
    memoryAtStart: result.memoryAtStart,
    memory: result.memory,
    heap,
    wasm,
    latency,
    // A leak grows memory; a heap that ends below its round-25 sample (a GC that found more
    // garbage later) is not one, so only growth counts.
    passed: {
      heap: heap.growth <= LIMITS.memoryGrowth,
      wasm: wasm.growth <= LIMITS.memoryGrowth,
      latency: latency.drift <= LIMITS.latencyDrift,
    },
    roundMs: ms.map(v => Math.round(v * 10) / 10),
    durationS: extra.durationS,
  };
}

/** Runs the soak in a fresh Chromium; rejects if the page fails or times out. */
export async function runSoak(options: SoakOptions, log: (line: string) => void = () => undefined): Promise<SoakSummary> {
  if (options.rounds < LIMITS.baselineRound + LIMITS.window) throw new Error(`rounds must be at least ${LIMITS.baselineRound + LIMITS.window}`);
  const t0 = Date.now();
  log('building the soak page (tools/soak/webpack.config.cjs -> dist/soak/)');
  await buildSoakPage();
  const { json, bin } = readSampleSlices();
  const contract = JSON.parse(readFileSync(join(MODELS_DIR, `${DEFAULT_MODEL}.json`), 'utf8')) as { name: string; version: string; sha256: string };
  const server = await startBenchServer({
    mounts: { '/soak/': join(ROOT, 'dist', 'soak'), '/models/': MODELS_DIR, '/ort/': PATHS.ortDist },
    memory: { '/soak/slices.json': JSON.stringify(json), '/soak/slices.bin': bin },
    pageScript: '/soak/page.js',
  });
  const profile = mkdtempSync(join(os.tmpdir(), 'spa-soak-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const problems: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', err => problems.push(`pageerror: ${err.message}`));
    page.on('console', msg => msg.type() === 'error' && problems.push(`console.error: ${msg.text()}`));
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.spaSoak === 'function', undefined, { timeout: 30000 });
    const config: SoakConfig = { ...options, modelName: DEFAULT_MODEL, click: SAMPLE_NODULE.centre };
    log(`running ${options.rounds} rounds (${options.threads} thread${options.threads === 1 ? '' : 's'}, N = ${options.samples}) on ${json.length} slices`);
    const limitMs = Math.max(120000, options.rounds * 3000);
    const result = await Promise.race([
      page.evaluate(cfg => window.spaSoak!(cfg), config) as Promise<SoakPageResult>,
      new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`the soak did not finish within ${limitMs / 1000} s`)), limitMs).unref()),
    ]);
    if (problems.length) throw new Error(`the page reported errors:\n${problems.join('\n')}`);
    if (!result.gcExposed) throw new Error('gc() is not exposed in the page (--js-flags=--expose-gc)');
    return summarise(result, options, { model: { name: contract.name, version: contract.version, sha256: contract.sha256 }, slices: json.length, durationS: (Date.now() - t0) / 1000 });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await server.close();
  }
}
