"""Ranking metrics of anomaly scores: ROC and precision-recall curves, ROC AUC, average precision.

Each function equals its scikit-learn counterpart for binary labels without sample weights
(checked against Debian's scikit-learn 1.2.1): :func:`roc_auc` is
``sklearn.metrics.roc_auc_score``, :func:`average_precision` is
``sklearn.metrics.average_precision_score``, :func:`roc_curve` is
``sklearn.metrics.roc_curve`` (``drop_intermediate=True``) and :func:`precision_recall_curve` is
``sklearn.metrics.precision_recall_curve``. A higher score means "more anomalous"; samples with
equal scores share one threshold (a tied positive-negative pair counts 1/2 in the AUC). The
compiled core makes one O(n log n) sort.

Labels must be exactly 0 (normal) or 1 (anomaly), as ``bool``, integer or float; other values
(``-1``/``+1``, ``1``/``2``, ``0.5``) are rejected rather than guessed. Scores are any real
numbers, converted once to ``float64`` (a C-contiguous ``float64`` array is read in place).

Errors are :class:`ecgad.InvalidArgument` (a :class:`ValueError`) naming the bad value: empty
input, lengths that differ, a label other than 0/1, a NaN or infinite score, or a single class
in ``y_true`` (every ranking metric is undefined then; scikit-learn raises only for
``roc_auc_score`` and warns for the others).

Threshold metrics (:func:`confusion_matrix`, :func:`threshold_metrics`, :func:`precision_score`,
:func:`recall_score`, :func:`specificity_score`, :func:`f1_score`, :func:`fbeta_score`,
:func:`accuracy_score`, :func:`balanced_accuracy_score`, :func:`matthews_corrcoef`) equal
scikit-learn's functions of the same name with their default ``zero_division``: a ratio with a
zero denominator is 0, and :func:`threshold_metrics` lists it under ``"undefined"``. A score
``>= threshold`` is called anomalous. :func:`bootstrap_ci` gives percentile bootstrap intervals
of any metric and :func:`slice_metrics` the per-tag slice table (see docs/metrics.md).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._arrays import one_column, real_array

__all__ = [
    "accuracy_score",
    "average_precision",
    "balanced_accuracy_score",
    "bootstrap_ci",
    "confusion_at_threshold",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "matthews_corrcoef",
    "precision_recall_curve",
    "precision_score",
    "recall_score",
    "roc_auc",
    "roc_curve",
    "slice_metrics",
    "specificity_score",
    "threshold_metrics",
]

ArrayLike = Union[np.ndarray, Sequence[float]]


def _inputs(y_true: ArrayLike, scores: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Labels and scores as 1-D float64 arrays of one length, converted once (values are
    checked in C++)."""
    y = one_column(real_array(y_true, "y_true", "0/1 labels (bool, integer or float)"))
    s = one_column(real_array(scores, "scores"))
    if y.ndim != 1:
        raise ValueError("y_true must be a 1-D array of shape (n_samples,) (or one column, "
                         f"(n_samples, 1)), got shape {y.shape}")
    if s.ndim != 1:
        raise ValueError("scores must be a 1-D array of shape (n_samples,) (or one column, "
                         f"(n_samples, 1)), got shape {s.shape}")
    if y.shape != s.shape:
        raise ValueError(f"y_true has shape {y.shape} but scores has shape {s.shape}; expected "
                         "one score per label")
    return np.ascontiguousarray(y, dtype=np.float64), np.ascontiguousarray(s, dtype=np.float64)


def roc_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve (``sklearn.metrics.roc_auc_score``).

    The probability that a random anomaly scores higher than a random normal sample, ties
    counting 1/2 (the Mann-Whitney U statistic over ``n_pos * n_neg``).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly); both must be present.
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite; higher means more anomalous.

    Returns
    -------
    float
        The AUC, in ``[0, 1]``; 0.5 for uninformative (e.g. all-equal) scores.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> roc_auc([1, 0, 1, 0], [0.7, 0.7, 0.2, 0.2])  # ties count half
    0.5
    >>> roc_auc([0, 0, 0], [0.1, 0.2, 0.3])
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: roc_auc: y_true holds only negatives (0) in 3 samples; expected both classes (the metric is undefined otherwise)
    """
    return float(_core.metrics.roc_auc(*_inputs(y_true, scores)))


def average_precision(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Average precision (``sklearn.metrics.average_precision_score``).

    The step-wise area under the precision-recall curve, ``sum_k (R_k - R_{k-1}) P_k`` over the
    distinct scores from highest to lowest, without interpolation.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly); both must be present.
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite; higher means more anomalous.

    Returns
    -------
    float
        The average precision, in ``(0, 1]``; the anomaly rate for uninformative scores.

    Examples
    --------
    >>> round(average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 6)
    0.833333
    >>> average_precision([True, False, False, False], [0.5, 0.5, 0.5, 0.5])
    0.25
    """
    return float(_core.metrics.average_precision(*_inputs(y_true, scores)))


