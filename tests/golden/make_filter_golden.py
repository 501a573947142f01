#!/usr/bin/python3
"""Writes tests/golden/filter.json: scipy.signal reference values for the C++ filter tests.

Run with Debian's scipy: /usr/bin/python3 tests/golden/make_filter_golden.py
The output is committed so the C++ tests need no Python. Deterministic (fixed seed).
"""
import json
import pathlib

import numpy as np
import scipy
from golden_signals import ecg_like
from scipy import signal

OUT = pathlib.Path(__file__).with_name("filter.json")
rng = np.random.default_rng(20261126)


butter_cases = []
for fs in (100.0, 250.0, 360.0, 500.0, 1000.0):
    nyq = fs / 2
    specs = [
        ("lowpass", [40.0]), ("lowpass", [0.01 * nyq]), ("lowpass", [0.99 * nyq]),
        ("highpass", [0.5]), ("highpass", [0.67]), ("highpass", [0.9 * nyq]),
        ("bandpass", [0.5, 40.0]), ("bandpass", [5.0, 15.0]), ("bandpass", [0.05 * nyq, 0.95 * nyq]),
        ("bandstop", [48.0, 52.0]), ("bandstop", [0.3 * nyq, 0.7 * nyq]),
    ]
    for btype, cutoff in specs:
        if max(cutoff) >= nyq:
            continue
        for order in (1, 2, 3, 4, 5, 7, 10):
            sos = signal.butter(order, cutoff if len(cutoff) > 1 else cutoff[0], btype, fs=fs,
                                output="sos")
            butter_cases.append({"order": order, "cutoff_hz": cutoff, "btype": btype, "fs_hz": fs,
                                 "sos": sos.tolist()})

notch_cases = []
for fs, w0, q in ((360.0, 60.0, 30.0), (360.0, 50.0, 30.0), (250.0, 50.0, 10.0),
                  (1000.0, 60.0, 35.0), (500.0, 100.0, 0.5), (100.0, 49.0, 100.0)):
    b, a = signal.iirnotch(w0, q, fs=fs)
    notch_cases.append({"w0_hz": w0, "q": q, "fs_hz": fs, "b": b.tolist(), "a": a.tolist()})

fs = 360.0
n = 600
signals = {"random": rng.standard_normal(n), "ecg": ecg_like(n, fs, rng, mains_hz=60.0)}
filters = {
    "hp5_0.5": signal.butter(5, 0.5, "highpass", fs=fs, output="sos"),
    "bp4_0.5_40": signal.butter(4, [0.5, 40.0], "bandpass", fs=fs, output="sos"),
    "lp8_40": signal.butter(8, 40.0, "lowpass", fs=fs, output="sos"),
    "bs2_58_62": signal.butter(2, [58.0, 62.0], "bandstop", fs=fs, output="sos"),
    "lp1_10": signal.butter(1, 10.0, "lowpass", fs=fs, output="sos"),
    "hp3_1": signal.butter(3, 1.0, "highpass", fs=fs, output="sos"),
}
sos_cases = []
for fname, sos in filters.items():
    case = {"name": fname, "sos": sos.tolist(), "zi": signal.sosfilt_zi(sos).tolist(), "outputs": {}}
    for sname, x in signals.items():
        case["outputs"][sname] = {
            "sosfilt": signal.sosfilt(sos, x).tolist(),
            "sosfiltfilt": signal.sosfiltfilt(sos, x).tolist(),
        }
    sos_cases.append(case)

padlen_cases = []
for padlen in (0, 1, 10, 200):
    sos = filters["bp4_0.5_40"]
    padlen_cases.append({"filter": "bp4_0.5_40", "padlen": padlen,
                         "y": signal.sosfiltfilt(sos, signals["ecg"], padlen=padlen).tolist()})

ba_filters = {
    "notch60": signal.iirnotch(60.0, 30.0, fs=fs),
    "butter3_lp20": signal.butter(3, 20.0, fs=fs),
    "butter2_bp": signal.butter(2, [1.0, 30.0], "bandpass", fs=fs),
    "fir5": (np.array([0.1, 0.2, 0.4, 0.2, 0.1]), np.array([1.0])),
    "unnormalized": (np.array([0.5, 0.25]), np.array([2.0, -0.5])),
}
ba_cases = []
for fname, (b, a) in ba_filters.items():
    case = {"name": fname, "b": np.atleast_1d(b).tolist(), "a": np.atleast_1d(a).tolist(),
            "zi": signal.lfilter_zi(b, a).tolist(), "outputs": {}}
    for sname, x in signals.items():
        case["outputs"][sname] = {
            "lfilter": signal.lfilter(b, a, x).tolist(),
            "filtfilt": signal.filtfilt(b, a, x).tolist(),
        }
    ba_cases.append(case)

golden = {
    "generator": "tests/golden/make_filter_golden.py",
    "scipy_version": scipy.__version__,
    "numpy_version": np.__version__,
    "fs_hz": fs,
    "signals": {k: v.tolist() for k, v in signals.items()},
    "butter": butter_cases,
    "iirnotch": notch_cases,
    "sos": sos_cases,
    "sosfiltfilt_padlen": padlen_cases,
    "ba": ba_cases,
}
OUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB, {len(butter_cases)} butter designs)")
