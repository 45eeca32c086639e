/** Read DICOM Part 10 files from disk in Node (tests and tools; the viewer gets its images from OHIF). */
import { readFileSync } from 'node:fs';

import dcmjs from 'dcmjs';

import type { SliceImage } from '../../src/core/types';

// dcmqi's and pydicom's test files use private VRs that dcmjs reports on the console; it reads them all the same.
(dcmjs as unknown as { log: { getLogger(name: string): { setLevel(level: string): void } } }).log.getLogger('validation.dcmjs').setLevel('silent');

/** A file's attributes by keyword, as dcmjs' `naturalizeDataset` gives them (and as OHIF keeps instance metadata). */
export function readNaturalDicom(file: string): Record<string, unknown> {
  const bytes = readFileSync(file);
  const part10 = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(part10.dict) as Record<string, unknown>;
}

/** A single-frame 16-bit greyscale image as the engine takes it: stored values, rescale, spacing. */
export function readSliceImage(file: string): SliceImage {
  return sliceImageFromDataset(readNaturalDicom(file), file);
}

/** `readSliceImage` for a dataset already read (`file` names it in errors). */
export function sliceImageFromDataset(dataset: Record<string, unknown>, file: string): SliceImage {
  const ds = dataset as {
    Rows: number;
    Columns: number;
    BitsAllocated: number;
    PixelRepresentation: number;
    RescaleSlope?: number;
    RescaleIntercept?: number;
    PixelSpacing: number[];
    PixelData: ArrayBuffer[];
  };
  if (ds.BitsAllocated !== 16) throw new Error(`${file}: expected 16-bit pixels, got ${ds.BitsAllocated}`);
  const raw = ds.PixelData[0];
  const pixelData = ds.PixelRepresentation === 1 ? new Int16Array(raw) : new Uint16Array(raw);
  if (pixelData.length !== ds.Rows * ds.Columns) throw new Error(`${file}: ${pixelData.length} pixel values for ${ds.Rows} x ${ds.Columns}`);
  return {
    rows: ds.Rows,
    columns: ds.Columns,
    pixelData,
    rescaleSlope: Number(ds.RescaleSlope ?? 1),
    rescaleIntercept: Number(ds.RescaleIntercept ?? 0),
    pixelSpacingMm: [Number(ds.PixelSpacing[0]), Number(ds.PixelSpacing[1])],
  };
}
