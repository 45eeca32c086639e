import { DEFAULT_TEST_TIME_VIEWS, GRID_SYMMETRY_COUNTS, type PreferenceProfile, type RoundResult } from '../../core';
import type { DisplaySet, ServiceRegistration, SpaAppConfig, Subscription } from '../types';
import type { StudyCheck } from '../utils/studyModalities';
import PubSubService from './PubSubService';

/**
 * Model lifecycle as the panel shows it.
 * - `unknown`: not checked yet; `checking`: looking for the model contract;
 * - `available`: contract found, model not loaded; `missing`: no model at the URL;
 * - `loading` / `ready` / `error`: set by the engine when it loads the model.
 */
export type ModelState = 'unknown' | 'checking' | 'available' | 'missing' | 'loading' | 'ready' | 'error';

export interface ModelStatus {
  state: ModelState;
  /** One line for the user. */
  message: string;
  /** 0..1 while loading, when the size is known. */
  progress?: number;
  /** Execution provider and thread count, once the model runs. */
  provider?: string;
  threads?: number;
  /** A remark for the user, e.g. why fewer threads run than could. */
  notice?: string;
}

/** A problem the user should see in the panel (data-testid spa-error). */
export interface SpaError {
  message: string;
  /** SpaInputError.problem or our own code, for tests and styling. */
  problem: string;
  viewportId?: string;
}

/** The SPA loop running in one viewport. */
export interface ViewportSession {
  viewportId: string;
  displaySetInstanceUID: string;
  /** The slice the structure is being segmented on. */
  imageId: string;
  imageIndex: number;
  /** The latest round; null while the first one computes. */
  result: RoundResult | null;
  /** A model run is in progress for this viewport. */
  busy: boolean;
  /** Set once approved: the structure this session's approvals go to. */
  structureKey?: string;
  /** performance.now() of the click or choice that started the current round, and of its result. */
  clickAt?: number;
  resultAt?: number;
}

/** One slice of an approved structure in the labelmap. */
export interface ApprovedSlice {
  imageId: string;
  imageIndex: number;
  source: 'approved' | 'propagated';
  pixels: number;
}

/** A structure written into an OHIF labelmap segmentation: one segment. */
export interface ApprovedStructure {
  key: string;
  label: string;
  rgb: [number, number, number];
  displaySetInstanceUID: string;
  segmentationId: string;
  segmentIndex: number;
  slices: ApprovedSlice[];
}

export interface PropagationStatus {
  structureKey: string;
  running: boolean;
  message: string;
}

/** What is previewed over the viewport: a candidate index or the recommendation. */
export type PreviewTarget = number | 'recommendation';

/** Click-to-candidates timing of one round, for the benchmark (performance.now() ms). */
export interface SpaTiming {
  viewportId: string;
  round: number;
  clickAt: number;
  resultAt: number;
  drawnAt: number;
  clickToDrawnMs: number;
}

/** The series SPA would work on: the one shown in the active viewport. */
export interface ActiveSeries {
  displaySetInstanceUID: string;
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  modality?: string;
  description?: string;
  seriesNumber?: string;
  numImages?: number;
}

export interface SpaState {
  modelStatus: ModelStatus;
  activeSeries: ActiveSeries | null;
  /** The viewport SPA's panel and keys act on (OHIF's active viewport). */
  activeViewportId: string | null;
  /** Whether the open study has a series SPA can segment (null until display sets load). */
  studyCheck: StudyCheck | null;
  /** One SPA loop per viewport, keyed by viewport id. */
  sessions: Readonly<Record<string, ViewportSession>>;
  error: SpaError | null;
  preview: { viewportId: string; target: PreviewTarget } | null;
  showUncertainty: boolean;
  structures: readonly ApprovedStructure[];
  propagation: PropagationStatus | null;
  /** The learned preference (persisted per user in the browser). */
  profile: PreferenceProfile | null;
}

const EVENTS = {
  STATE_CHANGED: 'event::spaService:stateChanged',
  MODEL_STATUS_CHANGED: 'event::spaService:modelStatusChanged',
  ACTIVE_SERIES_CHANGED: 'event::spaService:activeSeriesChanged',
  STUDY_CHECK_CHANGED: 'event::spaService:studyCheckChanged',
  SESSION_CHANGED: 'event::spaService:sessionChanged',
  ERROR_CHANGED: 'event::spaService:errorChanged',
  PREVIEW_CHANGED: 'event::spaService:previewChanged',
  STRUCTURES_CHANGED: 'event::spaService:structuresChanged',
  PROFILE_CHANGED: 'event::spaService:profileChanged',
  /** A round's candidates were drawn in the panel (payload: SpaTiming). */
  CANDIDATES_DRAWN: 'event::spaService:candidatesDrawn',
} as const;

