#!/usr/bin/python3
"""ecgad vs scipy on the same 30-minute 360 Hz signal, in one run: times, ratios, max differences.

Usage (with ecgad installed, e.g. the venv scripts/test.sh builds):
    build/venv/bin/python benchmarks/compare_filter.py [--repeats 30] [--record ../shared/data/mitdb/100]

The signal is synthetic noise plus an ECG-like waveform by default; --record uses lead 0 of a
WFDB record read with numpy (format 212) when the data folder is present.
"""
import argparse
import pathlib
import sys
import time

import numpy as np
from scipy import signal as ss

import ecgad
from ecgad import signal as es

FS = 360.0


def read_212_lead0(record: pathlib.Path) -> np.ndarray:
    """Lead 0 of a two-lead MIT-BIH format-212 record, in ADC units (enough for timing)."""
    raw = np.fromfile(record.with_suffix(".dat"), dtype=np.uint8).reshape(-1, 3).astype(np.int32)
    lead0 = raw[:, 0] | ((raw[:, 1] & 0x0F) << 8)
    lead0[lead0 > 2047] -= 4096
    return lead0.astype(np.float64)


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--record", type=pathlib.Path, default=None)
    args = parser.parse_args()

    if args.record is not None:
        x = read_212_lead0(args.record)
        source = f"record {args.record.name}, lead 0"
    else:
        n = int(30 * 60 * FS)
        t = np.arange(n) / FS
        rng = np.random.default_rng(7)
        x = np.sin(2 * np.pi * 1.2 * t) ** 63 + 0.3 * np.sin(2 * np.pi * 0.2 * t) + 0.05 * rng.standard_normal(n)
        source = "synthetic ECG-like signal"
    print(f"ecgad {ecgad.__version__} vs scipy "
          f"{__import__('scipy').__version__}: {x.size} samples ({x.size / FS / 60:.1f} min at "
          f"{FS:g} Hz), {source}, best of {args.repeats}")

    hp5 = ss.butter(5, 0.5, "highpass", fs=FS, output="sos")
    bp4 = ss.butter(4, [0.5, 40.0], "bandpass", fs=FS, output="sos")
    b_notch, a_notch = ss.iirnotch(60.0, 30.0, fs=FS)
    cases = [
        ("sosfiltfilt highpass 5th 0.5 Hz", lambda: es.sosfiltfilt(hp5, x), lambda: ss.sosfiltfilt(hp5, x)),
        ("sosfiltfilt bandpass 4th 0.5-40 Hz", lambda: es.sosfiltfilt(bp4, x), lambda: ss.sosfiltfilt(bp4, x)),
        ("sosfilt bandpass 4th", lambda: es.sosfilt(bp4, x), lambda: ss.sosfilt(bp4, x)),
        ("filtfilt notch 60 Hz", lambda: es.filtfilt(b_notch, a_notch, x), lambda: ss.filtfilt(b_notch, a_notch, x)),
        ("resample_poly 360->250 Hz", lambda: es.resample_poly(x, 25, 36), lambda: ss.resample_poly(x, 25, 36)),
        ("median baseline 0.2+0.6 s", lambda: es.median_baseline(x, FS),
         lambda: ss.medfilt(ss.medfilt(x, 73), 217)),
    ]
    print(f"{'operation':38s} {'ecgad ms':>9s} {'scipy ms':>9s} {'speed-up':>9s} {'max rel diff':>13s}")
    worst = 0.0
    for name, ours, ref in cases:
        repeats = max(3, args.repeats // 10) if "median" in name else args.repeats
        t_ours, _ = best_time(ours, repeats)
        t_ref, _ = best_time(ref, repeats)
        y_ours, y_ref = ours(), ref()
        diff = float(np.max(np.abs(y_ours - y_ref)) / max(np.max(np.abs(y_ref)), 1e-300))
        worst = max(worst, diff)
        print(f"{name:38s} {t_ours * 1e3:9.2f} {t_ref * 1e3:9.2f} {t_ref / t_ours:8.2f}x {diff:13.2e}")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
