"""Threshold calibration: from anomaly scores to decisions.

From scores of normal calibration data (no labels):

* :func:`mean_std_threshold` (the TensorFlow tutorial's ``mean + k * std``),
  :func:`quantile_threshold` (``numpy.quantile``), :func:`mad_threshold` (``median + k * MAD``);
* :func:`target_fpr_threshold`: a false-positive rate guaranteed in finite samples (the
  split-conformal quantile);
* :class:`ConformalCalibrator`: conformal p-values, Benjamini-Hochberg selection over a batch and
  an *uncertain* band routed to human review;
* :func:`fit_pot` / :class:`Pot`: the extreme-value tail (peaks over threshold with a generalised
  Pareto fit) for thresholds and p-values far beyond the calibration set; options: a log
  transform for positive scores and a Weibull-type excess law (:func:`fit_weibull_tail`) for
  Gaussian-like and, with the log transform, log-normal-like scores (reconstruction errors);
* :class:`Spot`: the streaming SPOT / DSPOT detectors (Siffer et al., KDD 2017).

With labels: :func:`f_beta_threshold`, :func:`youden_threshold`. Across tests:
:func:`bonferroni`, :func:`benjamini_hochberg` (statsmodels' ``multipletests`` semantics).

A score is anomalous when ``score > threshold``. Every threshold is a :class:`Threshold`
``(method, value, parameters)``; it and every fitted object serialise to the same JSON as the
C++ library (``to_json`` / ``from_json``), so they travel in the model bundle.

Errors are :class:`ecgad.InvalidArgument` (a :class:`ValueError`) naming the bad value, or a
plain :class:`ValueError` for a wrong shape or dtype.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, NamedTuple, Sequence, Union

import numpy as np

from . import _core
from ._arrays import one_column, real_array

__all__ = [
    "ConformalCalibrator",
    "GpdFit",
    "MultipleTestingResult",
    "WeibullTailFit",
    "Pot",
    "Spot",
    "Threshold",
    "benjamini_hochberg",
    "bonferroni",
    "f_beta_threshold",
    "fit_gpd",
    "fit_pot",
    "fit_weibull_tail",
    "gpd_loglik",
    "mad_threshold",
    "mean_std_threshold",
    "quantile_threshold",
    "target_fpr_threshold",
    "weibull_tail_loglik",
    "youden_threshold",
]

ArrayLike = Union[np.ndarray, Sequence[float]]

#: Decision codes of :meth:`ConformalCalibrator.decide`.
NORMAL, UNCERTAIN, ANOMALOUS = 0, 1, 2
#: Event codes of :meth:`Spot.update` / :meth:`Spot.process`.
CALIBRATING, SPOT_NORMAL, PEAK, ALARM = 0, 1, 2, 3


def _vector(x: ArrayLike, name: str) -> np.ndarray:
    """`x` as a 1-D float64 C-contiguous array, converted once (values are checked in C++);
    one column ``(n, 1)`` is read as scikit-learn's ``column_or_1d`` reads it."""
    a = one_column(real_array(x, name))
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (n,) (or one column, (n, 1)), "
                         f"got shape {a.shape}")
    return np.ascontiguousarray(a, dtype=np.float64)


def _labelled(y_true: ArrayLike, scores: ArrayLike):
    y = _vector(y_true, "y_true")
    s = _vector(scores, "scores")
    if y.shape != s.shape:
        raise ValueError(f"y_true has shape {y.shape} but scores has shape {s.shape}; expected "
                         "one score per label")
    return y, s


@dataclass(frozen=True)
class Threshold:
    """A calibrated threshold: the rule, its value and its parameters.

    Parameters
    ----------
    method : str
        The rule, e.g. ``"mean_std"``, ``"quantile"``, ``"median_mad"``, ``"target_fpr"``,
        ``"pot"``, ``"f_beta"``, ``"youden"``.
    value : float
        The threshold in score units; a score is anomalous when ``score > value``.
    parameters : dict of str to float
        The rule's inputs (``k``, ``alpha``, ``q``...) and descriptive figures (``n``...).

    Examples
    --------
    >>> t = Threshold("quantile", 2.5, {"level": 0.99, "n": 1000.0})
    >>> t.is_anomalous([2.0, 2.5, 3.0])
    array([False, False,  True])
    >>> Threshold.from_json(t.to_json()) == t
    True
    """

    method: str
    value: float
    parameters: Dict[str, float] = field(default_factory=dict)

    def is_anomalous(self, scores: ArrayLike) -> np.ndarray:
        """``scores > value`` as a boolean array."""
        return np.asarray(scores, dtype=np.float64) > self.value

    def to_json(self) -> Dict[str, Any]:
        """The JSON document (as a dict) that the C++ ``Threshold::to_json`` writes."""
        return json.loads(_core.calibrate.threshold_to_json(self.method, float(self.value),
                                                            dict(self.parameters)))

    @classmethod
    def from_json(cls, document: Union[Dict[str, Any], str]) -> "Threshold":
        """Reads a document written by :meth:`to_json` (or by C++); :class:`ecgad.FormatError`
        when malformed."""
        text = document if isinstance(document, str) else json.dumps(document)
        return cls._from_core(_core.calibrate.threshold_from_json(text))

    @classmethod
    def _from_core(cls, t) -> "Threshold":
        method, value, parameters = t
        return cls(method, float(value), dict(parameters))


