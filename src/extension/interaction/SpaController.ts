/**
 * What the SPA commands do: the click -> candidates -> choose -> approve -> propagate loop
 * on OHIF's viewports. It drives the framework-free engine (src/core), keeps the results in
 * SpaService (which the panel and the overlay read) and writes approvals through
 * segmentationService (./labelmap). One SpaSession per viewport; the engine objects stay
 * here, the state the UI shows lives in SpaService.
 */
import {
  checkImageSupport,
  countOn,
  describeDicomImage,
  ModelLoadError,
  SpaCancelledError,
  SpaInputError,
  SpaSession,
  type PreferenceProfile,
  type RoundResult,
  type SliceImage,
  type Predictor,
} from '../../core';
import { cs, getViewport, type CsImage, type CsViewport, type Point2 } from '../cornerstone';
import { loadSpaModel, type LoadedSpaModel } from '../runtime/spaModelLoader';
import type { ApprovedSlice, ApprovedStructure, SpaError, ViewportSession } from '../services/SpaService';
import type { DisplaySet, SegmentationService, Services } from '../types';
import { segmentMask, type SliceEdit } from '../utils/labelmapEdit';
import { clearProfile, loadProfile, profileExport, saveProfile } from '../utils/profileStore';
import { propagateOnto, slicesFrom } from '../utils/propagation';
import { pixelFromImageCoords, toSliceImage, unsupportedImageReason } from '../utils/sliceImage';
import { SPA_MODALITIES } from '../utils/studyModalities';
import { addStructureSegment, ensureSegmentation, labelmapSliceFor, structureRgb, undoSlice, writeSlice } from './labelmap';

