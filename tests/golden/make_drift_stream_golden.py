#!/usr/bin/env python3
"""Reference streams and alarm indices for the streaming drift detectors: drift_stream.json.

The streams are the ones of river's documented examples (river.drift.ADWIN, PageHinkley,
KSWIN and river.drift.binary.DDM, EDDM, HDDMA docstrings, river 0.21), rebuilt with Python's
own `random.Random` exactly as the docstrings build them; the expected indices are the ones
those docstrings print. river itself is not needed (nor installed): the indices are river's
published output. Deterministic: rerunning rewrites the same bytes.

    /usr/bin/python3 tests/golden/make_drift_stream_golden.py
"""
import json
import pathlib
import random


def two_regimes_values():
    # river ADWIN / PageHinkley / KSWIN docstrings.
    rng = random.Random(12345)
    return rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)


def rising_error_rate():
    # river DDM / EDDM / HDDMA docstrings: error rate 0.5, then 0.7 from index 1000.
    rng = random.Random(42)
    stream = rng.choices([0, 1], k=1000)
    return stream + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])


def main():
    out = {
        "generator": "tests/golden/make_drift_stream_golden.py",
        "source": "river 0.21 docstring examples (streams rebuilt with random.Random)",
        "two_regimes": two_regimes_values(),
        "rising_error_rate": rising_error_rate(),
        # Printed by the docstrings. For the binary detectors the docstring prints the first
        # warning after the start and after each drift, and every drift.
        "expected": {
            "adwin": {"drifts": [1023]},
            "page_hinkley": {"drifts": [1006]},
            "kswin_alpha_1e-4_seed_42_python_rng": {"drifts": [1016]},
            "ddm": {"first_warnings": [1084, 1492], "drifts": [1334]},
            "eddm_alpha_0.8_beta_0.75": {"first_warnings": [1059], "drifts": [1278]},
            "hddm_a": {"first_warnings": [451], "drifts": [1206]},
        },
    }
    path = pathlib.Path(__file__).with_name("drift_stream.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
