jest.mock('./segExport', () => ({
  ...jest.requireActual('./segExport'),
  buildSpaSeg: jest.fn(),
  fetchModelIdentity: jest.fn(async () => ({ name: 'spa-lidc', version: '0.1.0' })),
  downloadBytes: jest.fn(),
}));
jest.mock('./segStore', () => ({
  ...jest.requireActual('./segStore'),
  storePart10: jest.fn(),
}));

import { buildSpaSeg, downloadBytes, fetchModelIdentity } from './segExport';
import type { SpaSeg } from './segExport';
import SegSaveService from './SegSaveService';
import { StoreError, storePart10 } from './segStore';

const build = buildSpaSeg as jest.MockedFunction<typeof buildSpaSeg>;
const store = storePart10 as jest.MockedFunction<typeof storePart10>;
const download = downloadBytes as jest.MockedFunction<typeof downloadBytes>;

function seg(n: number): SpaSeg {
  return {
    segmentationId: 'seg',
    studyInstanceUID: '1.2',
    seriesInstanceUID: `2.25.${n}`,
    sopInstanceUID: `2.25.${n}0`,
    seriesDescription: 'SPA segmentation (spa-lidc 0.1.0)',
    part10: new ArrayBuffer(n),
    dataset: { SeriesInstanceUID: `2.25.${n}`, Modality: 'SEG' },
    fileName: `SPA-SEG-${n}.dcm`,
    segmentLabels: ['Nodule 1', 'Nodule 2'],
    emptySegmentLabels: ['Nodule 2'],
    numberOfFrames: 3,
  };
}

function setup({ staticWado = false, segmentations = 1 } = {}) {
  const listeners = new Map<string, Set<() => void>>();
  const segmentationService = {
    EVENTS: { SEGMENTATION_ADDED: 'added', SEGMENTATION_REMOVED: 'removed', SEGMENTATION_MODIFIED: 'modified' },
    subscribe: (event: string, fn: () => void) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(fn);
      return { unsubscribe: () => set.delete(fn) };
    },
    getSegmentations: jest.fn(() => Array.from({ length: segmentations }, (_, i) => ({ segmentationId: `s${i}` }))),
  };
  const notifications: Array<{ type?: string; message: string }> = [];
  const dataSource = {
    store: { dicom: jest.fn() },
    getConfig: () => ({ friendlyName: 'Orthanc', staticWado }),
    deleteStudyMetadataPromise: jest.fn(),
  };
  const displaySetService = { getDisplaySetByUID: () => undefined, makeDisplaySets: jest.fn() };
  const servicesManager = {
    services: { segmentationService, displaySetService, uiNotificationService: { show: (n: { type?: string; message: string }) => notifications.push(n) } },
    registerService: jest.fn(),
  };
  const service = SegSaveService.REGISTRATION.create({
    configuration: { modelContractUrl: '/models/m.json', segStoreTimeoutMs: 5000 },
    servicesManager: servicesManager as never,
    commandsManager: { runCommand: jest.fn() },
    extensionManager: { getActiveDataSource: () => [dataSource], getModuleEntry: () => undefined } as never,
  });
  (globalThis as any).cornerstone = { cache: { getImage: () => undefined }, imageLoader: { loadAndCacheImage: async () => undefined } };
  const count = () => [...listeners.values()].reduce((n, s) => n + s.size, 0);
  return { service, dataSource, displaySetService, notifications, listenerCount: count, emit: (e: string) => listeners.get(e)?.forEach(fn => fn()), segmentationService };
}

beforeEach(() => {
  build.mockReset();
  store.mockReset();
  download.mockReset();
});

test('saves: STOW-RS of the generated SEG with the configured timeout, then "saved" with the series', async () => {
  const { service, dataSource, displaySetService, notifications } = setup();
  build.mockResolvedValueOnce(seg(1));
  const phases: string[] = [];
  service.subscribe(service.EVENTS.STATE_CHANGED, (s: { phase: string }) => phases.push(s.phase));
  await expect(service.save()).resolves.toBe(true);
  expect(fetchModelIdentity).toHaveBeenCalledWith('/models/m.json');
  expect(store).toHaveBeenCalledWith(dataSource, seg(1).part10, 5000);
  const state = service.getState();
  expect(state.phase).toBe('saved');
  expect(state.message).toBe('Saved to Orthanc: "SPA segmentation (spa-lidc 0.1.0)", 2 segment(s), 1 empty, series 2.25.1');
  expect(state.lastSaved).toEqual({ studyInstanceUID: '1.2', seriesInstanceUID: '2.25.1', seriesDescription: 'SPA segmentation (spa-lidc 0.1.0)' });
  expect(dataSource.deleteStudyMetadataPromise).toHaveBeenCalledWith('1.2');
  // The stored series shows in the study browser without a reload.
  expect(displaySetService.makeDisplaySets).toHaveBeenCalledWith([seg(1).dataset], { madeInClient: true });
  expect(phases).toContain('saving');
  expect(notifications.map(n => n.type)).toEqual(['success']);
});

