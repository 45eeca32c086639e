"""Train the SPA candidate network on the LIDC multi-rater crops.

Usage (see training/README.md):
    /usr/bin/python3 training/train.py --data ../shared/data/lidc-crops --out training/runs/spa-lidc
Resumes from ``<out>/checkpoint.pt`` when it exists. Progress goes to ``<out>/train.log``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import CROP, SliceSet, click_maps, cut_at_border, disk_map, draw_preference_vote, flatten_background, is_small, load_slices, ZOOM_SMALL_AREA_PX, readers_vote, recentre, simulate_clicks, split_patients, zoom_centre  # noqa: E402
from model import PosteriorNet, SpaNet, decode, decode_samples, mixture_log_prob, sample_mixture  # noqa: E402
from from_onnx import load_onnx_net  # noqa: E402

CLICK_RADIUS_PX = 3.0  # default of --click-radius; export writes the run's value into the contract


def make_batch(data: SliceSet, idx: np.ndarray, rng: np.random.Generator, augment: bool, max_extra_clicks: int, recentre_prob: float,
               flat_background_prob: float = 0.0, border_cut_prob: float = 0.0, click_radius_px: float = CLICK_RADIUS_PX,
               deepest_first_prob: float = 0.0, deepest_extra_prob: float = 0.0, preference_target_prob: float = 0.0,
               zoom_small_prob: float = 0.0):
    """Image, clicks, one reader's mask (the target), the soft consensus of the marking readers,
    every reader's mask, and the recommendation's target: the marking readers' >= 50 % vote,
    or with probability ``preference_target_prob`` a simulated user's preference vote
    (``draw_preference_vote``), the targets the "spa" protocol scores the recommendation on.

    With probability ``recentre_prob`` a crop is re-cropped around the first click, as the
    viewer crops a CT slice; otherwise it stays as stored (nodule-centred, the click anywhere
    on the nodule), as the evaluation harness uses the crops. Before that, with probability
    ``border_cut_prob`` the image ends inside the nodule (``cut_at_border``, ahead of the
    rotations so that the edge can fall on any side), and with probability
    ``flat_background_prob`` everything more than 0-6 px from the readers' union is set to
    the crop's minimum (``flatten_background``). First of all, with probability
    ``zoom_small_prob`` a slice whose readers' marks are small (under ZOOM_SMALL_AREA_PX in
    all, inside the centre half) is replaced by its centre half zoomed 2x (``zoom_centre``),
    so that the network learns small structures at twice their size as well.

    The last value is each item's number of corrective clicks drawn (``simulate_clicks``).
    """
    images, clicks, targets, soft, readers, rec_targets, extra = [], [], [], [], [], [], []
    for i in idx:
        img = data.images_SHW[i]
        raters = data.raters_SRHW[i]
        if zoom_small_prob > 0 and is_small(raters) and rng.random() < zoom_small_prob:  # no draw at 0, as below
            img, raters = zoom_centre(img, raters)
        if border_cut_prob > 0 and rng.random() < border_cut_prob:  # no draw at 0, as below
            img, raters, _ = cut_at_border(img, raters, rng)
        if augment:
            k = int(rng.integers(4))
            img, raters = np.rot90(img, k), np.rot90(raters, k, axes=(1, 2))
            if rng.random() < 0.5:
                img, raters = img[:, ::-1], raters[:, :, ::-1]
        marked_ids = np.flatnonzero(raters.reshape(4, -1).any(1))
        target_id = marked_ids[rng.integers(len(marked_ids))]
        pos, neg, n_extra = simulate_clicks(raters, raters[target_id], rng, max_extra_clicks, deepest_first_prob, deepest_extra_prob)
        if flat_background_prob > 0 and rng.random() < flat_background_prob:  # no draw at 0: earlier runs' batches stay as they were
            img = flatten_background(img, raters[marked_ids].any(0), int(rng.integers(0, 7)))
        if recentre_prob > 0 and rng.random() < recentre_prob:  # no draw at 0: stage 1 batches stay as first trained
            grey, raters, (dr, dc) = recentre(img, raters, pos[0])
            inside = lambda pts: [(r + dr, c + dc) for r, c in pts if 0 <= r + dr < CROP and 0 <= c + dc < CROP]
            pos, neg = inside(pos), inside(neg)
        else:
            grey = img.astype(np.float32)
        target = raters[target_id]
        marked = raters[marked_ids]
        img = grey / 255.0
        images.append(np.ascontiguousarray(img))
        clicks.append(click_maps(pos, neg, click_radius_px))
        extra.append(n_extra)
        targets.append(target.astype(np.float32))
        soft.append(marked.mean(0).astype(np.float32))
        readers.append(np.ascontiguousarray(raters).astype(np.float32))
        preference = preference_target_prob > 0 and rng.random() < preference_target_prob  # no draw at 0, as above
        rec_targets.append((draw_preference_vote(marked, rng) if preference else readers_vote(marked)).astype(np.float32))
    t = lambda a: torch.from_numpy(np.stack(a))
    return t(images).unsqueeze(1), t(clicks), t(targets).unsqueeze(1), t(soft).unsqueeze(1), t(readers), t(rec_targets).unsqueeze(1), np.array(extra)


def erosion_depth(mask_B1HW: torch.Tensor, limit: int = 64) -> torch.Tensor:
    """How many 3 x 3 erosions each pixel of the masks survives (0 outside; the grid's edge
    counts as outside): a chessboard distance to the boundary, for the whole batch at once."""
    alive = mask_B1HW.float()
    depth = torch.zeros_like(alive)
    for _ in range(limit):
        if not alive.any():
            break
        depth += alive
        alive = -F.max_pool2d(-F.pad(alive, (1, 1, 1, 1), value=0.0), 3, stride=1)
    return depth


def recommendation(net: torch.nn.Module, image: torch.Tensor, clicks: torch.Tensor, samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """The engine's recommendation (bool [B,1,H,W]): the mean probability of ``samples`` draws
    from the uniform mixture, cut at 0.5 (the samples' majority vote)."""
    mean_logits, factor, mix_means, mix_logvars = (t.float() for t in net(image, clicks))
    z, _ = sample_mixture(mix_means, mix_logvars, samples, generator)
    return torch.sigmoid(decode_samples(mean_logits, factor, z)).mean(1, keepdim=True) >= 0.5


@torch.no_grad()
def add_error_clicks(net: torch.nn.Module, image: torch.Tensor, clicks: torch.Tensor, target: torch.Tensor, rounds_B: np.ndarray,
                     radius_px: float, bf16: bool, samples: int = 8, generator: torch.Generator | None = None
                     ) -> Tuple[torch.Tensor, List[Tuple[int, int, int, bool]]]:
    """Corrective clicks where the network itself is wrong, where a clinician correcting the
    recommendation clicks: item b gets ``rounds_B[b]`` rounds of (recommendation from the
    clicks so far, one click at the deepest pixel where it differs from the target, labelled
    by the target). The harness's "clicks" user takes the deepest pixel of the largest wrong
    region instead, mostly the same pixel; a chessboard depth keeps this one batched. The readers' disagreement, where the other
    corrective clicks go, misses the network's own mistakes, and slices one reader marked get
    no click there at all. Returns the new click maps and the clicks added, (item, row, col, positive)."""
    clicks = clicks.clone()
    added = []
    size = image.shape[-1]
    was_training = net.training
    net.eval()
    for j in range(int(rounds_B.max(initial=0))):
        todo = np.flatnonzero(rounds_B > j)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            rec = recommendation(net, image[todo], clicks[todo], samples, generator)
        wrong = rec != (target[todo] > 0.5)
        depth = erosion_depth(wrong).flatten(1)
        best = depth.argmax(1)  # the first deepest pixel in raster order
        for k, b in enumerate(todo):
            if depth[k, best[k]] == 0:
                continue
            r, c = divmod(int(best[k]), size)
            positive = bool(target[b, 0, r, c] > 0.5)
            channel = 0 if positive else 1
            clicks[b, channel] = torch.maximum(clicks[b, channel], torch.from_numpy(disk_map([(r, c)], radius_px, size)))
            added.append((int(b), r, c, positive))
    net.train(was_training)
    return clicks, added


def central_patches(tensors, patch: int, rng: np.random.Generator):
    """The same patch x patch window of every tensor [B,C,H,W], one window per item, placed
    near the crop's centre (where the nodule or the first click is) with up to a quarter of
    the spare margin of jitter. Training on 64 x 64 windows costs a quarter of the full crop;
    99 % of the readers' masks lie in the centre half."""
    b, size = tensors[0].shape[0], tensors[0].shape[-1]
    spare = size - patch
    jitter = spare // 4
    out = [torch.empty(t.shape[:2] + (patch, patch), dtype=t.dtype) for t in tensors]
    for i in range(b):
        r0, c0 = (spare // 2 + rng.integers(-jitter, jitter + 1, 2)).tolist()
        for t, o in zip(tensors, out):
            o[i] = t[i, :, r0:r0 + patch, c0:c0 + patch]
    return tuple(out)


def prior_sample_loss(logits_BSHW: torch.Tensor, readers_BRHW: torch.Tensor, per: str = "sample") -> torch.Tensor:
    """Each prior sample must match some reader who marked the slice: mean over samples of the
    smallest (per-pixel BCE + soft Dice) against those readers (a min-of-readers loss).
    With per="reader": mean over marking readers of the smallest loss over samples."""
    b, s, h, w = logits_BSHW.shape
    r = readers_BRHW.shape[1]
    lg = logits_BSHW.unsqueeze(2).expand(b, s, r, h, w)
    tg = readers_BRHW.unsqueeze(1).expand(b, s, r, h, w)
    bce = F.binary_cross_entropy_with_logits(lg, tg, reduction="none").mean(dim=(3, 4))
    p = torch.sigmoid(lg)
    dice = 1 - (2 * (p * tg).sum(dim=(3, 4)) + 1) / (p.sum(dim=(3, 4)) + tg.sum(dim=(3, 4)) + 1)
    loss = bce + dice
    marked = readers_BRHW.flatten(2).amax(2) > 0
    if per == "reader":
        best = loss.min(dim=1).values  # [B, R]
        return (best * marked).sum() / marked.sum().clamp(min=1)
    loss = loss.masked_fill(~marked.unsqueeze(1), float("inf"))
    any_marked = marked.any(1)  # a training patch can miss every mask
    return loss.min(dim=2).values[any_marked].mean() if any_marked.any() else logits_BSHW.sum() * 0


def coverage_loss(mean_logits: torch.Tensor, factor: torch.Tensor, mix_means: torch.Tensor, readers_BRHW: torch.Tensor) -> torch.Tensor:
    """Every marking reader must be matched by some component's mean decode: mean over readers
    of the smallest (BCE + soft Dice) over components. Pushes the components apart towards
    different readers' styles, so that reweighting them (the SPA update) moves the result."""
    logits_BMHW = mean_logits + torch.einsum("brhw,bmr->bmhw", factor, mix_means)
    return prior_sample_loss(logits_BMHW, readers_BRHW, per="reader")


def consensus_loss(logits_BSHW: torch.Tensor, soft_B1HW: torch.Tensor, majority_B1HW: torch.Tensor) -> torch.Tensor:
    """The recommendation is the samples' mean probability >= 0.5: fit that mean to the
    readers' soft consensus (BCE) and to ``majority_B1HW`` (soft Dice): their majority, or a
    simulated user's preference vote (``make_batch``)."""
    mean_p = torch.sigmoid(logits_BSHW).mean(1, keepdim=True).clamp(1e-6, 1 - 1e-6)
    bce = F.binary_cross_entropy(mean_p, soft_B1HW)
    dice = 1 - (2 * (mean_p * majority_B1HW).sum(dim=(1, 2, 3)) + 1) / (mean_p.sum(dim=(1, 2, 3)) + majority_B1HW.sum(dim=(1, 2, 3)) + 1)
    return bce + dice.mean()


def dice_per_item(rec_BHW: torch.Tensor, target_BHW: torch.Tensor) -> List[float]:
    """Dice of binary masks, one value per batch item (1 when both are empty)."""
    inter = (rec_BHW * target_BHW).sum((1, 2))
    return ((2 * inter + 1e-6) / (rec_BHW.sum((1, 2)) + target_BHW.sum((1, 2)) + 1e-6)).tolist()


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    p = torch.sigmoid(logits)
    inter = (p * target).sum(dim=(1, 2, 3))
    return (1 - (2 * inter + 1) / (p.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3)) + 1)).mean()


