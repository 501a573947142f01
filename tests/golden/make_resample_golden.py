#!/usr/bin/python3
"""Writes tests/golden/resample.json: scipy reference values for the C++ resample and baseline
tests (scipy.special.i0, windows.kaiser, firwin, upfirdn, resample_poly, medfilt).

Run with Debian's scipy: /usr/bin/python3 tests/golden/make_resample_golden.py
The output is committed so the C++ tests need no Python. Deterministic (fixed seed).
"""
import json
import pathlib
import warnings

import numpy as np
import scipy
from golden_signals import ecg_like
from scipy import signal, special

OUT = pathlib.Path(__file__).with_name("resample.json")
rng = np.random.default_rng(20261127)


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


# --- scipy.special.i0: both sides of the series/asymptotic switch at 30, and large x.
i0_x = [0.0, 1e-10, 1e-3, 0.1, 0.5, 1.0, 2.5, 5.0, 8.6, 10.0, 14.0, 20.0, 29.9, 30.0, 30.1,
        35.0, 50.0, 100.0, 300.0, 700.0, -3.0, -40.0]
bessel_i0 = {"x": i0_x, "y": floats(special.i0(i0_x))}

# --- scipy.signal.windows.kaiser(M, beta, sym=True)
kaiser = []
for m in (0, 1, 2, 3, 4, 7, 10, 51, 64):
    for beta in (0.0, 5.0, 8.6):
        kaiser.append({"m": m, "beta": beta, "w": floats(signal.windows.kaiser(m, beta))})

# --- scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta)), low-pass, scaled
firwin = []
for numtaps, cutoff, beta in ((1, 0.5, 5.0), (2, 0.5, 5.0), (5, 0.3, 0.0), (21, 0.5, 5.0),
                              (21, 1 / 3, 5.0), (40, 0.25, 8.6), (61, 0.1, 5.0),
                              (101, 0.02, 5.0), (721, 1 / 360, 5.0), (15, 0.999, 3.0),
                              (16, 0.001, 5.0)):
    h = signal.firwin(numtaps, cutoff, window=("kaiser", beta))
    firwin.append({"numtaps": numtaps, "cutoff": cutoff, "beta": beta, "h": floats(h)})

# --- scipy.signal.upfirdn(h, x, up, down), mode='constant', cval=0
upfirdn = []
for up, down, h_len, x_len in ((1, 1, 1, 10), (1, 1, 5, 12), (3, 1, 1, 6), (3, 1, 7, 9),
                               (1, 3, 1, 20), (1, 3, 10, 17), (5, 7, 30, 40), (7, 5, 30, 25),
                               (2, 3, 3, 10), (4, 4, 13, 11), (1, 2, 30, 5), (6, 1, 2, 3),
                               (3, 2, 30, 1), (1, 5, 4, 3), (8, 3, 25, 30), (2, 1, 29, 16)):
    h = rng.standard_normal(h_len)
    x = rng.standard_normal(x_len)
    upfirdn.append({"up": up, "down": down, "h": floats(h), "x": floats(x),
                    "y": floats(signal.upfirdn(h, x, up, down))})

# --- scipy.signal.resample_poly(x, up, down) with its defaults
fs = 360.0
resample_signals = {"random": rng.standard_normal(257), "ecg": ecg_like(1500, fs, rng)}
resample_cases = []
for name, x in resample_signals.items():
    for up, down in ((1, 2), (2, 1), (3, 2), (2, 3), (250, 360), (360, 250), (1, 1), (500, 360),
                     (128, 360)):
        y = signal.resample_poly(x, up, down)
        if up == down:
            # scipy returns x.copy(); storing it again would only grow the file.
            assert np.array_equal(y, x)
            resample_cases.append({"signal": name, "up": up, "down": down, "y_equals_x": True})
            continue
        resample_cases.append({"signal": name, "up": up, "down": down, "y": floats(y)})
# A non-default Kaiser beta, through the same code path (window=('kaiser', beta)).
resample_cases.append({"signal": "random", "up": 5, "down": 3, "beta": 8.6,
                       "y": floats(signal.resample_poly(resample_signals["random"], 5, 3,
                                                        window=("kaiser", 8.6)))})

# Very short signals, where scipy's n_post_pad loop and the zero padding dominate.
for n in (1, 2, 3, 5):
    x = rng.standard_normal(n)
    for up, down in ((1, 2), (3, 1), (2, 3), (7, 5), (25, 36)):
        resample_cases.append({"x": floats(x), "up": up, "down": down,
                               "y": floats(signal.resample_poly(x, up, down))})

# --- scipy.signal.medfilt(x, kernel_size): zero padding at the edges. "quantized" has many
# ties and exact zeros; "short" is shorter than some kernels (scipy zero-pads, with a warning).
medfilt_signals = {
    "walk": np.cumsum(rng.standard_normal(600)) * 0.1 + 0.5,
    "quantized": np.round(rng.standard_normal(300) * 2) / 2,
    "short": rng.standard_normal(25) + 0.3,
}
medfilt_cases = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "kernel_size exceeds volume extent"
    for name, x in medfilt_signals.items():
        kernels = (1, 3, 5, 21, 217) if name != "short" else (1, 3, 21, 49, 61, 217)
        if name == "quantized":
            kernels += (601,)
        for k in kernels:
            medfilt_cases.append({"signal": name, "kernel_size": k,
                                  "y": floats(signal.medfilt(x, k))})

# --- two-stage median baseline (de Chazal 2004) at 360 Hz: nearest odd window lengths of
# 0.2 s and 0.6 s are 73 and 217 samples.
first_k, second_k = 73, 217
baseline = signal.medfilt(signal.medfilt(resample_signals["ecg"], first_k), second_k)
median_baseline = {"signal": "ecg", "fs_hz": fs, "first_window_s": 0.2, "second_window_s": 0.6,
                   "first_kernel": first_k, "second_kernel": second_k,
                   "baseline": floats(baseline)}

golden = {
    "scipy_version": scipy.__version__,
    "numpy_version": np.__version__,
    "bessel_i0": bessel_i0,
    "kaiser": kaiser,
    "firwin": firwin,
    "upfirdn": upfirdn,
    "resample_signals": {k: floats(v) for k, v in resample_signals.items()},
    "resample_poly": resample_cases,
    "medfilt_signals": {k: floats(v) for k, v in medfilt_signals.items()},
    "medfilt": medfilt_cases,
    "median_baseline": median_baseline,
}
with OUT.open("w") as f:
    json.dump(golden, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")
