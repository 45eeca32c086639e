import SpaService, { DEFAULT_SPA_CONFIG } from './SpaService';

describe('SpaService', () => {
  it('registers under the OHIF service names and merges its configuration', () => {
    expect(SpaService.REGISTRATION.name).toBe('spaService');
    const service = SpaService.REGISTRATION.create({
      configuration: { candidates: 3 },
    } as Parameters<typeof SpaService.REGISTRATION.create>[0]);
    expect(service.getConfig()).toEqual({ ...DEFAULT_SPA_CONFIG, candidates: 3 });
  });

  it('replaces an invalid testTimeViews with the default and says so', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(new SpaService({ testTimeViews: 8 }).getConfig().testTimeViews).toBe(8);
      expect(warn).not.toHaveBeenCalled();
      expect(new SpaService({ testTimeViews: 3 }).getConfig().testTimeViews).toBe(DEFAULT_SPA_CONFIG.testTimeViews);
      expect(warn.mock.calls[0][0]).toContain('window.config.spa.testTimeViews must be 1, 2, 4 or 8, got 3');
    } finally {
      warn.mockRestore();
    }
  });

  it('broadcasts model status changes and unsubscribes', () => {
    const service = new SpaService();
    const seen: string[] = [];
    const sub = service.subscribe(service.EVENTS.MODEL_STATUS_CHANGED, (s: { state: string }) => seen.push(s.state));
    service.setModelStatus({ state: 'loading', message: 'Loading' });
    sub.unsubscribe();
    service.setModelStatus({ state: 'ready', message: 'Ready' });
    expect(seen).toEqual(['loading']);
    expect(service.getState().modelStatus.state).toBe('ready');
  });

  it('rejects unknown events and lists the valid ones', () => {
    const service = new SpaService();
    expect(() => service.subscribe('nope', () => undefined)).toThrow(/Event "nope" not supported; one of event::spaService:/);
  });

  it('only broadcasts when the active series really changes', () => {
    const service = new SpaService();
    const seen: unknown[] = [];
    service.subscribe(service.EVENTS.ACTIVE_SERIES_CHANGED, s => seen.push(s));
    const series = { displaySetInstanceUID: 'a', numImages: 39 };
    service.setActiveSeries(series);
    service.setActiveSeries({ ...series });
    service.setActiveSeries(null);
    expect(seen).toEqual([series, null]);
  });

  it('clear() drops owned subscriptions; destroy() removes every listener', () => {
    const service = new SpaService();
    const external = { unsubscribe: jest.fn() };
    service.own(external);
    service.subscribe(service.EVENTS.STATE_CHANGED, () => undefined);
    service.setModelStatus({ state: 'ready', message: 'Ready' });
    service.clear();
    expect(external.unsubscribe).toHaveBeenCalledTimes(1);
    expect(service.getState().modelStatus.state).toBe('unknown');
    service.destroy();
    expect(service.listenerCount()).toBe(0);
  });
});