class MultipleTestingResult(NamedTuple):
    """Outcome of a multiple-testing correction (:func:`bonferroni`,
    :func:`benjamini_hochberg`), in input order; unpacks as ``rejected, adjusted``.

    Attributes
    ----------
    rejected : numpy.ndarray
        bool ``(m,)``: the null hypothesis is rejected.
    adjusted : numpy.ndarray
        float64 ``(m,)``: adjusted p-values in ``[0, 1]``.

    Examples
    --------
    >>> rejected, adjusted = bonferroni([0.01, 0.04, 0.3], alpha=0.05)
    >>> rejected
    array([ True, False, False])
    >>> adjusted
    array([0.03, 0.12, 0.9 ])
    """

    rejected: np.ndarray
    adjusted: np.ndarray


def bonferroni(pvalues: ArrayLike, alpha: float = 0.05) -> MultipleTestingResult:
    """Bonferroni correction (``statsmodels multipletests(..., method='bonferroni')``).

    Parameters
    ----------
    pvalues : array_like of shape (m,)
        p-values in ``[0, 1]``.
    alpha : float
        Family-wise error rate, in ``(0, 1)``.

    Returns
    -------
    MultipleTestingResult
        ``rejected = p <= alpha / m`` and ``adjusted = min(1, p * m)``.

    Examples
    --------
    >>> r = bonferroni([0.01, 0.02, 0.5], alpha=0.05)
    >>> r.rejected
    array([ True, False, False])
    >>> r.adjusted
    array([0.03, 0.06, 1.  ])
    """
    rejected, adjusted = _core.calibrate.multiple_testing(_vector(pvalues, "pvalues"),
                                                          float(alpha), "bonferroni")
    return MultipleTestingResult(rejected, adjusted)


def benjamini_hochberg(pvalues: ArrayLike, alpha: float = 0.05) -> MultipleTestingResult:
    """Benjamini-Hochberg step-up procedure (``multipletests(..., method='fdr_bh')``).

    Parameters
    ----------
    pvalues : array_like of shape (m,)
        p-values in ``[0, 1]``.
    alpha : float
        False discovery rate, in ``(0, 1)``.

    Returns
    -------
    MultipleTestingResult
        The rejections (the ``k`` smallest p-values, ``k`` the largest rank with
        ``p_(k) <= alpha k / m``) and the monotone adjusted p-values, clipped to 1.

    Examples
    --------
    >>> r = benjamini_hochberg([0.07, 0.5, 0.06, 0.001], alpha=0.1)
    >>> r.rejected
    array([ True, False,  True,  True])
    >>> np.round(r.adjusted, 4)
    array([0.0933, 0.5   , 0.0933, 0.004 ])
    """
    rejected, adjusted = _core.calibrate.multiple_testing(_vector(pvalues, "pvalues"),
                                                          float(alpha), "fdr_bh")
    return MultipleTestingResult(rejected, adjusted)


def mean_std_threshold(scores: ArrayLike, k: float = 1.0, ddof: int = 0) -> Threshold:
    """``mean(scores) + k * std(scores)``, the TensorFlow autoencoder tutorial's rule.

    Parameters
    ----------
    scores : array_like of shape (n,)
        Anomaly scores of normal calibration data, finite.
    k : float
        Number of standard deviations (1 in the tutorial).
    ddof : {0, 1}
        0: population std (``numpy.std``'s default and the tutorial's); 1: sample std.

    Returns
    -------
    Threshold
        ``method="mean_std"``, parameters ``k, ddof, mean, std, n``.

    Examples
    --------
    >>> mean_std_threshold([1.0, 2.0, 3.0, 4.0]).value  # 2.5 + sqrt(1.25)
    3.618033988749895
    """
    return Threshold._from_core(
        _core.calibrate.mean_std_threshold(_vector(scores, "scores"), float(k), int(ddof)))


