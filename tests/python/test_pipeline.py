"""ecgad.pipeline: the training and inference pipelines from Python (issue 6).

One small synthetic cohort is trained once per module (6 subjects x 120 s, 5 epochs) into a
temporary store; the other tests stream, shadow and evaluate with that model.
"""
import json
import os
import sqlite3
import threading
import time

import numpy as np
import pytest

import ecgad
from conftest import gil_free_ticks, skip_unless_cores_are_free
from ecgad import pipeline as pl

COLUMNS = pl.EVENT_COLUMNS


@pytest.fixture(scope="module")
def cohort():
    return pl.synthetic_cohort(subjects=6, duration_s=120.0, seed=7)


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    cfg = pl.default_config()
    cfg["name"] = "pytest-dense"
    cfg["model_dir"] = str(tmp_path_factory.mktemp("models"))
    cfg["training"]["epochs"] = 5
    cfg["max_train_beats"] = 2000
    return cfg


@pytest.fixture(scope="module")
def trained(cohort, config, tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "ecgad.sqlite"
    stages, epochs = [], []
    result = pl.train(config, store=store, recordings=cohort,
                      on_stage=lambda s, m: stages.append(s), on_epoch=epochs.append)
    return {"result": result, "store": store, "stages": stages, "epochs": epochs}


@pytest.fixture(scope="module")
def package(trained):
    return pl.ModelPackage.load(trained["result"].bundle_path)


@pytest.fixture(scope="module")
def other_package(cohort, config):
    """A second, different model: other seed, architecture and uncertain band, 2 epochs.

    The band differs because on these clean synthetic anomalies two autoencoders alone
    agree on nearly every decision.
    """
    cfg = json.loads(json.dumps(config))
    cfg["name"] = "pytest-other"
    cfg["training"]["epochs"] = 2
    cfg["training"]["seed"] = 99
    cfg["architecture"]["hidden"] = [32, 8]
    cfg["calibration"] = {"alpha_anomaly": 0.05, "alpha_normal": 0.2}
    return pl.ModelPackage.load(pl.train(cfg, recordings=cohort).bundle_path)


def stream_all(package, x, chunks, **kw):
    s = pl.StreamPipeline(package, **kw)
    parts = [s.process(x[a:b]) for a, b in zip(chunks[:-1], chunks[1:])]
    parts.append(s.finish())
    return {k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}, s


def assert_events_equal(a, b):
    assert set(a) == set(b) == set(COLUMNS)
    for k in COLUMNS:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        assert a[k].dtype == b[k].dtype, k


# --------------------------------------------------------------------------------- training

def test_train_blesses_a_good_model_and_records_it(trained, cohort):
    r = trained["result"]
    m = r.evaluation["metrics"]
    assert m["roc_auc"] > 0.8  # synthetic PVC/SPB/ST/T anomalies against normal beats
    assert r.metrics["evaluation"]["roc_auc"] == m["roc_auc"]
    assert r.blessed == all(c["passed"] for c in r.checks)
    assert {c["name"] for c in r.checks} >= {"roc_auc", "false_positive_rate"}
    assert r.run_id >= 1 and r.model_id >= 1 and r.model_version == 1
    assert r.promoted == r.blessed  # promote = "first": no production model before
    assert len(r.run_uid) == 16
    assert sorted({d["role"] for d in r.data}) == ["calibration", "evaluation", "train"]
    assert len(r.data) == len(cohort)
    assert r.timings["total_s"] >= r.timings["train_s"] > 0
    assert set(r.report) == {"facts", "training", "evaluation", "config"}
    assert trained["stages"] == ["validate", "features", "train", "calibrate", "evaluate",
                                 "gate", "store"]
    assert [e["epoch"] for e in trained["epochs"]] == list(range(1, len(trained["epochs"]) + 1))
    assert 1 <= len(trained["epochs"]) <= 5

    ev = r.evaluation
    n = ev["scores"].size
    assert n > 100
    for key, dtype in (("scores", np.float64), ("abnormal", np.int8), ("decisions", np.int8)):
        assert ev[key].dtype == dtype and ev[key].shape == (n,)
    assert ev["labels"].shape == ev["records"].shape == (n,)
    assert set(ev["decisions"]) <= {0, 1, 2}
    assert set(ev["labels"][ev["abnormal"] == 0]) == {"N"}
    assert ev["threshold"] == pytest.approx(pl.ModelPackage.load(r.bundle_path).threshold)


def test_store_has_run_records_and_model(trained, cohort):
    r = trained["result"]
    with sqlite3.connect(str(trained["store"])) as db:
        status, uid, config = db.execute(
            "SELECT status, uid, config FROM runs WHERE id = ?", (r.run_id,)).fetchone()
        assert (status, uid) == ("completed", r.run_uid)
        assert json.loads(config)["max_train_beats"] == 2000
        name, version, path, bundle_hash, stage = db.execute(
            "SELECT name, version, bundle_path, bundle_hash, stage FROM models WHERE id = ?",
            (r.model_id,)).fetchone()
        assert (name, version) == ("pytest-dense", r.model_version)
        assert os.path.samefile(path, r.bundle_path)
        assert bundle_hash == pl.ModelPackage.load(r.bundle_path).bundle_hash
        assert stage == ("production" if r.promoted else "candidate")
        hashes = dict(db.execute("SELECT name, content_hash FROM records"))
        roles = dict(db.execute(
            "SELECT records.name, run_records.role FROM run_records JOIN records "
            "ON records.id = run_records.record_id WHERE run_id = ?", (r.run_id,)))
    # The content hash is XXH3-128 of the float64 samples, as for loaded recordings.
    assert hashes == {c["name"]: ecgad.artifact.checksum(c["signal"].tobytes()) for c in cohort}
    assert hashes == {c["name"]: c["content_hash"] for c in cohort}
    assert roles == {d["record"]: d["role"] for d in r.data}


def test_toml_config_gives_the_dict_config(tmp_path):
    cfg = {"name": "toml-run", "max_train_beats": 2000, "model_dir": str(tmp_path),
           "training": {"epochs": 5, "batch_size": 128},
           "source": {"kind": "synthetic", "synthetic": {"subjects": 6, "duration_s": 120.0}},
           "gate": {"min_roc_auc": 0.85}, "split": {"seed": 3}}
    toml = tmp_path / "run.toml"
    toml.write_text(
        'name = "toml-run"\nmax_train_beats = 2000\n'
        f'model_dir = "{tmp_path}"\n'
        "[training]\nepochs = 5\nbatch_size = 128\n"
        '[source]\nkind = "synthetic"\n[source.synthetic]\nsubjects = 6\nduration_s = 120.0\n'
        "[gate]\nmin_roc_auc = 0.85\n[split]\nseed = 3\n")
    js = tmp_path / "run.json"
    js.write_text(json.dumps(cfg))
    want = pl.effective_config(cfg)
    assert pl.load_config(toml) == want
    assert pl.load_config(js) == want
    assert pl.effective_config(str(toml)) == want
    assert want["training"]["epochs"] == 5 and want["gate"]["min_roc_auc"] == 0.85
    # Untouched sections keep the defaults.
    assert want["preprocessing"] == pl.default_config()["preprocessing"]


def test_config_errors_name_the_key(tmp_path, cohort):
    with pytest.raises(ValueError, match=r"unknown key\(s\) 'epoch'"):
        pl.train({"epoch": 3}, recordings=cohort)
    with pytest.raises(ValueError, match="epochz"):
        pl.effective_config({"training": {"epochz": 3}})
    with pytest.raises(ValueError, match="extension '.yaml'"):
        (tmp_path / "c.yaml").write_text("name: x")
        pl.load_config(tmp_path / "c.yaml")
    with pytest.raises(OSError, match="cannot open config file"):
        pl.load_config(tmp_path / "missing.toml")
    with pytest.raises(ValueError, match="config must be a dict"):
        pl.train(42)
    with pytest.raises(ValueError, match=r"recordings\[0\] lacks 'signal'"):
        pl.train({}, recordings=[{"name": "a", "fs_hz": 360.0}])
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['label'\]"):
        pl.train({}, recordings=[dict(cohort[0], label=1)])
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        pl.train({}, recordings=[dict(cohort[0], signal=np.zeros((2, 3)))])


def test_callback_error_cancels_the_run_and_is_reraised(cohort, config, tmp_path):
    store = tmp_path / "s.sqlite"

    def boom(info):
        raise KeyError("stop here")

    cfg = dict(config, model_dir=str(tmp_path))
    with pytest.raises(KeyError, match="stop here"):
        pl.train(cfg, store=store, recordings=cohort, on_epoch=boom)
    with pytest.raises(RuntimeError, match="cancelled"):
        pl.train(cfg, store=store, recordings=cohort, on_epoch=lambda info: False)
    with sqlite3.connect(str(store)) as db:
        assert [s for (s,) in db.execute("SELECT status FROM runs ORDER BY id")] == \
            ["cancelled", "cancelled"]
        assert db.execute("SELECT COUNT(*) FROM models").fetchone() == (0,)


def test_verbose_prints_stages_and_epochs(cohort, config, tmp_path, capsys):
    cfg = dict(config, model_dir=str(tmp_path))
    cfg["training"] = dict(config["training"], epochs=2)
    pl.train(cfg, recordings=cohort, verbose=True)
    out = capsys.readouterr().out
    assert "[train]" in out and "epoch 2/2 - loss" in out


# --------------------------------------------------------------------------------- package

def test_package_properties(package, trained):
    assert package.fs_hz == 360.0
    assert package.input_size == 142  # 140-point residual beat + 2 log-RR extras
    assert package.preprocessing == pl.default_config()["preprocessing"]
    cal = package.calibration
    assert cal["method"] == "conformal" and cal["threshold"] == package.threshold
    assert package.training["run_uid"] == trained["result"].run_uid
    assert package.has_drift_reference
    assert len(package.bundle_hash) == 32
    assert "ModelPackage(fs_hz=360.0" in repr(package)


def test_bundle_without_calibration_is_refused(tmp_path):
    path = tmp_path / "raw.ecgad"
    ecgad.model.Autoencoder(seed=1).save(path, preprocessing=pl.default_config()["preprocessing"])
    with pytest.raises(ValueError, match="calibrat"):
        pl.ModelPackage.load(path)
    with pytest.raises(ValueError, match="calibrat"):
        pl.StreamPipeline(path)
    with pytest.raises(OSError):
        pl.ModelPackage.load(tmp_path / "missing.ecgad")


# --------------------------------------------------------------------------------- streaming

def test_events_do_not_depend_on_chunking(package, cohort):
    x = cohort[0]["signal"]
    whole, s1 = stream_all(package, x, [0, x.size])
    rng = np.random.default_rng(5)
    cuts = np.unique(np.r_[0, np.sort(rng.integers(0, x.size, 300)), x.size])
    cut, s2 = stream_all(package, x, list(cuts))
    assert whole["beat_index"].size > 100
    assert_events_equal(whole, cut)
    np.testing.assert_array_equal(whole["beat_index"], np.arange(whole["beat_index"].size))
    assert s1.stats == s2.stats
    assert s1.stats["samples"] == x.size
    assert s1.stats["beats"] == whole["beat_index"].size
    counts = np.bincount(whole["decision"], minlength=3)
    assert [s1.stats[k] for k in pl.DECISIONS] == counts.tolist()
    # Column meanings.
    np.testing.assert_allclose(whole["time_s"], whole["sample_index"] / 360.0)
    assert np.all((whole["p_value"] > 0) & (whole["p_value"] <= 1))
    assert set(whole["quality_grade"]) <= {-1, 0, 1, 2}
    assert np.all(np.isnan(whole["quality_score"][whole["quality_grade"] == -1]))
    assert whole["premature"].dtype == np.bool_
    # Anomalous means the score is above the threshold.
    anomalous = whole["decision"] == 2
    assert np.all(whole["score"][anomalous] > package.threshold)


def test_score_recording_equals_the_stream(package, cohort, trained):
    x = cohort[1]["signal"]
    streamed, _ = stream_all(package, x, list(range(0, x.size, 1000)) + [x.size])
    assert_events_equal(pl.score_recording(package, x), streamed)
    assert_events_equal(pl.score_recording(package, list(x), fs_hz=360), streamed)
    assert_events_equal(pl.score_recording(trained["result"].bundle_path, x), streamed)


def test_input_dtypes_and_layouts(package, cohort):
    x = cohort[2]["signal"][:20000]
    x32 = x.astype(np.float32)
    want = pl.score_recording(package, x32.astype(np.float64))
    assert_events_equal(pl.score_recording(package, x32), want)
    strided = np.repeat(x32, 2)[::2]  # non-contiguous view
    assert not strided.flags.c_contiguous
    assert_events_equal(pl.score_recording(package, strided), want)
    s = pl.StreamPipeline(package)
    assert s.process([])["beat_index"].size == 0
    assert s.process(np.zeros(0, np.int16))["score"].dtype == np.float64


def test_on_event_gets_one_dict_per_beat(package, cohort):
    seen = []
    s = pl.StreamPipeline(package, on_event=seen.append, monitor=False)
    x = cohort[0]["signal"]
    parts = [s.process(x[:20000]), s.process(x[20000:]), s.finish()]
    assert len(seen) == sum(p["beat_index"].size for p in parts)
    assert set(seen[0]) == set(COLUMNS)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}
    np.testing.assert_array_equal([e["score"] for e in seen], cols["score"])
    assert all(isinstance(e["decision"], int) for e in seen)


