/**
 * The SPA model on onnxruntime: loading (with progress and checksum), and `predict`.
 * The runtime is injected (onnxruntime-web in the browser, onnxruntime-node in Node), so this
 * module imports neither. Session creation and every run go through one promise chain.
 */
import { ModelContract, parseContract } from './contract';
import { ModelLoadError } from './errors';

export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

export interface OrtSessionLike {
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

export interface OrtLike {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensorLike;
}

export interface ModelInput {
  /** float32[1,1,S,S] */
  imageInput: Float32Array;
  /** float32[1,2,S,S] */
  clickMaps: Float32Array;
}

/** Outputs of one batch item, copied out of the runtime's tensors. */
export interface ModelOutput {
  meanLogitsHW: Float32Array;
  factorRHW: Float32Array;
  mixMeansMR: Float32Array;
  mixLogvarsMR: Float32Array;
}

export interface LoadProgress {
  stage: 'contract' | 'download' | 'verify' | 'session' | 'ready';
  loadedBytes: number;
  totalBytes: number;
}

export type ProgressCallback = (progress: LoadProgress) => void;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('');
}

/** What the SPA loop needs from a model: its contract and batched prediction. */
export interface Predictor {
  readonly contract: ModelContract;
  predict(batch: readonly ModelInput[]): Promise<ModelOutput[]>;
}

export class SpaModel implements Predictor {
  readonly contract: ModelContract;
  private readonly ort: OrtLike;
  private readonly session: OrtSessionLike;
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;

  private constructor(ort: OrtLike, contract: ModelContract, session: OrtSessionLike) {
    this.ort = ort;
    this.contract = contract;
    this.session = session;
  }

  /**
   * Verify the model bytes against the contract (size, SHA-256) and create the session.
   * Rejects with a ModelLoadError; never returns a half-loaded model.
   */
  static async create(
    ort: OrtLike,
    contractJson: unknown,
    modelBytes: Uint8Array,
    options: { contractFile?: string; sessionOptions?: Record<string, unknown>; onProgress?: ProgressCallback } = {}
  ): Promise<SpaModel> {
    const contract = parseContract(contractJson, options.contractFile ?? 'model contract');
    const progress = options.onProgress ?? (() => undefined);
    progress({ stage: 'verify', loadedBytes: modelBytes.byteLength, totalBytes: contract.bytes });
    if (modelBytes.byteLength !== contract.bytes) {
      throw new ModelLoadError(
        'corrupt',
        contract.file,
        `expected ${contract.bytes} bytes, got ${modelBytes.byteLength} (truncated or replaced download); reinstall the model files`
      );
    }
    const digest = await sha256Hex(modelBytes);
    if (digest !== contract.sha256) {
      throw new ModelLoadError('checksum', contract.file, `SHA-256 ${digest} does not match the contract's ${contract.sha256}`);
    }
    progress({ stage: 'session', loadedBytes: modelBytes.byteLength, totalBytes: contract.bytes });
    let session: OrtSessionLike;
    try {
      session = await ort.InferenceSession.create(modelBytes, options.sessionOptions);
    } catch (err) {
      throw new ModelLoadError('runtime', contract.file, `the ONNX runtime could not create a session: ${(err as Error).message}`);
    }
    progress({ stage: 'ready', loadedBytes: modelBytes.byteLength, totalBytes: contract.bytes });
    return new SpaModel(ort, contract, session);
  }

  /** Run a batch; calls are serialised so that concurrent callers never interleave runs. */
  predict(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
    const next = this.queue.then(() => this.runBatch(batch));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runBatch(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
    if (this.released) throw new Error('SpaModel.predict called after release()');
    const { cropSizePx: s, rank: r, components: m, inputs, outputs } = this.contract;
    const b = batch.length;
    const image = new Float32Array(b * s * s);
    const clicks = new Float32Array(b * 2 * s * s);
    batch.forEach((item, i) => {
      if (item.imageInput.length !== s * s || item.clickMaps.length !== 2 * s * s) {
        throw new Error(
          `model input ${i}: expected image float32[1,1,${s},${s}] and clicks float32[1,2,${s},${s}], got ${item.imageInput.length} and ${item.clickMaps.length} values`
        );
      }
      image.set(item.imageInput, i * s * s);
      clicks.set(item.clickMaps, i * 2 * s * s);
    });
    const feeds = {
      [inputs.image.name]: new this.ort.Tensor('float32', image, [b, 1, s, s]),
      [inputs.clicks.name]: new this.ort.Tensor('float32', clicks, [b, 2, s, s]),
    };
    const result = await this.session.run(feeds);
    try {
      const take = (name: string, per: number): Float32Array => {
        const t = result[name];
        if (!t || !(t.data instanceof Float32Array) || t.data.length !== b * per) {
          throw new Error(`model output ${name}: expected ${b * per} float32 values`);
        }
        return t.data;
      };
      const mean = take(outputs.meanLogits.name, s * s);
      const factor = take(outputs.factor.name, r * s * s);
      const mixMeans = take(outputs.mixMeans.name, m * r);
      const mixLogvars = take(outputs.mixLogvars.name, m * r);
      return batch.map((_, i) => ({
        meanLogitsHW: mean.slice(i * s * s, (i + 1) * s * s),
        factorRHW: factor.slice(i * r * s * s, (i + 1) * r * s * s),
        mixMeansMR: mixMeans.slice(i * m * r, (i + 1) * m * r),
        mixLogvarsMR: mixLogvars.slice(i * m * r, (i + 1) * m * r),
      }));
    } finally {
      Object.values(feeds).forEach(t => t.dispose?.());
      Object.values(result).forEach(t => t.dispose?.());
    }
  }

  async release(): Promise<void> {
    await this.queue;
    if (!this.released) {
      this.released = true;
      await this.session.release();
    }
  }
}

/**
 * Fetch `<baseUrl>/<name>.json` and the model it names, reporting download progress.
 * Works wherever `fetch` exists (browsers, Node 18+).
 */
export async function fetchModelFiles(
  baseUrl: string,
  name: string,
  onProgress: ProgressCallback = () => undefined
): Promise<{ contractJson: unknown; contractFile: string; modelBytes: Uint8Array }> {
  const contractFile = `${baseUrl.replace(/\/$/, '')}/${name}.json`;
  onProgress({ stage: 'contract', loadedBytes: 0, totalBytes: 0 });
  let contractJson: unknown;
  try {
    const res = await fetch(contractFile);
    if (!res.ok) throw new ModelLoadError('missing', contractFile, `HTTP ${res.status} ${res.statusText}`);
    contractJson = await res.json();
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError('missing', contractFile, `could not be read: ${(err as Error).message}`);
  }
  const contract = parseContract(contractJson, contractFile);
  const modelFile = `${baseUrl.replace(/\/$/, '')}/${contract.file}`;
  const res = await fetch(modelFile).catch((err: Error) => {
    throw new ModelLoadError('missing', modelFile, `could not be fetched: ${err.message}`);
  });
  if (!res.ok || !res.body) throw new ModelLoadError('missing', modelFile, `HTTP ${res.status} ${res.statusText}`);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress({ stage: 'download', loadedBytes: loaded, totalBytes: contract.bytes });
  }
  const modelBytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    modelBytes.set(c, offset);
    offset += c.byteLength;
  }
  return { contractJson, contractFile, modelBytes };
}
