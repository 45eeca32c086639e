/**
 * The SPA loop for one structure on one slice: start -> (choose | addClick | undo)* -> approve.
 * Framework-free: the OHIF panel and the evaluation harness both drive this class.
 */
import { kMeansPlusPlus } from './clustering';
import { componentsAt, fillHoles } from './masks';
import { SpaInputError } from './errors';
import type { ModelOutput, Predictor } from './model';
import { derivedClick, PreferenceProfile, responsibilities, uniformProfile, updateWeights } from './preference';
import { encodeClicks, pasteCrop, prepareCrop } from './preprocess';
import { SeededRandom } from './random';
import { drawSamples, meanOfSamples, SampleSet, summariseSamples } from './sampling';
import type { Click, PixelPoint, SliceImage } from './types';

export interface SpaOptions {
  /** Samples drawn per round (N). */
  samples: number;
  /** Candidates shown per round (K, 2..6). */
  candidates: number;
  seed: number;
  /** Blend rate of the EM step on pi; 0 freezes the weights. */
  learningRate: number;
  /** Add the derived correction click after a choice. */
  derivedClicks: boolean;
}

export const DEFAULT_OPTIONS: SpaOptions = { samples: 32, candidates: 3, seed: 1, learningRate: 0.75, derivedClicks: true };

export interface Candidate {
  maskHW: Uint8Array;
  /** Fraction of the N samples in this candidate's cluster. */
  share: number;
  sampleIndices: number[];
}

export interface RoundResult {
  /** 1 for the set shown after the first click; r after r - 1 choices or clicks. */
  round: number;
  cropOriginPx: PixelPoint;
  cropSizePx: number;
  greyHW: Uint8Array;
  clicks: Click[];
  piM: number[];
  /** The samples' majority vote, only the parts connected to a positive click. */
  recommendationHW: Uint8Array;
  meanProbHW: Float32Array;
  uncertaintyHW: Float32Array;
  candidates: Candidate[];
}

interface RoundState {
  result: RoundResult;
  output: ModelOutput;
  samples: SampleSet;
}

/** Thrown to a caller whose run was overtaken by a newer call (the latest wins). */
export class SpaCancelledError extends Error {
  constructor() {
    super('superseded by a newer SPA request');
    this.name = 'SpaCancelledError';
  }
}

export class SpaSession {
  readonly options: SpaOptions;
  private readonly model: Predictor;
  private profile: PreferenceProfile;
  private slice: SliceImage | null = null;
  private imageInput: Float32Array | null = null;
  private greyHW: Uint8Array | null = null;
  private cropOriginPx: PixelPoint = { row: 0, col: 0 };
  private history: RoundState[] = [];
  private generation = 0;

  constructor(model: Predictor, options: Partial<SpaOptions> = {}, profile?: PreferenceProfile) {
    this.model = model;
    this.options = { ...DEFAULT_OPTIONS, ...options };
    const { candidates, samples } = this.options;
    if (!Number.isInteger(candidates) || candidates < 2 || candidates > 6) {
      throw new RangeError(`candidates must be an integer in 2..6, got ${candidates}`);
    }
    if (!Number.isInteger(samples) || samples < candidates) {
      throw new RangeError(`samples must be an integer >= candidates (${candidates}), got ${samples}`);
    }
    const { name, components } = model.contract;
    this.profile = profile ?? uniformProfile(name, components);
    if (this.profile.piM.length !== components || this.profile.model !== name) {
      throw new SpaInputError('bad-profile', `Preference profile is for model "${this.profile.model}" with ${this.profile.piM.length} components; this model is "${name}" with ${components}.`);
    }
  }

  get current(): RoundResult | null {
    return this.history.length ? this.history[this.history.length - 1].result : null;
  }

  get preferenceProfile(): PreferenceProfile {
    return { ...this.profile, piM: [...this.profile.piM] };
  }

