import { SPA_COMMANDS, SPA_MODULES } from './id';
import { installSpaKeys, type SpaKeyAction } from './interaction/keys';
import { SpaController } from './interaction/SpaController';
import { OverlayManager } from './overlay/ViewportOverlay';
import { isModelRequested } from './runtime/spaModelLoader';
import getSegActions from './seg/segCommands';
import { toActiveSeries, type PreviewTarget } from './services/SpaService';
import { activateSpaPointTool, registerSpaPointTool, setSpaPointHandler, SPA_TOOL_GROUP_IDS } from './tools/SpaPointTool';
import type { ExtensionParams, Services } from './types';
import { checkStudyModalities } from './utils/studyModalities';
import { csTools, type Point2 } from './cornerstone';

/** Reads the display set shown in the active viewport into SpaService. */
function syncActiveSeries({ viewportGridService, displaySetService, spaService }: Services): void {
  const viewportId = viewportGridService.getActiveViewportId();
  const uid = viewportId ? viewportGridService.getDisplaySetsUIDsForViewport(viewportId)?.[0] : undefined;
  const ds = uid ? displaySetService.getDisplaySetByUID(uid) : undefined;
  spaService.setActiveSeries(ds ? toActiveSeries(ds) : null, viewportId || null);
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
 * `?spaDebug=1`: tests and the benchmark read SPA's state from `window.__spa.getState()`
 * and click -> candidates timings from `window.__spaTimings` (see SpaService).
 */
type SpaDebugWindow = Window & { __spa?: { getState: () => unknown } };
function isDebugPage(): boolean {
  return new URLSearchParams(window.location.search).get('spaDebug') === '1';
}

/** Adds the SPA point tool to the 2D tool groups and makes it the active primary tool. */
function activateSpaTool(): void {
  registerSpaPointTool();
  const { ToolGroupManager } = csTools();
  SPA_TOOL_GROUP_IDS.forEach(id => activateSpaPointTool(ToolGroupManager.getToolGroup(id)));
}

/**
 * SPA commands. Each action takes one object parameter and reads services from
 * `servicesManager.services`; the mode calls spaModeEnter / spaModeExit, the toolbar
 * button calls spaShowPanel, the SPA point tool spaClick, the panel and keys the rest.
 * Actions that act on a viewport default to OHIF's active viewport.
 */
export default function getCommandsModule({ servicesManager, commandsManager }: ExtensionParams) {
  const services = () => servicesManager.services;
  const controller = new SpaController(services);
  let overlays: OverlayManager | null = null;
  let removeKeys: (() => void) | null = null;
  const active = (viewportId?: string): string => viewportId ?? services().viewportGridService.getActiveViewportId();

  const actions = {
    ...getSegActions({ servicesManager }),
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

    /** Loads the model now (it also loads when the mode opens, or on the first click); the panel's Retry calls this. */
    spaLoadModel: async (): Promise<void> => {
      await controller.loadModel().catch(() => undefined);
    },

    /** A point from the SPA tool: canvas position in CSS pixels, positive unless Shift was held. */
    spaClick: ({ viewportId, canvasPoint, positive = true }: { viewportId?: string; canvasPoint: Point2; positive?: boolean }) =>
      controller.click({ viewportId: active(viewportId), canvasPoint, positive }),

    /** Choose candidate `candidate` (0-based) or 'recommendation'. */
    spaChoose: ({ viewportId, candidate }: { viewportId?: string; candidate: number | 'recommendation' }) =>
      controller.choose({ viewportId: active(viewportId), candidate }),

    spaUndo: ({ viewportId }: { viewportId?: string } = {}) => controller.undo({ viewportId: active(viewportId) }),

    spaReset: ({ viewportId }: { viewportId?: string } = {}) => controller.reset({ viewportId: active(viewportId) }),

    /** Approve the recommendation (or candidate `candidate`) into the SPA labelmap. */
    spaApprove: ({ viewportId, candidate }: { viewportId?: string; candidate?: number } = {}) =>
      controller.approve({ viewportId: active(viewportId), candidate }),

    spaPropagate: ({ viewportId }: { viewportId?: string } = {}) => controller.propagate({ viewportId: active(viewportId) }),

    spaCancelPropagation: () => controller.cancelPropagation(),

    spaUndoSlice: ({ structureKey, imageId }: { structureKey: string; imageId: string }) => controller.undoStructureSlice({ structureKey, imageId }),

    spaShowSlice: ({ viewportId, imageIndex }: { viewportId?: string; imageIndex: number }) =>
      controller.showSlice({ viewportId: active(viewportId), imageIndex }),

    /** Preview a candidate / the recommendation over the viewport (null: stop previewing). */
    spaSetPreview: ({ viewportId, target }: { viewportId?: string; target: PreviewTarget | null }) =>
      services().spaService.setPreview(target === null ? null : { viewportId: active(viewportId), target }),

    spaToggleUncertainty: () => {
      const { spaService } = services();
      spaService.setShowUncertainty(!spaService.getState().showUncertainty);
    },

    spaResetProfile: () => controller.resetProfile(),

    spaExportProfile: () => controller.exportProfile(),

    spaDismissError: () => controller.dismissError(),

    /** Mode entered: follow the active viewport's series, check the study, start loading the model, arm the SPA tool. */
    spaModeEnter: () => {
      const s = services();
      const sync = () => {
        syncActiveSeries(s);
        controller.dropStaleSessions();
      };
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
      // The load (about 1.5 s cold) overlaps the study's own loading instead of the first click.
      if (spaService.getConfig().preloadModel || isModelRequested()) void actions.spaLoadModel();
      if (typeof window === 'undefined' || !window.cornerstoneTools) return;
      activateSpaTool();
      setSpaPointHandler(({ viewportId, element, canvasPoint, positive }) => {
        // Keys then act on this viewport: give its element the focus.
        if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
        element.style.outline = 'none';
        element.focus({ preventScroll: true });
        commandsManager.runCommand(SPA_COMMANDS.click, { viewportId, canvasPoint, positive }, 'SPA');
      });
      overlays = new OverlayManager(spaService);
      removeKeys = installSpaKeys(document, onKey);
      if (isDebugPage()) (window as SpaDebugWindow).__spa = { getState: () => spaService.getState() };
    },

    /** Mode left: undo everything spaModeEnter set up. */
    spaModeExit: () => {
      setSpaPointHandler(null);
      removeKeys?.();
      removeKeys = null;
      overlays?.destroy();
      overlays = null;
      if (typeof window !== 'undefined') delete (window as SpaDebugWindow).__spa;
      controller.clear();
      services().spaService.clear();
    },
  };

  /** Runs a key's action when the active viewport has an SPA session; true when handled. */
  function onKey(action: SpaKeyAction): boolean {
    const { spaService } = services();
    const viewportId = spaService.getState().activeViewportId ?? services().viewportGridService.getActiveViewportId();
    const session = viewportId ? spaService.getSession(viewportId) : undefined;
    if (!session) return false;
    if (action.type === 'reset') actions.spaReset({ viewportId });
    else if (!session.result) return true;
    // Approving waits for the round being computed; choices and undo overtake it (latest wins).
    else if (action.type === 'approve') {
      if (!session.busy) void actions.spaApprove({ viewportId });
    } else if (action.type === 'undo') actions.spaUndo({ viewportId });
    else if (action.candidate < session.result.candidates.length) void actions.spaChoose({ viewportId, candidate: action.candidate });
    return true;
  }

  const definitions = Object.fromEntries(
    Object.entries(actions).map(([name, commandFn]) => [name, { commandFn }])
  ) as { [K in keyof typeof actions]: { commandFn: (typeof actions)[K] } };

  return { actions, definitions, defaultContext: 'SPA' };
}