def roc_curve(y_true: ArrayLike, scores: ArrayLike) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve (``sklearn.metrics.roc_curve`` with ``drop_intermediate=True``).

    One point per distinct score, without the points in the middle of equal steps, after a
    first point (0, 0).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly); both must be present.
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite; higher means more anomalous.

    Returns
    -------
    fpr, tpr : numpy.ndarray
        ``float64`` false- and true-positive rates, increasing from 0 to 1.
    thresholds : numpy.ndarray
        ``float64``, decreasing: ``scores >= thresholds[i]`` gives ``fpr[i]``, ``tpr[i]``.
        ``thresholds[0]`` is ``max(scores) + 1`` as in scikit-learn 1.2 (1.3 and later use
        ``inf``), so no sample is called positive there.

    Examples
    --------
    >>> fpr, tpr, thresholds = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr
    array([0. , 0. , 0.5, 0.5, 1. ])
    >>> tpr
    array([0. , 0.5, 0.5, 1. , 1. ])
    >>> thresholds
    array([1.8 , 0.8 , 0.4 , 0.35, 0.1 ])
    """
    fpr, tpr, thresholds = _core.metrics.roc_curve(*_inputs(y_true, scores))
    return fpr, tpr, thresholds


def precision_recall_curve(y_true: ArrayLike,
                           scores: ArrayLike) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision-recall curve (``sklearn.metrics.precision_recall_curve``).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly); both must be present.
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite; higher means more anomalous.

    Returns
    -------
    precision, recall : numpy.ndarray
        ``float64``, ``n_thresholds + 1`` values each: at ``scores >= thresholds[i]`` for
        ``i < n_thresholds``, then the end point precision 1, recall 0 (no threshold). Recall
        decreases.
    thresholds : numpy.ndarray
        Every distinct score, increasing (``float64``).

    Examples
    --------
    >>> precision, recall, thresholds = precision_recall_curve([0, 0, 1, 1],
    ...                                                        [0.1, 0.4, 0.35, 0.8])
    >>> precision
    array([0.5       , 0.66666667, 0.5       , 1.        , 1.        ])
    >>> recall
    array([1. , 1. , 0.5, 0.5, 0. ])
    >>> thresholds
    array([0.1 , 0.35, 0.4 , 0.8 ])
    """
    precision, recall, thresholds = _core.metrics.precision_recall_curve(*_inputs(y_true, scores))
    return precision, recall, thresholds


# --- threshold metrics (metrics/confusion.hpp) ------------------------------------------------

_THRESHOLD_METRICS = ("precision", "recall", "specificity", "f1", "f_beta", "accuracy",
                      "balanced_accuracy", "mcc")


def _threshold(threshold: float) -> float:
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, (int, float,
                                                                              np.integer,
                                                                              np.floating)):
        raise ValueError(f"threshold must be a real number, got {threshold!r}")
    return float(threshold)


