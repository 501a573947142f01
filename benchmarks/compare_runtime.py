#!/usr/bin/python3
"""Scoring speed, PyTorch eager vs the ecgad Eigen runtime, same weights, one thread each.

For the dense preset (the TensorFlow tutorial's 140→32→16→8→16→32→140) and the conv1d preset:
single-beat latency (one beat in, its MAE out) and batch throughput (reconstruction + per-beat
MAE) at 64, 2,919 and 100,000 beats, with the ratio PyTorch / ecgad. Both sides get the same
float32 beats and the same weights (PyTorch's default init, seeded); the script first checks
that their scores agree. ecgad is timed through its Python face (numpy in, numpy out), so the
single-beat figure includes Python's call overhead; `--bench` also runs the C++ benchmark
(build/benchmarks/bench_runtime, -march=native by default) for the library's own latency.

Beats: MIT-BIH record 101 lead 0 (band-pass 0.5-40 Hz, R peaks, 140-sample windows, min-max
scaled per beat) when ../shared/data is present, else a synthetic ECGSYN record.

Usage (ecgad installed or PYTHONPATH=build/python):
    /usr/bin/python3 benchmarks/compare_runtime.py [--record PATH] [--bench build/benchmarks/bench_runtime]
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

import numpy as np
import torch

from ecgad import signal as es
from ecgad import io, synth
from ecgad.runtime import RuntimeModel

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "golden"))
import torch_reference as ref  # noqa: E402  (the contract's architectures as torch.nn modules)

DEFAULT_RECORD = (pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data" /
                  "mitdb" / "101")


def record_beats(record):
    try:
        rec = io.read_wfdb(str(record))
        x, fs = rec.signal[0], rec.fs_hz
        source = f"MIT-BIH {pathlib.Path(record).name}, lead 0"
    except (OSError, ValueError):
        sim = synth.synthesize(duration_s=1800, fs_hz=360, seed=1)
        x, fs = sim.ecg_mv, sim.fs_hz
        source = "synthetic ECGSYN, 30 min"
    sos = es.butter(2, [0.5, 40.0], "bandpass", fs_hz=fs)
    clean = es.sosfiltfilt(sos, x)
    peaks = es.find_rpeaks(clean, fs)
    beats = es.segment_beats(clean, fs, peaks).beats
    lo, hi = beats.min(axis=1, keepdims=True), beats.max(axis=1, keepdims=True)
    return ((beats - lo) / np.maximum(hi - lo, 1e-6)).astype(np.float32), source


def batch_of(beats, n):
    return np.ascontiguousarray(np.resize(beats, (n, beats.shape[1])))


def best_time(fn, repeats, inner=1):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", default=str(DEFAULT_RECORD))
    parser.add_argument("--bench", help="path of bench_runtime to run as well")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    beats, source = record_beats(args.record)
    print(f"beats: {beats.shape[0]} x {beats.shape[1]} from {source}; torch {torch.__version__}, "
          f"1 thread each; best of {args.repeats}")
    rows = []
    for cfg in (ref.DENSE_PRESET, ref.CONV1D_PRESET):
        name = cfg["name"]
        torch.manual_seed(0)
        module = ref.build(cfg).eval()
        model = RuntimeModel.from_tensors(cfg, ref.tensors_of(module))

        def torch_score(x):
            with torch.inference_mode():
                return (x - module(x)).abs().mean(dim=1)

        x_check = batch_of(beats, 512)
        diff = np.abs(torch_score(torch.from_numpy(x_check)).numpy() - model.score(x_check)).max()
        print(f"{name}: max |MAE(torch) - MAE(ecgad)| over 512 beats = {diff:.1e}")

        # Single beat: one beat in, its score out.
        one_np = beats[0].copy()
        one_t = torch.from_numpy(beats[:1].copy())
        n_inner = 2000 if name == "dense" else 200
        t_torch = best_time(lambda: torch_score(one_t), args.repeats, n_inner)
        t_ecgad = best_time(lambda: model.score_one(one_np), args.repeats, n_inner)
        rows.append((name, "1 beat latency (us)", t_torch * 1e6, t_ecgad * 1e6,
                     t_torch / t_ecgad))
        for n in (64, 2919, 100_000):
            if name == "conv1d" and n == 100_000:
                n = 20_000  # PyTorch's conv1d needs seconds per 100k beats on one thread
            x = batch_of(beats, n)
            xt = torch.from_numpy(x)
            inner = max(1, 20_000 // n) if name == "dense" else max(1, 2_000 // n)
            t_torch = best_time(lambda: torch_score(xt), args.repeats, inner)
            t_ecgad = best_time(lambda: model.score(x), args.repeats, inner)
            rows.append((name, f"batch {n} (beats/s)", n / t_torch, n / t_ecgad,
                         t_torch / t_ecgad))

    print(f"\n{'model':<7} {'task':<24} {'PyTorch eager':>14} {'ecgad runtime':>14} "
          f"{'ratio':>7}")
    for name, task, a, b, ratio in rows:
        fmt = (lambda v: f"{v:14.2f}") if "latency" in task else (lambda v: f"{v:14,.0f}")
        print(f"{name:<7} {task:<24} {fmt(a)} {fmt(b)} {ratio:6.1f}x")
    print("ratio = PyTorch time / ecgad time (higher: ecgad faster)")

    if args.bench:
        out = subprocess.run([args.bench, "--benchmark_format=json",
                              "--benchmark_filter=ScoreOne|ScoreBatch/(64|2919|100000)"],
                             check=True, capture_output=True, text=True).stdout
        print("\nC++ bench_runtime (CPU time):")
        for b in json.loads(out)["benchmarks"]:
            rate = b.get("beats/s", 0.0)
            print(f"  {b['name']:<32} {b['cpu_time']:12.3f} {b['time_unit']}  "
                  f"{rate:14,.0f} beats/s")


if __name__ == "__main__":
    main()
