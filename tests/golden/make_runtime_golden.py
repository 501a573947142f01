#!/usr/bin/python3
"""Writes tests/golden/runtime.json: PyTorch forward passes of docs/model.md's `dense` and
`conv1d` autoencoders for the C++ runtime tests (tests/cpp/test_runtime.cpp).

Run with Debian's torch: /usr/bin/python3 tests/golden/make_runtime_golden.py
Weights follow torch_reference.formula_tensors (the C++ test recomputes them, so the file stays
small); inputs come from a fixed seed. Deterministic: rerunning reproduces the committed bytes.
"""
import json
import pathlib

import numpy as np
import torch

import torch_reference as ref

OUT = pathlib.Path(__file__).with_name("runtime.json")
torch.set_num_threads(1)
rng = np.random.default_rng(20260404)

CASES = {
    # The TensorFlow-tutorial preset: relu encoder, sigmoid output.
    "dense_preset": (ref.DENSE_PRESET, 3),
    # Two channels and extra features, tanh hidden, linear output.
    "dense_small": ({"name": "dense", "channels": 2, "length": 5, "n_extra": 3,
                     "hidden": [6, 4, 2], "activation": "tanh", "output_activation": "linear"},
                    4),
    "conv1d_preset": (ref.CONV1D_PRESET, 2),
    # Two channels, extras, two stride-2 layers, tanh inside, sigmoid output.
    "conv1d_small": ({"name": "conv1d", "channels": 2, "length": 16, "n_extra": 2,
                      "conv_channels": [3, 4], "kernel_size": 5, "latent": 6,
                      "activation": "tanh", "output_activation": "sigmoid"}, 3),
    # A kernel wider than half the input: most taps read the zero padding.
    "conv1d_wide_kernel": ({"name": "conv1d", "channels": 1, "length": 8, "n_extra": 0,
                            "conv_channels": [4], "kernel_size": 7, "latent": 3,
                            "activation": "linear", "output_activation": "tanh"}, 3),
}


def rows(a):
    return [[float(v) for v in r] for r in np.asarray(a, dtype=np.float32)]


cases = {}
for name, (cfg, n_rows) in CASES.items():
    module = ref.load(ref.build(cfg), ref.formula_tensors(ref.build(cfg)))
    n_in = cfg["channels"] * cfg["length"] + cfg["n_extra"]
    x = (0.5 + 0.3 * rng.standard_normal((n_rows, n_in))).astype(np.float32)
    with torch.no_grad():
        xt = torch.from_numpy(x)
        z = module.encode(xt)
        r = module.decode(z)
        e = xt - r
    cases[name] = {
        "config": cfg,
        "input": rows(x),
        "latent": rows(z.numpy()),
        "reconstruction": rows(r.numpy()),
        "mae": [float(v) for v in e.abs().mean(dim=1).numpy()],
        "mse": [float(v) for v in (e * e).mean(dim=1).numpy()],
        "max_abs": [float(v) for v in e.abs().amax(dim=1).numpy()],
    }

doc = {
    "generator": "tests/golden/make_runtime_golden.py",
    "torch_version": torch.__version__.split("+")[0],
    "weights": "scale * sin(0.731 * i + 1.37 * ti + 0.1) as float32; ti = tensor number in "
               "state_dict order, i = flat index; scale = 0.1 for biases, "
               "1/sqrt(numel/shape[0]) for weights",
    "cases": cases,
}
OUT.write_text(json.dumps(doc, indent=1) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
