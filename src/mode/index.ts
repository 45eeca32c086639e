import { MODE_ID, SPA_COMMANDS, SPA_MODULES, id as SPA_EXTENSION_ID, VERSION } from '../extension/id';
import type { CommandsManager, ExtensionManager, ServicesManager } from '../extension/types';
import { BASIC_MODE, cornerstone, dicomRt, dicomSeg, dicomSr, ohif } from './constants';
import isValidMode from './isValidMode';
import { spaPrimarySection, spaToolbarButtons } from './toolbarButtons';

export const extensionDependencies = {
  '@ohif/extension-default': '^3.0.0',
  '@ohif/extension-cornerstone': '^3.0.0',
  '@ohif/extension-cornerstone-dicom-seg': '^3.0.0',
  '@ohif/extension-cornerstone-dicom-sr': '^3.0.0',
  '@ohif/extension-cornerstone-dicom-rt': '^3.0.0',
  [SPA_EXTENSION_ID]: `^${VERSION}`,
};

export const sopClassHandlers = [
  dicomSeg.sopClassHandler,
  ohif.sopClassHandler,
  dicomSr.sopClassHandler3D,
  dicomSr.sopClassHandler,
  dicomRt.sopClassHandler,
];

/** Study browser on the left, the SPA panel open on the right. */
export const spaLayout = {
  id: ohif.layout,
  props: {
    leftPanels: [ohif.thumbnailList],
    leftPanelResizable: true,
    rightPanels: [SPA_MODULES.panel, cornerstone.segmentationPanel],
    rightPanelClosed: false,
    rightPanelResizable: true,
    viewports: [
      { namespace: cornerstone.viewport, displaySetsToDisplay: [ohif.sopClassHandler] },
      { namespace: dicomSr.viewport, displaySetsToDisplay: [dicomSr.sopClassHandler, dicomSr.sopClassHandler3D] },
      { namespace: dicomSeg.viewport, displaySetsToDisplay: [dicomSeg.sopClassHandler] },
      { namespace: dicomRt.viewport, displaySetsToDisplay: [dicomRt.sopClassHandler] },
    ],
  },
};

interface LifecycleParams {
  servicesManager: ServicesManager;
  extensionManager: ExtensionManager;
  commandsManager: CommandsManager;
}

/** The parts of the host's basic mode (3.13) this mode reuses. */
interface BasicModeInstance {
  routes: Array<{ layoutTemplate: (this: unknown) => unknown }>;
  toolbarButtons: unknown[];
  onModeEnter: (this: unknown, params: LifecycleParams) => void;
  onModeExit: (this: unknown, params: LifecycleParams) => void;
  [key: string]: unknown;
}
interface BasicMode {
  modeInstance: BasicModeInstance;
  modeFactory: (this: { modeInstance: unknown }, params: { modeConfiguration?: unknown }) => unknown;
}

/**
 * Builds the SPA mode on top of the host's basic mode (loaded by name through the
 * host's own loader): its tool groups, stock toolbar and lifecycle, with our layout,
 * validity rule, toolbar button and SPA set-up added.
 */
export async function modeFactory({
  modeConfiguration,
  loadModules,
}: {
  modeConfiguration?: unknown;
  loadModules: (names: string[]) => Promise<unknown[]>;
}) {
  const [basic] = (await loadModules([BASIC_MODE])) as [BasicMode];
  if (!basic?.modeInstance?.onModeEnter) {
    throw new Error(`${MODE_ID}: the host's ${BASIC_MODE} has no modeInstance.onModeEnter; is this @ohif/app 3.13?`);
  }
  const base = basic.modeInstance;

  const modeInstance = {
    ...base,
    id: MODE_ID,
    routeName: 'spa',
    displayName: 'SPA Segmentation',
    hide: false,
    extensions: extensionDependencies,
    sopClassHandlers,
    hangingProtocol: 'default',
    isValidMode,
    toolbarButtons: [...base.toolbarButtons, ...spaToolbarButtons],
    routes: [{ path: 'spa', layoutTemplate: base.routes[0].layoutTemplate, layoutInstance: spaLayout }],
    onModeEnter(this: unknown, params: LifecycleParams) {
      base.onModeEnter.call(this, params);
      const { toolbarService } = params.servicesManager.services;
      toolbarService.updateSection(toolbarService.sections.primary, spaPrimarySection);
      params.commandsManager.runCommand(SPA_COMMANDS.modeEnter);
    },
    onModeExit(this: unknown, params: LifecycleParams) {
      params.commandsManager.runCommand(SPA_COMMANDS.modeExit);
      base.onModeExit.call(this, params);
    },
  };
  // The basic factory applies modeConfiguration (immutability-helper commands).
  return basic.modeFactory.call({ modeInstance }, { modeConfiguration });
}

const mode = {
  id: MODE_ID,
  modeFactory,
  extensionDependencies,
};

export default mode;
export { isValidMode };
