"""ecgad.signal against scipy.signal, live: same numbers, same errors, no hidden copies."""
import threading

import numpy as np
import pytest
from scipy import signal as ss

import ecgad
from ecgad import signal as es

FS = 360.0
DESIGNS = [
    (1, 10.0, "lowpass"), (4, 40.0, "lowpass"), (9, 100.0, "low"),
    (2, 0.5, "highpass"), (5, 0.5, "highpass"), (7, 1.0, "hp"),
    (2, (0.5, 40.0), "bandpass"), (4, (5.0, 15.0), "bandpass"), (3, (0.67, 100.0), "band"),
    (2, (58.0, 62.0), "bandstop"), (5, (48.0, 52.0), "stop"),
]


def rel_err(actual, expected):
    return np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-300)


@pytest.mark.parametrize("order,cutoff,btype", DESIGNS)
def test_butter_equals_scipy(order, cutoff, btype):
    ours = es.butter(order, cutoff, btype, fs_hz=FS)
    ref = ss.butter(order, cutoff, btype, fs=FS, output="sos")
    assert ours.shape == ref.shape
    for row_ours, row_ref in zip(ours, ref):
        assert rel_err(row_ours, row_ref) < 1e-10


@pytest.mark.parametrize("order,cutoff,btype", DESIGNS)
def test_filters_equal_scipy_on_ecg_and_noise(order, cutoff, btype, ecg_like, rng):
    sos = ss.butter(order, cutoff, btype, fs=FS, output="sos")
    for x in (ecg_like, rng.standard_normal(5000), rng.standard_normal(4999)):  # odd too
        assert rel_err(es.sosfiltfilt(sos, x), ss.sosfiltfilt(sos, x)) < 1e-9
        assert rel_err(es.sosfilt(sos, x), ss.sosfilt(sos, x)) < 1e-9
        zi = ss.sosfilt_zi(sos) * x[0]
        y, zf = es.sosfilt(sos, x, zi=zi)
        y_ref, zf_ref = ss.sosfilt(sos, x, zi=zi)
        assert rel_err(y, y_ref) < 1e-9 and rel_err(zf, zf_ref) < 1e-9


def test_butter_ba_and_filtfilt_equal_scipy(ecg_like):
    b, a = es.butter_ba(3, 20.0, "lowpass", fs_hz=FS)
    b_ref, a_ref = ss.butter(3, 20.0, fs=FS)
    assert rel_err(b, b_ref) < 1e-10 and rel_err(a, a_ref) < 1e-10
    assert rel_err(es.filtfilt(b, a, ecg_like), ss.filtfilt(b_ref, a_ref, ecg_like)) < 1e-9
    assert rel_err(es.lfilter(b, a, ecg_like), ss.lfilter(b_ref, a_ref, ecg_like)) < 1e-9
    assert rel_err(es.lfilter_zi(b, a), ss.lfilter_zi(b_ref, a_ref)) < 1e-10
    for padlen in (0, 5, 100):
        assert rel_err(es.filtfilt(b, a, ecg_like, padlen=padlen),
                       ss.filtfilt(b_ref, a_ref, ecg_like, padlen=padlen)) < 1e-9


@pytest.mark.parametrize("w0,q,fs", [(60.0, 30.0, 360.0), (50.0, 25.0, 250.0), (60.0, 35.0, 1000.0)])
def test_iirnotch_equals_scipy(w0, q, fs):
    b, a = es.iirnotch(w0, q, fs_hz=fs)
    b_ref, a_ref = ss.iirnotch(w0, q, fs=fs)
    assert rel_err(b, b_ref) < 1e-12 and rel_err(a, a_ref) < 1e-12


def test_sosfilt_zi_equals_scipy():
    for order, cutoff, btype in DESIGNS:
        sos = ss.butter(order, cutoff, btype, fs=FS, output="sos")
        assert rel_err(es.sosfilt_zi(sos), ss.sosfilt_zi(sos)) < 1e-10


def test_streaming_filter_is_chunk_invariant(ecg_like):
    sos = es.butter(4, (0.5, 40.0), "bandpass", fs_hz=FS)
    whole = ss.sosfilt(sos, ecg_like)
    for size in (1, 7, 1000, ecg_like.size):
        f = es.SosFilter(sos)
        y = np.concatenate([f.process(ecg_like[i:i + size]) for i in range(0, ecg_like.size, size)])
        assert rel_err(y, whole) < 1e-9
    f = es.SosFilter(sos)
    first = f.process(ecg_like[:100])
    f.reset()
    assert np.array_equal(f.process(ecg_like[:100]), first)
    assert repr(f) == "SosFilter(n_sections=4)"


