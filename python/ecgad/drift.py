"""Drift detection: streaming change detectors (and, later, batch two-sample tests).

Streaming detectors watch one value per update and answer with a :class:`DriftLevel`:
``none``, ``warning`` (only the error-rate detectors have a warning zone) or ``drift`` (a change
was detected at this update). They are the C++ detectors of ``include/ecgad/drift/``:

- :class:`ADWIN` -- adaptive windowing (Bifet & Gavalda, SDM 2007), exponential histogram;
- :class:`PageHinkley` -- Page-Hinkley test for an increase, a decrease or both;
- :class:`CUSUM` -- two-sided tabular CUSUM on standardised values (Montgomery, ch. 9);
- :class:`KSWIN` -- Kolmogorov-Smirnov windowing (Raab et al., Neurocomputing 2020);
- :class:`DDM`, :class:`EDDM`, :class:`HDDMA` -- error-rate detectors fed with 1 for a wrong
  prediction and 0 for a right one (Gama et al. 2004; Baena-Garcia et al. 2006; Frias-Blanco
  et al. 2015).

Every detector has ``update(x)``, ``update_many(xs)`` (the same updates in one call, returning
the levels as ``int8``: 0 none, 1 warning, 2 drift), ``reset()``, ``state()`` (a JSON-ready
``dict`` with the parameters, for a saved state or the model bundle) and ``restore(state)`` /
``from_state(state)``; a restored detector continues exactly as the saved one would have. On
river's documented examples ADWIN, Page-Hinkley, DDM, EDDM and HDDM_A alarm at the same indices
as river. ``docs/drift.md`` explains the choices.

Labels that arrive late (a reviewer confirms predictions hours later) are fed to DDM, EDDM and
HDDMA when they arrive, in prediction order; ``prediction_time_s`` records when each prediction
was made, so ``warning_since_s`` and ``last_drift_s`` date an alarm in the predictions' clock.

Errors are :class:`ecgad.InvalidArgument` (a :class:`ValueError`) naming the bad value: NaN or
infinite values, an error indicator other than 0/1, a parameter out of range or unknown, a
state of another detector or an inconsistent one.

>>> import numpy as np
>>> from ecgad.drift import PageHinkley
>>> x = np.r_[np.zeros(500), np.full(100, 2.0)]
>>> levels = PageHinkley(delta=0.1).update_many(x)
>>> int(np.flatnonzero(levels == 2)[0])
527
"""
from __future__ import annotations

import json
import math
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from . import _core
from ._arrays import real_array as _real_array
from ._coredocs import document

__all__ = [
    "ADWIN",
    "CUSUM",
    "DDM",
    "DriftLevel",
    "EDDM",
    "HDDMA",
    "KSWIN",
    "PageHinkley",
]

ArrayLike = Union[np.ndarray, Sequence[float]]

DriftLevel = _core.drift.DriftLevel
document(DriftLevel, """What one update of a streaming detector concluded: ``none``, ``warning``
    (only the error-rate detectors DDM, EDDM and HDDMA have a warning zone) or ``drift`` (a
    change was detected at this update).

    An enumeration of the compiled core; ``update_many`` returns the same levels as ``int8``
    codes 0, 1 and 2. Compare a level with the members (``level == DriftLevel.drift``) or
    convert it (``int(level)``): it never equals a plain integer.

    Attributes
    ----------
    name : str
        ``"none"``, ``"warning"`` or ``"drift"``.
    value : int
        0, 1 or 2, the ``update_many`` code.

    Examples
    --------
    >>> level = PageHinkley(delta=0.1).update(0.0)
    >>> level, level == DriftLevel.none
    (<DriftLevel.none: 0>, True)
    >>> DriftLevel.drift.name, DriftLevel.drift.value, int(DriftLevel.warning)
    ('drift', 2, 1)
    >>> DriftLevel(2) == DriftLevel.drift, DriftLevel.drift == 2
    (True, False)
    """)
# doctest does not look inside compiled classes: run the examples documented above from here.
__test__ = {"DriftLevel": DriftLevel.__doc__}


def _real(x: Any, name: str) -> float:
    if isinstance(x, (str, bytes)) or np.ndim(x) != 0:
        raise ValueError(f"{name} must be a real number (a scalar), got {x!r}")
    if np.iscomplexobj(x):  # float() would drop the imaginary part with a mere warning
        raise ValueError(f"{name} must be a real number, got the complex {x!r}")
    try:
        return float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {x!r}") from None


