/**
 * Simulated users. "rater": one reader's mask is the target, first click at its deepest pixel.
 * "spa" (after the SPA paper's released code): first click inside the readers' agreement; a
 * preference pixel picks which readers the user sides with; the target is their >= 50 % vote.
 */
import { countOn, deepestPoint, dice, SeededRandom } from '../../src/core';
import type { Click } from '../../src/core';
import type { CropSlice } from './dataset';

export type ProtocolName = 'spa' | 'rater';
export const PROTOCOLS: ProtocolName[] = ['spa', 'rater'];

export interface Case {
  protocol: ProtocolName;
  targetHW: Uint8Array;
  firstClick: Click;
}

function vote(masks: readonly Uint8Array[], atLeast: number): Uint8Array {
  const out = new Uint8Array(masks[0].length);
  for (let p = 0; p < out.length; p++) {
    let n = 0;
    for (const m of masks) n += m[p];
    out[p] = n >= atLeast ? 1 : 0;
  }
  return out;
}

/** Pixels at least half of `masks` mark (with two masks, their union). */
export function majorityOf(masks: readonly Uint8Array[]): Uint8Array {
  return vote(masks, Math.ceil(masks.length / 2));
}

/**
 * How well the readers who marked a slice agree with one another: the mean Dice over every
 * pair of them, and the pairs' mean area in px (null with one reader). A human reference
 * for a recommendation of a structure of that size.
 */
export function readerPairAgreement(masks: readonly Uint8Array[]): { dice: number; areaPx: number } | null {
  if (masks.length < 2) return null;
  const area = masks.map(countOn);
  let diceSum = 0, areaSum = 0, pairs = 0;
  for (let i = 0; i < masks.length; i++) {
    for (let j = i + 1; j < masks.length; j++) {
      diceSum += dice(masks[i], masks[j]);
      areaSum += (area[i] + area[j]) / 2;
      pairs++;
    }
  }
  return { dice: diceSum / pairs, areaPx: areaSum / pairs };
}

/** The first click of the "spa" protocol: deepest pixel all marking readers agree on. */
export function agreementClick(slice: CropSlice): Click {
  const readers = slice.readerMasksHW;
  for (const need of [readers.length, Math.ceil(readers.length / 2), 1]) {
    const p = deepestPoint(vote(readers, need), slice.size, slice.size);
    if (p) return { ...p, positive: true };
  }
  throw new Error(`${slice.id}: no reader marked this slice`);
}

export function raterCases(slice: CropSlice): Case[] {
  return slice.readerMasksHW.map(targetHW => {
    const p = deepestPoint(targetHW, slice.size, slice.size)!;
    return { protocol: 'rater', targetHW, firstClick: { ...p, positive: true } };
  });
}

/**
 * The "spa" user's target once the preference pixel and its label are drawn: the >= 50 % vote
 * of the readers who gave `pixel` that label (all of them when none did). Training draws the
 * same targets for the recommendation's loss (`preference_vote` in training/data.py).
 */
export function preferenceTarget(readers: readonly Uint8Array[], pixel: number, label: 0 | 1): Uint8Array {
  const siding = readers.filter(m => m[pixel] === label);
  return majorityOf(siding.length ? siding : readers);
}

/** The random stream of one slice's cases for a harness seed (the same for every tool that draws them). */
export function sliceRandom(sliceId: string, seed: number): SeededRandom {
  let h = 2166136261; // FNV-1a of the slice's id
  for (let i = 0; i < sliceId.length; i++) h = Math.imul(h ^ sliceId.charCodeAt(i), 16777619);
  return new SeededRandom(seed * 7919 + (h >>> 0));
}

export function spaCase(slice: CropSlice, rng: SeededRandom): Case {
  const readers = slice.readerMasksHW;
  const pixels = slice.size * slice.size;
  const count = new Uint8Array(pixels);
  for (const m of readers) for (let p = 0; p < pixels; p++) count[p] += m[p];
  const disputed: number[] = [];
  for (let p = 0; p < pixels; p++) if (count[p] > 0 && count[p] < readers.length) disputed.push(p);
  const pixel = disputed.length && rng.next() < 0.8 ? disputed[Math.floor(rng.next() * disputed.length)] : Math.floor(rng.next() * pixels);
  const majority = count[pixel] * 2 >= readers.length ? 1 : 0;
  const label = rng.next() < 0.8 ? majority : majority ? 0 : 1;
  return { protocol: 'spa', targetHW: preferenceTarget(readers, pixel, label), firstClick: agreementClick(slice) };
}
