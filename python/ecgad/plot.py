"""Plots for notebooks: beats and reconstructions, scores, ROC / PR, drift, training.

Every function draws on ``ax`` when given, or on a new figure otherwise, and returns the
:class:`matplotlib.axes.Axes` it drew on (an array of two for :func:`plot_beat`). Nothing is
shown (no ``plt.show()``) and no global setting (rcParams, style, backend) is changed, so the
plots follow the notebook's style and compose with other matplotlib code.

- :func:`plot_beat` -- a beat, its autoencoder reconstruction and the error profile
  ``|x - x̂|`` with the beat's MAE;
- :func:`plot_score_histogram` -- anomaly scores, split normal / anomalous by labels, with the
  threshold;
- :func:`plot_roc`, :func:`plot_precision_recall` -- the curves of :mod:`ecgad.metrics` (equal
  to scikit-learn's) with the AUC / average precision in the legend;
- :func:`plot_drift_timeline` -- a per-beat series over time with the monitor's drift alerts
  (:attr:`ecgad.drift.Monitor.alerts`, :meth:`ecgad.pipeline.StreamPipeline.alerts`) and known
  (e.g. injected) changes;
- :func:`plot_training_curves` -- ``Autoencoder.history_``: loss, validation loss and the
  learning rate.

matplotlib is an optional dependency (``pip install 'ecgad[plot]'`` or
``apt install python3-matplotlib``): this module imports without it and each function imports
it when called, raising :class:`ImportError` with those instructions when it is missing.
Bad inputs raise :class:`ValueError` naming what was expected.

Examples
--------
>>> import matplotlib; matplotlib.use("Agg")
>>> import numpy as np
>>> from ecgad.plot import plot_roc
>>> y = np.array([0, 0, 1, 1])
>>> ax = plot_roc(y, [0.1, 0.4, 0.35, 0.8])
>>> ax.get_xlabel(), ax.get_legend().get_texts()[0].get_text()
('false positive rate (1 - specificity)', 'AUC = 0.750')
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import metrics as _metrics

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from matplotlib.axes import Axes

__all__ = [
    "plot_beat",
    "plot_drift_timeline",
    "plot_precision_recall",
    "plot_roc",
    "plot_score_histogram",
    "plot_training_curves",
]

ArrayLike = Union[np.ndarray, Sequence[float]]

MISSING_MATPLOTLIB = ("ecgad.plot needs matplotlib (pip install 'ecgad[plot]' or "
                      "apt install python3-matplotlib)")

# Drift timelines switch from seconds to minutes above this span.
_MINUTES_ABOVE_S = 300.0
# Behind alert / change labels, so they stay readable over a dense series.
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none",
              "alpha": 0.7}


# --------------------------------------------------------------------------- helpers

def _pyplot():
    """matplotlib.pyplot, imported now (it is optional), or a clear ImportError."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(MISSING_MATPLOTLIB) from e
    return plt


