"""Metrics from Python. Ranking metrics: equal to scikit-learn on seeded random scores with and
without heavy ties (live comparison), the extremes, label and score dtypes, and every rejected
input. Threshold metrics: equal to scikit-learn including every zero-division corner. Bootstrap
intervals: reproducible per seed, stratification, a proportion's binomial width. Slices: equal
to scikit-learn per subset, dict and DataFrame forms."""
import numpy as np
import pytest

import ecgad
from ecgad import metrics

try:
    from sklearn import metrics as skm
except ImportError:  # pragma: no cover - depends on the machine
    skm = None

needs_sklearn = pytest.mark.skipif(
    skm is None, reason="scikit-learn is not importable (Debian package python3-sklearn, "
                        "installed by scripts/install-deps.sh) - the reference to compare with")


def random_case(rng, n, positive_rate, kind):
    y = (rng.random(n) < positive_rate).astype(np.int64)
    one, zero = rng.choice(n, size=2, replace=False)
    y[one], y[zero] = 1, 0
    if kind == "continuous":
        s = rng.standard_normal(n) + y
    elif kind == "ties":
        s = rng.integers(0, 6, n) + 2.0 * y * rng.integers(0, 2, n)
    else:  # "coarse": a few levels shared by both classes, e.g. rounded reconstruction errors
        s = np.round(np.abs(rng.standard_normal(n)) * (1.0 + 0.5 * y), 1)
    return y, s


@needs_sklearn
@pytest.mark.parametrize("n", [2, 5, 31, 400, 3000])
@pytest.mark.parametrize("positive_rate", [0.5, 0.03])
@pytest.mark.parametrize("kind", ["continuous", "ties", "coarse"])
def test_equals_sklearn(rng, n, positive_rate, kind):
    y, s = random_case(rng, n, positive_rate, kind)
    assert metrics.roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert metrics.average_precision(y, s) == pytest.approx(
        skm.average_precision_score(y, s), abs=1e-12)
    # Curves: the same integer counts divided the same way, so equal to the bit.
    for ours, ref in zip(metrics.roc_curve(y, s), skm.roc_curve(y, s)):
        assert ours.dtype == np.float64
        np.testing.assert_array_equal(ours, ref)
    for ours, ref in zip(metrics.precision_recall_curve(y, s), skm.precision_recall_curve(y, s)):
        assert ours.dtype == np.float64
        np.testing.assert_array_equal(ours, ref)


@needs_sklearn
def test_ties_change_the_value_as_in_sklearn(rng):
    # Rounding scores creates ties; a tie-unaware implementation would differ here.
    y, s = random_case(rng, 2000, 0.2, "continuous")
    coarse = np.round(s)
    assert metrics.roc_auc(y, coarse) != pytest.approx(metrics.roc_auc(y, s), abs=1e-3)
    assert metrics.roc_auc(y, coarse) == pytest.approx(skm.roc_auc_score(y, coarse), abs=1e-12)
    assert metrics.average_precision(y, coarse) == pytest.approx(
        skm.average_precision_score(y, coarse), abs=1e-12)


def test_extremes():
    y = np.array([0, 0, 0, 1, 1])
    ranks = np.arange(5.0)
    assert metrics.roc_auc(y, ranks) == 1.0
    assert metrics.roc_auc(y, -ranks) == 0.0
    assert metrics.roc_auc(y, np.full(5, 0.7)) == 0.5
    assert metrics.average_precision(y, ranks) == 1.0
    assert metrics.average_precision(y, np.full(5, 0.7)) == pytest.approx(0.4)
    fpr, tpr, thresholds = metrics.roc_curve(y, np.full(5, 0.7))
    np.testing.assert_array_equal(fpr, [0.0, 1.0])
    np.testing.assert_array_equal(tpr, [0.0, 1.0])
    np.testing.assert_array_equal(thresholds, [1.7, 0.7])


