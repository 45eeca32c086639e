/**
 * Browser side of the benchmark (bundled by tools/bench/webpack.config.cjs): the engine on
 * onnxruntime-web's wasm-only build, loading the model as the viewer does. The driver calls
 * `window.spaBench(config)` once per fresh browser (numThreads is fixed at the first session).
 */
import * as ort from 'onnxruntime-web/wasm';

import { fetchModelFiles, SpaModel } from '../../src/core';
import type { OrtLike } from '../../src/core';
import { decodeCases, runWorkload } from './workload';
import type { BenchCasesJson, WorkloadOptions, WorkloadTimings } from './workload';

export interface PageBenchConfig extends WorkloadOptions {
  threads: number;
  modelName: string;
}

export interface PageBenchResult extends WorkloadTimings {
  coldStartMs: number;
  fetchMs: number;
  sessionMs: number;
  modelBytes: number;
  /** ort.env.wasm.numThreads after the session exists (the runtime lowers it when threads are unavailable). */
  threads: number;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
}

declare global {
  interface Window {
    spaBench?: (config: PageBenchConfig) => Promise<PageBenchResult>;
  }
}

window.spaBench = async (config: PageBenchConfig): Promise<PageBenchResult> => {
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = config.threads;
  const t0 = performance.now();
  const files = await fetchModelFiles('/models', config.modelName);
  const t1 = performance.now();
  const model = await SpaModel.create(ort as unknown as OrtLike, files.contractJson, files.modelBytes, {
    contractFile: files.contractFile,
    sessionOptions: { executionProviders: ['wasm'] },
  });
  const t2 = performance.now();
  try {
    const [json, bin] = await Promise.all([
      fetch('/bench/cases.json').then(r => r.json() as Promise<BenchCasesJson>),
      fetch('/bench/cases.bin').then(r => r.arrayBuffer()),
    ]);
    const timings = await runWorkload(model, decodeCases(json, new Uint8Array(bin)), config);
    return {
      ...timings,
      coldStartMs: t2 - t0,
      fetchMs: t1 - t0,
      sessionMs: t2 - t1,
      modelBytes: files.modelBytes.byteLength,
      threads: Number(ort.env.wasm.numThreads),
      crossOriginIsolated: globalThis.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
      userAgent: navigator.userAgent,
    };
  } finally {
    await model.release();
  }
};
