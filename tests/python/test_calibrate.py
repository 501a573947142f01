"""ecgad.calibrate from Python: thresholds equal to numpy/scipy, multiple testing equal to
statsmodels (live, when installed), GPD fits reaching scipy's likelihood, POT quantiles against
exact ones, conformal p-values uniform under the null and the target-FPR guarantee on fresh
draws (beta-binomial bound), SPOT state round trips, JSON interchange, and rejected input."""
import json

import numpy as np
import pytest
from scipy import stats

import ecgad
from ecgad import calibrate as cal

try:
    from statsmodels.stats.multitest import multipletests
except ImportError:  # pragma: no cover - depends on the machine
    multipletests = None

needs_statsmodels = pytest.mark.skipif(
    multipletests is None, reason="statsmodels is not importable (Debian python3-statsmodels)")


@needs_statsmodels
@pytest.mark.parametrize("m", [1, 7, 100, 1000])
@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_multiple_testing_equals_statsmodels(rng, m, alpha):
    p = np.concatenate([rng.random(m - m // 10), rng.random(m // 10) * 1e-3])
    p[: m // 5] = np.round(p[: m // 5], 2)  # ties
    for ours, method in ((cal.bonferroni, "bonferroni"), (cal.benjamini_hochberg, "fdr_bh")):
        reject, adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
        r = ours(p, alpha)
        np.testing.assert_array_equal(r.rejected, reject)
        np.testing.assert_array_equal(r.adjusted, adjusted)
        assert r.rejected.dtype == np.bool_


def test_thresholds_equal_numpy_and_scipy(rng):
    for x in (rng.standard_normal(1001), rng.exponential(1.0, 64), np.round(rng.random(50), 1)):
        assert cal.mean_std_threshold(x).value == pytest.approx(x.mean() + x.std(), rel=1e-13)
        assert cal.mean_std_threshold(x, 2.0, ddof=1).value == pytest.approx(
            x.mean() + 2.0 * x.std(ddof=1), rel=1e-13)
        for level in (0.0, 0.3, 0.5, 0.9, 0.99, 1.0):
            assert cal.quantile_threshold(x, level).value == np.quantile(x, level)
        mad = stats.median_abs_deviation(x, scale="normal")
        t = cal.mad_threshold(x, 3.0)
        assert t.value == pytest.approx(np.median(x) + 3.0 * mad, rel=1e-13)
        assert t.parameters["mad"] == pytest.approx(mad, rel=1e-14)


def test_target_fpr_threshold_is_the_conformal_rank(rng):
    x = rng.standard_normal(99)
    for alpha in (0.01, 0.05, 0.1, 0.37):
        k = int(np.ceil(100 * (1 - alpha) - 1e-9))
        t = cal.target_fpr_threshold(x, alpha)
        assert t.value == np.sort(x)[k - 1]
        assert t.parameters == {"alpha": alpha, "rank": float(k), "n": 99.0}
    with pytest.raises(ValueError, match=r"below 1/\(n\+1\)"):
        cal.target_fpr_threshold(x, 0.009)


def test_target_fpr_coverage_on_fresh_draws_within_the_beta_binomial_bound():
    # Exceedances among m fresh draws over calibration sets follow BetaBinomial(m, n+1-k, k)
    # exactly for continuous scores; count seeds beyond its 0.5% tails.
    n, alpha, m, seeds = 99, 0.1, 500, 400
    k = 90
    law = stats.betabinom(m, n + 1 - k, k)
    lo, hi = law.ppf(0.005), law.ppf(0.995)
    counts = []
    for seed in range(seeds):
        g = np.random.default_rng(seed)
        t = cal.target_fpr_threshold(g.lognormal(size=n), alpha).value
        counts.append(int((g.lognormal(size=m) > t).sum()))
    counts = np.array(counts)
    outside = np.mean((counts < lo) | (counts > hi))
    assert outside <= 0.01 + 3 * np.sqrt(0.01 / seeds)
    assert abs(counts.mean() / m - (n + 1 - k) / (n + 1)) < 4 * law.std() / m / np.sqrt(seeds)
    assert counts.mean() / m <= alpha + 0.01


def test_conformal_pvalues_uniform_under_the_null():
    n, draws = 19, 3000
    g = np.random.default_rng(7)
    p = np.array([cal.ConformalCalibrator(g.standard_normal(n)).pvalues(g.standard_normal(1))[0]
                  for _ in range(draws)])
    # Discrete uniform on {1..20}/20: chi-square over the 20 values and a KS-type distance.
    counts = np.bincount(np.rint(p * (n + 1)).astype(int), minlength=n + 2)[1:]
    assert stats.chisquare(counts).pvalue > 1e-3
    grid = np.arange(1, n + 2) / (n + 1)
    ks = np.max(np.abs(np.searchsorted(np.sort(p), grid + 1e-12) / draws - grid))
    assert ks < 1.95 / np.sqrt(draws)


def test_conformal_threshold_and_pvalues_agree(rng):
    c = rng.standard_normal(200)
    cc = cal.ConformalCalibrator(c)
    s = rng.standard_normal(500) * 1.5
    p = cc.pvalues(s)
    np.testing.assert_array_equal(p, (1 + (c[None, :] >= s[:, None]).sum(1)) / 201)
    for alpha in (0.005, 0.05, 0.2):
        np.testing.assert_array_equal(p <= alpha, cc.threshold(alpha).is_anomalous(s))
    r = cc.select(s, 0.1)
    np.testing.assert_array_equal(r.adjusted, cal.benjamini_hochberg(p, 0.1).adjusted)
    with pytest.raises(ValueError, match="alpha_anomaly"):
        cc.decide(s, alpha_anomaly=0.1, alpha_normal=0.05)
    with pytest.raises(ValueError, match=r"below 1/\(n\+1\)"):
        cc.decide(s, alpha_anomaly=0.001, alpha_normal=0.05)
    back = cal.ConformalCalibrator.from_json(json.dumps(cc.to_json()))
    np.testing.assert_array_equal(back.pvalues(s), p)


@pytest.mark.parametrize("shape", [-0.2, 0.0, 0.3])
def test_gpd_fit_reaches_scipy_likelihood(shape):
    y = stats.genpareto.rvs(shape, scale=1.5, size=3000, random_state=11)
    fit = cal.fit_gpd(y)
    c, _, s = stats.genpareto.fit(y, floc=0)
    scipy_ll = stats.genpareto.logpdf(y, c, scale=s).sum()
    assert fit.loglik >= scipy_ll - 1e-6 * abs(scipy_ll)
    assert fit.loglik == pytest.approx(stats.genpareto.logpdf(y, fit.shape,
                                                              scale=fit.scale).sum(), rel=1e-12)
    assert fit.shape == pytest.approx(c, abs=5e-3)
    assert cal.gpd_loglik(y, c, s) == pytest.approx(scipy_ll, rel=1e-12)


def test_pot_quantiles_match_exact_and_scipy_genpareto(rng):
    x = rng.exponential(1.0, 500_000)
    pot = cal.fit_pot(x, 0.98)
    assert pot.initial_threshold == np.quantile(x, 0.98)
    g = pot.gpd
    for q in (1e-4, 1e-5, 1e-6):
        z = pot.quantile(q)
        assert z == pytest.approx(-np.log(q), rel=0.1)
        ratio = q * pot.n / pot.n_peaks
        assert z == pytest.approx(pot.initial_threshold +
                                  stats.genpareto.isf(ratio, g.shape, scale=g.scale), rel=1e-12)
        assert pot.pvalues([z])[0] == pytest.approx(q, rel=1e-9)
    assert pot.threshold(1e-5).method == "pot"
    back = cal.Pot.from_json(pot.to_json())
    assert back.quantile(1e-6) == pot.quantile(1e-6)
    with pytest.raises(ValueError, match="risk q"):
        pot.quantile(0.5)


def test_spot_exact_alarms_state_round_trip_and_chunking():
    g = np.random.default_rng(2017)
    x = g.standard_normal(4000)
    x[3000:3020] += 6.0
    spot = cal.Spot(risk_q=1e-3, level=0.98, n_init=1000, depth=0)
    events = spot.process(x)
    alarms = np.flatnonzero(events == cal.ALARM)
    assert set(range(3000, 3020)) <= set(alarms.tolist())
    assert len(alarms) <= 20 + 8  # z_q(1e-3): ~3 false alarms expected in 3000
    for depth in (0, 25):
        a = cal.Spot(risk_q=1e-3, n_init=1000, depth=depth)
        a.process(x[:2000])
        b = cal.Spot.from_state(json.dumps(a.state()))
        np.testing.assert_array_equal(a.process(x[2000:]), b.process(x[2000:]))
        assert a.state() == b.state()
        c = cal.Spot(risk_q=1e-3, n_init=1000, depth=depth)
        pieces = np.concatenate([c.process(x[i:i + 333]) for i in range(0, x.size, 333)])
        d = cal.Spot(risk_q=1e-3, n_init=1000, depth=depth)
        np.testing.assert_array_equal(pieces, d.process(x))


def test_labelled_thresholds_equal_brute_force(rng):
    y = (rng.random(400) < 0.2).astype(int)
    s = np.round(rng.standard_normal(400) + 1.5 * y, 1)
    cuts = np.unique(s)
    tp = np.array([(s[y == 1] >= c).sum() for c in cuts])
    fp = np.array([(s[y == 0] >= c).sum() for c in cuts])
    f1 = 2 * tp / (2 * tp + (y.sum() - tp) + fp)
    j = tp / y.sum() - fp / (y == 0).sum()
    t = cal.f_beta_threshold(y, s)
    assert t.parameters["f_beta"] == pytest.approx(f1.max(), abs=1e-12)
    assert ((s > t.value) == (s >= t.parameters["cut"])).all()
    u = cal.youden_threshold(y.astype(bool), s)
    assert u.parameters["youden_j"] == pytest.approx(j.max(), abs=1e-12)


def test_threshold_json_interchange_with_cpp_format():
    t = cal.mean_std_threshold([1.0, 2.0, 4.0], k=2.0)
    doc = t.to_json()
    assert doc["method"] == "mean_std" and doc["parameters"]["k"] == 2.0
    assert cal.Threshold.from_json(json.dumps(doc)) == t
    with pytest.raises(ecgad.FormatError):
        cal.Threshold.from_json({"method": "x"})


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="1-D array"):
        cal.mean_std_threshold(np.ones((2, 2)))
    with pytest.raises(ValueError, match="real numbers"):
        cal.quantile_threshold(np.array(["a"]), 0.5)
    with pytest.raises(ecgad.InvalidArgument, match=r"scores\[1\] is nan"):
        cal.mad_threshold([1.0, np.nan])
    with pytest.raises(ValueError, match="scores has 0 values"):
        cal.target_fpr_threshold([], 0.5)
    with pytest.raises(ValueError, match=r"pvalues\[0\] is 2"):
        cal.bonferroni([2.0])
    with pytest.raises(ValueError, match="expected equal sizes|one score per label"):
        cal.youden_threshold([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="level is 1.5"):
        cal.fit_pot(np.arange(1000.0), 1.5)
    with pytest.raises(ValueError, match="risk_q"):
        cal.Spot(risk_q=0.5)
    with pytest.raises(ValueError, match="value 0 is inf"):
        cal.Spot().update(np.inf)
    with pytest.raises(ValueError, match="excesses"):
        cal.fit_gpd([1.0])


# --- tail options (log transform, Weibull-type tail) and SPOT's max_peaks --------------------

def _weibull_profile_mle(y, u_t):
    """Independent reference: the exponent maximising the Weibull-tail profile likelihood
    (scipy.optimize.minimize_scalar, bounded), and the scale's closed-form MLE."""
    from scipy import optimize

    log_ratio = np.log1p(y / u_t)

    def mean_excess(a):
        return log_ratio.mean() if a == 0 else np.mean(np.expm1(a * log_ratio)) / a

    profile = lambda a: -(-y.size * np.log(mean_excess(a)) + a * log_ratio.sum())
    grid = np.linspace(0.0, 8.0, 65)
    a0 = grid[np.argmin([profile(a) for a in grid])]
    r = optimize.minimize_scalar(profile, bounds=(max(0.0, a0 - 0.125), min(8.0, a0 + 0.125)),
                                 method="bounded", options={"xatol": 1e-12})
    return r.x, u_t ** r.x * mean_excess(r.x)


@pytest.mark.parametrize("law", ["normal", "lognormal"])
def test_fit_weibull_tail_equals_scipy_optimum(law):
    g = np.random.default_rng(17)
    x = g.standard_normal(100_000) if law == "normal" else g.lognormal(size=100_000)
    t = np.quantile(x, 0.98)
    if law == "normal":
        y, u_t = x[x > t] - t, t - np.median(x)
    else:
        y, u_t = np.log1p((x[x > t] - t) / t), np.log(t / np.median(x))
    fit = cal.fit_weibull_tail(y, u_t)
    a, scale = _weibull_profile_mle(y, u_t)
    assert fit.exponent == pytest.approx(a, abs=1e-6)
    assert fit.scale == pytest.approx(scale, rel=1e-6)
    assert fit.threshold_offset == u_t and fit.n_excesses == y.size
    assert fit.loglik >= cal.weibull_tail_loglik(y, a, scale, u_t) - 1e-9 * abs(fit.loglik)
    # The same model through fit_pot.
    pot = cal.fit_pot(x, 0.98, transform="identity" if law == "normal" else "log",
                      tail="weibull")
    assert pot.weibull.exponent == pytest.approx(fit.exponent, abs=1e-8)  # excesses to 1 ulp
    assert pot.center == np.median(x)


def test_pot_tail_options_meet_ten_percent_at_one_in_a_million():
    # Issue 5 §1 on 3 seeds of 10^6 scores (the C++ test runs 5 others), exact quantiles from
    # scipy. Every sample within 10% for Gaussian / exponential at 1e-4..1e-6 and log-normal at
    # 1e-4..1e-5; log-normal at 1e-6 has a per-sample spread of ~5% (sd) around a small bias,
    # so there the mean error is held to 10% and each sample to 20% (docs/calibrate.md; seed
    # 100 here is one of the ~10% of samples beyond 10%: +14.5%).
    qs = np.array([1e-4, 1e-5, 1e-6])
    lognormal_errors = []
    for seed in range(3):
        g = np.random.default_rng(100 + seed)
        for law, x, exact, options in (
                ("normal", g.standard_normal(1_000_000), stats.norm.isf(qs),
                 dict(tail="weibull")),
                ("exponential", g.exponential(1.0, 1_000_000), stats.expon.isf(qs),
                 dict(tail="weibull")),
                ("lognormal", g.lognormal(0.0, 1.0, 1_000_000), stats.lognorm.isf(qs, 1.0),
                 dict(transform="log", tail="weibull"))):
            pot = cal.fit_pot(x, 0.98, **options)
            z = np.array([pot.quantile(q) for q in qs])
            error = z / exact - 1
            bound = np.array([0.1, 0.1, 0.2 if law == "lognormal" else 0.1])
            np.testing.assert_array_less(np.abs(error), bound)
            np.testing.assert_allclose(pot.pvalues(z), qs, rtol=1e-9)
            if law == "lognormal":
                lognormal_errors.append(error)
    assert np.all(np.abs(np.mean(lognormal_errors, axis=0)) < 0.1)


def test_pot_log_transform_maps_back_and_json_keeps_the_options():
    x = np.random.default_rng(3).lognormal(0.0, 1.0, 50_000)
    pot = cal.fit_pot(x, 0.95, transform="log")
    t = pot.initial_threshold
    assert t == np.quantile(x, 0.95) and pot.transform == "log" and pot.tail == "gpd"
    y = np.log1p((x[x > t] - t) / t)
    direct = cal.fit_gpd(y)
    assert pot.gpd.shape == pytest.approx(direct.shape, rel=1e-10)  # numpy's log1p vs libm's
    for q in (1e-3, 1e-6):
        ratio = q * pot.n / pot.n_peaks
        assert pot.quantile(q) == pytest.approx(
            t * np.exp(stats.genpareto.isf(ratio, direct.shape, scale=direct.scale)), rel=1e-12)
    assert pot.threshold(1e-5).parameters["log_transform"] == 1.0
    for transform, tail in (("log", "weibull"), ("identity", "weibull"), ("log", "gpd")):
        p = cal.fit_pot(x, 0.98, transform=transform, tail=tail)
        doc = p.to_json()
        assert (doc["transform"], doc["tail"]) == (transform, tail)
        back = cal.Pot.from_json(json.dumps(doc))
        assert back.quantile(1e-6) == p.quantile(1e-6)
        assert (back.transform, back.tail) == (transform, tail)
    # A document from before the options reads as the classic POT.
    classic = cal.fit_pot(x)
    doc = classic.to_json()
    del doc["transform"], doc["tail"]
    back = cal.Pot.from_json(doc)
    assert (back.transform, back.tail) == ("identity", "gpd")
    assert back.quantile(1e-6) == classic.quantile(1e-6)
    assert "tail='gpd'" in repr(back)


def test_spot_max_peaks_bounds_the_tail_and_matches_unbounded_under_the_cap():
    g = np.random.default_rng(2017)
    x = g.standard_normal(4000)
    x[3000:3020] += 6.0
    free = cal.Spot(risk_q=1e-3, n_init=1000)
    capped = cal.Spot(risk_q=1e-3, n_init=1000, max_peaks=40)
    assert capped.config["max_peaks"] == 40 and free.config["max_peaks"] == 0
    for i, v in enumerate(x):
        a, b = free.update(v), capped.update(v)
        assert capped.n_peaks <= 40
        if free.n_peaks <= 40:
            assert a == b and free.threshold == capped.threshold, i
    assert capped.n_peaks == 40 < capped.n_peaks_total
    assert free.n_peaks_total == free.n_peaks
    restored = cal.Spot.from_state(capped.state())
    tail = g.standard_normal(500)
    np.testing.assert_array_equal(restored.process(tail), capped.process(tail))
    assert restored.state() == capped.state()


def test_spot_log_weibull_tail_on_positive_scores():
    g = np.random.default_rng(8)
    x = g.lognormal(0.0, 1.0, 20_000)
    x[15_000:15_005] += 100.0
    spot = cal.Spot(risk_q=1e-4, n_init=10_000, transform="log", tail="weibull")
    events = spot.process(x)
    assert (events[15_000:15_005] == cal.ALARM).all()
    assert spot.config["transform"] == "log" and spot.config["tail"] == "weibull"
    pot = cal.fit_pot(x[:10_000], 0.98, transform="log", tail="weibull")
    first = cal.Spot(risk_q=1e-4, n_init=10_000, transform="log", tail="weibull")
    first.process(x[:10_000])
    assert first.threshold == pot.quantile(1e-4)
    assert first.weibull.exponent == pot.weibull.exponent
    back = cal.Spot.from_state(json.dumps(first.state()))
    np.testing.assert_array_equal(back.process(x[10_000:]), events[10_000:])


def test_tail_options_reject_bad_input():
    x = np.random.default_rng(0).standard_normal(10_000)
    with pytest.raises(ValueError, match="transform must be one of"):
        cal.fit_pot(x, transform="sqrt")
    with pytest.raises(ValueError, match="tail must be one of"):
        cal.Spot(tail="gev")
    with pytest.raises(ValueError, match="the log transform expected it > 0"):
        cal.fit_pot(x - 10.0, transform="log")
    with pytest.raises(ValueError, match=r"median > 0"):
        cal.fit_pot(x, transform="log", tail="weibull")
    with pytest.raises(ValueError, match="is not above the median"):
        cal.fit_pot(x, 0.4, tail="weibull")
    with pytest.raises(ValueError, match="max_peaks is 3"):
        cal.Spot(max_peaks=3)
    with pytest.raises(ValueError, match="threshold_offset is -1"):
        cal.fit_weibull_tail([1.0, 2.0], -1.0)
