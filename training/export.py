"""Export a trained SpaNet to ONNX with its I/O contract and a parity fixture.

    /usr/bin/python3 training/export.py --checkpoint training/runs/spa-lidc/model.pt --out models

writes ``<out>/<name>.onnx``, ``<out>/<name>.json`` (the contract the TypeScript engine reads;
nothing in it is repeated in code) and ``tests/fixtures/<name>-parity.json`` (fixed inputs and
the PyTorch outputs at fixed pixels, for the onnxruntime parity tests).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import CROP, click_maps  # noqa: E402
from from_onnx import fold_batchnorm, net_for_config  # noqa: E402
from model import SpaNet  # noqa: E402
from train import CLICK_RADIUS_PX  # noqa: E402

CONTRACT_VERSION = 1
OPSET = 17
ATTRIBUTION = [
    "Armato III, S. G., et al. (2015). Data From LIDC-IDRI. The Cancer Imaging Archive. https://doi.org/10.7937/K9/TCIA.2015.LO9QL9SX",
    "Armato III, S. G., et al. (2011). The Lung Image Database Consortium (LIDC) and Image Database Resource Initiative (IDRI): "
    "a completed reference database of lung nodules on CT scans. Medical Physics, 38(2), 915-931.",
    "Clark, K., et al. (2013). The Cancer Imaging Archive (TCIA). Journal of Digital Imaging, 26(6), 1045-1057.",
]


def round_to_fp16(net: SpaNet) -> None:
    """Fold each BatchNorm into its convolution, then round every weight to float16 in place.

    The folding happens here rather than in the ONNX exporter so that the PyTorch model the
    parity fixture is computed from holds exactly the weights the ONNX file stores."""
    fold_batchnorm(net)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(p.half().float())


def segmented_centre_px(net: SpaNet) -> int:
    """Side of the centred square the graph segments (seen at `zoom` times its resolution);
    outside it mean_logits is -20 and factor 0."""
    return CROP // net.zoom


def contract(name: str, version: str, net: SpaNet, onnx_path: str, config: dict, weights: str) -> dict:
    blob = open(onnx_path, "rb").read()
    r, m = net.rank, net.components
    return {
        "contractVersion": CONTRACT_VERSION,
        "name": name,
        "version": version,
        "file": os.path.basename(onnx_path),
        "bytes": len(blob),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "opset": OPSET,
        "weights": weights,
        "cropSizePx": CROP,
        "segmentedCentrePx": segmented_centre_px(net),
        "rank": r,
        "components": m,
        # train.py augments with random 90-degree rotations and mirroring: all 8 symmetries
        "gridSymmetries": 8,
        "inputs": {
            "image": {"name": "image", "dtype": "float32", "shape": ["batch", 1, CROP, CROP]},
            "clicks": {"name": "clicks", "dtype": "float32", "shape": ["batch", 2, CROP, CROP]},
        },
        "outputs": {
            "meanLogits": {"name": "mean_logits", "dtype": "float32", "shape": ["batch", 1, CROP, CROP]},
            "factor": {"name": "factor", "dtype": "float32", "shape": ["batch", r, CROP, CROP]},
            "mixMeans": {"name": "mix_means", "dtype": "float32", "shape": ["batch", m, r]},
            "mixLogvars": {"name": "mix_logvars", "dtype": "float32", "shape": ["batch", m, r]},
        },
        "sampling": "logits = mean_logits + sum_r factor[r] * z[r], z ~ sum_m pi_m N(mix_means[m], diag(exp(mix_logvars[m]))); prob = sigmoid(logits)",
        "preprocessing": {
            "source": "HU = stored * RescaleSlope + RescaleIntercept",
            "crop": {"sizePx": CROP, "centreIndexPx": CROP // 2, "resample": "none (native pixel spacing)",
                     "padding": "pixels outside the image take the crop's minimum HU"},
            "intensity": {"normalise": "minmax-per-crop", "formula": "grey = floor((hu - lo) * (255 / (hi - lo)) + 0.5); input = grey / 255",
                          "scale": 255, "constantCrop": "grey = 0"},
        },
        "clickEncoding": {"channels": ["positive", "negative"], "shape": "disk", "radiusPx": click_radius_px(config), "value": 1.0},
        "training": {k: config.get(k) for k in ("init", "init_onnx", "patch", "iters", "batch", "lr", "base", "rank", "components", "zoom", "beta", "recentre_prob", "flat_background_prob", "border_cut_prob", "deepest_first_click_prob", "deepest_extra_click_prob", "preference_target_prob", "zoom_small_prob", "error_click_prob", "error_click_rounds", "bf16", "procs", "coverage_weight", "consensus_weight", "mean_weight", "split_seed", "val_fraction")},
        "licence": "Model weights trained on LIDC-IDRI (CC BY 3.0); research use only, not for diagnosis.",
        "attribution": ATTRIBUTION,
    }


def click_radius_px(config: dict) -> float:
    """The run's --click-radius (runs before the option trained with the default)."""
    return float(config.get("click_radius", CLICK_RADIUS_PX))