def _values(x: ArrayLike, name: str) -> np.ndarray:
    """`x` as a 1-D float64 C-contiguous array, converted once; one column ``(n, 1)`` is read
    as scikit-learn's ``column_or_1d`` does."""
    arr = _real_array(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (n,) (or one column, (n, 1)), "
                         f"got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _params_json(params: Dict[str, Any]) -> str:
    out = {}
    for key, value in params.items():
        if value is None:  # "estimate it" (CUSUM's mean / std)
            out[key] = "nan"
        elif isinstance(value, (bool, np.bool_)):
            out[key] = bool(value)
        elif isinstance(value, (int, np.integer)):
            out[key] = int(value)
        elif isinstance(value, (float, np.floating)):
            v = float(value)
            out[key] = v if math.isfinite(v) else ("nan" if math.isnan(v) else
                                                   ("inf" if v > 0 else "-inf"))
        elif isinstance(value, str):
            out[key] = value
        else:
            raise ValueError(f"parameter {key} must be a number, got {value!r}")
    return json.dumps(out)


class _StreamingDetector:
    """Shared implementation of the Python face (see the module docstring)."""

    _core_class: Any = None

    def __init__(self, **params: Any) -> None:
        self._impl = self._core_class(_params_json(params))

    @property
    def name(self) -> str:
        """The detector's tag in its state (``"adwin"``, ``"ddm"``...)."""
        return self._impl.name

    def update(self, x: float) -> DriftLevel:
        """Feed one value; return what this update concluded (a :class:`DriftLevel`)."""
        return self._impl.update(_real(x, "x"))

    def update_many(self, x: ArrayLike) -> np.ndarray:
        """Feed values in order; return each update's level as ``int8`` (0, 1 or 2).

        Equal to calling :meth:`update` on each value (one call into C++).
        """
        return self._impl.update_many(_values(x, "x"))

    def reset(self) -> None:
        """Forget everything seen (counters included); keep the parameters."""
        self._impl.reset()

    def state(self) -> Dict[str, Any]:
        """The whole state as a JSON-ready dict (parameters included)."""
        return json.loads(self._impl.state_json())

    def restore(self, state: Dict[str, Any]) -> None:
        """Continue from a :meth:`state` (parameters are taken from it)."""
        if not isinstance(state, dict):
            raise ValueError(f"state must be a dict made by state(), got {type(state).__name__}")
        self._impl.restore_json(json.dumps(state))

    @classmethod
    def from_state(cls, state: Dict[str, Any]):
        """A new detector that continues from `state`."""
        detector = cls()
        detector.restore(state)
        return detector

    @property
    def config(self) -> Dict[str, Any]:
        """The parameters (infinite or NaN values as the strings ``"inf"``, ``"nan"``)."""
        return json.loads(self._impl.config_json)

    @property
    def counters(self) -> Dict[str, int]:
        """``n_updates``, ``n_warnings``, ``n_drifts`` and ``last_drift`` (-1 = none)."""
        i = self._impl
        return {"n_updates": i.n_updates, "n_warnings": i.n_warnings,
                "n_drifts": i.n_drifts, "last_drift": i.last_drift}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"{type(self).__name__}({params})"


class _ErrorRateDetector(_StreamingDetector):
    """Error-rate detectors: x is 1 (wrong prediction) or 0 (right), optionally with its time."""

    def update(self, x: float, prediction_time_s: Optional[float] = None) -> DriftLevel:
        """Feed one label (1 = error, 0 = correct), optionally with its prediction's time (s)."""
        if prediction_time_s is None:
            return self._impl.update(_real(x, "x"))
        return self._impl.update(_real(x, "x"), _real(prediction_time_s, "prediction_time_s"))

    def update_many(self, x: ArrayLike,
                    prediction_time_s: Optional[ArrayLike] = None) -> np.ndarray:
        """Feed labels in prediction order (and their prediction times, s); levels as ``int8``."""
        if prediction_time_s is None:
            return self._impl.update_many(_values(x, "x"))
        return self._impl.update_many(_values(x, "x"),
                                      _values(prediction_time_s, "prediction_time_s"))

    @property
    def warning_since(self) -> int:
        """Update index where the current warning zone began (-1 when not warning)."""
        return self._impl.warning_since

    @property
    def warning_since_s(self) -> float:
        """Prediction time where the current warning zone began (NaN if none or unknown)."""
        return self._impl.warning_since_s

    @property
    def last_drift_s(self) -> float:
        """Prediction time of the label that raised the last drift (NaN if none or unknown)."""
        return self._impl.last_drift_s


class ADWIN(_StreamingDetector):
    """ADWIN: adaptive windowing (Bifet & Gavalda, SDM 2007).

    Keeps a window of recent values in an exponential histogram and, every `clock` updates,
    drops its older part when the means of an older and a newer part differ by more than the
    paper's variance-based bound eps_cut at confidence `delta`. Reports ``drift`` on an update
    that shrank the window; never ``warning``.

    Parameters
    ----------
    delta : float
        Confidence in (0, 1); smaller means fewer false alarms and later detection.
    clock : int
        Check every this many updates (>= 1).
    max_buckets : int
        M, buckets of each size kept before merging (>= 2).
    min_window_length : int
        Minimum values in each part of a cut (>= 1).
    grace_period : int
        No check until the window holds more values than this (>= 0).

    Attributes
    ----------
    width, mean, variance, total, n_buckets
        The window: its length, mean, population variance, sum and histogram size.

    Examples
    --------
    River's documented example gives the same index (1023):

    >>> import random
    >>> rng = random.Random(12345)
    >>> stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    >>> adwin = ADWIN()
    >>> [i for i, v in enumerate(stream) if adwin.update(v) == DriftLevel.drift]
    [1023]
    >>> adwin.width, round(adwin.mean, 2)  # the window forgot the first regime
    (1008, 5.44)
    """

    _core_class = _core.drift.Adwin

    def __init__(self, delta: float = 0.002, clock: int = 32, max_buckets: int = 5,
                 min_window_length: int = 5, grace_period: int = 10) -> None:
        super().__init__(delta=delta, clock=clock, max_buckets=max_buckets,
                         min_window_length=min_window_length, grace_period=grace_period)

    width = property(lambda self: self._impl.width, doc="Values in the window.")
    mean = property(lambda self: self._impl.mean, doc="Mean of the window.")
    variance = property(lambda self: self._impl.variance, doc="Population variance of the window.")
    total = property(lambda self: self._impl.total, doc="Sum of the window.")
    n_buckets = property(lambda self: self._impl.n_buckets, doc="Buckets in the histogram.")


class PageHinkley(_StreamingDetector):
    """Page-Hinkley test (Page 1954), as river's ``drift.PageHinkley``.

    Cumulative deviations from the running mean, less a tolerance `delta`, with forgetting
    factor `alpha`; ``drift`` when they exceed `threshold` (lambda), then the test restarts.

    Parameters
    ----------
    min_instances : int
        No alarm before this many values since the last restart (>= 1).
    delta : float
        Tolerated change of the mean, in the unit of x (>= 0). Scale it to the data: on
        unit-variance noise river's 0.005 leaves the sums a random walk.
    threshold : float
        lambda, in unit of x times samples (> 0).
    alpha : float
        Forgetting factor of the sums, in (0, 1].
    mode : {'both', 'increase', 'decrease'}
        Which direction of change to report (``'up'`` / ``'down'`` also accepted).

    Examples
    --------
    >>> import random
    >>> rng = random.Random(12345)
    >>> stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    >>> ph = PageHinkley()
    >>> [i for i, v in enumerate(stream) if ph.update(v) == DriftLevel.drift]
    [1006]
    >>> PageHinkley(mode="decrease").update_many(stream).max()  # an increase only
    0
    """

    _core_class = _core.drift.PageHinkley

    def __init__(self, min_instances: int = 30, delta: float = 0.005, threshold: float = 50.0,
                 alpha: float = 1 - 0.0001, mode: str = "both") -> None:
        if mode in ("up", "down"):
            mode = {"up": "increase", "down": "decrease"}[mode]
        super().__init__(min_instances=min_instances, delta=delta, threshold=threshold,
                         alpha=alpha, mode=mode)

    mean = property(lambda self: self._impl.mean, doc="Running mean since the last restart.")
    increase_statistic = property(lambda self: self._impl.increase_statistic,
                                  doc="m_up - min(m_up), compared with the threshold.")
    decrease_statistic = property(lambda self: self._impl.decrease_statistic,
                                  doc="max(m_down) - m_down, compared with the threshold.")


class CUSUM(_StreamingDetector):
    """Two-sided tabular CUSUM on standardised values (Montgomery, SQC, section 9.1).

    ``C+ = max(0, C+ + z - k)``, ``C- = max(0, C- - z - k)`` with ``z = (x - mean) / std``;
    ``drift`` when either exceeds `h`, then the sums restart (and estimated parameters are
    estimated again). With k = 0.5, h = 5 the in-control average run length is ~465 values and
    a one-sigma shift is found after ~10.

    Parameters
    ----------
    mean, std : float or None
        In-control mean and standard deviation (std > 0); None estimates them on the first
        `warmup` values (sample mean and std, ddof = 1).
    warmup : int
        Values used to estimate what is None (>= 2).
    k : float
        Slack per sample, in standard deviations (>= 0).
    h : float
        Decision interval, in standard deviations (> 0).
    min_std : float
        Floor of an estimated std (> 0), so a constant warm-up does not divide by zero.

    Examples
    --------
    >>> cusum = CUSUM(mean=10.0, std=2.0)
    >>> [str(cusum.update(v)) for v in [10, 11, 12, 13, 14, 16]][-1]
    'DriftLevel.drift'
    """

    _core_class = _core.drift.Cusum

    def __init__(self, mean: Optional[float] = None, std: Optional[float] = None,
                 warmup: int = 50, k: float = 0.5, h: float = 5.0,
                 min_std: float = 1e-9) -> None:
        super().__init__(mean=mean, std=std, warmup=warmup, k=k, h=h, min_std=min_std)

    mean = property(lambda self: self._impl.mean, doc="In-control mean in use (NaN in warm-up).")
    std = property(lambda self: self._impl.std, doc="In-control std in use (NaN in warm-up).")
    upper_sum = property(lambda self: self._impl.upper_sum, doc="C+, in standard deviations.")
    lower_sum = property(lambda self: self._impl.lower_sum, doc="C-, in standard deviations.")
    in_warmup = property(lambda self: self._impl.in_warmup, doc="Estimating mean / std.")


class KSWIN(_StreamingDetector):
    """KSWIN: Kolmogorov-Smirnov windowing (Raab, Heusinger & Schleif, Neurocomputing 2020).

    Once the sliding window of `window_size` values is full, each update compares its newest
    `stat_size` values with `stat_size` values drawn from the older part (two-sample KS test,
    equal to ``scipy.stats.ks_2samp``); ``drift`` when p <= `alpha` and the statistic exceeds
    `min_statistic`, after which the window keeps only the newest values. Sees changes of
    shape and spread, not only of the mean.

    Parameters
    ----------
    alpha : float
        Significance of each test, in (0, 1).
    window_size : int
        Length of the sliding window (>= 2 * stat_size).
    stat_size : int
        Size of each compared sample (>= 1).
    min_statistic : float
        The KS statistic must also exceed this (river's guard), in [0, 1).
    seed : int
        Seed of the draw (std::mt19937_64): same seed, same alarms on every platform.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.zeros(300), np.ones(100)]
    >>> kswin = KSWIN(seed=1)
    >>> int(np.flatnonzero(kswin.update_many(x) == 2)[0])
    313
    >>> kswin.p_value <= 1.0
    True
    """

    _core_class = _core.drift.Kswin

    def __init__(self, alpha: float = 0.005, window_size: int = 100, stat_size: int = 30,
                 min_statistic: float = 0.1, seed: int = 0) -> None:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) \
                or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        super().__init__(alpha=alpha, window_size=window_size, stat_size=stat_size,
                         min_statistic=min_statistic, seed=seed)

    p_value = property(lambda self: self._impl.p_value, doc="p-value of the last test.")
    statistic = property(lambda self: self._impl.statistic, doc="KS statistic of the last test.")
    window_count = property(lambda self: self._impl.window_count, doc="Values in the window.")


