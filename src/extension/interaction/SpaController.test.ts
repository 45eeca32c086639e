import { readContract } from '../../../tools/lib/nodeModel';
import { type ModelInput, type ModelOutput, type Predictor } from '../../core';
import { loadSpaModel } from '../runtime/spaModelLoader';
import SpaService from '../services/SpaService';
import { SpaController } from './SpaController';

jest.mock('../runtime/spaModelLoader', () => ({ loadSpaModel: jest.fn(), isModelRequested: () => false }));

const contract = readContract();
const S = contract.cropSizePx;

/** A model that always sees a disk of radius 6 around the crop centre, with no uncertainty. */
const fakeModel: Predictor = {
  contract,
  predict: async (batch: readonly ModelInput[]): Promise<ModelOutput[]> =>
    batch.map(() => {
      const mean = new Float32Array(S * S);
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) mean[y * S + x] = (y - 64) ** 2 + (x - 64) ** 2 <= 36 ? 8 : -8;
      return {
        meanLogitsHW: mean,
        factorRHW: new Float32Array(contract.rank * S * S),
        mixMeansMR: new Float32Array(contract.components * contract.rank),
        mixLogvarsMR: new Float32Array(contract.components * contract.rank),
      };
    }),
};

const ROWS = 200;
function setup(modality = 'CT', instanceOverrides: Record<string, unknown> = {}) {
  const labelmap = new Uint8Array(ROWS * ROWS);
  // The DICOM attributes cornerstone's metadata provider gives for the clicked image.
  const instance = {
    Modality: modality,
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PixelSpacing: [0.7, 0.7],
    Rows: ROWS,
    Columns: ROWS,
    ...instanceOverrides,
  };
  const viewport = {
    id: 'vp1',
    element: {},
    canvasToWorld: ([x, y]: [number, number]) => [x, y, 0],
    getCurrentImageId: () => 'img-3',
    getCurrentImageIdIndex: () => 3,
    getImageIds: () => ['img-0', 'img-1', 'img-2', 'img-3'],
    getCornerstoneImage: () => ({
      imageId: 'img-3',
      rows: ROWS,
      columns: ROWS,
      preScale: { scaled: true },
      getPixelData: () => new Int16Array(ROWS * ROWS).fill(-800),
    }),
  };
  const trigger = jest.fn();
  const history: Array<{ restoreMemo(undo?: boolean): void }> = [];
  const grid = { displaySetUID: 'ds-1' };
  (globalThis as Record<string, unknown>).window = {
    cornerstone: {
      getRenderingEngines: () => [{ getViewport: (id: string) => (id === 'vp1' ? viewport : undefined), getViewports: () => [viewport] }],
      utilities: {
        worldToImageCoords: (_id: string, w: number[]) => [w[0], w[1]],
        HistoryMemo: { DefaultHistoryMemo: { push: (memo: { restoreMemo(undo?: boolean): void }) => history.push(memo) } },
      },
      metaData: { get: (type: string, id: string) => (type === 'instance' && id === 'img-3' ? instance : undefined) },
      cache: { getImage: (id: string) => (id === 'lm-img-3' ? { voxelManager: { getScalarData: () => labelmap } } : undefined) },
      Enums: { Events: {} },
    },
    cornerstoneTools: {
      segmentation: {
        getLabelmapImageIdsForImageId: (imageId: string) => [`lm-${imageId}`],
        triggerSegmentationEvents: { triggerSegmentationDataModified: trigger },
      },
    },
  };
  const segmentations = new Set<string>();
  const segmentationService = {
    createLabelmapForDisplaySet: jest.fn(async () => (segmentations.add('seg-1'), 'seg-1')),
    getSegmentation: (id: string) => (segmentations.has(id) ? {} : undefined),
    getSegmentationRepresentations: () => [],
    addSegmentationRepresentation: jest.fn(async () => undefined),
    addSegment: jest.fn(),
    setSegmentColor: jest.fn(),
    getNextAvailableSegmentIndex: () => 2,
  };
  const displaySet = { displaySetInstanceUID: 'ds-1', Modality: modality };
  const spaService = new SpaService({ candidates: 3, samples: 8 });
  const services = {
    spaService,
    segmentationService,
    viewportGridService: { getDisplaySetsUIDsForViewport: () => [grid.displaySetUID], getActiveViewportId: () => 'vp1' },
    displaySetService: { getDisplaySetByUID: (uid: string) => ({ ...displaySet, displaySetInstanceUID: uid }) },
    uiNotificationService: { show: jest.fn() },
  } as any;
  (loadSpaModel as jest.Mock).mockResolvedValue({ model: fakeModel, predictor: fakeModel, provider: 'wasm', threads: 1 });
  return { controller: new SpaController(() => services), services, spaService, labelmap, segmentationService, trigger, history, grid };
}