def test_label_and_score_dtypes_give_the_same_values(rng):
    y, s = random_case(rng, 500, 0.3, "coarse")
    expected = metrics.roc_auc(y, s)
    assert expected != 0.5
    for labels in (y.astype(bool), y.astype(np.uint8), y.astype(np.float32), y.tolist()):
        assert metrics.roc_auc(labels, s) == expected
    s32 = s.astype(np.float32)
    assert metrics.roc_auc(y, s32) == metrics.roc_auc(y, s32.astype(np.float64))
    assert metrics.roc_auc(y, (10 * s).astype(np.int64)) == expected  # one decimal: same ranking
    assert metrics.roc_auc(y, s[::-1][::-1]) == expected
    assert metrics.roc_auc(y[::2], s[::2]) == metrics.roc_auc(y[::2].copy(), s[::2].copy())


@pytest.mark.parametrize("func", [metrics.roc_auc, metrics.average_precision, metrics.roc_curve,
                                  metrics.precision_recall_curve])
def test_rejects_bad_input(func):
    s = np.array([0.1, 0.2, 0.3])
    cases = [
        (([0, 1, 1], s[:2]), "y_true has shape \\(3,\\) but scores has shape \\(2,\\)"),
        (([[0, 1, 1]], s), "y_true must be a 1-D array of shape \\(n_samples,\\)"),
        (([0, 1, 1], s[None, :]), "scores must be a 1-D array"),
        ((["a", "b", "a"], s), "y_true must hold 0/1 labels .*got dtype <U1"),
        (([0, 1, 1], ["x", "y", "z"]), "scores must hold real numbers"),
        (([], []), "empty"),
        (([0, 2, 1], s), r"y_true\[1\] is 2; expected labels 0 \(negative\) or 1"),
        (([0, -1, 1], s), r"y_true\[1\] is -1"),
        (([0.0, 0.5, 1.0], s), r"y_true\[1\] is 0.5"),
        (([0, 1, 1], [0.1, np.nan, 0.3]), r"scores\[1\] is nan; expected finite scores"),
        (([0, 1, 1], [0.1, 0.2, -np.inf]), r"scores\[2\] is -inf"),
        (([0, 0, 0], s), "only negatives \\(0\\) in 3 samples; expected both classes"),
        (([True, True, True], s), "only positives"),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=message):
            func(*args)
    # Errors from the compiled core are ecgad's own class, still a ValueError.
    with pytest.raises(ecgad.InvalidArgument, match=func.__name__):
        func([0, 0], [1.0, 2.0])


def test_exported_from_package():
    assert "metrics" in ecgad.__all__
    assert ecgad.metrics.roc_auc is metrics.roc_auc
    assert sorted(metrics.__all__) == [
        "accuracy_score", "average_precision", "balanced_accuracy_score", "bootstrap_ci",
        "confusion_at_threshold", "confusion_matrix", "f1_score", "fbeta_score",
        "matthews_corrcoef", "precision_recall_curve", "precision_score", "recall_score",
        "roc_auc", "roc_curve", "slice_metrics", "specificity_score", "threshold_metrics"]


# --- threshold metrics ---------------------------------------------------------------------

def sk_threshold_values(y, pred, beta):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero_division warnings: the values are what we test
        return {
            "precision": skm.precision_score(y, pred, zero_division="warn"),
            "recall": skm.recall_score(y, pred, zero_division="warn"),
            "specificity": skm.recall_score(y, pred, pos_label=0, zero_division="warn"),
            "f1": skm.f1_score(y, pred, zero_division="warn"),
            "f_beta": skm.fbeta_score(y, pred, beta=beta, zero_division="warn"),
            "accuracy": skm.accuracy_score(y, pred),
            "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
            "mcc": skm.matthews_corrcoef(y, pred),
        }


