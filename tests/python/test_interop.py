"""Any model's scores through ecgad.calibrate, ecgad.drift and ecgad.metrics.

Scores of scikit-learn's IsolationForest (and a torch model) give conformal p-values equal to
the formula computed in numpy, a target-FPR threshold that holds on fresh inliers,
Benjamini-Hochberg equal to statsmodels and a ROC AUC equal to scikit-learn's; every input
form (float32, a column, a list, a pandas Series, a strided view, a CPU tensor) gives the same
bits as a float64 array; the streaming detectors find a mean shift of such scores after it
happens and not before; POT on exponential scores reaches the exact quantile; and every bad
input is a ValueError naming the argument and what was expected."""
import math

import numpy as np
import pytest

from ecgad import calibrate as cal
from ecgad import drift, metrics

try:
    from statsmodels.stats.multitest import multipletests
except ImportError:  # pragma: no cover - depends on the machine
    multipletests = None


@pytest.fixture(scope="module")
def forest():
    """An IsolationForest fitted on 2000 inliers of a 2-D standard Gaussian."""
    ensemble = pytest.importorskip("sklearn.ensemble")
    x = np.random.default_rng(7).standard_normal((2000, 2))
    return ensemble.IsolationForest(n_estimators=100, random_state=0).fit(x)


def anomaly_score(model, x):
    """IsolationForest's ``-score_samples``: higher is more anomalous, as ecgad expects."""
    return -model.score_samples(x)


@pytest.fixture(scope="module")
def split(forest):
    """Calibration inliers, and a test set of 950 inliers + 50 planted outliers (label 1)."""
    rng = np.random.default_rng(11)
    calibration = anomaly_score(forest, rng.standard_normal((2000, 2)))
    outliers = rng.uniform(3.0, 6.0, (50, 2)) * rng.choice([-1.0, 1.0], (50, 2))
    x = np.vstack([rng.standard_normal((950, 2)), outliers])
    y = np.r_[np.zeros(950, dtype=int), np.ones(50, dtype=int)]
    return calibration, anomaly_score(forest, x), y


# --- IsolationForest scores: conformal p-values, target FPR, BH, ROC AUC ----------------------

def test_conformal_pvalues_equal_the_formula_on_isolation_forest_scores(split):
    calibration, scores, _ = split
    cc = cal.ConformalCalibrator(calibration)
    by_hand = (1 + (calibration[None, :] >= scores[:, None]).sum(axis=1)) / (calibration.size + 1)
    np.testing.assert_array_equal(cc.pvalues(scores), by_hand)
    assert cc.size == 2000
    # p <= alpha exactly when the score exceeds the calibrator's threshold
    t = cc.threshold(0.05).value
    np.testing.assert_array_equal(cc.pvalues(scores) <= 0.05, scores > t)


def test_target_fpr_threshold_holds_on_fresh_inliers(forest, split):
    calibration, _, _ = split
    alpha = 0.05
    t = cal.target_fpr_threshold(calibration, alpha)
    n = calibration.size
    assert t.value == np.sort(calibration)[math.ceil((n + 1) * (1 - alpha)) - 1]
    fresh = anomaly_score(forest, np.random.default_rng(12).standard_normal((20000, 2)))
    fpr = float(np.mean(t.is_anomalous(fresh)))
    # Given the calibration set, the FPR is ~Beta around alpha with sd sqrt(a(1-a)/n) = 0.005;
    # on 30 calibration seeds it ranged over [0.040, 0.062]. 0.02 is four sd.
    assert alpha - 0.02 <= fpr <= alpha + 0.02