def quantile_threshold(scores: ArrayLike, level: float) -> Threshold:
    """The empirical quantile, equal to ``numpy.quantile(scores, level)`` (linear method).

    Parameters
    ----------
    scores : array_like of shape (n,)
        Anomaly scores of normal calibration data, finite.
    level : float
        Quantile level in ``[0, 1]`` (a percentile divided by 100).

    Returns
    -------
    Threshold
        ``method="quantile"``, parameters ``level, n``.

    Examples
    --------
    >>> quantile_threshold([1.0, 2.0, 3.0, 4.0], 0.9).value
    3.7
    """
    return Threshold._from_core(
        _core.calibrate.quantile_threshold(_vector(scores, "scores"), float(level)))


def mad_threshold(scores: ArrayLike, k: float = 3.0) -> Threshold:
    """Robust ``median + k * 1.4826 * MAD`` (MAD scaled as
    ``scipy.stats.median_abs_deviation(scale='normal')``).

    A few anomalies in the calibration data barely move it, unlike mean + k std.

    Parameters
    ----------
    scores : array_like of shape (n,)
        Anomaly scores, finite.
    k : float
        Number of scaled MADs (3, Leys et al. 2013's "moderately conservative" cut).

    Returns
    -------
    Threshold
        ``method="median_mad"``, parameters ``k, median, mad, n``.

    Examples
    --------
    >>> t = mad_threshold([1.0, 2.0, 3.0, 4.0, 100.0], k=2.0)
    >>> round(t.value, 6)  # median 3, MAD 1 -> 3 + 2 * 1.4826
    5.965204
    """
    return Threshold._from_core(_core.calibrate.mad_threshold(_vector(scores, "scores"),
                                                              float(k)))


def target_fpr_threshold(scores: ArrayLike, alpha: float) -> Threshold:
    """Threshold with a finite-sample false-positive guarantee (split-conformal quantile).

    The ``ceil((n + 1)(1 - alpha))``-th smallest calibration score: a new normal score
    (exchangeable with the calibration ones) exceeds it with probability at most ``alpha`` (and
    at least ``alpha - 1/(n+1)`` without ties).

    Parameters
    ----------
    scores : array_like of shape (n,)
        Anomaly scores of normal calibration data held out from training, finite.
    alpha : float
        Target false-positive rate, ``1/(n+1) <= alpha < 1``; smaller rates cannot be
        guaranteed with ``n`` scores (use :func:`fit_pot` for those).

    Returns
    -------
    Threshold
        ``method="target_fpr"``, parameters ``alpha, rank, n``.

    Examples
    --------
    >>> target_fpr_threshold(np.arange(1.0, 10.0), 0.2).value  # rank ceil(10 * 0.8) = 8
    8.0
    >>> target_fpr_threshold(np.arange(1.0, 10.0), 0.05)
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: target_fpr_threshold: alpha = 0.050000000000000003 is below 1/(n+1) = 0.10000000000000001 for n = 9 calibration scores; a rate that small cannot be guaranteed: expected alpha >= 1/(n+1) or at least 19 calibration scores (or use the extreme-value tail, calibrate/pot.hpp)
    """
    return Threshold._from_core(
        _core.calibrate.target_fpr_threshold(_vector(scores, "scores"), float(alpha)))


def f_beta_threshold(y_true: ArrayLike, scores: ArrayLike, beta: float = 1.0) -> Threshold:
    """The threshold maximising F-beta over the distinct scores (labels 0/1).

    Parameters
    ----------
    y_true : array_like of shape (n,)
        Labels, 0 (normal) or 1 (anomaly); both present.
    scores : array_like of shape (n,)
        Anomaly scores, finite.
    beta : float
        > 0; 1 is F1, 2 weighs recall more, 0.5 precision.

    Returns
    -------
    Threshold
        ``method="f_beta"``; ``value`` lies between the best cut and the next lower score;
        parameters ``beta, f_beta, precision, recall, cut`` (the lowest anomalous score).

    Examples
    --------
    >>> t = f_beta_threshold([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    >>> t.value, round(t.parameters["f_beta"], 4)
    (0.25, 0.8571)
    """
    y, s = _labelled(y_true, scores)
    return Threshold._from_core(_core.calibrate.f_beta_threshold(y, s, float(beta)))