export type SpaEventPayloads = {
  STATE_CHANGED: SpaState;
  MODEL_STATUS_CHANGED: ModelStatus;
  ACTIVE_SERIES_CHANGED: ActiveSeries | null;
  STUDY_CHECK_CHANGED: StudyCheck | null;
  SESSION_CHANGED: ViewportSession | null;
  ERROR_CHANGED: SpaError | null;
  PREVIEW_CHANGED: SpaState['preview'];
  STRUCTURES_CHANGED: readonly ApprovedStructure[];
  PROFILE_CHANGED: PreferenceProfile | null;
  CANDIDATES_DRAWN: SpaTiming;
};

export const DEFAULT_SPA_CONFIG: SpaAppConfig = {
  modelContractUrl: '/models/spa-lidc.json',
  ortWasmPaths: '/onnxruntime-web/',
  candidates: 4,
  samples: 32,
  testTimeViews: DEFAULT_TEST_TIME_VIEWS,
  propagationLimit: 10,
  preloadModel: true,
};

const INITIAL_STATE: SpaState = {
  modelStatus: { state: 'unknown', message: 'The model loads on first use' },
  activeSeries: null,
  activeViewportId: null,
  studyCheck: null,
  sessions: {},
  error: null,
  preview: null,
  showUncertainty: false,
  structures: [],
  propagation: null,
  profile: null,
};

export function toActiveSeries(ds: DisplaySet): ActiveSeries {
  return {
    displaySetInstanceUID: ds.displaySetInstanceUID,
    StudyInstanceUID: ds.StudyInstanceUID,
    SeriesInstanceUID: ds.SeriesInstanceUID,
    modality: ds.Modality,
    description: ds.SeriesDescription,
    seriesNumber: ds.SeriesNumber === undefined ? undefined : String(ds.SeriesNumber),
    numImages: ds.numImageFrames,
  };
}

/**
 * Holds SPA's interaction state and tells subscribers when it changes. Commands change
 * it; panels only read it (through useSpaState) and call commands.
 */
export default class SpaService extends PubSubService<SpaEventPayloads> {
  static REGISTRATION: ServiceRegistration<SpaService> = {
    name: 'spaService',
    altName: 'SpaService',
    create: ({ configuration }) => new SpaService(configuration as Partial<SpaAppConfig> | undefined),
  };
  static EVENTS = EVENTS;

  private readonly config: SpaAppConfig;
  private state: SpaState = INITIAL_STATE;
  /** Subscriptions to other services, owned by this service and removed by destroy(). */
  private external: Subscription[] = [];
  /** Increases on every clear(), so async work started before it can tell it is stale. */
  private epoch = 0;

  constructor(config: Partial<SpaAppConfig> = {}) {
    super(EVENTS);
    this.config = { ...DEFAULT_SPA_CONFIG, ...config };
    if (!GRID_SYMMETRY_COUNTS.includes(this.config.testTimeViews)) {
      // A typo in app-config.js should not stop the viewer: say so and use the default.
      console.warn(
        `[SPA for OHIF] window.config.spa.testTimeViews must be 1, 2, 4 or 8, got ${String(this.config.testTimeViews)}; using ${DEFAULT_SPA_CONFIG.testTimeViews}`
      );
      this.config.testTimeViews = DEFAULT_SPA_CONFIG.testTimeViews;
    }
  }

  getConfig(): Readonly<SpaAppConfig> {
    return this.config;
  }

  getState(): Readonly<SpaState> {
    return this.state;
  }

