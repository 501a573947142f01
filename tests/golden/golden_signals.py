"""Deterministic test signals shared by the golden-value generators in this folder."""
import numpy as np


def ecg_like(n, fs, rng, mains_hz=None):
    """Gaussian P-QRS-T bumps at 72 bpm on a 0.5 mV offset with 0.3 Hz wander, optional 0.05 mV
    mains hum, and 0.01 mV of white noise drawn from `rng` (mV)."""
    t = np.arange(n) / fs
    x = np.zeros(n)
    for beat in np.arange(0.3, t[-1], 60 / 72):
        for offset, amp, width in ((-0.2, 0.15, 0.025), (-0.03, -0.1, 0.01), (0.0, 1.2, 0.012),
                                   (0.03, -0.25, 0.01), (0.25, 0.3, 0.04)):
            x += amp * np.exp(-0.5 * ((t - beat - offset) / width) ** 2)
    x += 0.3 * np.sin(2 * np.pi * 0.3 * t) + 0.5
    if mains_hz is not None:
        x += 0.05 * np.sin(2 * np.pi * mains_hz * t)
    return x + 0.01 * rng.standard_normal(n)
