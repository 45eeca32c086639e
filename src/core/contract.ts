/**
 * The model's I/O contract, read from models/<name>.json (written by training/export.py).
 * Nothing in it is repeated in code: shapes, names, click radius and preprocessing rule all
 * come from here.
 */
import { ModelLoadError } from './errors';

export const SUPPORTED_CONTRACT_VERSIONS = [1] as const;

/** Numbers of GRID_SYMMETRIES (a prefix of them) a model may declare or a view count may ask for. */
export const GRID_SYMMETRY_COUNTS: readonly number[] = [1, 2, 4, 8];

export interface TensorSpec {
  name: string;
  dtype: 'float32';
  shape: (number | string)[];
}

export interface ModelContract {
  contractVersion: number;
  name: string;
  version: string;
  file: string;
  bytes: number;
  sha256: string;
  cropSizePx: number;
  /** The model segments only this centred square of the crop (the rest is "not nodule"). */
  segmentedCentrePx: number;
  rank: number;
  components: number;
  /**
   * How many of the square grid's symmetries (GRID_SYMMETRIES, in order) training augmented
   * with, so that outputs may be averaged over them at test time (1: none declared).
   */
  gridSymmetries: 1 | 2 | 4 | 8;
  inputs: { image: TensorSpec; clicks: TensorSpec };
  outputs: { meanLogits: TensorSpec; factor: TensorSpec; mixMeans: TensorSpec; mixLogvars: TensorSpec };
  preprocessing: {
    intensity: { normalise: 'minmax-per-crop'; scale: number };
    crop: { sizePx: number; centreIndexPx: number };
  };
  clickEncoding: { channels: ['positive', 'negative']; shape: 'disk'; radiusPx: number; value: number };
  licence: string;
  attribution: string[];
}

function need(cond: unknown, file: string, what: string): asserts cond {
  if (!cond) throw new ModelLoadError('corrupt', file, `contract is missing or has an invalid ${what}`);
}

/** Validate a parsed JSON contract; `file` names it in errors. */
export function parseContract(json: unknown, file: string): ModelContract {
  if (typeof json !== 'object' || json === null) {
    throw new ModelLoadError('corrupt', file, 'contract is not a JSON object');
  }
  const c = json as Partial<ModelContract>;
  if (!SUPPORTED_CONTRACT_VERSIONS.includes(c.contractVersion as 1)) {
    throw new ModelLoadError(
      'unknown-contract',
      file,
      `contract version ${String(c.contractVersion)} is not supported (supported: ${SUPPORTED_CONTRACT_VERSIONS.join(', ')}); update SPA or use a matching model`
    );
  }
  need(typeof c.name === 'string' && typeof c.version === 'string', file, 'name or version');
  need(typeof c.file === 'string' && typeof c.sha256 === 'string' && Number.isInteger(c.bytes), file, 'file, bytes or sha256');
  need(Number.isInteger(c.cropSizePx) && c.cropSizePx! > 0, file, 'cropSizePx');
  const segmented = c.segmentedCentrePx ?? c.cropSizePx!; // contracts before 0.4.0 segment the whole crop
  need(Number.isInteger(segmented) && segmented > 0 && segmented <= c.cropSizePx! && (c.cropSizePx! - segmented) % 2 === 0, file, 'segmentedCentrePx');
  need(Number.isInteger(c.rank) && c.rank! > 0 && Number.isInteger(c.components) && c.components! > 0, file, 'rank or components');
  const symmetries = c.gridSymmetries ?? 1; // contracts written before it existed declare none
  need(GRID_SYMMETRY_COUNTS.includes(symmetries), file, 'gridSymmetries (1, 2, 4 or 8)');
  for (const key of ['image', 'clicks'] as const) need(c.inputs?.[key]?.name, file, `inputs.${key}`);
  for (const key of ['meanLogits', 'factor', 'mixMeans', 'mixLogvars'] as const) need(c.outputs?.[key]?.name, file, `outputs.${key}`);
  need(c.preprocessing?.intensity?.normalise === 'minmax-per-crop', file, 'preprocessing.intensity.normalise');
  need(c.preprocessing?.crop?.sizePx === c.cropSizePx, file, 'preprocessing.crop.sizePx');
  need(c.clickEncoding?.shape === 'disk' && c.clickEncoding.radiusPx > 0, file, 'clickEncoding');
  return { ...c, segmentedCentrePx: segmented, gridSymmetries: symmetries } as ModelContract;
}