def _counts_matrix(counts: Tuple[int, int, int, int]) -> np.ndarray:
    tp, fp, tn, fn = counts
    return np.array([[tn, fp], [fn, tp]], dtype=np.int64)


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Confusion matrix of 0/1 predictions (``sklearn.metrics.confusion_matrix``).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly).
    y_pred : array_like of shape (n_samples,)
        Predicted labels, 0 or 1.

    Returns
    -------
    numpy.ndarray
        ``int64`` of shape (2, 2) in scikit-learn's layout ``[[tn, fp], [fn, tp]]`` (rows: true
        class 0, 1; columns: predicted class 0, 1), even when a class is absent.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])
    array([[1, 1],
           [1, 2]])
    """
    y, p = _inputs(y_true, y_pred)
    return _counts_matrix(_core.metrics.confusion_from_predictions(y, p))


def confusion_at_threshold(y_true: ArrayLike, scores: ArrayLike, threshold: float) -> np.ndarray:
    """Confusion matrix of the decision ``scores >= threshold`` (anomaly) against labels.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly).
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite.
    threshold : float
        Finite; a score equal to it is called anomalous.

    Returns
    -------
    numpy.ndarray
        ``int64`` of shape (2, 2), ``[[tn, fp], [fn, tp]]`` as :func:`confusion_matrix`.

    Examples
    --------
    >>> confusion_at_threshold([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9], threshold=0.5)
    array([[1, 1],
           [0, 2]])
    """
    y, s = _inputs(y_true, scores)
    return _counts_matrix(_core.metrics.confusion_at_threshold(y, s, _threshold(threshold)))


def threshold_metrics(y_true: ArrayLike, scores: Optional[ArrayLike] = None,
                      threshold: Optional[float] = None, *, y_pred: Optional[ArrayLike] = None,
                      beta: float = 1.0) -> Dict[str, Any]:
    """Every threshold metric at once, from scores and a threshold or from predictions.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly).
    scores : array_like of shape (n_samples,), optional
        Anomaly scores; with ``threshold``, ``scores >= threshold`` is called anomalous.
    threshold : float, optional
        Required with ``scores``.
    y_pred : array_like of shape (n_samples,), optional
        0/1 predictions, instead of ``scores`` and ``threshold``.
    beta : float, default 1.0
        The beta of ``f_beta`` (> 0; recall weighs beta times as much as precision).

    Returns
    -------
    dict
        ``tp``, ``fp``, ``tn``, ``fn`` (int), ``precision``, ``recall``, ``specificity``,
        ``f1``, ``f_beta``, ``accuracy``, ``balanced_accuracy``, ``mcc`` (float, equal to
        scikit-learn's), ``beta``, and ``undefined``: the names whose denominator was zero
        (returned as 0, scikit-learn's default).

    Examples
    --------
    >>> m = threshold_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], threshold=0.5)
    >>> m["tp"], m["fp"], m["precision"], m["recall"], m["mcc"]
    (1, 1, 0.5, 0.5, 0.0)
    >>> threshold_metrics([0, 0, 0], y_pred=[0, 0, 0])["undefined"]
    ['precision', 'recall', 'f1', 'f_beta', 'balanced_accuracy', 'mcc']
    """
    if y_pred is not None:
        if scores is not None or threshold is not None:
            raise ValueError("give either y_pred or scores and threshold, not both")
        counts = _core.metrics.confusion_from_predictions(*_inputs(y_true, y_pred))
    else:
        if scores is None or threshold is None:
            raise ValueError("threshold_metrics needs scores and threshold, or y_pred")
        y, s = _inputs(y_true, scores)
        counts = _core.metrics.confusion_at_threshold(y, s, _threshold(threshold))
    return dict(_core.metrics.threshold_metrics(*counts, beta=float(beta)))


def _one_metric(name: str, y_true: ArrayLike, y_pred: ArrayLike, beta: float = 1.0) -> float:
    counts = _core.metrics.confusion_from_predictions(*_inputs(y_true, y_pred))
    return float(_core.metrics.threshold_metrics(*counts, beta=float(beta))[name])


def precision_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Precision ``tp / (tp + fp)`` of 0/1 predictions (``sklearn.metrics.precision_score``).

    0 when nothing is predicted positive (scikit-learn's default ``zero_division``).

    Examples
    --------
    >>> precision_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    >>> precision_score([0, 1], [0, 0])
    0.0
    """
    return _one_metric("precision", y_true, y_pred)


def recall_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Recall (sensitivity) ``tp / (tp + fn)`` (``sklearn.metrics.recall_score``).

    0 when ``y_true`` has no positive.

    Examples
    --------
    >>> recall_score([0, 1, 1, 1], [1, 1, 0, 1])
    0.6666666666666666
    """
    return _one_metric("recall", y_true, y_pred)


def specificity_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Specificity ``tn / (tn + fp)``, i.e. ``sklearn.metrics.recall_score(pos_label=0)``.

    0 when ``y_true`` has no negative.

    Examples
    --------
    >>> specificity_score([0, 0, 0, 1], [1, 0, 0, 1])
    0.6666666666666666
    """
    return _one_metric("specificity", y_true, y_pred)