def test_stream_accessors_and_reset(package, cohort):
    s = pl.StreamPipeline(package, stream_id="bed-3", monitor_warmup_s=30.0)
    x = cohort[3]["signal"]
    first = s.process(x)
    first_fin = s.finish()
    summary = s.monitor_summary()
    assert summary is not None  # the monitor's warm-up (30 s) is over
    assert isinstance(s.alerts(), list)
    rec = s.recommend()
    assert set(rec) == {"retrain", "recalibrate", "check_sensor", "reasons"}
    # max(after_s = 0.45 s, longest RR) + the R-peak detector's delay bound.
    assert s.latency_bound_s() > 2.0
    assert s.latency_bound_s(2.0) - s.latency_bound_s(1.0) == pytest.approx(1.0)
    assert s.latency_bound_s(0.2) - s.latency_bound_s(0.1) == pytest.approx(0.0)
    with pytest.raises(RuntimeError, match="after finish"):
        s.process(x[:10])
    s.reset()
    assert s.stats["beats"] == 0 and s.monitor_summary() is None
    again = s.process(x)
    assert_events_equal(again, first)
    assert s.stream_id == "bed-3" and s.fs_hz == 360.0
    assert first_fin["beat_index"].size >= 1
    # The bundle's reference: monitoring from the first beat.
    b = pl.StreamPipeline(package, use_bundle_reference=True)
    b.process(x[:3600])
    assert b.monitor_summary() is not None


