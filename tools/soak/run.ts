/**
 * Soak test of the SPA engine in headless Chromium (issue 7): 300 rounds (start, choose,
 * approve, next slice) on the sample study, memory every 25 rounds, latency per round.
 *
 *   npm run soak -- [--rounds 300] [--every 25] [--threads 1] [--samples 32] [--out artifacts/soak.json]
 *
 * Exits 1 when memory grew more than 10 % from round 25 or the latency drifted (median of
 * the last 50 rounds > 1.5x the median of rounds 26-75).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { LIMITS, runSoak, type SoakOptions } from './soak';

const ROOT = resolve(__dirname, '..', '..');

function parseArgs(argv: string[]): SoakOptions & { out: string } {
  const args = { rounds: 300, sampleEvery: 25, threads: 1, samples: 32, out: join(ROOT, 'artifacts', 'soak.json') };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    if (key === 'out') args.out = resolve(value);
    else if (key === 'rounds') args.rounds = Number(value);
    else if (key === 'every') args.sampleEvery = Number(value);
    else if (key === 'threads') args.threads = Number(value);
    else if (key === 'samples') args.samples = Number(value);
    else throw new Error(`unknown option --${key}; one of --rounds, --every, --threads, --samples, --out`);
  }
  return args;
}

async function main(): Promise<void> {
  const { out, ...options } = parseArgs(process.argv.slice(2));
  const summary = await runSoak(options, line => console.log(line));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(summary, null, 2) + '\n');
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log('round  JS heap MB  wasm MB');
  for (const m of [summary.memoryAtStart, ...summary.memory]) console.log(`${String(m.round).padStart(5)}  ${mb(m.usedJSHeapSize).padStart(10)}  ${mb(m.wasmMemoryBytes).padStart(7)}`);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(`JS heap round ${LIMITS.baselineRound} -> ${summary.rounds}: ${pct(summary.heap.growth)} (limit +${pct(LIMITS.memoryGrowth)}) ${summary.passed.heap ? 'ok' : 'FAIL'}`);
  console.log(`wasm memory round ${LIMITS.baselineRound} -> ${summary.rounds}: ${pct(summary.wasm.growth)} ${summary.passed.wasm ? 'ok' : 'FAIL'}`);
  console.log(
    `round median ${summary.latency.baselineMedianMs.toFixed(1)} ms (rounds 26-75) -> ${summary.latency.lastMedianMs.toFixed(1)} ms (last 50): x${summary.latency.drift.toFixed(2)} (limit x${LIMITS.latencyDrift}) ${summary.passed.latency ? 'ok' : 'FAIL'}`
  );
  console.log(`p50 ${summary.latency.p50Ms.toFixed(1)} ms, p95 ${summary.latency.p95Ms.toFixed(1)} ms, max ${summary.latency.maxMs.toFixed(1)} ms; ${summary.durationS.toFixed(0)} s in all; wrote ${out}`);
  if (!Object.values(summary.passed).every(Boolean)) process.exitCode = 1;
}

main().catch(err => {
  console.error(err);
  process.exit(2);
});
