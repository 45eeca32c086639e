/**
 * Long sessions (issue 7): 300 SPA rounds (start, choose, approve, next slice) with the
 * engine on onnxruntime-web's wasm build in headless Chromium, on the sample study's 39
 * real slices. The JS heap (after full GCs until it settles) and onnxruntime's wasm memory
 * at round 300 are within 10 % of round 25, and the round latency does not drift (median of
 * the last 50 rounds <= 1.5x the median of rounds 26-75). Figures: artifacts/soak.json (the
 * same run as `npm run soak`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LIMITS, runSoak } from '../../tools/soak/soak';
import { ARTIFACTS } from './browser';

test('300 SPA rounds: memory flat from round 25, no latency drift', async () => {
  const summary = await runSoak({ rounds: 300, sampleEvery: 25, threads: 1, samples: 32 });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, 'soak.json'), JSON.stringify(summary, null, 2) + '\n');

  expect(summary.memory.map(m => m.round)).toEqual(Array.from({ length: 12 }, (_, i) => 25 * (i + 1)));
  expect(summary.memory.every(m => m.usedJSHeapSize > 0)).toBe(true);
  // onnxruntime's wasm memory was found (its module instantiated in this page).
  expect(summary.wasmMemories).toBeGreaterThanOrEqual(1);
  expect(summary.wasm.baselineBytes).toBeGreaterThan(0);
  // Growth is what a leak shows; a heap that ends lower than its round-25 sample is not one.
  expect(summary.heap.growth).toBeLessThanOrEqual(LIMITS.memoryGrowth);
  expect(summary.wasm.growth).toBeLessThanOrEqual(LIMITS.memoryGrowth);
  expect(summary.passed).toEqual({ heap: true, wasm: true, latency: true });
  expect(summary.latency.drift).toBeLessThanOrEqual(LIMITS.latencyDrift);
  expect(summary.roundMs).toHaveLength(300);
}, 900000);
