"""ecgad.store from Python: every table's round trip as dicts and numpy columns, seeded event
queries against a numpy filter, transactions, the context manager, the files it refuses (read
with the stdlib sqlite3 module as an independent reader), and a writer process SIGKILLed
mid-run losing nothing it acknowledged."""
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ecgad
from ecgad.store import STAGES, Store


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "store.db")


@pytest.fixture
def store(path):
    with Store(path) as s:
        yield s


def test_fresh_file_is_a_wal_sqlite_database_with_the_schema(path):
    with Store(path) as s:
        assert s.schema_version == Store.SCHEMA_VERSION == 1
        assert s.path == path
        assert not s.closed
        assert repr(s).startswith("<ecgad.store.Store")
    assert s.closed
    with pytest.raises(RuntimeError, match="closed"):
        s.runs()
    s.close()  # idempotent
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x45434744
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"records", "runs", "run_records", "models", "events", "alerts",
                          "reviews", "disagreements"}
    finally:
        con.close()


def test_files_that_are_not_stores_are_refused(tmp_path):
    with pytest.raises(ecgad.IoError, match="does not exist"):
        Store(str(tmp_path / "missing" / "s.db"))
    with pytest.raises(OSError, match="read-only: the file does not exist"):
        Store(str(tmp_path / "none.db"), read_only=True)
    text = tmp_path / "notes.txt"
    text.write_bytes(b"x" * 5000)
    with pytest.raises(ecgad.FormatError, match="not an ecgad store"):
        Store(str(text))
    other = str(tmp_path / "other.db")
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(ValueError, match="not an ecgad store.*other tables"):
        Store(other)
    newer = str(tmp_path / "newer.db")
    Store(newer).close()
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 9")
    con.close()
    with pytest.raises(ecgad.FormatError, match="schema version 9, newer than version 1"):
        Store(newer)


def test_records_and_runs_round_trip(store):
    a = store.add_record("wfdb", "100", 360.0, 1805.56, "c0ffee", n_channels=2,
                         tags={"split": "DS1", "n": np.int64(3)})
    assert store.add_record("wfdb", "x/100", 360.0, 1805.56, "c0ffee",
                            tags={"split": "DS2"}) == a
    rec = store.records()
    assert len(rec) == 1
    assert rec[0]["tags"] == {"split": "DS2", "n": 3}
    assert rec[0]["n_channels"] == 2 and rec[0]["fs_hz"] == 360.0
    assert rec[0]["created_at"].endswith("Z")
    assert store.record_by_hash("c0ffee")["id"] == a

    run = store.begin_run("train", config={"epochs": 3, "lr": np.float32(0.5)},
                          tags={"who": "ci"})
    store.merge_run_metrics(run, {"loss": np.array([0.5, 0.25]), "undefined": math.nan})
    store.link_run_record(run, a, "train")
    store.finish_run(run, "completed", metrics={"auc": 0.9}, timings={"fit_s": 1.5},
                     data_fingerprint="fp")
    r = store.run(run)
    assert r["status"] == "completed"
    assert r["config"] == {"epochs": 3, "lr": 0.5}
    # JSON has no NaN: it becomes null, which a merge-patch reads as "delete this key".
    assert r["metrics"] == {"loss": [0.5, 0.25], "auc": 0.9}
    assert r["timings"] == {"fit_s": 1.5}
    assert r["data_fingerprint"] == "fp"
    assert r["finished_at"] >= r["started_at"]
    assert store.run_by_uid(r["uid"])["id"] == run
    assert store.run_by_uid("nope") is None
    assert [x["role"] for x in store.run_records(run)] == ["train"]
    assert store.runs("evaluate") == []
    with pytest.raises(ecgad.InvalidArgument, match="no run with id 99"):
        store.run(99)
    with pytest.raises(ValueError, match="config must be a dict"):
        store.begin_run("train", config=[1, 2])
    with pytest.raises(ValueError, match="must hold JSON values"):
        store.begin_run("train", config={"f": object()})
    with pytest.raises(ValueError, match="role must be one of train, calibration"):
        store.link_run_record(run, a, "test")