class DDM(_ErrorRateDetector):
    """DDM: drift detection method (Gama, Medas, Castillo & Rodrigues, SBIA 2004).

    Tracks the error rate p and s = sqrt(p (1 - p) / n); ``warning`` when p + s exceeds
    p_min + `warning_level` s_min, ``drift`` beyond p_min + `drift_level` s_min (then it
    restarts), after `min_instances` labels.

    Parameters
    ----------
    min_instances : int
        Labels before any test (>= 1).
    warning_level, drift_level : float
        Multiples of s_min (> 0, drift_level >= warning_level).

    Examples
    --------
    River's documented example gives the same indices:

    >>> import random
    >>> rng = random.Random(42)
    >>> errors = rng.choices([0, 1], k=1000) + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
    >>> levels = DDM().update_many(errors)
    >>> import numpy as np
    >>> int(np.flatnonzero(levels == 1)[0]), np.flatnonzero(levels == 2).tolist()
    (1084, [1334])
    """

    _core_class = _core.drift.Ddm

    def __init__(self, min_instances: int = 30, warning_level: float = 2.0,
                 drift_level: float = 3.0) -> None:
        super().__init__(min_instances=min_instances, warning_level=warning_level,
                         drift_level=drift_level)

    error_rate = property(lambda self: self._impl.error_rate, doc="Error rate since restart.")
    p_min = property(lambda self: self._impl.p_min, doc="p where p + s was smallest.")
    s_min = property(lambda self: self._impl.s_min, doc="s where p + s was smallest.")


