"""Beat segmentation and normalisers against independent numpy references, live."""
import numpy as np
import pytest
from scipy import stats

import ecgad
from ecgad import _beats as eb

FS = 360.0


def reference_beats(x, fs, peaks, before_s=0.25, after_s=0.45, length=140):
    """numpy.interp on the window's time grid; None for a beat past an edge."""
    grid_s = -before_s + np.arange(length) * (before_s + after_s) / length
    out = []
    for r in peaks:
        pos = r + grid_s * fs
        if pos[0] < -1e-9 or np.ceil(pos[-1] - 1e-9) > x.size - 1:
            out.append(None)
        else:
            out.append(np.interp(pos, np.arange(x.size), x))
    return out


@pytest.fixture
def record(rng):
    """Two minutes of noise with irregular peaks (premature beats included)."""
    x = np.cumsum(rng.standard_normal(int(120 * FS))) * 0.01
    rr = rng.choice([200, 300, 360, 420], size=400)
    peaks = np.cumsum(rr) + 40
    return x, peaks[peaks < x.size]


@pytest.mark.parametrize("before_s,after_s,length,fs", [
    (0.25, 0.45, 140, 360.0), (0.3, 0.5, 187, 250.0), (0.0, 1.0, 2, 1000.0), (0.2, 0.2, 64, 128.0)])
def test_segment_beats_equals_numpy_interp(record, before_s, after_s, length, fs):
    x, peaks = record
    b = eb.segment_beats(x, fs, peaks, before_s=before_s, after_s=after_s, length=length)
    ref = reference_beats(x, fs, peaks, before_s, after_s, length)
    kept = [i for i, r in enumerate(ref) if r is not None]
    assert b.beats.dtype == np.float32 and b.beats.shape == (len(kept), length)
    assert b.beats.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(b.peak_number, kept)
    np.testing.assert_array_equal(b.sample_index, peaks[kept])
    np.testing.assert_allclose(b.beats, np.array([ref[i] for i in kept]), rtol=1e-6, atol=1e-6)
    first_kept, last_kept = kept[0], kept[-1]
    assert b.dropped_at_start == first_kept
    assert b.dropped_at_end == len(peaks) - 1 - last_kept


def test_rr_and_local_heart_rate(record):
    x, peaks = record
    b = eb.segment_beats(x, FS, peaks, hr_window_beats=8)
    rr = np.diff(peaks) / FS
    k = b.peak_number
    before = np.where(k > 0, rr[np.maximum(k - 1, 0)], np.nan)
    after = np.where(k < len(peaks) - 1, rr[np.minimum(k, len(rr) - 1)], np.nan)
    np.testing.assert_array_equal(b.rr_before_s, before)
    np.testing.assert_array_equal(b.rr_after_s, after)
    hr = [60.0 / np.median(rr[max(0, i - 8):i]) if i > 0 else np.nan for i in k]
    np.testing.assert_allclose(b.local_hr_bpm, hr, rtol=1e-15)


@pytest.mark.parametrize("chunk,delay", [(1, 0), (37, 50), (1000, 300), (None, 0)])
def test_streaming_equals_offline(record, chunk, delay):
    x, peaks = record
    offline = eb.segment_beats(x, FS, peaks)
    seg = eb.BeatSegmenter(FS, max_peak_delay_s=(delay + 1) / FS)
    parts, sent = [], 0
    step = chunk or x.size
    for start in range(0, x.size, step):
        end = min(start + step, x.size)
        ready = np.searchsorted(peaks, end - delay)
        parts.append(seg.process(x[start:end], peaks[sent:ready]))
        sent = ready
    parts.append(seg.process(np.zeros(0), peaks[sent:]))
    parts.append(seg.flush())
    np.testing.assert_array_equal(np.concatenate([p.beats for p in parts]), offline.beats)
    for name in ("sample_index", "peak_number", "rr_before_s", "rr_after_s", "local_hr_bpm"):
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in parts]),
                                      getattr(offline, name))
    assert sum(p.dropped_at_start for p in parts) == offline.dropped_at_start
    assert sum(p.dropped_at_end for p in parts) == offline.dropped_at_end
    assert seg.samples_seen == x.size and seg.peaks_seen == len(peaks)


