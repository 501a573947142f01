"""Welch PSD and signal-quality indices against scipy live; nst noise mixing against an
independent numpy transcription of sigamp/nst; streaming equals offline."""
import numpy as np
import pytest
from scipy import signal as ss
from scipy import stats

import ecgad
from ecgad import _quality as eq

FS = 360.0


def rel_err(actual, expected):
    return np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-300)


@pytest.fixture
def ecg_minute(rng):
    """A minute of Gaussian-bump 'ECG' at 75 bpm with wander and a little noise (mV)."""
    t = np.arange(int(60 * FS)) / FS
    x = np.zeros_like(t)
    for beat in np.arange(0.3, 60.0, 0.8):
        for off, amp, width in ((-0.2, 0.15, 0.025), (-0.03, -0.1, 0.01), (0.0, 1.2, 0.012),
                                (0.03, -0.25, 0.01), (0.25, 0.3, 0.04)):
            x += amp * np.exp(-0.5 * ((t - beat - off) / width) ** 2)
    return x + 0.1 * np.sin(2 * np.pi * 0.2 * t) + 0.01 * rng.standard_normal(t.size)


@pytest.mark.parametrize("n,nperseg,noverlap", [
    (3600, 1440, None), (3600, 1441, None), (5000, 256, 100), (1000, 1000, None), (777, 2, 1),
    (4321, 999, 998)])
def test_welch_equals_scipy(rng, n, nperseg, noverlap):
    x = rng.standard_normal(n) + 3.0
    f, p = eq.welch(x, FS, nperseg, noverlap)
    f_ref, p_ref = ss.welch(x, fs=FS, window="hann", nperseg=nperseg, noverlap=noverlap)
    np.testing.assert_allclose(f, f_ref, rtol=1e-14, atol=1e-12)
    assert rel_err(p, p_ref) < 1e-10


def test_band_power_is_the_rectangle_sum(rng):
    f, p = ss.welch(rng.standard_normal(3600), fs=FS, nperseg=1440)
    for lo, hi in ((0, 1), (5, 15), (5, 40), (0, 180), (40.1, 180)):
        inside = (f >= lo) & (f <= hi)
        assert eq.band_power(f, p, lo, hi) == pytest.approx(p[inside].sum() * (f[1] - f[0]),
                                                            rel=1e-12)


def scipy_indices(w, fs=FS, nperseg=1440):
    """The indices as defined in the docs, from scipy.signal.welch and scipy.stats."""
    f, p = ss.welch(w, fs=fs, window="hann", nperseg=min(nperseg, w.size))
    band = lambda lo, hi: p[(f >= lo) & (f <= hi)].sum()
    return {
        "ksqi": stats.kurtosis(w, fisher=False),
        "psqi": band(5, 15) / band(5, 40),
        "bassqi": 1.0 - band(0, 1) / band(0, 40),
        "hf_noise_share": p[f > 40].sum() / p.sum(),
        "baseline_share": band(0, 1) / p.sum(),
        "std_mv": np.std(w),
    }


def test_indices_equal_their_scipy_definitions(ecg_minute, rng):
    for x in (ecg_minute, ecg_minute + 0.3 * rng.standard_normal(ecg_minute.size),
              ecg_minute + np.sin(2 * np.pi * 0.4 * np.arange(ecg_minute.size) / FS)):
        q = eq.signal_quality(x, FS)
        assert len(q) == 6
        for k, start in enumerate(q.start_sample):
            ref = scipy_indices(x[start:start + 3600])
            for name, value in ref.items():
                assert getattr(q, name)[k] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_bassqi_is_one_minus_the_ratio_not_the_inverted_form(ecg_minute):
    x = ecg_minute[:3600] + 0.8 * np.sin(2 * np.pi * 0.5 * np.arange(3600) / FS)
    f, p = ss.welch(x, fs=FS, window="hann", nperseg=1440)
    p01, p040 = p[f <= 1].sum() * 0.25, p[f <= 40].sum() * 0.25
    q = eq.window_quality(x, FS)
    assert q["bassqi"] == pytest.approx(1 - p01 / p040, rel=1e-9)
    assert abs(q["bassqi"] - (1 - p01) / p040) > 0.1  # the known bug would differ clearly


def test_clean_ecg_is_good_and_degrades_with_noise(ecg_minute, rng):
    clean = eq.signal_quality(ecg_minute, FS)
    assert list(clean.grade) == ["good"] * 6
    assert np.all(clean.ksqi > 5) and np.all(clean.flatline_fraction == 0)
    previous = 2.0
    for sigma in (0.02, 0.05, 0.1, 0.2, 0.5):
        score = eq.signal_quality(ecg_minute + sigma * rng.standard_normal(ecg_minute.size),
                                  FS).score.mean()
        assert score <= previous
        previous = score
    assert previous < 0.05