@pytest.mark.skipif(multipletests is None, reason="statsmodels is not importable")
def test_benjamini_hochberg_on_conformal_pvalues_equals_statsmodels(split):
    calibration, scores, y = split
    p = cal.ConformalCalibrator(calibration).pvalues(scores)
    for alpha in (0.05, 0.1, 0.2):
        ours = cal.benjamini_hochberg(p, alpha)
        reject, adjusted, _, _ = multipletests(p, alpha=alpha, method="fdr_bh")
        np.testing.assert_array_equal(ours.rejected, reject)
        np.testing.assert_allclose(ours.adjusted, adjusted, rtol=1e-12, atol=0)
        assert ours.rejected[y == 1].mean() > 0.9  # the planted outliers are found
    selected = cal.ConformalCalibrator(calibration).select(scores, fdr=0.1)
    np.testing.assert_array_equal(selected.rejected,
                                  multipletests(p, alpha=0.1, method="fdr_bh")[0])


def test_ranking_metrics_equal_sklearn_on_isolation_forest_scores(split):
    skm = pytest.importorskip("sklearn.metrics")
    _, scores, y = split
    assert metrics.roc_auc(y, scores) == pytest.approx(skm.roc_auc_score(y, scores), rel=1e-12)
    assert metrics.average_precision(y, scores) == pytest.approx(
        skm.average_precision_score(y, scores), rel=1e-12)
    assert metrics.roc_auc(y, scores) > 0.95
    # sklearn's own sign convention (score_samples: higher = more normal) inverts the AUC
    assert metrics.roc_auc(y, -scores) == pytest.approx(1 - metrics.roc_auc(y, scores), rel=1e-12)


# --- every input form gives the same bits -----------------------------------------------------

def _forms(v32):
    """The float32 scores `v32` in every form a user may hold them in."""
    pd = pytest.importorskip("pandas")
    torch = pytest.importorskip("torch")
    strided = np.zeros(2 * v32.size, dtype=np.float32)
    strided[::2] = v32
    return {
        "float32": v32,
        "float64 F-ordered column": np.asfortranarray(v32.astype(np.float64)[:, None]),
        "float32 column of a 2-D F-ordered matrix": np.asfortranarray(np.c_[v32, v32])[:, 1],
        "strided view": strided[::2],
        "list of floats": [float(v) for v in v32],
        "tuple of numpy scalars": tuple(v32),
        "pandas Series": pd.Series(v32, index=np.arange(v32.size) * 3),
        "pandas nullable Float64 Series": pd.Series(v32.astype(np.float64), dtype="Float64"),
        "one-column DataFrame": pd.DataFrame({"score": v32}),
        "CPU torch tensor": torch.from_numpy(v32.copy()),
    }


def test_every_input_form_gives_identical_thresholds_and_pvalues(split):
    calibration, scores, y = split
    c32, s32 = calibration.astype(np.float32), scores.astype(np.float32)
    c64, s64 = c32.astype(np.float64), s32.astype(np.float64)  # the reference: same values

    def results(c, s):
        cc = cal.ConformalCalibrator(c)
        out = {
            "mean_std": cal.mean_std_threshold(c, k=3.0).value,
            "quantile": cal.quantile_threshold(c, 0.99).value,
            "mad": cal.mad_threshold(c).value,
            "target_fpr": cal.target_fpr_threshold(c, 0.01).value,
            "pot": cal.fit_pot(c, level=0.95).quantile(1e-4),
            "pvalues": cc.pvalues(s),
            "bh": cal.benjamini_hochberg(cc.pvalues(s), 0.1).adjusted,
            "bonferroni": cal.bonferroni(cc.pvalues(s), 0.1).rejected,
            "decide": cc.decide(s, 0.01, 0.1),
            "roc_auc": metrics.roc_auc(y, s),
            "youden": cal.youden_threshold(y, s).value,
            "f_beta": cal.f_beta_threshold(y, s, beta=2.0).value,
            "adwin": drift.ADWIN().update_many(s),
        }
        if np.ndim(c) == 1:  # the two-sample tests take 1-D samples only (see test_bad_inputs)
            out["ks"] = drift.ks_2samp(c, s).p_value
        return out

    reference = results(c64, s64)
    c_forms, s_forms = _forms(c32), _forms(s32)
    for form in c_forms:
        got = results(c_forms[form], s_forms[form])
        assert set(got) <= set(reference) and len(got) >= len(reference) - 1
        for key, value in got.items():
            np.testing.assert_array_equal(value, reference[key], err_msg=f"{key} from {form}")


