"""ecgad.synth: ECGSYN with labelled anomalies and drift, checked with numpy/scipy measurements."""
import numpy as np
import pytest
from scipy import interpolate
from scipy import signal as ss
from scipy import stats

import ecgad
from ecgad import synth


def binomial_bounds(n, p, alpha=1e-6):
    lo, hi = stats.binom.interval(1.0 - alpha, n, p)
    return lo, hi


def test_ecgsyn_is_deterministic_and_seeded():
    a = synth.ecgsyn(duration_s=20.0, noise_mv=0.02, seed=5)
    b = synth.ecgsyn(duration_s=20.0, noise_mv=0.02, seed=5)
    c = synth.ecgsyn(duration_s=20.0, noise_mv=0.02, seed=6)
    assert a.ecg_mv.tobytes() == b.ecg_mv.tobytes()
    assert np.array_equal(a.r_peaks, b.r_peaks)
    assert np.max(np.abs(a.ecg_mv - c.ecg_mv)) > 0.1
    assert a.ecg_mv.dtype == np.float64 and a.r_peaks.dtype == np.int64


def test_synthesize_is_deterministic_with_everything_on():
    kwargs = dict(duration_s=120.0, fs_hz=250.0, seed=42, noise_mv=0.01, pvc_rate=0.1,
                  spb_rate=0.05, st_elevation_rate=0.05, t_inversion_rate=0.05,
                  episodes=[synth.Episode("af", 30.0, 30.0)],
                  random_episodes=[synth.RandomEpisodes("noise_motion", 60.0, 5.0)],
                  drift=[synth.heart_rate_trend(70.0, 100.0, 20.0), synth.gain_step(110.0, 0.3)])
    a, b = synth.synthesize(**kwargs), synth.synthesize(**kwargs)
    assert a.ecg_mv.tobytes() == b.ecg_mv.tobytes()
    for field in ("samples", "symbols", "aami", "tags", "r_peak_times_s"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert a.episodes == b.episodes and a.changes == b.changes


@pytest.mark.parametrize("hr_bpm,hr_std_bpm", [(60.0, 1.0), (75.0, 3.0), (110.0, 5.0)])
def test_rr_statistics_follow_the_configuration(hr_bpm, hr_std_bpm):
    e = synth.ecgsyn(duration_s=900.0, fs_hz=250.0, heart_rate_bpm=hr_bpm,
                     heart_rate_std_bpm=hr_std_bpm, seed=3)
    rr = e.rr_s
    assert rr.mean() == pytest.approx(60.0 / hr_bpm, rel=0.01)
    # The RR equivalent of the heart-rate std (delta method), as ecgsyn.m scales it.
    assert rr.std() == pytest.approx(60.0 * hr_std_bpm / hr_bpm**2, rel=0.25)
    # Every R-peak sample is a local maximum scipy finds too, and the RR intervals in samples
    # agree with the exact event times.
    peaks, _ = ss.find_peaks(e.ecg_mv, distance=int(0.25 * 250.0))
    assert np.isin(e.r_peaks[1:-1], peaks).all()
    assert np.abs(np.diff(e.r_peaks) / 250.0 - rr).max() <= 2.0 / 250.0


def test_rr_spectrum_has_mayer_and_respiratory_peaks():
    e = synth.ecgsyn(duration_s=1800.0, fs_hz=100.0, heart_rate_std_bpm=3.0, lf_hf_ratio=1.0,
                     seed=8)
    # Resample the tachogram evenly at 4 Hz with a cubic spline (the usual HRV practice; linear
    # interpolation would attenuate 0.25 Hz by a third) and take Welch's spectrum.
    t = e.r_peak_times_s[1:]
    grid = np.arange(t[0], t[-1], 0.25)
    rr = interpolate.CubicSpline(t, e.rr_s)(grid)
    f, p = ss.welch(rr - rr.mean(), fs=4.0, nperseg=1024)
    lf = (f >= 0.04) & (f < 0.15)
    hf = (f >= 0.15) & (f < 0.4)
    assert f[lf][np.argmax(p[lf])] == pytest.approx(0.1, abs=0.02)
    assert f[hf][np.argmax(p[hf])] == pytest.approx(0.25, abs=0.02)
    assert p[lf].sum() / p[hf].sum() == pytest.approx(1.0, rel=0.3)


def test_r_amplitude_and_custom_waves():
    e = synth.ecgsyn(duration_s=60.0, baseline_wander_mv=0.0, seed=2)
    r_mv = np.median(e.ecg_mv[e.r_peaks[1:-1]])
    assert r_mv == pytest.approx(1.15, abs=0.05)
    waves = [(-70, 1.2, 0.25), (-15, -5, 0.1), (0, 15, 0.1), (15, -7.5, 0.1), (100, 0.75, 0.4)]
    half = synth.ecgsyn(duration_s=60.0, baseline_wander_mv=0.0, seed=2, waves=waves)
    assert np.median(half.ecg_mv[half.r_peaks[1:-1]]) < 0.7 * r_mv


def test_anomaly_labels_appear_at_their_rates():
    rates = dict(pvc_rate=0.06, spb_rate=0.04, st_elevation_rate=0.05, st_depression_rate=0.05,
                 t_inversion_rate=0.08)
    rec = synth.synthesize(duration_s=1800.0, fs_hz=200.0, heart_rate_bpm=70.0, seed=17, **rates)
    n = len(rec.samples) - 1  # the first beat is never ectopic
    v, a = rec.symbols[1:] == "V", rec.symbols[1:] == "A"
    for count, p in ((v.sum(), rates["pvc_rate"]), (a.sum(), rates["spb_rate"])):
        lo, hi = binomial_bounds(n, p)
        assert lo <= count <= hi, (count, n, p)
    not_v = rec.symbols != "V"
    for tag in ("st_elevation", "st_depression", "t_inversion"):
        lo, hi = binomial_bounds(not_v.sum(), rates[f"{tag}_rate"])
        assert lo <= rec.has_tag(tag)[not_v].sum() <= hi, tag
        assert not rec.has_tag(tag)[~not_v].any(), tag
    # Symbols, EC57 classes and tags agree.
    assert np.array_equal(rec.symbols == "V", rec.has_tag("pvc"))
    assert np.array_equal(rec.symbols == "A", rec.has_tag("spb"))
    expected_aami = np.where(rec.symbols == "V", "V", np.where(rec.symbols == "A", "S", "N"))
    assert np.array_equal(rec.aami, expected_aami)
    assert rec.tag_names(int(np.argmax(rec.symbols == "V"))) == ["pvc"]


def test_pvc_has_a_wider_qrs_and_a_compensatory_pause():
    fs = 500.0
    rec = synth.synthesize(duration_s=600.0, fs_hz=fs, heart_rate_std_bpm=0.0, pvc_rate=0.1,
                           baseline_wander_mv=0.0, seed=4)
    x = rec.ecg_mv
    inner = slice(1, -1)  # a full beat on both sides
    widths = ss.peak_widths(x, rec.samples[inner], rel_height=0.5)[0] / fs
    v = (rec.symbols == "V")[inner]
    normal = ((rec.symbols == "N") & np.roll(rec.symbols == "N", 1))[inner]
    assert v.sum() > 30
    # QRS of the default beat ~40 ms at half height; the PVC's more than twice as wide.
    assert np.median(widths[normal]) == pytest.approx(0.04, abs=0.01)
    assert widths[v].min() > 2.0 * np.median(widths[normal])
    # Coupling 0.55-0.70 of the 1 s sinus RR, and RR before + RR after = 2 sinus RR.
    s = rec.symbols
    k = np.flatnonzero((s[1:-1] == "V") & (s[:-2] == "N") & (s[2:] == "N")) + 1
    rr = np.diff(rec.r_peak_times_s)
    assert np.all((rr[k - 1] >= 0.55 - 1e-9) & (rr[k - 1] <= 0.70 + 1e-9))
    np.testing.assert_allclose(rr[k - 1] + rr[k], 2.0, atol=1e-9)


def test_af_episode_has_irregular_rr_and_tags():
    rec = synth.synthesize(duration_s=600.0, fs_hz=250.0, heart_rate_bpm=65.0, seed=9,
                           af_heart_rate_bpm=110.0, af_rr_cv=0.25,
                           episodes=[{"kind": "af", "start_s": 120.0, "duration_s": 360.0}])
    t = rec.r_peak_times_s
    inside = (t >= 120.0) & (t < 480.0)
    assert np.array_equal(rec.has_tag("af"), inside)
    rr = np.diff(t)
    rr_in = rr[(t[:-1] >= 122.0) & (t[1:] < 478.0)]
    rr_out = rr[(t[1:] < 118.0) | (t[:-1] > 482.0)]
    assert rr_in.mean() == pytest.approx(60.0 / 110.0, rel=0.04)
    assert rr_in.std() / rr_in.mean() == pytest.approx(0.25, abs=0.05)
    assert rr_out.std() / rr_out.mean() < 0.03
    assert abs(np.corrcoef(rr_in[:-1], rr_in[1:])[0, 1]) < 0.15
    assert rec.episodes == [{"kind": "af", "start_sample": 30000, "end_sample": 120000,
                             "start_s": 120.0, "end_s": 480.0, "magnitude": 0.05}]


def test_noise_burst_is_where_declared_with_its_rms_and_band():
    base = dict(duration_s=120.0, fs_hz=360.0, seed=12)
    clean = synth.synthesize(**base)
    noisy = synth.synthesize(**base, episodes=[synth.Episode("noise_emg", 30.0, 60.0, 0.1)])
    d = noisy.ecg_mv - clean.ecg_mv
    assert not d[:10800].any() and not d[32400:].any()
    inside = d[10800 + 36:32400 - 36]
    assert np.sqrt(np.mean(inside**2)) == pytest.approx(0.1, rel=0.05)
    f, p = ss.welch(inside, fs=360.0, nperseg=2048)
    assert p[(f >= 12.0) & (f <= 70.0)].sum() / p.sum() > 0.8
    t = noisy.r_peak_times_s
    assert np.array_equal(noisy.has_tag("noisy"), (t >= 30.0) & (t < 90.0))


def test_drift_changes_happen_where_declared():
    base = dict(duration_s=240.0, fs_hz=250.0, seed=21)
    ref = synth.synthesize(**base)
    rec = synth.synthesize(**base, drift=[synth.gain_step(60.0, 0.5),
                                          synth.polarity_inversion(120.0),
                                          synth.gain_drift(150.0, 200.0, -0.5)])
    i = np.arange(ref.ecg_mv.size)
    g = np.where(i >= 15000, 1.5, 1.0) * np.where(i >= 30000, -1.0, 1.0)
    g *= 1.0 - 0.5 * np.clip((i / 250.0 - 150.0) / 50.0, 0.0, 1.0)
    np.testing.assert_allclose(rec.ecg_mv, g * ref.ecg_mv, rtol=0, atol=1e-12)
    assert [c["kind"] for c in rec.changes] == ["gain_step", "polarity_inversion", "gain_drift"]
    assert [c["start_sample"] for c in rec.changes] == [15000, 30000, 37500]
    assert [c["gradual"] for c in rec.changes] == [False, False, True]
    assert rec.changes[2]["end_sample"] == 50000 and rec.changes[2]["magnitude"] == -0.5


def test_heart_rate_trend_and_sampling_rate_mismatch():
    rec = synth.synthesize(duration_s=600.0, fs_hz=360.0, heart_rate_std_bpm=0.0, seed=1,
                           drift=[synth.heart_rate_trend(100.0, 200.0, 30.0),
                                  synth.sampling_rate_mismatch(400.0, 1.5)])
    t = rec.r_peak_times_s

    def hr(t0, t1):
        m = (t >= t0) & (t < t1)
        return 60.0 / np.diff(t[m]).mean()

    assert hr(5.0, 95.0) == pytest.approx(60.0, rel=0.005)
    assert hr(205.0, 395.0) == pytest.approx(90.0, rel=0.005)
    # 540 Hz data labelled 360 Hz: every interval looks 1.5 times longer.
    assert hr(405.0, 600.0) == pytest.approx(90.0 / 1.5, rel=0.005)
    kinds = [(c["kind"], c["gradual"], c["unit"]) for c in rec.changes]
    assert kinds == [("heart_rate_trend", True, "bpm"),
                     ("sampling_rate_mismatch", False, "actual / labelled sampling rate")]


def test_wander_and_noise_growth():
    base = dict(duration_s=600.0, fs_hz=200.0, seed=30)
    ref = synth.synthesize(**base)
    rec = synth.synthesize(**base, drift=[synth.baseline_wander_growth(100.0, 200.0, 0.3),
                                          synth.noise_rise(300.0, 400.0, 0.05),
                                          synth.electrode_noise_onset(500.0, 0.2)])
    d = rec.ecg_mv - ref.ecg_mv
    assert not d[:20001].any()
    # After the wander ramp (200-300 s): mostly 0.3 mV rms of low-frequency content.
    w = d[40000:60000]
    assert np.sqrt(np.mean(w**2)) == pytest.approx(0.3, rel=0.3)
    f, p = ss.welch(w, fs=200.0, nperseg=8192)
    assert p[f < 0.5].sum() / p.sum() > 0.97
    # Muscle noise adds in quadrature on top of it; electrode noise from sample 100000.
    hp = ss.sosfiltfilt(ss.butter(4, 10.0, "highpass", fs=200.0, output="sos"), d)
    assert np.sqrt(np.mean(hp[85000:99000] ** 2)) == pytest.approx(0.05, rel=0.15)
    assert np.sqrt(np.mean(hp[50000:59000] ** 2)) < 0.005
    assert rec.changes[2]["start_sample"] == 100000


@pytest.mark.parametrize("kwargs,message", [
    (dict(pvc_rate=1.5), "anomalies.pvc_rate must be in [0, 1]"),
    (dict(pvc_rate=0.6, spb_rate=0.6), "anomalies.pvc_rate + anomalies.spb_rate"),
    (dict(fs_hz=20.0), "fs_hz must be in [50, 2000]"),
    (dict(st_elevation_mv=-0.1), "anomalies.st_elevation_mv"),
    (dict(episodes=[synth.Episode("af", 50.0, 20.0)]), "must end inside the record"),
    (dict(episodes=[synth.Episode("flutter", 5.0, 5.0)]), "unknown episode kind 'flutter'"),
    (dict(drift=[synth.gain_step(-1.0, 0.5)]), "drift.changes[0] (gain_step).start_s"),
    (dict(drift=[synth.gain_step(10.0, -1.5)]), "drift.changes[0] (gain_step).magnitude"),
    (dict(drift=[synth.gain_drift(30.0, 20.0, 0.5)]), "(gain_drift).end_s"),
    (dict(drift=[synth.Change("lead_off", 10.0, None, 1.0)]), "unknown drift kind 'lead_off'"),
    (dict(drift=[synth.sampling_rate_mismatch(10.0, 1.0)]), "sampling_rate_mismatch).magnitude"),
])
def test_invalid_arguments_name_the_field(kwargs, message):
    with pytest.raises(ecgad.InvalidArgument) as info:
        synth.synthesize(duration_s=60.0, **kwargs)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_malformed_arguments_raise_value_error():
    with pytest.raises(ValueError, match="unknown option 'pvc_width'"):
        synth.synthesize(duration_s=10.0, pvc_width=2.0)
    with pytest.raises(ValueError, match=r"waves must be 5 rows .* shape \(4, 3\)"):
        synth.ecgsyn(waves=np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"episodes\[0\] must be a Episode or a dict"):
        synth.synthesize(duration_s=10.0, episodes=[("af", 1.0, 2.0)])
    with pytest.raises(ValueError, match=r"drift\[0\]"):
        synth.synthesize(duration_s=10.0, drift=[{"kind": "gain_step", "start": 1.0}])
    with pytest.raises(ValueError, match="seed must be an integer"):
        synth.ecgsyn(seed=-1)
    with pytest.raises(ValueError, match="unknown beat tag"):
        synth.synthesize(duration_s=10.0).has_tag("vt")


def test_kind_catalogues():
    assert set(synth.BEAT_TAGS) == {"pvc", "spb", "st_elevation", "st_depression", "t_inversion",
                                    "af", "noisy"}
    assert len(set(synth.BEAT_TAGS.values())) == 7
    assert synth.EPISODE_KINDS[0] == "af" and "noise_motion" in synth.EPISODE_KINDS
    gradual = [k for k in synth.DRIFT_KINDS if ecgad._core.synth.is_gradual(k)]
    assert gradual == ["heart_rate_trend", "gain_drift", "baseline_wander_growth", "noise_rise"]
