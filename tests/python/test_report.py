"""HTML report from Python: a realistic seeded fixture (ROC/PR from ecgad.metrics, synthetic beats,
a day-long stream) renders with every section, each <svg> parses as XML with only finite
coordinates, the page is self-contained, numpy/NaN inputs cross correctly, bad documents raise
ValueError naming the key, and a real browser (Debian's chromium, headless) draws a non-blank page
without script errors."""
import json
import math
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

import ecgad
from ecgad import metrics, report

SECTIONS = {
    "summary": "Summary",
    "training": "Training",
    "scores": "Score distribution",
    "roc-pr": "ROC and precision-recall curves",
    "confusion": "Confusion matrix and metrics",
    "slices": "Results by slice",
    "examples": "Example beats",
    "drift": "Drift timeline",
    "shadow": "Shadow comparison",
    "config": "Run configuration",
}


def _beat(fs, qrs_gain=1.0, t_shift_s=0.0, width_scale=1.0):
    """One synthetic beat (P, Q, R, S, T Gaussians) over 0.7 s, mV."""
    t = np.arange(int(0.7 * fs)) / fs - 0.25
    waves = [(-0.18, 0.15, 0.025), (-0.025, -0.12, 0.01), (0.0, qrs_gain, 0.012 * width_scale),
             (0.03, -0.22, 0.01 * width_scale), (0.25 + t_shift_s, 0.3, 0.04)]
    return sum(a * np.exp(-0.5 * ((t - mu) / s) ** 2) for mu, a, s in waves)