def test_label_forms_give_identical_metrics(split):
    pd = pytest.importorskip("pandas")
    _, scores, y = split
    expected = metrics.roc_auc(y, scores)
    for labels in (y.astype(bool), y.astype(np.float32), list(y), pd.Series(y.astype(bool)),
                   pd.Series(y, dtype="Int64"), pd.Series(y.astype(bool), dtype="boolean"),
                   y[:, None]):
        assert metrics.roc_auc(labels, scores) == expected
        assert cal.youden_threshold(labels, scores) == cal.youden_threshold(y, scores)


def test_a_float64_c_contiguous_array_is_not_copied():
    from ecgad import _drift_batch

    a = np.linspace(0.0, 1.0, 10)
    assert cal._vector(a, "scores") is a
    assert drift._values(a, "x") is a
    assert _drift_batch._sample(a, "reference") is a
    y, s = metrics._inputs(np.r_[np.zeros(5), np.ones(5)], a)
    assert s is a


# --- streaming detectors on a stream of IsolationForest scores --------------------------------

SHIFT_AT = 3000


def shifted_score_stream(forest, seed):
    """Standardised IsolationForest scores: 3000 inliers, then 1000 points shifted by (2, 2)
    (a ~3 sd rise of the mean score)."""
    rng = np.random.default_rng(seed)
    reference = anomaly_score(forest, rng.standard_normal((1000, 2)))
    x = np.vstack([rng.standard_normal((SHIFT_AT, 2)), rng.standard_normal((1000, 2)) + 2.0])
    return (anomaly_score(forest, x) - reference.mean()) / reference.std()


# Detectors set for a standardised score (PageHinkley's delta and threshold are in its unit).
# On 40 seeds of this stream: no alarm before the shift for any of them; first alarm after it
# at most 39 (ADWIN, which checks every 32 updates), 17 (Page-Hinkley), 30 (KSWIN) updates
# late. KSWIN's default alpha = 0.005 tests at every update: 3000 updates at alpha = 1e-4 still
# gave a false alarm on 8 of 40 seeds, hence 1e-6.
DETECTORS = {
    "ADWIN": (lambda seed: drift.ADWIN(), 100),
    "PageHinkley": (lambda seed: drift.PageHinkley(delta=0.5, threshold=25.0, mode="increase"),
                    50),
    "KSWIN": (lambda seed: drift.KSWIN(alpha=1e-6, seed=seed), 100),
}


