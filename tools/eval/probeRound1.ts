/**
 * What limits round 1 of the "spa" protocol: a diagnostic, not a figure of the model.
 *   npx tsx tools/eval/probeRound1.ts --data ../shared/data/lidc-crops --split models/spa-lidc-split.json [--limit 600] [--models <dir>]
 * For each slice's "spa" case (the harness's target and first click, seed 1) it prints the
 * round-1 recommendation's mean Dice when the samples' mean probability is cut at other
 * thresholds than the majority vote's 0.5; the same with the threshold chosen per slice to
 * maximise the expected Dice against the model's own samples (minimum-Bayes-risk decoding)
 * and, as a bound, knowing the target; how much of the Dice lost is over- and how much
 * under-segmentation; other point estimates from the same pass (the mean logits alone, the
 * mixture's component means, many more samples, the mean probability smoothed); and what the
 * same network gives, without retraining, on the crop's centre zoomed 2x for structures its
 * first answer finds small.
 */
import { componentsAt, dice, drawSamples, fillHoles, ModelOutput, Predictor, SeededRandom, SpaSession, summariseSamples, uniformProfile } from '../../src/core';
import { loadNodeModel } from '../lib/nodeModel';
import { loadCropSlices } from './dataset';
import { CommonOptions, evenlySpaced, parseOptions, splitPatients } from './options';
import { sliceRandom, spaCase } from './protocols';
import { sliceImageOf } from './simulate';
import { zoomed2x } from './zoom';

const THRESHOLDS = [0.3, 0.4, 0.5, 0.6];
/** Thresholds the per-slice (minimum-Bayes-risk) choice picks from. */
const MBR_THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7];
const MBR_SAMPLES = 32;
/** Samples for the many-samples estimate of the mean probability (the engine draws 32). */
const MANY_SAMPLES = 512;
/** First answers smaller than this (px) count as small structures for the zoom probe. */
const SMALL_AREA_PX = [20, 40, 100];

