"""Experiment (not shipped): move the first click to the deepest pixel of the first answer.

Round 1 twice: the recommendation (32 prior samples, vote >= 0.5) for the first click, then
again with the click moved to the deepest pixel of that answer's component under the click
(``deepest_pixel``, as the engine's ``deepestPoint``). Dice against the readers' majority on
every validation slice, for three first clicks: anywhere on the readers' agreement (crops as
stored), at its deepest pixel (the harness's click), and anywhere on it with the crop
re-centred on the click (as the viewer crops).

    /usr/bin/python3 training/experiments/first-click-snap.py models/spa-lidc.onnx \
        training/runs/<run>/slices-cache.npz [limit]

One core, about 7 minutes for the 2309 validation slices. Written up in training/README.md,
"the first click moved to the first answer's deepest pixel".
"""
import json, os, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from data import load_slices, split_patients, marked_and_agreed, deepest_pixel, readers_vote, click_maps, recentre, _random_pixel  # noqa: E402
from from_onnx import load_onnx_net  # noqa: E402
from train import dice_per_item, recommendation  # noqa: E402

torch.set_num_threads(1)
onnx, cache = sys.argv[1], sys.argv[2]
with open(onnx[:-len('.onnx')] + '.json') as f:
    CLICK_RADIUS_PX = json.load(f)['clickEncoding']['radiusPx']
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 30
net = load_onnx_net(onnx).eval()
data = load_slices('', cache)  # the cache train.py writes into its run folder
_, val_p = split_patients(data.patients_S, 0.15, 20241123)
vs = set(val_p)
val = data.subset([i for i, p in enumerate(data.patients_S) if p in vs])
idx = np.linspace(0, len(val) - 1, min(limit, len(val))).astype(int)

def component(mask, p):
    """The 4-connected component of ``mask`` under ``p`` (None if ``p`` is off the mask)."""
    if not mask[p]:
        return None
    out = np.zeros_like(mask)
    out[p] = True
    stack = [p]
    H, W = mask.shape
    while stack:
        r, c = stack.pop()
        for dr, dc in ((1,0),(-1,0),(0,1),(0,-1)):
            y, x = r+dr, c+dc
            if 0 <= y < H and 0 <= x < W and mask[y, x] and not out[y, x]:
                out[y, x] = True
                stack.append((y, x))
    return out

@torch.no_grad()
def rec(imgs, clicks):
    """The recommendation (bool [B,H,W]) for one positive click per crop, the samples drawn
    afresh from seed 0 for each batch."""
    x = torch.from_numpy(np.stack(imgs))[:, None] / 255.0
    c = torch.from_numpy(np.stack([click_maps([p], [], CLICK_RADIUS_PX) for p in clicks]))
    return recommendation(net, x, c, 32, torch.Generator().manual_seed(0))[:, 0]


rng = np.random.default_rng(0)
cases = {}  # name -> (imgs, clicks, majorities)
for mode in ('random', 'deepest', 'random-recentred'):
    imgs, clicks, majs = [], [], []
    for i in idx:
        img, raters = val.images_SHW[i], val.raters_SRHW[i]
        marked, agree = marked_and_agreed(raters)
        region = agree if agree.any() else marked[0]
        p = deepest_pixel(region) if mode == 'deepest' else _random_pixel(region, rng)
        if mode == 'random-recentred':
            img, raters, (dr, dc) = recentre(img, raters, p)
            p = (p[0] + dr, p[1] + dc)
            marked, _ = marked_and_agreed(raters)
        imgs.append(img.astype(np.float32))
        clicks.append(p)
        majs.append(readers_vote(marked))
    cases[mode] = (imgs, clicks, majs)

res = {}
t0 = time.time()
for mode, (imgs, clicks, majs) in cases.items():
    d0, d1, moved = [], [], []
    for s in range(0, len(imgs), 32):
        im, cl, mj = imgs[s:s+32], clicks[s:s+32], majs[s:s+32]
        r0 = rec(im, cl)
        snapped = []
        for k in range(len(im)):
            comp = component(r0[k].numpy(), cl[k])
            q = deepest_pixel(comp) if comp is not None else None
            snapped.append(q if q is not None else cl[k])
            moved.append(float(np.hypot(snapped[-1][0]-cl[k][0], snapped[-1][1]-cl[k][1])))
        r1 = rec(im, snapped)
        target = torch.from_numpy(np.stack(mj)).float()
        d0 += dice_per_item(r0.float(), target)
        d1 += dice_per_item(r1.float(), target)
    res[mode] = {'plain': float(np.mean(d0)), 'snapped': float(np.mean(d1)), 'mean_move_px': float(np.mean(moved))}
    print(mode, res[mode], f'{time.time()-t0:.0f}s', flush=True)
print(json.dumps({'onnx': onnx, 'slices': len(idx), **res}))
