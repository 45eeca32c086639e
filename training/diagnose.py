"""Diagnostics of a trained SPA network on the validation patients (PyTorch, no ONNX).

Usage:
    /usr/bin/python3 training/diagnose.py --checkpoint training/runs/spa-lidc-2/model.pt \
        --data ../shared/data/lidc-crops [--slices 400]

Prints, on evenly spaced validation slices (first click only, as round 1):
- the recommendation's Dice against the readers' majority, on the crops as stored and on
  crops centred on the click (what the viewer gives the model);
- the same with all samples drawn from one mixture component at a time: when the components
  give the same Dice, the preference mixture has collapsed and adapting pi can change little;
- on the stored crops, precision and recall of the recommendation by the majority's area,
  and its Dice by how many readers marked the slice;
- on the stored crops, the recommendation's Dice with other thresholds of the samples' mean
  than the engine's 0.5, overall and by the majority's area (a calibration check);
- a human reference on the same targets: where two or more readers marked the slice, each
  in turn is left out and the others' >= 50 % vote is the target (the harness's vote rule);
  the left-out reader's Dice against it next to the recommendation's.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load_slices, split_patients  # noqa: E402
from from_onnx import net_for_config  # noqa: E402
from model import decode_samples  # noqa: E402
from train import dice_per_item, make_batch  # noqa: E402

SAMPLES = 32
AREA_BINS_PX = ((0, 30), (30, 300), (300, 128 * 128 + 1))
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


@torch.no_grad()
def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="model.pt written by train.py")
    p.add_argument("--data", required=True)
    p.add_argument("--slices", type=int, default=400)
    p.add_argument("--split-seed", type=int, default=20241123)
    p.add_argument("--val-fraction", type=float, default=0.15)
    a = p.parse_args()
    torch.set_num_threads(1)
    state = torch.load(a.checkpoint)
    cfg = state["config"]
    net = net_for_config(cfg)
    net.load_state_dict(state["net"])
    net.eval()
    cache = os.path.join(os.path.dirname(a.checkpoint), "slices-cache.npz")  # train.py's, when beside the checkpoint
    data = load_slices(a.data, cache if os.path.exists(cache) else None)
    _, val_patients = split_patients(data.patients_S, a.val_fraction, a.split_seed)
    held_out = set(val_patients)
    val = data.subset([i for i, pt in enumerate(data.patients_S) if pt in held_out])
    idx = np.linspace(0, len(val) - 1, min(a.slices, len(val))).astype(np.int64)
    m_count = cfg["components"]

    for label, recentre_prob in (("crops as stored", 0.0), ("crops centred on the click", 1.0)):
        rng = np.random.default_rng(0)
        gen = torch.Generator().manual_seed(0)
        mixture, per_component = [], [[] for _ in range(m_count)]
        precision, recall, area, readers_marking = [], [], [], []
        by_threshold = {t: [] for t in THRESHOLDS}
        left_out = {n: ([], []) for n in (2, 3, 4)}  # readers marking -> (reader's Dice, model's Dice)
        for start in range(0, len(idx), 50):
            image, clicks, _, _, readers, majority, _ = make_batch(val, idx[start:start + 50], rng, False, 0, recentre_prob)
            readers_marking += (readers.flatten(2).amax(2) > 0).sum(1).tolist()
            mean_logits, factor, mix_means, mix_logvars = net(image, clicks)
            majority = majority[:, 0]
            probs_by_component = []
            for m in range(m_count):
                eps = torch.randn(image.shape[0], SAMPLES, cfg["rank"], generator=gen)
                z = mix_means[:, m:m + 1] + (0.5 * mix_logvars[:, m:m + 1]).exp() * eps
                probs = torch.sigmoid(decode_samples(mean_logits, factor, z))
                probs_by_component.append(probs[:, : SAMPLES // m_count])
                per_component[m] += dice_per_item((probs.mean(1) >= 0.5).float(), majority)
            uniform = torch.cat(probs_by_component, 1)
            mean_prob = uniform.mean(1)
            rec = (mean_prob >= 0.5).float()
            mixture += dice_per_item(rec, majority)
            for t in THRESHOLDS:
                by_threshold[t] += dice_per_item((mean_prob >= t).float(), majority)
            inter = (rec * majority).sum((1, 2))
            precision += (inter / rec.sum((1, 2)).clamp(min=1)).tolist()
            recall += (inter / majority.sum((1, 2)).clamp(min=1)).tolist()
            area += majority.sum((1, 2)).tolist()
            for b in range(image.shape[0]):
                marked = readers[b][readers[b].flatten(1).amax(1) > 0]
                n = len(marked)
                if n < 2:
                    continue
                for j in range(n):
                    others = torch.cat([marked[:j], marked[j + 1:]])
                    target = (others.sum(0) >= n // 2).float()  # ceil((n - 1) / 2) of the n - 1 others
                    left_out[n][0].append(dice_per_item(marked[j:j + 1], target[None])[0])
                    left_out[n][1].append(dice_per_item(rec[b:b + 1], target[None])[0])
        parts = " ".join(f"{np.mean(d):.4f}" for d in per_component)
        print(f"{label}: {len(idx)} slices, recommendation Dice vs majority {np.mean(mixture):.4f} (uniform pi); one component at a time: {parts}")
        if recentre_prob == 0.0:
            area_np, p_np, r_np = np.array(area), np.array(precision), np.array(recall)
            for lo, hi in AREA_BINS_PX:
                sel = (area_np >= lo) & (area_np < hi)
                if sel.any():
                    print(f"  majority area {lo}-{hi - 1} px: {sel.sum()} slices, precision {p_np[sel].mean():.3f}, recall {r_np[sel].mean():.3f}")
            print("  recommendation Dice at thresholds " + " ".join(f"{t}" for t in THRESHOLDS) + " of the samples' mean:")
            for lo, hi in ((0, 128 * 128 + 1),) + AREA_BINS_PX:
                sel = (area_np >= lo) & (area_np < hi)
                if sel.any():
                    print(f"    majority area {lo}-{hi - 1} px: " + " ".join(f"{np.array(by_threshold[t])[sel].mean():.3f}" for t in THRESHOLDS))
            dice_np, marking_np = np.array(mixture), np.array(readers_marking)
            for n in range(1, 5):
                sel = marking_np == n
                if sel.any():
                    print(f"  marked by {n} reader(s): {sel.sum()} slices, Dice {dice_np[sel].mean():.3f}, median majority area {np.median(area_np[sel]):.0f} px")
            for n, (human, model) in left_out.items():
                if human:
                    print(f"  {n} readers, one left out, target the others' vote: {len(human)} cases, left-out reader Dice {np.mean(human):.3f}, recommendation {np.mean(model):.3f}")


if __name__ == "__main__":
    main()
