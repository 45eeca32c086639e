"""Experiment (not shipped): average the weights of sibling fine-tunes (a "model soup").

    /usr/bin/python3 training/experiments/soup.py <out model.pt> <model.pt> <model.pt> ...

Every floating-point tensor of the networks is averaged element by element; the runs must
share their parent (here the step-5 variants, all started from step 4's file), and the
config of the first file is kept (the exported contract records its training options, so list
the run whose recipe the soup stands for first). Export the result with export.py as usual. Written up
in training/README.md, "the mean of four step-5 variants".
"""
import sys

import torch

out, paths = sys.argv[1], sys.argv[2:]
if len(paths) < 2:
    sys.exit('usage: soup.py <out model.pt> <model.pt> <model.pt> ...')
nets = [torch.load(p, map_location='cpu') for p in paths]
mean = {}
largest_gap = 0.0
for key, first in nets[0]['net'].items():
    if not first.is_floating_point():
        mean[key] = first
        continue
    tensors = [n['net'][key].float() for n in nets]
    mean[key] = sum(tensors) / len(tensors)
    largest_gap = max(largest_gap, max(float((t - tensors[0]).abs().max()) for t in tensors))
torch.save({'net': mean, 'config': nets[0]['config']}, out)
print(f'averaged {len(paths)} networks (largest element gap {largest_gap:.4f}) into {out}')