def test_segmentation_rejects_bad_input():
    x = np.zeros(1000)
    with pytest.raises(ecgad.InvalidArgument, match="strictly increasing"):
        eb.segment_beats(x, FS, [300, 200])
    with pytest.raises(ecgad.InvalidArgument, match="inside the signal of 1000 samples"):
        eb.segment_beats(x, FS, [300, 1000])
    with pytest.raises(ValueError, match="integer sample indices"):
        eb.segment_beats(x, FS, [300.0])
    with pytest.raises(ValueError, match="1-D"):
        eb.segment_beats(np.zeros((2, 500)), FS, [300])
    bad = x.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match="element 5"):
        eb.segment_beats(bad, FS, [300])
    with pytest.raises(ValueError, match="L must be >= 2"):
        eb.segment_beats(x, FS, [300], length=1)
    seg = eb.BeatSegmenter(FS, max_peak_delay_s=0.1)
    seg.process(np.zeros(500))
    with pytest.raises(ValueError, match="max_peak_delay"):
        seg.process(np.zeros(10), [400])
    seg.flush()
    with pytest.raises(ecgad.StateError):
        seg.process(np.zeros(10))


def test_normalisers_match_numpy(rng):
    beats = (rng.standard_normal((50, 140)) * 0.7 + 0.2).astype(np.float32)
    beats[3] = 1.25  # a flat beat
    z = eb.BeatZScore().transform(beats)
    ref = stats.zscore(beats.astype(np.float64), axis=1)
    ref[3] = 0.0
    np.testing.assert_allclose(z, ref, rtol=1e-5, atol=1e-6)
    m = eb.BeatMinMax(-1.0, 1.0).transform(beats)
    lo, hi = beats.min(axis=1, keepdims=True), beats.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = -1.0 + 2.0 * (beats - lo) / (hi - lo)
    ref[3] = -1.0
    np.testing.assert_allclose(m, ref, rtol=1e-5, atol=1e-6)
    g = eb.GlobalZScore().fit(beats)
    flat = beats.astype(np.float64).ravel()
    assert g.params()["mean"] == pytest.approx(flat.mean(), rel=1e-12)
    assert g.params()["scale"] == pytest.approx(flat.std(), rel=1e-12)
    np.testing.assert_allclose(g.transform(beats), (beats - flat.mean()) / flat.std(), atol=1e-6)
    np.testing.assert_allclose(g.inverse_transform(g.transform(beats)), beats, atol=2e-6)
    mm = eb.GlobalMinMax().fit(beats)
    y = mm.transform(beats)
    assert y.min() == 0.0 and y.max() == pytest.approx(1.0, abs=1e-7)
    np.testing.assert_allclose(mm.inverse_transform(y), beats, atol=2e-6)


def test_normaliser_params_round_trip_and_constant_data(rng):
    train = rng.standard_normal((20, 140)).astype(np.float32)
    test = rng.standard_normal((5, 140)).astype(np.float32)
    for cls in (eb.BeatZScore, eb.BeatMinMax, eb.GlobalZScore, eb.GlobalMinMax):
        n = cls().fit(train)
        loaded = eb.normalizer_from_params(n.kind, n.params())
        assert type(loaded) is cls and loaded.params() == n.params()
        np.testing.assert_array_equal(loaded.transform(test), n.transform(test))
        assert np.isfinite(n.transform(np.full((2, 140), 3.0))).all()
    const = eb.GlobalZScore().fit(np.full((4, 10), 2.5))
    assert const.params()["scale"] == 1.0
    np.testing.assert_array_equal(const.transform([[2.5, 3.5]]), [[0.0, 1.0]])
    assert not eb.GlobalMinMax().is_fitted
    with pytest.raises(ecgad.StateError):
        eb.GlobalMinMax().transform(test)
    with pytest.raises(ValueError, match="missing parameter 'scale'"):
        eb.GlobalZScore.from_params({"mean": 0.0, "constant_tolerance": 0.0})
    with pytest.raises(ValueError, match="unknown normalizer kind"):
        eb.normalizer_from_params("robust", {})
    with pytest.raises(ValueError, match="2-D"):
        eb.BeatZScore().transform(np.zeros(140))
    bad = test.copy()
    bad[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"\(1, 2\)"):
        eb.GlobalZScore().fit(bad)