def youden_threshold(y_true: ArrayLike, scores: ArrayLike) -> Threshold:
    """The threshold maximising Youden's J = TPR - FPR over the distinct scores.

    Parameters
    ----------
    y_true : array_like of shape (n,)
        Labels, 0 (normal) or 1 (anomaly); both present.
    scores : array_like of shape (n,)
        Anomaly scores, finite.

    Returns
    -------
    Threshold
        ``method="youden"``; parameters ``youden_j, tpr, fpr, cut``. Ties go to the higher cut.

    Examples
    --------
    >>> t = youden_threshold([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    >>> round(t.value, 6), round(t.parameters["youden_j"], 4)
    (0.6, 0.6667)
    """
    y, s = _labelled(y_true, scores)
    return Threshold._from_core(_core.calibrate.youden_threshold(y, s))


class GpdFit(NamedTuple):
    """A generalised Pareto fit, as ``scipy.stats.genpareto(c=shape, scale=scale)``; made by
    :func:`fit_gpd` and :attr:`Pot.gpd`.

    Attributes
    ----------
    shape : float
        gamma (xi), scipy's ``c``.
    scale : float
        sigma > 0.
    loglik : float
        Log-likelihood of the excesses.
    method : str
        ``"grimshaw"`` (maximum likelihood) or ``"moments"`` (the fallback).
    n_excesses : int
        Number of excesses fitted.

    Examples
    --------
    >>> y = np.random.default_rng(0).exponential(2.0, 5000)   # a GPD: shape 0, scale 2
    >>> fit = fit_gpd(y)
    >>> fit.method, fit.n_excesses
    ('grimshaw', 5000)
    >>> bool(abs(fit.shape) < 0.05), bool(abs(fit.scale / 2.0 - 1) < 0.05)
    (True, True)
    """

    shape: float
    scale: float
    loglik: float
    method: str
    n_excesses: int


def fit_gpd(excesses: ArrayLike) -> GpdFit:
    """Fits a GPD to threshold excesses: Grimshaw's maximum likelihood (the profile-likelihood
    roots, as in Siffer et al. 2017), method of moments as a fallback, the better likelihood
    kept.

    Parameters
    ----------
    excesses : array_like of shape (n,)
        Finite excesses > 0, at least 2, not all equal.

    Returns
    -------
    GpdFit

    Examples
    --------
    >>> from scipy import stats
    >>> y = stats.genpareto.rvs(0.2, scale=1.0, size=2000, random_state=1)
    >>> fit = fit_gpd(y)
    >>> c, _, s = stats.genpareto.fit(y, floc=0)
    >>> bool(fit.loglik >= stats.genpareto.logpdf(y, c, scale=s).sum() - 1e-6)
    True
    """
    return GpdFit(*_core.calibrate.fit_gpd(_vector(excesses, "excesses")))


def gpd_loglik(excesses: ArrayLike, shape: float, scale: float) -> float:
    """Sum of ``scipy.stats.genpareto.logpdf(excesses, shape, scale=scale)``; ``-inf`` outside
    the support.

    Examples
    --------
    >>> round(gpd_loglik([1.0, 2.0], 0.0, 1.0), 6)  # exponential: -(1 + 2)
    -3.0
    """
    return float(_core.calibrate.gpd_loglik(_vector(excesses, "excesses"), float(shape),
                                            float(scale)))


class WeibullTailFit(NamedTuple):
    """A Weibull-type tail over a threshold at distance ``threshold_offset`` = u_t > 0 from the
    centre: ``P(Y > y) = exp(-(B(u_t + y) - B(u_t)) / scale)``, ``B(u) = (u**exponent - 1) /
    exponent`` (log at 0). Exponent 2: Gaussian-like tail, 1: exponential, 0: Pareto. Made by
    :func:`fit_weibull_tail` and :attr:`Pot.weibull`.

    Attributes
    ----------
    exponent : float
        The tail exponent, in ``[0, 8]``.
    scale : float
        The scale, > 0.
    threshold_offset : float
        ``u_t > 0``, the threshold's distance from the centre.
    loglik : float
        Log-likelihood of the excesses.
    n_excesses : int
        Number of excesses fitted.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal(100_000)
    >>> t, m = np.quantile(x, 0.98), np.median(x)
    >>> y = x[x > t] - t
    >>> fit = fit_weibull_tail(y, t - m)
    >>> fit.n_excesses, bool(fit.threshold_offset == t - m)
    (2000, True)
    >>> def survival(v):                     # the model's P(Y > v)
    ...     b = lambda u: (u ** fit.exponent - 1) / fit.exponent
    ...     return np.exp(-(b(fit.threshold_offset + v) - b(fit.threshold_offset)) / fit.scale)
    >>> round(float(survival(0.5)), 2), round(float(np.mean(y > 0.5)), 2)   # model, data
    (0.28, 0.27)
    """

    exponent: float
    scale: float
    threshold_offset: float
    loglik: float
    n_excesses: int


