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
  /** Whether the open study has a series SPA can segment (null until display sets load). */
  studyCheck: StudyCheck | null;
}

const EVENTS = {
  STATE_CHANGED: 'event::spaService:stateChanged',
  MODEL_STATUS_CHANGED: 'event::spaService:modelStatusChanged',
  ACTIVE_SERIES_CHANGED: 'event::spaService:activeSeriesChanged',
  STUDY_CHECK_CHANGED: 'event::spaService:studyCheckChanged',
} as const;

export type SpaEventPayloads = {
  STATE_CHANGED: SpaState;
  MODEL_STATUS_CHANGED: ModelStatus;
  ACTIVE_SERIES_CHANGED: ActiveSeries | null;
  STUDY_CHECK_CHANGED: StudyCheck | null;
};

export const DEFAULT_SPA_CONFIG: SpaAppConfig = {
  modelUrl: '/models/spa-lidc.onnx',
  modelContractUrl: '/models/spa-lidc.json',
  ortWasmPaths: '/onnxruntime-web/',
};

const INITIAL_STATE: SpaState = {
  modelStatus: { state: 'unknown', message: 'Model not checked yet' },
  activeSeries: null,
  studyCheck: null,
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

  setActiveSeries(activeSeries: ActiveSeries | null): void {
    const prev = this.state.activeSeries;
    if (prev?.displaySetInstanceUID === activeSeries?.displaySetInstanceUID && prev?.numImages === activeSeries?.numImages) {
      return;
    }
    this.state = { ...this.state, activeSeries };
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
