"""Drift monitor from Python (ecgad.drift.Monitor): the reference's quantiles equal numpy's, the
scenarios of tests/cpp/test_monitor.cpp give the expected alert (kind, shape, cause, action),
update_many equals update per beat, state round trip continues identically, rates per hour,
and every bad input is a ValueError naming the value."""
import json
import math

import numpy as np
import pytest

from ecgad.drift import Monitor


def beats(n, seed):
    rng = np.random.default_rng(seed)
    b = dict(score=0.1 * np.exp(0.3 * rng.standard_normal(n)),
             heart_rate_bpm=70 + 2 * rng.standard_normal(n),
             r_amplitude_mv=1.2 + 0.05 * rng.standard_normal(n),
             quality_score=np.clip(0.9 + 0.03 * rng.standard_normal(n), 0, 1))
    latent = rng.standard_normal((n, 8)).astype(np.float32)
    return b, latent


@pytest.fixture(scope="module")
def reference():
    b, latent = beats(2000, 1)
    return Monitor.fit_reference(latent=latent, **b)


def times(b):
    return np.cumsum(60.0 / b["heart_rate_bpm"])


def test_reference_matches_numpy(reference):
    b, latent = beats(2000, 1)
    q = np.quantile(b["score"], np.linspace(0, 1, 101))
    np.testing.assert_allclose(reference["score_quantiles"], q, rtol=1e-12, atol=0)
    assert reference["score_mean"] == pytest.approx(b["score"].mean(), rel=1e-12)
    assert reference["score_std"] == pytest.approx(b["score"].std(ddof=1), rel=1e-12)
    assert reference["heart_rate_std_bpm"] == pytest.approx(b["heart_rate_bpm"].std(ddof=1),
                                                            rel=1e-12)
    np.testing.assert_allclose(reference["latent_mean"], latent.astype(np.float64).mean(axis=0),
                               rtol=1e-9, atol=1e-12)
    assert reference["polarity"] == 1
    assert json.loads(json.dumps(reference)) == reference


@pytest.mark.parametrize("scenario,kind,shape,cause,action", [
    ("gain", "amplitude", "sudden", "sensor_fault", "check_sensor"),
    ("flip", "polarity", "sudden", "sensor_fault", "check_sensor"),
    ("hr_trend", "heart_rate", "gradual", "physiological", "none_yet"),
    ("score_step", "score", "sudden", "physiological", "retrain"),
    ("quality", "quality", "sudden", "sensor_fault", "check_sensor"),
])
def test_scenarios(reference, scenario, kind, shape, cause, action):
    # Cause, action and detection on every seed; steps' shape right on 9 of 10 seeds, the
    # trend's (caught part-way up the ramp) on 5.
    shape_right = 0
    for seed in range(7, 17):
        b, latent = beats(3000, seed)
        grade = np.array(["good"] * 3000, dtype=object)
        ramp = np.clip((np.arange(3000) - 1500) / 600.0, 0, 1)
        if scenario == "gain":
            b["r_amplitude_mv"][1500:] *= 2.0
        elif scenario == "flip":
            b["r_amplitude_mv"][1500:] *= -1
        elif scenario == "hr_trend":
            b["heart_rate_bpm"] += 40 * ramp
        elif scenario == "score_step":
            b["score"][1500:] *= 2.5
        elif scenario == "quality":
            b["quality_score"][1500:] = 0.3
            grade[1500:] = "unusable"
        t = times(b)
        m = Monitor(reference)
        seen = []
        m.set_alert_callback(seen.append)
        m.update_many(time_s=t, quality_grade=grade, latent=latent, **b)
        assert seen == m.alerts
        assert all(a["beat_index"] >= 1500 for a in m.alerts), m.alerts
        alerts = [a for a in m.alerts if a["kind"] == kind]
        assert alerts, m.alerts
        a = alerts[0]
        assert a["detected_s"] - t[1500] < 600.0
        assert (a["cause"], a["action"]) == (cause, action), a
        shape_right += a["shape"] == shape
    assert shape_right >= (5 if shape == "gradual" else 9)