def fit_weibull_tail(excesses: ArrayLike, threshold_offset: float) -> WeibullTailFit:
    """Maximum-likelihood Weibull-type tail (Gardes & Girard 2005's family; the alternative to
    the GPD for slowly converging Gumbel-domain tails, see :func:`fit_pot`).

    Parameters
    ----------
    excesses : array_like of shape (n,)
        Finite excesses ``y > 0`` over the threshold, at least 2, not all equal.
    threshold_offset : float
        ``u_t > 0``, the threshold's distance from the centre (e.g. ``t - median``).

    Returns
    -------
    WeibullTailFit
        The exponent in ``[0, 8]`` maximising the profile likelihood (to 1e-10) and the scale's
        closed-form MLE.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> x = g.standard_normal(200_000)
    >>> t, m = np.quantile(x, 0.98), np.median(x)
    >>> fit = fit_weibull_tail(x[x > t] - t, t - m)
    >>> bool(1.6 < fit.exponent < 2.2)    # Gaussian tail: exponent near 2
    True
    >>> bool(abs(fit.loglik - weibull_tail_loglik(x[x > t] - t, fit.exponent, fit.scale,
    ...                                           t - m)) < 1e-6)
    True
    """
    return WeibullTailFit(*_core.calibrate.fit_weibull_tail(_vector(excesses, "excesses"),
                                                            float(threshold_offset)))


def weibull_tail_loglik(excesses: ArrayLike, exponent: float, scale: float,
                        threshold_offset: float) -> float:
    """Log-likelihood of excesses under a Weibull-type tail (density of ``y``); ``-inf``
    outside the parameter space.

    Examples
    --------
    >>> round(weibull_tail_loglik([1.0, 2.0], 1.0, 1.0, 0.5), 6)  # exponent 1: exponential
    -3.0
    """
    return float(_core.calibrate.weibull_tail_loglik(_vector(excesses, "excesses"),
                                                     float(exponent), float(scale),
                                                     float(threshold_offset)))


class Pot:
    """Peaks-over-threshold tail model: ``t`` = the ``level`` quantile, a tail law on the
    excesses (GPD by default; see :func:`fit_pot` for the options).

    Build it with :func:`fit_pot`. Keeps only ``(t, n, N_t, options, tail parameters)``.

    Examples
    --------
    >>> x = np.random.default_rng(0).exponential(1.0, 100_000)
    >>> pot = fit_pot(x, level=0.98)
    >>> z = pot.quantile(1e-5)           # exact: -log(1e-5) = 11.51
    >>> bool(abs(z / 11.5129 - 1) < 0.1)
    True
    >>> bool(abs(pot.pvalues([z])[0] - 1e-5) < 1e-12)
    True
    >>> Pot.from_json(pot.to_json()).quantile(1e-5) == z
    True
    """

    def __init__(self, core: Any):
        self._core = core

    @property
    def initial_threshold(self) -> float:
        """t, the ``level`` quantile of the calibration scores."""
        return self._core.initial_threshold

    @property
    def level(self) -> float:
        """The quantile level of t, in ``(0, 1)``."""
        return self._core.level

    @property
    def n(self) -> int:
        """Number of calibration scores."""
        return self._core.n

    @property
    def n_peaks(self) -> int:
        """N_t, the scores above t."""
        return self._core.n_peaks

    @property
    def gpd(self) -> GpdFit:
        """The GPD fit (meaningful with ``tail="gpd"``)."""
        c = self._core
        return GpdFit(c.shape, c.scale, c.loglik, c.method, c.n_peaks)

    @property
    def transform(self) -> str:
        """``"identity"`` or ``"log"``: the scale the tail was modelled on."""
        return self._core.transform

    @property
    def tail(self) -> str:
        """``"gpd"`` or ``"weibull"``: the excess law."""
        return self._core.tail

    @property
    def center(self) -> float:
        """Median of the calibration scores, the Weibull tail's centre (0 with the GPD)."""
        return self._core.center

    @property
    def weibull(self) -> WeibullTailFit:
        """The Weibull-type tail fit (meaningful with ``tail="weibull"``)."""
        return WeibullTailFit(*self._core.weibull)

    def quantile(self, q: float) -> float:
        """z_q, exceeded with probability q, ``0 < q < N_t / n``: with the defaults
        ``t + scale/shape ((q n / N_t)^(-shape) - 1)``; with ``transform="log"`` the excess
        quantile y_q is mapped back as ``t exp(y_q)``."""
        return float(self._core.quantile(float(q)))

    def threshold(self, q: float) -> Threshold:
        """:meth:`quantile` as a :class:`Threshold` (``method="pot"``)."""
        return Threshold._from_core(self._core.threshold(float(q)))

    def pvalues(self, scores: ArrayLike) -> np.ndarray:
        """Tail p-values ``(N_t/n) S(excess(s))`` for ``s > t`` (GPD default:
        ``(N_t/n)(1 + shape (s - t)/scale)^(-1/shape)``); 1 at or below t (conservative: the
        model says nothing finer there). ``pvalues([quantile(q)]) == q`` to rounding."""
        return self._core.pvalues(_vector(scores, "scores"))

    def to_json(self) -> Dict[str, Any]:
        """The JSON document (as a dict) that the C++ ``Pot::to_json`` writes: ``type``,
        ``level``, ``initial_threshold``, ``n``, ``n_peaks``, ``transform``, ``tail`` and the
        tail's parameters."""
        return json.loads(self._core.to_json())

    @classmethod
    def from_json(cls, document: Union[Dict[str, Any], str]) -> "Pot":
        """Reads a document written by :meth:`to_json` (or by C++), as a dict or JSON text;
        :class:`ecgad.FormatError` when malformed."""
        text = document if isinstance(document, str) else json.dumps(document)
        return cls(_core.calibrate.Pot.from_json(text))

    def __repr__(self) -> str:
        if self.tail == "weibull":
            w = self.weibull
            law = f"exponent={w.exponent:.4g}, scale={w.scale:.4g}, center={self.center:.6g}"
        else:
            law = f"shape={self._core.shape:.4g}, scale={self._core.scale:.4g}"
        return (f"Pot(t={self.initial_threshold:.6g}, n={self.n}, n_peaks={self.n_peaks}, "
                f"transform={self.transform!r}, tail={self.tail!r}, {law})")


