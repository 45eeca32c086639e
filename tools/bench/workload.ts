/**
 * The timed workload, shared by the Node runs and the browser page (imports only src/core):
 * per case one plain model pass at batch 1 (forward_ms) and two SPA rounds with the test-time views, `start` with the
 * first click and `addClick` with the second (round_ms: model pass, N samples, clustering,
 * uncertainty). Cases are shipped to the page as JSON + one binary of grey crops.
 */
import { encodeClicks, prepareCrop, SpaSession, withTestTimeViews } from '../../src/core';
import type { Click, ModelInput, Predictor, SliceImage } from '../../src/core';

/** One real crop with the two clicks of a simulated user. */
export interface BenchCase {
  id: string;
  sizePx: number;
  /** Grey 0..255, sizePx * sizePx. */
  greyHW: Uint8Array;
  first: Click;
  second: Click;
}

/** JSON half of the cases as served to the page; grey crops follow in one binary, in order. */
export interface BenchCasesJson {
  cases: { id: string; sizePx: number; first: Click; second: Click }[];
}

export interface WorkloadOptions {
  /** Untimed rounds before timing (each also runs one untimed forward pass). */
  warmupRounds: number;
  /** Timed rounds at least (cases are cycled until reached). */
  minRounds: number;
  /** N samples per round. */
  samples: number;
  /** Test-time symmetry views per round (the forward pass stays one plain pass). */
  views: number;
}

export interface WorkloadTimings {
  forwardMs: number[];
  roundMs: number[];
}

export function encodeCases(cases: readonly BenchCase[]): { json: BenchCasesJson; bin: Uint8Array } {
  const total = cases.reduce((n, c) => n + c.sizePx * c.sizePx, 0);
  const bin = new Uint8Array(total);
  let offset = 0;
  for (const c of cases) {
    if (c.greyHW.length !== c.sizePx * c.sizePx) throw new Error(`case ${c.id}: expected ${c.sizePx * c.sizePx} grey values, got ${c.greyHW.length}`);
    bin.set(c.greyHW, offset);
    offset += c.greyHW.length;
  }
  return { json: { cases: cases.map(({ id, sizePx, first, second }) => ({ id, sizePx, first, second })) }, bin };
}

export function decodeCases(json: BenchCasesJson, bin: Uint8Array): BenchCase[] {
  let offset = 0;
  const cases = json.cases.map(c => {
    const greyHW = bin.slice(offset, offset + c.sizePx * c.sizePx);
    offset += c.sizePx * c.sizePx;
    return { ...c, greyHW };
  });
  if (offset !== bin.length) throw new Error(`cases binary has ${bin.length} bytes; the JSON describes ${offset}`);
  return cases;
}

function sliceOf(c: BenchCase): SliceImage {
  return { rows: c.sizePx, columns: c.sizePx, pixelData: c.greyHW, rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [1, 1] };
}

/** Run the workload; the caller owns (and releases) the model. */
export async function runWorkload(model: Predictor, cases: readonly BenchCase[], options: WorkloadOptions): Promise<WorkloadTimings> {
  if (!cases.length) throw new Error('runWorkload needs at least one case');
  const forwardMs: number[] = [];
  const roundMs: number[] = [];
  const contract = model.contract;
  const roundPredictor = withTestTimeViews(model, options.views);

  const oneCase = async (c: BenchCase, record: boolean): Promise<void> => {
    const slice = sliceOf(c);
    const centre = { row: c.sizePx / 2, col: c.sizePx / 2 };
    // A bare model pass at batch 1 (the click set of the first round).
    const crop = prepareCrop(slice, centre, contract);
    const input: ModelInput = { imageInput: crop.imageInput, clickMaps: encodeClicks([c.first], crop.cropOriginPx, contract) };
    let t = performance.now();
    await model.predict([input]);
    if (record) forwardMs.push(performance.now() - t);
    // Two SPA rounds as the panel runs them.
    const session = new SpaSession(roundPredictor, { samples: options.samples });
    t = performance.now();
    await session.start(slice, c.first, { cropCentre: centre });
    if (record) roundMs.push(performance.now() - t);
    t = performance.now();
    await session.addClick(c.second);
    if (record) roundMs.push(performance.now() - t);
  };

  for (let i = 0; i * 2 < options.warmupRounds; i++) await oneCase(cases[i % cases.length], false);
  for (let i = 0; roundMs.length < options.minRounds || i < cases.length; i++) await oneCase(cases[i % cases.length], true);
  return { forwardMs, roundMs };
}
