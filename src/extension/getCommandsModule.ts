import { SPA_MODULES } from './id';
import { toActiveSeries, type ModelStatus } from './services/SpaService';
import type { ExtensionParams, Services } from './types';
import { checkStudyModalities } from './utils/studyModalities';

/** Reads the display set shown in the active viewport into SpaService. */
function syncActiveSeries({ viewportGridService, displaySetService, spaService }: Services): void {
  const viewportId = viewportGridService.getActiveViewportId();
  const uid = viewportId ? viewportGridService.getDisplaySetsUIDsForViewport(viewportId)?.[0] : undefined;
  const ds = uid ? displaySetService.getDisplaySetByUID(uid) : undefined;
  spaService.setActiveSeries(ds ? toActiveSeries(ds) : null);
}

/**
 * Checks the loaded display sets for a CT or MR series; when there is none, the panel
 * and a notification say why SPA cannot work on this study.
 */
function checkStudy({ displaySetService, spaService, uiNotificationService }: Services): void {
  const displaySets = displaySetService.getActiveDisplaySets();
  if (!displaySets.length) return;
  const check = checkStudyModalities(displaySets.map(ds => ds.Modality ?? ''));
  if (spaService.setStudyCheck(check) && !check.valid) {
    uiNotificationService.show({ title: 'SPA segmentation', message: check.description, type: 'warning', duration: 10000 });
  }
}

/**
 * SPA commands. Each action takes one object parameter and reads services from
 * `servicesManager.services`; the mode calls spaModeEnter / spaModeExit, the toolbar
 * button calls spaShowPanel.
 */
export default function getCommandsModule({ servicesManager }: ExtensionParams) {
  const services = () => servicesManager.services;

  const actions = {
    /**
     * Opens the right-hand side panel (also after the user closed it) and shows the SPA
     * tab. OHIF 3.13's activatePanel alone does not reopen a manually closed side panel;
     * re-setting the same panels with `rightPanelClosed: false` does.
     */
    spaShowPanel: () => {
      const { panelService } = services();
      const ids = (position: 'left' | 'right') => panelService.getPanels(position).map(p => p.id);
      const right = ids('right');
      panelService.setPanels(
        { left: ids('left'), right: right.includes(SPA_MODULES.panel) ? right : [...right, SPA_MODULES.panel] },
        { rightPanelClosed: false }
      );
      panelService.activatePanel(SPA_MODULES.panel, true);
    },

    /**
     * Looks for the model's JSON contract and reports it in the model status. The
     * engine (src/core) will load the model itself; this only tells the user whether
     * a model is installed.
     */
    spaProbeModel: async (): Promise<void> => {
      const { spaService } = services();
      const { modelContractUrl } = spaService.getConfig();
      const epoch = spaService.currentEpoch();
      const report = (status: ModelStatus) => spaService.isCurrent(epoch) && spaService.setModelStatus(status);
      spaService.setModelStatus({ state: 'checking', message: 'Looking for the model…' });
      try {
        const response = await fetch(modelContractUrl, { cache: 'no-cache' });
        if (!response.ok) {
          report({
            state: 'missing',
            message: `No model installed (${modelContractUrl}: HTTP ${response.status})`,
          });
          return;
        }
        const contract = (await response.json()) as { name?: string; version?: string | number };
        const label = [contract.name, contract.version].filter(v => v !== undefined).join(' ') || modelContractUrl;
        report({ state: 'available', message: `Model ${label} available, not loaded` });
      } catch (error) {
        report({
          state: 'error',
          message: `Cannot read the model contract ${modelContractUrl}: ${(error as Error).message}`,
        });
      }
    },

    /** Mode entered: follow the active viewport's series and check the model. */
    spaModeEnter: () => {
      const s = services();
      const sync = () => syncActiveSeries(s);
      const check = () => checkStudy(s);
      const { viewportGridService: grid, displaySetService: dss, spaService } = s;
      for (const event of [grid.EVENTS.ACTIVE_VIEWPORT_ID_CHANGED, grid.EVENTS.GRID_STATE_CHANGED, grid.EVENTS.VIEWPORTS_READY]) {
        spaService.own(grid.subscribe(event, sync));
      }
      for (const event of [dss.EVENTS.DISPLAY_SETS_ADDED, dss.EVENTS.DISPLAY_SETS_CHANGED]) {
        spaService.own(dss.subscribe(event, sync));
        spaService.own(dss.subscribe(event, check));
      }
      sync();
      check();
      void actions.spaProbeModel();
    },

    /** Mode left: undo everything spaModeEnter set up. */
    spaModeExit: () => {
      services().spaService.clear();
    },
  };

  const definitions = Object.fromEntries(
    Object.entries(actions).map(([name, commandFn]) => [name, { commandFn }])
  ) as { [K in keyof typeof actions]: { commandFn: (typeof actions)[K] } };

  return { actions, definitions, defaultContext: 'SPA' };
}
