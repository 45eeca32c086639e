/**
 * The ONNX runtime and the SPA model, set up in one place: onnxruntime-web's wasm-only
 * build is imported lazily, its wasm files come from `ortWasmPaths`, it runs 2 threads
 * only in a cross-origin-isolated page (else 1, with a notice), and the model is loaded
 * once per page. A failed load rejects (with the core's ModelLoadError where the files are
 * at fault) and is forgotten, so a retry starts afresh.
 */
import { fetchModelFiles, SpaModel, withTestTimeViews, type LoadProgress, type OrtLike, type Predictor } from '../../core';

export interface LoadedSpaModel {
  model: SpaModel;
  /** What sessions run: the model averaged over `testTimeViews` grid symmetries. */
  predictor: Predictor;
  provider: 'wasm';
  threads: number;
  /** Set when the runtime had to run with fewer threads than it could. */
  notice?: string;
}

export interface ModelLocation {
  /** e.g. /models/spa-lidc.json: its folder and name locate the model files. */
  modelContractUrl: string;
  ortWasmPaths: string;
  /** Symmetry views averaged per pass (capped at what the model declares). */
  testTimeViews: number;
}

/** `/models/spa-lidc.json` -> { baseUrl: '/models', name: 'spa-lidc' }. */
export function splitContractUrl(url: string): { baseUrl: string; name: string } {
  const match = /^(.*)\/([^/]+)\.json$/.exec(url);
  if (!match) throw new Error(`modelContractUrl must name a .json file, got "${url}"`);
  return { baseUrl: match[1] || '/', name: match[2] };
}

let loading: Promise<LoadedSpaModel> | null = null;

async function load(location: ModelLocation, onProgress: (p: LoadProgress) => void): Promise<LoadedSpaModel> {
  const { baseUrl, name } = splitContractUrl(location.modelContractUrl);
  const files = await fetchModelFiles(baseUrl, name, onProgress);
  const ort = await import('onnxruntime-web/wasm');
  const isolated = globalThis.crossOriginIsolated === true;
  ort.env.wasm.wasmPaths = location.ortWasmPaths;
  ort.env.wasm.numThreads = isolated ? 2 : 1;
  const model = await SpaModel.create(ort as unknown as OrtLike, files.contractJson, files.modelBytes, {
    contractFile: files.contractFile,
    sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
    onProgress,
  });
  return {
    model,
    predictor: withTestTimeViews(model, location.testTimeViews),
    provider: 'wasm',
    threads: Number(ort.env.wasm.numThreads) || 1,
    notice: isolated ? undefined : 'The page is not cross-origin isolated, so the model runs on 1 thread (slower).',
  };
}

/**
 * The page's SPA model, loading it on the first call; later calls share the same promise.
 * `onProgress` only hears the load that the call started or joined.
 */
export function loadSpaModel(location: ModelLocation, onProgress: (p: LoadProgress) => void = () => undefined): Promise<LoadedSpaModel> {
  if (!loading) {
    const attempt = load(location, onProgress);
    loading = attempt;
    attempt.catch(() => {
      if (loading === attempt) loading = null;
    });
  }
  return loading;
}

/** Whether the model has been asked for (loading or loaded). */
export function isModelRequested(): boolean {
  return loading !== null;
}
