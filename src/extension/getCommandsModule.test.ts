import { ModelLoadError } from '../core';
import getCommandsModule from './getCommandsModule';
import { SPA_MODULES } from './id';
import { loadSpaModel } from './runtime/spaModelLoader';
import SpaService, { type ModelStatus } from './services/SpaService';
import type { SpaAppConfig } from './types';

jest.mock('./runtime/spaModelLoader', () => ({ loadSpaModel: jest.fn(), isModelRequested: () => false }));
// Stand-in answers carry only what the commands read (contract name, version, components).
const mockLoad = loadSpaModel as unknown as jest.Mock<Promise<unknown>, [unknown, (p: { stage: string; loadedBytes: number; totalBytes: number }) => void]>;

function setup(fetchImpl: jest.Mock, config: Partial<SpaAppConfig> = {}) {
  const spaService = new SpaService({ modelContractUrl: '/models/m.json', ...config });
  const panelService = {
    getPanels: jest.fn((position: string) => (position === 'left' ? [{ id: 'left-a' }] : [{ id: SPA_MODULES.panel }])),
    setPanels: jest.fn(),
    activatePanel: jest.fn(),
  };
  const uiNotificationService = { show: jest.fn() };
  const servicesManager = { services: { spaService, panelService, uiNotificationService } } as any;
  global.fetch = fetchImpl as unknown as typeof fetch;
  const { actions, definitions, defaultContext } = getCommandsModule({ servicesManager } as any);
  return { actions, definitions, defaultContext, spaService, panelService, uiNotificationService };
}

