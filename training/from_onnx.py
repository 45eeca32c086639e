"""Rebuild a trainable SpaNet from a shipped ONNX file and its contract.

Checkpoints live in training/runs/, which does not outlive a machine; the shipped ONNX does.
Its BatchNorms were folded into the convolutions at export, so the rebuilt network has
biased convolutions and Identity in place of BatchNorm (see export.round_to_fp16); it
computes exactly what the ONNX file computes and can be fine-tuned (train.py --init-onnx).
"""
from __future__ import annotations

import json
import os
import sys

import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import SpaNet  # noqa: E402


def fold_batchnorm(net: SpaNet) -> None:
    """Replace every Conv2d + BatchNorm2d pair by one biased Conv2d (eval statistics)."""
    for module in net.modules():
        if isinstance(module, torch.nn.Sequential):
            for i in range(len(module) - 1):
                if isinstance(module[i], torch.nn.Conv2d) and isinstance(module[i + 1], torch.nn.BatchNorm2d):
                    module[i] = torch.nn.utils.fusion.fuse_conv_bn_eval(module[i], module[i + 1])
                    module[i + 1] = torch.nn.Identity()


def net_for_config(config: dict) -> SpaNet:
    """An untrained SpaNet shaped like a train.py run's config.json (folded when the run
    started from an ONNX file), ready for load_state_dict."""
    net = SpaNet(config["base"], config["rank"], config["components"], config.get("zoom", 1))
    if config.get("folded"):
        net.eval()  # folding uses the (untrained) eval statistics; the weights come after
        fold_batchnorm(net)
    return net


def load_onnx_net(onnx_path: str) -> SpaNet:
    """The SpaNet whose folded weights the ONNX file stores (float16 ones widened to float32)."""
    contract_path = os.path.splitext(onnx_path)[0] + ".json"
    with open(contract_path) as f:
        c = json.load(f)
    training = c.get("training") or {}
    net = net_for_config({"base": training.get("base", 12), "rank": c["rank"], "components": c["components"],
                          "zoom": training.get("zoom", 1), "folded": True})
    weights = {}
    for init in onnx.load(onnx_path).graph.initializer:
        name = init.name[:-len("_fp16")] if init.name.endswith("_fp16") else init.name
        weights[name] = torch.from_numpy(numpy_helper.to_array(init).astype("float32"))
    state = net.state_dict()
    missing = [k for k in state if k not in weights]
    if missing:
        raise ValueError(f"{onnx_path}: no initializer for {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    for k in state:
        if tuple(weights[k].shape) != tuple(state[k].shape):
            raise ValueError(f"{onnx_path}: {k} has shape {tuple(weights[k].shape)}, the contract's network needs {tuple(state[k].shape)}")
    net.load_state_dict({k: weights[k] for k in state})
    return net
