/** Reads a folder laid out like ../shared/data/lidc-crops (manifest.json + stacked PNGs). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

export const READERS = 4;

export interface CropSlice {
  id: string;
  patient: string;
  /** Grey crop 0..255, size * size. */
  greyHW: Uint8Array;
  /** Masks of the readers who marked this slice (1 inside). */
  readerMasksHW: Uint8Array[];
  size: number;
}

interface ManifestEntry {
  patient: string;
  nodule: string;
  slices: number;
}

function readGrey(file: string): { data: Uint8Array; width: number; height: number } {
  const png = PNG.sync.read(readFileSync(file));
  const data = new Uint8Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = png.data[i * 4]; // grey PNGs decode to RGBA with R = G = B
  return { data, width: png.width, height: png.height };
}

/** One nodule's stack of crops, every slice, in the manifest's order. */
export interface CropNodule {
  id: string;
  patient: string;
  size: number;
  /** Grey crops 0..255, size * size, one per slice. */
  greyHW: Uint8Array[];
  /** Per slice, the mask of each of the READERS readers (all 0 where that reader did not mark it). */
  readerMasksHW: Uint8Array[][];
}

/** Every nodule's stack, optionally only some patients'. */
export function loadCropNodules(dir: string, patients?: ReadonlySet<string>): CropNodule[] {
  const manifest: ManifestEntry[] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const out: CropNodule[] = [];
  for (const entry of manifest) {
    if (patients && !patients.has(entry.patient)) continue;
    const base = join(dir, entry.patient, entry.nodule);
    const image = readGrey(`${base}-image.png`);
    const bits = readGrey(`${base}-raters.png`);
    const size = image.width;
    if (image.height !== size * entry.slices || bits.height !== image.height) {
      throw new Error(`${base}: expected ${entry.slices} stacked ${size} x ${size} slices, got ${image.width} x ${image.height}`);
    }
    const nodule: CropNodule = { id: `${entry.patient}/${entry.nodule}`, patient: entry.patient, size, greyHW: [], readerMasksHW: [] };
    for (let s = 0; s < entry.slices; s++) {
      const offset = s * size * size;
      nodule.greyHW.push(image.data.slice(offset, offset + size * size));
      const masks = Array.from({ length: READERS }, () => new Uint8Array(size * size));
      for (let p = 0; p < size * size; p++) {
        const b = bits.data[offset + p];
        for (let r = 0; r < READERS; r++) masks[r][p] = (b >> r) & 1;
      }
      nodule.readerMasksHW.push(masks);
    }
    out.push(nodule);
  }
  return out;
}

/** Slice `s` of a nodule with the masks of the readers who marked it (none: no reader did). */
export function cropSliceOf(nodule: CropNodule, s: number): CropSlice {
  const readerMasksHW = nodule.readerMasksHW[s].filter(mask => mask.includes(1));
  return { id: `${nodule.id}/${s}`, patient: nodule.patient, greyHW: nodule.greyHW[s], readerMasksHW, size: nodule.size };
}

/** Every slice where at least one reader marked the nodule, optionally only some patients. */
export function loadCropSlices(dir: string, patients?: ReadonlySet<string>): CropSlice[] {
  return loadCropNodules(dir, patients).flatMap(nodule => nodule.greyHW.map((_, s) => cropSliceOf(nodule, s)).filter(slice => slice.readerMasksHW.length));
}
