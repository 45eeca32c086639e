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

/** Every slice where at least one reader marked the nodule, optionally only some patients. */
export function loadCropSlices(dir: string, patients?: ReadonlySet<string>): CropSlice[] {
  const manifest: ManifestEntry[] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const out: CropSlice[] = [];
  for (const entry of manifest) {
    if (patients && !patients.has(entry.patient)) continue;
    const base = join(dir, entry.patient, entry.nodule);
    const image = readGrey(`${base}-image.png`);
    const bits = readGrey(`${base}-raters.png`);
    const size = image.width;
    if (image.height !== size * entry.slices || bits.height !== image.height) {
      throw new Error(`${base}: expected ${entry.slices} stacked ${size} x ${size} slices, got ${image.width} x ${image.height}`);
    }
    for (let s = 0; s < entry.slices; s++) {
      const offset = s * size * size;
      const readerMasksHW: Uint8Array[] = [];
      for (let r = 0; r < READERS; r++) {
        const mask = new Uint8Array(size * size);
        let any = 0;
        for (let p = 0; p < size * size; p++) any |= mask[p] = (bits.data[offset + p] >> r) & 1;
        if (any) readerMasksHW.push(mask);
      }
      if (!readerMasksHW.length) continue;
      out.push({
        id: `${entry.patient}/${entry.nodule}/${s}`,
        patient: entry.patient,
        greyHW: image.data.slice(offset, offset + size * size),
        readerMasksHW,
        size,
      });
    }
  }
  return out;
}