_TRANSFORMS = ("identity", "log")
_TAILS = ("gpd", "weibull")


def _tail_options(transform: str, tail: str):
    if transform not in _TRANSFORMS:
        raise ValueError(f"transform must be one of {_TRANSFORMS}, got {transform!r}")
    if tail not in _TAILS:
        raise ValueError(f"tail must be one of {_TAILS}, got {tail!r}")
    return transform, tail


def fit_pot(scores: ArrayLike, level: float = 0.98, transform: str = "identity",
            tail: str = "gpd") -> Pot:
    """Fits the peaks-over-threshold tail of calibration scores.

    Parameters
    ----------
    scores : array_like of shape (n,)
        Finite scores; at least 10 must exceed the ``level`` quantile.
    level : float
        Quantile level of the initial threshold, in ``(0, 1)``.
    transform : {"identity", "log"}
        Scale of the tail model. ``"log"`` (positive scores, t > 0) models the excesses
        ``log(s / t)`` and maps thresholds back exactly (``t exp(y)``): for reconstruction
        errors, which are positive and roughly log-normal.
    tail : {"gpd", "weibull"}
        Excess law: the generalised Pareto (Siffer et al. 2017; right for bounded and Pareto
        tails) or a Weibull-type tail around the calibration median (Gaussian-like tails, and
        log-normal ones with ``transform="log"``; needs ``level > 0.5``).

    Returns
    -------
    Pot

    Notes
    -----
    Measured on 10 seeds of 10^6 scores at q = 1e-6 (worst relative error): N(0,1) 5.5% with
    the GPD, 1.8% with ``tail="weibull"``; Exp(1) 2.7% / 1.9%; LogNormal(0,1) 23% with the GPD,
    23% with ``transform="log"`` + GPD, 9.0% with ``transform="log", tail="weibull"`` (mean
    +1.2%; on 30 more seeds its spread is 4.7% sd, and 3 of 30 samples exceed 10%, worst 14%:
    the fitted exponent's noise, amplified by exp). See docs/calibrate.md. The choice is
    explicit: the exceedances' likelihood cannot tell these tails apart.

    Examples
    --------
    >>> pot = fit_pot(np.random.default_rng(1).standard_normal(200_000))
    >>> pot.n_peaks
    4000
    >>> errors = np.random.default_rng(2).lognormal(0.0, 1.0, 1_000_000)
    >>> exact = np.exp(4.264890793922602)            # scipy.stats.lognorm.isf(1e-5, 1)
    >>> pot = fit_pot(errors, transform="log", tail="weibull")
    >>> bool(abs(pot.quantile(1e-5) / exact - 1) < 0.1)
    True
    >>> bool(abs(pot.pvalues([pot.quantile(1e-6)])[0] - 1e-6) < 1e-12)
    True
    """
    transform, tail = _tail_options(transform, tail)
    return Pot(_core.calibrate.Pot.fit(_vector(scores, "scores"), float(level), transform, tail))


