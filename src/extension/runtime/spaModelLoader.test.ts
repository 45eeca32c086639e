import { fetchModelFiles, ModelLoadError, SpaModel, SymmetryEnsemblePredictor } from '../../core';
import { isModelRequested, loadSpaModel, splitContractUrl } from './spaModelLoader';

jest.mock('../../core', () => {
  const actual = jest.requireActual('../../core');
  return { ...actual, fetchModelFiles: jest.fn(), SpaModel: { create: jest.fn() } };
});
jest.mock('onnxruntime-web/wasm', () => ({ env: { wasm: {} } }));

const location = { modelContractUrl: '/models/spa-lidc.json', ortWasmPaths: '/onnxruntime-web/', testTimeViews: 2 };

describe('spaModelLoader', () => {
  it('locates the model files from the contract URL', () => {
    expect(splitContractUrl('/models/spa-lidc.json')).toEqual({ baseUrl: '/models', name: 'spa-lidc' });
    expect(splitContractUrl('https://h/x/m.v2.json')).toEqual({ baseUrl: 'https://h/x', name: 'm.v2' });
    expect(() => splitContractUrl('/models/spa-lidc.onnx')).toThrow('modelContractUrl must name a .json file, got "/models/spa-lidc.onnx"');
  });

  it('forgets a failed load so that Retry starts afresh, then loads once per page', async () => {
    const fetchMock = fetchModelFiles as jest.Mock;
    const createMock = SpaModel.create as jest.Mock;
    fetchMock.mockRejectedValueOnce(new ModelLoadError('missing', '/models/spa-lidc.onnx', 'HTTP 404 Not Found'));
    await expect(loadSpaModel(location)).rejects.toThrow('HTTP 404 Not Found');
    expect(isModelRequested()).toBe(false);

    fetchMock.mockResolvedValue({ contractJson: {}, contractFile: '/models/spa-lidc.json', modelBytes: new Uint8Array(4) });
    createMock.mockResolvedValue({ contract: { name: 'spa-lidc', cropSizePx: 128, gridSymmetries: 8 } });
    const [a, b] = await Promise.all([loadSpaModel(location), loadSpaModel(location)]);
    expect(a).toBe(b);
    expect(createMock).toHaveBeenCalledTimes(1);
    expect(createMock.mock.calls[0][3].sessionOptions.executionProviders).toEqual(['wasm']);
    // jest's Node environment is not cross-origin isolated: one thread, and the panel says why.
    expect(a).toMatchObject({ provider: 'wasm', threads: 1, notice: expect.stringContaining('not cross-origin isolated') });
    expect(isModelRequested()).toBe(true);
    // Sessions run the model averaged over the configured symmetry views.
    expect(a.predictor).toBeInstanceOf(SymmetryEnsemblePredictor);
    expect((a.predictor as SymmetryEnsemblePredictor).views).toBe(2);
  });
});