def _axes(ax: Any, plt) -> "Axes":
    """`ax` checked to be one Axes, or the Axes of a new figure when it is None."""
    if ax is None:
        _, ax = plt.subplots()
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _vector(x: Any, name: str, *, n: Optional[int] = None, allow_nan: bool = False
            ) -> np.ndarray:
    """`x` as a non-empty 1-D float64 array (of length `n`), finite unless `allow_nan`."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    want = f"({n},)" if n is not None else "(n,)"
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape {want}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; expected at least one value")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} values; expected {n} (shape {want}), one "
                         "per value of the first array")
    arr = arr.astype(np.float64)
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = "finite values or NaN (a gap)" if allow_nan else "finite values"
        raise ValueError(f"{name}[{i}] is {arr[i]}; expected {what}")
    return arr


def _labels(y: Any, n: int, name: str = "y_true") -> np.ndarray:
    """0/1 (or bool) labels of length `n`, as a bool array."""
    arr = _vector(y, name, n=n)
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must hold binary labels, 0 (normal) or 1 (anomaly) or bool; "
                         f"got {name}[{i}] = {arr[i]:g}")
    return arr == 1


def _real(x: Any, name: str, *, positive: bool = False) -> float:
    """A finite real scalar (> 0 when `positive`)."""
    if isinstance(x, (str, bytes, bool, np.bool_)) or np.ndim(x) != 0:
        raise ValueError(f"{name} must be a real number, got {x!r}")
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {x!r}") from None
    if not math.isfinite(v) or (positive and v <= 0):
        raise ValueError(f"{name} is {v}; expected a finite number{' > 0' if positive else ''}")
    return v


def _set_title(ax: "Axes", title: str) -> None:
    if not ax.get_title():
        ax.set_title(title)


# --------------------------------------------------------------------------- beats

def plot_beat(beat: ArrayLike, reconstruction: ArrayLike, *, error: Optional[ArrayLike] = None,
              fs_hz: Optional[float] = None, before_s: Optional[float] = None,
              ax: Optional[Sequence["Axes"]] = None, threshold: Optional[float] = None,
              title: Optional[str] = None, unit: str = "mV") -> np.ndarray:
    """A beat and its autoencoder reconstruction, with the absolute error profile below.

    The top panel shows the beat ``x`` and the reconstruction ``x̂``; the bottom panel, sharing
    the x axis, the error profile ``|x - x̂|`` (shaded), its mean -- the beat's MAE, the
    default anomaly score of :meth:`ecgad.model.Autoencoder.score` -- and the threshold.

    Parameters
    ----------
    beat, reconstruction : array_like of shape (length,)
        One beat and the model's reconstruction of it, finite, in `unit`.
    error : array_like of shape (length,), optional
        The error profile to draw (e.g. a row of ``Autoencoder.error_profile``), finite and
        >= 0; by default ``|beat - reconstruction|``. The MAE shown is its mean.
    fs_hz : float, optional
        Sampling rate of the beat's samples (Hz; ``length / (before_s + after_s)`` for
        :func:`ecgad.signal.segment_beats` output). Without it the x axis is the sample index.
    before_s : float, optional
        Time from the beat's first sample to its R peak (s); with `fs_hz` the x axis is the
        time from the R peak, otherwise (with `fs_hz` alone) the time from the beat's start.
    ax : sequence of 2 Axes, optional
        The top and bottom panels (their x axes are shared if they are not shared yet). A new
        figure by default.
    threshold : float, optional
        Anomaly threshold on the MAE (a beat is anomalous when its MAE exceeds it), drawn on
        the error panel; the legend then says which side the beat is on.
    title : str, optional
        Title of the top panel (default ``"Beat and reconstruction"``).
    unit : str, default "mV"
        Unit of the beat values, for the y labels (e.g. ``"a.u."`` for scaled beats).

    Returns
    -------
    numpy.ndarray of 2 Axes
        The beat panel and the error panel.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np
    >>> t = np.linspace(-0.25, 0.45, 140)
    >>> x = np.exp(-(t / 0.02) ** 2)
    >>> axes = plot_beat(x, 0.9 * x, fs_hz=200.0, before_s=0.25, threshold=0.05)
    >>> axes[1].get_xlabel(), axes[0].get_ylabel()
    ('time from R peak (s)', 'amplitude (mV)')
    >>> axes[1].get_legend().get_texts()[1].get_text()
    'MAE = 0.005028 mV (normal)'
    """
    plt = _pyplot()
    x = _vector(beat, "beat")
    n = x.shape[0]
    r = _vector(reconstruction, "reconstruction", n=n)
    if error is None:
        e = np.abs(x - r)
    else:
        e = _vector(error, "error", n=n)
        if (e < 0).any():
            i = int(np.flatnonzero(e < 0)[0])
            raise ValueError(f"error[{i}] is {e[i]}; expected an absolute error profile >= 0")
    mae = float(e.mean())
    thr = None if threshold is None else _real(threshold, "threshold")

    if fs_hz is not None:
        fs = _real(fs_hz, "fs_hz", positive=True)
        t = np.arange(n) / fs
        if before_s is not None:
            b = _real(before_s, "before_s")
            t = t - b
            xlabel = "time from R peak (s)"
        else:
            xlabel = "time from beat start (s)"
    elif before_s is not None:
        raise ValueError("before_s needs fs_hz (the beat's sampling rate, Hz) to place the R "
                         "peak in seconds")
    else:
        t = np.arange(n, dtype=np.float64)
        xlabel = "sample"

    if ax is None:
        _, axes = plt.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        top, bottom = axes
    else:
        from matplotlib.axes import Axes

        given = [] if isinstance(ax, (Axes, str)) or not hasattr(ax, "__len__") else list(ax)
        if len(given) != 2 or not all(isinstance(a, Axes) for a in given):
            raise ValueError("ax must be a sequence of 2 matplotlib Axes (beat panel, error "
                             f"panel) or None, got {ax!r}")
        top, bottom = given
        if not top.get_shared_x_axes().joined(top, bottom):
            try:
                bottom.sharex(top)
            except ValueError:  # already shares x with another Axes: leave it
                pass

    top.plot(t, x, color="C0", lw=1.5, label="beat")
    top.plot(t, r, color="C1", lw=1.5, ls="--", label="reconstruction")
    top.set_ylabel(f"amplitude ({unit})")
    top.legend(loc="best")
    top.set_title("Beat and reconstruction" if title is None else title)

    verdict = ""
    if thr is not None:
        verdict = " (anomalous)" if mae > thr else " (normal)"
    bottom.plot(t, e, color="C3", lw=1.0, label="|x - x̂|")
    bottom.fill_between(t, 0.0, e, color="C3", alpha=0.3)
    bottom.axhline(mae, color="k", lw=1.0, ls=":", label=f"MAE = {mae:.4g} {unit}{verdict}")
    if thr is not None:
        bottom.axhline(thr, color="C2", lw=1.2, ls="--", label=f"threshold = {thr:.4g} {unit}")
    bottom.set_ylim(bottom=0.0)
    bottom.set_xlabel(xlabel)
    bottom.set_ylabel(f"|error| ({unit})")
    bottom.legend(loc="upper right")
    return np.array([top, bottom], dtype=object)


# --------------------------------------------------------------------------- scores

def plot_score_histogram(scores: ArrayLike, *, threshold: Optional[float] = None,
                         y_true: Optional[ArrayLike] = None, bins: Union[int, ArrayLike] = 50,
                         ax: Optional["Axes"] = None, log: bool = False) -> "Axes":
    """Histogram of anomaly scores, split normal / anomalous when labels are given.

    Parameters
    ----------
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite; higher means more anomalous.
    threshold : float, optional
        The decision threshold, drawn as a vertical line labelled with its value.
    y_true : array_like of shape (n_samples,), optional
        Labels, 0 / False (normal) or 1 / True (anomaly): two overlaid histograms on the same
        bins, each labelled with its count.
    bins : int or array_like, default 50
        Number of bins (>= 1) or the bin edges, as :func:`numpy.histogram_bin_edges`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    log : bool, default False
        Counts on a log scale (to see the few high scores next to many low ones).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np
    >>> s = np.r_[np.linspace(0.0, 1.0, 90), np.linspace(2.0, 3.0, 10)]
    >>> y = np.r_[np.zeros(90), np.ones(10)]
    >>> ax = plot_score_histogram(s, y_true=y, threshold=1.5, bins=10)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['normal (n = 90)', 'anomalous (n = 10)', 'threshold = 1.5']
    >>> sum(p.get_height() for p in ax.patches)
    100.0
    """
    plt = _pyplot()
    s = _vector(scores, "scores")
    if isinstance(bins, (bool, np.bool_)):
        raise ValueError(f"bins must be an int >= 1 or an array of edges, got {bins!r}")
    if np.ndim(bins) == 0:
        if not isinstance(bins, (int, np.integer)) or bins < 1:
            raise ValueError(f"bins must be an int >= 1 or an array of edges, got {bins!r}")
        edges = np.histogram_bin_edges(s, bins=int(bins))
    else:
        edges = _vector(bins, "bins")
        if edges.shape[0] < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("bins as edges must hold >= 2 strictly increasing values, got "
                             f"{edges.tolist()}")
    thr = None if threshold is None else _real(threshold, "threshold")
    ax = _axes(ax, plt)

    if y_true is None:
        ax.hist(s, bins=edges, color="C0", alpha=0.8, label=f"scores (n = {s.shape[0]})")
    else:
        y = _labels(y_true, s.shape[0])
        for values, color, name in ((s[~y], "C0", "normal"), (s[y], "C3", "anomalous")):
            ax.hist(values, bins=edges, color=color, alpha=0.6,
                    label=f"{name} (n = {values.shape[0]})")
    if thr is not None:
        ax.axvline(thr, color="k", ls="--", lw=1.2, label=f"threshold = {thr:.4g}")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("anomaly score (higher = more anomalous)")
    ax.set_ylabel("count (log scale)" if log else "count")
    _set_title(ax, "Anomaly scores")
    ax.legend(loc="best")
    return ax


def _curve_inputs(y_true: ArrayLike, scores: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    s = _vector(scores, "scores")
    y = _labels(y_true, s.shape[0])
    if y.all() or not y.any():
        only = "anomalies (1)" if y.all() else "normals (0)"
        raise ValueError(f"y_true holds only {only} in {y.shape[0]} samples; the curve needs "
                         "both classes")
    return y.astype(np.float64), s


def _has_gid(ax: "Axes", gid: str) -> bool:
    return any(line.get_gid() == gid for line in ax.get_lines())


def plot_roc(y_true: ArrayLike, scores: ArrayLike, *, ax: Optional["Axes"] = None,
             label: Optional[str] = None) -> "Axes":
    """ROC curve of anomaly scores, with its AUC in the legend and the chance diagonal.

    The curve is :func:`ecgad.metrics.roc_curve` (scikit-learn's, ``drop_intermediate=True``)
    and the AUC :func:`ecgad.metrics.roc_auc`. Call it again on the same `ax` to compare
    models; the diagonal is drawn once.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 / False (normal) or 1 / True (anomaly); both classes present.
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite; higher means more anomalous.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    label : str, optional
        Name of the curve in the legend, before the AUC.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_roc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], label="dense AE")
    >>> ax.get_lines()[0].get_xydata().tolist()
    [[0.0, 0.0], [0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [1.0, 1.0]]
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['dense AE (AUC = 0.750)', 'chance (AUC = 0.5)']
    """
    plt = _pyplot()
    y, s = _curve_inputs(y_true, scores)
    fpr, tpr, _ = _metrics.roc_curve(y, s)
    auc = _metrics.roc_auc(y, s)
    ax = _axes(ax, plt)
    text = f"AUC = {auc:.3f}" if label is None else f"{label} (AUC = {auc:.3f})"
    ax.plot(fpr, tpr, lw=1.5, label=text)
    if not _has_gid(ax, "chance"):
        ax.plot([0.0, 1.0], [0.0, 1.0], color="grey", ls="--", lw=1.0, gid="chance",
                label="chance (AUC = 0.5)")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate (1 - specificity)")
    ax.set_ylabel("true positive rate (sensitivity)")
    _set_title(ax, "ROC curve")
    ax.legend(loc="lower right")
    return ax


def plot_precision_recall(y_true: ArrayLike, scores: ArrayLike, *,
                          ax: Optional["Axes"] = None, label: Optional[str] = None) -> "Axes":
    """Precision-recall curve of anomaly scores, with the average precision in the legend.

    The curve is :func:`ecgad.metrics.precision_recall_curve` drawn as a step (as
    scikit-learn's ``PrecisionRecallDisplay``) and the AP :func:`ecgad.metrics.average_precision`
    (the area under that step). The chance level -- the anomaly rate -- is a horizontal line,
    drawn once per Axes.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels, 0 / False (normal) or 1 / True (anomaly); both classes present.
    scores : array_like of shape (n_samples,)
        Anomaly scores, finite; higher means more anomalous.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    label : str, optional
        Name of the curve in the legend, before the AP.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_precision_recall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['AP = 0.833', 'chance (anomaly rate = 0.5)']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('recall (sensitivity)', 'precision (positive predictive value)')
    """
    plt = _pyplot()
    y, s = _curve_inputs(y_true, scores)
    precision, recall, _ = _metrics.precision_recall_curve(y, s)
    ap = _metrics.average_precision(y, s)
    ax = _axes(ax, plt)
    text = f"AP = {ap:.3f}" if label is None else f"{label} (AP = {ap:.3f})"
    ax.plot(recall, precision, lw=1.5, drawstyle="steps-post", label=text)
    if not _has_gid(ax, "chance"):
        rate = float(y.mean())
        ax.plot([0.0, 1.0], [rate, rate], color="grey", ls="--", lw=1.0, gid="chance",
                label=f"chance (anomaly rate = {rate:.3g})")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_aspect("equal")
    ax.set_xlabel("recall (sensitivity)")
    ax.set_ylabel("precision (positive predictive value)")
    _set_title(ax, "Precision-recall curve")
    ax.legend(loc="lower left")
    return ax


# --------------------------------------------------------------------------- drift

def _time_value(v: Any, what: str) -> float:
    """A time in seconds from an alert or change field (the JSON "nan" string included)."""
    try:
        t = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a time in seconds, got {v!r}") from None
    return t


def _alert_items(alerts: Iterable[Any]) -> List[Tuple[float, float, str]]:
    """(detected_s, since_s or NaN, kind) per alert: monitor dicts or plain times (s)."""
    out = []
    for i, a in enumerate(alerts):
        if isinstance(a, Mapping):
            kind = str(a.get("kind", a.get("channel", "alert")))
            since = _time_value(a.get("since_s", math.nan), f"alerts[{i}]['since_s']")
            detected = math.nan
            for key in ("detected_s", "time_s"):
                if key in a:
                    detected = _time_value(a[key], f"alerts[{i}][{key!r}]")
                    break
            if math.isnan(detected):  # not dated (JSON "nan"): use the estimated start
                detected, since = since, math.nan
            if math.isnan(detected):
                raise ValueError(f"alerts[{i}] has no time: expected a dict with 'detected_s' "
                                 f"(or 'since_s'), as Monitor.alerts gives, got {dict(a)!r}")
        elif isinstance(a, (str, bytes, bool, np.bool_)) or np.ndim(a) != 0:
            raise ValueError(f"alerts[{i}] must be an alert dict (Monitor.alerts) or a time in "
                             f"seconds, got {a!r}")
        else:
            detected, since, kind = _time_value(a, f"alerts[{i}]"), math.nan, "alert"
        if not math.isfinite(detected):
            raise ValueError(f"alerts[{i}] is at {detected} s; expected a finite time")
        out.append((detected, since, kind))
    return out


def _change_items(changes: Iterable[Any]) -> List[Tuple[float, Optional[float], str]]:
    """(start_s, end_s or None, label) per change.

    Accepts (start_s, label), (start_s, end_s, label), a time, a dict with start_s and
    label / kind (end_s optional, as ``SyntheticRecording.changes``) or an object with those
    attributes (:class:`ecgad.synth.Change`).
    """
    out = []
    for i, c in enumerate(changes):
        where = f"changes[{i}]"
        if isinstance(c, Mapping) or hasattr(c, "start_s"):
            get = c.get if isinstance(c, Mapping) else (lambda k, d=None: getattr(c, k, d))
            if get("start_s") is None:
                raise ValueError(f"{where} must have a 'start_s' (s), got {c!r}")
            start = _time_value(get("start_s"), f"{where} start_s")
            end = get("end_s")
            end = None if end is None else _time_value(end, f"{where} end_s")
            label = str(get("label", get("kind", "change")))
        elif isinstance(c, (tuple, list)) and len(c) in (2, 3):
            start = _time_value(c[0], f"{where}[0] (start_s)")
            end = _time_value(c[1], f"{where}[1] (end_s)") if len(c) == 3 else None
            label = str(c[-1])
        elif not isinstance(c, (str, bytes, bool, np.bool_)) and np.ndim(c) == 0:
            start, end, label = _time_value(c, where), None, "change"
        else:
            raise ValueError(f"{where} must be (start_s, label), (start_s, end_s, label), a "
                             f"dict with start_s and label, or a time in seconds; got {c!r}")
        if not math.isfinite(start):
            raise ValueError(f"{where} starts at {start} s; expected a finite time")
        if end is not None and (math.isnan(end) or end <= start):
            end = None  # a sudden change (end_s == start_s, as synth.Change): a line
        out.append((start, end, label))
    return out


def plot_drift_timeline(time_s: ArrayLike, values: ArrayLike, *, alerts: Iterable[Any] = (),
                        changes: Iterable[Any] = (), threshold: Optional[float] = None,
                        ax: Optional["Axes"] = None, ylabel: str = "score") -> "Axes":
    """A per-beat series over time, with drift alerts and known changes.

    The x axis is in minutes when the series spans more than 5 minutes, else in seconds
    (the label says which), on the stream's clock.

    Parameters
    ----------
    time_s : array_like of shape (n_beats,)
        Time of each beat (s), finite.
    values : array_like of shape (n_beats,)
        The series (anomaly score, heart rate...); NaN leaves a gap, infinity is refused.
    alerts : iterable, optional
        Alerts as :attr:`ecgad.drift.Monitor.alerts` or
        :meth:`ecgad.pipeline.StreamPipeline.alerts` return them (dicts with ``kind``,
        ``since_s``, ``detected_s``...), or plain times (s). Each is a red vertical line at
        ``detected_s``, annotated with its kind, and a dotted one at ``since_s`` (the change's
        estimated start) when it is known.
    changes : iterable, optional
        Known (e.g. injected) changes: ``(start_s, label)``, ``(start_s, end_s, label)``,
        dicts with ``start_s`` and ``label`` or ``kind`` (``end_s`` optional, e.g.
        ``SyntheticRecording.changes``), :class:`ecgad.synth.Change` objects or plain times.
        A shaded span from start to end when the change lasts, a grey dashed line otherwise.
    threshold : float, optional
        A horizontal line at this value (e.g. the anomaly threshold on scores).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    ylabel : str, default "score"
        Label of the y axis (name and unit of `values`).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np
    >>> t = np.arange(0.0, 1200.0, 1.0)
    >>> hr = np.where(t < 600, 70.0, 90.0)
    >>> alert = {"kind": "heart_rate", "since_s": 600.0, "detected_s": 660.0}
    >>> ax = plot_drift_timeline(t, hr, alerts=[alert], changes=[(600.0, "HR step")],
    ...                          ylabel="heart rate (bpm)")
    >>> ax.get_xlabel()
    'time (min)'
    >>> [line.get_xdata()[0] for line in ax.get_lines() if line.get_gid() == "alert"]
    [11.0]
    >>> sorted(text.get_text() for text in ax.texts)
    ['HR step', 'heart_rate']
    """
    plt = _pyplot()
    t = _vector(time_s, "time_s")
    v = _vector(values, "values", n=t.shape[0], allow_nan=True)
    alert_items = _alert_items(alerts)
    change_items = _change_items(changes)
    thr = None if threshold is None else _real(threshold, "threshold")
    ax = _axes(ax, plt)

    minutes = float(t.max() - t.min()) > _MINUTES_ABOVE_S
    unit_s = 60.0 if minutes else 1.0  # x = time_s / unit_s
    ax.plot(t / unit_s, v, color="C0", lw=0.8, label=ylabel)
    if thr is not None:
        ax.axhline(thr, color="k", ls="--", lw=1.0, label=f"threshold = {thr:.4g}")

    xaxis = ax.get_xaxis_transform()  # x in data, y in axes fraction
    for j, (start, end, label) in enumerate(change_items):
        legend = "known change" if j == 0 else "_nolegend_"
        if end is None:
            ax.axvline(start / unit_s, color="grey", ls="--", lw=1.2, gid="change", label=legend)
        else:
            ax.axvspan(start / unit_s, end / unit_s, color="grey", alpha=0.2, gid="change",
                       label=legend)
        ax.annotate(label, xy=(start / unit_s, 0.98), xycoords=xaxis, xytext=(2, 0),
                    textcoords="offset points", rotation=90, ha="left", va="top",
                    fontsize=8, color="dimgrey", gid="change", bbox=_LABEL_BOX)
    for j, (detected, since, kind) in enumerate(alert_items):
        ax.axvline(detected / unit_s, color="C3", lw=1.2, gid="alert",
                   label="drift alert (detected)" if j == 0 else "_nolegend_")
        if math.isfinite(since) and since != detected:
            ax.axvline(since / unit_s, color="C3", lw=0.8, ls=":", gid="alert_since",
                       label="estimated start" if j == 0 else "_nolegend_")
        ax.annotate(kind, xy=(detected / unit_s, 0.98), xycoords=xaxis, xytext=(-2, 0),
                    textcoords="offset points", rotation=90, ha="right", va="top",
                    fontsize=8, color="C3", gid="alert", bbox=_LABEL_BOX)

    ax.set_xlabel("time (min)" if minutes else "time (s)")
    ax.set_ylabel(ylabel)
    _set_title(ax, "Drift timeline")
    ax.legend(loc="best")
    return ax


# --------------------------------------------------------------------------- training

def _history_series(history: Mapping[str, Any], key: str, n: Optional[int]) -> np.ndarray:
    raw = history.get(key, [])
    if raw is None or (np.ndim(raw) == 1 and len(raw) == 0):
        return np.empty(0)
    return _vector(raw, f"history[{key!r}]", n=n, allow_nan=True)


def plot_training_curves(history: Any, *, ax: Optional["Axes"] = None) -> "Axes":
    """Training and validation loss per epoch, and the learning rate when it changes.

    The loss axis is logarithmic when the (positive) losses span more than a factor of 10.
    A learning rate that changes (a schedule, or reduce-on-plateau) is drawn on a twin y axis
    at the right (``ax.figure.axes`` holds it), log-scaled when it spans more than 10x.

    Parameters
    ----------
    history : dict
        ``Autoencoder.history_`` (or the fitted :class:`ecgad.model.Autoencoder` itself):
        ``loss`` per epoch, ``val_loss`` (empty without validation, else one per epoch) and
        ``lr`` (one per epoch, may be empty); ``seconds`` is not drawn. NaN losses (a diverged
        epoch) leave gaps.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes
        The loss Axes.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> h = {"loss": [1.0, 0.3, 0.08, 0.05], "val_loss": [1.1, 0.35, 0.1, 0.07],
    ...      "lr": [1e-3, 1e-3, 1e-4, 1e-4], "seconds": [0.2, 0.2, 0.2, 0.2]}
    >>> ax = plot_training_curves(h)
    >>> ax.get_yscale(), len(ax.figure.axes), ax.figure.axes[1].get_ylabel()
    ('log', 2, 'learning rate')
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['training loss', 'validation loss', 'learning rate']
    """
    plt = _pyplot()
    if hasattr(history, "history_") and not isinstance(history, Mapping):
        if history.history_ is None:
            raise ValueError("the model is not fitted: history_ is None; call fit() first")
        history = history.history_
    if not isinstance(history, Mapping) or "loss" not in history:
        raise ValueError("history must be a dict with 'loss' (and optionally 'val_loss', 'lr') "
                         "per epoch, as Autoencoder.history_; got "
                         f"{type(history).__name__}")
    loss = _vector(history["loss"], "history['loss']", allow_nan=True)
    n = loss.shape[0]
    val = _history_series(history, "val_loss", n)
    lr = _history_series(history, "lr", n)
    ax = _axes(ax, plt)

    epochs = np.arange(1, n + 1)
    marker = "o" if n <= 30 else None
    handles = ax.plot(epochs, loss, color="C0", marker=marker, ms=3, label="training loss")
    if val.size:
        handles += ax.plot(epochs, val, color="C1", marker=marker, ms=3, label="validation loss")
    both = np.r_[loss, val]
    pos = both[np.isfinite(both) & (both > 0)]
    if pos.size == np.isfinite(both).sum() and pos.size and pos.max() > 10.0 * pos.min():
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (reconstruction error)")
    if n <= 30:
        ax.set_xticks(epochs if n <= 15 else epochs[::2])

    finite_lr = lr[np.isfinite(lr)]
    if finite_lr.size and np.unique(finite_lr).size > 1:
        twin = ax.twinx()
        handles += twin.plot(epochs, lr, color="grey", ls="--", drawstyle="steps-mid",
                             label="learning rate")
        if finite_lr.min() > 0 and finite_lr.max() > 10.0 * finite_lr.min():
            twin.set_yscale("log")
        twin.set_ylabel("learning rate")
    _set_title(ax, "Training curves")
    ax.legend(handles=handles, loc="upper right")
    return ax
