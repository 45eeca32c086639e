/**
 * The small part of OHIF's service and manager API that this extension uses.
 * @ohif/core is not importable as source here (the registry ships only UMD builds), so
 * these interfaces state what we rely on; each was checked against the @ohif/app 3.13.2
 * bundle (viewer/dist-host, unminified).
 */
export interface Subscription {
  unsubscribe: () => void;
}

export interface PubSub {
  EVENTS: Record<string, string>;
  subscribe(event: string, callback: (payload: any) => void): Subscription;
}

export interface DisplaySet {
  displaySetInstanceUID: string;
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  SeriesDescription?: string;
  SeriesNumber?: number | string;
  Modality?: string;
  numImageFrames?: number;
  isReconstructable?: boolean;
}

export interface DisplaySetService extends PubSub {
  getDisplaySetByUID(uid: string): DisplaySet | undefined;
  getActiveDisplaySets(): DisplaySet[];
}

export interface ViewportGridService extends PubSub {
  getActiveViewportId(): string;
  getDisplaySetsUIDsForViewport(viewportId: string): string[] | undefined;
}

export type PanelPosition = 'left' | 'right' | 'bottom';

export interface PanelService extends PubSub {
  activatePanel(panelId: string, forceActive?: boolean): void;
  getPanels(position: PanelPosition): Array<{ id: string }>;
  setPanels(
    panels: Partial<Record<PanelPosition, string[]>>,
    options?: { leftPanelClosed?: boolean; rightPanelClosed?: boolean }
  ): void;
}

export interface ToolbarService extends PubSub {
  register(buttons: unknown[], replace?: boolean): void;
  updateSection(key: string, buttonIds: string[]): void;
  sections: { primary: string } & Record<string, unknown>;
}

export interface UINotificationService {
  show(options: { title: string; message: string; type?: 'info' | 'success' | 'warning' | 'error'; duration?: number }): void;
}

export interface Services {
  displaySetService: DisplaySetService;
  viewportGridService: ViewportGridService;
  panelService: PanelService;
  toolbarService: ToolbarService;
  uiNotificationService: UINotificationService;
  spaService: import('./services/SpaService').default;
  [name: string]: unknown;
}

export interface ServicesManager {
  services: Services;
  registerService(registration: ServiceRegistration<unknown>, configuration?: unknown): void;
}

export interface CommandsManager {
  runCommand(commandName: string, options?: Record<string, unknown>, contextName?: string): unknown;
}

export interface ExtensionManager {
  getModuleEntry(id: string): unknown;
}

export interface ServiceRegistration<T> {
  name: string;
  altName?: string;
  create(params: {
    configuration?: unknown;
    servicesManager: ServicesManager;
    commandsManager: CommandsManager;
    extensionManager: ExtensionManager;
  }): T;
}

/** `window.config.spa` in app-config.js. */
export interface SpaAppConfig {
  /** URL of the model's JSON contract (inputs, outputs, preprocessing). */
  modelContractUrl: string;
  /** Folder URL of onnxruntime-web's dist files (.wasm, .mjs), ending in '/'. */
  ortWasmPaths: string;
  /** Candidates shown per round (K, 2..6). */
  candidates: number;
  /** Samples drawn per round (N). */
  samples: number;
  /**
   * Grid symmetries (1, 2, 4 or 8) the model sees each crop under, outputs averaged: more is
   * more accurate and costs one model pass each (capped at what the model declares).
   */
  testTimeViews: number;
  /** Slices at most that propagation visits in each direction. */
  propagationLimit: number;
  /**
   * Load the model when the SPA mode opens, so the first click does not wait for it
   * (false: it loads on the first click or on the panel's Load now).
   */
  preloadModel: boolean;
}

export interface AppConfig {
  spa?: Partial<SpaAppConfig>;
  [key: string]: unknown;
}

export interface ExtensionParams {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
  extensionManager: ExtensionManager;
  appConfig?: AppConfig;
  configuration?: Partial<SpaAppConfig>;
}

/** OHIF's segmentationService (extension-cornerstone), the part SPA writes through. */
export interface SegmentationService extends PubSub {
  createLabelmapForDisplaySet(
    displaySet: DisplaySet,
    options: { label?: string; segmentationId?: string; segments?: Record<number, { label: string; active?: boolean }> }
  ): Promise<string>;
  addSegmentationRepresentation(viewportId: string, options: { segmentationId: string; type?: string }): Promise<void>;
  getSegmentation(segmentationId: string): unknown | undefined;
  getSegmentationRepresentations(viewportId: string, specifier?: { segmentationId?: string }): unknown[];
  addSegment(segmentationId: string, config: { segmentIndex?: number; label?: string; active?: boolean }): void;
  setSegmentColor(viewportId: string, segmentationId: string, segmentIndex: number, color: number[]): void;
  getNextAvailableSegmentIndex(segmentationId: string): number;
  setActiveSegmentation(viewportId: string, segmentationId: string): void;
}

/** OHIF's viewport grid state (viewports by id, with their display sets). */
export interface ViewportGridState {
  activeViewportId: string | null;
  viewports: Map<string, { viewportId: string; displaySetInstanceUIDs?: string[] }>;
}
