import getCommandsModule from './getCommandsModule';
import { SPA_MODULES } from './id';
import SpaService from './services/SpaService';

function setup(fetchImpl: jest.Mock) {
  const spaService = new SpaService({ modelContractUrl: '/models/m.json' });
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

  it('spaProbeModel reports an installed model by name and version', async () => {
    const fetchMock = jest.fn(async () => ({ ok: true, status: 200, json: async () => ({ name: 'spa-lidc', version: '0.1.0' }) }));
    const { actions, spaService } = setup(fetchMock);
    await actions.spaProbeModel();
    expect(fetchMock).toHaveBeenCalledWith('/models/m.json', { cache: 'no-cache' });
    expect(spaService.getState().modelStatus).toEqual({ state: 'available', message: 'Model spa-lidc 0.1.0 available, not loaded' });
  });

  it('spaProbeModel reports a missing model and an unreachable one', async () => {
    const missing = setup(jest.fn(async () => ({ ok: false, status: 404 })));
    await missing.actions.spaProbeModel();
    expect(missing.spaService.getState().modelStatus).toEqual({
      state: 'missing',
      message: 'No model installed (/models/m.json: HTTP 404)',
    });
    const broken = setup(jest.fn(async () => Promise.reject(new Error('network down'))));
    await broken.actions.spaProbeModel();
    expect(broken.spaService.getState().modelStatus.state).toBe('error');
    expect(broken.spaService.getState().modelStatus.message).toContain('network down');
  });

  it('spaProbeModel drops a result that arrives after the mode was left', async () => {
    let answer: (v: unknown) => void = () => undefined;
    const { actions, spaService } = setup(jest.fn(() => new Promise(resolve => (answer = resolve))));
    const probing = actions.spaProbeModel();
    spaService.clear();
    answer({ ok: false, status: 404 });
    await probing;
    expect(spaService.getState().modelStatus.state).toBe('unknown');
  });

  it('spaShowPanel reopens the right panel with the SPA tab', () => {
    const { actions, panelService } = setup(jest.fn());
    actions.spaShowPanel();
    expect(panelService.setPanels).toHaveBeenCalledWith({ left: ['left-a'], right: [SPA_MODULES.panel] }, { rightPanelClosed: false });
    expect(panelService.activatePanel).toHaveBeenCalledWith(SPA_MODULES.panel, true);
  });

  it('spaModeEnter follows the active series and checks the study; spaModeExit undoes it', async () => {
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
    const { spaService, uiNotificationService } = setup(jest.fn(async () => ({ ok: false, status: 404 })));
    const services = { spaService, viewportGridService, displaySetService, uiNotificationService } as any;
    const { actions: modeActions } = getCommandsModule({ servicesManager: { services } } as any);

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
});
