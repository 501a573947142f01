#!/usr/bin/python3
"""Drift detection on real and synthetic ECG: delay, missed changes, false alarms per hour.

Every run is one 30-minute recording streamed through the production chain, beat by beat and
causally: band-pass (causal 2nd-order Butterworth 0.5-40 Hz), ecgad R-peak detection, beats,
patient-relative model inputs (the stream's running median beat and RR), a dense autoencoder
that never saw the record (record-disjoint 2-fold on MIT-BIH; trained on other synthetic
subjects for the synthetic runs), signal quality (10 s windows every 2 s, the latest complete
window before each beat), heart rate (median of the last 8 RR) and the R amplitude of the
filtered signal. The first --warmup-s seconds of a stream are its baseline: the monitor's
reference is fitted on them (a bedside monitor learns the patient after connection), and the
monitored time starts after them.

Changes (one per run, at a seeded time between 10 and 20 minutes):
  MIT-BIH (../shared/data/mitdb lead 0, with noise from ../shared/data/nstdb):
    sudden   gain_x2, gain_x0.5, polarity (inverted lead), ma_noise_6dB (muscle artefact
             from NSTDB 'ma' at 6 dB SNR as nst defines it), bw_noise_0dB (NSTDB 'bw')
    gradual  gain_drift_x2 (gain 1 -> 2 over 5 min), ma_noise_rise (no noise -> 6 dB over 5 min)
  synthetic (ecgad.synth, 70 +- 10 bpm subjects): every drift kind of the generator — gradual
  heart_rate_trend (+30 bpm / 5 min), gain_drift (x2 / 5 min), baseline_wander_growth
  (0 -> 0.5 mV / 5 min), noise_rise (0 -> 0.3 mV / 5 min); sudden gain_step (x2),
  polarity_inversion, electrode_noise_onset (0.5 mV), sampling_rate_mismatch (a 500 Hz
  signal labelled 360 Hz).
  unchanged: every MIT-BIH record and --synthetic-seeds synthetic subjects as recorded.

Reported for the monitor (ecgad.drift.Monitor, default parameters) and for each raw streaming
detector at its default parameters: ADWIN, Page-Hinkley, CUSUM, KSWIN on the per-beat values
standardised by the baseline's mean and std (score CDF, heart rate, log |R|, quality —
alarming when any channel does), and DDM, EDDM, HDDM_A on the labelled error stream (a beat is
an error when "score above the model's 99th training percentile" disagrees with the
annotation's abnormal flag; labels arrive at once, as if a reviewer kept up): detected / runs, median and maximum delay
from the change to the first alert (for the monitor: the first alert of any kind after the
change), false alarms per hour (alerts before the change and on unchanged runs, over the
monitored time) and, for the monitor, whether the first alert's shape (sudden/gradual) and
cause (sensor fault/physiology) are right. Goals (issue 5): sudden changes within 60 s
(median < 30 s), gradual within 10 minutes, at most 0.1 false alarm per hour unchanged.

Usage (ecgad installed or PYTHONPATH=build/python; OPENBLAS_NUM_THREADS=1):
    /usr/bin/python3 benchmarks/eval_drift.py [--json out.json] [--quick]
Exit status: 0, or 2 when the data folder is missing or an argument is wrong.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np

from ecgad import drift, io, model, synth
from ecgad import signal as es

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data"
FEATURES = dict(channels=["residual"], extras=["log_rr_before", "log_rr_after"])
MODEL = dict(hidden=[64, 32, 16], output_activation="linear")
RAMP_S = 300.0  # gradual changes ramp over 5 minutes

# Each change's shape, the cause its alert should name ("either" when the monitor cannot know:
# a slow gain drift looks like a physiological amplitude change, see docs/drift.md) and the
# channel that should report it.
MITDB_CHANGES = {
    "gain_x2": ("sudden", "sensor_fault", "amplitude"),
    "gain_x0.5": ("sudden", "sensor_fault", "amplitude"),
    "polarity": ("sudden", "sensor_fault", "polarity"),
    "ma_noise_6dB": ("sudden", "sensor_fault", "quality"),
    "bw_noise_0dB": ("sudden", "sensor_fault", "quality"),
    "gain_drift_x2": ("gradual", "either", "amplitude"),
    "ma_noise_rise": ("gradual", "sensor_fault", "quality"),
}
SYNTH_CHANGES = {
    "heart_rate_trend": ("gradual", "physiological", "heart_rate"),
    "gain_drift": ("gradual", "either", "amplitude"),
    "baseline_wander_growth": ("gradual", "sensor_fault", "quality"),
    "noise_rise": ("gradual", "sensor_fault", "quality"),
    "gain_step": ("sudden", "sensor_fault", "amplitude"),
    "polarity_inversion": ("sudden", "sensor_fault", "polarity"),
    "electrode_noise_onset": ("sudden", "sensor_fault", "quality"),
    "sampling_rate_mismatch": ("sudden", "either", "morphology"),
}
DETECTORS = {
    "adwin": lambda: drift.ADWIN(),
    "page_hinkley": lambda: drift.PageHinkley(),
    "cusum": lambda: drift.CUSUM(mean=0.0, std=1.0),
    "kswin": lambda: drift.KSWIN(seed=0),
}
# Error-rate detectors on the labelled stream: prediction (score above the model's 99th
# percentile of its training scores) != the annotation's abnormal flag, labels at once.
ERROR_DETECTORS = {
    "ddm": lambda: drift.DDM(),
    "eddm": lambda: drift.EDDM(),
    "hddm_a": lambda: drift.HDDMA(),
}


# ---------------------------------------------------------------------------------------------
# The stream front end

def observe(x: np.ndarray, fs: float, extractor_features: es.FeatureSet,
            ref_samples=None, ref_abnormal=None):
    """Per-beat observations of a recording, as a causal streaming chain produces them; with
    reference beats (samples, abnormal flags) each detected beat gets the label of the
    reference beat within 150 ms (1.0 abnormal, 0.0 normal, NaN none), as a reviewer would."""
    sos = es.butter(2, [0.5, 40.0], "bandpass", fs_hz=fs)
    xf = es.sosfilt(sos, x)
    peaks = es.find_rpeaks(x, fs)
    b = es.segment_beats(xf, fs, peaks)
    feats = es.beat_features(b, extractor_features).features
    q = es.signal_quality(x, fs, window_s=10.0, hop_s=2.0)
    done = q.start_sample + q.n_samples
    w = np.searchsorted(done, b.sample_index, side="right") - 1  # latest complete window
    first = max(int(np.argmax(w >= 0)), 1)  # beats before any window and the first beat go
    keep = np.arange(b.beats.shape[0]) >= first
    keep &= np.isfinite(b.local_hr_bpm)
    w = np.maximum(w, 0)
    # Ectopy flag: RR before the beat < 0.85 x the running median RR (60 / local heart rate).
    premature = b.rr_before_s < 0.85 * 60.0 / b.local_hr_bpm
    # Amplitude: QRS peak-to-peak within +-50 ms of the R peak (column 50 of the 140-point
    # beat, 0.25 s before to 0.45 s after: 5 ms per point), signed by the filtered sample at
    # the peak — peak-to-peak ignores any baseline offset left by the causal high-pass.
    qrs = b.beats[:, 40:61]
    amp = np.copysign(qrs.max(axis=1) - qrs.min(axis=1), xf[b.sample_index])
    label = np.full(b.sample_index.size, np.nan)
    if ref_samples is not None and len(ref_samples):
        ref_samples = np.asarray(ref_samples)
        j = np.clip(np.searchsorted(ref_samples, b.sample_index), 1, ref_samples.size - 1)
        near = np.where(np.abs(ref_samples[j - 1] - b.sample_index) <=
                        np.abs(ref_samples[j] - b.sample_index), j - 1, j)
        hit = np.abs(ref_samples[near] - b.sample_index) <= 0.15 * fs
        label[hit] = np.asarray(ref_abnormal, dtype=float)[near[hit]]
    return dict(t=b.sample_index[keep] / fs, features=feats[keep], hr=b.local_hr_bpm[keep],
                label=label[keep],
                amp=amp[keep], quality=q.score[w][keep],
                grade=q.grade[w][keep].astype(object), premature=premature[keep],
                beats=b.beats[keep])


def train(features: np.ndarray, seed: int, epochs: int):
    dims = es.FeatureSet(**FEATURES).architecture_dims()
    m = model.Autoencoder("dense", seed=seed, **dims, **MODEL)
    m.fit(features, validation=0.1, epochs=epochs, batch_size=256, learning_rate=1e-3,
          early_stopping=True, patience=5, threads=1)
    return m


# ---------------------------------------------------------------------------------------------
# Injected changes on real records

def ramp(n: int, fs: float, start_s: float, length_s: float) -> np.ndarray:
    t = np.arange(n) / fs
    if length_s <= 0:
        return (t >= start_s).astype(float)
    return np.clip((t - start_s) / length_s, 0.0, 1.0)


def inject(kind: str, x: np.ndarray, fs: float, start_s: float, noise, ref_beats) -> np.ndarray:
    n = x.size
    if kind == "gain_x2":
        return x * (1.0 + ramp(n, fs, start_s, 0))
    if kind == "gain_x0.5":
        return x * (1.0 - 0.5 * ramp(n, fs, start_s, 0))
    if kind == "polarity":
        return np.where(np.arange(n) / fs >= start_s, -x, x)
    if kind == "gain_drift_x2":
        return x * (1.0 + ramp(n, fs, start_s, RAMP_S))
    name, snr_db, length = {"ma_noise_6dB": ("ma", 6.0, 0), "bw_noise_0dB": ("bw", 0.0, 0),
                            "ma_noise_rise": ("ma", 6.0, RAMP_S)}[kind]
    nz = np.resize(noise[name], n)
    gain = es.nst_noise_gain(snr_db, es.nst_signal_amplitude(x, fs, ref_beats),
                             es.nst_noise_amplitude(nz, fs))
    return x + gain * ramp(n, fs, start_s, length) * nz


def synth_change(kind: str, start_s: float):
    end = start_s + RAMP_S
    return {"heart_rate_trend": synth.heart_rate_trend(start_s, end, 30.0),
            "gain_drift": synth.gain_drift(start_s, end, 1.0),
            "baseline_wander_growth": synth.baseline_wander_growth(start_s, end, 0.5),
            "noise_rise": synth.noise_rise(start_s, end, 0.3),
            "gain_step": synth.gain_step(start_s, 1.0),
            "polarity_inversion": synth.polarity_inversion(start_s),
            "electrode_noise_onset": synth.electrode_noise_onset(start_s, 0.5),
            "sampling_rate_mismatch": synth.sampling_rate_mismatch(start_s, 500.0 / 360.0)}[kind]


# ---------------------------------------------------------------------------------------------
# Scoring one run

def ann_all_events(path: pathlib.Path, fs: float) -> np.ndarray:
    a = io.read_annotations(path)
    return np.sort(a.sample[(a.symbol == "+") | (a.symbol == "~")] / fs)


def explained(alert, times: np.ndarray, shift_s: float = 0.0) -> bool:
    """An alert the record's own annotations account for: a rhythm or signal-quality change
    annotated between 60 s before the alert's since_s and its detection. With shift_s, the
    same window moved by that much (wrapping inside 300..1800 s): how often a window at a
    random time is "explained" by chance."""
    lo, hi = alert["since_s"] - 60.0, alert["detected_s"]
    if shift_s:
        start = 300.0 + (lo - 300.0 + shift_s) % 1500.0
        lo, hi = start, start + (hi - lo)
    return bool(np.any((times >= lo) & (times <= hi)))


def channels(obs, score, base):
    """Per-beat channel values standardised by the baseline (for the raw detectors)."""
    qs = np.quantile(score[base], np.linspace(0, 1, 101))
    u = np.interp(score, qs, np.linspace(0, 1, 101))
    amp = np.log(np.maximum(np.abs(obs["amp"]), 1e-6))
    out = []
    for v in (u, obs["hr"], amp, obs["quality"]):
        mu, sd = v[base].mean(), v[base].std(ddof=1)
        out.append((v - mu) / max(sd, 1e-6))
    return out


def run_stream(obs, score, warmup_s: float, change_s: float | None, detectors: bool,
               params=None, threshold: float | None = None):
    """Monitor (and optionally raw detector) alarms of one stream, relative to change_s."""
    t = obs["t"]
    # The reference skips the first minute, while the stream's running median beat (the
    # model's patient-relative input) fills; monitoring starts after the baseline.
    base = (t >= 60.0) & (t < warmup_s)
    live = t >= warmup_s
    sinus = base & ~obs["premature"]  # amplitude and polarity of the non-premature beats
    ref = drift.Monitor.fit_reference(score[sinus], obs["hr"][sinus], obs["amp"][sinus],
                                      obs["quality"][sinus], beats=obs["beats"][sinus])
    mon = drift.Monitor(ref, **(params or {}))
    mon.update_many(time_s=t[live], score=score[live], heart_rate_bpm=obs["hr"][live],
                    r_amplitude_mv=obs["amp"][live], quality_score=obs["quality"][live],
                    quality_grade=obs["grade"][live], premature=obs["premature"][live],
                    beats=obs["beats"][live])
    end = t[-1]
    cut = change_s if change_s is not None else end
    out = {"monitored_before_s": max(cut - warmup_s, 0.0),
           "false": [a for a in mon.alerts if a["detected_s"] < cut],
           "first": next((a for a in mon.alerts if change_s is not None and
                          a["detected_s"] >= change_s), None),
           "after": [a for a in mon.alerts if change_s is not None and
                     a["detected_s"] >= change_s]}
    if detectors:
        ch = channels(obs, score, base)
        tl = t[live]
        out["detectors"] = {}
        for name, make in DETECTORS.items():
            alarm_times = []
            for v in ch:
                levels = make().update_many(v[live])
                alarm_times.extend(tl[levels == 2])
            alarm_times = np.sort(np.asarray(alarm_times))
            after = alarm_times[alarm_times >= cut] if change_s is not None else []
            out["detectors"][name] = {
                "false": int(np.sum(alarm_times < cut)),
                "delay_s": float(after[0] - change_s) if len(after) else None}
        labelled = live & np.isfinite(obs["label"])
        if threshold is not None and labelled.any():
            errors = ((score[labelled] > threshold) != (obs["label"][labelled] > 0.5))
            tl = t[labelled]
            for name, make in ERROR_DETECTORS.items():
                alarm_times = tl[make().update_many(errors.astype(float)) == 2]
                after = alarm_times[alarm_times >= cut] if change_s is not None else []
                out["detectors"][name] = {
                    "false": int(np.sum(alarm_times < cut)),
                    "delay_s": float(after[0] - change_s) if len(after) else None}
    return out


def summarise(runs, expected):
    """Detection (first alert of any kind) and classification (the first alert of the
    change's own channel: its shape and cause) over the runs of one change kind."""
    shape, cause, channel = expected
    delays = [r["first"]["detected_s"] - r["change_s"] for r in runs if r["first"]]
    own = [next((a for a in r["after"] if a["kind"] == channel), None) for r in runs]
    own_delays = [a["detected_s"] - r["change_s"] for a, r in zip(own, runs) if a]
    found = [a for a in own if a]
    return {"runs": len(runs), "detected": len(delays),
            "median_delay_s": float(np.median(delays)) if delays else None,
            "max_delay_s": float(np.max(delays)) if delays else None,
            "channel": channel, "channel_detected": len(found),
            "channel_median_delay_s": float(np.median(own_delays)) if own_delays else None,
            "shape_right": sum(a["shape"] == shape for a in found),
            "cause_right": sum(cause == "either" or a["cause"] == cause for a in found),
            "first_kinds": sorted({r["first"]["kind"] for r in runs if r["first"]})}


# ---------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=pathlib.Path,
                   default=pathlib.Path(os.environ.get("ECGAD_DATA", DEFAULT_DATA)),
                   help="folder holding mitdb/ and nstdb/ (default ../shared/data)")
    p.add_argument("--warmup-s", type=float, default=300.0, help="baseline length per stream")
    p.add_argument("--synthetic-seeds", type=int, default=5, help="synthetic subjects per change")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="6 MIT-BIH records, 2 synthetic seeds")
    p.add_argument("--no-detectors", action="store_true", help="monitor only")
    p.add_argument("--monitor-params", default="{}",
                   help='monitor parameters as JSON, e.g. \'{"amplitude_tolerance": 0.5}\'')
    p.add_argument("--json", type=pathlib.Path, help="write every figure to this file")
    args = p.parse_args(argv)
    mitdb, nstdb = args.data / "mitdb", args.data / "nstdb"
    if not mitdb.is_dir() or not nstdb.is_dir():
        print(f"eval_drift: need {mitdb} and {nstdb} (pass --data or set ECGAD_DATA)",
              file=sys.stderr)
        return 2
    if args.warmup_s < 60 or args.warmup_s > 550:
        print("eval_drift: --warmup-s must be in [60, 550] s (changes start at 600 s)",
              file=sys.stderr)
        return 2
    try:
        params = json.loads(args.monitor_params)
        drift.Monitor(drift.Monitor.fit_reference(np.ones(30), np.full(30, 60.0), np.ones(30),
                                                  np.ones(30)), **params)
    except (ValueError, TypeError) as e:
        print(f"eval_drift: bad --monitor-params: {e}", file=sys.stderr)
        return 2
    names = sorted(f.stem for f in mitdb.glob("*.hea"))
    if args.quick:
        names, args.synthetic_seeds = names[::4], 2
    rng = np.random.default_rng(args.seed)
    fset = es.FeatureSet(**FEATURES)
    detectors = not args.no_detectors
    t0 = time.perf_counter()

    noise = {k: io.read_wfdb(nstdb / k).lead(0) for k in ("ma", "bw")}
    records, clean, events, labels = {}, {}, {}, {}
    for r in names:
        rec = io.read_wfdb(mitdb / r)
        ann = io.read_annotations(mitdb / f"{r}.atr").beats()
        ref_beats = ann.sample[[es.nst_reference_beat(s) for s in ann.symbol]]
        records[r] = (rec.lead(0), rec.fs_hz, ref_beats)
        labels[r] = (ann.sample, ann.aami != "N")
        # The record's own annotated events: rhythm changes ('+', e.g. '(AFIB') and
        # signal-quality changes ('~'), in seconds.
        events[r] = ann_all_events(mitdb / f"{r}.atr", rec.fs_hz)
        clean[r] = observe(rec.lead(0), rec.fs_hz, fset, *labels[r])
    folds = [names[0::2], names[1::2]]
    models, thresholds = {}, {}
    for k, test in enumerate(folds):
        train_on = [r for r in names if r not in test]
        x = np.concatenate([clean[r]["features"] for r in train_on])
        m = train(x, args.seed, args.epochs)
        thr = float(np.quantile(m.score(x, "mae"), 0.99))
        models.update({r: m for r in test})
        thresholds.update({r: thr for r in test})
    subjects = [synth.synthesize(duration_s=1800.0, heart_rate_bpm=70.0 + 10.0 * z, seed=1000 + i)
                for i, z in enumerate(rng.uniform(-1, 1, 4))]
    x = np.concatenate([observe(s.ecg_mv, s.fs_hz, fset)["features"] for s in subjects])
    synth_model = train(x, args.seed, args.epochs)
    synth_threshold = float(np.quantile(synth_model.score(x, "mae"), 0.99))
    print(f"data, front end and models ready in {time.perf_counter() - t0:.0f} s "
          f"({len(names)} MIT-BIH records, 2 record-disjoint folds)", flush=True)

    results = {"mitdb": {}, "synthetic": {}}
    false_alerts, false_hours, hours_by_source = [], 0.0, {}
    all_detectors = list(DETECTORS) + list(ERROR_DETECTORS)
    det_false = {d: 0 for d in all_detectors}

    def account(out, times=np.empty(0), source="synthetic"):
        nonlocal false_hours
        hours_by_source[source] = hours_by_source.get(source, 0.0) + \
            out["monitored_before_s"] / 3600.0
        for a in out["false"]:
            a["explained"] = explained(a, times)
            a["chance"] = float(np.mean([explained(a, times, d) for d in (300, 600, 900, 1200)]))
            a["source"] = source
        false_alerts.extend(out["false"])
        false_hours += out["monitored_before_s"] / 3600.0
        for d, v in out.get("detectors", {}).items():
            det_false[d] += v["false"]

    # Unchanged streams: false alarms over the whole monitored time.
    for r in names:
        account(run_stream(clean[r], models[r].score(clean[r]["features"], "mae"),
                           args.warmup_s, None, detectors, params, thresholds[r]),
                events[r], "mitdb")
    for i in range(args.synthetic_seeds):
        rec = synth.synthesize(duration_s=1800.0, heart_rate_bpm=float(rng.uniform(60, 80)),
                               seed=2000 + i)
        o = observe(rec.ecg_mv, rec.fs_hz, fset, rec.samples, rec.aami != "N")
        account(run_stream(o, synth_model.score(o["features"], "mae"), args.warmup_s, None,
                           detectors, params, synth_threshold))

    det_runs = {d: {} for d in all_detectors}
    for kind in MITDB_CHANGES:
        runs = []
        for r in names:
            x, fs, ref_beats = records[r]
            change_s = float(rng.uniform(600.0, 1200.0))
            o = observe(inject(kind, x, fs, change_s, noise, ref_beats), fs, fset, *labels[r])
            out = run_stream(o, models[r].score(o["features"], "mae"), args.warmup_s, change_s,
                             detectors, params, thresholds[r])
            out["change_s"] = change_s
            account(out, events[r], "mitdb")
            runs.append(out)
        results["mitdb"][kind] = summarise(runs, MITDB_CHANGES[kind])
        for d in all_detectors if detectors else ():
            det_runs[d][f"mitdb/{kind}"] = [o["detectors"].get(d, {}).get("delay_s")
                                            for o in runs]
        print(f"  mitdb {kind}: {len(runs)} runs", flush=True)
    for kind in SYNTH_CHANGES:
        runs = []
        for i in range(args.synthetic_seeds):
            change_s = float(rng.uniform(600.0, 1200.0))
            rec = synth.synthesize(duration_s=1800.0, heart_rate_bpm=float(rng.uniform(60, 80)),
                                   seed=3000 + 100 * i, drift=[synth_change(kind, change_s)])
            o = observe(rec.ecg_mv, rec.fs_hz, fset, rec.samples, rec.aami != "N")
            out = run_stream(o, synth_model.score(o["features"], "mae"), args.warmup_s,
                             change_s, detectors, params, synth_threshold)
            out["change_s"] = change_s
            account(out)
            runs.append(out)
        results["synthetic"][kind] = summarise(runs, SYNTH_CHANGES[kind])
        for d in all_detectors if detectors else ():
            det_runs[d][f"synthetic/{kind}"] = [o["detectors"].get(d, {}).get("delay_s")
                                                for o in runs]
        print(f"  synthetic {kind}: {len(runs)} runs", flush=True)

    # ---- report
    def fmt(v):
        return "-" if v is None else f"{v:.0f}"

    print(f"\nMonitor (default parameters; baseline = first {args.warmup_s:.0f} s of each stream)")
    print("first alert of any kind after the change; then the first alert of the change's own "
          "channel, its shape and cause")
    print(f"{'source':<10} {'change':<24} {'shape':<8} {'found':>6} {'median s':>9} "
          f"{'max s':>6} {'channel':>11} {'found':>6} {'median s':>9} {'shape ok':>9} "
          f"{'cause ok':>9}")
    for src, table in (("mitdb", MITDB_CHANGES), ("synthetic", SYNTH_CHANGES)):
        for kind, (shape, _, _) in table.items():
            s = results[src][kind]
            n = s["channel_detected"]
            print(f"{src:<10} {kind:<24} {shape:<8} {s['detected']:>3}/{s['runs']:<2} "
                  f"{fmt(s['median_delay_s']):>9} {fmt(s['max_delay_s']):>6} "
                  f"{s['channel']:>11} {n:>3}/{s['runs']:<2} "
                  f"{fmt(s['channel_median_delay_s']):>9} "
                  f"{s['shape_right']:>6}/{n:<2} {s['cause_right']:>6}/{n:<2}")
    by_kind = {}
    for a in false_alerts:
        by_kind[a["kind"]] = by_kind.get(a["kind"], 0) + 1
    sensor = sum(a["cause"] == "sensor_fault" for a in false_alerts)
    unexplained = [a for a in false_alerts if not a["explained"]]
    by_kind_unexplained = {}
    for a in unexplained:
        by_kind_unexplained[a["kind"]] = by_kind_unexplained.get(a["kind"], 0) + 1
    print(f"\nfalse alerts (before the change and on unchanged streams): {len(false_alerts)} in "
          f"{false_hours:.1f} monitored hours = {len(false_alerts) / false_hours:.2f} per hour "
          f"(sensor-fault alerts {sensor / false_hours:.2f} per hour); by kind {by_kind}")
    for src, hours in sorted(hours_by_source.items()):
        mine = [a for a in false_alerts if a["source"] == src]
        print(f"  {src}: {len(mine)} in {hours:.1f} h = {len(mine) / hours:.2f} per hour")
    mit = [a for a in false_alerts if a["source"] == "mitdb"]
    chance = float(np.mean([a["chance"] for a in mit])) if mit else float("nan")
    print(f"  not explained by an annotated rhythm or signal-quality change of the MIT-BIH record "
          f"(one within 60 s before since_s .. detection) or synthetic: {len(unexplained)} = "
          f"{len(unexplained) / false_hours:.2f} per hour; by kind {by_kind_unexplained}; the "
          f"same windows moved to other times of the record are explained {100 * chance:.0f} % "
          f"of the time (chance level)")
    sudden = [results[s][k] for s, t in (("mitdb", MITDB_CHANGES), ("synthetic", SYNTH_CHANGES))
              for k, (shape, _, _) in t.items() if shape == "sudden"]
    gradual = [results[s][k] for s, t in (("mitdb", MITDB_CHANGES), ("synthetic", SYNTH_CHANGES))
               for k, (shape, _, _) in t.items() if shape == "gradual"]
    results["monitor"] = {
        "false_alerts": len(false_alerts), "monitored_hours": false_hours,
        "false_alerts_per_hour": len(false_alerts) / false_hours,
        "sensor_fault_false_alerts_per_hour": sensor / false_hours, "false_by_kind": by_kind,
        "unexplained_false_alerts_per_hour": len(unexplained) / false_hours,
        "unexplained_by_kind": by_kind_unexplained,
        "hours_by_source": hours_by_source,
        "false_by_source": {src: sum(a["source"] == src for a in false_alerts)
                            for src in hours_by_source},
        "chance_explained": chance,
        "sudden_missed": sum(s["runs"] - s["detected"] for s in sudden),
        "gradual_missed": sum(s["runs"] - s["detected"] for s in gradual)}
    if detectors:
        print("\nRaw detectors, default parameters: ADWIN .. KSWIN on the standardised channels "
              "(any channel alarming); DDM, EDDM, HDDM_A on the labelled error stream "
              "(score > the model's 99th training percentile vs the annotation, labels at once)")
        print(f"{'detector':<13} {'false/h':>8} {'sudden found':>13} {'median s':>9} "
              f"{'gradual found':>14} {'median s':>9}")
        results["detectors"] = {}
        for d in all_detectors:
            row = {"false_per_hour": det_false[d] / false_hours}
            for shape in ("sudden", "gradual"):
                ds = [v for key, vals in det_runs[d].items()
                      for v in vals if (MITDB_CHANGES.get(key.split("/")[1]) or
                                        SYNTH_CHANGES.get(key.split("/")[1]))[0] == shape]
                found = [v for v in ds if v is not None]
                row[shape] = {"runs": len(ds), "detected": len(found),
                              "median_delay_s": float(np.median(found)) if found else None}
            results["detectors"][d] = row
            print(f"{d:<13} {row['false_per_hour']:>8.1f} "
                  f"{row['sudden']['detected']:>6}/{row['sudden']['runs']:<6} "
                  f"{fmt(row['sudden']['median_delay_s']):>9} "
                  f"{row['gradual']['detected']:>7}/{row['gradual']['runs']:<6} "
                  f"{fmt(row['gradual']['median_delay_s']):>9}")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=float))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