class EDDM(_ErrorRateDetector):
    """EDDM: early drift detection method (Baena-Garcia et al., IWKDDS 2006).

    Follows the distance between consecutive errors (mean p', std s'); at each error, once
    `min_instances` labels and more than `min_errors` errors were seen, ``warning`` when
    (p' + 2 s') / max(p' + 2 s') < `alpha` and ``drift`` when < `beta`.

    Parameters
    ----------
    min_instances : int
        Labels before any test (>= 1).
    min_errors : int
        Errors needed (strictly more) before an alarm (>= 1).
    alpha, beta : float
        Warning and drift ratios in (0, 1), beta <= alpha.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> errors = rng.choices([0, 1], k=1000) + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
    >>> levels = EDDM(alpha=0.8, beta=0.75).update_many(errors)
    >>> import numpy as np
    >>> int(np.flatnonzero(levels == 1)[0]), np.flatnonzero(levels == 2).tolist()
    (1059, [1278])
    """

    _core_class = _core.drift.Eddm

    def __init__(self, min_instances: int = 30, min_errors: int = 30, alpha: float = 0.95,
                 beta: float = 0.9) -> None:
        super().__init__(min_instances=min_instances, min_errors=min_errors, alpha=alpha,
                         beta=beta)

    mean_distance = property(lambda self: self._impl.mean_distance,
                             doc="Mean distance between errors since the last drift.")


