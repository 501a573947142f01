#!/usr/bin/python3
"""Writes tests/golden/metrics.json: scikit-learn reference values for the C++ threshold-metric
and slice tests (confusion_matrix, precision/recall/f1/fbeta/accuracy/balanced_accuracy scores,
matthews_corrcoef, and per-slice roc_auc_score / average_precision_score).

Run with Debian's scikit-learn: /usr/bin/python3 tests/golden/make_metrics_golden.py
The output is committed so the C++ tests need no Python. Deterministic (fixed seed).
"""
import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn import metrics

OUT = pathlib.Path(__file__).with_name("metrics.json")
rng = np.random.default_rng(20261127)
warnings.simplefilter("ignore")  # zero_division="warn" warnings: the values are what we test


def sk_threshold_metrics(y, pred, beta):
    tn, fp, fn, tp = metrics.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return {
        "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
        "precision": float(metrics.precision_score(y, pred, zero_division="warn")),
        "recall": float(metrics.recall_score(y, pred, zero_division="warn")),
        # specificity is the recall of the negative class
        "specificity": float(metrics.recall_score(y, pred, pos_label=0, zero_division="warn")),
        "f1": float(metrics.f1_score(y, pred, zero_division="warn")),
        "f_beta": float(metrics.fbeta_score(y, pred, beta=beta, zero_division="warn")),
        "accuracy": float(metrics.accuracy_score(y, pred)),
        "balanced_accuracy": float(metrics.balanced_accuracy_score(y, pred)),
        "mcc": float(metrics.matthews_corrcoef(y, pred)),
    }


datasets = []  # shared by the cases below, so the file stays small
cases = []
for n in (1, 2, 5, 20, 200, 3000):
    for positive_rate in (0.5, 0.1, 0.0, 1.0):
        y = (rng.random(n) < positive_rate).astype(np.int64)
        s = np.round(rng.standard_normal(n) + 1.5 * y, 2)
        datasets.append({"y_true": y.tolist(), "scores": s.tolist()})
        for q in (0.0, 0.3, 0.9, 1.0):
            # thresholds at score quantiles, plus one above every score (nothing called positive)
            thr = float(np.quantile(s, q)) if q < 1.0 else float(s.max() + 1.0)
            pred = (s >= thr).astype(np.int64)
            for beta in (0.5, 2.0):
                case = {"name": f"n{n}_p{positive_rate}_q{q}_b{beta}",
                        "dataset": len(datasets) - 1, "threshold": thr, "beta": beta}
                case.update(sk_threshold_metrics(y, pred, beta))
                cases.append(case)

# Slices: per-beat tags, metrics per (tag, value) from sklearn on the subset.
n = 600
record = rng.choice(["100", "105", "203", "208"], size=n)
noise = rng.choice(["clean", "noisy"], size=n, p=[0.8, 0.2])
y = (rng.random(n) < np.where(record == "105", 0.0, 0.15)).astype(np.int64)  # 105: no anomaly
s = np.round(rng.standard_normal(n) + 1.3 * y + 0.7 * (noise == "noisy"), 3)
threshold = 1.0
slice_rows = []


def row(tag, value, mask):
    ys, ss = y[mask], s[mask]
    out = {"tag": tag, "value": value, "count": int(mask.sum()), "positives": int(ys.sum()),
           "negatives": int((1 - ys).sum())}
    both = 0 < ys.sum() < ys.size
    out["roc_auc"] = float(metrics.roc_auc_score(ys, ss)) if both else None
    out["average_precision"] = float(metrics.average_precision_score(ys, ss)) if both else None
    out.update(sk_threshold_metrics(ys, (ss >= threshold).astype(np.int64), 2.0))
    return out


slice_rows.append(row("", "", np.ones(n, bool)))
for tag, column in (("record", record), ("noise", noise)):
    for value in sorted(set(column.tolist())):
        slice_rows.append(row(tag, value, column == value))

OUT.write_text(json.dumps({
    "sklearn_version": sklearn.__version__,
    "datasets": datasets,
    "threshold_cases": cases,
    "slices": {"y_true": y.tolist(), "scores": s.tolist(), "threshold": threshold, "beta": 2.0,
               "tags": {"record": record.tolist(), "noise": noise.tolist()},
               "rows": slice_rows},
}, indent=None, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({len(cases)} threshold cases, {len(slice_rows)} slice rows)")