def cpu_has_native_bf16() -> bool:
    """True where /proc/cpuinfo lists avx512_bf16 or amx_bf16 (Linux); False elsewhere or when unknown."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class Trainer:
    """Lifecycle: on_train_start -> (train_step, maybe validation_step) * iters -> on_train_end."""

    def __init__(self, args: argparse.Namespace, rank: int = 0):
        self.args = args
        # With --procs P, P processes each take batch / P items and average their gradients;
        # rank 0 logs, validates and saves.
        self.rank = rank
        os.makedirs(args.out, exist_ok=True)
        self.log_file = open(os.path.join(args.out, "train.log"), "a") if rank == 0 else None
        torch.manual_seed(args.seed)
        if args.init_onnx:
            # The shipped file's BatchNorms are folded: train the folded network as it is.
            self.net = load_onnx_net(args.init_onnx)
            if (self.net.rank, self.net.components) != (args.rank, args.components):
                raise ValueError(f"{args.init_onnx} has rank {self.net.rank} and {self.net.components} components; pass the same --rank and --components")
            args.base, args.zoom, args.folded = self.net.enc[0][0].out_channels, self.net.zoom, True
        else:
            self.net = SpaNet(base=args.base, rank=args.rank, components=args.components, zoom=args.zoom)
        self.post = PosteriorNet(rank=args.rank)
        # Two groups: after --posterior-warmup the network's learning rate warms up afresh.
        self.opt = torch.optim.Adam([{"params": self.net.parameters()}, {"params": self.post.parameters()}], lr=args.lr)
        self.step = 0
        self.reseed()

    def reseed(self) -> None:
        """Batches and noise from (seed, step, rank): the same run draws the same, resumed or not."""
        a = self.args
        if not (self.rank or self.step):
            self.rng = np.random.default_rng(a.seed)  # torch keeps the stream that built the network
            return
        self.rng = np.random.default_rng([a.seed, self.step, self.rank] if self.rank else [a.seed, self.step])
        torch.manual_seed(a.seed + self.step + 1_000_003 * self.rank)

    def log(self, msg: str) -> None:
        if self.rank:
            return
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}"
        print(line, flush=True)
        self.log_file.write(line + "\n")
        self.log_file.flush()

    def lr_at(self, step: int, start: int = 0) -> float:
        """Cosine over --iters with 100 warm-up steps from `start`."""
        warm = min(1.0, max(0, step - start + 1) / 100)
        return self.args.lr * warm * 0.5 * (1 + math.cos(math.pi * min(1.0, step / self.args.iters)))

    def on_train_start(self) -> None:
        a = self.args
        cache = os.path.join(a.out, "slices-cache.npz") if not a.smoke else None
        if self.rank:
            dist.barrier()  # rank 0 writes the cache first
        data = load_slices(a.data, cache)
        if a.procs > 1 and not self.rank:
            dist.barrier()
        train_p, val_p = split_patients(data.patients_S, a.val_fraction, a.split_seed)
        val_set = set(val_p)
        self.train = data.subset([i for i, p in enumerate(data.patients_S) if p not in val_set])
        self.val = data.subset([i for i, p in enumerate(data.patients_S) if p in val_set])
        if a.smoke:
            self.train, self.val = self.train.subset(range(min(32, len(self.train)))), self.val.subset(range(min(16, len(self.val))))
        if not self.rank:
            with open(os.path.join(a.out, "split.json"), "w") as f:
                json.dump({"seed": a.split_seed, "val_fraction": a.val_fraction, "train_patients": train_p, "val_patients": val_p}, f, indent=1)
            with open(os.path.join(a.out, "config.json"), "w") as f:
                json.dump(vars(a), f, indent=1)
        ckpt = os.path.join(a.out, "checkpoint.pt")
        if a.init and not os.path.exists(ckpt):
            state = torch.load(a.init)
            self.net.load_state_dict(state["net"])
            self.post.load_state_dict(state["post"])
            self.log(f"initialised from {a.init} (its step {state['step']})")
        if a.init_onnx and not os.path.exists(ckpt):
            self.log(f"initialised from {a.init_onnx} (BatchNorm folded; fresh posterior network)")
        if os.path.exists(ckpt):
            state = torch.load(ckpt)
            self.net.load_state_dict(state["net"])
            self.post.load_state_dict(state["post"])
            self.opt.load_state_dict(state["opt"])
            self.step = state["step"]
            self.reseed()
            self.log(f"resumed at step {self.step}")
        self.log(f"train slices {len(self.train)} ({len(train_p)} patients), val slices {len(self.val)} ({len(val_p)} patients), "
                 f"params {sum(p.numel() for p in self.net.parameters())}")
        if a.bf16 and not cpu_has_native_bf16():
            self.log("warning: --bf16 on a CPU without AVX512-BF16 or AMX; PyTorch emulates bfloat16 there, which may be slower than float32")

    def train_step(self) -> Dict[str, float]:
        a = self.args
        self.net.train(); self.post.train()
        idx = self.rng.integers(0, len(self.train), a.batch // a.procs)
        image, clicks, target, soft, readers, rec_target, extra = make_batch(
            self.train, idx, self.rng, True, a.max_extra_clicks, a.recentre_prob, a.flat_background_prob, a.border_cut_prob, a.click_radius,
            a.deepest_first_click_prob, a.deepest_extra_click_prob, a.preference_target_prob, a.zoom_small_prob)
        if a.error_click_prob > 0:
            # Only slices drawn to have corrective clicks get these too, so that the first
            # click alone (round 1) keeps its share of the batches.
            draws = self.rng.random(len(idx))
            rounds = np.where((extra > 0) & (draws < a.error_click_prob), self.rng.integers(1, a.error_click_rounds + 1, len(idx)), 0)
            clicks, _ = add_error_clicks(self.net, image, clicks, target, rounds, a.click_radius, a.bf16)
        if a.patch < CROP:
            image, clicks, target, soft, readers, rec_target = central_patches((image, clicks, target, soft, readers, rec_target), a.patch, self.rng)
        # --bf16: the two networks' convolutions in bfloat16 (weights, losses and the optimiser stay float32).
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            net_out = self.net(image, clicks)
            post_out = self.post(image, clicks, target)
        mean_logits, factor, mix_means, mix_logvars = (t.float() for t in net_out)
        mu_q, logvar_q = (t.float() for t in post_out)
        z = mu_q + (0.5 * logvar_q).exp() * torch.randn_like(mu_q)
        logits = decode(mean_logits, factor, z)
        n_px = target[0].numel()
        recon = F.binary_cross_entropy_with_logits(logits, target) + soft_dice_loss(logits, target)
        mean_fit = F.binary_cross_entropy_with_logits(mean_logits, soft)
        log_q = (-0.5 * ((z - mu_q) ** 2 / logvar_q.exp() + logvar_q + math.log(2 * math.pi))).sum(1)
        kl = (log_q - mixture_log_prob(z, mix_means, mix_logvars)).mean()
        z_prior, _ = sample_mixture(mix_means, mix_logvars, a.prior_samples)
        prior_logits = decode_samples(mean_logits, factor, z_prior)
        prior_fit = prior_sample_loss(prior_logits, readers)
        consensus = consensus_loss(prior_logits, soft, rec_target)
        coverage = coverage_loss(mean_logits, factor, mix_means, readers) if a.coverage_weight else torch.zeros(())
        loss = recon + a.mean_weight * mean_fit + a.prior_weight * prior_fit + a.consensus_weight * consensus + a.coverage_weight * coverage + a.beta * kl / n_px
        if self.step < a.posterior_warmup:
            # A fresh posterior network (after --init-onnx) first learns to encode the readers
            # while the shipped network stays as it is, so its random codes do not pull on it.
            loss = recon + a.beta * kl / n_px
        net_group, post_group = self.opt.param_groups
        net_group["lr"] = self.lr_at(self.step, a.posterior_warmup)
        post_group["lr"] = self.lr_at(self.step)
        self.opt.zero_grad()
        loss.backward()
        if self.step < a.posterior_warmup:
            for p in self.net.parameters():
                p.grad = None
        if a.procs > 1:
            self.average_gradients()
        torch.nn.utils.clip_grad_norm_(list(self.net.parameters()) + list(self.post.parameters()), 5.0)
        self.opt.step()
        self.step += 1
        return {"loss": loss.item(), "recon": recon.item(), "mean": mean_fit.item(), "prior": prior_fit.item(), "consensus": consensus.item(), "coverage": coverage.item(), "kl": kl.item()}

    def average_gradients(self) -> None:
        """One all-reduce of every gradient, flattened; a missing one (the network's during
        --posterior-warmup) counts as zero and stays missing."""
        params = list(self.net.parameters()) + list(self.post.parameters())
        present = [p for p in params if p.grad is not None]
        flat = torch.cat([p.grad.flatten() for p in present])
        dist.all_reduce(flat)
        flat /= self.args.procs
        offset = 0
        for p in present:
            p.grad.copy_(flat[offset:offset + p.numel()].view_as(p.grad))
            offset += p.numel()

    @torch.no_grad()
    def validation_step(self) -> Dict[str, float]:
        """Dice of the recommendation (mean of 32 prior samples >= 0.5) against the readers'
        majority, the first click anywhere on the readers' agreement: on the crops as stored
        (val_dice) and re-cropped around the click (val_dice_click_crop, as the viewer); and
        with the click at the agreement's deepest pixel on the crops as stored
        (val_dice_deepest_click, the harness's first round)."""
        return {"val_dice": self.validation_dice(0.0), "val_dice_click_crop": self.validation_dice(1.0),
                "val_dice_deepest_click": self.validation_dice(0.0, deepest_first_prob=1.0)}

    @torch.no_grad()
    def validation_dice(self, recentre_prob: float, deepest_first_prob: float = 0.0) -> float:
        self.net.eval()
        rng = np.random.default_rng(0)
        n = min(len(self.val), self.args.val_slices)
        idx = np.linspace(0, len(self.val) - 1, n).astype(np.int64)
        dices = []
        gen = torch.Generator().manual_seed(0)
        for start in range(0, n, 32):
            image, clicks, _, _, _, majority, _ = make_batch(self.val, idx[start:start + 32], rng, False, 0, recentre_prob, click_radius_px=self.args.click_radius,
                                                   deepest_first_prob=deepest_first_prob)
            rec = recommendation(self.net, image, clicks, 32, gen)[:, 0].float()
            dices += dice_per_item(rec, majority[:, 0])
        return float(np.mean(dices))

    def save(self) -> None:
        if self.rank:
            return
        tmp = os.path.join(self.args.out, "checkpoint.pt.tmp")
        torch.save({"net": self.net.state_dict(), "post": self.post.state_dict(), "opt": self.opt.state_dict(), "step": self.step}, tmp)
        os.replace(tmp, os.path.join(self.args.out, "checkpoint.pt"))
        torch.save({"net": self.net.state_dict(), "config": vars(self.args)}, os.path.join(self.args.out, "model.pt"))

    def run(self) -> None:
        self.on_train_start()
        t0, running = time.time(), []
        last = min(self.args.iters, self.args.stop_at or self.args.iters)
        while self.step < last:
            running.append(self.train_step())
            if self.step % self.args.log_every == 0 or self.step == last:
                avg = {k: np.mean([r[k] for r in running]) for k in running[0]}
                eta = (time.time() - t0) / max(1, len(running)) * (self.args.iters - self.step)
                self.log(f"step {self.step}/{self.args.iters} " + " ".join(f"{k} {v:.4f}" for k, v in avg.items()) + f" lr {self.lr_at(self.step, self.args.posterior_warmup):.2e} eta {eta / 60:.1f} min")
                running, t0 = [], time.time()
            if (self.step % self.args.val_every == 0 or self.step == last) and not self.rank:
                self.log(f"step {self.step} " + " ".join(f"{k} {v:.4f}" for k, v in self.validation_step().items()))
                self.save()
        self.save()
        if self.args.procs > 1:
            self.check_in_step()
        self.log("done")

    def check_in_step(self) -> None:
        """The processes must hold the same weights (same start, same averaged gradients)."""
        flat = torch.cat([p.detach().flatten() for p in self.net.parameters()])
        high = flat.clone()
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        low = flat.clone()
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        gap = (high - low).max().item()
        if gap > 1e-6:
            raise RuntimeError(f"the {self.args.procs} training processes drifted apart (largest weight gap {gap:.2e})")
        self.log(f"{self.args.procs} processes hold the same weights (largest gap {gap:.1e})")


def inherited_click_radius(args: argparse.Namespace) -> float:
    """A network keeps the click disks it learned on: the radius of the run or file it starts from."""
    if args.init_onnx:
        with open(os.path.splitext(args.init_onnx)[0] + ".json") as f:
            return float(json.load(f)["clickEncoding"]["radiusPx"])
    if args.init:
        config_path = os.path.join(os.path.dirname(args.init), "config.json")
        if os.path.exists(config_path):
            with open(config_path) as f:
                return float(json.load(f).get("click_radius", CLICK_RADIUS_PX))
    return CLICK_RADIUS_PX


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with manifest.json and the crop PNGs")
    p.add_argument("--out", required=True, help="run folder: log, checkpoints, split, config")
    p.add_argument("--iters", type=int, default=3000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--base", type=int, default=12, help="channels of the first U-Net level")
    p.add_argument("--rank", type=int, default=8, help="R: latent dimensions of the low-rank factor")
    p.add_argument("--zoom", type=int, default=1, choices=(1, 2), help="2: the U-Net sees the crop's centre half at twice the resolution")
    p.add_argument("--components", type=int, default=4, help="M: Gaussian components of the preference mixture")
    p.add_argument("--beta", type=float, default=1.0, help="weight of KL(q || mixture prior), in nats per image")
    p.add_argument("--mean-weight", type=float, default=0.5, help="weight of the mean logits' fit to the readers' soft consensus")
    p.add_argument("--prior-weight", type=float, default=1.0, help="weight of the min-of-readers loss on prior samples")
    p.add_argument("--consensus-weight", type=float, default=1.0, help="weight of the loss on the prior samples' mean (the recommendation)")
    p.add_argument("--coverage-weight", type=float, default=0.0, help="weight of the loss that every reader be matched by some component's mean (against mixture collapse)")
    p.add_argument("--prior-samples", type=int, default=6)
    p.add_argument("--init", help="checkpoint.pt of an earlier run to start from (weights only; fresh optimiser and schedule)")
    p.add_argument("--stop-at", type=int, help="stop after this step, the schedule still spanning --iters (how stage 5 was cut short)")
    p.add_argument("--init-onnx", help="a shipped .onnx (beside its .json) to fine-tune: its folded weights, a fresh posterior network")
    p.add_argument("--posterior-warmup", type=int, default=0, help="first steps train only the posterior network (use with --init-onnx)")
    p.add_argument("--patch", type=int, default=CROP, help="train on patch x patch windows near the crop's centre (64: a quarter of the cost); validation stays on full crops")
    p.add_argument("--max-extra-clicks", type=int, default=2)
    p.add_argument("--click-radius", type=float, help=f"radius in px of the click disks the network sees, written into the exported contract (default: that of --init or --init-onnx, else {CLICK_RADIUS_PX})")
    p.add_argument("--deepest-first-click-prob", type=float, default=0.0, help="share of training slices whose first click is the deepest agreed pixel (where a user aims, and where the harness clicks) rather than any agreed pixel")
    p.add_argument("--deepest-extra-click-prob", type=float, default=0.0, help="share of training slices whose corrective clicks are placed as the engine derives its click after a choice (the deepest pixel of the larger side of the target's difference from the readers' majority) rather than anywhere on it")
    p.add_argument("--error-click-prob", type=float, default=0.0, help="share of the training slices drawn to have corrective clicks (two in three) that also get corrective clicks where the network's own recommendation is wrong (add_error_clicks), as a user correcting it clicks")
    p.add_argument("--error-click-rounds", type=int, default=3, help="with --error-click-prob: 1 to this many such clicks, each after a pass with the clicks before it")
    p.add_argument("--zoom-small-prob", type=float, default=0.0, help=f"share of the slices with small marks (under {ZOOM_SMALL_AREA_PX} px in all, inside the centre half) trained on the crop's centre zoomed 2x")
    p.add_argument("--preference-target-prob", type=float, default=0.0, help="share of training slices whose recommendation is fitted (soft Dice) to a simulated user's preference vote, as the \"spa\" protocol draws its targets, rather than to all marking readers' majority")
    p.add_argument("--recentre-prob", type=float, default=0.5, help="share of training crops re-cropped around the first click (as the viewer does)")
    p.add_argument("--flat-background-prob", type=float, default=0.0, help="share of training crops whose background (beyond 0-6 px of the readers' marks) is set flat to the crop's minimum")
    p.add_argument("--border-cut-prob", type=float, default=0.0, help="share of training crops cut as if the image ended inside the nodule (rows beyond padded with the crop's minimum)")
    p.add_argument("--val-fraction", type=float, default=0.15)
    p.add_argument("--split-seed", type=int, default=20241123)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--val-every", type=int, default=250)
    p.add_argument("--val-slices", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--bf16", action="store_true", help="run the networks' forward and backward passes in bfloat16 (autocast); 0.70 s per step instead of 0.92 s with --procs 2 on an AVX512-BF16 CPU (training/README.md)")
    p.add_argument("--procs", type=int, default=1, help="data-parallel processes (one per core: 2 on a 2-core machine cut a step to a third in one timing); each takes batch / procs items")
    p.add_argument("--smoke", action="store_true", help="tiny subset, for the test suite")
    args = p.parse_args(argv)
    if args.click_radius is None:
        args.click_radius = inherited_click_radius(args)
    if args.click_radius <= 0:
        raise ValueError(f"--click-radius must be > 0, got {args.click_radius}")
    if not 16 <= args.patch <= CROP or args.patch % 16:
        raise ValueError(f"--patch must be a multiple of 16 between 16 and {CROP}, got {args.patch}")
    if args.procs < 1 or args.batch % args.procs:
        raise ValueError(f"--procs must be >= 1 and divide --batch ({args.batch}), got {args.procs}")
    if args.init and args.init_onnx:
        raise ValueError("--init and --init-onnx: pass one")
    for name in ("iters", "batch", "base", "rank", "components"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name} must be >= 1, got {getattr(args, name)}")
    return args


def run_process(rank: int, args: argparse.Namespace, port: int) -> None:
    torch.set_num_threads(args.threads)
    if args.procs > 1:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=args.procs)
    Trainer(args, rank).run()
    if args.procs > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    args = parse_args()
    if args.procs == 1:
        run_process(0, args, 0)
    else:
        import socket
        with socket.socket() as s:  # a free port for the processes to meet on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.spawn(run_process, args=(args, port), nprocs=args.procs)