def test_update_many_equals_update_and_state_round_trip(reference):
    b, latent = beats(2500, 9)
    b["r_amplitude_mv"][1200:] *= 2.0
    t = times(b)
    pred = b["score"] > 0.2
    one = Monitor(reference)
    for i in range(2500):
        one.update(t[i], b["score"][i], b["heart_rate_bpm"][i], b["r_amplitude_mv"][i],
                   b["quality_score"][i], "good", predicted_anomaly=pred[i], latent=latent[i])
    many = Monitor(reference)
    many.update_many(t[:1300], predicted_anomaly=pred[:1300], latent=latent[:1300],
                     **{k: v[:1300] for k, v in b.items()})
    saved = json.loads(json.dumps(many.state()))
    other = Monitor(reference, cooldown_s=1.0)
    other.restore(saved)
    assert other.config["cooldown_s"] == 60.0
    other.update_many(t[1300:], predicted_anomaly=pred[1300:], latent=latent[1300:],
                      **{k: v[1300:] for k, v in b.items()})
    assert other.alerts == one.alerts
    assert other.state() == one.state()
    assert other.summary()["n_anomalies"] == int(pred.sum())
    other.reset()
    assert other.summary()["n_beats"] == 0 and other.alerts == []


def test_labels_and_rates_per_hour(reference):
    m = Monitor(reference)
    b, latent = beats(3601, 3)
    for i in range(3601):  # one beat a second for one hour, 37 anomalies
        m.update(100.0 + i, b["score"][i], 60.0, 1.2, 0.9, predicted_anomaly=(i % 100 == 0),
                 latent=latent[i])
    s = m.summary()
    assert s["duration_s"] == 3600.0
    assert s["anomalies_per_hour"] == 37.0
    assert s["alerts_per_hour"] == s["n_alerts"]
    rng = np.random.default_rng(4)
    for i in range(3601):
        p_err = 0.05 if i < 1500 else 0.3
        m.update_label(100.0 + i, bool(rng.random() < p_err), False)
    err = [a for a in m.alerts if a["kind"] == "error_rate"]
    assert err and err[0]["action"] == "retrain" and err[0]["beat_index"] >= 1500
    assert m.summary()["n_labels"] == 3601


def test_bad_input(reference):
    m = Monitor(reference)
    m.update(1.0, 0.1, 70.0, 1.2, 0.9)
    with pytest.raises(ValueError, match="time_s must increase"):
        m.update(0.5, 0.1, 70.0, 1.2, 0.9)
    with pytest.raises(ValueError, match="score must be finite, got nan"):
        m.update(2.0, math.nan, 70.0, 1.2, 0.9)
    with pytest.raises(ValueError, match="quality_score must be in"):
        m.update(2.0, 0.1, 70.0, 1.2, 1.5)
    with pytest.raises(ValueError, match="rr_s"):
        m.update(2.0, 0.1, math.nan, 1.2, 0.9)
    assert m.update(2.0, 0.1, math.nan, 1.2, 0.9, rr_s=0.85) == 0
    with pytest.raises(ValueError, match="quality_grade must be 'good'"):
        m.update(3.0, 0.1, 70.0, 1.2, 0.9, quality_grade="bad")
    with pytest.raises(ValueError, match="latent code has 3 values, expected 8"):
        m.update(3.0, 0.1, 70.0, 1.2, 0.9, latent=np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="after the last beat seen"):
        m.update_label(10.0, True, False)
    with pytest.raises(ValueError, match=r"score must be a 1-D float array of shape \(3,\)"):
        m.update_many(np.array([4.0, 5.0, 6.0]), np.zeros(2), np.zeros(3), np.zeros(3),
                      np.zeros(3))
    with pytest.raises(ValueError, match="unknown parameter 'cooldown'"):
        Monitor(reference, cooldown=3)
    with pytest.raises(ValueError, match="sudden_fraction must be in"):
        Monitor(reference, sudden_fraction=2.0)
    with pytest.raises(ValueError, match="at least 30"):
        Monitor.fit_reference(np.ones(5), np.ones(5), np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="reference must be a dict"):
        Monitor("nope")
    with pytest.raises(ValueError, match="not a monitor state"):
        m.restore({"detector": "adwin"})
    assert Monitor(reference, heart_rate_cusum={"h": 40.0}).config["heart_rate_cusum"][
        "h"] == 40.0


