"""ecgad.plot: each plot draws what it claims (its lines hold the inputs, the ROC / PR curves
are ecgad.metrics' with the AUC / AP in the legend, thresholds, alerts and changes sit where they
should), figures save to PNG, bad inputs raise ValueError naming what was expected, and the
package imports without matplotlib while the plots then explain how to install it."""
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")  # headless; set before pyplot is imported anywhere

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

import ecgad  # noqa: E402
from ecgad import metrics  # noqa: E402
from ecgad import plot as ep  # noqa: E402

try:  # the reference for the drawn ROC curve (ecgad.metrics is compared with it in depth)
    from sklearn import metrics as sk
except ImportError:  # pragma: no cover - depends on the machine
    sk = None


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def beat():
    t = np.linspace(-0.25, 0.45, 140, endpoint=False)
    x = np.exp(-0.5 * (t / 0.012) ** 2) + 0.3 * np.exp(-0.5 * ((t - 0.25) / 0.04) ** 2)
    r = x + 0.02 * np.random.default_rng(7).standard_normal(140)
    return x, r


@pytest.fixture
def labelled(rng):
    y = np.r_[np.zeros(400, dtype=int), np.ones(60, dtype=int)]
    s = np.r_[rng.gamma(2.0, 0.05, 400), rng.gamma(4.0, 0.08, 60)]
    return y, np.round(s, 3)  # rounding makes ties, which the curves must handle


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def save_png(ax, tmp_path, name):
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    return path


# --------------------------------------------------------------------------- plot_beat

def test_plot_beat_draws_beat_reconstruction_and_error_profile(beat, tmp_path):
    x, r = beat
    axes = ep.plot_beat(x, r, fs_hz=200.0, before_s=0.25, threshold=0.01, title="beat 17")
    assert isinstance(axes, np.ndarray) and axes.shape == (2,)
    top, bottom = axes
    assert all(isinstance(a, Axes) for a in axes)
    assert top.get_shared_x_axes().joined(top, bottom)
    t = np.arange(140) / 200.0 - 0.25
    lines = top.get_lines()
    np.testing.assert_array_equal(lines[0].get_xdata(), t)
    np.testing.assert_array_equal(lines[0].get_ydata(), x)
    np.testing.assert_array_equal(lines[1].get_ydata(), r)
    assert legend_texts(top) == ["beat", "reconstruction"]
    assert top.get_title() == "beat 17"
    assert top.get_ylabel() == "amplitude (mV)"
    assert bottom.get_xlabel() == "time from R peak (s)"
    assert bottom.get_ylabel() == "|error| (mV)"

    error_line = bottom.get_lines()[0]
    np.testing.assert_array_equal(error_line.get_ydata(), np.abs(x - r))
    shaded = [c for c in bottom.collections if isinstance(c, PolyCollection)]
    assert len(shaded) == 1  # the fill under |x - x̂|
    # The fill's outline reaches the error profile's values.
    verts = shaded[0].get_paths()[0].vertices
    assert verts[:, 1].max() == pytest.approx(np.abs(x - r).max())

    mae = np.abs(x - r).mean()
    texts = legend_texts(bottom)
    verdict = "anomalous" if mae > 0.01 else "normal"
    assert f"MAE = {mae:.4g} mV ({verdict})" in texts
    assert "threshold = 0.01 mV" in texts
    mae_line, thr_line = bottom.get_lines()[1:3]
    assert mae_line.get_ydata()[0] == pytest.approx(mae)
    assert thr_line.get_ydata()[0] == 0.01
    save_png(top, tmp_path, "beat")


def test_plot_beat_axes_choices_and_given_error(beat):
    x, r = beat
    top, bottom = ep.plot_beat(x, r)
    np.testing.assert_array_equal(top.get_lines()[0].get_xdata(), np.arange(140))
    assert bottom.get_xlabel() == "sample"
    _, bottom = ep.plot_beat(x, r, fs_hz=200.0, unit="a.u.")
    assert bottom.get_xlabel() == "time from beat start (s)"
    assert bottom.get_ylabel() == "|error| (a.u.)"

    # A precomputed error profile (e.g. Autoencoder.error_profile, float32) is drawn as given.
    e = np.abs(x - r).astype(np.float32)
    _, bottom = ep.plot_beat(x, r, error=e, threshold=1.0)
    np.testing.assert_array_equal(bottom.get_lines()[0].get_ydata(), e.astype(np.float64))
    assert f"MAE = {e.astype(np.float64).mean():.4g} mV (normal)" in legend_texts(bottom)

    # On the caller's two Axes, which get their x axes shared.
    fig, (a0, a1) = plt.subplots(1, 2)
    out = ep.plot_beat(x, r, ax=[a0, a1])
    assert out[0] is a0 and out[1] is a1
    assert a0.get_shared_x_axes().joined(a0, a1)
    assert len(fig.axes) == 2