  setModelStatus(modelStatus: ModelStatus): void {
    this.state = { ...this.state, modelStatus };
    this._broadcastEvent(EVENTS.MODEL_STATUS_CHANGED, modelStatus);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  setActiveSeries(activeSeries: ActiveSeries | null, activeViewportId: string | null = this.state.activeViewportId): void {
    const prev = this.state.activeSeries;
    if (
      prev?.displaySetInstanceUID === activeSeries?.displaySetInstanceUID &&
      prev?.numImages === activeSeries?.numImages &&
      activeViewportId === this.state.activeViewportId
    ) {
      return;
    }
    this.state = { ...this.state, activeSeries, activeViewportId };
    this._broadcastEvent(EVENTS.ACTIVE_SERIES_CHANGED, activeSeries);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  /** Records whether the open study can be segmented; returns true when it changed. */
  setStudyCheck(studyCheck: StudyCheck | null): boolean {
    const prev = this.state.studyCheck;
    if (prev?.valid === studyCheck?.valid && prev?.description === studyCheck?.description) return false;
    this.state = { ...this.state, studyCheck };
    this._broadcastEvent(EVENTS.STUDY_CHECK_CHANGED, studyCheck);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
    return true;
  }

  setSession(viewportId: string, session: ViewportSession | null): void {
    const sessions = { ...this.state.sessions };
    if (session) sessions[viewportId] = session;
    else delete sessions[viewportId];
    const preview = this.state.preview?.viewportId === viewportId && !session?.result ? null : this.state.preview;
    this.state = { ...this.state, sessions, preview };
    this._broadcastEvent(EVENTS.SESSION_CHANGED, session);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  /** Changes one viewport's session; no-op when it has none. */
  updateSession(viewportId: string, change: Partial<ViewportSession>): void {
    const current = this.state.sessions[viewportId];
    if (current) this.setSession(viewportId, { ...current, ...change });
  }

  getSession(viewportId: string): ViewportSession | undefined {
    return this.state.sessions[viewportId];
  }

  setError(error: SpaError | null): void {
    if (error === null && this.state.error === null) return;
    this.state = { ...this.state, error };
    this._broadcastEvent(EVENTS.ERROR_CHANGED, error);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  setPreview(preview: SpaState['preview']): void {
    const prev = this.state.preview;
    if (prev?.viewportId === preview?.viewportId && prev?.target === preview?.target) return;
    this.state = { ...this.state, preview };
    this._broadcastEvent(EVENTS.PREVIEW_CHANGED, preview);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  setShowUncertainty(showUncertainty: boolean): void {
    this.state = { ...this.state, showUncertainty };
    this._broadcastEvent(EVENTS.PREVIEW_CHANGED, this.state.preview);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  setStructures(structures: readonly ApprovedStructure[]): void {
    this.state = { ...this.state, structures };
    this._broadcastEvent(EVENTS.STRUCTURES_CHANGED, structures);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  setPropagation(propagation: PropagationStatus | null): void {
    this.state = { ...this.state, propagation };
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  setProfile(profile: PreferenceProfile | null): void {
    this.state = { ...this.state, profile };
    this._broadcastEvent(EVENTS.PROFILE_CHANGED, profile);
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  /**
   * The panel drew a round's candidates: emits CANDIDATES_DRAWN with the time from the
   * click (and, with `?spaDebug=1`, appends it to `window.__spaTimings`).
   */
  reportCandidatesDrawn(timing: Omit<SpaTiming, 'clickToDrawnMs'>): void {
    const full: SpaTiming = { ...timing, clickToDrawnMs: timing.drawnAt - timing.clickAt };
    const w = globalThis as { __spaTimings?: SpaTiming[]; location?: { search?: string } };
    if (w.location?.search && new URLSearchParams(w.location.search).get('spaDebug') === '1') {
      (w.__spaTimings ??= []).push(full);
    }
    this._broadcastEvent(EVENTS.CANDIDATES_DRAWN, full);
  }

  /** Keeps a subscription to another service until destroy(). */
  own(subscription: Subscription): void {
    this.external.push(subscription);
  }

  /** Token for async work: compare with `isCurrent(token)` before writing results back. */
  currentEpoch(): number {
    return this.epoch;
  }

  isCurrent(epoch: number): boolean {
    return epoch === this.epoch;
  }

  /** Drops owned subscriptions and returns to the initial state (on mode exit). */
  clear(): void {
    this.epoch++;
    this.external.forEach(s => s.unsubscribe());
    this.external = [];
    this.state = INITIAL_STATE;
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }


  /** Removes every listener this service holds or added. */
  destroy(): void {
    this.external.forEach(s => s.unsubscribe());
    this.external = [];
    this.reset();
  }
}