describe('SPA commands', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('defines every action as a command in the SPA context', () => {
    const { actions, definitions, defaultContext } = setup(jest.fn());
    expect(defaultContext).toBe('SPA');
    expect(Object.keys(definitions).sort()).toEqual(Object.keys(actions).sort());
  });

  it('spaLoadModel reports loading progress, then the provider and thread count', async () => {
    const { actions, spaService } = setup(jest.fn());
    const seen: ModelStatus[] = [];
    spaService.subscribe(spaService.EVENTS.MODEL_STATUS_CHANGED, (s: ModelStatus) => seen.push(s));
    mockLoad.mockImplementationOnce(async (_location, onProgress) => {
      onProgress({ stage: 'download', loadedBytes: 50, totalBytes: 100 });
      return { model: { contract: { name: 'spa-lidc', version: '0.1.0', components: 4 } }, provider: 'wasm', threads: 2 };
    });
    await actions.spaLoadModel();
    expect(seen.map(s => s.state)).toEqual(['loading', 'loading', 'ready']);
    expect(seen[1].progress).toBe(0.5);
    expect(spaService.getState().modelStatus).toMatchObject({ state: 'ready', message: 'Model spa-lidc 0.1.0 ready', provider: 'wasm', threads: 2 });
    expect(spaService.getState().profile?.piM).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('spaLoadModel shows why the model failed to load, and a retry loads it again', async () => {
    const { actions, spaService } = setup(jest.fn());
    mockLoad.mockRejectedValueOnce(new ModelLoadError('missing', '/models/m.json', 'HTTP 404 Not Found'));
    await actions.spaLoadModel();
    expect(spaService.getState().modelStatus.state).toBe('error');
    expect(spaService.getState().modelStatus.message).toContain('Model file /models/m.json: HTTP 404 Not Found');
    mockLoad.mockResolvedValueOnce({ model: { contract: { name: 'm', components: 2 } }, provider: 'wasm', threads: 1, notice: 'one thread' });
    await actions.spaLoadModel();
    expect(spaService.getState().modelStatus).toMatchObject({ state: 'ready', threads: 1, notice: 'one thread' });
  });

  it('spaLoadModel drops a result that arrives after the mode was left', async () => {
    let answer: (v: unknown) => void = () => undefined;
    const { actions, spaService } = setup(jest.fn());
    mockLoad.mockImplementationOnce(() => new Promise(resolve => (answer = resolve as (v: unknown) => void)));
    const loading = actions.spaLoadModel();
    spaService.clear();
    answer({ model: { contract: { name: 'm', components: 2 } }, provider: 'wasm', threads: 2 });
    await loading;
    expect(spaService.getState().modelStatus.state).toBe('unknown');
  });

  it('says why a click cannot be used and changes nothing', async () => {
    const { actions, spaService } = setup(jest.fn());
    await actions.spaApprove({ viewportId: 'default' });
    expect(spaService.getState().error).toMatchObject({ problem: 'no-session' });
    expect(spaService.getState().sessions).toEqual({});
    actions.spaDismissError();
    expect(spaService.getState().error).toBeNull();
  });

  it('spaShowPanel reopens the right panel with the SPA tab', () => {
    const { actions, panelService } = setup(jest.fn());
    actions.spaShowPanel();
    expect(panelService.setPanels).toHaveBeenCalledWith({ left: ['left-a'], right: [SPA_MODULES.panel] }, { rightPanelClosed: false });
    expect(panelService.activatePanel).toHaveBeenCalledWith(SPA_MODULES.panel, true);
  });

  /** A study of one DX series in one viewport, with the grid and display-set services the mode follows. */
  function modeSetup(config: Partial<SpaAppConfig> = {}) {
    const listeners = new Map<string, Array<() => void>>();
    const pubsub = (events: Record<string, string>) => ({
      EVENTS: events,
      subscribe: jest.fn((event: string, cb: () => void) => {
        listeners.set(event, [...(listeners.get(event) ?? []), cb]);
        return { unsubscribe: () => listeners.set(event, (listeners.get(event) ?? []).filter(f => f !== cb)) };
      }),
    });
    const displaySets = [{ displaySetInstanceUID: 'ds1', Modality: 'DX', numImageFrames: 1, SeriesNumber: 7 }];
    const viewportGridService = {
      ...pubsub({ ACTIVE_VIEWPORT_ID_CHANGED: 'a', GRID_STATE_CHANGED: 'g', VIEWPORTS_READY: 'r' }),
      getActiveViewportId: () => 'default',
      getDisplaySetsUIDsForViewport: () => ['ds1'],
    };
    const displaySetService = {
      ...pubsub({ DISPLAY_SETS_ADDED: 'added', DISPLAY_SETS_CHANGED: 'changed' }),
      getActiveDisplaySets: () => displaySets,
      getDisplaySetByUID: (uid: string) => displaySets.find(d => d.displaySetInstanceUID === uid),
    };
    const { spaService, uiNotificationService } = setup(jest.fn(async () => ({ ok: false, status: 404 })), config);
    const services = { spaService, viewportGridService, displaySetService, uiNotificationService } as any;
    const { actions } = getCommandsModule({ servicesManager: { services } } as any);
    return { actions, listeners, spaService, uiNotificationService };
  }

  it('spaModeEnter follows the active series and checks the study; spaModeExit undoes it', async () => {
    const { actions: modeActions, listeners, spaService, uiNotificationService } = modeSetup({ preloadModel: false });
    modeActions.spaModeEnter();
    expect(spaService.getState().activeSeries).toMatchObject({ displaySetInstanceUID: 'ds1', modality: 'DX', seriesNumber: '7' });
    expect(spaService.getState().studyCheck).toEqual({ valid: false, description: 'SPA segments CT or MR images; this study has only DX' });
    expect(uiNotificationService.show).toHaveBeenCalledTimes(1);
    listeners.get('added')!.forEach(f => f());
    expect(uiNotificationService.show).toHaveBeenCalledTimes(1);

    modeActions.spaModeExit();
    expect([...listeners.values()].every(list => list.length === 0)).toBe(true);
    expect(spaService.getState().activeSeries).toBeNull();
  });

  it('spaModeEnter starts loading the model, unless preloadModel is false', async () => {
    mockLoad.mockClear();
    const off = modeSetup({ preloadModel: false });
    off.actions.spaModeEnter();
    expect(mockLoad).not.toHaveBeenCalled();
    expect(off.spaService.getState().modelStatus.state).toBe('unknown');
    off.actions.spaModeExit();

    const { actions, spaService } = modeSetup();
    let answer: (v: unknown) => void = () => undefined;
    mockLoad.mockImplementationOnce(() => new Promise(resolve => (answer = resolve as (v: unknown) => void)));
    actions.spaModeEnter();
    expect(mockLoad).toHaveBeenCalledTimes(1);
    expect(mockLoad.mock.calls[0][0]).toMatchObject({ modelContractUrl: '/models/m.json', preloadModel: true });
    expect(spaService.getState().modelStatus.state).toBe('loading');
    answer({ model: { contract: { name: 'm', version: '1.0.0', components: 2 } }, provider: 'wasm', threads: 2 });
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(spaService.getState().modelStatus).toMatchObject({ state: 'ready', message: 'Model m 1.0.0 ready' });
    actions.spaModeExit();
  });
});