interface Engine {
  session: SpaSession;
  imageId: string;
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export class SpaController {
  private readonly engines = new Map<string, Engine>();
  /** Latest request per viewport: older answers are dropped (the latest click wins). */
  private readonly requests = new Map<string, number>();
  private requestCounter = 0;
  /** SPA labelmap per display set. */
  private readonly segmentations = new Map<string, string>();
  /** Labelmap edits per `${structureKey}|${imageId}`, oldest first. */
  private readonly edits = new Map<string, SliceEdit[]>();
  private propagationToken = 0;
  private structureCounter = 0;
  /** Display sets whose image notice (MR, anisotropic pixels) the user has already seen. */
  private readonly noticed = new Set<string>();

  constructor(private readonly services: () => Services) {}

  private get spa() {
    return this.services().spaService;
  }

  private get segmentationService(): SegmentationService {
    return this.services().segmentationService as SegmentationService;
  }

  // ---- model ---------------------------------------------------------------------------

  /** Loads the model (once per page) and reports progress, provider and threads in the panel. */
  async loadModel(): Promise<LoadedSpaModel> {
    const spa = this.spa;
    const epoch = spa.currentEpoch();
    const report = (status: Parameters<typeof spa.setModelStatus>[0]) => spa.isCurrent(epoch) && spa.setModelStatus(status);
    if (spa.getState().modelStatus.state !== 'ready') report({ state: 'loading', message: 'Loading the model…', progress: 0 });
    try {
      const loaded = await loadSpaModel(spa.getConfig(), p => {
        if (p.stage === 'download' && p.totalBytes > 0) {
          report({ state: 'loading', message: 'Downloading the model…', progress: Math.min(1, p.loadedBytes / p.totalBytes) });
        } else if (p.stage === 'verify' || p.stage === 'session') {
          report({ state: 'loading', message: 'Starting the ONNX runtime…', progress: 1 });
        }
      });
      const { name, version } = loaded.model.contract as { name: string; version?: string };
      report({
        state: 'ready',
        message: `Model ${[name, version].filter(Boolean).join(' ')} ready`,
        provider: loaded.provider,
        threads: loaded.threads,
        notice: loaded.notice,
      });
      if (spa.isCurrent(epoch) && !spa.getState().profile) spa.setProfile(this.storedProfile(loaded.model));
      return loaded;
    } catch (err) {
      const reason = err instanceof ModelLoadError ? err.message : `The ONNX runtime failed: ${(err as Error).message}`;
      report({ state: 'error', message: `The model could not be loaded. ${reason}` });
      throw err;
    }
  }

  private storedProfile(model: Predictor): PreferenceProfile {
    return loadProfile(storage(), model.contract.name, model.contract.components);
  }

  private profileFor(model: Predictor): PreferenceProfile {
    const current = this.spa.getState().profile;
    if (current && current.model === model.contract.name && current.piM.length === model.contract.components) return current;
    return this.storedProfile(model);
  }

  private keepProfile(profile: PreferenceProfile): void {
    saveProfile(storage(), profile);
    this.spa.setProfile(profile);
  }

  // ---- errors --------------------------------------------------------------------------

  private fail(problem: string, message: string, viewportId?: string): void {
    const error: SpaError = { problem, message, viewportId };
    this.spa.setError(error);
  }

  private report(err: unknown, viewportId?: string): void {
    if (err instanceof SpaCancelledError) return;
    if (err instanceof SpaInputError) return this.fail(err.problem, err.message, viewportId);
    if (err instanceof ModelLoadError) return this.fail('model-load', err.message, viewportId);
    console.error('[SPA for OHIF]', err);
    this.fail('internal', `SPA failed: ${(err as Error)?.message ?? String(err)}`, viewportId);
  }

  dismissError(): void {
    this.spa.setError(null);
  }

  // ---- the loop ------------------------------------------------------------------------

  private displaySetFor(viewportId: string): DisplaySet | undefined {
    const { viewportGridService, displaySetService } = this.services();
    const uid = viewportGridService.getDisplaySetsUIDsForViewport(viewportId)?.[0];
    return uid ? displaySetService.getDisplaySetByUID(uid) : undefined;
  }

  private nextRequest(viewportId: string): number {
    const id = ++this.requestCounter;
    this.requests.set(viewportId, id);
    return id;
  }

  private isLatest(viewportId: string, request: number): boolean {
    return this.requests.get(viewportId) === request;
  }

  /**
   * A point from the SPA tool. On a slice without a session (or another slice) it starts a
   * new structure; on the session's slice it adds a click. Bad input changes nothing and
   * says why in the panel.
   */
  async click({ viewportId, canvasPoint, positive }: { viewportId: string; canvasPoint: Point2; positive: boolean }): Promise<void> {
    const clickAt = performance.now();
    const spa = this.spa;
    const viewport = getViewport(viewportId);
    const imageId = viewport?.getCurrentImageId?.();
    if (!viewport || !imageId) return this.fail('no-image', 'This viewport shows no image to segment.', viewportId);
    const displaySet = this.displaySetFor(viewportId);
    const modality = (displaySet?.Modality ?? '').toUpperCase();
    if (!(SPA_MODALITIES as readonly string[]).includes(modality)) {
      return this.fail('unsupported-series', `SPA segments CT or MR images; this series is ${modality || 'of unknown modality'}. Open a CT or MR series.`, viewportId);
    }
    // The DICOM attributes decide first: multi-frame, colour, missing PixelSpacing are refused
    // (cornerstone would otherwise assume 1 mm pixels), MR and anisotropic pixels get a notice.
    const instance = cs().metaData.get('instance', imageId);
    if (instance) {
      try {
        const { notice } = checkImageSupport(describeDicomImage(instance));
        if (notice && !this.noticed.has(displaySet!.displaySetInstanceUID)) {
          this.noticed.add(displaySet!.displaySetInstanceUID);
          this.services().uiNotificationService?.show({ title: 'SPA', message: notice, type: 'info' });
        }
      } catch (err) {
        if (err instanceof SpaInputError) return this.fail(err.problem, err.message, viewportId);
        throw err;
      }
    }
    const image = this.currentImage(viewport, imageId);
    const unsupported = image ? unsupportedImageReason(image) : 'The image has not loaded yet; wait for it and click again.';
    if (unsupported || !image) return this.fail('unsupported-image', unsupported!, viewportId);
    const world = viewport.canvasToWorld(canvasPoint);
    const pixel = pixelFromImageCoords(cs().utilities.worldToImageCoords(imageId, world), image.rows, image.columns);
    if (!pixel.inside) {
      return this.fail('click-outside-image', `The click is outside the image (${image.rows} x ${image.columns} pixels); click on the structure itself.`, viewportId);
    }
    spa.setError(null);

    const request = this.nextRequest(viewportId);
    const before = spa.getSession(viewportId);
    const engine = this.engines.get(viewportId);
    const sameStructure = !!(before?.result && engine && engine.imageId === imageId && before.imageId === imageId);
    const imageIndex = viewport.getCurrentImageIdIndex?.() ?? 0;
    if (sameStructure) spa.updateSession(viewportId, { busy: true, clickAt });
    else {
      spa.setSession(viewportId, {
        viewportId,
        displaySetInstanceUID: displaySet!.displaySetInstanceUID,
        imageId,
        imageIndex,
        result: null,
        busy: true,
        clickAt,
      });
    }
    const click = { row: pixel.row, col: pixel.col, positive };
    try {
      let result: RoundResult;
      let session: SpaSession;
      if (sameStructure) {
        session = engine!.session;
        result = await session.addClick(click);
      } else {
        const { predictor } = await this.loadModel();
        const slice: SliceImage = toSliceImage(image);
        const { candidates, samples } = spa.getConfig();
        session = new SpaSession(predictor, { candidates, samples }, this.profileFor(predictor));
        result = await session.start(slice, click);
      }
      if (!this.isLatest(viewportId, request)) return;
      this.engines.set(viewportId, { session, imageId });
      spa.setSession(viewportId, {
        ...(sameStructure ? spa.getSession(viewportId)! : { viewportId, displaySetInstanceUID: displaySet!.displaySetInstanceUID, imageId, imageIndex }),
        result,
        busy: false,
        clickAt,
        resultAt: performance.now(),
      } as ViewportSession);
      if (sameStructure) this.keepProfile(session.preferenceProfile);
    } catch (err) {
      if (err instanceof SpaCancelledError || !this.isLatest(viewportId, request)) return;
      // Nothing changes: the viewport keeps the session it had before this click.
      spa.setSession(viewportId, before ? { ...before, busy: false } : null);
      this.report(err, viewportId);
    }
  }

  private currentImage(viewport: CsViewport, imageId: string): CsImage | undefined {
    return viewport.getCornerstoneImage?.() ?? cs().cache.getImage(imageId);
  }

  private requireEngine(viewportId: string): { engine: Engine; session: ViewportSession } | null {
    const engine = this.engines.get(viewportId);
    const session = this.spa.getSession(viewportId);
    if (!engine || !session?.result) {
      this.fail('no-session', 'Click on a structure with the SPA point tool first.', viewportId);
      return null;
    }
    return { engine, session };
  }

  /** The user picked candidate k (0-based) or the recommendation. */
  async choose({ viewportId, candidate }: { viewportId: string; candidate: number | 'recommendation' }): Promise<void> {
    const found = this.requireEngine(viewportId);
    if (!found) return;
    const clickAt = performance.now();
    const request = this.nextRequest(viewportId);
    this.spa.setError(null);
    this.spa.updateSession(viewportId, { busy: true, clickAt });
    try {
      const result = await found.engine.session.choose(candidate);
      if (!this.isLatest(viewportId, request)) return;
      this.spa.updateSession(viewportId, { result, busy: false, clickAt, resultAt: performance.now() });
      this.spa.setPreview(null);
      this.keepProfile(found.engine.session.preferenceProfile);
    } catch (err) {
      if (err instanceof SpaCancelledError || !this.isLatest(viewportId, request)) return;
      this.spa.updateSession(viewportId, { busy: false });
      this.report(err, viewportId);
    }
  }

  /** Back to the previous round (the preference goes back with it). */
  undo({ viewportId }: { viewportId: string }): void {
    const found = this.requireEngine(viewportId);
    if (!found) return;
    this.nextRequest(viewportId);
    const result = found.engine.session.undo();
    if (!result) return this.fail('nothing-to-undo', 'This is the first round; there is nothing to undo. Reset to start over.', viewportId);
    this.spa.setError(null);
    this.spa.updateSession(viewportId, { result, busy: false });
    this.keepProfile(found.engine.session.preferenceProfile);
  }

  /** Drops the viewport's candidates (approved slices stay in the labelmap). */
  reset({ viewportId }: { viewportId: string }): void {
    this.nextRequest(viewportId);
    this.engines.get(viewportId)?.session.reset();
    this.engines.delete(viewportId);
    this.spa.setError(null);
    this.spa.setPreview(null);
    this.spa.setSession(viewportId, null);
  }

  // ---- approve, propagate ----------------------------------------------------------------

  private editKey(structureKey: string, imageId: string): string {
    return `${structureKey}|${imageId}`;
  }

  private upsertSlice(structure: ApprovedStructure, slice: ApprovedStructure['slices'][number]): ApprovedStructure {
    const slices = structure.slices.filter(s => s.imageId !== slice.imageId);
    slices.push(slice);
    slices.sort((a, b) => a.imageIndex - b.imageIndex);
    return { ...structure, slices };
  }

  private replaceStructure(next: ApprovedStructure): void {
    const list = this.spa.getState().structures;
    const exists = list.some(s => s.key === next.key);
    this.spa.setStructures(exists ? list.map(s => (s.key === next.key ? next : s)) : [...list, next]);
  }

  private writeStructureSlice(structure: ApprovedStructure, imageId: string, imageIndex: number, source: ApprovedSlice['source'], mask: Uint8Array): void {
    const edit = writeSlice(structure.segmentationId, structure.segmentIndex, imageId, mask, () =>
      this.syncSliceWithLabelmap(structure.key, imageId, imageIndex, source)
    );
    const key = this.editKey(structure.key, imageId);
    this.edits.set(key, [...(this.edits.get(key) ?? []), edit]);
  }

  /** After OHIF's Undo/Redo changed a slice of a structure: list it as the labelmap now has it. */
  private syncSliceWithLabelmap(structureKey: string, imageId: string, imageIndex: number, source: ApprovedSlice['source']): void {
    const structure = this.spa.getState().structures.find(s => s.key === structureKey);
    if (!structure) return;
    let pixels = 0;
    try {
      pixels = countOn(segmentMask(labelmapSliceFor(structure.segmentationId, imageId), structure.segmentIndex));
    } catch {
      // The segmentation is gone (removed in OHIF): list nothing for it.
    }
    const without = { ...structure, slices: structure.slices.filter(s => s.imageId !== imageId) };
    this.replaceStructure(pixels ? this.upsertSlice(without, { imageId, imageIndex, source, pixels }) : without);
  }

  /**
   * A viewport that now shows another series (or is gone) loses its session; what was
   * approved stays in the labelmap and in the list.
   */
  dropStaleSessions(): void {
    for (const session of Object.values(this.spa.getState().sessions)) {
      const displaySet = this.displaySetFor(session.viewportId);
      if (displaySet?.displaySetInstanceUID !== session.displaySetInstanceUID) this.reset({ viewportId: session.viewportId });
    }
  }

  /**
   * Writes the current recommendation (or candidate k) on the session's slice into the SPA
   * labelmap of the display set, as the session's structure (a new segment the first time).
   */
  async approve({ viewportId, candidate }: { viewportId: string; candidate?: number }): Promise<void> {
    const found = this.requireEngine(viewportId);
    if (!found) return;
    const { engine, session } = found;
    const spa = this.spa;
    try {
      const { maskRowsCols } = engine.session.approve(candidate);
      const pixels = countOn(maskRowsCols);
      if (!pixels) return this.fail('empty-mask', 'The mask to approve is empty; click on the structure or choose a candidate.', viewportId);
      const displaySet = this.services().displaySetService.getDisplaySetByUID(session.displaySetInstanceUID);
      if (!displaySet) return this.fail('no-series', 'The series of this session is no longer loaded.', viewportId);
      let structure = spa.getState().structures.find(s => s.key === session.structureKey);
      const label = structure?.label ?? `Nodule ${this.nextStructureNumber(session.displaySetInstanceUID)}`;
      const { segmentationId, created } = await ensureSegmentation(
        this.segmentationService,
        displaySet,
        viewportId,
        structure?.segmentationId ?? this.segmentations.get(session.displaySetInstanceUID),
        label
      );
      this.segmentations.set(session.displaySetInstanceUID, segmentationId);
      if (!structure || structure.segmentationId !== segmentationId) {
        const segmentIndex = created ? 1 : this.segmentationService.getNextAvailableSegmentIndex(segmentationId);
        const n = ++this.structureCounter;
        structure = {
          key: `structure-${n}`,
          label,
          rgb: structureRgb(segmentIndex),
          displaySetInstanceUID: session.displaySetInstanceUID,
          segmentationId,
          segmentIndex,
          slices: [],
        };
        addStructureSegment(this.segmentationService, viewportId, segmentationId, segmentIndex, label, structure.rgb, created);
      }
      this.writeStructureSlice(structure, session.imageId, session.imageIndex, 'approved', maskRowsCols);
      this.replaceStructure(this.upsertSlice(structure, { imageId: session.imageId, imageIndex: session.imageIndex, source: 'approved', pixels }));
      spa.updateSession(viewportId, { structureKey: structure.key });
      spa.setError(null);
      this.keepProfile(engine.session.preferenceProfile);
    } catch (err) {
      this.report(err, viewportId);
    }
  }

  private nextStructureNumber(displaySetInstanceUID: string): number {
    const taken = this.spa
      .getState()
      .structures.filter(s => s.displaySetInstanceUID === displaySetInstanceUID)
      .map(s => Number(/(\d+)$/.exec(s.label)?.[1] ?? 0));
    return Math.max(0, ...taken) + 1;
  }

  /**
   * Carries the viewport's approved structure to the neighbouring slices, both directions:
   * the approved mask's centroid is the click, the learned preference shapes the samples,
   * and of the recommendation and the candidates the mask that best continues the previous
   * slice is taken;
   * each direction stops at an empty or implausible prediction or the configured limit.
   * Every slice is written as its own edit (reviewable, undoable one by one).
   */
  async propagate({ viewportId }: { viewportId: string }): Promise<void> {
    const spa = this.spa;
    const session = spa.getSession(viewportId);
    const structure = spa.getState().structures.find(s => s.key === session?.structureKey);
    const viewport = getViewport(viewportId);
    if (!session || !structure || !viewport) {
      return this.fail('not-approved', 'Approve the structure on this slice first; propagation starts from an approved mask.', viewportId);
    }
    const imageIds = viewport.getImageIds?.() ?? [];
    const start = imageIds.indexOf(session.imageId);
    if (start < 0) return this.fail('no-image', 'The approved slice is not in this viewport.', viewportId);
    const token = ++this.propagationToken;
    const epoch = spa.currentEpoch();
    const live = () => token === this.propagationToken && spa.isCurrent(epoch);
    spa.setError(null);
    spa.setPropagation({ structureKey: structure.key, running: true, message: 'Propagating…' });
    const notes: string[] = [];
    let added = 0;
    try {
      const { predictor } = await this.loadModel();
      const startMask = segmentMask(labelmapSliceFor(structure.segmentationId, session.imageId), structure.segmentIndex);
      const limit = spa.getConfig().propagationLimit;
      let largest = countOn(startMask);
      for (const direction of [1, -1] as const) {
        let previous = startMask;
        let stopped = `reached the limit of ${limit} slices`;
        for (const index of slicesFrom(start, direction, imageIds.length, limit)) {
          if (!live()) return;
          const imageId = imageIds[index];
          const image = await cs().imageLoader.loadAndCacheImage(imageId);
          const slice = toSliceImage(image);
          const { candidates, samples } = spa.getConfig();
          const verdict = await propagateOnto(predictor, slice, previous, largest, { candidates, samples }, this.profileFor(predictor));
          if (!live()) return;
          if (!verdict.accept) {
            stopped = `stopped at image ${index + 1}: ${verdict.reason}`;
            break;
          }
          const current = spa.getState().structures.find(s => s.key === structure.key) ?? structure;
          this.writeStructureSlice(current, imageId, index, 'propagated', verdict.mask);
          this.replaceStructure(this.upsertSlice(current, { imageId, imageIndex: index, source: 'propagated', pixels: verdict.pixels }));
          added++;
          previous = verdict.mask;
          largest = Math.max(largest, verdict.pixels);
          spa.setPropagation({ structureKey: structure.key, running: true, message: `Propagating… image ${index + 1} (${verdict.pixels} px)` });
        }
        notes.push(`${direction > 0 ? 'forward' : 'backward'}: ${stopped}`);
      }
      spa.setPropagation({ structureKey: structure.key, running: false, message: `Propagated to ${added} slice${added === 1 ? '' : 's'} (${notes.join('; ')})` });
    } catch (err) {
      if (!live()) return;
      spa.setPropagation({ structureKey: structure.key, running: false, message: `Propagation stopped after ${added} slices` });
      this.report(err, viewportId);
    }
  }

  cancelPropagation(): void {
    this.propagationToken++;
    const p = this.spa.getState().propagation;
    if (p?.running) this.spa.setPropagation({ ...p, running: false, message: 'Propagation cancelled' });
  }

  /** Takes one slice of a structure out of the labelmap (all of its edits, newest first). */
  undoStructureSlice({ structureKey, imageId }: { structureKey: string; imageId: string }): void {
    const structure = this.spa.getState().structures.find(s => s.key === structureKey);
    if (!structure) return;
    const key = this.editKey(structureKey, imageId);
    const edits = this.edits.get(key) ?? [];
    try {
      for (const edit of [...edits].reverse()) undoSlice(structure.segmentationId, structure.segmentIndex, imageId, edit);
    } catch (err) {
      return this.report(err);
    }
    this.edits.delete(key);
    this.replaceStructure({ ...structure, slices: structure.slices.filter(s => s.imageId !== imageId) });
  }

  /** Shows image `imageIndex` in the viewport (to review a propagated slice). */
  async showSlice({ viewportId, imageIndex }: { viewportId: string; imageIndex: number }): Promise<void> {
    await getViewport(viewportId)?.setImageIdIndex?.(imageIndex);
  }

  // ---- preference ------------------------------------------------------------------------

  resetProfile(): void {
    const current = this.spa.getState().profile;
    if (!current) return;
    clearProfile(storage(), current.model);
    this.spa.setProfile({ ...current, piM: current.piM.map(() => 1 / current.piM.length), choices: 0, updatedAt: new Date().toISOString() });
  }

  exportProfile(): void {
    const profile = this.spa.getState().profile;
    if (!profile) return this.fail('no-profile', 'No preference learned yet: load the model by clicking a structure first.');
    const { fileName, json } = profileExport(profile);
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** Mode exit: forget sessions and stop background work (the labelmaps belong to OHIF). */
  clear(): void {
    this.propagationToken++;
    this.engines.forEach(e => e.session.reset());
    this.engines.clear();
    this.requests.clear();
    this.segmentations.clear();
    this.edits.clear();
  }
}
