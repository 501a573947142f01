"""Batch two-sample drift tests: has a feature, a score or a latent code changed distribution?

Each test compares a *reference* sample (training or calibration data) with a *current* one
(recent production data) and returns a :class:`TwoSampleResult`. The C++ implementations
(``include/ecgad/drift/*.hpp``) are checked against Debian's scipy 1.10.1:

================================  ==========================================  ===============
function                          equals                                      p-value
================================  ==========================================  ===============
:func:`ks_2samp`                  ``scipy.stats.ks_2samp`` (exact/asymptotic)  yes
:func:`cramer_von_mises_2samp`    ``scipy.stats.cramervonmises_2samp``         yes
:func:`chi_square`                ``scipy.stats.chi2_contingency`` on bins     yes
:func:`psi`                       population stability index                  no (NaN)
:func:`wasserstein`               ``scipy.stats.wasserstein_distance``         no (NaN)
:func:`jensen_shannon`            ``scipy.spatial.distance.jensenshannon``     no (NaN)
:func:`mmd_test`                  unbiased MMD^2, RBF kernel (multivariate)    permutation
================================  ==========================================  ===============

:func:`two_sample_per_feature` runs one of them on every column of two feature matrices and
corrects across features (Bonferroni or Benjamini-Hochberg); tests without a p-value decide by
a statistic threshold instead.

Inputs are converted once to ``float64``. Errors are :class:`ecgad.InvalidArgument` (a
:class:`ValueError`) naming the bad value: empty or too short samples, NaN or infinite values,
bad ``bins``/``alpha``/``epsilon``, unknown names.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _core
from ._arrays import real_array as _real_array

__all__ = [
    "FeatureDriftResult",
    "TwoSampleResult",
    "chi_square",
    "cramer_von_mises_2samp",
    "jensen_shannon",
    "kolmogorov_sf",
    "ks_2samp",
    "mmd_test",
    "psi",
    "two_sample_per_feature",
    "wasserstein",
]

ArrayLike = Union[np.ndarray, Sequence[float]]

_UNIVARIATE_TESTS = ("ks", "cramer_von_mises", "chi_square", "psi", "wasserstein",
                     "wasserstein_normalized", "jensen_shannon")


@dataclass
class TwoSampleResult:
    """The common result of a two-sample test.

    Attributes
    ----------
    statistic : float
        The test statistic (its meaning depends on ``name``).
    p_value : float
        In ``[0, 1]``; ``nan`` for tests without one (psi, wasserstein, jensen_shannon).
    name : str
        The test: ``"ks"``, ``"cramer_von_mises"``, ``"chi_square"``, ``"psi"``,
        ``"wasserstein"``, ``"wasserstein_normalized"``, ``"jensen_shannon"`` or ``"mmd"``.
    n_reference, n_current : int
        Sample sizes (rows for mmd).
    details : dict
        Test-specific extras: bin edges and counts, the KS location and sign, the MMD bandwidth.

    Examples
    --------
    >>> r = ks_2samp([1.0, 2.0], [3.0, 4.0])
    >>> (r.name, r.statistic, round(r.p_value, 6), r.n_reference, r.n_current)
    ('ks', 1.0, 0.333333, 2, 2)
    """

    statistic: float
    p_value: float
    name: str
    n_reference: int
    n_current: int
    details: Dict[str, Any] = field(default_factory=dict)


@dataclass
class FeatureDriftResult:
    """One test per feature column, corrected across features.

    Attributes
    ----------
    features : list of TwoSampleResult
        One per column, in column order.
    adjusted_p_values : numpy.ndarray of shape (n_features,)
        Corrected p-values (``nan`` for tests without a p-value).
    drifted : numpy.ndarray of bool, shape (n_features,)
        Drift detected per feature.
    correction : str
        ``"bonferroni"``, ``"fdr_bh"`` or ``"threshold"`` (tests without a p-value).
    alpha : float
        The family-wise error rate or FDR level.
    statistic_threshold : float
        The threshold used by tests without a p-value (``nan`` otherwise).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.standard_normal((300, 3))
    >>> cur = rng.standard_normal((200, 3)) + [0.0, 1.0, 0.0]
    >>> two_sample_per_feature("ks", ref, cur).drifted.tolist()
    [False, True, False]
    """

    features: List[TwoSampleResult]
    adjusted_p_values: np.ndarray
    drifted: np.ndarray
    correction: str
    alpha: float
    statistic_threshold: float

    def to_json(self) -> str:
        """The result as JSON (the C++ ``FeatureDriftResult`` layout; NaN written as null).

        Examples
        --------
        >>> r = two_sample_per_feature("psi", [[0.0], [1.0], [2.0]], [[5.0], [6.0]],
        ...                            statistic_threshold=0.2)
        >>> FeatureDriftResult.from_json(r.to_json()).drifted.tolist()
        [True]
        """
        def num(x: float) -> Optional[float]:
            return None if math.isnan(x) else float(x)

        return json.dumps({
            "features": [{"statistic": f.statistic, "p_value": num(f.p_value), "name": f.name,
                          "n_reference": f.n_reference, "n_current": f.n_current}
                         for f in self.features],
            "adjusted_p_values": [num(p) for p in self.adjusted_p_values],
            "drifted": [bool(d) for d in self.drifted],
            "correction": self.correction,
            "alpha": self.alpha,
            "statistic_threshold": num(self.statistic_threshold),
        })

    @classmethod
    def from_json(cls, text: str) -> "FeatureDriftResult":
        """Reads :meth:`to_json`'s output (or the C++ side's JSON).

        Examples
        --------
        >>> r = FeatureDriftResult.from_json('{"features": [], "adjusted_p_values": [], '
        ...     '"drifted": [], "correction": "fdr_bh", "alpha": 0.05, '
        ...     '"statistic_threshold": null}')
        >>> (r.correction, r.alpha, math.isnan(r.statistic_threshold))
        ('fdr_bh', 0.05, True)
        """
        def num(x: Optional[float]) -> float:
            return math.nan if x is None else float(x)

        j = json.loads(text)
        return cls(
            features=[TwoSampleResult(f["statistic"], num(f["p_value"]), f["name"],
                                      int(f["n_reference"]), int(f["n_current"]))
                      for f in j["features"]],
            adjusted_p_values=np.array([num(p) for p in j["adjusted_p_values"]], dtype=float),
            drifted=np.array(j["drifted"], dtype=bool),
            correction=j["correction"],
            alpha=float(j["alpha"]),
            statistic_threshold=num(j["statistic_threshold"]),
        )


def _sample(x: ArrayLike, what: str) -> np.ndarray:
    """`x` as a 1-D float64 C-contiguous array, converted once. A 2-D column is refused: to
    scipy's tests it is a batch of samples (one test per column), not one sample."""
    a = _real_array(x, what)
    if a.ndim != 1:
        raise ValueError(f"{what} must be a 1-D array of shape (n_samples,), got shape {a.shape}")
    return np.ascontiguousarray(a, dtype=np.float64)