def test_nan_chunk_is_refused_and_leaves_the_stream_untouched(package, cohort):
    x = cohort[0]["signal"]
    ref, _ = stream_all(package, x, [0, 15000, x.size])
    s = pl.StreamPipeline(package)
    a = s.process(x[:15000])
    bad = x[15000:16000].copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match="sample 5 is nan"):
        s.process(bad)
    bad[5] = np.inf
    with pytest.raises(ValueError, match="sample 5 is inf"):
        s.process(bad)
    assert s.stats["samples"] == 15000
    b = s.process(x[15000:])
    c = s.finish()
    got = {k: np.concatenate([a[k], b[k], c[k]]) for k in COLUMNS}
    assert_events_equal(got, ref)


def test_bad_stream_inputs(package, cohort):
    with pytest.raises(ValueError, match="sampling rate 250 Hz, but the model expects 360 Hz"):
        pl.StreamPipeline(package, fs_hz=250.0)
    with pytest.raises(ValueError, match="expected a finite sampling rate"):
        pl.StreamPipeline(package, fs_hz=-1)
    with pytest.raises(ValueError, match="model expects 360 Hz"):
        pl.score_recording(package, cohort[0]["signal"], fs_hz=500.0)
    s = pl.StreamPipeline(package)
    with pytest.raises(ValueError, match=r"1-D array of shape \(n_samples,\), got shape \(2, 1"):
        s.process(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="got dtype <U1"):
        s.process(["a", "b"])
    with pytest.raises(ValueError, match="on_event must be callable"):
        pl.StreamPipeline(package, on_event=3)
    with pytest.raises(ValueError, match="unknown monitor parameter 'nope'"):
        pl.StreamPipeline(package, monitor_params={"nope": 1})
    with pytest.raises(ValueError, match="monitor_warmup_s"):
        pl.StreamPipeline(package, monitor_warmup_s=float("nan"))
    with pytest.raises(ValueError, match="ModelPackage or a bundle path"):
        pl.StreamPipeline(42)


