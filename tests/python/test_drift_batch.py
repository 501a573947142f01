"""Batch two-sample drift tests (ecgad._drift_batch) against Debian's scipy, live: KS, CvM,
Wasserstein, Jensen-Shannon, chi-square; PSI and MMD against direct numpy formulas; the
per-feature runner with Bonferroni / BH; JSON round trip; input validation."""
import math

import numpy as np
import pytest
from scipy import spatial, stats

from ecgad import _drift_batch as db

rng = np.random.default_rng(20261127)


def _samples():
    for n1, n2 in ((5, 7), (20, 20), (60, 45), (300, 200)):
        for tied in (False, True):
            a = rng.standard_normal(n1)
            b = rng.standard_normal(n2) + 0.4
            if tied:
                a, b = np.round(a, 1), np.round(b, 1)
            yield a, b


CASES = list(_samples())


@pytest.mark.parametrize("a,b", CASES)
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_ks_equals_scipy(a, b, alternative):
    for method in ("auto", "asymp"):
        r = db.ks_2samp(a, b, alternative, method)
        s = stats.ks_2samp(a, b, alternative=alternative, method=method)
        assert r.statistic == s.statistic
        assert r.details["statistic_location"] == s.statistic_location
        assert r.details["statistic_sign"] == s.statistic_sign
        assert r.p_value == pytest.approx(s.pvalue, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("a,b", CASES)
def test_cvm_wasserstein_js_chi2_equal_scipy(a, b):
    r = db.cramer_von_mises_2samp(a, b)
    s = stats.cramervonmises_2samp(a, b)
    assert r.statistic == pytest.approx(s.statistic, rel=1e-12)
    assert r.p_value == pytest.approx(s.pvalue, rel=1e-10, abs=1e-14)
    assert db.wasserstein(a, b).statistic == pytest.approx(stats.wasserstein_distance(a, b),
                                                           rel=1e-12)
    js = db.jensen_shannon(a, b, bins=8)
    edges = np.histogram_bin_edges(np.concatenate([a, b]), 8)
    ha, hb = np.histogram(a, edges)[0], np.histogram(b, edges)[0]
    np.testing.assert_array_equal(js.details["edges"], edges)
    assert js.statistic == pytest.approx(spatial.distance.jensenshannon(ha, hb, base=2), abs=1e-14)
    chi = db.chi_square(a, b, bins=4)
    keep = (chi.details["reference_counts"] + chi.details["current_counts"]) > 0
    table = np.vstack([chi.details["reference_counts"][keep], chi.details["current_counts"][keep]])
    s = stats.chi2_contingency(table)
    assert chi.statistic == pytest.approx(s[0], rel=1e-12)
    assert chi.p_value == pytest.approx(s[1], rel=1e-10)
    assert chi.details["dof"] == s[2]


def test_psi_matches_numpy_formula():
    a = rng.standard_normal(1000)
    b = rng.standard_normal(700) * 1.3 + 0.2
    r = db.psi(a, b, bins=10)
    edges = np.unique(np.quantile(a, np.arange(1, 10) / 10))
    np.testing.assert_array_equal(r.details["edges"], edges)
    p = np.maximum(np.bincount(np.searchsorted(edges, a, "right"), minlength=10) / a.size, 1e-4)
    q = np.maximum(np.bincount(np.searchsorted(edges, b, "right"), minlength=10) / b.size, 1e-4)
    assert r.statistic == pytest.approx(np.sum((q - p) * np.log(q / p)), rel=1e-12)
    assert math.isnan(r.p_value)


def test_mmd_statistic_and_reproducible_permutations():
    x = rng.standard_normal((30, 3))
    y = rng.standard_normal((25, 3)) + 1.0
    r = db.mmd_test(x, y, n_permutations=199, seed=5)
    z = np.vstack([x, y])
    d = np.sqrt(((z[:, None] - z[None]) ** 2).sum(-1))
    sigma = np.median(d[np.triu_indices(55, 1)])
    k = np.exp(-d ** 2 / (2 * sigma ** 2))
    m, n = 30, 25
    mmd2 = ((k[:m, :m].sum() - m) / (m * (m - 1)) + (k[m:, m:].sum() - n) / (n * (n - 1))
            - 2 * k[:m, m:].mean())
    assert r.details["bandwidth"] == pytest.approx(sigma, rel=1e-14)
    assert r.statistic == pytest.approx(mmd2, rel=1e-12, abs=1e-14)
    assert r.p_value == (r.details["exceedances"] + 1) / 200
    assert db.mmd_test(x, y, n_permutations=199, seed=5).p_value == r.p_value
    assert r.p_value < 0.05


def test_ks_pvalues_uniform_under_null():
    p = np.array([db.ks_2samp(rng.standard_normal(40), rng.standard_normal(50)).p_value
                  for _ in range(500)])
    for level in (0.05, 0.1, 0.5):
        share = np.mean(p <= level)
        assert share <= level + 4 * math.sqrt(level * (1 - level) / 500)
        assert share >= level - 4 * math.sqrt(level * (1 - level) / 500) - 0.02


def test_per_feature_corrections_and_json():
    ref = rng.standard_normal((400, 5))
    cur = rng.standard_normal((300, 5)) + [0, 0.7, 0, 0, -0.7]
    for correction in ("bonferroni", "fdr_bh"):
        r = db.two_sample_per_feature("ks", ref, cur, correction, alpha=0.01)
        assert r.drifted.tolist() == [False, True, False, False, True]
        p = np.array([f.p_value for f in r.features])
        if correction == "bonferroni":
            np.testing.assert_array_equal(r.adjusted_p_values, np.minimum(1, p * 5))
        back = db.FeatureDriftResult.from_json(r.to_json())
        np.testing.assert_array_equal(back.adjusted_p_values, r.adjusted_p_values)
        assert back.drifted.tolist() == r.drifted.tolist()
    w = db.two_sample_per_feature("wasserstein_normalized", ref, cur, statistic_threshold=0.3)
    assert w.correction == "threshold" and w.drifted.tolist() == [False, True, False, False, True]
    assert np.isnan(w.adjusted_p_values).all()
    r = db.two_sample_per_feature("ks", ref, cur, ks_alternative="greater", ks_method="asymp")
    assert r.features[1].p_value == pytest.approx(
        stats.ks_2samp(ref[:, 1], cur[:, 1], alternative="greater", method="asymp").pvalue,
        rel=1e-10)


def test_identical_samples():
    a = rng.standard_normal(200)
    assert db.ks_2samp(a, a).statistic == 0.0 and db.ks_2samp(a, a).p_value == 1.0
    assert db.psi(a, a).statistic == 0.0
    assert db.wasserstein(a, a).statistic == 0.0
    assert db.jensen_shannon(a, a).statistic == 0.0


@pytest.mark.parametrize("call,match", [
    (lambda: db.ks_2samp([], [1.0]), "reference sample is empty"),
    (lambda: db.ks_2samp([1.0, np.nan], [1.0]), "must be finite"),
    (lambda: db.ks_2samp([[1.0]], [1.0]), "1-D array"),
    (lambda: db.ks_2samp(["a"], [1.0]), "real numbers"),
    (lambda: db.ks_2samp([1.0], [2.0], alternative="two"), "'two-sided', 'less' or 'greater'"),
    (lambda: db.cramer_von_mises_2samp([1.0], [1.0, 2.0]), "at least 2 values"),
    (lambda: db.psi([1.0, 2.0], [1.0], bins=1), "bins must be >= 2"),
    (lambda: db.psi([1.0, 2.0], [1.0], epsilon=2.0), "epsilon must be in"),
    (lambda: db.jensen_shannon([1.0], [2.0], base=1.0), "base must be"),
    (lambda: db.wasserstein([1.0, 1.0], [2.0], normalized=True), "constant"),
    (lambda: db.mmd_test(np.ones((1, 2)), np.ones((3, 2))), "at least 2 rows"),
    (lambda: db.mmd_test(np.ones((3, 2)), np.ones((3, 2)), bandwidth=-1.0), "bandwidth"),
    (lambda: db.two_sample_per_feature("kolmogorov", np.ones((3, 1)), np.ones((3, 1))),
     "test must be one of"),
    (lambda: db.two_sample_per_feature("psi", np.ones((3, 1)), np.ones((3, 1))),
     "statistic_threshold"),
    (lambda: db.two_sample_per_feature("ks", np.ones((3, 2)), np.ones((3, 1))),
     "same number of feature columns"),
    (lambda: db.two_sample_per_feature("ks", np.ones((3, 1)), np.ones((3, 1)), bins_=3),
     "unknown two-sample option 'bins_'"),
])
def test_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
