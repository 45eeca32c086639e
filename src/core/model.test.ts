import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadNodeModel, loadOrt, MODELS_DIR, readModelFiles, RuntimeName } from '../../tools/lib/nodeModel';
import { ModelContract, parseContract } from './contract';
import { ModelLoadError } from './errors';
import { fetchModelFiles, LoadProgress, ModelOutput, SpaModel } from './model';
import { encodeClicks, prepareCrop } from './preprocess';
import { RoundResult, SpaSession } from './session';
import type { Click, SliceImage } from './types';

/**
 * Everything is read from models/ and the parity fixture written by training/export.py, so
 * that a retrained model (new weights, checksum and fixture) needs no change here.
 */
const NAME = 'spa-lidc';
const CONTRACT_FILE = join(MODELS_DIR, `${NAME}.json`);
const contractJson = JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as Record<string, unknown>;
const contract: ModelContract = parseContract(contractJson, CONTRACT_FILE);
const S = contract.cropSizePx;

interface ParityFixture {
  imageGrey: string;
  positive: [number, number][];
  negative: [number, number][];
  pixels: number[];
  meanLogits: number[];
  factor: number[][];
  mixMeans: number[][];
  mixLogvars: number[][];
}
const parity: ParityFixture = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tests', 'fixtures', `${NAME}-parity.json`), 'utf8'));
const PARITY_TOLERANCE = 1e-4;

/** The fixture's 128 x 128 grey crop as a slice (slope 1, intercept 0), so prepareCrop yields it back. */
const fixtureGrey = new Uint8Array(Buffer.from(parity.imageGrey, 'base64'));
const fixtureSlice: SliceImage = { rows: S, columns: S, pixelData: fixtureGrey, rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [0.703125, 0.703125] };
const fixtureClicks: Click[] = [
  ...parity.positive.map(([row, col]) => ({ row, col, positive: true })),
  ...parity.negative.map(([row, col]) => ({ row, col, positive: false })),
];

function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

const RUNTIMES: RuntimeName[] = ['node', 'wasm'];
const models: Partial<Record<RuntimeName, SpaModel>> = {};

beforeAll(async () => {
  for (const rt of RUNTIMES) models[rt] = await loadNodeModel(rt);
}, 60_000);

afterAll(async () => {
  for (const rt of RUNTIMES) await models[rt]?.release();
});

