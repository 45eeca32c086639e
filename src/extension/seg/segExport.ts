/**
 * Builds SPA's DICOM SEG in the viewer with OHIF's own machinery: the
 * cornerstone-dicom-seg command `generateSegmentation` (@cornerstonejs/adapters with
 * dcmjs) makes the dataset from the labelmap, `applySpaSegMetadata` puts SPA's codes and
 * a new series on it, and dcmjs writes the Part 10 bytes that go both to the PACS
 * (STOW-RS through the data source's `store.dicom`) and into the downloaded file.
 *
 * The SEG is a BINARY Segmentation Storage object in Explicit VR Little Endian: the
 * SOP class every PACS and DICOM toolkit knows (OHIF's default, the 2024 Label Map
 * Segmentation class, is unknown to many of them, dciodvfy included).
 */
import { VERSION } from '../id';
import { applySpaSegMetadata, spaSeriesDescription, type SegmentInput } from './segMetadata';
import type { SegHost, SegmentationLike } from './types';

export const SEGMENTATION_STORAGE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** SPA for OHIF's implementation class UID (file meta information). */
export const SPA_IMPLEMENTATION_CLASS_UID = '2.25.113818343389771792123704105987401943422';
export const SPA_IMPLEMENTATION_VERSION_NAME = `SPA_OHIF_${VERSION}`.slice(0, 16);

/** The model identity written into the SEG (the model's JSON contract). */
export interface ModelIdentity {
  name: string;
  version: string;
}

/** A generated SEG, ready to store or download. */
export interface SpaSeg {
  segmentationId: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
  seriesDescription: string;
  /** Part 10 file bytes (preamble, file meta, dataset). */
  part10: ArrayBuffer;
  /** The same object as a naturalized dataset (OHIF's instance metadata form). */
  dataset: Record<string, any>;
  fileName: string;
  /** Segment labels in SegmentNumber order, and which of them have no pixels. */
  segmentLabels: string[];
  emptySegmentLabels: string[];
  numberOfFrames: number;
}

type Dcmjs = typeof import('dcmjs').default;
let dcmjsPromise: Promise<Dcmjs> | null = null;
/** dcmjs is loaded on first use (a lazy chunk), not with the plugin. */
export function loadDcmjs(): Promise<Dcmjs> {
  dcmjsPromise ??= import('dcmjs').then(m => m.default);
  return dcmjsPromise;
}

/** Reads the model's name and version from its JSON contract. */
export async function fetchModelIdentity(contractUrl: string): Promise<ModelIdentity> {
  const response = await fetch(contractUrl, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`cannot read the model contract ${contractUrl}: HTTP ${response.status}`);
  const contract = (await response.json()) as { name?: unknown; version?: unknown };
  if (typeof contract.name !== 'string' || contract.version === undefined) {
    throw new Error(`the model contract ${contractUrl} has no name/version (got ${JSON.stringify([contract.name, contract.version])})`);
  }
  return { name: contract.name, version: String(contract.version) };
}

/** The label of the segmentation SPA's Approve writes into (src/extension/interaction/labelmap.ts). */
export const SPA_SEGMENTATION_LABEL = 'SPA segmentation';

/**
 * Segmentations that could be saved: those made in the viewer, not ones opened from a
 * stored SEG series (OHIF names those after the SEG's display set, which has a
 * SeriesInstanceUID; the display set OHIF 3.13 makes for a new segmentation has none).
 */
export function savableSegmentations(host: Pick<SegHost, 'services'>): SegmentationLike[] {
  const { segmentationService, displaySetService } = host.services;
  return (segmentationService.getSegmentations() ?? []).filter(s => {
    const displaySet = displaySetService?.getDisplaySetByUID(s.segmentationId);
    return !(displaySet?.Modality === 'SEG' && displaySet.SeriesInstanceUID);
  });
}