  /**
   * Begin on a slice with a first click. The crop is centred on `cropCentre` (default: the
   * click) and stays fixed for the structure.
   */
  async start(slice: SliceImage, click: Click, options: { cropCentre?: PixelPoint } = {}): Promise<RoundResult> {
    if (!(slice.rows > 0 && slice.columns > 0) || slice.pixelData.length !== slice.rows * slice.columns) {
      throw new SpaInputError('unsupported-image', `Expected a single-channel slice with ${slice.rows} x ${slice.columns} pixels, got ${slice.pixelData.length} values.`);
    }
    if (!isInside(click, slice.rows, slice.columns)) {
      throw new SpaInputError('click-outside-image', `The click (row ${click.row.toFixed(0)}, column ${click.col.toFixed(0)}) is outside the ${slice.rows} x ${slice.columns} image; click on the structure itself.`);
    }
    const token = ++this.generation;
    const crop = prepareCrop(slice, options.cropCentre ?? click, this.model.contract);
    const clicks = [roundClick(click)];
    const output = await this.runModel(crop.imageInput, clicks, crop.cropOriginPx);
    this.assertLatest(token);
    this.slice = slice;
    this.imageInput = crop.imageInput;
    this.greyHW = crop.greyHW;
    this.cropOriginPx = crop.cropOriginPx;
    this.history = [];
    return this.pushRound(output, clicks, [...this.profile.piM]);
  }

  /**
   * The user picked candidate k: EM step on pi towards the samples behind it, and a derived
   * click where it differs most from the other candidates; then a new set. Picking the
   * recommendation tells nothing about the disputed parts: pi and the clicks stay, and the
   * set is drawn again.
   */
  async choose(k: number | 'recommendation'): Promise<RoundResult> {
    const state = this.requireState();
    const { candidates } = state.result;
    const weights = new Float64Array(state.samples.n);
    if (k === 'recommendation') {
      weights.fill(1);
      return this.adapt(state, weights, null);
    }
    if (!Number.isInteger(k) || k < 0 || k >= candidates.length) {
      throw new SpaInputError('bad-choice', `There is no candidate ${k + 1}; this round has ${candidates.length}.`);
    }
    candidates[k].sampleIndices.forEach(i => (weights[i] = 1));
    const size = state.result.cropSizePx;
    const meanProbs = candidates.map(c => meanOfSamples(state.samples, c.sampleIndices));
    const extra = this.options.derivedClicks ? derivedClick(meanProbs[k], meanProbs.filter((_, j) => j !== k), size, size) : null;
    const click = extra ? { row: extra.row + this.cropOriginPx.row, col: extra.col + this.cropOriginPx.col, positive: extra.positive } : null;
    return this.adapt(state, weights, click);
  }

  /** The user clicked instead of choosing: pi moves towards samples that agree with the click. */
  async addClick(click: Click): Promise<RoundResult> {
    const state = this.requireState();
    const size = state.result.cropSizePx;
    const y = Math.round(click.row) - this.cropOriginPx.row;
    const x = Math.round(click.col) - this.cropOriginPx.col;
    if (!isInside(click, this.slice!.rows, this.slice!.columns)) {
      throw new SpaInputError('click-outside-image', `The click is outside the ${this.slice!.rows} x ${this.slice!.columns} image.`);
    }
    const segmented = this.model.contract.segmentedCentrePx;
    const lo = (size - segmented) / 2;
    if (y < lo || x < lo || y >= lo + segmented || x >= lo + segmented) {
      throw new SpaInputError('click-outside-crop', `The click is more than ${segmented / 2} pixels from the structure's first click; reset to start a new structure there.`);
    }
    const pixels = size * size;
    const weights = new Float64Array(state.samples.n);
    for (let i = 0; i < state.samples.n; i++) {
      const inside = state.samples.probsNHW[i * pixels + y * size + x] >= 0.5;
      weights[i] = inside === click.positive ? 1 : 0;
    }
    return this.adapt(state, weights, roundClick(click));
  }

  /** Back to the previous round; null when there is none. */
  undo(): RoundResult | null {
    if (this.history.length < 2) return null;
    this.generation++;
    this.history.pop();
    const top = this.history[this.history.length - 1];
    this.profile = { ...this.profile, piM: [...top.result.piM] };
    return top.result;
  }

  /** Forget the structure (the preference profile is kept). */
  reset(): void {
    this.generation++;
    this.history = [];
    this.slice = null;
  }

  /**
   * The final mask in the slice's geometry (rows x columns, 1 inside): the current
   * recommendation, or candidate `k` when given.
   */
  approve(k?: number): { maskRowsCols: Uint8Array; rows: number; columns: number } {
    const state = this.requireState();
    const mask = k === undefined ? state.result.recommendationHW : state.result.candidates[k]?.maskHW;
    if (!mask) throw new SpaInputError('bad-choice', `There is no candidate ${(k ?? 0) + 1} to approve.`);
    const { rows, columns } = this.slice!;
    return { maskRowsCols: pasteCrop(mask, this.cropOriginPx, state.result.cropSizePx, rows, columns), rows, columns };
  }