@pytest.mark.parametrize("name", sorted(DETECTORS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_detectors_find_a_shift_of_isolation_forest_scores(forest, name, seed):
    z = shifted_score_stream(forest, seed)
    assert z[SHIFT_AT:].mean() - z[:SHIFT_AT].mean() > 2.5
    make, max_delay = DETECTORS[name]
    drifts = np.flatnonzero(make(seed).update_many(z) == 2)  # int8 levels: 2 is drift
    assert drifts.size and drifts[0] >= SHIFT_AT, f"{name} alarmed before the shift: {drifts}"
    assert drifts[0] - SHIFT_AT < max_delay


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_update_many_on_a_pandas_series_equals_update_on_floats(forest, name):
    pd = pytest.importorskip("pandas")
    z = shifted_score_stream(forest, 4)
    series = pd.Series(z.astype(np.float32), index=pd.RangeIndex(10, 10 + z.size))
    make, _ = DETECTORS[name]
    many = make(4).update_many(series)
    one = make(4)
    loop = np.array([int(one.update(float(v))) for v in series], dtype=np.int8)
    np.testing.assert_array_equal(many, loop)
    assert (many == 2).any()
    # numpy scalars (what iterating an array yields) are accepted by update() as well
    one = make(4)
    np.testing.assert_array_equal([int(one.update(v)) for v in z.astype(np.float32)], loop)


@pytest.mark.parametrize("name,max_delay", [("DDM", 800), ("EDDM", 400), ("HDDMA", 400)])
@pytest.mark.parametrize("seed", [1, 2])
def test_error_rate_detectors_on_a_bool_error_stream(name, max_delay, seed):
    # A classifier wrong 10 % of the time, then 30 % from index 2000, as numpy bools.
    rng = np.random.default_rng(seed)
    errors = np.r_[rng.random(2000) < 0.1, rng.random(2000) < 0.3]
    make = getattr(drift, name)
    levels = make().update_many(errors)
    np.testing.assert_array_equal(levels, make().update_many(errors.astype(np.float64)))
    one = make()
    np.testing.assert_array_equal(levels, [int(one.update(e)) for e in errors])  # np.bool_
    drifts = np.flatnonzero(levels == 2)
    after = drifts[drifts >= 2000]
    assert after.size and after[0] - 2000 < max_delay
    if name == "HDDMA":
        # On 40 seeds HDDM_A never alarmed before the change; DDM (20 of 40) and EDDM (39 of
        # 40) do with their defaults on 2000 labels at 10 % errors, a known trait of both.
        assert drifts[0] >= 2000


# --- POT on exponential scores ----------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pot_reaches_the_exact_exponential_quantile(seed):
    x = np.random.default_rng(seed).exponential(1.0, 100_000)
    pot = cal.fit_pot(x)
    exact = -math.log(1e-4)  # scipy.stats.expon.isf(1e-4)
    # on 30 seeds the worst relative error was 5.8 %
    assert pot.quantile(1e-4) == pytest.approx(exact, rel=0.1)
    # a relative error e of the quantile is a factor ~exp(e * 9.2) on the tail probability
    assert 0.5e-4 < pot.pvalues([exact])[0] < 2e-4
    assert pot.pvalues([pot.quantile(1e-4)])[0] == pytest.approx(1e-4, rel=1e-9)
    assert cal.fit_pot(x.astype(np.float32)).quantile(1e-4) == \
        cal.fit_pot(x.astype(np.float32).astype(np.float64)).quantile(1e-4)


# --- a torch model's scores -------------------------------------------------------------------

def test_torch_model_scores_feed_the_calibrator_and_adwin():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Linear(2, 4))  # an autoencoder
    g = torch.Generator().manual_seed(1)
    calibration_x = torch.randn(500, 4, generator=g)
    test_x = torch.cat([torch.randn(200, 4, generator=g), 4 + torch.randn(20, 4, generator=g)])
    with torch.no_grad():
        cal_scores = ((model(calibration_x) - calibration_x) ** 2).mean(dim=1)  # float32 (n,)
        test_scores = ((model(test_x) - test_x) ** 2).mean(dim=1, keepdim=True)  # (n, 1)
    assert cal_scores.dtype == torch.float32 and tuple(test_scores.shape) == (220, 1)
    cc = cal.ConformalCalibrator(cal_scores)
    p = cc.pvalues(test_scores)
    c, s = cal_scores.numpy().astype(np.float64), test_scores.numpy()[:, 0].astype(np.float64)
    np.testing.assert_array_equal(p, cal.ConformalCalibrator(c).pvalues(s))
    np.testing.assert_array_equal(p, (1 + (c[None, :] >= s[:, None]).sum(axis=1)) / (c.size + 1))
    assert (p[200:] == 1 / 501).all()  # the shifted rows score above every calibration row
    stream = torch.cat([cal_scores, test_scores[:, 0]])
    np.testing.assert_array_equal(drift.ADWIN().update_many(stream),
                                  drift.ADWIN().update_many(stream.numpy().astype(np.float64)))
    assert drift.ADWIN().update(stream[0]) == drift.DriftLevel.none  # a 0-d tensor is a scalar


def test_a_tensor_that_requires_grad_is_refused_with_the_fix():
    torch = pytest.importorskip("torch")
    t = torch.ones(5, requires_grad=True)
    with pytest.raises(ValueError, match=r"calibration_scores must be an array of real numbers;"
                                         r" numpy cannot read this Tensor: .*detach"):
        cal.ConformalCalibrator(t)
    with pytest.raises(ValueError, match=r"x must be an array of real numbers; .*detach"):
        drift.ADWIN().update_many(t)
    with pytest.raises(ValueError, match=r"scores must be an array of real numbers; .*detach"):
        metrics.roc_auc([0, 1, 0, 1, 0], t)
    with pytest.raises(ValueError, match=r"reference must be an array of real numbers"):
        drift.ks_2samp(t, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"scores must hold real numbers, got dtype complex64"):
        cal.quantile_threshold(torch.ones(3, dtype=torch.complex64), 0.5)
    cal.ConformalCalibrator(t.detach())  # the fix the message names


# --- bad inputs -------------------------------------------------------------------------------

BAD_SCORES = [
    (np.ones((3, 2)), r"must be a 1-D array of shape \(n,\) \(or one column, \(n, 1\)\), "
                      r"got shape \(3, 2\)"),
    (np.ones((1, 3)), r"must be a 1-D array of shape \(n,\).*got shape \(1, 3\)"),
    (np.ones((2, 2, 1)), r"must be a 1-D array of shape \(n,\).*got shape \(2, 2, 1\)"),
    (2.5, r"must be a 1-D array of shape \(n,\).*got shape \(\)"),
    (["0.1", "0.2"], r"must hold real numbers, got dtype <U3"),
    (np.array([0.1, None], dtype=object), r"must hold real numbers, got dtype object"),
    (np.array([0.1 + 1j, 0.2]), r"must hold real numbers, got dtype complex128"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), r"must hold real numbers, got dtype "
                                                       r"datetime64\[D\]"),
    ([[0.1], [0.2, 0.3]], r"must be an array of real numbers; numpy cannot read this list"),
]


