"""PyTorch reference of docs/model.md's `dense` and `conv1d` autoencoders.

The modules are written from the contract alone (module names = state_dict names, channel-major
flatten, ConvTranspose1d with output_padding=1), so the runtime is checked against PyTorch's own
Linear/Conv1d/ConvTranspose1d rather than against a re-derivation of its arithmetic. Used by
make_runtime_golden.py, tests/python/test_runtime.py and benchmarks/compare_runtime.py.
"""
import math

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}

DENSE_PRESET = {"name": "dense", "channels": 1, "length": 140, "n_extra": 0,
                "hidden": [32, 16, 8], "activation": "relu", "output_activation": "sigmoid"}
CONV1D_PRESET = {"name": "conv1d", "channels": 1, "length": 140, "n_extra": 0,
                 "conv_channels": [16, 32], "kernel_size": 7, "latent": 16,
                 "activation": "relu", "output_activation": "linear"}


class Dense(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        n_in = cfg["channels"] * cfg["length"] + cfg["n_extra"]
        widths = [n_in] + list(cfg["hidden"])
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        back = widths[::-1]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back[:-1], back[1:]))
        self.act = ACTIVATIONS[cfg["activation"]]
        self.out_act = ACTIVATIONS[cfg["output_activation"]]

    def encode(self, x):
        for layer in self.encoder:
            x = self.act(layer(x))
        return x

    def decode(self, z):
        for j, layer in enumerate(self.decoder):
            z = layer(z)
            z = self.out_act(z) if j + 1 == len(self.decoder) else self.act(z)
        return z

    def forward(self, x):
        return self.decode(self.encode(x))


class Conv1d(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        c, length, extra, k = cfg["channels"], cfg["length"], cfg["n_extra"], cfg["kernel_size"]
        cc = list(cfg["conv_channels"])
        n = len(cc)
        pad = (k - 1) // 2
        self.reduced = length // 2 ** n
        self.flat = cc[-1] * self.reduced
        self.encoder = nn.Module()
        prev = c
        for i, ch in enumerate(cc):
            self.encoder.add_module(f"conv{i}", nn.Conv1d(prev, ch, k, stride=2, padding=pad))
            prev = ch
        self.encoder.add_module("fc", nn.Linear(self.flat + extra, cfg["latent"]))
        self.decoder = nn.Module()
        self.decoder.add_module("fc", nn.Linear(cfg["latent"], self.flat + extra))
        for j in range(n):
            i = n - 1 - j
            out = cc[i - 1] if i > 0 else c
            self.decoder.add_module(f"deconv{j}", nn.ConvTranspose1d(
                cc[i], out, k, stride=2, padding=pad, output_padding=1))
        self.n = n
        self.act = ACTIVATIONS[cfg["activation"]]
        self.out_act = ACTIVATIONS[cfg["output_activation"]]

    def encode(self, x):
        c, length = self.cfg["channels"], self.cfg["length"]
        h = x[:, : c * length].reshape(x.shape[0], c, length)
        for i in range(self.n):
            h = self.act(getattr(self.encoder, f"conv{i}")(h))
        h = torch.cat([h.reshape(x.shape[0], -1), x[:, c * length:]], dim=1)
        return self.act(self.encoder.fc(h))

    def decode(self, z):
        d = self.decoder.fc(z)
        h = self.act(d[:, : self.flat]).reshape(z.shape[0], -1, self.reduced)
        extras = self.out_act(d[:, self.flat:])
        for j in range(self.n):
            h = getattr(self.decoder, f"deconv{j}")(h)
            h = self.out_act(h) if j + 1 == self.n else self.act(h)
        return torch.cat([h.reshape(z.shape[0], -1), extras], dim=1)

    def forward(self, x):
        return self.decode(self.encode(x))


def build(cfg):
    """A torch module for `cfg` (weights from PyTorch's default init)."""
    return {"dense": Dense, "conv1d": Conv1d}[cfg["name"]](cfg)


def formula_tensors(module):
    """Deterministic weights both Python and C++ can compute (make_runtime_golden.py):
    tensor number ti (state_dict order), flat index i:
    value = scale * sin(0.731 * i + 1.37 * ti + 0.1), scale = 1/sqrt(fan_in) for weights
    (fan_in = numel / shape[0]) and 0.1 for biases; computed in float64, rounded to float32."""
    out = {}
    for ti, (name, p) in enumerate(module.state_dict().items()):
        scale = 0.1 if name.endswith("bias") else 1.0 / math.sqrt(p.numel() / p.shape[0])
        # math.sin is the C library's sin, as std::sin in the C++ test (numpy may use SIMD).
        values = [scale * math.sin(0.731 * i + 1.37 * ti + 0.1) for i in range(p.numel())]
        out[name] = np.array(values, dtype=np.float32).reshape(tuple(p.shape))
    return out


def load(module, tensors):
    module.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in
                            tensors.items()})
    return module.eval()


def tensors_of(module):
    """state_dict as float32 numpy arrays."""
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in
            module.state_dict().items()}