def test_streaming_filter_rejects_nan_and_keeps_state(ecg_like):
    f = es.SosFilter(es.butter(2, 40.0, fs_hz=FS))
    f.process(ecg_like[:50])
    state = f.state.copy()
    bad = ecg_like[50:60].copy()
    bad[4] = np.nan
    with pytest.raises(ValueError, match="element 4 is nan"):
        f.process(bad)
    assert np.array_equal(f.state, state)


def test_resample_poly_equals_scipy(ecg_like):
    for up, down in ((1, 2), (2, 1), (25, 36), (36, 25), (125, 90), (3, 3)):
        ours = es.resample_poly(ecg_like, up, down)
        ref = ss.resample_poly(ecg_like, up, down)
        assert ours.shape == ref.shape
        assert rel_err(ours, ref) < 1e-9


def test_medfilt_and_baseline_equal_scipy(ecg_like):
    for k in (1, 3, 71, 217):
        assert np.allclose(es.medfilt(ecg_like, k), ss.medfilt(ecg_like, k), rtol=0, atol=0)
    k1, k2 = 73, 217  # 0.2 s and 0.6 s at 360 Hz, rounded to odd
    baseline = ss.medfilt(ss.medfilt(ecg_like, k1), k2)
    assert rel_err(es.median_baseline(ecg_like, FS), baseline) < 1e-12
    assert rel_err(es.remove_median_baseline(ecg_like, FS), ecg_like - baseline) < 1e-12


def test_inputs_are_converted_once_and_checked(ecg_like):
    sos = es.butter(2, 40.0, fs_hz=FS)
    ref = ss.sosfiltfilt(sos, ecg_like)
    as_float32 = ecg_like.astype(np.float32)
    assert rel_err(es.sosfiltfilt(sos, as_float32), ss.sosfiltfilt(sos, as_float32.astype(float))) < 1e-9
    assert rel_err(es.sosfiltfilt(sos, list(ecg_like)), ref) < 1e-9
    strided = np.repeat(ecg_like, 2)[::2]
    assert rel_err(es.sosfiltfilt(sos, strided), ref) < 1e-9
    with pytest.raises(ValueError, match="1-D signal"):
        es.sosfiltfilt(sos, np.ones((10, 10)))
    with pytest.raises(ValueError, match="real numbers"):
        es.sosfiltfilt(sos, np.ones(100, dtype=complex))
    with pytest.raises(ValueError, match=r"shape \(n_sections, 6\)"):
        es.sosfiltfilt(np.ones((2, 5)), ecg_like)


@pytest.mark.parametrize("call,message", [
    (lambda: es.butter(0, 10.0, fs_hz=FS), "order must be >= 1"),
    (lambda: es.butter(2, 200.0, fs_hz=FS), r"cutoff_hz must lie in \(0, fs_hz/2\) = \(0, 180\)"),
    (lambda: es.butter(2, 0.0, "highpass", fs_hz=FS), "cutoff_hz"),
    (lambda: es.butter(2, (40.0, 5.0), "bandpass", fs_hz=FS), "low < high"),
    (lambda: es.butter(2, 10.0, "sideways", fs_hz=FS), "unknown band type 'sideways'"),
    (lambda: es.butter(2, 10.0, fs_hz=-1.0), "fs_hz must be a finite number > 0"),
    (lambda: es.iirnotch(60.0, 0.0, fs_hz=FS), "q must be a finite number > 0"),
    (lambda: es.iirnotch(190.0, 30.0, fs_hz=FS), "w0_hz must lie in"),
    (lambda: es.sosfiltfilt(es.butter(5, 0.5, "hp", fs_hz=FS), np.ones(18)), "padlen, which is 18"),
    (lambda: es.sosfiltfilt(es.butter(5, 0.5, "hp", fs_hz=FS), []), "empty"),
    (lambda: es.sosfiltfilt(es.butter(2, 5.0, fs_hz=FS), [0.0] * 50 + [np.inf]), "element 50 is inf"),
    (lambda: es.filtfilt([1.0], [0.0, 1.0], np.ones(50)), r"a\[0\] must be nonzero"),
    (lambda: es.resample_poly(np.ones(10), 0, 1), "up"),
    (lambda: es.medfilt(np.ones(10), 4), "odd"),
    (lambda: es.median_baseline(np.ones(10), 0.0), "fs_hz"),
])
def test_bad_input_raises_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_filtering_releases_the_gil(rng):
    # Correctness under concurrency: threads filtering at once give the serial results.
    sos = es.butter(5, 0.5, "highpass", fs_hz=FS)
    signals = [rng.standard_normal(200_000) for _ in range(4)]
    expected = [es.sosfiltfilt(sos, x) for x in signals]
    results = [None] * 4

    def work(i):
        results[i] = es.sosfiltfilt(sos, signals[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        assert np.array_equal(got, want)


def test_package_errors_are_ecgad_classes():
    with pytest.raises(ecgad.InvalidArgument):
        es.butter(2, -5.0, fs_hz=FS)
