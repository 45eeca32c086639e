import PubSubService from '../services/PubSubService';
import type { ServiceRegistration, ServicesManager, UINotificationService } from '../types';
import { buildSpaSeg, downloadBytes, fetchModelIdentity, savableSegmentations, type ModelIdentity, type SpaSeg } from './segExport';
import { describeStoreTarget, storePart10, type StoreTarget } from './segStore';
import type { CornerstoneLike, SegExtensionManager, SegHost, SegmentationServiceLike } from './types';

/**
 * - `idle`: nothing saved yet in this session; `saving`: generating or sending;
 * - `saved`: the PACS took the SEG; `failed`: generating or sending failed (the SEG that
 *   failed to send is kept for Retry and Download).
 */
export type SegSavePhase = 'idle' | 'saving' | 'saved' | 'failed';

export interface SegSaveState {
  phase: SegSavePhase;
  /** One line for the user (the status line of the panel). */
  message: string;
  /** Whether the active data source can store, and why not. */
  target: StoreTarget;
  /** Whether the viewer holds a segmentation that could be saved (made in the viewer, not opened from a SEG). */
  hasSegmentation: boolean;
  /** The SEG that failed to reach the PACS (Retry sends it again, Download saves it). */
  pending: { seriesInstanceUID: string; fileName: string } | null;
  lastSaved: { studyInstanceUID: string; seriesInstanceUID: string; seriesDescription: string } | null;
  /** Result of the last download (file name, or the reason it failed). */
  download: { ok: boolean; message: string } | null;
}

export interface SegSaveConfig {
  /** URL of the model's JSON contract (its name and version go into the SEG). */
  modelContractUrl: string;
  /** STOW-RS timeout. */
  segStoreTimeoutMs: number;
}

export const DEFAULT_SEG_SAVE_CONFIG: SegSaveConfig = {
  modelContractUrl: '/models/spa-lidc.json',
  segStoreTimeoutMs: 60000,
};

const EVENTS = {
  STATE_CHANGED: 'event::spaSegSaveService:stateChanged',
} as const;

export type SegSaveEventPayloads = { STATE_CHANGED: SegSaveState };

const NO_TARGET: StoreTarget = { canStore: false, name: 'the data source', reason: 'Data source not known yet' };

const INITIAL_STATE: SegSaveState = {
  phase: 'idle',
  message: 'Not saved',
  target: NO_TARGET,
  hasSegmentation: false,
  pending: null,
  lastSaved: null,
  download: null,
};

interface HostManagers {
  servicesManager: ServicesManager;
  extensionManager: SegExtensionManager;
  commandsManager: SegHost['commandsManager'];
}

/**
 * Saving the approved segmentation as DICOM SEG: to the active data source by STOW-RS,
 * or as a downloaded file. Holds the save status the panel shows; commands call
 * save / retry / download, the panel only reads the state.
 */
export default class SegSaveService extends PubSubService<SegSaveEventPayloads> {
  static REGISTRATION: ServiceRegistration<SegSaveService> = {
    name: 'spaSegSaveService',
    altName: 'SpaSegSaveService',
    create: ({ configuration, servicesManager, extensionManager, commandsManager }) =>
      new SegSaveService(
        { servicesManager, extensionManager: extensionManager as unknown as SegExtensionManager, commandsManager },
        configuration as Partial<SegSaveConfig> | undefined
      ),
  };
  static EVENTS = EVENTS;

  private readonly config: SegSaveConfig;
  private state: SegSaveState = INITIAL_STATE;
  /** The SEG that failed to store, kept byte for byte for Retry and Download. */
  private pendingSeg: SpaSeg | null = null;
  private trackers: Array<{ unsubscribe: () => void }> = [];
  private model: Promise<ModelIdentity> | null = null;