@pytest.mark.parametrize("bad,message", BAD_SCORES)
def test_bad_scores_are_value_errors_naming_the_argument(bad, message):
    calls = [
        ("scores", lambda v: cal.quantile_threshold(v, 0.5)),
        ("calibration_scores", lambda v: cal.ConformalCalibrator(v)),
        ("scores", lambda v: cal.ConformalCalibrator([1.0, 2.0]).pvalues(v)),
        ("scores", lambda v: cal.fit_pot(v)),
        ("pvalues", lambda v: cal.benjamini_hochberg(v)),
        ("x", lambda v: drift.ADWIN().update_many(v)),
        ("x", lambda v: drift.DDM().update_many(v)),
    ]
    for name, call in calls:
        with pytest.raises(ValueError, match=f"^{name} {message}"):
            call(bad)


def test_bad_inputs_of_metrics_and_two_sample_tests():
    s = np.array([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"^scores must be a 1-D array of shape \(n_samples,\) "
                                         r"\(or one column, \(n_samples, 1\)\), "
                                         r"got shape \(3, 2\)"):
        metrics.roc_auc([0, 1, 0], np.c_[s, s])
    with pytest.raises(ValueError, match=r"^scores must hold real numbers, got dtype complex"):
        metrics.roc_auc([0, 1, 0], s + 1j)
    with pytest.raises(ValueError, match=r"^y_true must hold 0/1 labels .*got dtype object"):
        metrics.roc_auc(np.array([0, 1, None], dtype=object), s)
    # scipy reads a 2-D sample as one test per column: ecgad takes 1-D samples only
    with pytest.raises(ValueError, match=r"^reference must be a 1-D array of shape "
                                         r"\(n_samples,\), got shape \(3, 1\)"):
        drift.ks_2samp(s[:, None], s)
    with pytest.raises(ValueError, match=r"^current must hold real numbers, got dtype complex"):
        drift.wasserstein(s, s + 1j)
    with pytest.raises(ValueError, match=r"^reference must hold real numbers, got dtype <U1"):
        drift.mmd_test(np.array([["a", "b"], ["c", "d"]]), np.ones((3, 2)))


def test_non_finite_and_empty_scores_name_the_first_bad_index():
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match=r"ConformalCalibrator.fit: scores\[2\] is nan; "
                                         r"expected finite scores"):
        cal.ConformalCalibrator(np.array([0.1, 0.2, np.nan, np.inf]))
    with pytest.raises(ValueError, match=r"quantile_threshold: scores\[1\] is -inf"):
        cal.quantile_threshold(np.array([0.1, -np.inf], dtype=np.float32), 0.5)
    with pytest.raises(ValueError, match=r"scores\[1\] is nan"):  # pd.NA -> NaN, then refused
        cal.quantile_threshold(pd.Series([0.1, None, 0.3], dtype="Float64"), 0.5)
    with pytest.raises(ValueError, match=r"benjamini_hochberg: pvalues\[0\] is nan"):
        cal.benjamini_hochberg([np.nan, 0.5])
    with pytest.raises(ValueError, match=r"roc_auc: scores\[1\] is nan; expected finite scores"):
        metrics.roc_auc([0, 1, 0], pd.Series([0.1, np.nan, 0.3]))
    with pytest.raises(ValueError, match=r"adwin.update: x must be finite, got nan"):
        drift.ADWIN().update_many(pd.Series([0.1, None, 0.3], dtype="Float64"))
    with pytest.raises(ValueError, match=r"ks_2samp: reference sample must be finite, but "
                                         r"element 1 is inf"):
        drift.ks_2samp([0.0, np.inf], [1.0])
    with pytest.raises(ValueError, match=r"ConformalCalibrator.fit: scores has 0 values; "
                                         r"expected at least 1"):
        cal.ConformalCalibrator(np.array([], dtype=np.float32))
    with pytest.raises(ValueError, match=r"roc_auc: y_true and scores are empty"):
        metrics.roc_auc([], [])
    # an empty chunk of a stream is no error: nothing happens
    assert drift.ADWIN().update_many(np.array([], dtype=np.float32)).shape == (0,)


