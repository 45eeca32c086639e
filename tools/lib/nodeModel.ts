/** Load the shipped model from disk in Node, with onnxruntime-node or onnxruntime-web (wasm). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ModelContract, ModelLoadError, OrtLike, parseContract, SpaModel } from '../../src/core';

export const MODELS_DIR = resolve(__dirname, '..', '..', 'models');
export const DEFAULT_MODEL = 'spa-lidc';

/** The model's JSON contract, parsed but not yet validated (`parseContract` does that); errors name the file. */
function readContractJson(name = DEFAULT_MODEL, dir = MODELS_DIR): { contractJson: unknown; contractFile: string } {
  const contractFile = join(dir, `${name}.json`);
  let text: string;
  try {
    text = readFileSync(contractFile, 'utf8');
  } catch (err) {
    throw new ModelLoadError('missing', contractFile, `cannot be read (${(err as NodeJS.ErrnoException).code}); is the model installed in ${dir}?`);
  }
  try {
    return { contractJson: JSON.parse(text), contractFile };
  } catch (err) {
    throw new ModelLoadError('corrupt', contractFile, `is not valid JSON: ${(err as Error).message}`);
  }
}

/** The model's contract, read and validated: what tests and tools need to know about the shipped model. */
export function readContract(name = DEFAULT_MODEL, dir = MODELS_DIR): ModelContract {
  const { contractJson, contractFile } = readContractJson(name, dir);
  return parseContract(contractJson, contractFile);
}

export function readModelFiles(name = DEFAULT_MODEL, dir = MODELS_DIR): { contractJson: unknown; contractFile: string; modelBytes: Uint8Array } {
  const { contractJson, contractFile } = readContractJson(name, dir);
  const modelFile = join(dir, String((contractJson as { file?: string }).file));
  try {
    return { contractJson, contractFile, modelBytes: new Uint8Array(readFileSync(modelFile)) };
  } catch (err) {
    throw new ModelLoadError('missing', modelFile, `cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
}

export type RuntimeName = 'node' | 'wasm';

/** onnxruntime-node (native CPU) or onnxruntime-web's wasm build running in Node. */
export async function loadOrt(runtime: RuntimeName): Promise<OrtLike> {
  if (runtime === 'node') return (await import('onnxruntime-node')) as unknown as OrtLike;
  if (runtime === 'wasm') return (await import('onnxruntime-web')) as unknown as OrtLike;
  throw new Error(`unknown runtime "${String(runtime)}"; one of node, wasm`);
}

export async function loadNodeModel(
  runtime: RuntimeName = 'node',
  options: { name?: string; dir?: string; threads?: number } = {}
): Promise<SpaModel> {
  const ort = await loadOrt(runtime);
  const files = readModelFiles(options.name, options.dir);
  const sessionOptions: Record<string, unknown> = { executionProviders: [runtime === 'node' ? 'cpu' : 'wasm'] };
  if (runtime === 'node') sessionOptions.intraOpNumThreads = options.threads ?? 1;
  else (ort as unknown as { env: { wasm: { numThreads: number } } }).env.wasm.numThreads = options.threads ?? 1;
  return SpaModel.create(ort, files.contractJson, files.modelBytes, { contractFile: files.contractFile, sessionOptions });
}