def test_plot_beat_rejects_bad_input(beat):
    x, r = beat
    with pytest.raises(ValueError, match=r"reconstruction has 139 values; expected 140"):
        ep.plot_beat(x, r[:-1])
    with pytest.raises(ValueError, match=r"beat must be a 1-D array of shape \(n,\), got shape "
                                         r"\(2, 140\)"):
        ep.plot_beat(np.vstack([x, x]), r)
    bad = r.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match=r"reconstruction\[5\] is nan; expected finite values"):
        ep.plot_beat(x, bad)
    with pytest.raises(ValueError, match=r"beat is empty"):
        ep.plot_beat([], [])
    with pytest.raises(ValueError, match=r"error\[0\] is -1.0; expected an absolute error"):
        ep.plot_beat(x, r, error=np.r_[-1.0, np.zeros(139)])
    with pytest.raises(ValueError, match=r"before_s needs fs_hz"):
        ep.plot_beat(x, r, before_s=0.25)
    with pytest.raises(ValueError, match=r"fs_hz is -200.0; expected a finite number > 0"):
        ep.plot_beat(x, r, fs_hz=-200.0)
    _, ax = plt.subplots()
    for wrong in (ax, [ax], 3, np.array([ax, ax, ax])):
        with pytest.raises(ValueError, match=r"ax must be a sequence of 2 matplotlib Axes"):
            ep.plot_beat(x, r, ax=wrong)
    with pytest.raises(ValueError, match=r"beat must hold real numbers"):
        ep.plot_beat(["a"] * 3, [1.0] * 3)


# --------------------------------------------------------------------------- histogram

def test_score_histogram_split_counts_and_threshold(labelled, tmp_path):
    y, s = labelled
    ax = ep.plot_score_histogram(s, y_true=y, threshold=0.3, bins=25)
    normal, anomalous = ax.containers
    heights = lambda c: np.array([p.get_height() for p in c.patches])  # noqa: E731
    edges = np.histogram_bin_edges(s, bins=25)
    np.testing.assert_array_equal(heights(normal), np.histogram(s[y == 0], bins=edges)[0])
    np.testing.assert_array_equal(heights(anomalous), np.histogram(s[y == 1], bins=edges)[0])
    assert heights(normal).sum() + heights(anomalous).sum() == s.size
    # Both classes share the same bins.
    assert [p.get_x() for p in normal.patches] == [p.get_x() for p in anomalous.patches]
    thr = [line for line in ax.get_lines() if "threshold" in line.get_label()]
    assert len(thr) == 1 and list(thr[0].get_xdata()) == [0.3, 0.3]
    assert legend_texts(ax) == ["normal (n = 400)", "anomalous (n = 60)", "threshold = 0.3"]
    assert ax.get_xlabel() == "anomaly score (higher = more anomalous)"
    assert ax.get_ylabel() == "count"
    save_png(ax, tmp_path, "hist")


def test_score_histogram_unsplit_bool_labels_log_and_edges(labelled):
    y, s = labelled
    ax = ep.plot_score_histogram(s)
    (only,) = ax.containers
    assert len(only.patches) == 50
    assert sum(p.get_height() for p in only.patches) == s.size
    assert legend_texts(ax) == ["scores (n = 460)"]

    ax = ep.plot_score_histogram(s, y_true=y.astype(bool), log=True, bins=[0.0, 0.2, 2.0])
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "count (log scale)"
    counts = [[p.get_height() for p in c.patches] for c in ax.containers]
    assert counts == [list(np.histogram(s[y == 0], [0.0, 0.2, 2.0])[0]),
                      list(np.histogram(s[y == 1], [0.0, 0.2, 2.0])[0])]


