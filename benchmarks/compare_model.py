#!/usr/bin/python3
"""Autoencoders, ecgad vs PyTorch eager (Debian's python3-torch), on the same beats in one run.

Data: 2,919 normal beats x 140 samples (the size of the ECG5000 normal training split used by
the TensorFlow "Intro to Autoencoders" tutorial), cut from an ECGSYN recording (ecgad.synth)
with the generator's R peaks, min-max scaled to [0, 1]. Model: that tutorial's dense
autoencoder (140→32→16→8→16→32→140, ReLU, sigmoid output), MAE loss, Adam 1e-3, batch 512,
20 epochs, reshuffled every epoch, no validation.

Everything runs on ONE thread: OPENBLAS_NUM_THREADS/OMP_NUM_THREADS are set to 1 before numpy,
torch or ecgad load their BLAS (OpenBLAS would otherwise split large products over the cores
whatever torch.set_num_threads says), and torch/LibTorch get set_num_threads(1).

Each row is a task timed for both libraries (best and median of --repeats runs); the ratio is
PyTorch time / ecgad time. Rows are functions registered in ROWS: add one to compare another
task. After the training rows it runs compare_runtime.py (scoring latency and throughput,
PyTorch eager vs the Eigen runtime, with ratios) unless --no-runtime; --bench adds the C++
runtime benchmark's own figures (build/benchmarks/bench_runtime).

Usage (ecgad installed or PYTHONPATH=<build>/python):
    /usr/bin/python3 benchmarks/compare_model.py [--repeats 7] [--epochs 20] \
        [--bench build/benchmarks/bench_runtime] [--no-runtime]
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Callable, List, Optional, Tuple  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ecgad  # noqa: E402
from ecgad import model as em  # noqa: E402
from ecgad import signal as es  # noqa: E402
from ecgad import synth  # noqa: E402

N_BEATS, LENGTH = 2919, 140


@dataclass
class Result:
    """One timed run: seconds and what the run produced (a final loss, a checksum...)."""

    seconds: float
    value: Optional[float] = None


@dataclass
class Row:
    """A task: each side is called with the repeat index (runs may vary their seed with it)."""

    task: str
    reference: Callable[[int], Result]  # PyTorch
    ecgad: Callable[[int], Result]
    value_name: str = ""  # what Result.value is; its mean and spread over the runs are printed


def make_beats(seed: int = 0) -> np.ndarray:
    """2,919 normal ECGSYN beats, 140 samples each, min-max scaled to [0, 1] as float32."""
    rec = synth.ecgsyn(duration_s=3400.0, fs_hz=360.0, heart_rate_bpm=62.0,
                       heart_rate_std_bpm=3.0, noise_mv=0.02, seed=seed)
    beats = es.segment_beats(rec.ecg_mv, rec.fs_hz, rec.r_peaks).beats[:N_BEATS]
    if beats.shape[0] < N_BEATS:
        raise RuntimeError(f"only {beats.shape[0]} beats synthesised, need {N_BEATS}")
    lo, hi = beats.min(), beats.max()
    return np.ascontiguousarray((beats - lo) / (hi - lo), dtype=np.float32)


class TutorialAutoencoder(torch.nn.Module):
    """The TensorFlow tutorial's model in PyTorch, with ecgad's state_dict names."""

    def __init__(self):
        super().__init__()
        sizes = [LENGTH, 32, 16, 8, 16, 32, LENGTH]
        self.encoder = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes[:3], sizes[1:4]))
        self.decoder = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes[3:6], sizes[4:]))

    def forward(self, x):
        for layer in self.encoder:
            x = torch.relu(layer(x))
        for j, layer in enumerate(self.decoder):
            x = layer(x)
            x = torch.sigmoid(x) if j == len(self.decoder) - 1 else torch.relu(x)
        return x


def train_pytorch(beats: np.ndarray, epochs: int, batch_size: int, seed: int) -> Result:
    """The usual PyTorch eager loop: randperm per epoch, l1_loss, Adam."""
    torch.manual_seed(seed)
    model = TutorialAutoencoder()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.from_numpy(beats)
    generator = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    epoch_loss = 0.0
    for _ in range(epochs):
        perm = torch.randperm(len(data), generator=generator)
        total = 0.0
        for i in range(0, len(data), batch_size):
            x = data[perm[i:i + batch_size]]
            loss = torch.nn.functional.l1_loss(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
        epoch_loss = total / len(data)
    return Result(time.perf_counter() - t0, epoch_loss)


def train_ecgad(beats: np.ndarray, epochs: int, batch_size: int, seed: int,
                engine: str) -> Result:
    model = em.Autoencoder("dense", seed=seed)  # same initial weights as torch.manual_seed(seed)
    t0 = time.perf_counter()
    model.fit(beats, epochs=epochs, batch_size=batch_size, learning_rate=1e-3,
              restore_best_weights=False, engine=engine, threads=1)
    return Result(time.perf_counter() - t0, model.history_["loss"][-1])


def rows(beats: np.ndarray, args) -> List[Row]:
    """The tasks. Training runs use seed + repeat: both libraries start every run from the same
    initial weights, but shuffle differently, so final losses are compared over the runs."""
    task = f"train dense {args.epochs} epochs, {len(beats)} beats, batch {args.batch_size}"
    e, b, s = args.epochs, args.batch_size, args.seed
    return [
        Row(task + ", fused",
            lambda k: train_pytorch(beats, e, b, s + k),
            lambda k: train_ecgad(beats, e, b, s + k, "auto"),
            "final epoch loss"),
        Row(task + ", LibTorch",
            lambda k: train_pytorch(beats, e, b, s + k),
            lambda k: train_ecgad(beats, e, b, s + k, "libtorch"),
            "final epoch loss"),
    ]


def timed(fn: Callable[[int], Result], repeats: int) -> Tuple[float, float, List[float]]:
    fn(0)  # warm-up: first-call allocations, lazy symbol binding
    runs = [fn(k) for k in range(repeats)]
    seconds = sorted(r.seconds for r in runs)
    return seconds[0], float(np.median(seconds)), [r.value for r in runs if r.value is not None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-runtime", action="store_true",
                        help="skip the scoring rows (compare_runtime.py)")
    parser.add_argument("--bench", help="path of bench_runtime (C++ scoring figures)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    em.set_num_threads(1)
    beats = make_beats(args.seed)
    print(f"ecgad {ecgad.__version__}, torch {torch.__version__}, one thread; "
          f"{beats.shape[0]} ECGSYN beats x {beats.shape[1]}, best/median of {args.repeats}")
    header = f"{'task (best/median seconds)':<58} {'PyTorch':>17} {'ecgad':>17} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for row in rows(beats, args):
        ref_best, ref_median, ref_value = timed(row.reference, args.repeats)
        our_best, our_median, our_value = timed(row.ecgad, args.repeats)
        line = (f"{row.task:<58} {ref_best:8.4f}/{ref_median:<8.4f} "
                f"{our_best:8.4f}/{our_median:<8.4f} {ref_best / our_best:5.2f}x")
        print(line)
        if row.value_name and ref_value and our_value:
            print(f"{'':<4}{row.value_name} (mean ± sd over runs): "
                  f"PyTorch {np.mean(ref_value):.5f} ± {np.std(ref_value):.5f}, "
                  f"ecgad {np.mean(our_value):.5f} ± {np.std(our_value):.5f}")
    if not args.no_runtime:
        import compare_runtime  # benchmarks/ is this script's folder, first on sys.path

        print()
        compare_runtime.main(["--repeats", str(args.repeats)] +
                             (["--bench", args.bench] if args.bench else []))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
