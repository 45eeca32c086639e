import packageJson from '../../package.json';

/** Extension id: the package name, as OHIF extensions do. */
export const id: string = packageJson.name;
/** The mode's id (its module name in the import map). */
export const MODE_ID: string = packageJson.ohif.modeName;
export const VERSION: string = packageJson.version;

/** Full module ids, built from the extension id; the mode refers to them through this object. */
export const SPA_MODULES = {
  panel: `${id}.panelModule.spa`,
} as const;

export const SPA_COMMANDS = {
  showPanel: 'spaShowPanel',
  loadModel: 'spaLoadModel',
  click: 'spaClick',
  choose: 'spaChoose',
  undo: 'spaUndo',
  reset: 'spaReset',
  approve: 'spaApprove',
  propagate: 'spaPropagate',
  cancelPropagation: 'spaCancelPropagation',
  undoSlice: 'spaUndoSlice',
  showSlice: 'spaShowSlice',
  setPreview: 'spaSetPreview',
  toggleUncertainty: 'spaToggleUncertainty',
  resetProfile: 'spaResetProfile',
  exportProfile: 'spaExportProfile',
  dismissError: 'spaDismissError',
  modeEnter: 'spaModeEnter',
  modeExit: 'spaModeExit',
} as const;

export const SPA_TOOLBAR = {
  /** Toolbar button id (primary section). */
  panelButton: 'SpaPanel',
  /** Evaluator name registered by getToolbarModule. */
  evaluatePanelButton: 'evaluate.spa.panelButton',
} as const;
