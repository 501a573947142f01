#!/usr/bin/python3
"""Scoring from Python threads: ecgad.AnomalyDetector vs PyTorch eager, serial vs 2 threads.

Issue 7 asks that the GIL be released while scoring, so two Python threads scoring at once
finish faster than one after the other on 2 cores. This script measures that for the estimator
(Eigen runtime inside, GIL released) and, as the reference, for the same dense autoencoder in
PyTorch eager (``torch.no_grad``, which releases the GIL inside its kernels too), both on one
thread per call (OPENBLAS/OMP set to 1, torch.set_num_threads(1)).

For each library: the median wall time of --repeats runs of (a) two batches scored serially and
(b) the same two batches scored by two threads at once; the speed-up is serial / threaded
(2.0 is perfect on 2 free cores). The last line is PyTorch's time / ecgad's for the threaded
run. Scores are checked equal between the serial and threaded runs.

Usage (ecgad installed or PYTHONPATH=<build>/python):
    /usr/bin/python3 benchmarks/compare_threads.py [--beats 200000] [--repeats 5]
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ecgad  # noqa: E402


def beats(n, width=140, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, width)
    base = np.exp(-((t - 0.36) / 0.02) ** 2) + 0.2 * np.exp(-((t - 0.7) / 0.06) ** 2)
    return (base + 0.02 * rng.standard_normal((n, width))).astype(np.float32)


def torch_model(det):
    """The detector's dense autoencoder in PyTorch with the same weights (ReLU between layers
    and after the code, linear output: the estimator's default)."""
    sd = det.model_.state_dict()
    widths = [det.model_.config["length"]] + list(det.model_.config["hidden"])
    n = len(widths) - 1

    class Dense(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.ModuleList(
                torch.nn.Linear(widths[i], widths[i + 1]) for i in range(n))
            self.decoder = torch.nn.ModuleList(
                torch.nn.Linear(widths[n - i], widths[n - i - 1]) for i in range(n))

        def forward(self, x):
            for layer in self.encoder:
                x = torch.relu(layer(x))
            for i, layer in enumerate(self.decoder):
                x = layer(x)
                if i < n - 1:
                    x = torch.relu(x)
            return x

    model = Dense()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    model.eval()
    return model


def torch_score(model, x):
    with torch.no_grad():
        xt = torch.from_numpy(x)
        return (model(xt) - xt).abs().mean(dim=1).numpy()


def serial_and_threaded(score, batches, repeats):
    serial, threaded = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ref = [score(b) for b in batches]
        serial.append(time.perf_counter() - t0)
        out = [None] * len(batches)

        def work(i):
            out[i] = score(batches[i])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(batches))]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        threaded.append(time.perf_counter() - t0)
        for a, b in zip(ref, out):
            np.testing.assert_array_equal(a, b)
    return statistics.median(serial), statistics.median(threaded)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beats", type=int, default=200_000, help="beats per batch (2 batches)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ecgad.model.set_num_threads(1)
    det = ecgad.AnomalyDetector(epochs=3, alpha=0.01, seed=0).fit(beats(3000, seed=1))
    batches = [beats(args.beats, seed=2), beats(args.beats, seed=3)]
    model = torch_model(det)
    np.testing.assert_allclose(torch_score(model, batches[0][:100]),
                               det.reconstruction_error(batches[0][:100]), rtol=1e-4, atol=1e-6)
    cpus = len(os.sched_getaffinity(0))
    print(f"2 batches x {args.beats:,} beats x 140, dense 140-32-16-8, median of "
          f"{args.repeats}; {cpus} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"{'library':<28}{'serial s':>10}{'2 threads s':>13}{'speed-up':>10}")
    results = {}
    for name, score in (("ecgad AnomalyDetector", det.reconstruction_error),
                        ("PyTorch eager (no_grad)", lambda b: torch_score(model, b))):
        s, t = serial_and_threaded(score, batches, args.repeats)
        results[name] = t
        print(f"{name:<28}{s:>10.3f}{t:>13.3f}{s / t:>9.2f}x")
    ratio = results["PyTorch eager (no_grad)"] / results["ecgad AnomalyDetector"]
    print(f"threaded time, PyTorch / ecgad: {ratio:.2f}x")


if __name__ == "__main__":
    main()
