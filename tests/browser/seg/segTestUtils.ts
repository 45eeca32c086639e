/**
 * Helpers for the DICOM SEG browser tests: a known labelmap written through OHIF's own
 * services in the page, and readers of the saved SEG (dciodvfy, pydicom, dcmjs).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import dcmjs from 'dcmjs';
import fs from 'node:fs';
import type { Page } from 'playwright-core';

/** One segment of the test labelmap: pixels (row-major indices) per slice index of the stack. */
export interface TestSegment {
  segmentIndex: number;
  label: string;
  /** slice index in the display set's image order -> pixel indices set to segmentIndex */
  slices: Record<number, number[]>;
}

/** A filled disc of radius r centred at (cx, cy) in a columns-wide image. */
export function disc(cx: number, cy: number, r: number, columns: number): number[] {
  const out: number[] = [];
  for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
    for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) out.push(y * columns + x);
    }
  }
  return out;
}

/**
 * The test labelmap on the 512 x 512 sample CT: "Nodule 1" a disc on slices 14-16 whose
 * radius changes per slice, "Nodule 2" empty (must be kept), "Nodule 3" a square on slice 20.
 */
export function sampleSegments(columns = 512): TestSegment[] {
  const square: number[] = [];
  for (let y = 200; y < 210; y++) for (let x = 100; x < 112; x++) square.push(y * columns + x);
  return [
    { segmentIndex: 1, label: 'Nodule 1', slices: { 14: disc(300, 250, 6, columns), 15: disc(300, 251, 9, columns), 16: disc(301, 251, 5, columns) } },
    { segmentIndex: 2, label: 'Nodule 2', slices: {} },
    { segmentIndex: 3, label: 'Nodule 3', slices: { 20: square } },
  ];
}

export interface CreatedSegmentation {
  segmentationId: string;
  /** SOPInstanceUID of the source image of each slice index. */
  sopBySlice: Record<number, string>;
  rows: number;
  columns: number;
  numSlices: number;
}

/**
 * Creates a labelmap segmentation on the active viewport's display set through
 * window.services (OHIF exposes them there) and writes the given pixels, as SPA's
 * Approve will: createLabelmapForDisplaySet, addSegmentationRepresentation, fill the
 * voxels, triggerSegmentationDataModified.
 */
export async function createTestSegmentation(page: Page, segments: TestSegment[], segmentationId = 'spa-test-seg'): Promise<CreatedSegmentation> {
  return page.evaluate(
    async ({ segments, segmentationId }) => {
      const w = window as any;
      const { segmentationService, viewportGridService, displaySetService } = w.services;
      const viewportId = viewportGridService.getActiveViewportId();
      const dsUID = viewportGridService.getDisplaySetsUIDsForViewport(viewportId)[0];
      const displaySet = displaySetService.getDisplaySetByUID(dsUID);
      const segs: Record<number, { label: string; active?: boolean }> = {};
      for (const s of segments) segs[s.segmentIndex] = { label: s.label, active: s.segmentIndex === segments[0].segmentIndex };
      await segmentationService.createLabelmapForDisplaySet(displaySet, { segmentationId, label: 'SPA test', segments: segs });
      await segmentationService.addSegmentationRepresentation(viewportId, { segmentationId });
      const segmentation = segmentationService.getSegmentation(segmentationId);
      const { imageIds, referencedImageIds } = segmentation.representationData.Labelmap;
      const cache = w.cornerstone.cache;
      for (const s of segments) {
        for (const [slice, pixels] of Object.entries(s.slices)) {
          const image = cache.getImage(imageIds[Number(slice)]);
          const data = image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
          for (const i of pixels as number[]) data[i] = s.segmentIndex;
          if (image.voxelManager?.setScalarData) image.voxelManager.setScalarData(data);
        }
      }
      w.cornerstoneTools.segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(segmentationId);
      const sopBySlice: Record<number, string> = {};
      referencedImageIds.forEach((id: string, k: number) => {
        sopBySlice[k] = w.cornerstone.metaData.get('instance', id)?.SOPInstanceUID ?? w.cornerstone.metaData.get('sopCommonModule', id)?.sopInstanceUID;
      });
      const first = cache.getImage(imageIds[0]);
      return { segmentationId, sopBySlice, rows: first.rows, columns: first.columns, numSlices: imageIds.length };
    },
    { segments, segmentationId }
  );
}