@needs_sklearn
@pytest.mark.parametrize("n", [1, 3, 50, 2000])
@pytest.mark.parametrize("positive_rate", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("quantile", [0.0, 0.5, 0.95, None])
def test_threshold_metrics_equal_sklearn(rng, n, positive_rate, quantile):
    y = (rng.random(n) < positive_rate).astype(np.int64)
    s = np.round(rng.standard_normal(n) + y, 1)
    threshold = s.max() + 1.0 if quantile is None else float(np.quantile(s, quantile))
    pred = (s >= threshold).astype(np.int64)
    m = metrics.threshold_metrics(y, s, threshold, beta=2.0)
    np.testing.assert_array_equal(metrics.confusion_at_threshold(y, s, threshold),
                                  skm.confusion_matrix(y, pred, labels=[0, 1]))
    np.testing.assert_array_equal(metrics.confusion_matrix(y, pred),
                                  skm.confusion_matrix(y, pred, labels=[0, 1]))
    for name, expected in sk_threshold_values(y, pred, 2.0).items():
        assert m[name] == pytest.approx(expected, abs=1e-12), name
    assert m == metrics.threshold_metrics(y, y_pred=pred, beta=2.0)
    singles = {"precision": metrics.precision_score, "recall": metrics.recall_score,
               "specificity": metrics.specificity_score, "f1": metrics.f1_score,
               "accuracy": metrics.accuracy_score,
               "balanced_accuracy": metrics.balanced_accuracy_score,
               "mcc": metrics.matthews_corrcoef}
    for name, func in singles.items():
        assert func(y, pred) == m[name], name
    assert metrics.fbeta_score(y, pred, beta=2.0) == m["f_beta"]


def test_zero_division_is_zero_and_listed():
    m = metrics.threshold_metrics([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], threshold=1.0)
    assert (m["tp"], m["fp"], m["tn"], m["fn"]) == (0, 0, 2, 2)
    assert m["precision"] == 0.0 and "precision" in m["undefined"]
    assert m["recall"] == 0.0 and "recall" not in m["undefined"]  # 0 of 2 found: defined
    assert m["mcc"] == 0.0 and "mcc" in m["undefined"]
    assert m["accuracy"] == 0.5 and m["balanced_accuracy"] == 0.5
    assert metrics.threshold_metrics([0, 1], [0.0, 1.0], 0.5)["undefined"] == []


def test_threshold_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="either y_pred or scores"):
        metrics.threshold_metrics([0, 1], [0.1, 0.2], 0.5, y_pred=[0, 1])
    with pytest.raises(ValueError, match="needs scores and threshold"):
        metrics.threshold_metrics([0, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="threshold must be a real number"):
        metrics.threshold_metrics([0, 1], [0.1, 0.2], "0.5")
    with pytest.raises(ecgad.InvalidArgument, match="threshold is nan"):
        metrics.confusion_at_threshold([0, 1], [0.1, 0.2], float("nan"))
    with pytest.raises(ecgad.InvalidArgument, match=r"y_pred\[1\] is 2"):
        metrics.confusion_matrix([0, 1], [0, 2])
    with pytest.raises(ValueError, match="y_true has shape \\(2,\\) but scores has shape"):
        metrics.precision_score([0, 1], [0, 1, 1])
    with pytest.raises(ecgad.InvalidArgument, match="beta is -1"):
        metrics.fbeta_score([0, 1], [0, 1], beta=-1.0)
    with pytest.raises(ValueError, match="empty"):
        metrics.accuracy_score([], [])


# --- bootstrap ------------------------------------------------------------------------------

def test_bootstrap_reproducible_and_stratified(rng):
    y = np.repeat([0, 1], [150, 50])
    s = rng.standard_normal(200) + y
    a = metrics.bootstrap_ci(y, s, "roc_auc", n_resamples=300, seed=3)
    b = metrics.bootstrap_ci(y, s, "roc_auc", n_resamples=300, seed=3)
    c = metrics.bootstrap_ci(y, s, "roc_auc", n_resamples=300, seed=4)
    np.testing.assert_array_equal(a["distribution"], b["distribution"])
    assert not np.array_equal(a["distribution"], c["distribution"])
    assert a["estimate"] == metrics.roc_auc(y, s)
    assert a["low"] < a["estimate"] < a["high"]
    # The bounds are numpy's percentiles of the kept resample values.
    assert a["low"] == pytest.approx(np.percentile(a["distribution"], 2.5), abs=1e-15)
    assert a["high"] == pytest.approx(np.percentile(a["distribution"], 97.5), abs=1e-15)
    # A Python callable sees each resample; stratified resamples keep the 50 positives.
    counts = metrics.bootstrap_ci(y, s, lambda yy, ss: float(yy.sum()), n_resamples=50)
    assert set(counts["distribution"].tolist()) == {50.0}
    free = metrics.bootstrap_ci(y, s, lambda yy, ss: float(yy.sum()), n_resamples=50,
                                stratified=False)
    assert len(set(free["distribution"].tolist())) > 5


@needs_sklearn
def test_bootstrap_callable_equals_named_metric(rng):
    y = np.repeat([0, 1], [80, 20])
    s = rng.standard_normal(100) + y
    named = metrics.bootstrap_ci(y, s, "average_precision", n_resamples=100, seed=9)
    custom = metrics.bootstrap_ci(y, s, skm.average_precision_score, n_resamples=100, seed=9)
    np.testing.assert_allclose(custom["distribution"], named["distribution"], atol=1e-12)


def test_bootstrap_proportion_width(rng):
    # Accuracy is a binomial proportion: its interval is p +- 1.96 sqrt(p (1 - p) / n).
    y = np.repeat([0, 1], [1000, 1000])
    s = rng.standard_normal(2000) + y
    ci = metrics.bootstrap_ci(y, s, "accuracy", threshold=0.5, n_resamples=2000,
                              stratified=False, seed=5)
    p = ci["estimate"]
    half = 1.959963984540054 * np.sqrt(p * (1 - p) / 2000)
    assert ci["high"] - ci["low"] == pytest.approx(2 * half, rel=0.1)


def test_bootstrap_rejects_bad_input():
    y, s = [0, 1, 0, 1], [0.1, 0.9, 0.3, 0.6]
    with pytest.raises(ValueError, match="threshold metric; pass threshold="):
        metrics.bootstrap_ci(y, s, "f1")
    with pytest.raises(ecgad.InvalidArgument, match="metric 'auc' is unknown"):
        metrics.bootstrap_ci(y, s, "auc")
    with pytest.raises(ValueError, match="metric must be a metric name or a callable"):
        metrics.bootstrap_ci(y, s, 3)
    with pytest.raises(ValueError, match="n_resamples must be an int"):
        metrics.bootstrap_ci(y, s, n_resamples=10.0)
    with pytest.raises(ecgad.InvalidArgument, match="n_resamples is 0"):
        metrics.bootstrap_ci(y, s, n_resamples=0)
    with pytest.raises(ecgad.InvalidArgument, match="confidence_level is 1"):
        metrics.bootstrap_ci(y, s, confidence_level=1.0)
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        metrics.bootstrap_ci(y, s, seed=-1)
    with pytest.raises(ecgad.InvalidArgument, match="stratified resampling needs both classes"):
        metrics.bootstrap_ci([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ZeroDivisionError):  # errors raised by a callable come through
        metrics.bootstrap_ci(y, s, lambda yy, ss: 1 / 0)


# --- slices ---------------------------------------------------------------------------------

def slice_case(rng, n=500):
    record = rng.choice(["100", "105", "203"], size=n)
    noise = rng.choice([0, 1, 2], size=n)
    y = (rng.random(n) < np.where(record == "105", 0.0, 0.2)).astype(np.int64)
    s = rng.standard_normal(n) + 1.2 * y + 0.5 * noise
    return y, s, {"record": record, "noise": noise}


@needs_sklearn
def test_slices_equal_sklearn_per_subset(rng):
    y, s, tags = slice_case(rng)
    rows = metrics.slice_metrics(y, s, tags, threshold=1.0, beta=2.0)
    assert [(r["tag"], r["value"]) for r in rows] == [
        ("", ""), ("record", "100"), ("record", "105"), ("record", "203"),
        ("noise", "0"), ("noise", "1"), ("noise", "2")]
    for r in rows:
        mask = np.ones(y.size, bool) if r["tag"] == "" else \
            np.array([str(v) for v in tags[r["tag"]]]) == r["value"]
        ys, ss = y[mask], s[mask]
        assert (r["count"], r["positives"], r["negatives"]) == (mask.sum(), ys.sum(),
                                                               (1 - ys).sum())
        if 0 < ys.sum() < ys.size:
            assert r["roc_auc"] == pytest.approx(skm.roc_auc_score(ys, ss), abs=1e-12)
            assert r["average_precision"] == pytest.approx(
                skm.average_precision_score(ys, ss), abs=1e-12)
            assert r["ranking_undefined_reason"] == ""
        else:
            assert np.isnan(r["roc_auc"]) and np.isnan(r["average_precision"])
            assert "only negatives (0) in this slice" in r["ranking_undefined_reason"]
        for name, expected in sk_threshold_values(ys, (ss >= 1.0).astype(int), 2.0).items():
            assert r[name] == pytest.approx(expected, abs=1e-12), (r["tag"], r["value"], name)
    # Slices of one tag partition the data.
    assert sum(r["count"] for r in rows if r["tag"] == "record") == y.size
    assert sum(r["tp"] for r in rows if r["tag"] == "noise") == rows[0]["tp"]


def test_slices_dataframe_in_dataframe_out(rng):
    pd = pytest.importorskip("pandas")
    y, s, tags = slice_case(rng, 200)
    frame = pd.DataFrame(tags)
    table = metrics.slice_metrics(y, s, frame, threshold=0.5)
    assert isinstance(table, pd.DataFrame)
    rows = metrics.slice_metrics(y, s, tags, threshold=0.5)
    assert isinstance(rows, list) and len(rows) == len(table)
    pd.testing.assert_frame_equal(table, pd.DataFrame(rows))
    assert list(table.columns[:8]) == ["tag", "value", "count", "positives", "negatives",
                                       "roc_auc", "average_precision",
                                       "ranking_undefined_reason"]
    as_list = metrics.slice_metrics(y, s, frame, threshold=0.5, as_frame=False,
                                    include_overall=False)
    assert isinstance(as_list, list) and len(as_list) == len(table) - 1


def test_slices_reject_bad_input():
    y, s = [0, 1, 1], [0.1, 0.5, 0.9]
    with pytest.raises(ValueError, match=r"tag 'record' has shape \(2,\); expected \(3,\)"):
        metrics.slice_metrics(y, s, {"record": ["a", "b"]}, threshold=0.5)
    with pytest.raises(ValueError, match="tags must be a pandas DataFrame or a dict"):
        metrics.slice_metrics(y, s, [["a", "b", "c"]], threshold=0.5)
    with pytest.raises(ecgad.InvalidArgument, match="a tag name is empty"):
        metrics.slice_metrics(y, s, {"": ["a", "b", "c"]}, threshold=0.5)
    with pytest.raises(ecgad.InvalidArgument, match="threshold is inf"):
        metrics.slice_metrics(y, s, {"r": ["a", "b", "c"]}, threshold=float("inf"))
    with pytest.raises(ecgad.InvalidArgument, match=r"y_true\[0\] is 3"):
        metrics.slice_metrics([3, 1, 1], s, {"r": ["a", "b", "c"]}, threshold=0.5)
    with pytest.raises(TypeError):
        metrics.slice_metrics(y, s, {"r": ["a", "b", "c"]})  # threshold is keyword-only, required