def test_registry_promotion(store):
    run = store.begin_run("train")
    m1 = store.register_model("ae", "/m/1", "h1", run_id=run, metrics={"auc": 0.9})
    m2 = store.register_model("ae", "/m/2", "h2", parent_id=m1)
    m3 = store.register_model("ae", "/m/3", "h3", stage="production")
    assert [m["version"] for m in store.models("ae")] == [1, 2, 3]
    assert store.production_model("ae")["id"] == m3
    store.promote(m2)
    assert [m["stage"] for m in store.models("ae")] == ["candidate", "production", "archived"]
    assert store.model(m2)["parent_id"] == m1
    assert store.model(m1)["run_id"] == run
    store.set_stage(m1, "production")  # the same as promote
    assert store.production_model("ae")["id"] == m1
    assert store.model(m2)["stage"] == "archived"
    assert set(STAGES) == {m["stage"] for m in store.models()} | {"candidate"}
    with pytest.raises(ValueError, match="candidate, production, archived; got 'live'"):
        store.set_stage(m1, "live")
    with pytest.raises(ValueError, match="no model with id 42"):
        store.promote(42)
    with pytest.raises(ValueError, match="parent_id must be an integer id"):
        store.register_model("ae", "/m/4", "h4", parent_id=1.5)


def test_event_queries_equal_a_numpy_filter(store):
    rng = np.random.default_rng(20261127)
    runs = [store.begin_run("stream"), store.begin_run("stream")]
    n = 2000
    run = rng.choice(runs, n)
    streams = np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, n)]
    t = rng.integers(0, 50000, n) / 100.0
    score = rng.normal(size=n)
    decision = rng.integers(0, 3, n)
    p = np.where(rng.random(n) < 0.2, np.nan, rng.random(n))
    hr = np.where(rng.random(n) < 0.5, np.nan, 60 + 40 * rng.random(n))
    grade = rng.integers(0, 3, n)
    for r in runs:  # one call per run: run_id is a scalar per call
        m = run == r
        store.add_events(int(r), list(streams[m]), t[m], score[m], decision=decision[m],
                         p_value=p[m], heart_rate_bpm=hr[m], quality_grade=grade[m],
                         sample_index=np.round(t[m] * 360).astype(np.int64))
    order = np.lexsort((np.arange(n), t, streams.astype(str), run))  # run, stream, time, insert
    for trial in range(40):
        kw = {}
        if rng.random() < 0.5:
            kw["run_id"] = int(rng.choice(runs))
        if rng.random() < 0.5:
            kw["stream_id"] = str(rng.choice(["a", "b", "c"]))
        if rng.random() < 0.3:
            kw["decision"] = int(rng.integers(0, 3))
        if rng.random() < 0.5:
            kw["from_s"] = float(rng.integers(0, 300))
            kw["to_s"] = kw["from_s"] + float(rng.integers(0, 200))
        if trial % 4 == 0:
            kw["limit"] = int(rng.integers(0, 30))
        keep = np.ones(n, bool)
        if "run_id" in kw:
            keep &= run == kw["run_id"]
        if "stream_id" in kw:
            keep &= streams == kw["stream_id"]
        if "decision" in kw:
            keep &= decision == kw["decision"]
        if "from_s" in kw:
            keep &= (t >= kw["from_s"]) & (t < kw["to_s"])
        idx = order[keep[order]]
        if "limit" in kw:
            idx = idx[:kw["limit"]]
        ev = store.events(**kw)
        np.testing.assert_array_equal(ev["time_s"], t[idx])
        np.testing.assert_array_equal(ev["score"], score[idx])
        np.testing.assert_array_equal(ev["p_value"], p[idx])  # NaN where unknown
        np.testing.assert_array_equal(ev["heart_rate_bpm"], hr[idx])
        np.testing.assert_array_equal(ev["decision"], decision[idx])
        np.testing.assert_array_equal(ev["quality_grade"], grade[idx])
        np.testing.assert_array_equal(ev["run_id"], run[idx])
        assert list(ev["stream_id"]) == list(streams[idx])
        assert store.count_events(**kw) == idx.size
    ev = store.events(limit=3)
    assert ev["decision"].dtype == np.int8 and ev["time_s"].dtype == np.float64
    assert ev["sample_index"].dtype == np.int64 and ev["stream_id"].dtype == object
    assert (ev["model_id"] == 0).all()
    assert store.count_events() == n