/** Expected frames: "<segment label>|<source SOP UID>" -> sorted pixel indices. */
export function expectedFrames(segments: TestSegment[], sopBySlice: Record<number, string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of segments) {
    for (const [slice, pixels] of Object.entries(s.slices)) {
      out.set(`${s.label}|${sopBySlice[Number(slice)]}`, [...new Set(pixels)].sort((a, b) => a - b));
    }
  }
  return out;
}

/** What a reader found in a SEG (same shape from pydicom and from dcmjs). */
export interface SegReading {
  sopClassUID: string;
  transferSyntaxUID: string;
  seriesInstanceUID: string;
  seriesDescription: string;
  studyInstanceUID: string;
  frameOfReferenceUID: string;
  segmentationType: string;
  referencedSeries: string[];
  segments: Array<{
    number: number;
    label: string;
    algorithmType: string;
    algorithmName: string;
    category: string[];
    type: string[];
    algorithmVersion: string;
  }>;
  /** per frame: segment number, source SOP UID, indices of set pixels */
  frames: Array<{ segment: number; source: string; pixels: number[] }>;
}

export const PY_READER = path.join(__dirname, 'read_seg.py');
export const PYTHON = process.env.SPA_PYTHON || '/usr/bin/python3';

export function readWithPydicom(file: string): SegReading {
  const r = spawnSync(PYTHON, [PY_READER, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pydicom reader failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function arr<T>(v: T | T[] | undefined): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function readWithDcmjs(file: string): SegReading {
  const bytes = fs.readFileSync(file);
  const part10 = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const dicom = dcmjs.data.DicomMessage.readFile(part10);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.dict) as Record<string, any>;
  const rows = Number(ds.Rows);
  const columns = Number(ds.Columns);
  const frameSize = rows * columns;
  const bits = Number(ds.BitsAllocated);
  const pixelBuffer = new Uint8Array(arr<ArrayBuffer>(ds.PixelData)[0]);
  const frames = arr<any>(ds.PerFrameFunctionalGroupsSequence).map((f, k) => {
    const pixels: number[] = [];
    for (let i = 0; i < frameSize; i++) {
      const bit = k * frameSize + i;
      const on = bits === 1 ? (pixelBuffer[bit >> 3] >> (bit & 7)) & 1 : pixelBuffer[bit];
      if (on) pixels.push(i);
    }
    return {
      segment: Number(arr<any>(f.SegmentIdentificationSequence)[0].ReferencedSegmentNumber),
      source: String(arr<any>(arr<any>(f.DerivationImageSequence)[0].SourceImageSequence)[0].ReferencedSOPInstanceUID),
      pixels,
    };
  });
  const code = (c: any) => {
    const item = arr<any>(c)[0];
    return [item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning];
  };
  return {
    sopClassUID: ds.SOPClassUID,
    transferSyntaxUID: String((dicom.meta['00020010'].Value ?? [])[0]),
    seriesInstanceUID: ds.SeriesInstanceUID,
    seriesDescription: ds.SeriesDescription,
    studyInstanceUID: ds.StudyInstanceUID,
    frameOfReferenceUID: ds.FrameOfReferenceUID,
    segmentationType: ds.SegmentationType,
    referencedSeries: arr<any>(ds.ReferencedSeriesSequence).map(s => s.SeriesInstanceUID),
    segments: arr<any>(ds.SegmentSequence).map(s => ({
      number: Number(s.SegmentNumber),
      label: s.SegmentLabel,
      algorithmType: s.SegmentAlgorithmType,
      algorithmName: s.SegmentAlgorithmName,
      category: code(s.SegmentedPropertyCategoryCodeSequence),
      type: code(s.SegmentedPropertyTypeCodeSequence),
      algorithmVersion: arr<any>(s.SegmentationAlgorithmIdentificationSequence)[0]?.AlgorithmVersion,
    })),
    frames,
  };
}

/** Frames keyed like expectedFrames: "<segment label>|<source SOP UID>". */
export function framesByKey(reading: SegReading): Map<string, number[]> {
  const labels = new Map(reading.segments.map(s => [s.number, s.label]));
  const out = new Map<string, number[]>();
  for (const f of reading.frames) {
    const key = `${labels.get(f.segment)}|${f.source}`;
    if (out.has(key)) throw new Error(`two frames for ${key}`);
    out.set(key, f.pixels);
  }
  return out;
}

export interface DciodvfyResult {
  errors: string[];
  warnings: string[];
  output: string;
}

/** Runs dicom3tools' dciodvfy on a file. */
export function dciodvfy(file: string, iod = 'Segmentation'): DciodvfyResult {
  if (!fs.existsSync(file)) throw new Error(`dciodvfy: no file ${file}`);
  const r = spawnSync('dciodvfy', ['-new', file], { encoding: 'utf8' });
  if (r.error) throw new Error(`dciodvfy could not run (Debian package dicom3tools): ${r.error.message}`);
  const output = `${r.stdout}${r.stderr}`;
  // dciodvfy names the IOD it checked; without that line it did not read the file.
  if (!output.includes(iod)) throw new Error(`dciodvfy did not recognise a ${iod}:\n${output}`);
  const lines = output.split('\n').map(l => l.trim()).filter(Boolean);
  return {
    errors: lines.filter(l => l.startsWith('Error')),
    warnings: lines.filter(l => l.startsWith('Warning')),
    output,
  };
}

/** A labelmap segmentation as the viewer holds it: labels, and set pixels per source image and segment. */
export interface LabelmapContent {
  labels: Record<number, string>;
  /** "<segment label>|<source SOP UID>" -> sorted pixel indices */
  frames: Record<string, number[]>;
}

/** Reads a segmentation's labelmap back from cornerstone's cache, keyed by source SOP Instance UID. */
export async function readLabelmap(page: Page, segmentationId: string): Promise<LabelmapContent> {
  return page.evaluate(`(() => {
    const w = window;
    const segmentation = w.services.segmentationService.getSegmentation(${JSON.stringify(segmentationId)});
    if (!segmentation) throw new Error('no segmentation ' + ${JSON.stringify(segmentationId)});
    const labels = {};
    for (const [k, s] of Object.entries(segmentation.segments)) if (s) labels[k] = s.label;
    const lm = segmentation.representationData.Labelmap;
    const layers = lm.labelmaps ? Object.values(lm.labelmaps) : [lm];
    const frames = {};
    for (const layer of layers) {
      for (const imageId of layer.imageIds) {
        const image = w.cornerstone.cache.getImage(imageId);
        const ref = image.referencedImageId;
        const sop = (w.cornerstone.metaData.get('instance', ref) || {}).SOPInstanceUID;
        const data = image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
        for (let i = 0; i < data.length; i++) {
          if (!data[i]) continue;
          const key = labels[data[i]] + '|' + sop;
          (frames[key] = frames[key] || []).push(i);
        }
      }
    }
    return { labels, frames };
  })()`) as Promise<LabelmapContent>;
}

/** Waits for the save status to leave "saving"; returns its phase and text. */
export async function waitForSaveResult(page: Page, timeoutMs = 90000): Promise<{ phase: string; text: string }> {
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="spa-save-status"]');
      const phase = el?.getAttribute('data-phase');
      return phase === 'saved' || phase === 'failed';
    },
    undefined,
    { timeout: timeoutMs, polling: 200 }
  );
  const status = page.getByTestId('spa-save-status');
  return { phase: (await status.getAttribute('data-phase')) ?? '', text: (await status.textContent()) ?? '' };
}

/** Opens a SEG series from the study browser as a user does: double-click, then "Yes". */
export async function openSegFromStudyBrowser(page: Page, seriesText: string): Promise<void> {
  const thumb = page.locator('[data-cy="study-browser-thumbnail-no-image"], [data-cy="study-browser-thumbnail"]').filter({ hasText: seriesText }).first();
  await thumb.waitFor({ timeout: 60000 });
  await thumb.dblclick();
  const yes = page.getByRole('button', { name: 'Yes', exact: true });
  await yes.waitFor({ timeout: 60000 });
  await yes.click();
}