def test_template_polarity_and_premature_beats():
    # Beats as waveforms: a template reference reads polarity from the correlation with the
    # mean reference beat, so only a real inversion (the whole beat negated) alerts.
    rng = np.random.default_rng(5)
    t = np.arange(32)
    shape = np.exp(-0.5 * ((t - 12) / 2.0) ** 2) - 0.9 * np.exp(-0.5 * ((t - 17) / 2.0) ** 2)
    n_ref, n = 300, 2000
    waves = (shape + 0.02 * rng.standard_normal((n_ref + n, 32))).astype(np.float32)
    waves[n_ref + 1200:] *= -1
    b, _ = beats(n_ref + n, 6)
    ref = Monitor.fit_reference(beats=waves[:n_ref], **{k: v[:n_ref] for k, v in b.items()})
    np.testing.assert_allclose(ref["template_beat"], waves[:n_ref].astype(np.float64).mean(0),
                               rtol=1e-6, atol=1e-9)
    live = {k: v[n_ref:] for k, v in b.items()}
    live["r_amplitude_mv"] = np.where(rng.random(n) < 0.5, 1.0, -1.0)  # a meaningless sign
    times_s = times(live)
    premature = np.zeros(n, dtype=bool)
    premature[::7] = True
    many = Monitor(ref)
    many.update_many(time_s=times_s, beats=waves[n_ref:], premature=premature, **live)
    polarity = [a for a in many.alerts if a["kind"] == "polarity"]
    assert len(polarity) == 1 and 1200 <= polarity[0]["beat_index"] <= 1230, many.alerts
    one = Monitor(ref)
    for i in range(n):
        one.update(times_s[i], live["score"][i], live["heart_rate_bpm"][i],
                   live["r_amplitude_mv"][i], live["quality_score"][i], "good",
                   premature=bool(premature[i]), beat=waves[n_ref + i])
    assert one.state() == many.state()
    with pytest.raises(ValueError, match=r"beats must be a 2-D array of shape \(3, samples\)"):
        many.update_many(time_s=times_s[-1] + np.arange(1, 4), beats=waves[:2],
                         **{k: v[:3] for k, v in live.items()})
    with pytest.raises(ValueError, match="beat has 31 samples, expected 32"):
        many.update(times_s[-1] + 1.0, 0.1, 70.0, 1.2, 0.9, beat=waves[0, :31])
    with pytest.raises(ValueError, match=r"premature must have shape \(3,\)"):
        many.update_many(time_s=times_s[-1] + np.arange(1, 4), premature=[True],
                         **{k: v[:3] for k, v in live.items()})


def test_reference_and_threshold_travel_in_the_model_bundle(tmp_path):
    from ecgad import artifact, calibrate, model

    rng = np.random.default_rng(8)
    t = np.linspace(0, 1, 32)
    x = (np.exp(-0.5 * ((t - 0.4) / 0.05) ** 2)[None, :] +
         0.05 * rng.standard_normal((300, 32))).astype(np.float32)
    m = model.Autoencoder("dense", length=32, hidden=[16, 8], seed=1)
    m.fit(x, epochs=2, batch_size=64)
    scores = m.score(x, "mae")
    threshold = calibrate.mean_std_threshold(scores, k=1.0)
    b, _ = beats(300, 9)
    reference = Monitor.fit_reference(scores, b["heart_rate_bpm"], b["r_amplitude_mv"],
                                      b["quality_score"], latent=m.encode(x), beats=x)
    path = tmp_path / "model.ecgad"
    m.save(path, preprocessing={"fs_hz": 360.0}, calibration={"threshold": threshold.to_json()},
           drift_reference=reference)
    _, meta = artifact.read_bundle(path)
    assert meta["drift_reference"] == reference
    back = calibrate.Threshold.from_json(meta["calibration"]["threshold"])
    assert back.to_json() == threshold.to_json()
    monitor = Monitor(meta["drift_reference"])
    assert monitor.update(1.0, float(scores[0]), 70.0, 1.2, 0.9, beat=x[0],
                          latent=m.encode(x[:1])[0]) == 0
    bad = dict(reference)
    del bad["score_quantiles"]
    with pytest.raises(ValueError, match="drift_reference is not a monitor reference"):
        m.save(tmp_path / "bad.ecgad", drift_reference=bad)
    assert not (tmp_path / "bad.ecgad").exists()