describe('parity with the PyTorch export (tests/fixtures/spa-lidc-parity.json)', () => {
  it('the fixture matches the contract', () => {
    expect(fixtureGrey).toHaveLength(S * S);
    expect(parity.factor).toHaveLength(contract.rank);
    expect(parity.mixMeans).toHaveLength(contract.components);
    parity.mixMeans.forEach(row => expect(row).toHaveLength(contract.rank));
    expect(parity.meanLogits).toHaveLength(parity.pixels.length);
    // Not a trivial fixture: the outputs vary across pixels.
    expect(Math.max(...parity.meanLogits) - Math.min(...parity.meanLogits)).toBeGreaterThan(1e-3);
  });

  it.each(RUNTIMES)('onnxruntime-%s reproduces the PyTorch outputs within 1e-4', async rt => {
    const crop = prepareCrop(fixtureSlice, { row: S / 2, col: S / 2 }, contract);
    expect(crop.cropOriginPx).toEqual({ row: S / 2 - contract.preprocessing.crop.centreIndexPx, col: S / 2 - contract.preprocessing.crop.centreIndexPx });
    // The fixture crop spans 0..255, so preprocessing gives it back unchanged; the input is grey / 255.
    expect(Buffer.from(crop.greyHW).equals(Buffer.from(fixtureGrey))).toBe(true);
    const clickMaps = encodeClicks(fixtureClicks, { row: 0, col: 0 }, contract);
    const [out] = await models[rt]!.predict([{ imageInput: crop.imageInput, clickMaps }]);
    const at = (a: Float32Array, offset: number) => parity.pixels.map(p => a[offset + p]);
    expect(maxAbsDiff(at(out.meanLogitsHW, 0), parity.meanLogits)).toBeLessThanOrEqual(PARITY_TOLERANCE);
    for (let r = 0; r < contract.rank; r++) {
      expect({ r, diff: maxAbsDiff(at(out.factorRHW, r * S * S), parity.factor[r]) <= PARITY_TOLERANCE }).toEqual({ r, diff: true });
    }
    expect(maxAbsDiff(out.mixMeansMR, parity.mixMeans.flat())).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(maxAbsDiff(out.mixLogvarsMR, parity.mixLogvars.flat())).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('a batch of two gives the same outputs as two single runs', async () => {
    const crop = prepareCrop(fixtureSlice, { row: S / 2, col: S / 2 }, contract);
    const a = { imageInput: crop.imageInput, clickMaps: encodeClicks(fixtureClicks, { row: 0, col: 0 }, contract) };
    const b = { imageInput: crop.imageInput, clickMaps: encodeClicks([{ row: 40, col: 80, positive: true }], { row: 0, col: 0 }, contract) };
    const model = models.node!;
    const [ba, bb] = await model.predict([a, b]);
    const [sa] = await model.predict([a]);
    const [sb] = await model.predict([b]);
    for (const key of ['meanLogitsHW', 'factorRHW', 'mixMeansMR', 'mixLogvarsMR'] as (keyof ModelOutput)[]) {
      expect(maxAbsDiff(ba[key], sa[key])).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(bb[key], sb[key])).toBeLessThanOrEqual(1e-5);
    }
    // The two inputs differ in their clicks only; the outputs must too, or the clicks are ignored.
    expect(maxAbsDiff(ba.meanLogitsHW, bb.meanLogitsHW)).toBeGreaterThan(0);
  });

  it('refuses inputs of the wrong size, naming the expected shapes', async () => {
    await expect(models.node!.predict([{ imageInput: new Float32Array(10), clickMaps: new Float32Array(2 * S * S) }])).rejects.toThrow(
      `expected image float32[1,1,${S},${S}] and clicks float32[1,2,${S},${S}], got 10 and ${2 * S * S} values`
    );
  });
});

describe('onnxruntime-web (wasm) and onnxruntime-node give the same SPA rounds', () => {
  function sameMask(a: Uint8Array, b: Uint8Array): number {
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    return differ;
  }

  function expectSameRound(node: RoundResult, web: RoundResult): void {
    expect(web.round).toBe(node.round);
    expect(web.clicks).toEqual(node.clicks);
    for (let m = 0; m < node.piM.length; m++) expect(web.piM[m]).toBeCloseTo(node.piM[m], 6);
    // Exact equality of every mask: both runtimes' float32 outputs differ by ~1e-6 at most
    // (see the parity test), which moves no sample probability across 0.5 and no sample
    // between clusters on these inputs.
    expect(sameMask(web.recommendationHW, node.recommendationHW)).toBe(0);
    // The sample statistics agree to float32 noise.
    expect(maxAbsDiff(web.meanProbHW, node.meanProbHW)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(web.uncertaintyHW, node.uncertaintyHW)).toBeLessThanOrEqual(1e-5);
    expect(web.candidates.map(c => c.share)).toEqual(node.candidates.map(c => c.share));
    expect(web.candidates.map(c => c.sampleIndices)).toEqual(node.candidates.map(c => c.sampleIndices));
    node.candidates.forEach((c, k) => expect({ k, differ: sameMask(web.candidates[k].maskHW, c.maskHW) }).toEqual({ k, differ: 0 }));
  }

  it('start, choose and addClick give identical recommendations and candidates for one seed', async () => {
    const options = { samples: 32, candidates: 3, seed: 11 };
    const node = new SpaSession(models.node!, options);
    const web = new SpaSession(models.wasm!, options);
    const first: Click = { row: 64, col: 64, positive: true };
    const n1 = await node.start(fixtureSlice, first);
    const w1 = await web.start(fixtureSlice, first);
    expectSameRound(n1, w1);
    const n2 = await node.choose(0);
    const w2 = await web.choose(0);
    expectSameRound(n2, w2);
    const click: Click = { row: 30, col: 90, positive: false };
    expectSameRound(await node.addClick(click), await web.addClick(click));
    const approvedNode = node.approve();
    const approvedWeb = web.approve();
    expect(sameMask(approvedWeb.maskRowsCols, approvedNode.maskRowsCols)).toBe(0);
  });
});

describe('loading errors name the file and the problem', () => {
  const files = readModelFiles(NAME);
  let ort: Awaited<ReturnType<typeof loadOrt>>;
  beforeAll(async () => {
    ort = await loadOrt('node');
  });

  async function loadError(promise: Promise<unknown>): Promise<ModelLoadError> {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(ModelLoadError);
      return err as ModelLoadError;
    }
    throw new Error('the model loaded although it should not have');
  }

  it('reads the shipped files, whose size and checksum match the contract', () => {
    expect(files.modelBytes.byteLength).toBe(contract.bytes);
    expect(createHash('sha256').update(files.modelBytes).digest('hex')).toBe(contract.sha256);
  });

  it('a truncated model is "corrupt"', async () => {
    const err = await loadError(SpaModel.create(ort, contractJson, files.modelBytes.slice(0, files.modelBytes.length - 1000), { contractFile: CONTRACT_FILE }));
    expect(err.problem).toBe('corrupt');
    expect(err.file).toBe(contract.file);
    expect(err.message).toContain(contract.file);
    expect(err.message).toContain(`expected ${contract.bytes} bytes, got ${contract.bytes - 1000}`);
  });

  it('a model with one flipped byte and the right length fails the "checksum"', async () => {
    const bytes = files.modelBytes.slice();
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    const err = await loadError(SpaModel.create(ort, contractJson, bytes, { contractFile: CONTRACT_FILE }));
    expect(err.problem).toBe('checksum');
    expect(err.file).toBe(contract.file);
    expect(err.message).toContain(contract.sha256);
  });

  it('an unknown contract version is "unknown-contract", naming the contract file', async () => {
    const err = await loadError(SpaModel.create(ort, { ...contractJson, contractVersion: 99 }, files.modelBytes, { contractFile: CONTRACT_FILE }));
    expect(err.problem).toBe('unknown-contract');
    expect(err.file).toBe(CONTRACT_FILE);
    expect(err.message).toContain(CONTRACT_FILE);
    expect(err.message).toMatch(/contract version 99 is not supported/);
  });

  it('a contract with a missing field is "corrupt"', async () => {
    const { outputs: _drop, ...noOutputs } = contractJson;
    const err = await loadError(SpaModel.create(ort, noOutputs, files.modelBytes, { contractFile: CONTRACT_FILE }));
    expect(err.problem).toBe('corrupt');
    expect(err.message).toMatch(/outputs\.meanLogits/);
  });

  it('segmentedCentrePx defaults to the whole crop and must be a centred square inside it', () => {
    const { segmentedCentrePx: _drop, ...wholeCrop } = contractJson;
    expect(parseContract(wholeCrop, CONTRACT_FILE).segmentedCentrePx).toBe(contract.cropSizePx);
    expect(parseContract({ ...contractJson, segmentedCentrePx: 64 }, CONTRACT_FILE).segmentedCentrePx).toBe(64);
    for (const bad of [0, 63, contract.cropSizePx + 2, 'half']) {
      expect(() => parseContract({ ...contractJson, segmentedCentrePx: bad }, CONTRACT_FILE)).toThrow(/segmentedCentrePx/);
    }
  });

  it('bytes that pass the checksum but are not ONNX are a "runtime" error', async () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 37) & 0xff);
    const sha256 = createHash('sha256').update(junk).digest('hex');
    const err = await loadError(SpaModel.create(ort, { ...contractJson, bytes: junk.length, sha256 }, junk, { contractFile: CONTRACT_FILE }));
    expect(err.problem).toBe('runtime');
    expect(err.file).toBe(contract.file);
  });

  it('reports verify, session and ready progress and loads the real model', async () => {
    const stages: LoadProgress[] = [];
    const model = await SpaModel.create(ort, contractJson, files.modelBytes, {
      contractFile: CONTRACT_FILE,
      onProgress: p => stages.push(p),
      sessionOptions: { executionProviders: ['cpu'], intraOpNumThreads: 1 },
    });
    await model.release();
    expect(stages.map(s => s.stage)).toEqual(['verify', 'session', 'ready']);
    expect(stages.every(s => s.totalBytes === contract.bytes && s.loadedBytes === contract.bytes)).toBe(true);
    await expect(model.predict([])).rejects.toThrow(/after release/);
  });

  describe('readModelFiles on a directory', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spa-model-test-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('without the contract is "missing", naming the contract file', () => {
      const expectedFile = join(dir, `${NAME}.json`);
      expect(() => readModelFiles(NAME, dir)).toThrow(ModelLoadError);
      try {
        readModelFiles(NAME, dir);
      } catch (err) {
        expect((err as ModelLoadError).problem).toBe('missing');
        expect((err as ModelLoadError).file).toBe(expectedFile);
        expect((err as Error).message).toContain(expectedFile);
      }
    });

    it('with the contract but without the model is "missing", naming the model file', () => {
      writeFileSync(join(dir, `${NAME}.json`), JSON.stringify(contractJson));
      expect(() => readModelFiles(NAME, dir)).toThrow(expect.objectContaining({ problem: 'missing', file: join(dir, contract.file) }));
    });

    it('with a contract that is not JSON is "corrupt"', () => {
      writeFileSync(join(dir, `${NAME}.json`), '{"contractVersion": 1,');
      expect(() => readModelFiles(NAME, dir)).toThrow(expect.objectContaining({ problem: 'corrupt', file: join(dir, `${NAME}.json`) }));
    });
  });
});

