"""SPA candidate network: a small U-Net with a low-rank latent decoder and a
click-conditioned Gaussian-mixture preference head.

A sample is ``logits = mean + sum_r factor[r] * z[r]`` with ``z`` drawn from the mixture
``sum_m pi_m N(mu_m, diag(exp(logvar_m)))``; drawing and decoding a sample needs no
network pass, so the browser draws dozens per round from one forward pass
(in the spirit of Stochastic Segmentation Networks, Monteiro et al. 2020, and the
SPA preference mixture, Zhu et al. 2024, arXiv 2411.15513).
"""
from __future__ import annotations

import math
from typing import Dict, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


OUTSIDE_LOGIT_MAGNITUDE = 20.0  # sigmoid(-20) ~ 2e-9: "never nodule", still finite for BCE


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class SpaNet(nn.Module):
    """Inputs: image float32[B,1,128,128] (grey/255), clicks float32[B,2,128,128]
    (positive, negative disks). Outputs: mean_logits [B,1,H,W], factor [B,R,H,W],
    mix_means [B,M,R], mix_logvars [B,M,R]. With zoom=2 the U-Net runs on the centre
    64 x 64 upsampled to 128 x 128; the outputs keep the crop's native 128 x 128 grid."""

    def __init__(self, base: int = 12, rank: int = 8, components: int = 4, zoom: int = 1):
        super().__init__()
        if rank < 1 or components < 1:
            raise ValueError(f"rank and components must be >= 1, got {rank}, {components}")
        if zoom not in (1, 2):
            raise ValueError(f"zoom must be 1 or 2, got {zoom}")
        self.rank, self.components, self.zoom = rank, components, zoom
        ch = [base, base * 2, base * 4, base * 8]
        self.enc = nn.ModuleList([conv_block(3, ch[0]), conv_block(ch[0], ch[1]), conv_block(ch[1], ch[2]), conv_block(ch[2], ch[3])])
        self.bottleneck = conv_block(ch[3], ch[3])
        self.up = nn.ModuleList([nn.ConvTranspose2d(ch[3], ch[3], 2, stride=2), nn.ConvTranspose2d(ch[3], ch[2], 2, stride=2),
                                 nn.ConvTranspose2d(ch[2], ch[1], 2, stride=2), nn.ConvTranspose2d(ch[1], ch[0], 2, stride=2)])
        self.dec = nn.ModuleList([conv_block(ch[3] * 2, ch[3]), conv_block(ch[2] * 2, ch[2]), conv_block(ch[1] * 2, ch[1]), conv_block(ch[0] * 2, ch[0])])
        self.head = nn.Conv2d(ch[0], 1 + rank, 1)
        self.pref = nn.Sequential(nn.Linear(ch[3], 64), nn.ReLU(inplace=True), nn.Linear(64, components * rank * 2))

    def forward(self, image: torch.Tensor, clicks: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = torch.cat([image, clicks], 1)
        size = x.shape[-1]
        if self.zoom == 2:
            # The U-Net sees the centre half of the crop at twice the resolution: small
            # nodules get twice the pixels for the same cost. 99 % of the training slices
            # have every reader's mask inside that centre half.
            lo = size // 4
            x = F.interpolate(x[:, :, lo:size - lo, lo:size - lo], scale_factor=2.0, mode="bilinear", align_corners=False)
        skips = []
        for block in self.enc:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        pooled = x.mean(dim=(2, 3))
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), skip], 1))
        out = self.head(x)
        if self.zoom == 2:
            # Average back to native pixels (exact for the linear decode), then pad: outside
            # the centre half the mask is "not nodule" with certainty and no variation.
            pad = (size // 4,) * 4
            out = F.avg_pool2d(out, 2)
            mean_logits, factor = F.pad(out[:, :1], pad, value=-OUTSIDE_LOGIT_MAGNITUDE), F.pad(out[:, 1:], pad)
        else:
            mean_logits, factor = out[:, :1], out[:, 1:]
        mix = self.pref(pooled).view(-1, self.components, 2, self.rank)
        mix_means = mix[:, :, 0]
        mix_logvars = mix[:, :, 1].clamp(-6.0, 2.0)
        return mean_logits, factor, mix_means, mix_logvars


class PosteriorNet(nn.Module):
    """q(z | image, clicks, reader mask): training only, never exported."""

    def __init__(self, rank: int, base: int = 16):
        super().__init__()
        layers, c = [], 4
        for c_out in (base, base * 2, base * 4, base * 4):
            layers += [nn.Conv2d(c, c_out, 3, stride=2, padding=1), nn.ReLU(inplace=True)]
            c = c_out
        self.features = nn.Sequential(*layers)
        self.out = nn.Linear(c, rank * 2)
        self.rank = rank

    def forward(self, image: torch.Tensor, clicks: torch.Tensor, mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.features(torch.cat([image, clicks, mask], 1)).mean(dim=(2, 3))
        mu, logvar = self.out(h).chunk(2, dim=1)
        return mu, logvar.clamp(-8.0, 2.0)


def decode(mean_logits: torch.Tensor, factor: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """logits[B,1,H,W] = mean + sum_r factor[:, r] * z[:, r]."""
    return mean_logits + torch.einsum("brhw,br->bhw", factor, z).unsqueeze(1)


def decode_samples(mean_logits: torch.Tensor, factor: torch.Tensor, z_BNR: torch.Tensor) -> torch.Tensor:
    """logits[B,N,H,W] of N codes per item: mean + sum_r factor[:, r] * z[:, n, r]."""
    return mean_logits + torch.einsum("brhw,bnr->bnhw", factor, z_BNR)


def mixture_log_prob(z: torch.Tensor, means: torch.Tensor, logvars: torch.Tensor, log_pi: torch.Tensor | None = None) -> torch.Tensor:
    """log sum_m pi_m N(z; mu_m, diag exp(logvar_m)) for z[B,R], means/logvars[B,M,R]."""
    diff = z.unsqueeze(1) - means
    comp = -0.5 * (diff ** 2 / logvars.exp() + logvars + math.log(2 * math.pi)).sum(-1)
    if log_pi is None:
        log_pi = torch.full_like(comp, -math.log(means.shape[1]))
    return torch.logsumexp(comp + log_pi, dim=1)


def sample_mixture(means: torch.Tensor, logvars: torch.Tensor, n: int, generator: torch.Generator | None = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """n draws per batch item with uniform weights: z[B,n,R] and component ids[B,n]."""
    b, m, r = means.shape
    comp = torch.randint(0, m, (b, n), generator=generator)
    mu = torch.gather(means, 1, comp.unsqueeze(-1).expand(b, n, r))
    lv = torch.gather(logvars, 1, comp.unsqueeze(-1).expand(b, n, r))
    eps = torch.randn(b, n, r, generator=generator)
    return mu + (0.5 * lv).exp() * eps, comp