def test_scalar_values_of_the_streaming_detectors():
    d = drift.PageHinkley()
    for v in (np.float32(0.5), np.int64(1), np.bool_(True), np.array(0.25), 1):
        assert d.update(v) == drift.DriftLevel.none
    assert d.counters["n_updates"] == 5
    for bad, message in [("0.5", "x must be a real number"), (np.ones(2), "x must be a real "
                                                                        "number \\(a scalar\\)"),
                         (np.complex128(1 + 0j), "x must be a real number, got the complex"),
                         (1 + 2j, "x must be a real number, got the complex")]:
        with pytest.raises(ValueError, match=message):
            d.update(bad)
    assert d.counters["n_updates"] == 5  # refused values change nothing


def test_monitor_columns_refuse_strings_instead_of_parsing_them():
    reference = drift.Monitor.fit_reference(np.linspace(0, 1, 50), np.full(50, 60.0),
                                            np.ones(50), np.full(50, 0.9))
    m = drift.Monitor(reference)
    t = np.arange(1.0, 4.0)
    with pytest.raises(ValueError, match=r"^score must hold real numbers, got dtype <U3"):
        m.update_many(t, ["0.1", "0.2", "0.3"], np.full(3, 60.0), np.ones(3), np.full(3, 0.9))
    with pytest.raises(ValueError, match=r"^latent must hold real numbers, got dtype complex"):
        drift.Monitor.fit_reference(np.linspace(0, 1, 50), np.full(50, 60.0), np.ones(50),
                                    np.full(50, 0.9), latent=np.ones((50, 2)) + 1j)
    assert m.update_many(t, np.full((3, 1), 0.5), np.full(3, 60.0), np.ones(3),
                         np.full(3, 0.9)) == 0
    assert m.summary()["n_beats"] == 3