def f1_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """F1 ``2 tp / (2 tp + fp + fn)`` (``sklearn.metrics.f1_score``); 0 if tp = fp = fn = 0.

    Examples
    --------
    >>> f1_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return _one_metric("f1", y_true, y_pred)


def fbeta_score(y_true: ArrayLike, y_pred: ArrayLike, *, beta: float) -> float:
    """F-beta ``(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)`` (``sklearn.metrics.fbeta_score``).

    ``beta > 1`` favours recall (missed anomalies cost more than false alarms).

    Examples
    --------
    >>> round(fbeta_score([1, 1, 0, 0], [1, 1, 1, 1], beta=2.0), 6)
    0.833333
    >>> fbeta_score([1, 0], [1, 0], beta=0.0)
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: f_beta: beta is 0; expected a finite beta > 0
    """
    return _one_metric("f_beta", y_true, y_pred, beta)


def accuracy_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Accuracy ``(tp + tn) / n`` (``sklearn.metrics.accuracy_score``).

    Examples
    --------
    >>> accuracy_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return _one_metric("accuracy", y_true, y_pred)


def balanced_accuracy_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean of recall and specificity (``sklearn.metrics.balanced_accuracy_score``).

    As scikit-learn does, a class absent from ``y_true`` is left out of the mean.

    Examples
    --------
    >>> balanced_accuracy_score([0, 0, 0, 1], [0, 0, 1, 1])
    0.8333333333333333
    """
    return _one_metric("balanced_accuracy", y_true, y_pred)