  constructor(
    private readonly host: HostManagers,
    config: Partial<SegSaveConfig> = {}
  ) {
    super(EVENTS);
    const defined = Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== undefined));
    this.config = { ...DEFAULT_SEG_SAVE_CONFIG, ...defined } as SegSaveConfig;
  }

  getConfig(): Readonly<SegSaveConfig> {
    return this.config;
  }

  getState(): Readonly<SegSaveState> {
    return this.state;
  }

  private setState(patch: Partial<SegSaveState>): void {
    this.state = { ...this.state, ...patch };
    this._broadcastEvent(EVENTS.STATE_CHANGED, this.state);
  }

  private segHost(): SegHost {
    const services = this.host.servicesManager.services as unknown as SegHost['services'];
    const cornerstone = (globalThis as unknown as { cornerstone?: CornerstoneLike }).cornerstone;
    if (!cornerstone?.cache) throw new Error('cornerstone is not initialised (window.cornerstone missing)');
    return { services, extensionManager: this.host.extensionManager, commandsManager: this.host.commandsManager, cornerstone };
  }

  private notify(type: 'success' | 'error' | 'info', message: string): void {
    const ui = this.host.servicesManager.services.uiNotificationService as UINotificationService | undefined;
    ui?.show({ title: 'SPA: DICOM SEG', message, type, duration: type === 'error' ? 10000 : 4000 });
  }

  /** Re-reads the store target and whether a segmentation exists. */
  refresh(): void {
    const services = this.host.servicesManager.services as unknown as SegHost['services'];
    const hasSegmentation = Boolean(services.segmentationService && savableSegmentations({ services }).length);
    const target = describeStoreTarget(this.host.extensionManager);
    const same =
      hasSegmentation === this.state.hasSegmentation &&
      target.canStore === this.state.target.canStore &&
      target.reason === this.state.target.reason &&
      target.name === this.state.target.name;
    if (!same) this.setState({ hasSegmentation, target });
  }

  /**
   * Follows segmentation changes (while a panel shows this state); returns the function
   * that stops following. Each call adds its own subscriptions and its stop removes them.
   */
  track(): () => void {
    const segmentationService = this.host.servicesManager.services.segmentationService as unknown as SegmentationServiceLike | undefined;
    const subs: Array<{ unsubscribe: () => void }> = [];
    if (segmentationService) {
      const { SEGMENTATION_ADDED, SEGMENTATION_REMOVED, SEGMENTATION_MODIFIED } = segmentationService.EVENTS;
      for (const event of [SEGMENTATION_ADDED, SEGMENTATION_REMOVED, SEGMENTATION_MODIFIED].filter(Boolean)) {
        subs.push(segmentationService.subscribe(event, () => this.refresh()));
      }
    }
    this.trackers.push(...subs);
    this.refresh();
    return () => {
      subs.forEach(s => s.unsubscribe());
      this.trackers = this.trackers.filter(t => !subs.includes(t));
    };
  }

  private modelIdentity(): Promise<ModelIdentity> {
    this.model ??= fetchModelIdentity(this.config.modelContractUrl).catch(error => {
      this.model = null;
      throw error;
    });
    return this.model;
  }

  private async build(segmentationId?: string): Promise<SpaSeg> {
    const model = await this.modelIdentity();
    return buildSpaSeg(this.segHost(), { segmentationId, model });
  }

  /** Generates a SEG with a new series and stores it in the active data source. */
  async save({ segmentationId }: { segmentationId?: string } = {}): Promise<boolean> {
    if (this.state.phase === 'saving') return false;
    this.refresh();
    const { target } = this.state;
    if (!target.canStore) {
      this.setState({ message: `Cannot save to the PACS: ${target.reason}` });
      return false;
    }
    this.setState({ phase: 'saving', message: 'Saving: generating the DICOM SEG…' });
    let seg: SpaSeg;
    try {
      seg = await this.build(segmentationId);
    } catch (error) {
      const message = `Save failed: could not generate the SEG (${(error as Error).message})`;
      this.setState({ phase: 'failed', message });
      this.notify('error', message);
      return false;
    }
    return this.send(seg);
  }

  /** Sends the SEG that failed again (same object, same UIDs). */
  async retry(): Promise<boolean> {
    if (this.state.phase === 'saving') return false;
    if (!this.pendingSeg) return this.save();
    return this.send(this.pendingSeg);
  }

  private async send(seg: SpaSeg): Promise<boolean> {
    const dataSource = this.host.extensionManager.getActiveDataSource()?.[0];
    this.setState({ phase: 'saving', message: `Saving to ${this.state.target.name}…` });
    try {
      if (!dataSource) throw new Error('no active data source');
      await storePart10(dataSource, seg.part10, this.config.segStoreTimeoutMs);
    } catch (error) {
      this.pendingSeg = seg;
      const message = `Save failed: ${(error as Error).message}. The segmentation is still in the viewer; Retry or Download SEG.`;
      this.setState({ phase: 'failed', message, pending: { seriesInstanceUID: seg.seriesInstanceUID, fileName: seg.fileName } });
      this.notify('error', message);
      return false;
    }
    this.pendingSeg = null;
    // Let the next study load see the new series.
    dataSource.deleteStudyMetadataPromise?.(seg.studyInstanceUID);
    this.showInStudyBrowser(seg);
    const empty = seg.emptySegmentLabels.length ? `, ${seg.emptySegmentLabels.length} empty` : '';
    const message = `Saved to ${this.state.target.name}: "${seg.seriesDescription}", ${seg.segmentLabels.length} segment(s)${empty}, series ${seg.seriesInstanceUID}`;
    this.setState({
      phase: 'saved',
      message,
      pending: null,
      lastSaved: { studyInstanceUID: seg.studyInstanceUID, seriesInstanceUID: seg.seriesInstanceUID, seriesDescription: seg.seriesDescription },
    });
    this.notify('success', `Saved SEG "${seg.seriesDescription}"`);
    return true;
  }

  /**
   * Adds the stored series to the study browser now (as OHIF's own SEG store does): its
   * display set loads the SEG from the PACS like any other. The save has succeeded either way.
   */
  private showInStudyBrowser(seg: SpaSeg): void {
    const displaySetService = (this.host.servicesManager.services as unknown as SegHost['services']).displaySetService;
    try {
      displaySetService?.makeDisplaySets?.([seg.dataset], { madeInClient: true });
    } catch (error) {
      console.warn(`SPA: the saved SEG ${seg.seriesInstanceUID} shows in the study browser after a reload (${(error as Error).message})`);
    }
  }

  /**
   * Downloads the SEG as a .dcm file: the one that failed to store when there is one,
   * otherwise a newly generated one.
   */
  async download({ segmentationId }: { segmentationId?: string } = {}): Promise<SpaSeg | null> {
    try {
      const seg = this.pendingSeg && !segmentationId ? this.pendingSeg : await this.build(segmentationId);
      downloadBytes(seg.part10, seg.fileName);
      this.setState({ download: { ok: true, message: `Downloaded ${seg.fileName}` } });
      return seg;
    } catch (error) {
      const message = `Download failed: ${(error as Error).message}`;
      this.setState({ download: { ok: false, message } });
      this.notify('error', message);
      return null;
    }
  }

  /** Removes every listener this service holds or added. */
  destroy(): void {
    this.trackers.forEach(s => s.unsubscribe());
    this.trackers = [];
    this.pendingSeg = null;
    this.reset();
  }
}