def test_bad_events_name_the_problem(store):
    run = store.begin_run("stream")
    with pytest.raises(ValueError, match=r"score must have shape \(3,\), got \(2,\)"):
        store.add_events(run, "a", [1.0, 2.0, 3.0], [0.1, 0.2])
    with pytest.raises(ValueError, match="stream_id must be a string or 2 strings, got 3"):
        store.add_events(run, ["a", "b", "c"], [1.0, 2.0], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"time_s must have shape \(n,\)"):
        store.add_events(run, "a", np.zeros((2, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="decision must hold whole numbers"):
        store.add_events(run, "a", [1.0], [0.1], decision=[0.5])
    with pytest.raises(ValueError, match="score must be numeric"):
        store.add_events(run, "a", [1.0], ["high"])
    with pytest.raises(ecgad.InvalidArgument, match="row 1: decision must be 0 .* got 4"):
        store.add_events(run, "a", [1.0, 2.0], [0.1, 0.2], decision=[0, 4])
    with pytest.raises(ecgad.InvalidArgument, match="row 0: p_value must be in"):
        store.add_events(run, "a", [1.0], [0.1], p_value=[2.0])
    with pytest.raises(ecgad.InvalidArgument, match="no run with id 77"):
        store.add_events(77, "a", [1.0], [0.1])
    with pytest.raises(ecgad.InvalidArgument, match="from_s must be <= to_s"):
        store.events(from_s=5, to_s=1)
    assert store.count_events() == 0


def test_alerts_reviews_disagreements(store):
    run = store.begin_run("shadow")
    a = store.add_alert(run, "bed", "score", detected_s=100.0, since_s=90.0, strength=4.0,
                        shape="sudden", cause="unknown", action="retrain",
                        detail={"detector": "adwin", "beat_index": 120})
    al = store.alerts()
    assert al[0]["id"] == a and al[0]["since_s"] == 90.0 and al[0]["action"] == "retrain"
    assert al[0]["detail"] == {"detector": "adwin", "beat_index": 120}
    assert store.alerts(run + 1) == []
    store.add_review("bed", 12.5, 1, reviewer="dr. a", note="PVC")
    store.add_review("aux", 1.0, 0)
    assert [r["stream_id"] for r in store.reviews()] == ["aux", "bed"]
    assert store.reviews("bed")[0]["note"] == "PVC"
    with pytest.raises(ValueError, match="label must be 0 .* got 1.0"):
        store.add_review("bed", 1.0, 1.0)
    p = store.register_model("ae", "/m/p", "pp")
    c = store.register_model("ae", "/m/c", "cc")
    store.add_disagreements(run, ["bed", "aux"], [5.0, 6.0], p, c, [0, 2], [2, 0],
                            [0.1, 9.0], [8.0, 0.2])
    d = store.disagreements(run)
    assert [(x["stream_id"], x["production_decision"]) for x in d] == [("aux", 2), ("bed", 0)]
    assert d[1]["candidate_score"] == 8.0 and d[1]["candidate_model_id"] == c


def test_transactions_commit_roll_back_and_nest(path):
    s = Store(path)
    reader = Store(path, read_only=True)
    run = s.begin_run("stream")
    with s.transaction():
        s.add_events(run, "a", [1.0, 2.0], [0.1, 0.2])
        assert reader.count_events() == 0  # not visible before the commit
        with pytest.raises(ecgad.InvalidArgument):
            s.add_events(run, "a", [3.0], [math.inf])  # undoes only itself
        try:
            with s.transaction():
                s.add_events(run, "b", [1.0], [0.1])
                raise KeyError("inner block fails")
        except KeyError:
            pass
        with s.transaction() as t:
            s.add_events(run, "c", [1.0], [0.1])
            t.rollback()
    assert reader.count_events() == 2
    assert reader.count_events(stream_id="b") == reader.count_events(stream_id="c") == 0
    # close() in the middle of a transaction rolls it back.
    gen = s.transaction()
    gen.__enter__()
    s.add_events(run, "d", [1.0], [0.1])
    s.close()
    assert reader.count_events() == 2
    with pytest.raises(ecgad.IoError, match="read-only"):
        reader.add_review("a", 1.0, 1)
    reader.close()


WRITER = textwrap.dedent("""
    import sys
    from ecgad.store import Store
    s = Store(sys.argv[1])
    run = int(sys.argv[2])
    rows = 250
    batch = s.count_events() // rows
    while True:
        with s.transaction():
            t = [batch * rows + i for i in range(rows)]
            s.add_events(run, "kill", t, [float(batch)] * rows)
            s.add_review("kill", float(batch), 1)
        batch += 1
        print(batch, flush=True)
""")


def test_killed_writer_process_loses_nothing_acknowledged(path, tmp_path):
    with Store(path) as s:
        run = s.begin_run("stream")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.Popen([sys.executable, str(script), path, str(run)],
                            stdout=subprocess.PIPE, text=True, env=env)
    acknowledged = 0
    try:
        while acknowledged < 15:
            line = proc.stdout.readline()
            assert line, "the writer died early"
            acknowledged = int(line)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for line in proc.stdout:  # acknowledgements already in the pipe
            acknowledged = int(line)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    with Store(path, read_only=True) as s:
        n = s.count_events(run_id=run)
        assert n % 250 == 0, "a partial batch is in the store"
        assert acknowledged <= n // 250 <= acknowledged + 1
        assert len(s.reviews("kill")) == n // 250
        batches, counts = np.unique(s.events()["score"], return_counts=True)
        np.testing.assert_array_equal(batches, np.arange(n // 250))
        assert (counts == 250).all()