def make_document(seed=7):
    """A full report document with realistic shapes and sizes (seeded)."""
    rng = np.random.default_rng(seed)
    epochs = np.arange(1, 41)
    train = 0.05 * np.exp(-epochs / 8) + 0.004 + 0.0003 * rng.standard_normal(epochs.size).clip(-1, 1)
    val = 0.055 * np.exp(-epochs / 9) + 0.005 + 0.00004 * np.maximum(epochs - 24, 0) ** 1.5
    normal = rng.lognormal(np.log(0.004), 0.45, 8000)
    abnormal = np.concatenate([rng.lognormal(np.log(0.03), 0.8, 700),
                               rng.lognormal(np.log(0.005), 0.4, 100)])
    y = np.r_[np.zeros(normal.size), np.ones(abnormal.size)]
    s = np.r_[normal, abnormal]
    fpr, tpr, _ = metrics.roc_curve(y, s)
    precision, recall, _ = metrics.precision_recall_curve(y, s)
    threshold = float(np.quantile(normal, 0.99))
    tp = int((abnormal > threshold).sum())
    fp = int((normal > threshold).sum())
    fs = 360.0
    examples = []
    for title, label, beat in [("normal beat at 812.5 s (synth-003)", "N", _beat(fs)),
                               ("PVC at 123.4 s (synth-003)", "V", _beat(fs, 1.7, 0.05, 2.2)),
                               ("late T wave at 40.2 s (synth-007)", "N", _beat(fs, 1.0, 0.06)),
                               ("normal beat at 99.0 s (synth-001)", "N", _beat(fs))]:
        recon = _beat(fs)
        noisy = beat + 0.01 * rng.standard_normal(beat.size)
        error = (noisy - recon) ** 2
        score = float(error.mean())
        examples.append({"title": title, "label": label, "score": score, "threshold": threshold,
                         "decision": "anomalous" if score > threshold else "normal",
                         "fs_hz": fs, "beat": noisy, "reconstruction": recon, "error": error})
    # A day at ~1.2 beats/s: 100k beats, a gain change at 14 h, noise burst at 6 h.
    n = 100_000
    time_s = np.sort(rng.uniform(0, 86400, n))
    score = rng.lognormal(np.log(0.004), 0.45, n)
    score[time_s > 14 * 3600] *= 2.2
    burst = (time_s > 6 * 3600) & (time_s < 6 * 3600 + 600)
    score[burst] *= 6
    score[12345] = np.nan  # a beat the scorer could not score
    decision = np.where(score > threshold, 2, np.where(score > 0.8 * threshold, 1, 0))
    return {
        "title": "ecgad demo report",
        "subtitle": "dense autoencoder v2 on synthetic MIT-BIH-like ECG",
        "generated_at": "2026-11-27T08:00:00Z",
        "facts": [["model", "dense v2 (production)"], ["ROC-AUC", round(metrics.roc_auc(y, s), 4)],
                  ["average precision", round(metrics.average_precision(y, s), 4)],
                  ["threshold", threshold], ["training beats", 4000], ["stream", "24 h, 100k beats"]],
        "training": {
            "run_uid": "ab12cd34ef56", "architecture": "dense", "n_train_beats": 4000,
            "n_validation_beats": 800,
            "history": {"epoch": epochs, "train_loss": train, "val_loss": val,
                        "lr": 1e-3 * 0.5 ** (epochs // 10)},
            "best_epoch": int(epochs[np.argmin(val)]),
            "data": [{"record": f"synth-{i:03d}", "n_beats": int(rng.integers(300, 500)),
                      "role": ["train", "train", "train", "calibration", "evaluation"][i % 5],
                      "reason": ""} for i in range(1, 11)]
                    + [{"record": "synth-011", "role": "rejected", "n_beats": 0,
                        "reason": "flat line over 40% of the record"}],
            "gate": {"blessed": True, "reason": "all checks passed",
                     "checks": [{"name": "roc_auc", "value": 0.97, "floor": 0.9, "passed": True},
                                {"name": "roc_auc vs production", "value": 0.97,
                                 "baseline": 0.95, "passed": True},
                                {"name": "sensitivity", "value": 0.88, "floor": 0.85,
                                 "passed": True}]},
        },
        "evaluation": {
            "threshold": threshold, "threshold_method": "conformal alpha=0.01",
            "scores": {"normal": normal, "abnormal": abnormal},
            "roc": {"fpr": fpr, "tpr": tpr, "auc": metrics.roc_auc(y, s)},
            "pr": {"recall": recall, "precision": precision,
                   "ap": metrics.average_precision(y, s), "prevalence": float(y.mean())},
            "confusion": {"tp": tp, "fp": fp, "tn": normal.size - fp, "fn": abnormal.size - tp,
                          "labels": ["normal", "anomalous"]},
            "metrics": {"sensitivity": tp / abnormal.size, "specificity": 1 - fp / normal.size,
                        "precision": tp / (tp + fp), "f1": 2 * tp / (2 * tp + fp + abnormal.size - tp)},
            "slices": [{"slice": "V (PVC)", "n": 500, "n_positive": 500, "roc_auc": None,
                        "recall": 0.95, "fpr": None},
                       {"slice": "S (SVEB)", "n": 200, "n_positive": 200, "roc_auc": None,
                        "recall": 0.61, "fpr": None},
                       {"slice": "N", "n": 8000, "n_positive": 0, "roc_auc": None,
                        "recall": None, "fpr": 0.01}],
            "examples": examples,
        },
        "stream": {
            "name": "day scenario", "duration_s": 86400, "threshold": threshold,
            "time_s": time_s, "score": score, "decision": decision,
            "alerts": [{"kind": "noise", "since_s": 21600.0, "detected_s": 21650.0,
                        "strength": 5.2, "shape": "sudden", "cause": "electrode_noise",
                        "action": "check_electrodes"},
                       {"kind": "amplitude", "since_s": 50400.0, "detected_s": 50490.0,
                        "strength": 3.1, "shape": "sudden", "cause": "sensor_fault",
                        "action": "check_sensor"},
                       {"kind": "score", "since_s": 50400.0, "detected_s": 50700.0,
                        "strength": 2.4, "shape": "sudden", "cause": "model_mismatch",
                        "action": "retrain"}],
            "changes": [{"time_s": 21600, "label": "noise burst (injected)"},
                        {"time_s": 50400, "label": "gain x2.2 (injected)"}],
            "summary": {"n_beats": n, "n_anomalies": int((decision == 2).sum()),
                        "alerts_per_hour": 3 / 24, "status": "drift"},
            "recommendation": {"retrain": True,
                               "reason": "the score distribution shifted at 14 h and stayed"},
        },
        "shadow": {
            "production": {"model": "dense v1",
                           "metrics": {"roc_auc": 0.95, "sensitivity": 0.85, "fpr": 0.012}},
            "candidate": {"model": "dense v2",
                          "metrics": {"roc_auc": 0.97, "sensitivity": 0.88, "fpr": 0.010}},
            "n_beats": 1000, "n_disagreements": 24, "agreement_rate": 0.976,
            "disagreements": [{"time_s": 37.5 * i + 3, "production_decision": "normal",
                               "candidate_decision": "anomalous" if i % 3 else "uncertain",
                               "production_score": 0.004 + 1e-4 * i,
                               "candidate_score": 0.006 + 1e-4 * i} for i in range(24)],
            "promoted": True, "reason": "higher ROC-AUC and sensitivity, fewer false alarms",
        },
        "config": {"data": {"source": "https://physionet.org/content/mitdb/1.0.0/",
                            "fs_hz": 360},
                   "model": {"architecture": "dense", "latent": 16, "epochs": 40},
                   "calibrate": {"method": "conformal", "alpha": 0.01}},
    }


@pytest.fixture(scope="module")
def document():
    return make_document()


@pytest.fixture(scope="module")
def html(document):
    return report.render_html(document)


def svg_blocks(html):
    """Each top-level <svg>...</svg> (nested clip boxes included in their parent)."""
    blocks, pos = [], 0
    tag = re.compile(r"<svg\b|</svg>")
    while True:
        start = html.find("<svg", pos)
        if start < 0:
            return blocks
        depth = 0
        for m in tag.finditer(html, start):
            depth += 1 if m.group() == "<svg" else -1
            if depth == 0:
                blocks.append(html[start:m.end()])
                pos = m.end()
                break


def test_every_section_renders(html):
    for anchor, title in SECTIONS.items():
        assert html.count(f'<section id="{anchor}"') == 1, anchor
        assert f'href="#{anchor}"' in html
        assert f"<h2>{title}" in html
    assert "not part of this run" not in html
    assert "the first 20 of 24" in html
    assert "model (AUC 0.9" in html and "model (AP 0." in html
    assert "check_electrodes" in html and "gain x2.2 (injected)" in html
    assert html.count('<figure class="example">') == 4


def test_every_svg_is_well_formed_with_finite_coordinates(html):
    blocks = svg_blocks(html)
    assert len(blocks) >= 10
    number = re.compile(r"^-?\d+(\.\d+)?$")
    path_token = re.compile(r"[MLZ]|-?\d+(?:\.\d+)?")
    for block in blocks:
        root = ET.fromstring(block)  # raises on anything not well-formed
        assert root.tag == "svg"
        assert root.find("title") is not None  # accessible name / tooltip
        for el in root.iter():
            for attr in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height"):
                if attr in el.attrib:
                    assert number.match(el.attrib[attr]), (el.tag, attr, el.attrib[attr])
            if el.tag == "path":
                d = el.attrib["d"]
                assert "".join(path_token.findall(d)) == d.replace(" ", ""), d[:80]
    assert "nan" not in html.lower().replace("maintenance", "")


def test_self_contained(html):
    pre = html.index('<pre class="config">')
    pre_end = html.index("</pre>", pre)
    for m in re.finditer(r"https?://", html):
        assert pre < m.start() < pre_end, html[m.start() - 60:m.start() + 40]
    assert "https://physionet.org" in html[pre:pre_end]
    for external in ("<link", " src=", "url(", "@import", "<img", "<iframe"):
        assert external not in html
    # 100k stream beats and 8800 scores are reduced for drawing: the page stays small.
    assert len(html.encode()) < 1_500_000


def test_escaping_and_numpy_inputs():
    doc = {"title": "<script>alert('x')</script> & more",
           "facts": [["n", np.int64(3)], ["auc", np.float32(0.5)], ["ok", np.bool_(True)]],
           "training": {"history": {"train_loss": np.array([1.0, np.nan, 0.5, np.inf]),
                                    "val_loss": [1.2, None, 0.7, 0.6]}}}
    out = report.render_html(doc)
    assert "<script>alert" not in out
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in out
    assert out.count("<script>") == 1  # the report's own
    assert ">3<" in out and ">0.5<" in out and ">yes<" in out
    assert "nan" not in out.lower() and 'inf"' not in out.lower()


def test_missing_sections_say_so():
    out = report.render_html({})
    for anchor in SECTIONS:
        start = out.index(f'<section id="{anchor}"')
        assert "not part of this run" in out[start:out.index("</section>", start)]


@pytest.mark.parametrize("doc,key", [
    ({"evaluation": {"roc": {"fpr": "x"}}}, "evaluation.roc.fpr"),
    ({"evaluation": {"roc": {"fpr": [0, 1], "tpr": [0, 1, 1]}}}, "evaluation.roc.tpr"),
    ({"training": [1, 2]}, "'training' must be an object"),
    ({"stream": {"time_s": [0, 1], "score": [0, 1], "decision": [0, 3]}}, "stream.decision[1]"),
    ({"shadow": {"agreement_rate": "high"}}, "shadow.agreement_rate"),
    ({"evaluation": {"examples": [{"beat": [1, 2], "reconstruction": [1]}]}},
     "evaluation.examples[0].reconstruction"),
])
def test_bad_shapes_name_the_key(doc, key):
    with pytest.raises(ValueError, match=re.escape(key)):
        report.render_html(doc)
    with pytest.raises(ecgad.InvalidArgument):
        report.render_html(doc)


def test_python_side_validation(tmp_path):
    with pytest.raises(ValueError, match="must be a dict, got list"):
        report.render_html([1, 2])
    with pytest.raises(ValueError, match=r"'evaluation.scores.normal' holds a set"):
        report.render_html({"evaluation": {"scores": {"normal": {1, 2}}}})
    with pytest.raises(ValueError, match="expected str keys"):
        report.render_html({"facts": {1: "a"}})
    with pytest.raises(OSError):
        report.write_html(tmp_path / "missing" / "r.html", {})


def test_write_html_atomic(tmp_path, document):
    path = report.write_html(tmp_path / "run.html", document)
    assert path == tmp_path / "run.html"
    text = path.read_text(encoding="utf-8")
    assert text == report.render_html(document)
    before = path.stat().st_size
    with pytest.raises(ValueError):
        report.write_html(path, {"evaluation": {"roc": {"fpr": "x"}}})
    assert path.stat().st_size == before  # a bad document leaves the old report intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.html"]


# ----------------------------------------------------------------------------------- browser

def decode_png(data):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB/RGBA PNG, with zlib + struct only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1).copy()
        if kind == 1:  # Sub: running sum per channel
            line = (np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint64) % 256).astype(np.uint8).ravel()
        elif kind == 2:  # Up
            line = line + prev
        elif kind in (3, 4):  # Average, Paeth: sequential along the row
            cur, up = line.tolist(), prev.tolist()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    cur[i] = (cur[i] + ((a + b) >> 1)) & 255
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            line = np.array(cur, dtype=np.uint8)
        rows.append(line)
        prev = line
    pixels = np.stack(rows).reshape(height, width, bpp)[:, :, :3]
    return width, height, pixels