def parity_fixture(net: SpaNet, image_HW: np.ndarray, radius_px: float) -> dict:
    """Fixed input (a real crop and two clicks) and PyTorch outputs at fixed pixels."""
    pos, neg = [(64, 64)], [(44, 84)]  # both inside the segmented centre, which the pixels also sample
    clicks = click_maps(pos, neg, radius_px)
    x = torch.from_numpy(image_HW.astype(np.float32) / 255.0)[None, None]
    with torch.no_grad():
        mean, factor, mm, mlv = net(x, torch.from_numpy(clicks)[None])
    rng = np.random.default_rng(7)
    side = segmented_centre_px(net)
    lo = (CROP - side) // 2
    pixels = ((lo + rng.integers(0, side, 256)) * CROP + lo + rng.integers(0, side, 256)).tolist()
    return {
        "imageGrey": base64.b64encode(image_HW.astype(np.uint8).tobytes()).decode(),
        "positive": pos, "negative": neg,
        "pixels": pixels,
        "meanLogits": mean.flatten()[pixels].tolist(),
        "factor": [factor[0, r].flatten()[pixels].tolist() for r in range(net.rank)],
        "mixMeans": mm[0].tolist(),
        "mixLogvars": mlv[0].tolist(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", help="model.pt from train.py; omit for an untrained model")
    p.add_argument("--out", default="models")
    p.add_argument("--name", default="spa-lidc")
    p.add_argument("--version", default="0.1.0")
    p.add_argument("--fixture-image", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "lidc0001-slice4.png"),
                   help="128x128 grey PNG used as the parity input")
    p.add_argument("--fixture-out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures"))
    p.add_argument("--fp16", action="store_true",
                   help="round the weights to float16 values (BatchNorm folded first), stored as float32: float16 initializers "
                        "made onnxruntime-web's wasm pass slower (docs/performance.md); the parity fixture uses the rounded weights")
    p.add_argument("--split", help="split.json of the training run, copied to <out>/<name>-split.json for the evaluation harness")
    args = p.parse_args()
    config: dict = {}
    if args.checkpoint:
        state = torch.load(args.checkpoint)
        config = state["config"]
        net = net_for_config(config)
        net.load_state_dict(state["net"])
    else:
        torch.manual_seed(0)
        net = SpaNet()
    net.eval()
    if args.fp16:
        round_to_fp16(net)
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, args.name + ".onnx")
    dummy = (torch.zeros(1, 1, CROP, CROP), torch.zeros(1, 2, CROP, CROP))
    torch.onnx.export(net, dummy, onnx_path, opset_version=OPSET, do_constant_folding=True,
                      input_names=["image", "clicks"], output_names=["mean_logits", "factor", "mix_means", "mix_logvars"],
                      dynamic_axes={n: {0: "batch"} for n in ("image", "clicks", "mean_logits", "factor", "mix_means", "mix_logvars")})
    onnx.checker.check_model(onnx.load(onnx_path))
    with open(os.path.join(args.out, args.name + ".json"), "w") as f:
        json.dump(contract(args.name, args.version, net, onnx_path, config, "float16-rounded" if args.fp16 else "float32"), f, indent=1)
        f.write("\n")
    from PIL import Image
    image = np.asarray(Image.open(args.fixture_image).convert("L"))
    os.makedirs(args.fixture_out, exist_ok=True)
    with open(os.path.join(args.fixture_out, args.name + "-parity.json"), "w") as f:
        json.dump(parity_fixture(net, image, click_radius_px(config)), f)
    if args.split:
        with open(args.split) as f:
            split = json.load(f)
        with open(os.path.join(args.out, args.name + "-split.json"), "w") as f:
            json.dump(split, f, indent=1)
            f.write("\n")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes) and its contract")


if __name__ == "__main__":
    main()