afterEach(() => {
  jest.clearAllMocks();
  delete (globalThis as Record<string, unknown>).window;
});

describe('SpaController', () => {
  it('click -> round 1 -> approve writes "Nodule 1" into a new labelmap on the clicked slice', async () => {
    const { controller, spaService, labelmap, segmentationService, trigger } = setup();
    await controller.click({ viewportId: 'vp1', canvasPoint: [100.4, 90.7], positive: true });
    const session = spaService.getSession('vp1')!;
    expect(session).toMatchObject({ imageId: 'img-3', imageIndex: 3, busy: false, displaySetInstanceUID: 'ds-1' });
    expect(session.result!.round).toBe(1);
    expect(session.result!.clicks).toEqual([{ row: 90, col: 100, positive: true }]);
    expect(spaService.getState().modelStatus).toMatchObject({ state: 'ready', provider: 'wasm', threads: 1 });

    await controller.approve({ viewportId: 'vp1' });
    expect(spaService.getState().error).toBeNull();
    expect(segmentationService.createLabelmapForDisplaySet).toHaveBeenCalledWith(
      { displaySetInstanceUID: 'ds-1', Modality: 'CT' },
      { label: 'SPA segmentation', segments: { 1: { label: 'Nodule 1', active: true } } }
    );
    expect(segmentationService.addSegmentationRepresentation).toHaveBeenCalledWith('vp1', { segmentationId: 'seg-1', type: 'Labelmap' });
    expect(labelmap[90 * ROWS + 100]).toBe(1);
    expect(labelmap.reduce((a, v) => a + v, 0)).toBe(113); // the disk of radius 6
    expect(trigger).toHaveBeenCalledWith('seg-1', undefined, 1);
    const [structure] = spaService.getState().structures;
    expect(structure).toMatchObject({ label: 'Nodule 1', segmentationId: 'seg-1', segmentIndex: 1 });
    expect(structure.slices).toEqual([{ imageId: 'img-3', imageIndex: 3, source: 'approved', pixels: 113 }]);

    // Reset keeps the approved work; undoing the slice takes it out of the labelmap.
    controller.reset({ viewportId: 'vp1' });
    expect(spaService.getSession('vp1')).toBeUndefined();
    expect(labelmap[90 * ROWS + 100]).toBe(1);
    controller.undoStructureSlice({ structureKey: structure.key, imageId: 'img-3' });
    expect(labelmap.some(v => v)).toBe(false);
  });

  it("OHIF's Undo/Redo of an approval updates the labelmap and SPA's list alike", async () => {
    const { controller, spaService, labelmap, history } = setup();
    await controller.click({ viewportId: 'vp1', canvasPoint: [100, 90], positive: true });
    await controller.approve({ viewportId: 'vp1' });
    expect(history).toHaveLength(1);
    history[0].restoreMemo(true);
    expect(labelmap.some(v => v)).toBe(false);
    expect(spaService.getState().structures[0].slices).toEqual([]);
    history[0].restoreMemo(false);
    expect(labelmap[90 * ROWS + 100]).toBe(1);
    expect(spaService.getState().structures[0].slices).toEqual([{ imageId: 'img-3', imageIndex: 3, source: 'approved', pixels: 113 }]);
  });

  it('a viewport that changes series drops its session, not the approved work', async () => {
    const { controller, spaService, labelmap, grid } = setup();
    await controller.click({ viewportId: 'vp1', canvasPoint: [100, 90], positive: true });
    await controller.approve({ viewportId: 'vp1' });
    controller.dropStaleSessions();
    expect(spaService.getSession('vp1')).toBeDefined();
    grid.displaySetUID = 'ds-2';
    controller.dropStaleSessions();
    expect(spaService.getSession('vp1')).toBeUndefined();
    expect(labelmap[90 * ROWS + 100]).toBe(1);
    expect(spaService.getState().structures).toHaveLength(1);
  });

  it('a click outside the image says so and changes nothing', async () => {
    const { controller, spaService } = setup();
    await controller.click({ viewportId: 'vp1', canvasPoint: [-3, 50], positive: true });
    expect(spaService.getState().error).toMatchObject({ problem: 'click-outside-image' });
    expect(spaService.getState().sessions).toEqual({});
    expect(loadSpaModel).not.toHaveBeenCalled();
  });

  it('a series that is not CT or MR says so and changes nothing', async () => {
    const { controller, spaService } = setup('DX');
    await controller.click({ viewportId: 'vp1', canvasPoint: [50, 50], positive: true });
    expect(spaService.getState().error).toMatchObject({ problem: 'unsupported-series' });
    expect(spaService.getState().error!.message).toContain('this series is DX');
    expect(spaService.getState().sessions).toEqual({});
  });

  it('an image without PixelSpacing is refused with the reason and changes nothing', async () => {
    const { controller, spaService } = setup('CT', { PixelSpacing: undefined });
    await controller.click({ viewportId: 'vp1', canvasPoint: [50, 50], positive: true });
    expect(spaService.getState().error).toMatchObject({ problem: 'missing-spacing' });
    expect(spaService.getState().sessions).toEqual({});
    expect(loadSpaModel).not.toHaveBeenCalled();
  });

  it('a multi-frame image is refused; an MR slice runs with a notice shown once per series', async () => {
    const multi = setup('CT', { NumberOfFrames: 40 });
    await multi.controller.click({ viewportId: 'vp1', canvasPoint: [50, 50], positive: true });
    expect(multi.spaService.getState().error).toMatchObject({ problem: 'unsupported-image' });
    jest.clearAllMocks();
    const mr = setup('MR', { SOPClassUID: '1.2.840.10008.5.1.4.1.1.4' });
    await mr.controller.click({ viewportId: 'vp1', canvasPoint: [50, 50], positive: true });
    await mr.controller.click({ viewportId: 'vp1', canvasPoint: [52, 50], positive: true });
    expect(mr.spaService.getState().error).toBeNull();
    expect(mr.services.uiNotificationService.show).toHaveBeenCalledTimes(1);
    expect(mr.services.uiNotificationService.show.mock.calls[0][0].message).toMatch(/MR/);
  });

  it('rapid clicks: only the latest result is shown', async () => {
    const { controller, spaService } = setup();
    await Promise.all([
      controller.click({ viewportId: 'vp1', canvasPoint: [60, 60], positive: true }),
      controller.click({ viewportId: 'vp1', canvasPoint: [120, 130], positive: true }),
    ]);
    expect(spaService.getSession('vp1')!.result!.clicks).toEqual([{ row: 130, col: 120, positive: true }]);
    expect(spaService.getState().error).toBeNull();
  });

  it('sessions are per viewport: another viewport has none', async () => {
    const { controller, spaService } = setup();
    await controller.click({ viewportId: 'vp1', canvasPoint: [60, 60], positive: true });
    expect(Object.keys(spaService.getState().sessions)).toEqual(['vp1']);
    await controller.approve({ viewportId: 'vp2' });
    expect(spaService.getState().error).toMatchObject({ problem: 'no-session' });
  });
});
