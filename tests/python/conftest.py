"""Shared fixtures: deterministic signals for comparing ecgad with scipy live."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def ecg_like(rng):
    """Ten seconds of an ECG-like signal at 360 Hz with wander and mains hum (mV)."""
    fs = 360.0
    t = np.arange(int(10 * fs)) / fs
    x = np.zeros_like(t)
    for beat in np.arange(0.3, t[-1], 60 / 75):
        for offset, amp, width in ((-0.2, 0.15, 0.025), (-0.03, -0.1, 0.01), (0.0, 1.2, 0.012),
                                   (0.03, -0.25, 0.01), (0.25, 0.3, 0.04)):
            x += amp * np.exp(-0.5 * ((t - beat - offset) / width) ** 2)
    x += 0.3 * np.sin(2 * np.pi * 0.3 * t) + 0.05 * np.sin(2 * np.pi * 60 * t)
    return x + 0.01 * rng.standard_normal(t.size)


def gil_free_ticks(call):
    """Run ``call`` in a thread while this thread spins; return (ticks counted while the call
    was inside, its duration in s). Holding the GIL, the worker lets this thread run only at
    the interpreter's 5 ms switch points before and after the C++ call: a handful of ticks.
    Released, this thread spins throughout the call (thousands)."""
    import threading
    import time

    window = {}

    def work():
        window["enter"] = time.perf_counter()
        call()
        window["exit"] = time.perf_counter()

    ticks = []
    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
    t.join()
    inside = sum(1 for v in ticks if window["enter"] < v < window["exit"])
    return inside, window["exit"] - window["enter"]


def skip_unless_cores_are_free(threaded_s, serial_s):
    """Skip a wall-clock speed-up check when it cannot show: one CPU, or other processes
    holding the cores (the GIL release itself is checked by gil_free_ticks tests)."""
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cpus or 1) < 2:
        pytest.skip("one CPU: the GIL-release speed-up cannot show")
    load = os.getloadavg()[0]
    if load > cpus - 1:
        pytest.skip(f"machine busy (load {load:.1f} on {cpus} CPUs); "
                    f"threaded {threaded_s:.3f} s vs serial {serial_s:.3f} s")


def load_benchmark(name):
    """Import benchmarks/<name>.py (the evaluation scripts are not a package) as a module."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