def _matrix(x: ArrayLike, what: str) -> np.ndarray:
    a = _real_array(x, what)
    if a.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array of shape (n_samples, n_features), got "
                         f"shape {a.shape}")
    return np.asfortranarray(a, dtype=np.float64)


def ks_2samp(reference: ArrayLike, current: ArrayLike, alternative: str = "two-sided",
             method: str = "auto") -> TwoSampleResult:
    """Two-sample Kolmogorov-Smirnov test, equal to ``scipy.stats.ks_2samp``.

    Parameters
    ----------
    reference, current : array_like of shape (n,), (m,)
        Finite samples, each non-empty.
    alternative : {"two-sided", "less", "greater"}
        scipy's meaning: ``"less"`` tests whether the reference CDF lies below the current one
        somewhere, ``"greater"`` above.
    method : {"auto", "exact", "asymp"}
        ``"auto"`` is exact when both sizes are <= 10000.

    Returns
    -------
    TwoSampleResult
        ``details`` holds ``statistic_location``, ``statistic_sign`` and ``exact``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> ref = rng.standard_normal(500)
    >>> ks_2samp(ref, ref + 0.3).p_value < 1e-4
    True
    >>> ks_2samp([1.0, 2.0], [3.0, 4.0], alternative="greater").p_value  # 1 of 6 orderings
    0.16666666666666666
    """
    a, b = _sample(reference, "reference"), _sample(current, "current")
    s, p, loc, sign, exact = _core.drift.ks_2samp(a, b, alternative, method)
    return TwoSampleResult(s, p, "ks", a.size, b.size,
                           {"statistic_location": loc, "statistic_sign": sign, "exact": exact})


