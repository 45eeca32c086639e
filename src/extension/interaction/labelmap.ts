/**
 * Writing approved SPA masks into OHIF's labelmap segmentations, so that OHIF's segmentation
 * panel, its undo (cornerstone3D's DefaultHistoryMemo) and SEG export see them.
 *
 * - One labelmap segmentation per display set ("SPA segmentation"), created on the first
 *   approval through `segmentationService.createLabelmapForDisplaySet` and shown in the
 *   viewport with `addSegmentationRepresentation`.
 * - One segment per structure ("Nodule 1", "Nodule 2", ...), coloured from STRUCTURE_RGB.
 * - A slice is written into the labelmap image that cornerstone3D keeps for the referenced
 *   image (`segmentation.getLabelmapImageIdsForImageId`), then
 *   `triggerSegmentationDataModified` redraws it and tells listeners.
 */
import { cs, csTools } from '../cornerstone';
import type { DisplaySet, SegmentationService } from '../types';
import { undoSliceEdit, writeSegmentMask, type LabelmapSlice, type SliceEdit } from '../utils/labelmapEdit';

export const SEGMENTATION_LABEL = 'SPA segmentation';
const LABELMAP = 'Labelmap';

export const STRUCTURE_RGB: ReadonlyArray<[number, number, number]> = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
];

export function structureRgb(n: number): [number, number, number] {
  return STRUCTURE_RGB[(n - 1) % STRUCTURE_RGB.length];
}

/** The SPA labelmap for a display set: reuses `existingId` while OHIF still has it, else creates one. */
export async function ensureSegmentation(
  segmentationService: SegmentationService,
  displaySet: DisplaySet,
  viewportId: string,
  existingId: string | undefined,
  firstSegmentLabel: string
): Promise<{ segmentationId: string; created: boolean }> {
  if (existingId && segmentationService.getSegmentation(existingId)) {
    await showSegmentation(segmentationService, viewportId, existingId);
    return { segmentationId: existingId, created: false };
  }
  const segmentationId = await segmentationService.createLabelmapForDisplaySet(displaySet, {
    label: SEGMENTATION_LABEL,
    segments: { 1: { label: firstSegmentLabel, active: true } },
  });
  await showSegmentation(segmentationService, viewportId, segmentationId);
  return { segmentationId, created: true };
}

async function showSegmentation(segmentationService: SegmentationService, viewportId: string, segmentationId: string): Promise<void> {
  if (!segmentationService.getSegmentationRepresentations(viewportId, { segmentationId }).length) {
    await segmentationService.addSegmentationRepresentation(viewportId, { segmentationId, type: LABELMAP });
  }
}

/** Adds (or relabels) a structure's segment and colours it in the viewport. */
export function addStructureSegment(
  segmentationService: SegmentationService,
  viewportId: string,
  segmentationId: string,
  segmentIndex: number,
  label: string,
  rgb: [number, number, number],
  exists: boolean
): void {
  if (!exists) segmentationService.addSegment(segmentationId, { segmentIndex, label, active: true });
  try {
    segmentationService.setSegmentColor(viewportId, segmentationId, segmentIndex, [...rgb, 255]);
  } catch (err) {
    console.warn(`[SPA for OHIF] could not colour segment ${segmentIndex}: ${(err as Error).message}`);
  }
}

/** The labelmap pixels (rows x columns, segment indices) for one referenced image. */
export function labelmapSliceFor(segmentationId: string, referencedImageId: string): LabelmapSlice {
  const ids = csTools().segmentation.getLabelmapImageIdsForImageId(referencedImageId, segmentationId);
  const labelImage = ids?.length ? cs().cache.getImage(ids[0]) : undefined;
  const data = labelImage?.voxelManager?.getScalarData() ?? labelImage?.getPixelData();
  if (!data) throw new Error(`segmentation ${segmentationId} has no labelmap image for ${referencedImageId}`);
  return data as LabelmapSlice;
}

function redraw(segmentationId: string, segmentIndex: number): void {
  csTools().segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(segmentationId, undefined, segmentIndex);
}

/**
 * Writes a structure's mask on one slice and records it in cornerstone3D's undo history
 * (OHIF's Undo/Redo buttons). `onHistory(undone)` hears OHIF undoing or redoing it.
 */
export function writeSlice(
  segmentationId: string,
  segmentIndex: number,
  referencedImageId: string,
  maskRowsCols: Uint8Array,
  onHistory?: (undone: boolean) => void
): SliceEdit {
  const labelmap = labelmapSliceFor(segmentationId, referencedImageId);
  const edit = writeSegmentMask(labelmap, maskRowsCols, segmentIndex);
  const redo = { indices: edit.indices, next: edit.indices.length ? Uint16Array.from(edit.indices, i => labelmap[i]) : new Uint16Array(0) };
  redraw(segmentationId, segmentIndex);
  const memo = {
    id: `spa-${segmentationId}-${segmentIndex}-${referencedImageId}`,
    restoreMemo: (undo?: boolean) => {
      const target = labelmapSliceFor(segmentationId, referencedImageId);
      if (undo) undoSliceEdit(target, edit);
      else redo.indices.forEach((i, j) => (target[i] = redo.next[j]));
      redraw(segmentationId, segmentIndex);
      onHistory?.(!!undo);
    },
  };
  (cs().utilities as unknown as { HistoryMemo?: { DefaultHistoryMemo?: { push(m: unknown): void } } }).HistoryMemo?.DefaultHistoryMemo?.push(memo);
  return edit;
}

/** Takes a slice edit back (SPA's own per-slice undo). */
export function undoSlice(segmentationId: string, segmentIndex: number, referencedImageId: string, edit: SliceEdit): void {
  undoSliceEdit(labelmapSliceFor(segmentationId, referencedImageId), edit);
  redraw(segmentationId, segmentIndex);
}
