"""Round-1 Dice (first click at the agreed region's deepest pixel, 32 samples' vote, against
the readers' majority) of models/spa-lidc.onnx and a --context-slices 1 run's model.pt on the
validation slices, by whether both neighbouring slices exist (interior) or not (edge).
Needs training/experiments/context-slices.patch applied (git apply); run from the repo root:

    /usr/bin/python3 training/experiments/context-slices-compare.py training/runs/ctx2/model.pt [slices]
"""
import sys, os, numpy as np, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from data import load_slices, split_patients
from from_onnx import net_for_config, load_onnx_net
from train import make_batch, recommendation, dice_per_item
torch.set_num_threads(1)
data = load_slices('../shared/data/lidc-crops', os.path.join(os.path.dirname(sys.argv[1]), 'slices-cache.npz'))
_, valp = split_patients(data.patients_S, 0.15, 20241123)
vs = set(valp)
val = data.subset([i for i, p in enumerate(data.patients_S) if p in vs])
n = int(sys.argv[2]) if len(sys.argv) > 2 else len(val)
idx = np.linspace(0, len(val) - 1, n).astype(np.int64)
def run(net, context, recentre):
    net.eval(); rng = np.random.default_rng(0); gen = torch.Generator().manual_seed(0); d = []
    with torch.no_grad():
        for s in range(0, n, 64):
            image, clicks, _, _, readers, maj, _ = make_batch(val, idx[s:s+64], rng, False, 0, recentre, deepest_first_prob=1.0, context=context)
            rec = recommendation(net, image, clicks, 32, gen)[:, 0].float()
            d += dice_per_item(rec, maj[:, 0])
    return np.array(d)
edge = ~val.has_neighbour_SK[idx].all(1)
nread = val.raters_SRHW[idx].reshape(len(idx), 4, -1).any(2).sum(1)
base = load_onnx_net('models/spa-lidc.onnx')
st = torch.load(sys.argv[1]); net = net_for_config(st['config']); net.load_state_dict(st['net'])
for rc in (0.0, 1.0):
    a = run(base, False, rc); b = run(net, True, rc)
    print(f"recentre {rc}: n {n} all {a.mean():.4f} -> {b.mean():.4f} | interior {a[~edge].mean():.4f} -> {b[~edge].mean():.4f} ({(~edge).sum()}) | edge {a[edge].mean():.4f} -> {b[edge].mean():.4f} ({edge.sum()})")
    for k in range(1, 5):
        s = nread == k
        print(f"   {k} readers ({s.sum()}): {a[s].mean():.4f} -> {b[s].mean():.4f}")
