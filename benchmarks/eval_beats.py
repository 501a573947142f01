#!/usr/bin/python3
"""Anomaly detection quality on real beats: MIT-BIH, record-disjoint, N vs S/V/F/Q.

Beats come from ../shared/data/mitdb (lead 0): band-pass 0.5-40 Hz (2nd-order Butterworth,
zero-phase), one 140-point window per annotated beat (0.25 s before to 0.45 s after the R peak,
ecgad.signal.segment_beats), labelled with the annotation's AAMI EC57 class. Records are split
into --folds groups with a seeded shuffle; each fold trains on the normal (AAMI N) beats of the
other records and scores every beat of its own records, so no patient is in both training and
test data. ROC-AUC and average precision (equal to scikit-learn's, ecgad.metrics) are computed
over the pooled test scores: overall (N against every abnormal beat) and per class (N against
S, V, F and Q), for each architecture and model-input variant:

  zscore              each beat z-scored on its own (the TensorFlow tutorial's per-beat input)
  residual            the beat relative to the record's own running median beat
  residual+rr         residual plus log RR-before / RR-after relative to the record's median RR
  zscore+residual+rr  both channels and the rhythm features

The patient-relative inputs come from ecgad.signal.BeatFeatureExtractor, the causal per-stream
reference a live monitor keeps (docs/model.md, "Patient-relative inputs"): the scores here are
the scores a stream would produce, which --stream-check verifies beat by beat through a saved
bundle and the LibTorch-free runtime.

Usage (ecgad installed or PYTHONPATH=build/python; OPENBLAS_NUM_THREADS=1 for stable timing):
    /usr/bin/python3 benchmarks/eval_beats.py                       # dense + conv1d, all inputs
    /usr/bin/python3 benchmarks/eval_beats.py --architectures dense,conv1d,lstm --json out.json
Exit status: 0, or 2 when the data folder is missing or an argument is wrong.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np

from ecgad import io, metrics, model, runtime
from ecgad import signal as es

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mitdb"
CLASSES = ("S", "V", "F", "Q")

INPUTS = {
    "zscore": dict(channels=["beat_zscore"], extras=[]),
    "residual": dict(channels=["residual"], extras=[]),
    "residual+rr": dict(channels=["residual"], extras=["log_rr_before", "log_rr_after"]),
    "zscore+residual+rr": dict(channels=["beat_zscore", "residual"],
                               extras=["log_rr_before", "log_rr_after"]),
}

# Model sizes for 140-point inputs. Dense: wider than the tutorial preset (32-16-8), which
# underfits the residual channel; linear output because residuals and z-scores are not in [0, 1].
ARCHITECTURES = {
    "dense": dict(hidden=[64, 32, 16], output_activation="linear"),
    "conv1d": dict(output_activation="linear"),
    "lstm": dict(hidden=32, latent=16),
}
# LSTM training costs ~1 ms per beat-epoch on one thread (140 sequential steps each way), so
# its folds train on a seeded sample of the normal beats unless --max-train-beats says otherwise.
DEFAULT_MAX_TRAIN = {"lstm": 6000}


def read_record(path: pathlib.Path, lead: int):
    """Band-passed lead, beats at the annotated R peaks and their AAMI classes."""
    rec = io.read_wfdb(path)
    sos = es.butter(2, [0.5, 40.0], "bandpass", fs_hz=rec.fs_hz)
    x = es.sosfiltfilt(sos, rec.lead(lead))
    ann = io.read_annotations(path.with_suffix(".atr")).beats()
    beats = es.segment_beats(x, rec.fs_hz, ann.sample)
    return beats, ann.aami[beats.peak_number]


def record_folds(records, folds: int, seed: int):
    order = np.random.default_rng(seed).permutation(len(records))
    return [sorted(records[i] for i in order[k::folds]) for k in range(folds)]


def ranking(labels: np.ndarray, scores: np.ndarray):
    """Overall and per-class ROC-AUC / AP with counts; NaN where a class has no beats."""
    normal = labels == "N"
    out = {"overall": {"auc": metrics.roc_auc(~normal, scores),
                       "ap": metrics.average_precision(~normal, scores),
                       "n": int(normal.sum()), "abnormal": int((~normal).sum())}}
    for c in CLASSES:
        sel = normal | (labels == c)
        k = int((labels == c).sum())
        if k == 0:
            out[c] = {"auc": float("nan"), "ap": float("nan"), "n": int(normal.sum()), "abnormal": 0}
            continue
        y = labels[sel] == c
        out[c] = {"auc": metrics.roc_auc(y, scores[sel]),
                  "ap": metrics.average_precision(y, scores[sel]),
                  "n": int(normal.sum()), "abnormal": k}
    return out


def evaluate(data, folds, arch, feature_set, args):
    """Scores of every beat from a model that never saw its record; also the last model."""
    features = {r: es.beat_features(data[r][0], feature_set).features for r in data}
    dims = feature_set.architecture_dims()
    scores, labels, fits = [], [], []
    last = None
    for k, test in enumerate(folds):
        train = [r for r in data if r not in test]
        x = np.concatenate([features[r][data[r][1] == "N"] for r in train])
        cap = args.max_train_beats or DEFAULT_MAX_TRAIN.get(arch, 0)
        if cap and x.shape[0] > cap:
            keep = np.sort(np.random.default_rng(args.seed + k).choice(x.shape[0], cap, False))
            x = x[keep]
        m = model.Autoencoder(arch, seed=args.seed, **dims, **ARCHITECTURES[arch])
        t0 = time.perf_counter()
        m.fit(x, validation=0.1, epochs=args.epochs, batch_size=args.batch_size,
              learning_rate=1e-3, early_stopping=True, patience=5, threads=1)
        fits.append({"fold": k, "train_records": train, "test_records": test,
                     "train_beats": int(x.shape[0]), "epochs_run": m.summary_["epochs_run"],
                     "seconds": time.perf_counter() - t0})
        for r in test:
            scores.append(m.score(features[r], "mae"))
            labels.append(data[r][1])
        last = (m, test)
    return np.concatenate(scores), np.concatenate(labels), fits, last, features


def stream_check(m, feature_set, data, record, features, tmp: pathlib.Path):
    """Save the model with its preprocessing, reload it in the runtime and replay one record
    beat by beat through a fresh per-stream extractor: scores must equal the offline ones."""
    path = tmp / "eval_beats.ecgad"
    m.save(path, preprocessing={"fs_hz": 360.0, "bandpass_hz": [0.5, 40.0],
                                "beat_window_s": [0.25, 0.45],
                                "features": feature_set.params()})
    rt = runtime.RuntimeModel.from_bundle(path)
    beats = data[record][0]
    ex = es.BeatFeatureExtractor(feature_set)
    live = np.empty(beats.beats.shape[0], dtype=np.float32)
    for i in range(beats.beats.shape[0]):  # the RR after beat i is known once beat i+1 arrives
        f = ex.process(beats.beats[i:i + 1], beats.rr_before_s[i:i + 1], beats.rr_after_s[i:i + 1])
        live[i] = rt.score_one(f.features[0]).mae
    offline = m.score(features[record], "mae")
    os.unlink(path)
    return float(np.max(np.abs(live - offline)))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=pathlib.Path,
                   default=pathlib.Path(os.environ.get("ECGAD_MITDB", DEFAULT_DATA)),
                   help="MIT-BIH folder (NNN.hea/.dat/.atr); default ../shared/data/mitdb")
    p.add_argument("--records", default="", help="comma-separated record names (default: all)")
    p.add_argument("--lead", type=int, default=0)
    p.add_argument("--folds", type=int, default=2, help="record-disjoint folds (>= 2)")
    p.add_argument("--architectures", default="dense,conv1d")
    p.add_argument("--inputs", default=",".join(INPUTS))
    p.add_argument("--epochs", type=int, default=40, help="maximum epochs (early stopping)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-train-beats", type=int, default=0,
                   help="train each fold on a seeded sample of this many normal beats "
                        "(0: all; lstm defaults to 6000)")
    p.add_argument("--json", type=pathlib.Path, help="write every figure to this file")
    p.add_argument("--stream-check", action="store_true",
                   help="replay one test record beat by beat through a bundle and the runtime")
    args = p.parse_args(argv)

    archs = [a for a in args.architectures.split(",") if a]
    inputs = [i for i in args.inputs.split(",") if i]
    bad = [a for a in archs if a not in ARCHITECTURES] + [i for i in inputs if i not in INPUTS]
    if bad or args.folds < 2:
        print(f"eval_beats: unknown architecture/input {bad} or --folds < 2; architectures: "
              f"{sorted(ARCHITECTURES)}, inputs: {sorted(INPUTS)}", file=sys.stderr)
        return 2
    if not args.data.is_dir():
        print(f"eval_beats: no MIT-BIH folder at {args.data} (pass --data or set ECGAD_MITDB)",
              file=sys.stderr)
        return 2
    names = ([r for r in args.records.split(",") if r] if args.records else
             sorted(f.stem for f in args.data.glob("*.hea")))
    if len(names) < args.folds:
        print(f"eval_beats: {len(names)} records for {args.folds} folds", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    data = {r: read_record(args.data / r, args.lead) for r in names}
    labels = np.concatenate([data[r][1] for r in names])
    counts = {c: int((labels == c).sum()) for c in "NSVFQ"}
    folds = record_folds(names, args.folds, args.seed)
    print(f"MIT-BIH {len(names)} records, lead {args.lead}: {labels.size} beats {counts}; "
          f"read in {time.perf_counter() - t0:.1f} s")
    for k, f in enumerate(folds):
        print(f"  fold {k}: test records {' '.join(f)}")
    print(f"record-disjoint {args.folds}-fold, trained on N beats only, score = per-beat MAE\n")

    header = (f"{'architecture':<8} {'input':<20} {'AUC':>6} {'AP':>6}  " +
              "  ".join(f"{c}:AUC  AP  " for c in CLASSES) + " fit s")
    print(header)
    print("-" * len(header))
    results = []
    for arch in archs:
        for name in inputs:
            fs = es.FeatureSet(**INPUTS[name])
            if arch == "lstm" and fs.architecture_dims()["n_extra"]:
                print(f"{arch:<8} {name:<20} skipped: the lstm reads time steps only "
                      "(no extra features)")
                continue
            scores, lab, fits, (last_model, last_test), feats = evaluate(
                data, folds, arch, fs, args)
            r = ranking(lab, scores)
            row = {"architecture": arch, "input": name, "metrics": r, "folds": fits,
                   "model": last_model.config}
            if args.stream_check and arch in ("dense", "conv1d"):
                tmp = pathlib.Path(os.environ.get("TMPDIR", "/tmp"))
                row["stream_max_abs_diff"] = stream_check(last_model, fs, data, last_test[0],
                                                          feats, tmp)
            results.append(row)
            per_class = "  ".join(f"{r[c]['auc']:.3f} {r[c]['ap']:.3f}" for c in CLASSES)
            fit_s = sum(f["seconds"] for f in fits)
            line = (f"{arch:<8} {name:<20} {r['overall']['auc']:.4f} {r['overall']['ap']:.3f}  "
                    f"{per_class}  {fit_s:5.0f}")
            if "stream_max_abs_diff" in row:
                line += f"  stream==offline within {row['stream_max_abs_diff']:.1e}"
            print(line, flush=True)
    print("\nAUC/AP: N against all abnormal beats, then N against each class "
          "(F and Q are rare in some folds: read their counts in --json)")
    if args.json:
        args.json.write_text(json.dumps({"records": names, "folds": folds, "counts": counts,
                                         "epochs": args.epochs, "seed": args.seed,
                                         "results": results}, indent=1))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
