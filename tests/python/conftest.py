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


def load_benchmark(name):
    """Import benchmarks/<name>.py (the evaluation scripts are not a package) as a module."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