class HDDMA(_ErrorRateDetector):
    """HDDM_A: Hoeffding-bound drift detection with the A-test (Frias-Blanco et al., TKDE 2015).

    Compares the error rate since the restart with the rate of the best prefix, with
    Hoeffding bounds; ``warning`` / ``drift`` at `warning_confidence` / `drift_confidence`.
    One-sided (an increase of the error rate) unless `two_sided`.

    Parameters
    ----------
    drift_confidence : float
        Significance of a drift, in (0, 1).
    warning_confidence : float
        Significance of a warning, in [drift_confidence, 1).
    two_sided : bool
        Also report a decrease of the error rate.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> errors = rng.choices([0, 1], k=1000) + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
    >>> levels = HDDMA().update_many(errors, prediction_time_s=range(2000))
    >>> import numpy as np
    >>> int(np.flatnonzero(levels == 1)[0]), np.flatnonzero(levels == 2).tolist()
    (451, [1206])
    >>> HDDMA().last_drift_s
    nan
    """

    _core_class = _core.drift.HddmA

    def __init__(self, drift_confidence: float = 0.001, warning_confidence: float = 0.005,
                 two_sided: bool = False) -> None:
        if not isinstance(two_sided, (bool, np.bool_)):
            raise ValueError(f"two_sided must be True or False, got {two_sided!r}")
        super().__init__(drift_confidence=drift_confidence,
                         warning_confidence=warning_confidence, two_sided=bool(two_sided))

    error_rate = property(lambda self: self._impl.error_rate, doc="Error rate since restart.")


# --- Batch two-sample tests (python/ecgad/_drift_batch.py) ---------------------------------
from ._drift_batch import *  # noqa: E402,F401,F403
from ._drift_batch import __all__ as _batch_all  # noqa: E402

__all__ += _batch_all