async function main(): Promise<void> {
  const args = parseOptions<CommonOptions>(process.argv.slice(2), { data: '', subset: 'val' }, ['limit'], '--data --split --subset --models --limit');
  const slices = evenlySpaced(loadCropSlices(args.data, splitPatients(args)), args.limit);
  const model = await loadNodeModel('node', { threads: 1, dir: args.models });
  // Keeps the last pass's output so the MBR check can draw its own samples from it.
  let lastOutput: ModelOutput | null = null;
  const recording: Predictor = {
    contract: model.contract,
    predict: async batch => {
      const out = await model.predict(batch);
      lastOutput = out[0];
      return out;
    },
  };
  const { rank, components } = model.contract;
  const uniformPiM = uniformProfile(model.contract.name, components).piM;
  const diceAt = THRESHOLDS.map(() => 0);
  let mbrVote = 0;
  let mbrChosen = 0;
  let cutKnowingTarget = 0;
  let lostOver = 0;
  let lostUnder = 0;
  const small = SMALL_AREA_PX.map(() => ({ slices: 0, native: 0, zoomed: 0 }));
  const estimates = { meanLogits: 0, componentMeans: 0, manySamples: 0, smoothed: 0 };
  for (const slice of slices) {
    const n = slice.size;
    const kase = spaCase(slice, sliceRandom(slice.id, 1));
    const finish = (voteHW: Uint8Array) => componentsAt(fillHoles(voteHW, [], n, n), [kase.firstClick], n, n);
    const round = await new SpaSession(recording).start(sliceImageOf(slice), kase.firstClick, { cropCentre: { row: n / 2, col: n / 2 } });
    THRESHOLDS.forEach((t, i) => {
      diceAt[i] += dice(finish(Uint8Array.from(round.meanProbHW, p => (p >= t ? 1 : 0))), kase.targetHW);
    });
    // Minimum Bayes risk: of the masks cut at MBR_THRESHOLDS, the one with the highest mean
    // Dice against the samples (each finished like a mask) stands for the recommendation.
    const out = lastOutput!;
    const samples = drawSamples(out, uniformPiM, MBR_SAMPLES, rank, new SeededRandom(1));
    const pixels = n * n;
    const sampleMasks = Array.from({ length: MBR_SAMPLES }, (_, i) => finish(Uint8Array.from(samples.probsNHW.subarray(i * pixels, (i + 1) * pixels), p => (p >= 0.5 ? 1 : 0))));
    const { meanProbHW } = summariseSamples(samples);
    const cuts = MBR_THRESHOLDS.map(t => finish(Uint8Array.from(meanProbHW, p => (p >= t ? 1 : 0))));
    const expected = cuts.map(m => sampleMasks.reduce((sum, s) => sum + dice(m, s), 0));
    const best = expected.indexOf(Math.max(...expected));
    mbrVote += dice(cuts[MBR_THRESHOLDS.indexOf(0.5)], kase.targetHW);
    mbrChosen += dice(cuts[best], kase.targetHW);
    cutKnowingTarget += Math.max(...cuts.map(m => dice(m, kase.targetHW)));
    const cutAtHalf = (probHW: Float32Array) => dice(finish(Uint8Array.from(probHW, p => (p >= 0.5 ? 1 : 0))), kase.targetHW);
    estimates.meanLogits += cutAtHalf(out.meanLogitsHW.map(l => 1 / (1 + Math.exp(-l))));
    estimates.componentMeans += cutAtHalf(componentMeansProb(out, rank, components));
    estimates.manySamples += cutAtHalf(summariseSamples(drawSamples(out, uniformPiM, MANY_SAMPLES, rank, new SeededRandom(2))).meanProbHW);
    estimates.smoothed += cutAtHalf(binomial3x3(round.meanProbHW, n));
    // Dice's loss is (fp + fn) / (2 tp + fp + fn): its over- and under-segmentation parts.
    let tp = 0;
    let fp = 0;
    let fn = 0;
    round.recommendationHW.forEach((r, p) => {
      if (r && kase.targetHW[p]) tp++;
      else if (r) fp++;
      else if (kase.targetHW[p]) fn++;
    });
    if (tp + fp + fn) {
      lostOver += fp / (2 * tp + fp + fn);
      lostUnder += fn / (2 * tp + fp + fn);
    }
    const area = tp + fp;
    if (area >= Math.max(...SMALL_AREA_PX)) continue;
    // The zoomed crop covers native rows and columns [n/4, 3n/4); its 2 x 2 blocks average back.
    const click = { row: 2 * kase.firstClick.row + 0.5, col: 2 * kase.firstClick.col + 0.5, positive: true };
    const zoom = await new SpaSession(model).start(zoomed2x(slice), click, { cropCentre: { row: n, col: n } });
    const voteHW = new Uint8Array(n * n);
    for (let r = 0; r < n / 2; r++) {
      for (let c = 0; c < n / 2; c++) {
        const z = (2 * r) * n + 2 * c;
        const p = (zoom.meanProbHW[z] + zoom.meanProbHW[z + 1] + zoom.meanProbHW[z + n] + zoom.meanProbHW[z + n + 1]) / 4;
        voteHW[(r + n / 4) * n + c + n / 4] = p >= 0.5 ? 1 : 0;
      }
    }
    const native = dice(round.recommendationHW, kase.targetHW);
    const zoomed = dice(finish(voteHW), kase.targetHW);
    SMALL_AREA_PX.forEach((limit, i) => {
      if (area >= limit) return;
      small[i].slices++;
      small[i].native += native;
      small[i].zoomed += zoomed;
    });
  }
  await model.release();
  const count = slices.length;
  console.log(`round 1 of the "spa" protocol, ${count} slices, model ${model.contract.name} ${model.contract.version}`);
  console.log(`mean Dice with the mean probability cut at ${THRESHOLDS.join(' / ')}: ${diceAt.map(d => (d / count).toFixed(4)).join(' / ')} (0.5 is the majority vote)`);
  console.log(`on ${MBR_SAMPLES} samples of its own: mean Dice ${(mbrVote / count).toFixed(4)} with the majority vote, ${(mbrChosen / count).toFixed(4)} with the threshold of highest expected Dice per slice, ${(cutKnowingTarget / count).toFixed(4)} with the best threshold per slice knowing the target`);
  console.log(
    `other estimates from the same pass, cut at 0.5: mean logits alone ${(estimates.meanLogits / count).toFixed(4)}, mean probability of the ${components} component means ${(estimates.componentMeans / count).toFixed(4)}, ` +
      `of ${MANY_SAMPLES} samples ${(estimates.manySamples / count).toFixed(4)}, of the 32 samples smoothed 3 x 3 (1 2 1) ${(estimates.smoothed / count).toFixed(4)}`
  );
  console.log(`Dice lost to over-segmentation ${(lostOver / count).toFixed(4)}, to under-segmentation ${(lostUnder / count).toFixed(4)}`);
  for (const [i, limit] of SMALL_AREA_PX.entries()) {
    const s = small[i];
    console.log(`first answer under ${limit} px: ${s.slices} slices, Dice ${(s.native / s.slices).toFixed(4)} as is, ${(s.zoomed / s.slices).toFixed(4)} on the centre zoomed 2x`);
  }
}

/** The mean, over the mixture's components, of the probability each component's mean code decodes to. */
function componentMeansProb(out: ModelOutput, rank: number, components: number): Float32Array {
  const pixels = out.meanLogitsHW.length;
  const probHW = new Float32Array(pixels);
  for (let m = 0; m < components; m++) {
    for (let p = 0; p < pixels; p++) {
      let logit = out.meanLogitsHW[p];
      for (let r = 0; r < rank; r++) logit += out.factorRHW[r * pixels + p] * out.mixMeansMR[m * rank + r];
      probHW[p] += 1 / (1 + Math.exp(-logit)) / components;
    }
  }
  return probHW;
}

/** An n x n map smoothed with the separable kernel (1 2 1) / 4, renormalised at the edges. */
function binomial3x3(mapHW: Float32Array, n: number): Float32Array {
  const smoothAlong = (src: Float32Array, dRow: number, dCol: number): Float32Array => {
    const out = new Float32Array(n * n);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        let sum = 2 * src[row * n + col];
        let weight = 2;
        for (const side of [-1, 1]) {
          const r = row + side * dRow;
          const c = col + side * dCol;
          if (r < 0 || r >= n || c < 0 || c >= n) continue;
          sum += src[r * n + c];
          weight += 1;
        }
        out[row * n + col] = sum / weight;
      }
    }
    return out;
  };
  return smoothAlong(smoothAlong(mapHW, 0, 1), 1, 0);
}

main().catch(err => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