def kolmogorov_sf(n: int, x: float) -> float:
    """Survival function of the one-sample two-sided KS statistic, ``scipy.stats.kstwo.sf``.

    Parameters
    ----------
    n : int
        Sample size, >= 1.
    x : float
        The statistic D.

    Returns
    -------
    float
        Pr(D_n > x).

    Examples
    --------
    >>> round(kolmogorov_sf(10, 0.3), 10)  # scipy.stats.kstwo.sf(0.3, 10)
    0.2705355748
    """
    return _core.drift.kolmogorov_sf(int(n), float(x))


def cramer_von_mises_2samp(reference: ArrayLike, current: ArrayLike,
                           method: str = "auto") -> TwoSampleResult:
    """Two-sample Cramér-von Mises test, equal to ``scipy.stats.cramervonmises_2samp``.

    Parameters
    ----------
    reference, current : array_like of shape (n,), (m,)
        Finite samples of at least 2 values each.
    method : {"auto", "exact", "asymptotic"}
        ``"auto"`` is exact when both sizes are <= 20.

    Returns
    -------
    TwoSampleResult
        ``details["exact"]`` says which distribution gave the p-value.

    Examples
    --------
    >>> r = cramer_von_mises_2samp([1.0, 2.0], [3.0, 4.0])
    >>> (r.statistic, round(r.p_value, 6))
    (0.375, 0.333333)
    """
    a, b = _sample(reference, "reference"), _sample(current, "current")
    s, p, exact = _core.drift.cramer_von_mises_2samp(a, b, method)
    return TwoSampleResult(s, p, "cramer_von_mises", a.size, b.size, {"exact": exact})


def psi(reference: ArrayLike, current: ArrayLike, bins: int = 10,
        epsilon: float = 1e-4) -> TwoSampleResult:
    """Population stability index on bins cut at the reference's quantiles.

    ``PSI = sum_b (q_b - p_b) ln(q_b / p_b)``, with ``p``/``q`` the reference/current share per
    bin, each floored at ``epsilon`` (empty bins). Interior edges are
    ``numpy.quantile(reference, i / bins)``; outer bins are open; equal edges merge.
    Rule of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 major shift.

    Parameters
    ----------
    reference, current : array_like of shape (n,), (m,)
        Finite, non-empty samples.
    bins : int
        Requested bins, >= 2.
    epsilon : float
        Share floor, in (0, 1).

    Returns
    -------
    TwoSampleResult
        ``p_value`` is nan; ``details`` holds ``edges``, ``reference_counts``,
        ``current_counts``.

    Examples
    --------
    >>> r = psi([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 4.0], bins=2)
    >>> round(r.statistic, 6), r.details["edges"].tolist()
    (0.274653, [2.5])
    """
    a, b = _sample(reference, "reference"), _sample(current, "current")
    s, edges, rc, cc = _core.drift.psi(a, b, int(bins), float(epsilon))
    return TwoSampleResult(s, math.nan, "psi", a.size, b.size,
                           {"edges": edges, "reference_counts": rc, "current_counts": cc})