class ConformalCalibrator:
    """Split-conformal p-values ``p(s) = (1 + #{calibration >= s}) / (n + 1)``.

    Valid for any score distribution: a new normal score gets ``P(p <= u) <= u``. One sort at
    construction, ``O(log n)`` per score.

    Parameters
    ----------
    calibration_scores : array_like of shape (n,)
        Scores of normal data held out from training, finite, at least one.

    Examples
    --------
    >>> cc = ConformalCalibrator([3.0, 1.0, 4.0, 2.0])
    >>> cc.pvalues([2.5, 3.0, 0.0, 4.5])
    array([0.6, 0.6, 1. , 0.2])
    >>> cc.threshold(0.5).value   # p <= 0.5 exactly when s > 3
    3.0
    >>> c2 = ConformalCalibrator(np.arange(1.0, 100.0))
    >>> c2.decide([99.5, 95.0, 10.0], alpha_anomaly=0.02, alpha_normal=0.1)
    array([2, 1, 0], dtype=int8)
    >>> ConformalCalibrator.from_json(cc.to_json()).size
    4
    """

    def __init__(self, calibration_scores: ArrayLike):
        self._core = _core.calibrate.ConformalCalibrator(
            _vector(calibration_scores, "calibration_scores"))

    @property
    def size(self) -> int:
        """n, the number of calibration scores."""
        return self._core.size

    def pvalues(self, scores: ArrayLike) -> np.ndarray:
        """Conformal p-value of each score, in ``[1/(n+1), 1]``."""
        return self._core.pvalues(_vector(scores, "scores"))

    def threshold(self, alpha: float) -> Threshold:
        """The target-FPR threshold (:func:`target_fpr_threshold` on the calibration scores):
        ``s > threshold`` exactly when ``p(s) <= alpha``."""
        return Threshold._from_core(self._core.threshold(float(alpha)))

    def select(self, scores: ArrayLike, fdr: float = 0.1) -> MultipleTestingResult:
        """Benjamini-Hochberg selection of anomalies in one batch at false discovery rate
        ``fdr`` (valid for conformal p-values: Bates et al., Ann. Statist. 2023)."""
        rejected, adjusted = self._core.select(_vector(scores, "scores"), float(fdr))
        return MultipleTestingResult(rejected, adjusted)

    def decide(self, scores: ArrayLike, alpha_anomaly: float = 0.01,
               alpha_normal: float = 0.05) -> np.ndarray:
        """Banded decisions: ``p <= alpha_anomaly`` -> 2 (anomalous), ``p >= alpha_normal`` -> 0
        (normal), between -> 1 (uncertain: route to review). Requires
        ``1/(n+1) <= alpha_anomaly < alpha_normal <= 1``."""
        return self._core.decide(_vector(scores, "scores"), float(alpha_anomaly),
                                 float(alpha_normal))

    def to_json(self) -> Dict[str, Any]:
        """The JSON document (as a dict) that the C++ calibrator writes:
        ``{"type": "conformal", "calibration_scores": [...]}``, the scores sorted."""
        return json.loads(self._core.to_json())

    @classmethod
    def from_json(cls, document: Union[Dict[str, Any], str]) -> "ConformalCalibrator":
        """Reads a document written by :meth:`to_json` (or by C++), as a dict or JSON text;
        :class:`ecgad.FormatError` when malformed."""
        text = document if isinstance(document, str) else json.dumps(document)
        obj = cls.__new__(cls)
        obj._core = _core.calibrate.ConformalCalibrator.from_json(text)
        return obj