def matthews_corrcoef(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Matthews correlation coefficient (``sklearn.metrics.matthews_corrcoef``), in [-1, 1].

    0 when a row or column of the confusion matrix is empty (e.g. nothing predicted positive).

    Examples
    --------
    >>> matthews_corrcoef([0, 0, 1, 1], [0, 0, 1, 1])
    1.0
    >>> matthews_corrcoef([0, 0, 1, 1], [0, 0, 0, 0])
    0.0
    """
    return _one_metric("mcc", y_true, y_pred)


# --- bootstrap intervals (metrics/bootstrap.hpp) ---------------------------------------------

def bootstrap_ci(y_true: ArrayLike, scores: ArrayLike,
                 metric: Union[str, Callable[[np.ndarray, np.ndarray], float]] = "roc_auc", *,
                 threshold: Optional[float] = None, beta: float = 1.0, n_resamples: int = 1000,
                 confidence_level: float = 0.95, seed: int = 0,
                 stratified: bool = True) -> Dict[str, Any]:
    """Percentile bootstrap confidence interval of a metric of (labels, scores).

    Resamples the samples with replacement ``n_resamples`` times and reports the
    ``(1 - confidence_level) / 2`` and ``(1 + confidence_level) / 2`` percentiles (numpy's
    linear interpolation) of the metric over the resamples, as
    ``scipy.stats.bootstrap(method="percentile")`` (the resamples themselves differ from
    scipy's: ecgad draws from its own seeded generator, identical on every platform).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly).
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite.
    metric : str or callable, default "roc_auc"
        ``"roc_auc"``, ``"average_precision"``, or a threshold metric (``"precision"``,
        ``"recall"``, ``"specificity"``, ``"f1"``, ``"f_beta"``, ``"accuracy"``,
        ``"balanced_accuracy"``, ``"mcc"``) at ``scores >= threshold``; or a callable
        ``metric(y, scores) -> float`` on float64 arrays returning NaN where undefined.
    threshold : float, optional
        Required by the threshold metrics.
    beta : float, default 1.0
        The beta of ``"f_beta"``.
    n_resamples : int, default 1000
    confidence_level : float, default 0.95
        In (0, 1).
    seed : int, default 0
        Same seed, same interval.
    stratified : bool, default True
        Resample positives and negatives separately, keeping their counts (every resample then
        has both classes). Unstratified resamples where the metric is undefined (one class for
        AUC, no predicted positive for precision) are skipped and counted in ``n_skipped``.

    Returns
    -------
    dict
        ``estimate`` (the metric on all samples), ``low``, ``high``, ``confidence_level``,
        ``n_resamples``, ``n_skipped`` and ``distribution`` (the metric per kept resample).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], [300, 100])
    >>> s = rng.standard_normal(400) + y
    >>> ci = bootstrap_ci(y, s, "roc_auc", n_resamples=500, seed=1)
    >>> bool(ci["low"] < ci["estimate"] < ci["high"]), ci["n_skipped"], ci["distribution"].shape
    (True, 0, (500,))
    >>> bootstrap_ci(y, s, "roc_auc", n_resamples=500, seed=1)["low"] == ci["low"]  # same seed
    True
    """
    y, s = _inputs(y_true, scores)
    if isinstance(n_resamples, (bool, np.bool_)) or not isinstance(n_resamples,
                                                                    (int, np.integer)):
        raise ValueError(f"n_resamples must be an int, got {n_resamples!r}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if isinstance(metric, str):
        needs_threshold = metric in _THRESHOLD_METRICS
        if needs_threshold and threshold is None:
            raise ValueError(f"metric {metric!r} is a threshold metric; pass threshold=")
        thr = _threshold(threshold) if threshold is not None else 0.0
    elif callable(metric):
        thr = 0.0
    else:
        raise ValueError(f"metric must be a metric name or a callable, got {metric!r}")
    out = _core.metrics.bootstrap_ci(y, s, metric, thr, float(beta), int(n_resamples),
                                     float(confidence_level), int(seed), bool(stratified))
    return dict(out)


# --- slice analysis (metrics/slices.hpp) -----------------------------------------------------

def _tag_columns(tags: Any, n: int) -> List[Tuple[str, List[str]]]:
    """(name, values as str) per tag from a pandas DataFrame or a mapping name -> array."""
    if hasattr(tags, "columns") and hasattr(tags, "__getitem__") and hasattr(tags, "shape"):
        names = list(tags.columns)
        columns = [tags[name] for name in names]
    elif isinstance(tags, Mapping):
        names = list(tags.keys())
        columns = [tags[name] for name in names]
    else:
        raise ValueError("tags must be a pandas DataFrame or a dict mapping tag name -> array of "
                         f"n_samples values, got {type(tags).__name__}")
    out = []
    for name, column in zip(names, columns):
        values = np.asarray(column, dtype=object)
        if values.ndim != 1 or values.shape[0] != n:
            raise ValueError(f"tag {name!r} has shape {values.shape}; expected ({n},), one value "
                             "per sample")
        out.append((str(name), [str(v) for v in values]))
    return out


def slice_metrics(y_true: ArrayLike, scores: ArrayLike, tags: Any, *, threshold: float,
                  beta: float = 1.0, include_overall: bool = True,
                  as_frame: Optional[bool] = None) -> Union[List[Dict[str, Any]], Any]:
    """Every metric per slice of the data, grouped by metadata tags.

    For each tag (record, AAMI class, noise level, heart-rate band, quality grade...) and each
    of its values, the slice's size, class counts, ROC AUC, average precision and the
    threshold metrics at ``scores >= threshold``, all equal to scikit-learn's on that subset.
    The first row is the overall one (``tag`` and ``value`` both ``""``).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 (normal) or 1 (anomaly).
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite.
    tags : pandas.DataFrame or dict of str -> array_like of shape (n_samples,)
        One column per tag; values are compared as ``str(value)``.
    threshold : float
        Decision threshold for the threshold metrics.
    beta : float, default 1.0
        The beta of ``f_beta``.
    include_overall : bool, default True
        Put the overall row first.
    as_frame : bool, optional
        Return a pandas DataFrame; by default only when ``tags`` is one.

    Returns
    -------
    list of dict or pandas.DataFrame
        One row per (tag, value), values of one tag in sorted order: ``tag``, ``value``,
        ``count``, ``positives``, ``negatives``, ``roc_auc`` and ``average_precision`` (NaN
        when the slice has one class, with the reason in ``ranking_undefined_reason``), then
        the keys of :func:`threshold_metrics` except ``beta``.

    Examples
    --------
    >>> y = [1, 0, 1, 0, 0, 1]
    >>> s = [0.9, 0.2, 0.4, 0.6, 0.1, 0.8]
    >>> rows = slice_metrics(y, s, {"record": ["100", "100", "100", "101", "101", "101"],
    ...                             "aami": ["V", "N", "V", "N", "N", "S"]}, threshold=0.5)
    >>> [(r["tag"], r["value"], r["count"], r["positives"]) for r in rows]
    [('', '', 6, 3), ('record', '100', 3, 2), ('record', '101', 3, 1), ('aami', 'N', 3, 0), \
('aami', 'S', 1, 1), ('aami', 'V', 2, 2)]
    >>> rows[1]["roc_auc"], rows[1]["recall"]
    (1.0, 0.5)
    >>> rows[3]["roc_auc"], rows[3]["ranking_undefined_reason"]
    (nan, 'only negatives (0) in this slice; ROC AUC and average precision need both classes')
    """
    y, s = _inputs(y_true, scores)
    columns = _tag_columns(tags, y.shape[0])
    rows = [dict(r) for r in _core.metrics.slice_metrics(
        y, s, columns, _threshold(threshold), float(beta), bool(include_overall))]
    if as_frame is None:
        as_frame = hasattr(tags, "columns") and hasattr(tags, "shape")
    if as_frame:
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ValueError("as_frame=True needs pandas, which is not importable") from e
        return pd.DataFrame(rows)
    return rows