def test_flatline_clipping_and_lead_off(ecg_minute):
    x = ecg_minute.copy()
    x[3600:3600 + 1800] = 0.4  # 5 s flat in window 1
    q = eq.signal_quality(x, FS)
    assert q.flatline_fraction[1] == pytest.approx(0.5, abs=0.002)
    assert q.grade[1] == "unusable" and q.flatline_fraction[0] == 0
    clipped = np.clip(ecg_minute * 3, -1.0, 1.0)
    rails = eq.signal_quality(clipped, FS, adc_range_mv=(-1.0, 1.0))
    np.testing.assert_allclose(rails.saturation_fraction,
                               (np.abs(clipped) >= 0.999).reshape(6, 3600).mean(axis=1))
    assert np.all(eq.signal_quality(clipped, FS).saturation_fraction > 0)
    off = eq.signal_quality(np.full(7200, 2.0), FS)
    assert list(off.lead_off) == [True, True] and list(off.grade) == ["unusable"] * 2
    assert np.all(np.isfinite(off.ksqi)) and np.all(off.score == 0)


@pytest.mark.parametrize("hop_s", [10.0, 3.0, 12.5])
def test_streaming_quality_equals_offline(ecg_minute, rng, hop_s):
    offline = eq.signal_quality(ecg_minute, FS, hop_s=hop_s)
    a = eq.QualityAssessor(FS, hop_s=hop_s)
    parts, pos = [], 0
    while pos < ecg_minute.size:
        step = int(rng.integers(1, 3000))
        parts.append(a.process(ecg_minute[pos:pos + step]))
        pos += step
    for name, column in offline.as_dict().items():
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in parts]), column)


def test_quality_options_and_bad_input(ecg_minute):
    strict = eq.signal_quality(ecg_minute, FS, thresholds={"good_score": 1.0,
                                                           "ksqi_good": 1e6})
    assert "good" not in set(strict.grade)
    with pytest.raises(ValueError, match="fs_hz > 80 Hz"):
        eq.signal_quality(ecg_minute, 80.0)
    with pytest.raises(ValueError, match="must not exceed window_s"):
        eq.signal_quality(ecg_minute, FS, window_s=2.0)
    with pytest.raises(TypeError, match="unknown quality option"):
        eq.signal_quality(ecg_minute, FS, window_seconds=5)
    with pytest.raises(ValueError, match="1-D"):
        eq.signal_quality(ecg_minute.reshape(2, -1), FS)
    bad = ecg_minute.copy()
    bad[42] = np.nan
    with pytest.raises(ecgad.InvalidArgument, match="element 42"):
        eq.signal_quality(bad, FS)


def sigamp_reference(x, fs, beats, noise):
    """nst/sigamp as documented: trimmed means of QRS p-p (+-50 ms) and of 1-s RMS."""
    def trimmed(a):
        a = np.sort(np.asarray(a))
        k = a.size // 20
        return a[k:a.size - k].mean()
    hw = int(0.05 * fs + 0.5)
    amps = [np.ptp(x[t - hw:t + hw + 1]) for t in beats if t - hw >= 0 and t + hw < x.size][:300]
    w = int(fs + 0.5)
    n = min(300, noise.size // w)
    seg = noise[:n * w].reshape(n, w)
    rms = np.sqrt(((seg - seg.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
    return trimmed(amps), trimmed(rms)


def test_add_noise_at_snr_follows_nst(ecg_minute, rng):
    beats = np.arange(0.3, 60.0, 0.8)
    beats = np.round(beats * FS).astype(np.int64)
    noise = np.cumsum(rng.standard_normal(ecg_minute.size)) * 0.01 + 0.05 * rng.standard_normal(
        ecg_minute.size)
    s_ref, n_ref = sigamp_reference(ecg_minute, FS, beats, noise)
    for snr in (24.0, 6.0, -6.0):
        m = eq.add_noise_at_snr(ecg_minute, noise, FS, beats, snr)
        assert m.signal_amplitude == pytest.approx(s_ref, rel=1e-12)
        assert m.noise_amplitude == pytest.approx(n_ref, rel=1e-12)
        gain = 10 ** (-snr / 20) * np.sqrt(2) / 4 * s_ref / n_ref
        assert m.gain == pytest.approx(gain, rel=1e-12)
        np.testing.assert_allclose(m.noisy, ecg_minute + gain * noise, rtol=0, atol=1e-12)
        measured = eq.nst_snr_db(s_ref, eq.nst_noise_amplitude(m.noisy - ecg_minute, FS))
        assert measured == pytest.approx(snr, abs=1e-9)
    # Lower SNR, lower quality.
    scores = [eq.signal_quality(eq.add_noise_at_snr(ecg_minute, noise, FS, beats, s).noisy,
                                FS).score.mean() for s in (24, 12, 0, -6)]
    assert scores == sorted(scores, reverse=True) and scores[-1] < scores[0]
    with pytest.raises(ValueError, match="no reference beat"):
        eq.add_noise_at_snr(ecg_minute, noise, FS, [3], 0.0)
    with pytest.raises(ValueError, match="integer sample indices"):
        eq.add_noise_at_snr(ecg_minute, noise, FS, [300.0], 0.0)