def wasserstein(reference: ArrayLike, current: ArrayLike,
                normalized: bool = False) -> TwoSampleResult:
    """Wasserstein-1 distance, equal to ``scipy.stats.wasserstein_distance``.

    Parameters
    ----------
    reference, current : array_like of shape (n,), (m,)
        Finite, non-empty samples.
    normalized : bool
        Divide by the reference's standard deviation (ddof=0), making the distance unit-free
        (the reference must not be constant). The result is then named
        ``"wasserstein_normalized"``.

    Returns
    -------
    TwoSampleResult
        ``p_value`` is nan.

    Examples
    --------
    >>> wasserstein([0.0, 1.0, 3.0], [5.0, 6.0, 8.0]).statistic
    5.0
    >>> round(wasserstein([0.0, 2.0], [1.0, 3.0], normalized=True).statistic, 12)
    1.0
    """
    a = _sample(reference, "reference")
    b = _sample(current, "current")
    if normalized:
        return TwoSampleResult(_core.drift.wasserstein_normalized(a, b), math.nan,
                               "wasserstein_normalized", a.size, b.size)
    return TwoSampleResult(_core.drift.wasserstein(a, b), math.nan, "wasserstein", a.size, b.size)


def jensen_shannon(reference: ArrayLike, current: ArrayLike, bins: int = 10,
                   base: float = 2.0) -> TwoSampleResult:
    """Jensen-Shannon distance of the two histograms on shared equal-width bins.

    Bins are ``numpy.histogram_bin_edges(concatenate([reference, current]), bins)``; the
    distance equals ``scipy.spatial.distance.jensenshannon(p, q, base)`` of the two
    ``numpy.histogram`` counts. In base 2 it lies in [0, 1] (1: disjoint supports).

    Parameters
    ----------
    reference, current : array_like of shape (n,), (m,)
        Finite, non-empty samples.
    bins : int
        Number of bins, >= 2.
    base : float
        Logarithm base, > 0 and != 1.

    Returns
    -------
    TwoSampleResult
        ``p_value`` is nan; ``details`` holds ``edges``, ``reference_counts``,
        ``current_counts``.

    Examples
    --------
    >>> jensen_shannon([0.0, 0.1, 0.2], [10.0, 10.5]).statistic
    1.0
    """
    a, b = _sample(reference, "reference"), _sample(current, "current")
    s, edges, rc, cc = _core.drift.jensen_shannon(a, b, int(bins), float(base))
    return TwoSampleResult(s, math.nan, "jensen_shannon", a.size, b.size,
                           {"edges": edges, "reference_counts": rc, "current_counts": cc})


def chi_square(reference: ArrayLike, current: ArrayLike, bins: int = 10) -> TwoSampleResult:
    """Chi-square homogeneity test on reference-quantile bins (``scipy.stats.chi2_contingency``).

    The 2 x bins table of counts (the :func:`psi` bins; bins empty in both samples are left
    out) is tested as ``chi2_contingency`` does with its default correction: Yates only for one
    degree of freedom.

    Parameters
    ----------
    reference, current : array_like of shape (n,), (m,)
        Finite, non-empty samples.
    bins : int
        Requested bins, >= 2.

    Returns
    -------
    TwoSampleResult
        ``details`` holds ``dof``, ``edges``, ``reference_counts``, ``current_counts``.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> ref = rng.standard_normal(2000)
    >>> chi_square(ref, rng.standard_normal(1000) + 0.3).p_value < 1e-6
    True
    """
    a, b = _sample(reference, "reference"), _sample(current, "current")
    s, p, dof, edges, rc, cc = _core.drift.chi_square(a, b, int(bins))
    return TwoSampleResult(s, p, "chi_square", a.size, b.size,
                           {"dof": dof, "edges": edges, "reference_counts": rc,
                            "current_counts": cc})