def test_score_histogram_rejects_bad_input(labelled):
    y, s = labelled
    with pytest.raises(ValueError, match=r"y_true must hold binary labels.*y_true\[3\] = 2"):
        ep.plot_score_histogram(s[:5], y_true=[0, 1, 0, 2, 1])
    with pytest.raises(ValueError, match=r"y_true has 459 values; expected 460"):
        ep.plot_score_histogram(s, y_true=y[1:])
    with pytest.raises(ValueError, match=r"scores is empty"):
        ep.plot_score_histogram([])
    with pytest.raises(ValueError, match=r"scores\[1\] is inf; expected finite values"):
        ep.plot_score_histogram([0.1, np.inf])
    with pytest.raises(ValueError, match=r"bins must be an int >= 1"):
        ep.plot_score_histogram(s, bins=0)
    with pytest.raises(ValueError, match=r"strictly increasing"):
        ep.plot_score_histogram(s, bins=[1.0, 0.5])
    with pytest.raises(ValueError, match=r"threshold is nan"):
        ep.plot_score_histogram(s, threshold=float("nan"))


# --------------------------------------------------------------------------- ROC / PR

def test_plot_roc_is_the_metrics_curve_with_auc(labelled, tmp_path):
    y, s = labelled
    ax = ep.plot_roc(y, s, label="dense AE")
    fpr, tpr, _ = metrics.roc_curve(y, s)
    curve, chance = ax.get_lines()
    np.testing.assert_array_equal(curve.get_xdata(), fpr)
    np.testing.assert_array_equal(curve.get_ydata(), tpr)
    np.testing.assert_array_equal(chance.get_xydata(), [[0.0, 0.0], [1.0, 1.0]])
    auc = metrics.roc_auc(y, s)
    assert 0.8 < auc < 1.0
    assert legend_texts(ax) == [f"dense AE (AUC = {auc:.3f})", "chance (AUC = 0.5)"]
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (0.0, 1.0)
    assert ax.get_xlabel() == "false positive rate (1 - specificity)"
    assert ax.get_ylabel() == "true positive rate (sensitivity)"
    save_png(ax, tmp_path, "roc")

    # A second model on the same Axes: one more curve, still one diagonal.
    ep.plot_roc(y, -s, ax=ax, label="inverted")
    assert len(ax.get_lines()) == 3
    assert legend_texts(ax)[-1] == f"inverted (AUC = {1 - auc:.3f})"


@pytest.mark.skipif(sk is None, reason="scikit-learn is not importable (Debian package "
                    "python3-sklearn, installed by scripts/install-deps.sh)")
def test_plot_roc_equals_sklearn(labelled):
    y, s = labelled
    ax = ep.plot_roc(y, s)
    fpr, tpr, _ = sk.roc_curve(y, s)
    np.testing.assert_allclose(ax.get_lines()[0].get_xydata(), np.c_[fpr, tpr], rtol=0, atol=0)
    assert legend_texts(ax)[0] == f"AUC = {sk.roc_auc_score(y, s):.3f}"


def test_plot_precision_recall_is_the_metrics_curve_with_ap(labelled, tmp_path):
    y, s = labelled
    ax = ep.plot_precision_recall(y.astype(bool), s, label="dense AE")
    precision, recall, _ = metrics.precision_recall_curve(y, s)
    curve, chance = ax.get_lines()
    np.testing.assert_array_equal(curve.get_xdata(), recall)
    np.testing.assert_array_equal(curve.get_ydata(), precision)
    assert curve.get_drawstyle() == "steps-post"
    rate = 60 / 460
    np.testing.assert_allclose(chance.get_ydata(), [rate, rate])
    ap = metrics.average_precision(y, s)
    assert legend_texts(ax) == [f"dense AE (AP = {ap:.3f})",
                                f"chance (anomaly rate = {rate:.3g})"]
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (0.0, 1.0)
    assert ax.get_xlabel() == "recall (sensitivity)"
    save_png(ax, tmp_path, "pr")


