/**
 * What limits round 1 of the "spa" protocol: a diagnostic, not a figure of the model.
 *   npx tsx tools/eval/probeRound1.ts --data ../shared/data/lidc-crops --split models/spa-lidc-split.json [--limit 600] [--models <dir>]
 * For each slice's "spa" case (the harness's target and first click, seed 1) it prints the
 * round-1 recommendation's mean Dice when the samples' mean probability is cut at other
 * thresholds than the majority vote's 0.5, how much of the Dice lost is over- and how much
 * under-segmentation, and what the same network gives, without retraining, on the crop's
 * centre zoomed 2x for structures its first answer finds small.
 */
import { componentsAt, dice, fillHoles, SpaSession } from '../../src/core';
import { loadNodeModel } from '../lib/nodeModel';
import { loadCropSlices } from './dataset';
import { CommonOptions, evenlySpaced, parseOptions, splitPatients } from './options';
import { sliceRandom, spaCase } from './protocols';
import { sliceImageOf } from './simulate';
import { zoomed2x } from './zoom';

const THRESHOLDS = [0.3, 0.4, 0.5, 0.6];
/** First answers smaller than this (px) count as small structures for the zoom probe. */
const SMALL_AREA_PX = [20, 40, 100];

async function main(): Promise<void> {
  const args = parseOptions<CommonOptions>(process.argv.slice(2), { data: '', subset: 'val' }, ['limit'], '--data --split --subset --models --limit');
  const slices = evenlySpaced(loadCropSlices(args.data, splitPatients(args)), args.limit);
  const model = await loadNodeModel('node', { threads: 1, dir: args.models });
  const diceAt = THRESHOLDS.map(() => 0);
  let lostOver = 0;
  let lostUnder = 0;
  const small = SMALL_AREA_PX.map(() => ({ slices: 0, native: 0, zoomed: 0 }));
  for (const slice of slices) {
    const n = slice.size;
    const kase = spaCase(slice, sliceRandom(slice.id, 1));
    const finish = (voteHW: Uint8Array) => componentsAt(fillHoles(voteHW, [], n, n), [kase.firstClick], n, n);
    const round = await new SpaSession(model).start(sliceImageOf(slice), kase.firstClick, { cropCentre: { row: n / 2, col: n / 2 } });
    THRESHOLDS.forEach((t, i) => {
      diceAt[i] += dice(finish(Uint8Array.from(round.meanProbHW, p => (p >= t ? 1 : 0))), kase.targetHW);
    });
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
  console.log(`Dice lost to over-segmentation ${(lostOver / count).toFixed(4)}, to under-segmentation ${(lostUnder / count).toFixed(4)}`);
  for (const [i, limit] of SMALL_AREA_PX.entries()) {
    const s = small[i];
    console.log(`first answer under ${limit} px: ${s.slices} slices, Dice ${(s.native / s.slices).toFixed(4)} as is, ${(s.zoomed / s.slices).toFixed(4)} on the centre zoomed 2x`);
  }
}

main().catch(err => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