def mmd_test(reference: ArrayLike, current: ArrayLike, bandwidth: Optional[float] = None,
             n_permutations: int = 500, seed: int = 0) -> TwoSampleResult:
    """Multivariate kernel two-sample test: unbiased MMD^2 with an RBF kernel.

    ``k(x, y) = exp(-|x - y|^2 / (2 sigma^2))`` with ``sigma`` the median pairwise distance of
    the pooled rows unless given (Gretton et al., JMLR 2012). The p-value is
    ``(k + 1) / (n_permutations + 1)``, ``k`` the label permutations reaching the observed
    statistic; the same seed gives the same p-value. Cost O((n + m)^2) memory and per
    permutation: subsample large batches.

    Parameters
    ----------
    reference, current : array_like of shape (n, d), (m, d)
        One observation per row, finite; at least 2 rows each. 1-D input is one feature.
    bandwidth : float, optional
        RBF width sigma; None for the median heuristic.
    n_permutations : int
        >= 0; 0 skips the p-value (nan).
    seed : int
        Permutation seed (>= 0).

    Returns
    -------
    TwoSampleResult
        ``details`` holds ``bandwidth`` and ``exceedances``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> x = rng.standard_normal((60, 2))
    >>> y = rng.standard_normal((60, 2)) + 0.8
    >>> r = mmd_test(x, y, n_permutations=99, seed=1)
    >>> r.p_value  # no permutation reaches the observed statistic
    0.01
    >>> mmd_test(x, y, n_permutations=99, seed=1).p_value == r.p_value  # same seed
    True
    """
    x = _real_array(reference, "reference")
    y = _real_array(current, "current")
    x = _matrix(x[:, None] if x.ndim == 1 else x, "reference")
    y = _matrix(y[:, None] if y.ndim == 1 else y, "current")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if bandwidth is not None and not bandwidth > 0:
        raise ValueError(f"bandwidth must be > 0 (or None for the median heuristic), "
                         f"got {bandwidth}")
    s, p, sigma, k = _core.drift.mmd_test(x, y, 0.0 if bandwidth is None else float(bandwidth),
                                          int(n_permutations), int(seed))
    return TwoSampleResult(s, p, "mmd", x.shape[0], y.shape[0],
                           {"bandwidth": sigma, "exceedances": k})


def two_sample_per_feature(test: str, reference: ArrayLike, current: ArrayLike,
                           correction: str = "fdr_bh", alpha: float = 0.05,
                           statistic_threshold: Optional[float] = None,
                           **options: Any) -> FeatureDriftResult:
    """Runs a univariate test on every feature column and corrects across features.

    Parameters
    ----------
    test : str
        ``"ks"``, ``"cramer_von_mises"``, ``"chi_square"`` (p-values, corrected), or
        ``"psi"``, ``"wasserstein"``, ``"wasserstein_normalized"``, ``"jensen_shannon"``
        (no p-value: drift is ``statistic > statistic_threshold``).
    reference, current : array_like of shape (n, n_features), (m, n_features)
        Feature matrices, one observation per row.
    correction : {"fdr_bh", "bonferroni"}
        Multiple-testing correction (statsmodels names).
    alpha : float
        FDR / family-wise level, in (0, 1).
    statistic_threshold : float, optional
        Required for tests without a p-value.
    **options
        Test parameters: ``bins``, ``psi_epsilon``, ``js_base``, ``ks_alternative``,
        ``ks_method``, ``cvm_method``.

    Returns
    -------
    FeatureDriftResult

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> ref = rng.standard_normal((500, 4))
    >>> cur = rng.standard_normal((400, 4)) * [1.0, 1.0, 2.0, 1.0]
    >>> two_sample_per_feature("cramer_von_mises", ref, cur, "bonferroni").drifted.tolist()
    [False, False, True, False]
    >>> r = two_sample_per_feature("psi", ref, cur, statistic_threshold=0.2, bins=10)
    >>> r.correction, r.drifted.tolist()
    ('threshold', [False, False, True, False])
    """
    if test not in _UNIVARIATE_TESTS and test != "cvm":
        raise ValueError(f"test must be one of {', '.join(_UNIVARIATE_TESTS)}, got {test!r}")
    a = _matrix(reference, "reference")
    b = _matrix(current, "current")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"reference has shape {a.shape} and current {b.shape}; expected the "
                         "same number of feature columns")
    threshold = math.nan if statistic_threshold is None else float(statistic_threshold)
    text = _core.drift.two_sample_per_feature(test, a, b, correction, float(alpha),
                                              json.dumps(options), threshold)
    return FeatureDriftResult.from_json(text)