@pytest.mark.parametrize("fn", [ep.plot_roc, ep.plot_precision_recall])
def test_curves_reject_bad_input(fn, labelled):
    y, s = labelled
    with pytest.raises(ValueError, match=r"y_true must hold binary labels"):
        fn(np.r_[y[:-1], 3], s)
    with pytest.raises(ValueError, match=r"y_true has 459 values; expected 460"):
        fn(y[:-1], s)
    with pytest.raises(ValueError, match=r"y_true holds only normals \(0\) in 3 samples"):
        fn([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"scores is empty"):
        fn([], [])
    with pytest.raises(ValueError, match=r"scores\[0\] is nan"):
        fn([0, 1], [np.nan, 0.5])
    with pytest.raises(ValueError, match=r"scores must be a 1-D array"):
        fn([0, 1], [[0.1, 0.5]])
    with pytest.raises(ValueError, match=r"ax must be a matplotlib Axes or None"):
        fn([0, 1], [0.1, 0.5], ax="left")


# --------------------------------------------------------------------------- drift timeline

def _monitor_alerts():
    """Real alerts: an ecgad.drift.Monitor watching beats whose R amplitude doubles."""
    rng = np.random.default_rng(0)

    def beats(n):
        return dict(score=0.1 * np.exp(0.3 * rng.standard_normal(n)),
                    heart_rate_bpm=70 + 2 * rng.standard_normal(n),
                    r_amplitude_mv=1.2 + 0.05 * rng.standard_normal(n),
                    quality_score=np.clip(0.9 + 0.03 * rng.standard_normal(n), 0, 1))

    monitor = ecgad.drift.Monitor(ecgad.drift.Monitor.fit_reference(**beats(2000)))
    b = beats(3000)
    b["r_amplitude_mv"][1500:] *= 2.0
    t = np.cumsum(60.0 / b["heart_rate_bpm"])
    monitor.update_many(time_s=t, quality_grade="good", **b)
    return t, b, monitor.alerts


def test_drift_timeline_with_monitor_alerts(tmp_path):
    t, b, alerts = _monitor_alerts()
    assert len(alerts) == 1 and alerts[0]["kind"] == "amplitude"
    change = {"kind": "gain_step", "start_s": float(t[1500]), "end_s": float(t[1500])}
    ax = ep.plot_drift_timeline(t, b["r_amplitude_mv"], alerts=alerts, changes=[change],
                                ylabel="|R amplitude| (mV)")
    assert t[-1] - t[0] > 300 and ax.get_xlabel() == "time (min)"
    series = ax.get_lines()[0]
    np.testing.assert_array_equal(series.get_xdata(), t / 60.0)
    np.testing.assert_array_equal(series.get_ydata(), b["r_amplitude_mv"])
    detected = [line.get_xdata()[0] for line in ax.get_lines() if line.get_gid() == "alert"]
    since = [line.get_xdata()[0] for line in ax.get_lines() if line.get_gid() == "alert_since"]
    assert detected == [pytest.approx(alerts[0]["detected_s"] / 60.0)]
    assert since == [pytest.approx(alerts[0]["since_s"] / 60.0)]
    changes = [line.get_xdata()[0] for line in ax.get_lines() if line.get_gid() == "change"]
    assert changes == [pytest.approx(t[1500] / 60.0)]  # a sudden change is a line
    assert sorted(x.get_text() for x in ax.texts) == ["amplitude", "gain_step"]
    assert ax.get_ylabel() == "|R amplitude| (mV)"
    assert legend_texts(ax) == ["|R amplitude| (mV)", "known change", "drift alert (detected)",
                                "estimated start"]
    save_png(ax, tmp_path, "drift")


def test_drift_timeline_seconds_floats_spans_and_threshold():
    t = np.arange(0.0, 240.0, 0.8)
    v = np.where(t < 100, 0.1, 0.4)
    v[10] = np.nan  # a gap is allowed
    ax = ep.plot_drift_timeline(
        t, v, threshold=0.25,
        alerts=[130.0, {"kind": "score", "since_s": "nan", "detected_s": 150.0},
                {"channel": "heart_rate", "since_s": 90.0, "detected_s": "nan"}],
        changes=[(100.0, "step"), (160.0, 200.0, "ramp"), {"start_s": 20.0, "label": "x"}, 5.0,
                 ecgad.synth.gain_drift(30.0, 60.0, 0.5)])
    assert ax.get_xlabel() == "time (s)"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), t)
    thr = [line for line in ax.get_lines() if line.get_label() == "threshold = 0.25"]
    assert len(thr) == 1 and list(thr[0].get_ydata()) == [0.25, 0.25]
    detected = [line.get_xdata()[0] for line in ax.get_lines() if line.get_gid() == "alert"]
    # A JSON "nan" detected_s falls back to since_s (the change's estimated start).
    assert detected == [130.0, 150.0, 90.0]
    assert not [line for line in ax.get_lines() if line.get_gid() == "alert_since"]
    lines = [line.get_xdata()[0] for line in ax.get_lines() if line.get_gid() == "change"]
    assert lines == [100.0, 20.0, 5.0]
    spans = [p for p in ax.patches if p.get_gid() == "change"]
    xs = sorted((round(p.get_xy()[0][0], 9), round(p.get_xy()[2][0], 9)) for p in spans)
    assert xs == [(30.0, 60.0), (160.0, 200.0)]
    labels = sorted(x.get_text() for x in ax.texts)
    assert labels == sorted(["alert", "score", "heart_rate", "step", "ramp", "x", "change",
                             "gain_drift"])


