/**
 * Browser side of the soak test (bundled by tools/soak/webpack.config.cjs): the engine on
 * onnxruntime-web's wasm-only build, as the viewer loads it, driven through many SPA rounds
 * (start, choose, approve, next slice) on the sample study's real slices. Every
 * `sampleEvery` rounds it records the JS heap (`retainedHeap.ts`: after full GCs until it
 * stops falling) and the wasm memory of onnxruntime (the byte length of every WebAssembly.Memory
 * the page created or instantiated; wasm memory never shrinks, so growth there means a leak
 * or a new high-water mark).
 */
import * as ort from 'onnxruntime-web/wasm';

import { fetchModelFiles, SpaModel, SpaSession } from '../../src/core';
import type { Click, OrtLike, PreferenceProfile, SliceImage } from '../../src/core';
import { retainedHeap } from './retainedHeap';

// -- wasm memory tracking: installed before onnxruntime instantiates its module ---------------
const wasmMemories = new Set<WebAssembly.Memory>();
const NativeMemory = WebAssembly.Memory;
class TrackedMemory extends NativeMemory {
  constructor(descriptor: WebAssembly.MemoryDescriptor) {
    super(descriptor);
    wasmMemories.add(this);
  }
}
(WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = TrackedMemory;
const collectExports = (instance: WebAssembly.Instance) => {
  for (const value of Object.values(instance.exports)) if (value instanceof NativeMemory) wasmMemories.add(value);
};
const nativeInstantiate = WebAssembly.instantiate.bind(WebAssembly) as (...args: unknown[]) => Promise<unknown>;
(WebAssembly as { instantiate: unknown }).instantiate = async (...args: unknown[]) => {
  const result = (await nativeInstantiate(...args)) as WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource;
  collectExports('instance' in result ? result.instance : result);
  return result;
};
const nativeStreaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
WebAssembly.instantiateStreaming = async (source, imports) => {
  const result = await nativeStreaming(source, imports);
  collectExports(result.instance);
  return result;
};
const wasmBytes = () => [...wasmMemories].reduce((n, m) => n + m.buffer.byteLength, 0);

/** One slice of the study as served: Int16 stored values, rows * columns each, in slice order. */
export interface SoakSliceJson {
  sop: string;
  z: number;
  rows: number;
  columns: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  pixelSpacingMm: [number, number];
}

export interface SoakConfig {
  rounds: number;
  sampleEvery: number;
  threads: number;
  samples: number;
  modelName: string;
  /** Centre of the clicks (image pixels); each round jitters it by a few pixels. */
  click: { row: number; col: number };
}

export interface MemorySample {
  round: number;
  usedJSHeapSize: number;
  totalJSHeapSize: number;
  wasmMemoryBytes: number;
}

export interface SoakPageResult {
  roundMs: number[];
  memory: MemorySample[];
  /** Memory after the model was created, before the first round. */
  memoryAtStart: MemorySample;
  approvedPixels: number;
  choices: number;
  threads: number;
  crossOriginIsolated: boolean;
  gcExposed: boolean;
  wasmMemories: number;
  userAgent: string;
}

declare global {
  interface Window {
    spaSoak?: (config: SoakConfig) => Promise<SoakPageResult>;
  }
}

async function sampleMemory(round: number): Promise<MemorySample> {
  return { round, ...(await retainedHeap()), wasmMemoryBytes: wasmBytes() };
}

window.spaSoak = async (config: SoakConfig): Promise<SoakPageResult> => {
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = config.threads;
  const files = await fetchModelFiles('/models', config.modelName);
  const model = await SpaModel.create(ort as unknown as OrtLike, files.contractJson, files.modelBytes, {
    contractFile: files.contractFile,
    sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
  });
  try {
    const [meta, bin] = await Promise.all([
      fetch('/soak/slices.json').then(r => r.json() as Promise<SoakSliceJson[]>),
      fetch('/soak/slices.bin').then(r => r.arrayBuffer()),
    ]);
    let offset = 0;
    const slices: SliceImage[] = meta.map(m => {
      const pixelData = new Int16Array(bin, offset, m.rows * m.columns);
      offset += m.rows * m.columns * 2;
      return { rows: m.rows, columns: m.columns, pixelData, rescaleSlope: m.rescaleSlope, rescaleIntercept: m.rescaleIntercept, pixelSpacingMm: m.pixelSpacingMm };
    });
    const memoryAtStart = await sampleMemory(0);
    const roundMs: number[] = [];
    const memory: MemorySample[] = [];
    let profile: PreferenceProfile | undefined;
    let approvedPixels = 0;
    for (let i = 0; i < config.rounds; i++) {
      // Walk through the study and back (next slice each round), clicks jittered around the nodule.
      const period = 2 * (slices.length - 1);
      const k = i % period;
      const slice = slices[k < slices.length ? k : period - k];
      const click: Click = { row: config.click.row + ((i * 7) % 9) - 4, col: config.click.col + ((i * 5) % 9) - 4, positive: true };
      const t0 = performance.now();
      const session = new SpaSession(model, { samples: config.samples, seed: i + 1 }, profile);
      await session.start(slice, click);
      await session.choose(0);
      const { maskRowsCols } = session.approve();
      profile = session.preferenceProfile;
      session.reset();
      roundMs.push(performance.now() - t0);
      for (let p = 0; p < maskRowsCols.length; p++) approvedPixels += maskRowsCols[p];
      if ((i + 1) % config.sampleEvery === 0) memory.push(await sampleMemory(i + 1));
    }
    return {
      roundMs,
      memory,
      memoryAtStart,
      approvedPixels,
      choices: profile?.choices ?? 0,
      threads: Number(ort.env.wasm.numThreads),
      crossOriginIsolated: globalThis.crossOriginIsolated,
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
      wasmMemories: wasmMemories.size,
      userAgent: navigator.userAgent,
    };
  } finally {
    await model.release();
  }
};