# --- Drift monitor (include/ecgad/drift/monitor.hpp, bindings/bind_monitor.cpp) -----------------
_GRADES = {"good": 0, "acceptable": 1, "unusable": 2}


def _grade_codes(grade: Any, n: int) -> np.ndarray:
    """Quality grades as 0 (good), 1 (acceptable), 2 (unusable) from names or integers."""
    g = np.asarray(grade)
    if g.ndim == 0:
        g = np.full(n, g.item(), dtype=object)
    if g.shape != (n,):
        raise ValueError(f"quality_grade must have shape ({n},), got {g.shape}")
    if g.dtype.kind in "iu":
        return g.astype(np.int32)
    try:
        return np.array([_GRADES[str(x)] for x in g], dtype=np.int32)
    except KeyError as e:
        raise ValueError(f"quality_grade must be 'good', 'acceptable' or 'unusable' (or 0, 1, 2), "
                         f"got {e.args[0]!r}") from None


def _column(x: ArrayLike, name: str, n: Optional[int] = None) -> np.ndarray:
    a = _real_array(x, name)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    a = np.ascontiguousarray(a, dtype=np.float64)
    if a.ndim != 1 or (n is not None and a.shape[0] != n):
        want = f"({n},)" if n is not None else "(n,)"
        raise ValueError(f"{name} must be a 1-D float array of shape {want}, got shape {a.shape}")
    return a


def _rows(x: Optional[ArrayLike], n: int, name: str, columns: str) -> Optional[np.ndarray]:
    """`x` as a C-contiguous float32 (n, columns) array, or None when it is None."""
    if x is None:
        return None
    a = np.ascontiguousarray(_real_array(x, name), dtype=np.float32)
    if a.ndim != 2 or a.shape[0] != n:
        raise ValueError(f"{name} must be a 2-D array of shape ({n}, {columns}), "
                         f"got shape {a.shape}")
    return a


def _row(x: Optional[ArrayLike], name: str, what: str) -> Optional[np.ndarray]:
    """One beat's `x` as a C-contiguous float32 vector, or None when it is None."""
    if x is None:
        return None
    a = np.ascontiguousarray(_real_array(x, name), dtype=np.float32)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D float32 {what}, got shape {a.shape}")
    return a


