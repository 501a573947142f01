"""benchmarks/eval_beats.py end to end on a few MIT-BIH records: record-disjoint folds, the
metrics it reports, the streaming replay through a bundle and the runtime, and its refusals."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import load_benchmark

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("ECGAD_DATA_DIR") or ROOT / ".." / "shared" / "data")
needs_mitdb = pytest.mark.skipif(not (DATA / "mitdb").is_dir(),
                                 reason=f"shared data folder {DATA / 'mitdb'} is absent "
                                        "(set ECGAD_DATA_DIR)")


@pytest.fixture(scope="module")
def eval_beats():
    return load_benchmark("eval_beats")


@needs_mitdb
def test_small_run_is_record_disjoint_and_streams_like_offline(eval_beats, tmp_path, capsys):
    records = ["106", "119", "208", "223"]  # each has ventricular beats
    out = tmp_path / "eval.json"
    rc = eval_beats.main(["--data", str(DATA / "mitdb"), "--records", ",".join(records),
                          "--epochs", "3", "--architectures", "dense,conv1d",
                          "--inputs", "residual+rr", "--stream-check", "--json", str(out)])
    assert rc == 0
    report = json.loads(out.read_text())
    folds = report["folds"]
    assert sorted(r for f in folds for r in f) == sorted(records)  # every record tested once
    for row in report["results"]:
        for fit in row["folds"]:
            assert not set(fit["train_records"]) & set(fit["test_records"])
            assert fit["train_beats"] > 1000
        m = row["metrics"]
        assert m["overall"]["n"] + m["overall"]["abnormal"] == sum(report["counts"].values())
        assert m["V"]["abnormal"] == report["counts"]["V"] > 0
        # Even 3 epochs on two patients separate ventricular beats from normal ones.
        assert 0.8 < m["V"]["auc"] <= 1.0
        assert 0.0 < m["overall"]["ap"] <= 1.0
        # Beat-by-beat replay (feature extractor + bundle + runtime) = offline LibTorch scores.
        assert row["stream_max_abs_diff"] < 1e-5
    assert "residual+rr" in capsys.readouterr().out


def test_ranking_matches_pooled_counts(eval_beats):
    labels = np.array(["N", "N", "V", "S", "N", "V"])
    scores = np.array([0.1, 0.2, 0.9, 0.15, 0.3, 0.8])
    r = eval_beats.ranking(labels, scores)
    assert r["overall"]["auc"] == pytest.approx(7 / 9)   # S at 0.15 beats one of three N
    assert r["V"]["auc"] == 1.0 and r["S"]["auc"] == pytest.approx(1 / 3)
    assert np.isnan(r["F"]["auc"]) and r["F"]["abnormal"] == 0


def test_refuses_bad_arguments(eval_beats, tmp_path, capsys):
    assert eval_beats.main(["--data", str(tmp_path / "absent")]) == 2
    assert "no MIT-BIH folder" in capsys.readouterr().err
    assert eval_beats.main(["--data", str(tmp_path), "--architectures", "transformer"]) == 2
    assert "unknown architecture" in capsys.readouterr().err
    assert eval_beats.main(["--data", str(tmp_path), "--folds", "1"]) == 2