/**
 * The segmentation to save: the given id; else, among those made in the viewer, the
 * active one of the active viewport, else SPA's ("SPA segmentation"), else the newest.
 * Undefined when there is none.
 */
export function findSegmentationToSave(host: Pick<SegHost, 'services'>, segmentationId?: string): SegmentationLike | undefined {
  const { segmentationService, viewportGridService } = host.services;
  if (segmentationId) return segmentationService.getSegmentation(segmentationId) ?? undefined;
  const candidates = savableSegmentations(host);
  const viewportId = viewportGridService.getActiveViewportId();
  const activeId = viewportId ? segmentationService.getActiveSegmentation(viewportId)?.segmentationId : undefined;
  return (
    candidates.find(s => s.segmentationId === activeId) ??
    [...candidates].reverse().find(s => s.label === SPA_SEGMENTATION_LABEL) ??
    candidates[candidates.length - 1]
  );
}

/**
 * Loads the source images the SEG will reference that are not in cornerstone's cache
 * (a stack viewport loads only the slices it showed; OHIF's generateSegmentation needs
 * every one of them).
 */
export async function loadSourceImages(host: SegHost, segmentation: SegmentationLike): Promise<void> {
  const { cache, imageLoader } = host.cornerstone;
  const labelmap = segmentation.representationData?.Labelmap;
  const layers = labelmap?.labelmaps ? Object.values(labelmap.labelmaps) : [labelmap];
  const ids = new Set<string>();
  for (const layer of layers) for (const id of layer?.referencedImageIds ?? labelmap?.referencedImageIds ?? []) ids.add(id);
  const missing = [...ids].filter(id => !cache.getImage(id));
  await Promise.all(missing.map(id => imageLoader.loadAndCacheImage(id)));
}

/** Segment indices with at least one labelled pixel in the labelmap's images. */
export function nonEmptySegmentIndices(host: SegHost, segmentation: SegmentationLike): number[] {
  const labelmap = segmentation.representationData?.Labelmap;
  const layers = labelmap?.labelmaps ? Object.values(labelmap.labelmaps) : [labelmap];
  const present = new Set<number>();
  for (const layer of layers) {
    for (const imageId of layer?.imageIds ?? []) {
      const pixels = host.cornerstone.cache.getImage(imageId)?.getPixelData();
      if (!pixels) throw new Error(`labelmap image ${imageId} is not in the cache`);
      for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) present.add(pixels[i]);
    }
  }
  return [...present].sort((a, b) => a - b);
}

function segmentsOf(host: SegHost, segmentation: SegmentationLike, dcmjs: Dcmjs): SegmentInput[] {
  const { segmentationService } = host.services;
  const viewportId = segmentationService.getRepresentationsForSegmentation(segmentation.segmentationId)?.[0]?.viewportId;
  return Object.values(segmentation.segments ?? {})
    .filter((s): s is NonNullable<typeof s> => Boolean(s))
    .map(s => {
      const rgb = viewportId ? segmentationService.getSegmentColor(viewportId, segmentation.segmentationId, s.segmentIndex) : undefined;
      return {
        segmentIndex: Number(s.segmentIndex),
        label: s.label || `Segment ${s.segmentIndex}`,
        cielab: rgb ? dcmjs.data.Colors.rgb2DICOMLAB(rgb.slice(0, 3).map(v => v / 255)).map(v => Math.round(v)) : undefined,
      };
    });
}

/** Part 10 bytes of a naturalized dataset, written by dcmjs (Explicit VR Little Endian). */
export function toPart10(dcmjs: Dcmjs, dataset: Record<string, any>): ArrayBuffer {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: SPA_IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: SPA_IMPLEMENTATION_VERSION_NAME,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  const { _meta: _ignored, ...body } = dataset;
  dict.dict = DicomMetaDictionary.denaturalizeDataset(body);
  return dict.write();
}

