"""benchmarks/eval_drift.py: the injected changes are what they claim (gain, polarity, ramps,
noise at the nst SNR), the bookkeeping (explained alerts, own-channel classification), a quick
end-to-end run on MIT-BIH and synthetic streams, and its refusals."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import load_benchmark

from ecgad import io
from ecgad import signal as es

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("ECGAD_DATA_DIR") or ROOT / ".." / "shared" / "data")
needs_data = pytest.mark.skipif(not (DATA / "mitdb").is_dir() or not (DATA / "nstdb").is_dir(),
                                reason=f"shared data folders {DATA / 'mitdb'} and "
                                       f"{DATA / 'nstdb'} are absent (set ECGAD_DATA_DIR)")


@pytest.fixture(scope="module")
def ed():
    return load_benchmark("eval_drift")


def test_injected_gain_polarity_and_ramps(ed):
    fs = 360.0
    x = np.sin(np.arange(7200) / 10.0)
    t = np.arange(x.size) / fs
    y = ed.inject("gain_x2", x, fs, 10.0, None, None)
    np.testing.assert_array_equal(y[t < 10.0], x[t < 10.0])
    np.testing.assert_array_equal(y[t >= 10.0], 2.0 * x[t >= 10.0])
    y = ed.inject("gain_x0.5", x, fs, 10.0, None, None)
    np.testing.assert_array_equal(y[t >= 10.0], 0.5 * x[t >= 10.0])
    y = ed.inject("polarity", x, fs, 10.0, None, None)
    np.testing.assert_array_equal(y[t >= 10.0], -x[t >= 10.0])
    np.testing.assert_array_equal(y[t < 10.0], x[t < 10.0])
    ramp = ed.ramp(x.size, fs, 2.0, ed.RAMP_S)
    assert ramp[int(2.0 * fs)] == 0.0 and ramp[-1] == pytest.approx((t[-1] - 2.0) / ed.RAMP_S)
    y = ed.inject("gain_drift_x2", np.ones(400 * 360), fs, 10.0, None, None)
    assert y[int(10.0 * fs)] == 1.0
    assert y[int((10.0 + ed.RAMP_S / 2) * fs)] == pytest.approx(1.5)
    assert y[-1] == 2.0  # the ramp ends at twice the gain and stays


@needs_data
def test_injected_noise_has_the_nst_snr(ed):
    rec = io.read_wfdb(DATA / "mitdb" / "101")
    ann = io.read_annotations(DATA / "mitdb" / "101.atr").beats()
    x = rec.lead(0)
    ref_beats = ann.sample[[es.nst_reference_beat(s) for s in ann.symbol]]
    noise = {k: io.read_wfdb(DATA / "nstdb" / k).lead(0) for k in ("ma", "bw")}
    start = 600.0
    s_amp = es.nst_signal_amplitude(x, rec.fs_hz, ref_beats)
    for kind, snr in (("ma_noise_6dB", 6.0), ("bw_noise_0dB", 0.0)):
        # From the start: the added noise has exactly the nst SNR (nst scales by the noise's
        # amplitude over the whole record).
        y = ed.inject(kind, x, rec.fs_hz, 0.0, noise, ref_beats)
        measured = es.nst_snr_db(s_amp, es.nst_noise_amplitude(y - x, rec.fs_hz))
        assert measured == pytest.approx(snr, abs=1e-6), kind
        # From start: nothing before, the same noise after.
        z = ed.inject(kind, x, rec.fs_hz, start, noise, ref_beats)
        k = int(start * rec.fs_hz)
        np.testing.assert_array_equal(z[:k], x[:k])
        np.testing.assert_allclose(z[k:], y[k:], rtol=0, atol=1e-12)
    y = ed.inject("ma_noise_rise", x, rec.fs_hz, start, noise, ref_beats)
    k0, k1 = int(start * rec.fs_hz), int((start + ed.RAMP_S) * rec.fs_hz)
    first, last = np.std((y - x)[k0:k0 + 3600]), np.std((y - x)[k1 - 3600:k1])
    assert first < 0.05 * last  # the noise grows from nothing


def test_explained_and_summaries(ed):
    events = np.array([400.0, 1000.0])
    alert = {"since_s": 390.0, "detected_s": 420.0, "kind": "heart_rate", "shape": "sudden",
             "cause": "physiological"}
    assert ed.explained(alert, events)          # 400 s lies in [330, 420]
    assert not ed.explained(dict(alert, since_s=500.0, detected_s=520.0), events)
    assert ed.explained(dict(alert, since_s=1050.0, detected_s=1100.0), events)  # 60 s before
    assert not ed.explained(alert, np.empty(0))
    # Shifted by 600 s the window [330, 420] becomes [930, 1020]: explained by 1000 s.
    assert ed.explained(dict(alert, since_s=390.0), events, 600.0)

    def run(change_s, *alerts):
        after = [dict(kind=k, detected_s=change_s + d, shape=s, cause=c) for k, d, s, c in alerts]
        return {"change_s": change_s, "first": after[0] if after else None, "after": after}

    runs = [run(900.0, ("score", 10.0, "sudden", "physiological"),
                ("amplitude", 20.0, "sudden", "sensor_fault")),
            run(800.0, ("amplitude", 30.0, "gradual", "physiological")),
            run(700.0)]
    s = ed.summarise(runs, ("sudden", "sensor_fault", "amplitude"))
    assert (s["runs"], s["detected"], s["median_delay_s"], s["max_delay_s"]) == (3, 2, 20.0, 30.0)
    assert (s["channel_detected"], s["channel_median_delay_s"]) == (2, 25.0)
    assert (s["shape_right"], s["cause_right"]) == (1, 1)
    assert s["first_kinds"] == ["amplitude", "score"]


@needs_data
def test_quick_run_end_to_end(ed, tmp_path):
    out = tmp_path / "drift.json"
    rc = ed.main(["--data", str(DATA), "--quick", "--no-detectors", "--epochs", "3",
                  "--json", str(out)])
    assert rc == 0
    report = json.loads(out.read_text())
    assert set(report["mitdb"]) == set(ed.MITDB_CHANGES)
    assert set(report["synthetic"]) == set(ed.SYNTH_CHANGES)
    for kind, s in report["mitdb"].items():
        assert s["runs"] == 6 and s["detected"] <= s["runs"], kind
    # A doubled gain and an inverted lead are found on every record, within a minute.
    for kind in ("gain_x2", "polarity"):
        s = report["mitdb"][kind]
        assert s["detected"] == 6 and s["channel_detected"] == 6, (kind, s)
        assert s["channel_median_delay_s"] < 60.0, (kind, s)
    m = report["monitor"]
    assert m["monitored_hours"] > 4.0
    assert m["false_by_source"]["synthetic"] == 0  # unchanged synthetic streams stay quiet


@needs_data
def test_refusals(ed, tmp_path, capsys):
    assert ed.main(["--data", str(tmp_path)]) == 2
    assert "need" in capsys.readouterr().err
    assert ed.main(["--data", str(DATA), "--warmup-s", "30"]) == 2
    assert "--warmup-s" in capsys.readouterr().err
    assert ed.main(["--data", str(DATA), "--monitor-params", '{"no_such": 1}']) == 2
    assert "bad --monitor-params" in capsys.readouterr().err