  private async adapt(state: RoundState, weightN: Float64Array, click: Click | null): Promise<RoundResult> {
    const token = ++this.generation;
    const { rank } = this.model.contract;
    const gamma = responsibilities(state.samples, state.output, state.result.piM, rank);
    const piM = updateWeights(state.result.piM, gamma, weightN, this.options.learningRate);
    const clicks = click ? [...state.result.clicks, click] : state.result.clicks;
    const output = click ? await this.runModel(this.imageInput!, clicks, this.cropOriginPx) : state.output;
    this.assertLatest(token);
    this.profile = { ...this.profile, piM, choices: this.profile.choices + 1, updatedAt: new Date().toISOString() };
    return this.pushRound(output, clicks, piM);
  }

  private async runModel(imageInput: Float32Array, clicks: Click[], origin: PixelPoint): Promise<ModelOutput> {
    const [output] = await this.model.predict([{ imageInput, clickMaps: encodeClicks(clicks, origin, this.model.contract) }]);
    return output;
  }

  private pushRound(output: ModelOutput, clicks: Click[], piM: number[]): RoundResult {
    const { rank, cropSizePx } = this.model.contract;
    const round = this.history.length + 1;
    const rng = new SeededRandom(this.options.seed * 1000003 + round);
    const samples = drawSamples(output, piM, this.options.samples, rank, rng);
    const summary = summariseSamples(samples);
    // Masks are filled (holes only where a negative click is) and keep only the parts
    // connected to a positive click: the structure the user pointed at.
    const origin = this.cropOriginPx;
    const inCrop = (c: Click) => ({ row: c.row - origin.row, col: c.col - origin.col });
    const seeds = clicks.filter(c => c.positive).map(inCrop);
    const negatives = clicks.filter(c => !c.positive).map(inCrop);
    const clicked = (maskHW: Uint8Array) => componentsAt(fillHoles(maskHW, negatives, cropSizePx, cropSizePx), seeds, cropSizePx, cropSizePx);
    const result: RoundResult = {
      round,
      cropOriginPx: origin,
      cropSizePx,
      greyHW: this.greyHW!,
      clicks,
      piM,
      ...summary,
      recommendationHW: clicked(summary.recommendationHW),
      candidates: makeCandidates(samples, this.options.candidates, rng, clicked),
    };
    this.history.push({ result, output, samples });
    return result;
  }

  private requireState(): RoundState {
    const top = this.history[this.history.length - 1];
    if (!top || !this.slice) throw new SpaInputError('no-session', 'Click on a structure first to start SPA.');
    return top;
  }

  private assertLatest(token: number): void {
    if (token !== this.generation) throw new SpaCancelledError();
  }
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) return false;
  return true;
}

function isInside(p: PixelPoint, rows: number, columns: number): boolean {
  return p.row >= 0 && p.col >= 0 && p.row <= rows - 1 && p.col <= columns - 1;
}

function roundClick(c: Click): Click {
  return { row: Math.round(c.row), col: Math.round(c.col), positive: c.positive };
}

/**
 * K clusters of the samples, each as the majority mask of its members (passed through
 * `finish`, default as is), largest first; identical masks merged.
 */
export function makeCandidates(samples: SampleSet, k: number, rng: SeededRandom, finish: (maskHW: Uint8Array) => Uint8Array = m => m): Candidate[] {
  const pixels = samples.probsNHW.length / samples.n;
  const { assignmentN, k: found } = kMeansPlusPlus(samples.probsNHW, samples.n, k, rng, { activePixels: samples.differingPixels });
  const out: Candidate[] = [];
  for (let c = 0; c < found; c++) {
    const members: number[] = [];
    assignmentN.forEach((a, i) => a === c && members.push(i));
    const meanHW = meanOfSamples(samples, members);
    const voteHW = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) voteHW[p] = meanHW[p] >= 0.5 ? 1 : 0;
    const maskHW = finish(voteHW);
    const same = out.find(o => sameMask(o.maskHW, maskHW));
    if (same) {
      same.sampleIndices.push(...members);
      same.share = same.sampleIndices.length / samples.n;
    } else {
      out.push({ maskHW, share: members.length / samples.n, sampleIndices: members });
    }
  }
  return out.sort((a, b) => b.share - a.share);
}