class Spot:
    """Streaming SPOT / DSPOT thresholds (Siffer et al., KDD 2017, Algorithms 1 and 2).

    The first ``n_init`` values calibrate a POT model; then each value is an *alarm* (above
    ``z_q``; never added to the model), a *peak* (above the initial threshold; joins the tail,
    which is refitted) or *normal*. With ``depth = d > 0`` (DSPOT) everything runs on
    ``x - M``, M the mean of the last d non-alarm values, so a slow drift is followed.

    Parameters
    ----------
    risk_q : float
        Probability that a normal value exceeds ``z_q``, in ``(0, 1 - level)``.
    level : float
        Quantile level of the initial threshold, in ``(0, 1)``.
    n_init : int
        Calibration values; ``(n_init - depth)(1 - level) >= 10``. Prefer >= 100 peaks (the
        default 10 000 gives 200): a first tail fit on ~20 peaks can be far too short and,
        alarms never joining the model, stay so.
    depth : int
        0 for SPOT, d > 0 for DSPOT.
    transform, tail : str
        Tail options as in :func:`fit_pot` (applied to ``x - M``); defaults: the paper's GPD.
    max_peaks : int
        0 (default, the paper): every peak is kept and refitted on, so the cost per peak grows
        with the stream. ``m >= 10``: the tail is fitted to the m most recent peaks (a sliding
        tail, as libspot's ``max_excess``) while ``N_t / n`` still counts every peak; bounded
        memory and cost, at the price of a fit on m peaks (variance ~ 1/m) that follows the
        recent past.

    Examples
    --------
    >>> x = np.random.default_rng(3).standard_normal(3000)
    >>> x[2500:2510] += 6.0
    >>> spot = Spot(risk_q=1e-3, n_init=1000)
    >>> events = spot.process(x)
    >>> bool((events[:1000] == CALIBRATING).all()), bool((events[2500:2510] == ALARM).all())
    (True, True)
    >>> restored = Spot.from_state(spot.state())
    >>> restored.update(10.0) == spot.update(10.0) == ALARM
    True
    >>> capped = Spot(risk_q=1e-3, n_init=1000, max_peaks=50)   # a sliding tail
    >>> _ = capped.process(x)
    >>> capped.n_peaks <= 50 < capped.n_peaks_total
    True
    """

    def __init__(self, risk_q: float = 1e-4, level: float = 0.98, n_init: int = 10_000,
                 depth: int = 0, transform: str = "identity", tail: str = "gpd",
                 max_peaks: int = 0):
        transform, tail = _tail_options(transform, tail)
        self._core = _core.calibrate.Spot(float(risk_q), float(level), int(n_init), int(depth),
                                          transform, tail, int(max_peaks))

    def update(self, x: float) -> int:
        """Processes one value; returns its event code (0 calibrating, 1 normal, 2 peak,
        3 alarm)."""
        return self._core.update(float(x))

    def process(self, chunk: ArrayLike) -> np.ndarray:
        """:meth:`update` over a chunk; int8 event codes. The result never depends on how the
        stream is cut into chunks."""
        return self._core.process(_vector(chunk, "chunk"))

    def reset(self) -> None:
        """Back to calibration, keeping the parameters."""
        self._core.reset()

    @property
    def calibrated(self) -> bool:
        """True once the first ``n_init`` values have calibrated the model."""
        return self._core.calibrated

    @property
    def threshold(self) -> float:
        """z_q on ``x - M`` (M = 0 for SPOT)."""
        return self._core.threshold

    @property
    def alarm_level(self) -> float:
        """The current alarm level for x: ``threshold + local_mean``."""
        return self._core.alarm_level

    @property
    def initial_threshold(self) -> float:
        """t, the ``level`` quantile of the calibration values (of ``x - M``); 0 before
        calibration."""
        return self._core.initial_threshold

    @property
    def local_mean(self) -> float:
        """M, mean of the last ``depth`` non-alarm values (0 for SPOT)."""
        return self._core.local_mean

    @property
    def n_peaks(self) -> int:
        """Peaks the tail is fitted to (at most ``max_peaks`` when capped)."""
        return self._core.n_peaks

    @property
    def n_peaks_total(self) -> int:
        """N_t: every peak since calibration (calibration peaks included), capped or not."""
        return self._core.n_peaks_total

    @property
    def config(self) -> Dict[str, Any]:
        """The parameters: risk_q, level, n_init, depth, transform, tail, max_peaks."""
        keys = ("risk_q", "level", "n_init", "depth", "transform", "tail", "max_peaks")
        return dict(zip(keys, self._core.config))

    @property
    def samples_seen(self) -> int:
        """Values processed since construction or :meth:`reset`, calibration included."""
        return self._core.samples_seen

    @property
    def gpd(self) -> tuple:
        """(shape, scale) of the current GPD fit (``tail="gpd"``)."""
        return (self._core.shape, self._core.scale)

    @property
    def weibull(self) -> WeibullTailFit:
        """The current Weibull-type tail fit (``tail="weibull"``)."""
        return WeibullTailFit(*self._core.weibull)

    def state(self) -> Dict[str, Any]:
        """The whole state (parameters included) as a JSON document (dict)."""
        return json.loads(self._core.state())

    @classmethod
    def from_state(cls, document: Union[Dict[str, Any], str]) -> "Spot":
        """A detector that continues exactly where the saved one stopped."""
        text = document if isinstance(document, str) else json.dumps(document)
        obj = cls.__new__(cls)
        obj._core = _core.calibrate.Spot.from_state(text)
        return obj