/** One more than the highest series number in the open study (as OHIF's own SEG store does). */
export function nextSeriesNumber(host: Pick<SegHost, 'services'>): number {
  const numbers = (host.services.displaySetService?.getActiveDisplaySets?.() ?? [])
    .map(ds => Number(ds.SeriesNumber))
    .filter(n => Number.isInteger(n) && n >= 0 && n < 2 ** 31 - 1);
  return numbers.length ? Math.max(...numbers) + 1 : 1;
}

/** A file name for the download: `SPA-SEG-<patient id>-<series uid tail>.dcm`. */
export function segFileName(dataset: Record<string, any>): string {
  const tail = String(dataset.SeriesInstanceUID).replace(/\./g, '').slice(-8);
  const patient = String(dataset.PatientID ?? '').replace(/[^A-Za-z0-9_-]+/g, '') || 'patient';
  return `SPA-SEG-${patient}-${tail}.dcm`;
}

/**
 * Generates the SEG of a segmentation with a new series. Throws with a user-readable
 * message when there is nothing to save.
 */
export async function buildSpaSeg(host: SegHost, options: { segmentationId?: string; model: ModelIdentity; seriesNumber?: number }): Promise<SpaSeg> {
  const segmentation = findSegmentationToSave(host, options.segmentationId);
  if (!segmentation) {
    throw new Error(options.segmentationId ? `no segmentation "${options.segmentationId}" in the viewer` : 'no segmentation in the viewer to save');
  }
  const dcmjs = await loadDcmjs();
  const segments = segmentsOf(host, segmentation, dcmjs);
  const nonEmpty = nonEmptySegmentIndices(host, segmentation);
  if (!nonEmpty.length) throw new Error('every segment is empty: there is nothing to save');
  await loadSourceImages(host, segmentation);

  const generated = host.commandsManager.runCommand('generateSegmentation', {
    segmentationId: segmentation.segmentationId,
    options: {
      sopClassUID: SEGMENTATION_STORAGE_SOP_CLASS_UID,
      // Both spellings: OHIF's defaults set both to RLE, and the adapter reads `transferSyntaxUid` first.
      transferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
      transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN,
      SeriesDescription: spaSeriesDescription(options.model.name, options.model.version),
    },
  }) as { dataset?: Record<string, any> } | undefined;
  const dataset = generated?.dataset;
  if (!dataset) throw new Error('OHIF generateSegmentation returned no dataset');

  const seriesInstanceUID = dcmjs.data.DicomMetaDictionary.uid();
  const sopInstanceUID = dcmjs.data.DicomMetaDictionary.uid();
  const seriesDescription = spaSeriesDescription(options.model.name, options.model.version);
  const numbers = applySpaSegMetadata(dataset, {
    segments,
    nonEmptySegmentIndices: nonEmpty,
    modelName: options.model.name,
    modelVersion: options.model.version,
    seriesInstanceUID,
    sopInstanceUID,
    seriesDescription,
    seriesNumber: options.seriesNumber ?? nextSeriesNumber(host),
    softwareVersion: `SPA for OHIF ${VERSION}`,
  });
  const ordered = [...segments].sort((a, b) => numbers.get(a.segmentIndex)! - numbers.get(b.segmentIndex)!);
  return {
    segmentationId: segmentation.segmentationId,
    studyInstanceUID: String(dataset.StudyInstanceUID),
    seriesInstanceUID,
    sopInstanceUID,
    seriesDescription,
    part10: toPart10(dcmjs, dataset),
    dataset,
    fileName: segFileName(dataset),
    segmentLabels: ordered.map(s => s.label),
    emptySegmentLabels: ordered.filter(s => !nonEmpty.includes(s.segmentIndex)).map(s => s.label),
    numberOfFrames: Number(dataset.NumberOfFrames),
  };
}

/** Saves bytes as a file through a temporary object URL. */
export function downloadBytes(bytes: ArrayBuffer, fileName: string, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/dicom' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