describe('fetchModelFiles over HTTP', () => {
  let server: Server;
  let base: string;
  let closedBase: string;

  beforeAll(async () => {
    // A static server for models/, streaming files in 64 KiB chunks; 404 for anything else.
    server = createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '/').replace(/^\/models\//, ''));
      const file = join(MODELS_DIR, name);
      if (!req.url?.startsWith('/models/') || name.includes('/') || name.includes('..')) {
        res.writeHead(404).end();
        return;
      }
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        res.writeHead(404, 'Not Found').end();
        return;
      }
      res.writeHead(200, { 'Content-Length': size, 'Content-Type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
      createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(res);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models`;
    // A port that had a server a moment ago and now refuses connections.
    const closed = createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    closedBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/models`;
    await new Promise<void>(resolve => closed.close(() => resolve()));
  });

  afterAll(async () => {
    await new Promise<void>(resolve => server.close(() => resolve()));
  });

  it('downloads the contract and the model, reporting progress up to totalBytes', async () => {
    const events: LoadProgress[] = [];
    const fetched = await fetchModelFiles(`${base}/`, NAME, p => events.push({ ...p }));
    expect(fetched.contractFile).toBe(`${base}/${NAME}.json`);
    expect(fetched.contractJson).toEqual(contractJson);
    expect(Buffer.from(fetched.modelBytes).equals(readFileSync(join(MODELS_DIR, contract.file)))).toBe(true);
    expect(events[0].stage).toBe('contract');
    const downloads = events.filter(e => e.stage === 'download');
    expect(downloads.length).toBeGreaterThan(1); // several chunks of a multi-megabyte file
    for (let i = 1; i < downloads.length; i++) expect(downloads[i].loadedBytes).toBeGreaterThan(downloads[i - 1].loadedBytes);
    expect(downloads.every(e => e.totalBytes === contract.bytes)).toBe(true);
    expect(downloads[downloads.length - 1].loadedBytes).toBe(contract.bytes);
  });

  it('a 404 for the contract is "missing", naming the URL', async () => {
    const err = await fetchModelFiles(base, 'no-such-model').catch(e => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err).toMatchObject({ problem: 'missing', file: `${base}/no-such-model.json` });
    expect(err.message).toMatch(/HTTP 404/);
  });

  it('a 404 for the model named by the contract is "missing", naming the model URL', async () => {
    // Serve a contract that points at a file the server does not have.
    const alt = createServer((req, res) => {
      if (req.url === '/m/other.json') res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...contractJson, file: 'gone.onnx' }));
      else res.writeHead(404).end();
    });
    await new Promise<void>(resolve => alt.listen(0, '127.0.0.1', resolve));
    const altBase = `http://127.0.0.1:${(alt.address() as AddressInfo).port}/m`;
    try {
      const err = await fetchModelFiles(altBase, 'other').catch(e => e);
      expect(err).toMatchObject({ problem: 'missing', file: `${altBase}/gone.onnx` });
    } finally {
      await new Promise<void>(resolve => alt.close(() => resolve()));
    }
  });

  it('an unreachable server is "missing"', async () => {
    const err = await fetchModelFiles(closedBase, NAME).catch(e => e);
    expect(err).toMatchObject({ problem: 'missing', file: `${closedBase}/${NAME}.json` });
  });

  it('an unknown contract version over HTTP is "unknown-contract"', async () => {
    const alt = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...contractJson, contractVersion: 99 })));
    await new Promise<void>(resolve => alt.listen(0, '127.0.0.1', resolve));
    const altBase = `http://127.0.0.1:${(alt.address() as AddressInfo).port}`;
    try {
      await expect(fetchModelFiles(altBase, NAME)).rejects.toMatchObject({ problem: 'unknown-contract', file: `${altBase}/${NAME}.json` });
    } finally {
      await new Promise<void>(resolve => alt.close(() => resolve()));
    }
  });
});
