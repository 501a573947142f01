#!/usr/bin/python3
"""Preprocessing chain of a 30-minute record, ecgad vs a scipy/numpy equivalent, in one run.

The chain: clean (zero-phase Butterworth band-pass 0.5-40 Hz, order 2) -> R peaks -> beats
(0.25 s before, 0.45 s after each peak, resampled to 140 points). The reference does the same
with scipy.signal.sosfiltfilt, a scipy.signal.find_peaks detector in the style of NeuroKit2's
default (band-pass, gradient, smoothed envelope, adaptive height) and numpy interpolation.
It also times the streaming chain (SosFilter -> RpeakDetector -> BeatSegmenter) fed one-second
chunks, as a multiple of real time.

Usage (ecgad installed, e.g. the venv scripts/test.sh builds):
    build/venv/bin/python benchmarks/compare_preprocess.py [--record ../shared/data/mitdb/101]
"""
import argparse
import pathlib
import sys
import time

import numpy as np
from scipy import signal as ss

import ecgad
from ecgad import io
from ecgad import signal as es

DEFAULT_RECORD = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mitdb" / "101"
BEFORE_S, AFTER_S, LENGTH = 0.25, 0.45, 140


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3, float(np.median(times)) * 1e3


def scipy_rpeaks(x, fs):
    """A scipy-only detector in the style of NeuroKit2's default: |gradient| of the 5-15 Hz band,
    smoothed over 0.1 s, peaks above 1.5x the envelope's 1.5-s moving average, 0.3 s apart, each
    moved to the band-passed signal's maximum within 0.05 s."""
    sos = ss.butter(2, [5.0, 15.0], "bandpass", fs=fs, output="sos")
    band = ss.sosfiltfilt(sos, x)
    grad = np.abs(np.gradient(band))
    k = max(1, int(0.1 * fs))
    env = np.convolve(grad, np.ones(k) / k, mode="same")
    k2 = max(1, int(1.5 * fs))
    level = np.convolve(env, np.ones(k2) / k2, mode="same")
    peaks, _ = ss.find_peaks(env, height=1.5 * level, distance=int(0.3 * fs))
    half = int(0.05 * fs)
    lo = np.clip(peaks - half, 0, x.size - 1)
    windows = lo[:, None] + np.arange(2 * half + 1)[None, :]
    windows = np.clip(windows, 0, x.size - 1)
    return windows[np.arange(peaks.size), np.argmax(band[windows], axis=1)]


def numpy_beats(y, fs, peaks):
    before, after = BEFORE_S * fs, AFTER_S * fs
    keep = (peaks - before >= 0) & (peaks + after <= y.size - 1)
    p = peaks[keep]
    grid = p[:, None] - before + np.arange(LENGTH)[None, :] * ((before + after) / LENGTH)
    i0 = np.floor(grid).astype(np.int64)
    frac = grid - i0
    return (y[i0] * (1 - frac) + y[np.minimum(i0 + 1, y.size - 1)] * frac).astype(np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=pathlib.Path, default=DEFAULT_RECORD)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    if (args.record.parent / (args.record.name + ".hea")).exists():
        rec = io.read_wfdb(args.record)
        x = np.ascontiguousarray(rec.signal[0])
        fs = rec.fs_hz
        source = f"MIT-BIH record {args.record.name}, lead {rec.lead_names[0]}"
    else:
        print(f"record {args.record} not found; using a synthetic 30-min ECG instead")
        syn = ecgad.synth.ecgsyn(fs_hz=360.0, duration_s=1800.0, heart_rate_bpm=75.0, seed=3)
        x, fs, source = syn.ecg_mv, 360.0, "synthetic ECGSYN"
    sos = es.butter(2, (0.5, 40.0), "bandpass", fs_hz=fs)
    print(f"ecgad {ecgad.__version__}: {x.size} samples ({x.size / fs / 60:.1f} min at {fs:g} Hz), "
          f"{source}, best of {args.repeats}")

    def ours():
        y = es.sosfiltfilt(sos, x)
        peaks = es.find_rpeaks(x, fs)
        return es.segment_beats(y, fs, peaks, before_s=BEFORE_S, after_s=AFTER_S, length=LENGTH)

    def reference():
        y = ss.sosfiltfilt(sos, x)
        return numpy_beats(y, fs, scipy_rpeaks(x, fs))

    y_ours = es.sosfiltfilt(sos, x)
    peaks_ours = es.find_rpeaks(x, fs)
    y_ref = ss.sosfiltfilt(sos, x)
    peaks_ref = scipy_rpeaks(x, fs)
    stages = [
        ("clean (sosfiltfilt 0.5-40 Hz)", lambda: es.sosfiltfilt(sos, x), lambda: ss.sosfiltfilt(sos, x)),
        ("R peaks", lambda: es.find_rpeaks(x, fs), lambda: scipy_rpeaks(x, fs)),
        ("beats (N x 140)", lambda: es.segment_beats(y_ours, fs, peaks_ours),
         lambda: numpy_beats(y_ref, fs, peaks_ref)),
        ("whole chain", ours, reference),
    ]
    print(f"{'stage':32s} {'ecgad ms':>9s} {'(median)':>9s} {'scipy ms':>9s} {'speed-up':>9s}")
    chain_ms = None
    for name, f_ours, f_ref in stages:
        t_ours, med_ours = best_of(f_ours, args.repeats)
        t_ref, _ = best_of(f_ref, args.repeats)
        print(f"{name:32s} {t_ours:9.2f} {med_ours:9.2f} {t_ref:9.2f} {t_ref / t_ours:8.2f}x")
        chain_ms = t_ours
    clean_diff = np.max(np.abs(y_ours - y_ref)) / np.max(np.abs(y_ref))
    print(f"clean: max relative difference to scipy {clean_diff:.1e}; peaks: ecgad {peaks_ours.size}, "
          f"scipy-based {peaks_ref.size}")

    chunk = int(fs)  # one-second chunks, as a live host would push them

    def streaming():
        filt = es.SosFilter(sos)
        det = es.RpeakDetector(fs)
        seg = es.BeatSegmenter(fs, max_peak_delay_s=det.latency_samples / fs + 1.0 / fs)
        n_beats = 0
        for start in range(0, x.size, chunk):
            part = x[start:start + chunk]
            n_beats += seg.process(filt.process(part), det.process(part)).beats.shape[0]
        n_beats += seg.process(np.empty(0), det.finish()).beats.shape[0]
        return n_beats + seg.flush().beats.shape[0]

    t_stream, _ = best_of(streaming, max(3, args.repeats // 4))
    print(f"streaming chain (1-s chunks): {t_stream:.1f} ms for {x.size / fs:.0f} s of signal = "
          f"{x.size / fs / (t_stream / 1e3):,.0f}x real time, {streaming()} beats")
    goal_ok = chain_ms < 10.0
    print(f"goal: whole chain under 10 ms per 30-min record: {'met' if goal_ok else 'NOT met'} "
          f"({chain_ms:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