test('a failed store keeps the SEG: the status tells why, Retry sends the same object, Download saves it', async () => {
  const { service, displaySetService } = setup();
  build.mockResolvedValueOnce(seg(2));
  store.mockRejectedValueOnce(new StoreError('HTTP 503 Service Unavailable: busy', 503, 'http'));
  await expect(service.save()).resolves.toBe(false);
  let state = service.getState();
  expect(state.phase).toBe('failed');
  expect(state.message).toBe('Save failed: HTTP 503 Service Unavailable: busy. The segmentation is still in the viewer; Retry or Download SEG.');
  expect(state.pending).toEqual({ seriesInstanceUID: '2.25.2', fileName: 'SPA-SEG-2.dcm' });
  expect(displaySetService.makeDisplaySets).not.toHaveBeenCalled(); // nothing on the PACS to show

  await service.download();
  expect(download).toHaveBeenCalledWith(seg(2).part10, 'SPA-SEG-2.dcm');
  expect(service.getState().download).toEqual({ ok: true, message: 'Downloaded SPA-SEG-2.dcm' });

  await expect(service.retry()).resolves.toBe(true);
  expect(build).toHaveBeenCalledTimes(1);
  expect(store).toHaveBeenLastCalledWith(expect.anything(), seg(2).part10, 5000);
  state = service.getState();
  expect(state.phase).toBe('saved');
  expect(state.pending).toBeNull();
});

test('a study browser that cannot show the new series does not turn a stored SEG into a failure', async () => {
  const { service, displaySetService, notifications } = setup();
  displaySetService.makeDisplaySets.mockImplementationOnce(() => {
    throw new Error('no SOP class handler for SEG');
  });
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  build.mockResolvedValueOnce(seg(6));
  await expect(service.save()).resolves.toBe(true);
  expect(service.getState().phase).toBe('saved');
  expect(notifications.map(n => n.type)).toEqual(['success']);
  expect(warn).toHaveBeenCalledWith(expect.stringContaining('2.25.6 shows in the study browser after a reload (no SOP class handler for SEG)'));
  warn.mockRestore();
});

test('each save is a new SEG (new series); a download without a pending SEG generates one', async () => {
  const { service } = setup();
  build.mockResolvedValueOnce(seg(3)).mockResolvedValueOnce(seg(4)).mockResolvedValueOnce(seg(5));
  await service.save();
  await service.save();
  expect(store.mock.calls.map(c => c[1])).toEqual([seg(3).part10, seg(4).part10]);
  await service.download();
  expect(download).toHaveBeenCalledWith(seg(5).part10, 'SPA-SEG-5.dcm');
});

test('a SEG that cannot be generated fails with the reason and stores nothing', async () => {
  const { service, notifications } = setup();
  build.mockRejectedValueOnce(new Error('every segment is empty: there is nothing to save'));
  await expect(service.save()).resolves.toBe(false);
  expect(service.getState().message).toBe('Save failed: could not generate the SEG (every segment is empty: there is nothing to save)');
  expect(store).not.toHaveBeenCalled();
  expect(notifications.map(n => n.type)).toEqual(['error']);
});

test('a data source that cannot store: no STOW, the reason in the status', async () => {
  const { service } = setup({ staticWado: true });
  await expect(service.save()).resolves.toBe(false);
  expect(build).not.toHaveBeenCalled();
  expect(service.getState().phase).toBe('idle');
  expect(service.getState().message).toContain('Cannot save to the PACS: Orthanc is a read-only set of static files');
});

test('a second save while one is in progress is ignored', async () => {
  const { service } = setup();
  let finish: () => void = () => undefined;
  build.mockResolvedValueOnce(seg(6));
  store.mockImplementationOnce(() => new Promise<void>(resolve => (finish = resolve)));
  const first = service.save();
  await new Promise(r => setTimeout(r, 0));
  await expect(service.save()).resolves.toBe(false);
  finish();
  await expect(first).resolves.toBe(true);
  expect(build).toHaveBeenCalledTimes(1);
});

test('track() follows segmentation changes until stopped; destroy() removes every listener', () => {
  const { service, listenerCount, emit, segmentationService } = setup({ segmentations: 0 });
  const stop = service.track();
  expect(listenerCount()).toBe(3);
  expect(service.getState().hasSegmentation).toBe(false);
  segmentationService.getSegmentations.mockReturnValue([{ segmentationId: 'x' }]);
  emit('added');
  expect(service.getState().hasSegmentation).toBe(true);
  stop();
  expect(listenerCount()).toBe(0);
  service.track();
  service.subscribe(service.EVENTS.STATE_CHANGED, () => undefined);
  service.destroy();
  expect(listenerCount()).toBe(0);
  expect(service.listenerCount()).toBe(0);
});