class Monitor:
    """The drift monitor: one object watching a scored beat stream as production does.

    Per beat it watches the anomaly score (its reference CDF), heart rate, |R amplitude| (log
    ratio) and signal quality, each as a running median compared by a CUSUM with the
    reference in units of a tolerance — the smallest change worth an alert (gain 50 %,
    20 bpm, quality 0.4, the score's low quantile by 0.45 of its reference CDF, template
    correlation 0.2; heart rate and score need a change to last ~1.5 minutes, the sensor-side
    channels react in seconds) — plus polarity, morphology (the beats' correlation with the
    reference template beat, when beats are given), the latent code (ADWIN on its distance to
    the reference code) and, when reviewer labels arrive, the error rate (DDM, HDDM_A).
    Everything is compared with a reference fitted on training or calibration beats, or on
    the stream's own first minutes (:meth:`fit_reference`; the model bundle's
    ``drift_reference``). Alerts say what drifted (``kind``), ``since_s``, ``detected_s``,
    ``strength`` (signed change in tolerances; the score's in reference std), ``shape``
    (``sudden`` / ``gradual``), ``cause`` (``sensor_fault``, ``physiological``, ``unknown``)
    and ``action`` (``check_sensor``, ``recalibrate_threshold``, ``retrain``, ``none_yet``).
    ``docs/drift.md`` ("Monitor") gives the rules and ``benchmarks/eval_drift.py`` measures
    them on MIT-BIH.

    Parameters
    ----------
    reference : dict
        A reference made by :meth:`fit_reference` (or read from a bundle).
    **params
        Monitor parameters to change from their defaults (``cooldown_s=300``,
        ``history_beats=512``, ``recent_beats=16``, ``sudden_fraction=0.5``...; nested detector
        settings as dicts, e.g. ``heart_rate_cusum={"h": 20}``). Unknown names raise
        ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> def beats(n):
    ...     return dict(score=0.1 * np.exp(0.3 * rng.standard_normal(n)),
    ...                 heart_rate_bpm=70 + 2 * rng.standard_normal(n),
    ...                 r_amplitude_mv=1.2 + 0.05 * rng.standard_normal(n),
    ...                 quality_score=np.clip(0.9 + 0.03 * rng.standard_normal(n), 0, 1))
    >>> ref = Monitor.fit_reference(**beats(2000))
    >>> monitor = Monitor(ref)
    >>> b = beats(3000)
    >>> b["r_amplitude_mv"][1500:] *= 2.0          # amplifier gain doubles at beat 1500
    >>> t = np.cumsum(60.0 / b["heart_rate_bpm"])
    >>> monitor.update_many(time_s=t, quality_grade="good", **b)
    1
    >>> a = monitor.alerts[0]
    >>> a["kind"], a["shape"], a["cause"], a["action"]
    ('amplitude', 'sudden', 'sensor_fault', 'check_sensor')
    >>> bool(abs(a["since_s"] - t[1500]) < 2.0)
    True
    >>> monitor.summary()["n_beats"]
    3000
    """

    def __init__(self, reference: Dict[str, Any], **params: Any) -> None:
        if not isinstance(reference, dict):
            raise ValueError("reference must be a dict made by Monitor.fit_reference(), got "
                             f"{type(reference).__name__}")
        flat = {k: v for k, v in params.items() if not isinstance(v, dict)}
        out = json.loads(_params_json(flat))
        for key, value in params.items():
            if isinstance(value, dict):  # a nested detector's settings
                out[key] = json.loads(_params_json(value))
        self._impl = _core.drift.Monitor(json.dumps(reference), json.dumps(out))
        self._callback = None

    @staticmethod
    def fit_reference(score: ArrayLike, heart_rate_bpm: ArrayLike, r_amplitude_mv: ArrayLike,
                      quality_score: ArrayLike,
                      latent: Optional[ArrayLike] = None,
                      beats: Optional[ArrayLike] = None) -> Dict[str, Any]:
        """Reference statistics of n >= 30 training/calibration beats, as a JSON-ready dict.

        101 score quantiles (numpy's linear method), mean/std of heart rate (bpm), |R amplitude|
        (mV), quality score and each latent dimension, polarity, latent-distance mean/std, and
        with `beats` (n, samples) the mean beat: polarity is then read from each beat's
        correlation with it (pass ``beat``/``beats`` to :meth:`update`/:meth:`update_many`).

        >>> import numpy as np
        >>> ref = Monitor.fit_reference(np.arange(100.0), np.full(100, 60.0),
        ...                             np.ones(100), np.full(100, 0.9))
        >>> ref["score_quantiles"][50], ref["polarity"]
        (49.5, 1)
        """
        s = _column(score, "score")
        n = s.shape[0]
        return json.loads(_core.drift.fit_monitor_reference(
            s, _column(heart_rate_bpm, "heart_rate_bpm", n),
            _column(r_amplitude_mv, "r_amplitude_mv", n), _column(quality_score, "quality_score", n),
            _rows(latent, n, "latent", "dims"), _rows(beats, n, "beats", "samples")))

    def update(self, time_s: float, score: float, heart_rate_bpm: float, r_amplitude_mv: float,
               quality_score: float, quality_grade: Union[str, int] = "good",
               p_value: Optional[float] = None, predicted_anomaly: bool = False,
               latent: Optional[ArrayLike] = None, rr_s: Optional[float] = None,
               premature: bool = False, beat: Optional[ArrayLike] = None) -> int:
        """One beat (times in s, strictly increasing); returns the number of alerts it raised.

        `heart_rate_bpm` may be NaN when `rr_s` (s) is given. `premature` is the host's ectopy
        flag (e.g. RR < 0.85 x the running median RR): such a beat's R amplitude stays out of
        the amplitude and polarity channels. `beat` (samples,) is read for polarity when the
        reference has a template beat. Bad values raise ValueError.

        >>> import numpy as np
        >>> m = Monitor(Monitor.fit_reference(np.linspace(0, 1, 50), np.full(50, 60.0),
        ...                                   np.ones(50), np.full(50, 0.9)))
        >>> m.update(1.0, 0.5, 60.0, 1.0, 0.9)
        0
        >>> try:
        ...     m.update(0.5, 0.5, 60.0, 1.0, 0.9)
        ... except ValueError as e:
        ...     print(e)
        monitor.update: time_s must increase from beat to beat; got 0.5 s after 1 s
        """
        code = int(_grade_codes(quality_grade, 1)[0])
        return self._impl.update(
            _real(time_s, "time_s"), _real(score, "score"), _real(heart_rate_bpm, "heart_rate_bpm"),
            _real(r_amplitude_mv, "r_amplitude_mv"), _real(quality_score, "quality_score"), code,
            math.nan if p_value is None else _real(p_value, "p_value"),
            math.nan if rr_s is None else _real(rr_s, "rr_s"), bool(predicted_anomaly),
            _row(latent, "latent", "code"), bool(premature), _row(beat, "beat", "array of samples"))

    def update_many(self, time_s: ArrayLike, score: ArrayLike, heart_rate_bpm: ArrayLike,
                    r_amplitude_mv: ArrayLike, quality_score: ArrayLike,
                    quality_grade: Any = "good", p_value: Optional[ArrayLike] = None,
                    predicted_anomaly: Optional[ArrayLike] = None,
                    latent: Optional[ArrayLike] = None,
                    premature: Optional[ArrayLike] = None,
                    beats: Optional[ArrayLike] = None) -> int:
        """Many beats in order (equal to :meth:`update` on each); returns the alerts raised.

        Arrays of shape (n,); `quality_grade` a name, a code or an array of them; `latent`
        (n, dims) float32; `premature` bool (n,) or None (no beat premature); `beats`
        (n, samples) or None.
        """
        t = _column(time_s, "time_s")
        n = t.shape[0]
        p = np.full(n, np.nan) if p_value is None else _column(p_value, "p_value", n)
        pred = (np.zeros(n, dtype=bool) if predicted_anomaly is None
                else np.ascontiguousarray(predicted_anomaly, dtype=bool))
        if pred.shape != (n,):
            raise ValueError(f"predicted_anomaly must have shape ({n},), got {pred.shape}")
        early = None
        if premature is not None:
            early = np.ascontiguousarray(premature, dtype=bool)
            if early.shape != (n,):
                raise ValueError(f"premature must have shape ({n},), got {early.shape}")
        return self._impl.update_many(
            t, _column(score, "score", n), _column(heart_rate_bpm, "heart_rate_bpm", n),
            _column(r_amplitude_mv, "r_amplitude_mv", n), _column(quality_score, "quality_score", n),
            _grade_codes(quality_grade, n), p, pred, _rows(latent, n, "latent", "dims"), early,
            _rows(beats, n, "beats", "samples"))

    def update_label(self, beat_time_s: float, is_anomaly: bool, predicted_anomaly: bool) -> int:
        """A reviewer's late label for a beat already seen (labels in beat order)."""
        return self._impl.update_label(_real(beat_time_s, "beat_time_s"), bool(is_anomaly),
                                       bool(predicted_anomaly))

    @property
    def alerts(self) -> list:
        """Every alert since construction or reset, oldest first, as dicts."""
        return json.loads(self._impl.alerts_json())

    def summary(self) -> Dict[str, Any]:
        """Counts, ``alerts_per_hour``, ``anomalies_per_hour`` (NaN as ``"nan"``), ``status``."""
        return json.loads(self._impl.summary_json())

    def set_alert_callback(self, callback) -> None:
        """Call ``callback(alert_dict)`` on every alert, inside update(); None removes it."""
        if callback is None:
            self._impl.set_alert_callback(None)
        elif not callable(callback):
            raise ValueError(f"callback must be callable or None, got {type(callback).__name__}")
        else:
            self._impl.set_alert_callback(lambda text: callback(json.loads(text)))
        self._callback = callback

    def reset(self) -> None:
        """Forget the stream; keep reference, parameters and callback."""
        self._impl.reset()

    def state(self) -> Dict[str, Any]:
        """The whole state (reference and parameters included) as a JSON-ready dict."""
        return json.loads(self._impl.save_json())

    def restore(self, state: Dict[str, Any]) -> None:
        """Continue exactly from a :meth:`state`; a bad state raises ValueError, changes nothing."""
        if not isinstance(state, dict):
            raise ValueError(f"state must be a dict made by state(), got {type(state).__name__}")
        self._impl.restore_json(json.dumps(state))

    @property
    def reference(self) -> Dict[str, Any]:
        """The reference statistics in use."""
        return json.loads(self._impl.reference_json)

    @property
    def config(self) -> Dict[str, Any]:
        """All parameters, nested detector settings included."""
        return json.loads(self._impl.config_json)


__all__ += ["Monitor"]