def test_png_decoder_on_a_known_image():
    # A 3x2 RGB image written with filters None, Sub, Up mixed: decode must give it back.
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                       [[10, 20, 30], [40, 50, 60], [70, 80, 90]]], dtype=np.uint8)
    rows = [b"\x00" + pixels[0].tobytes()]
    sub = pixels[1].astype(int).copy()
    sub[1:] = (pixels[1][1:].astype(int) - pixels[1][:-1].astype(int)) % 256
    rows.append(b"\x01" + sub.astype(np.uint8).tobytes())

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    w, h, got = decode_png(png)
    assert (w, h) == (3, 2)
    np.testing.assert_array_equal(got, pixels)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: the real-browser check cannot run")


def run_chromium(tmp_path, *args):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--enable-logging=stderr", "--v=0",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@needs_chromium
def test_browser_draws_a_non_blank_page(tmp_path, document):
    page = report.write_html(tmp_path / "report.html", document)
    png = tmp_path / "report.png"
    result = run_chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,4000",
                          page.as_uri())
    assert png.exists(), result.stderr[-2000:]
    assert "Uncaught" not in result.stderr, result.stderr[-2000:]
    width, height, pixels = decode_png(png.read_bytes())
    assert (width, height) == (1280, 4000)
    non_white = (pixels.min(axis=2) < 235).mean()
    colours = np.unique(pixels.reshape(-1, 3)[::7].astype(np.uint32) @ np.array([65536, 256, 1],
                                                                                 dtype=np.uint32))
    assert non_white > 0.08, non_white  # cards, header, plots, text
    assert colours.size > 500, colours.size  # anti-aliased text and several plot colours
    # The header band is the report's dark blue (#17324d): the CSS applied.
    np.testing.assert_allclose(pixels[20, 20], [0x17, 0x32, 0x4D], atol=3)


@needs_chromium
def test_browser_runs_without_script_errors(tmp_path, document):
    html = report.render_html(document)
    # A hook installed first records any error of the page's own script in the DOM.
    hook = ("<script>window.onerror=function(m){document.documentElement.setAttribute("
            "'data-js-error',String(m));};</script>")
    page = tmp_path / "hooked.html"
    page.write_text(html.replace("<head>", "<head>" + hook, 1), encoding="utf-8")
    result = run_chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = result.stdout
    html_tag = re.search(r"<html[^>]*>", dom).group()
    assert 'data-report-script="ok"' in html_tag, (html_tag, result.stderr[-2000:])
    assert "data-js-error" not in html_tag, html_tag
    assert "Uncaught" not in result.stderr, result.stderr[-2000:]
    # The script revealed the expand/collapse buttons; without it they stay hidden.
    assert re.search(r'<button type="button" id="expand-all">', dom)
    assert '<button type="button" id="expand-all" hidden>' in html