def test_drift_timeline_rejects_bad_input():
    t = np.arange(10.0)
    with pytest.raises(ValueError, match=r"values has 9 values; expected 10"):
        ep.plot_drift_timeline(t, np.zeros(9))
    with pytest.raises(ValueError, match=r"time_s\[2\] is nan; expected finite values"):
        ep.plot_drift_timeline(np.r_[0.0, 1.0, np.nan], np.zeros(3))
    with pytest.raises(ValueError, match=r"values\[1\] is inf; expected finite values or NaN"):
        ep.plot_drift_timeline(t[:2], [0.0, np.inf])
    with pytest.raises(ValueError, match=r"time_s is empty"):
        ep.plot_drift_timeline([], [])
    with pytest.raises(ValueError, match=r"alerts\[0\] has no time: expected a dict with "
                                         r"'detected_s'"):
        ep.plot_drift_timeline(t, t, alerts=[{"kind": "score"}])
    with pytest.raises(ValueError, match=r"alerts\[1\] must be an alert dict"):
        ep.plot_drift_timeline(t, t, alerts=[1.0, "late"])
    with pytest.raises(ValueError, match=r"changes\[0\] must be \(start_s, label\)"):
        ep.plot_drift_timeline(t, t, changes=["gain"])
    with pytest.raises(ValueError, match=r"changes\[0\] must have a 'start_s'"):
        ep.plot_drift_timeline(t, t, changes=[{"label": "gain"}])


# --------------------------------------------------------------------------- training curves

def test_training_curves_with_lr_schedule(tmp_path):
    h = {"loss": [0.9, 0.3, 0.1, 0.05, 0.04], "val_loss": [1.0, 0.35, 0.12, 0.07, 0.06],
         "lr": [1e-3, 1e-3, 1e-3, 1e-4, 1e-5], "seconds": [0.1] * 5}
    ax = ep.plot_training_curves(h)
    train, val = ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(train.get_ydata(), h["loss"])
    np.testing.assert_array_equal(val.get_ydata(), h["val_loss"])
    assert ax.get_yscale() == "log"  # 0.04 .. 1.0 spans 25x
    assert ax.get_xlabel() == "epoch"
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1 and twins[0].get_shared_x_axes().joined(ax, twins[0])
    (lr,) = twins[0].get_lines()
    np.testing.assert_array_equal(lr.get_ydata(), h["lr"])
    assert twins[0].get_ylabel() == "learning rate" and twins[0].get_yscale() == "log"
    assert legend_texts(ax) == ["training loss", "validation loss", "learning rate"]
    save_png(ax, tmp_path, "training")


def test_training_curves_constant_lr_no_validation_linear():
    h = {"loss": [0.30, 0.25, 0.2], "val_loss": [], "lr": [1e-3] * 3, "seconds": [0.1] * 3}
    ax = ep.plot_training_curves(h)
    assert len(ax.figure.axes) == 1  # no twin axis: the learning rate did not change
    assert len(ax.get_lines()) == 1
    assert ax.get_yscale() == "linear"  # 0.2 .. 0.3 is less than 10x
    assert legend_texts(ax) == ["training loss"]


