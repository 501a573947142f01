#!/usr/bin/python3
"""Writes tests/golden/ranking.json: scikit-learn reference values for the C++ ranking-metric
tests (roc_curve, roc_auc_score, precision_recall_curve, average_precision_score).

Run with Debian's scikit-learn: /usr/bin/python3 tests/golden/make_ranking_golden.py
The output is committed so the C++ tests need no Python. Deterministic (fixed seed).
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn import metrics

OUT = pathlib.Path(__file__).with_name("ranking.json")
rng = np.random.default_rng(20261201)


def labels(n, positive_rate):
    """0/1 labels with both classes present (the metrics are undefined otherwise)."""
    y = (rng.random(n) < positive_rate).astype(np.int64)
    one, zero = rng.choice(n, size=2, replace=False)
    y[one], y[zero] = 1, 0
    return y


def continuous_scores(y):
    """Distinct scores, positives shifted up: realistic separation, no ties."""
    return rng.standard_normal(y.size) + 1.2 * y


def tied_scores(y, levels):
    """Heavy ties: few distinct values, shared by both classes."""
    return np.round(rng.standard_normal(y.size) + 0.8 * y, 0) * (1.0 / levels) + \
        rng.integers(0, 2, y.size) * 0.5


def quantised_scores(y):
    """Anomaly scores on a coarse grid (e.g. float32 errors rounded to 2 decimals)."""
    return np.round(np.abs(rng.standard_normal(y.size)) * (1.0 + y), 2)


cases = []
for n in (2, 3, 7, 20, 100, 1000, 2000):
    for positive_rate in (0.5, 0.05):
        if n < 20 and positive_rate < 0.5:
            continue
        y = labels(n, positive_rate)
        kinds = {"continuous": continuous_scores(y), "ties4": tied_scores(y, 4),
                 "ties1": tied_scores(y, 1), "quantised": quantised_scores(y)}
        for kind, s in kinds.items():
            fpr, tpr, roc_thr = metrics.roc_curve(y, s)
            precision, recall, pr_thr = metrics.precision_recall_curve(y, s)
            cases.append({
                "name": f"{kind}_n{n}_p{positive_rate}",
                "y_true": y.tolist(),
                "scores": s.tolist(),
                "roc_auc": float(metrics.roc_auc_score(y, s)),
                "average_precision": float(metrics.average_precision_score(y, s)),
                "roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": roc_thr.tolist()},
                "pr": {"precision": precision.tolist(), "recall": recall.tolist(),
                       "thresholds": pr_thr.tolist()},
            })

golden = {
    "generator": "tests/golden/make_ranking_golden.py",
    "sklearn_version": sklearn.__version__,
    "numpy_version": np.__version__,
    "cases": cases,
}
OUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB, {len(cases)} cases)")