def test_streams_in_threads_match_serial_and_run_in_parallel(package, cohort):
    # Four long streams (the six recordings end to end, rotated) on one package.
    signals = [np.concatenate([c["signal"] for c in cohort[k:] + cohort[:k]]) for k in range(4)]
    chunk = 3600

    def run(x):
        s = pl.StreamPipeline(package, monitor_warmup_s=60.0)
        parts = [s.process(x[i:i + chunk]) for i in range(0, x.size, chunk)]
        parts.append(s.finish())
        return {k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}

    t0 = time.perf_counter()
    serial = [run(x) for x in signals]
    serial_s = time.perf_counter() - t0
    results = [None] * 4

    def worker(i):
        results[i] = run(signals[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    threaded_s = time.perf_counter() - t0
    for a, b in zip(serial, results):
        assert_events_equal(a, b)
    skip_unless_cores_are_free(threaded_s, serial_s)
    # Loose: with the GIL released the streams overlap on the cores.
    assert threaded_s < 0.9 * serial_s, (threaded_s, serial_s)


def test_process_releases_the_gil(package, cohort):
    """While one thread scores a long chunk in C++, another thread keeps running Python."""
    x = np.tile(cohort[0]["signal"], 10)  # 20 min of ECG: a few hundred ms of C++ work
    s = pl.StreamPipeline(package, monitor=False)
    inside, seconds = gil_free_ticks(lambda: s.process(x))
    assert seconds > 0.02
    assert inside > 1000, (inside, seconds)


def test_one_stream_in_two_threads_at_once_is_refused(package, cohort):
    s = pl.StreamPipeline(package, monitor=False)
    x = np.tile(cohort[0]["signal"], 5)
    errors = []

    def push():
        try:
            s.process(x)
        except RuntimeError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Either they happened not to overlap, or the second was refused with a clear message.
    assert all("in use by another thread" in e for e in errors)


# --------------------------------------------------------------------------------- shadow

def test_shadow_with_the_same_model_agrees_everywhere(package, cohort):
    rec = cohort[0]
    shadow = pl.ShadowPipeline(package, package)
    shadow.set_reference(rec["label_samples"], rec["labels"])
    x = rec["signal"]
    parts = [shadow.process(x[:10000]), shadow.process(x[10000:]), shadow.finish()]
    s = shadow.summary()
    assert s["agreement_rate"] == 1.0
    assert s["disagreements"] == 0 and shadow.disagreements() == []
    assert s["unpaired"] == 0
    assert s["paired"] == sum(p["beat_index"].size for p in parts)
    assert s["production"] == s["candidate"]
    assert not s["candidate_better"] and "keep production" in s["verdict"]
    # Production's events are the stream's output.
    streamed, _ = stream_all(package, x, [0, x.size])
    assert_events_equal({k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}, streamed)


def test_shadow_with_two_models_counts_consistently(package, other_package, cohort):
    rec = cohort[4]
    shadow = pl.ShadowPipeline(package, other_package, min_labelled_beats=10)
    shadow.set_reference(rec["label_samples"], rec["labels"])
    shadow.process(rec["signal"])
    shadow.finish()
    s = shadow.summary()
    d = shadow.disagreements()
    p, c = s["production"], s["candidate"]
    assert s["disagreements"] == len(d) > 0
    assert p["beats"] + c["beats"] == 2 * s["paired"] + s["unpaired"]
    assert s["agreement_rate"] == pytest.approx(1 - len(d) / s["paired"])
    assert p["beats"] == shadow.stats["production"]["beats"]
    assert c["beats"] == shadow.stats["candidate"]["beats"]
    assert p["labelled"] == c["labelled"] > 0
    for x in d:
        assert x["production_decision"] != x["candidate_decision"]
        assert x["label"] in (-1, 0, 1)
    assert isinstance(s["candidate_better"], bool) and s["verdict"]
    # The production side's decisions equal a plain stream of the production model.
    alone = pl.score_recording(package, rec["signal"])
    assert p["anomalous"] == int(np.sum(alone["decision"] == 2))
    with pytest.raises(ValueError, match="ascending"):
        shadow.set_reference([5, 1], ["N", "N"])


# --------------------------------------------------------------------------------- batch

def test_evaluate_reproduces_the_training_evaluation(trained, package, cohort):
    r = trained["result"]
    names = [d["record"] for d in r.data if d["role"] == "evaluation"]
    ev = pl.evaluate(package, [c for c in cohort if c["name"] in names])
    for key in ("scores", "abnormal", "labels", "records", "decisions"):
        np.testing.assert_array_equal(ev[key], r.evaluation[key], err_msg=key)
    assert ev["metrics"]["roc_auc"] == r.evaluation["metrics"]["roc_auc"]
    assert ev["threshold"] == package.threshold
    # Unlabelled recordings: every beat taken as normal, the flagged share is the FPR.
    un = pl.evaluate(package, [dict(cohort[0], label_samples=[], labels=[])])
    assert un["metrics"]["labelled"] is False and un["metrics"]["roc_auc"] is None
    flagged = float(np.mean(un["decisions"] == 2))
    assert un["metrics"]["false_positive_rate"] == pytest.approx(flagged)
    with pytest.raises(ValueError, match="all .* labelled beats are abnormal"):
        only_pvc = dict(cohort[0], labels=["pvc"] * len(cohort[0]["labels"]))
        pl.evaluate(package, [only_pvc])


def test_synthetic_cohort_is_seeded(cohort):
    again = pl.synthetic_cohort(subjects=6, duration_s=120.0, seed=7, indices=[2])
    np.testing.assert_array_equal(again[0]["signal"], cohort[2]["signal"])
    other = pl.synthetic_cohort(subjects=6, duration_s=120.0, seed=8, indices=[2])
    assert not np.array_equal(other[0]["signal"], cohort[2]["signal"])
    rates = [c["tags"]["heart_rate_bpm"] for c in cohort]
    np.testing.assert_allclose(rates, np.linspace(60, 85, 6))
    labels = {lab for c in cohort for lab in c["labels"]}
    assert {"N", "pvc", "spb"} <= labels
    with pytest.raises(ValueError, match="outside 0..5"):
        pl.synthetic_cohort(subjects=6, duration_s=60.0, indices=[6])
    check = pl.check_recording(dict(cohort[0], signal=cohort[0]["signal"] * 100))
    assert not check["ok"] and "mV" in check["reason"]


def test_reviewer_labels_feed_the_error_rate_channel(package, cohort):
    """Labels that keep contradicting the decisions raise an error_rate alert (concept drift);
    labels during the monitor's warm-up are ignored; a time no beat had is an error."""
    x = cohort[4]["signal"]
    early = pl.StreamPipeline(package, monitor_warmup_s=20.0)
    first = early.process(x[:360 * 10])
    assert early.add_label(first["time_s"][0], False) is False  # warm-up: no monitor yet
    long = pl.synthetic_cohort(subjects=3, duration_s=900.0, seed=5)[0]["signal"]
    s = pl.StreamPipeline(package, monitor_warmup_s=20.0)
    ev = s.process(long)
    t, d = ev["time_s"], ev["decision"]
    with pytest.raises(ValueError, match="no monitored beat"):
        s.add_label(t[-1] + 0.001, False)
    labelled = t > 60.0
    # A reviewer who agrees with every decision until 8 minutes, then with none.
    truth = np.where(t < 480.0, d == 2, d != 2)
    answered = [s.add_label(ti, bool(yi)) for ti, yi in zip(t[labelled], truth[labelled])]
    assert all(answered)
    alerts = [a for a in s.alerts() if a["kind"] == "error_rate"]
    assert alerts and all(a["detected_s"] > 480.0 for a in alerts)
    assert s.monitor_summary()["n_labels"] == int(labelled.sum())