def test_training_curves_from_a_fitted_autoencoder():
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 1.0, 140)
    beats = (0.2 + 0.6 * np.exp(-((t - 0.36) / 0.02) ** 2)
             + 0.01 * rng.standard_normal((128, 140))).astype(np.float32)
    model = ecgad.model.Autoencoder("dense", seed=0).fit(beats, validation=0.25, epochs=3,
                                                         batch_size=32)
    ax = ep.plot_training_curves(model)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), model.history_["loss"])
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), model.history_["val_loss"])
    with pytest.raises(ValueError, match=r"not fitted"):
        ep.plot_training_curves(ecgad.model.Autoencoder("dense", seed=0))


def test_training_curves_reject_bad_history():
    with pytest.raises(ValueError, match=r"history must be a dict with 'loss'"):
        ep.plot_training_curves({"val_loss": [1.0]})
    with pytest.raises(ValueError, match=r"history\['loss'\] is empty"):
        ep.plot_training_curves({"loss": []})
    with pytest.raises(ValueError, match=r"history\['val_loss'\] has 2 values; expected 3"):
        ep.plot_training_curves({"loss": [3.0, 2.0, 1.0], "val_loss": [3.0, 2.0]})
    with pytest.raises(ValueError, match=r"history\['lr'\] must be a 1-D array"):
        ep.plot_training_curves({"loss": [3.0, 2.0], "lr": [[1e-3, 1e-3]]})


# --------------------------------------------------------------------------- optional dependency

def test_no_global_state_changed():
    """rcParams are the same after every plot (checked in a fresh interpreter, so a change made
    on the first call cannot hide in this process's earlier tests)."""
    code = textwrap.dedent("""
        import matplotlib
        matplotlib.use("Agg")
        import numpy as np
        from ecgad import plot as ep
        before = dict(matplotlib.rcParams)
        y = np.r_[np.zeros(20), np.ones(5)]
        s = np.linspace(0.0, 1.0, 25)
        ep.plot_beat(s, s[::-1], fs_hz=200.0, before_s=0.05, threshold=0.1)
        ep.plot_score_histogram(s, y_true=y, threshold=0.5, log=True)
        ep.plot_roc(y, s)
        ep.plot_precision_recall(y, s)
        ep.plot_drift_timeline(np.arange(400.0), np.ones(400), alerts=[2.0], changes=[(3.0, "c")])
        ep.plot_training_curves({"loss": [2.0, 0.1], "lr": [1.0, 0.01]})
        after = dict(matplotlib.rcParams)
        print(sorted(k for k in before if before[k] != after[k]))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_without_matplotlib_import_works_and_plots_explain():
    """In a fresh interpreter where matplotlib cannot be imported (sys.modules entry None)."""
    code = textwrap.dedent("""
        import sys
        sys.modules["matplotlib"] = None
        import ecgad
        import ecgad.plot
        assert ecgad.plot is ecgad.plot and "plot" in ecgad.__all__
        assert "matplotlib.pyplot" not in sys.modules or sys.modules["matplotlib.pyplot"] is None
        try:
            ecgad.plot.plot_roc([0, 1], [0.2, 0.8])
        except ImportError as e:
            print(e)
        else:
            raise SystemExit("no ImportError")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("ecgad.plot needs matplotlib (pip install 'ecgad[plot]' or "
                                  "apt install python3-matplotlib)")


def test_import_does_not_load_matplotlib():
    code = ("import sys, ecgad, ecgad.plot; "
            "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("call", [
    lambda: ep.plot_beat([0.0, 1.0], [0.0, 1.0]),
    lambda: ep.plot_score_histogram([0.1]),
    lambda: ep.plot_precision_recall([0, 1], [0.2, 0.8]),
    lambda: ep.plot_drift_timeline([0.0], [1.0]),
    lambda: ep.plot_training_curves({"loss": [1.0]}),
])
def test_every_plot_reports_missing_matplotlib(monkeypatch, call):
    # Block the lazy import in this process: every function checks before touching its input.
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"^ecgad\.plot needs matplotlib \(pip install "
                                          r"'ecgad\[plot\]' or apt install python3-matplotlib\)$"):
        call()
