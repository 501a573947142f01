"""The embedded store: one SQLite file with the project's MLOps state.

A :class:`Store` holds the data-warehouse index of source records, experiment tracking (runs
with their config, metrics and timings), the model registry (versions and stages), the results
database (one row per scored beat), drift alerts, human reviews and shadow-mode disagreements.
It is the C++ ``ecgad::store::Store`` (``include/ecgad/store/store.hpp``): the same file is
read and written by the CLI, a C++ host and this module, at the same time if needed (WAL
journal: readers never block the writer and never see half a transaction).

Rows come back as ``dict`` (JSON columns as nested ``dict``, unknown numbers as ``None``);
:meth:`Store.events` returns columns of numpy arrays. Every write is one transaction;
:meth:`Store.transaction` groups several into one commit. A killed process loses nothing that
was committed (``docs/store.md``).

Errors: :class:`ecgad.IoError` (an :class:`OSError`: cannot open or write, read-only store),
:class:`ecgad.FormatError` (a :class:`ValueError`: not a store, corrupt, written by a newer
ecgad), :class:`ecgad.InvalidArgument` (a :class:`ValueError`: unknown id, bad value), each
naming the value and what was expected.

>>> import os, tempfile
>>> from ecgad.store import Store
>>> path = os.path.join(tempfile.mkdtemp(), "ecgad.db")
>>> with Store(path) as s:
...     run = s.begin_run("demo", config={"seed": 1})
...     s.add_events(run, "bed-1", time_s=[0.8, 1.6, 2.4], score=[0.1, 3.2, 0.2],
...                  decision=[0, 2, 0])
...     s.finish_run(run, "completed", metrics={"beats": 3})
...     s.events(decision=2)["time_s"]
array([1.6])
"""
from __future__ import annotations

import contextlib
import json
import math
import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np

from . import _core

__all__ = ["STAGES", "Store"]

ArrayLike = Union[np.ndarray, Sequence[float], float]

#: The model stages, in life-cycle order.
STAGES = ("candidate", "production", "archived")


def _clean(value: Any, what: str) -> Any:
    """A JSON-ready copy: numpy scalars/arrays to Python, NaN/inf to None (as the C++ side)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{what} keys must be strings, got {k!r}")
            out[k] = _clean(v, what)
        return out
    if isinstance(value, (list, tuple)):
        return [_clean(v, what) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v, what) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{what} must hold JSON values (dict, list, str, number, bool, None), "
                     f"got {type(value).__name__} {value!r}")


def _json(value: Optional[Dict[str, Any]], what: str) -> str:
    if value is None:
        return "{}"
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a dict (a JSON object), got {type(value).__name__}")
    return json.dumps(_clean(value, what))


def _column(x: Any, n: Optional[int], name: str, dtype, default=None) -> np.ndarray:
    """x as a 1-D array of length n (a scalar is repeated); None -> default."""
    if x is None:
        x = default
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if np.dtype(dtype).kind == "i" and arr.dtype.kind == "f":
        if arr.size and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
            raise ValueError(f"{name} must hold whole numbers, got {arr.ravel()[:5]!r}...")
    if arr.ndim == 0:
        if n is None:
            raise ValueError(f"{name} must be a 1-D array, got a scalar")
        return np.full(n, arr, dtype=dtype)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        expected = f"({n},)" if n is not None else "(n,)"
        raise ValueError(f"{name} must have shape {expected}, got {arr.shape}")
    return np.ascontiguousarray(arr, dtype=dtype)


def _streams(stream_id: Union[str, Sequence[str]], n: int) -> List[str]:
    if isinstance(stream_id, str):
        return [stream_id] * n
    streams = [str(s) for s in stream_id]
    if len(streams) != n:
        raise ValueError(f"stream_id must be a string or {n} strings, got {len(streams)}")
    return streams


def _id(value: Optional[int], name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, (bool, float)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer id or None, got {value!r}")
    return int(value)


class Transaction:
    """A group of writes committed together (see :meth:`Store.transaction`)."""

    def __init__(self, impl):
        self._impl = impl

    def commit(self) -> None:
        """Commits the writes made since the transaction began."""
        self._impl.commit()

    def rollback(self) -> None:
        """Discards the writes made since the transaction began."""
        self._impl.rollback()


class Store:
    """An open ecgad store file.

    Parameters
    ----------
    path : str or os.PathLike
        The store file. Created (with its schema) when missing, unless ``read_only``; its
        directory must exist. An older file is migrated to the current schema; a file written
        by a newer ecgad is refused (:class:`ecgad.FormatError` naming both versions).
    read_only : bool
        Open for reading only: writes raise :class:`ecgad.IoError`, a missing file too.

    Notes
    -----
    One thread at a time per object; other threads and processes open their own ``Store`` on
    the same path. Use it as a context manager (or call :meth:`close`) to release the file.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "s.db")
    >>> with Store(path) as s:
    ...     s.schema_version == Store.SCHEMA_VERSION
    True
    >>> Store(path, read_only=True).begin_run("demo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ecgad._core.IoError: begin_run: store .../s.db was opened read-only; reopen it read-write to write
    """

    #: Schema version this ecgad writes (``PRAGMA user_version``).
    SCHEMA_VERSION: int = _core.store.Store.SCHEMA_VERSION

    def __init__(self, path: Union[str, "os.PathLike[str]"], read_only: bool = False):
        self._impl = _core.store.Store(os.fspath(path), bool(read_only))

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Rolls back any open transaction and closes the file. Idempotent.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> s.close(); s.closed
        True
        """
        self._impl.close()

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._impl.closed

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return "<ecgad.store.Store (closed)>"
        return f"<ecgad.store.Store {self.path!r} schema v{self.schema_version}>"

    @property
    def schema_version(self) -> int:
        """Schema version of the open file (after migration: :attr:`SCHEMA_VERSION`).

        Examples
        --------
        >>> import os, tempfile
        >>> Store(os.path.join(tempfile.mkdtemp(), "s.db")).schema_version
        1
        """
        return self._impl.schema_version

    @property
    def path(self) -> str:
        """The store file's path, as given."""
        return self._impl.path

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Groups the writes of a ``with`` block into one commit.

        Committed when the block ends normally, rolled back when it raises. Transactions nest;
        a failing write inside one undoes only itself.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> run = s.begin_run("stream")
        >>> try:
        ...     with s.transaction():
        ...         s.add_events(run, "a", time_s=[1.0, 2.0], score=[0.5, 0.7])
        ...         raise KeyboardInterrupt
        ... except KeyboardInterrupt:
        ...     pass
        >>> s.count_events()
        0
        >>> with s.transaction():
        ...     s.add_events(run, "a", time_s=[1.0, 2.0], score=[0.5, 0.7])
        ...     _ = s.add_review("a", 2.0, label=1)
        >>> s.count_events()
        2
        """
        t = self._impl.begin_transaction()
        try:
            yield Transaction(t)
        except BaseException:
            if t.open:
                t.rollback()
            raise
        if t.open:
            t.commit()

    # ------------------------------------------------------------------ records
    def add_record(self, source: str, name: str, fs_hz: float, duration_s: float,
                   content_hash: str, n_channels: int = 1,
                   tags: Optional[Dict[str, Any]] = None) -> int:
        """Indexes a source recording; returns its id.

        A record with the same ``content_hash`` (hex digest of the samples) is the same record:
        its id is returned and ``tags`` are merged into its tags.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> a = s.add_record("wfdb", "100", 360.0, 1805.6, "9f86d0", n_channels=2,
        ...                  tags={"split": "DS1"})
        >>> s.add_record("wfdb", "mitdb/100", 360.0, 1805.6, "9f86d0", tags={"ok": True}) == a
        True
        >>> s.records()[0]["tags"]
        {'ok': True, 'split': 'DS1'}
        >>> s.record_by_hash("9f86d0")["name"], s.record_by_hash("0000")
        ('100', None)
        """
        return self._impl.add_record(str(source), str(name), float(fs_hz), float(duration_s),
                                     int(n_channels), str(content_hash), _json(tags, "tags"))

    def records(self) -> List[Dict[str, Any]]:
        """Every indexed record, by id, as dicts."""
        return json.loads(self._impl.records_json())

    def record_by_hash(self, content_hash: str) -> Optional[Dict[str, Any]]:
        """The record with this content hash, or None."""
        return json.loads(self._impl.record_by_hash_json(str(content_hash)))

    # ------------------------------------------------------------------ runs
    def begin_run(self, kind: str, config: Optional[Dict[str, Any]] = None,
                  tags: Optional[Dict[str, Any]] = None) -> int:
        """Starts a run (status ``"running"``, a random 16-hex ``uid``); returns its id.

        ``kind`` says what it is: ``"train"``, ``"evaluate"``, ``"calibrate"``, ``"stream"``,
        ``"shadow"``, ``"demo"``...

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("train", config={"epochs": 20, "lr": 1e-3})
        >>> info = s.run(r)
        >>> info["status"], info["config"]["epochs"], len(info["uid"])
        ('running', 20, 16)
        """
        return self._impl.begin_run(str(kind), _json(config, "config"), _json(tags, "tags"))

    def finish_run(self, run_id: int, status: str = "completed",
                   metrics: Optional[Dict[str, Any]] = None,
                   timings: Optional[Dict[str, Any]] = None, data_fingerprint: str = "") -> None:
        """Ends a running run with status ``completed``, ``failed`` or ``cancelled``.

        ``metrics`` and ``timings`` are merged into what the run holds (RFC 7386 merge-patch:
        a None value, or a NaN, which JSON cannot hold, deletes the key). Finishing a run twice
        is an error.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("evaluate")
        >>> s.merge_run_metrics(r, {"auc": 0.91})
        >>> s.finish_run(r, "completed", metrics={"ap": 0.8}, timings={"total_s": 3.5})
        >>> s.run(r)["metrics"], s.run(r)["status"]
        ({'ap': 0.8, 'auc': 0.91}, 'completed')
        >>> s.finish_run(r, "failed")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ecgad._core.InvalidArgument: finish_run: run 1 is already completed ...
        """
        self._impl.finish_run(int(run_id), str(status), _json(metrics, "metrics"),
                              _json(timings, "timings"), str(data_fingerprint))

    def merge_run_metrics(self, run_id: int, patch: Dict[str, Any]) -> None:
        """Merges ``patch`` into the run's metrics (RFC 7386: None deletes a key; so does NaN,
        which JSON cannot hold and which becomes None).

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("train")
        >>> s.merge_run_metrics(r, {"loss": [0.5, 0.3], "tmp": 1})
        >>> s.merge_run_metrics(r, {"tmp": None})
        >>> s.run(r)["metrics"]
        {'loss': [0.5, 0.3]}
        """
        self._impl.merge_run_metrics(int(run_id), _json(patch, "patch"))

    def run(self, run_id: int) -> Dict[str, Any]:
        """One run as a dict; :class:`ecgad.InvalidArgument` ``no run with id N`` if unknown.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> sorted(s.run(s.begin_run("demo")))[:4]
        ['config', 'data_fingerprint', 'finished_at', 'id']
        >>> s.run(7)
        Traceback (most recent call last):
        ...
        ecgad._core.InvalidArgument: no run with id 7
        """
        return json.loads(self._impl.run_json(int(run_id)))

    def run_by_uid(self, uid: str) -> Optional[Dict[str, Any]]:
        """The run with this uid, or None."""
        return json.loads(self._impl.run_by_uid_json(str(uid)))

    def runs(self, kind: str = "") -> List[Dict[str, Any]]:
        """Runs, newest first; only those of ``kind`` when given.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> a, b, c = s.begin_run("train"), s.begin_run("stream"), s.begin_run("train")
        >>> [r["id"] for r in s.runs()], [r["id"] for r in s.runs("train")]
        ([3, 2, 1], [3, 1])
        """
        return json.loads(self._impl.runs_json(str(kind)))

    def link_run_record(self, run_id: int, record_id: int, role: str, reason: str = "") -> None:
        """Records that a run used a record as ``train``, ``calibration``, ``evaluation``,
        ``stream`` data, or ``rejected`` it (say why in ``reason``).

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> run, rec = s.begin_run("train"), s.add_record("npy", "x.npy", 250.0, 60.0, "ab")
        >>> s.link_run_record(run, rec, "rejected", reason="flat line")
        >>> [(x["record"]["name"], x["role"], x["reason"]) for x in s.run_records(run)]
        [('x.npy', 'rejected', 'flat line')]
        """
        self._impl.link_run_record(int(run_id), int(record_id), str(role), str(reason))

    def run_records(self, run_id: int) -> List[Dict[str, Any]]:
        """The records linked to a run, in link order: dicts with ``record``, ``role``,
        ``reason``."""
        return json.loads(self._impl.run_records_json(int(run_id)))

    # ------------------------------------------------------------------ models
    def register_model(self, name: str, bundle_path: str, bundle_hash: str,
                       stage: str = "candidate", parent_id: Optional[int] = None,
                       run_id: Optional[int] = None,
                       metrics: Optional[Dict[str, Any]] = None) -> int:
        """Registers a model bundle as the next version of ``name``; returns its id.

        ``stage="production"`` promotes it at once (see :meth:`promote`).

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> m1 = s.register_model("ae", "/m/ae1.ecgad", "aa11")
        >>> m2 = s.register_model("ae", "/m/ae2.ecgad", "bb22", parent_id=m1)
        >>> [(m["version"], m["stage"]) for m in s.models("ae")]
        [(1, 'candidate'), (2, 'candidate')]
        """
        return self._impl.register_model(str(name), str(bundle_path), str(bundle_hash),
                                         str(stage), _id(parent_id, "parent_id"),
                                         _id(run_id, "run_id"), _json(metrics, "metrics"))

    def model(self, model_id: int) -> Dict[str, Any]:
        """One registered model as a dict (``InvalidArgument`` if unknown)."""
        return json.loads(self._impl.model_json(int(model_id)))

    def models(self, name: str = "") -> List[Dict[str, Any]]:
        """Registered models by name then version; only ``name``'s when given."""
        return json.loads(self._impl.models_json(str(name)))

    def production_model(self, name: str) -> Optional[Dict[str, Any]]:
        """The model of ``name`` in production, or None.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> s.production_model("ae") is None
        True
        >>> s.promote(s.register_model("ae", "/m/ae1.ecgad", "aa11"))
        >>> s.production_model("ae")["version"]
        1
        """
        return json.loads(self._impl.production_model_json(str(name)))

    def set_stage(self, model_id: int, stage: str) -> None:
        """Moves a model to ``"candidate"``, ``"production"`` (= :meth:`promote`) or
        ``"archived"``.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> m = s.register_model("ae", "/m/ae1.ecgad", "aa11")
        >>> s.set_stage(m, "archived"); s.model(m)["stage"]
        'archived'
        >>> s.set_stage(m, "retired")
        Traceback (most recent call last):
        ...
        ecgad._core.InvalidArgument: model stage must be one of candidate, production, archived; got 'retired'
        """
        self._impl.set_stage(int(model_id), str(stage))

    def promote(self, model_id: int) -> None:
        """Puts a model in production and archives the previous production model of its name,
        in one transaction (promoting an archived version is a rollback).

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> m1 = s.register_model("ae", "/m/ae1.ecgad", "aa11")
        >>> m2 = s.register_model("ae", "/m/ae2.ecgad", "bb22")
        >>> s.promote(m1); s.promote(m2)
        >>> [(m["version"], m["stage"]) for m in s.models("ae")]
        [(1, 'archived'), (2, 'production')]
        """
        self._impl.promote(int(model_id))

    # ------------------------------------------------------------------ events
    def add_events(self, run_id: int, stream_id: Union[str, Sequence[str]], time_s: ArrayLike,
                   score: ArrayLike, *, model_id: Union[int, ArrayLike] = 0,
                   sample_index: Optional[ArrayLike] = None,
                   p_value: Optional[ArrayLike] = None, decision: Optional[ArrayLike] = None,
                   quality_grade: Optional[ArrayLike] = None,
                   quality_score: Optional[ArrayLike] = None,
                   heart_rate_bpm: Optional[ArrayLike] = None) -> None:
        """Stores scored beats, all in one transaction.

        Parameters
        ----------
        run_id : int
            The run that scored them.
        stream_id : str or sequence of str
            One stream for all beats, or one per beat.
        time_s, score : array_like, shape (n,)
            Beat times (s, the stream's clock) and anomaly scores; finite.
        model_id : int or array_like
            Registered model id(s); 0 = none.
        sample_index : array_like of int, optional
            Sample of each R peak (default 0).
        p_value, quality_score, heart_rate_bpm : array_like, optional
            NaN (the default) = unknown, stored as NULL.
        decision, quality_grade : array_like of int, optional
            0 normal / 1 uncertain / 2 anomalous; 0 good / 1 acceptable / 2 unusable.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("stream")
        >>> s.add_events(r, ["a", "b"], time_s=[0.5, 0.5], score=[0.2, 9.0], decision=[0, 2])
        >>> s.count_events(stream_id="b")
        1
        >>> s.add_events(r, "a", time_s=[1.0], score=[float("nan")])
        Traceback (most recent call last):
        ...
        ecgad._core.InvalidArgument: add_events: row 0: score must be a finite number, got nan
        """
        t = _column(time_s, None, "time_s", np.float64)
        n = t.shape[0]
        nan = np.nan
        self._impl.add_events(
            _column(_id(run_id, "run_id"), n, "run_id", np.int64), _streams(stream_id, n),
            _column(model_id, n, "model_id", np.int64), t,
            _column(sample_index, n, "sample_index", np.int64, 0),
            _column(score, n, "score", np.float64),
            _column(p_value, n, "p_value", np.float64, nan),
            _column(decision, n, "decision", np.int64, 0),
            _column(quality_grade, n, "quality_grade", np.int64, 0),
            _column(quality_score, n, "quality_score", np.float64, nan),
            _column(heart_rate_bpm, n, "heart_rate_bpm", np.float64, nan))

    @staticmethod
    def _query(run_id, stream_id, decision, from_s, to_s, limit, model_id):
        return (_id(run_id, "run_id"), None if stream_id is None else str(stream_id),
                None if decision is None else int(decision),
                None if from_s is None else float(from_s), None if to_s is None else float(to_s),
                None if limit is None else int(limit), _id(model_id, "model_id"))

    def events(self, run_id: Optional[int] = None, stream_id: Optional[str] = None,
               decision: Optional[int] = None, from_s: Optional[float] = None,
               to_s: Optional[float] = None, limit: Optional[int] = None,
               model_id: Optional[int] = None) -> Dict[str, np.ndarray]:
        """Stored beats matching every given filter, as columns.

        Parameters
        ----------
        run_id, stream_id, decision, model_id : optional
            Equality filters (``model_id=0``: beats scored without a registered model).
        from_s, to_s : float, optional
            ``time_s`` in ``[from_s, to_s)``.
        limit : int, optional
            At most this many rows (ordered by run, stream, time).

        Returns
        -------
        dict of numpy.ndarray
            ``id``, ``run_id``, ``model_id``, ``sample_index`` (int64), ``time_s``, ``score``,
            ``p_value``, ``quality_score``, ``heart_rate_bpm`` (float64, NaN = unknown),
            ``decision``, ``quality_grade`` (int8) and ``stream_id`` (object array of str).

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("stream")
        >>> s.add_events(r, "bed-1", time_s=[1.0, 2.0, 3.0, 4.0], score=[0.1, 0.2, 5.0, 0.3],
        ...              decision=[0, 0, 2, 0], p_value=[0.5, 0.4, 0.001, np.nan])
        >>> ev = s.events(from_s=2.0, to_s=4.0)
        >>> ev["time_s"], ev["decision"], ev["stream_id"]
        (array([2., 3.]), array([0, 2], dtype=int8), array(['bed-1', 'bed-1'], dtype=object))
        >>> s.events(limit=1)["p_value"], s.events(from_s=4.0)["p_value"]
        (array([0.5]), array([nan]))
        """
        out = self._impl.events(*self._query(run_id, stream_id, decision, from_s, to_s, limit,
                                             model_id))
        streams = np.empty(len(out["stream_id"]), dtype=object)
        streams[:] = out["stream_id"]
        out["stream_id"] = streams
        return out

    def count_events(self, run_id: Optional[int] = None, stream_id: Optional[str] = None,
                     decision: Optional[int] = None, from_s: Optional[float] = None,
                     to_s: Optional[float] = None, limit: Optional[int] = None,
                     model_id: Optional[int] = None) -> int:
        """How many rows :meth:`events` would return for the same filters.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("stream")
        >>> s.add_events(r, "a", time_s=np.arange(100.0), score=np.zeros(100))
        >>> s.count_events(), s.count_events(from_s=10, to_s=20)
        (100, 10)
        """
        return self._impl.count_events(*self._query(run_id, stream_id, decision, from_s, to_s,
                                                    limit, model_id))

    # ------------------------------------------------------------------ alerts, reviews
    def add_alert(self, run_id: int, stream_id: str, kind: str, detected_s: float,
                  since_s: float = float("nan"), strength: float = float("nan"),
                  shape: str = "", cause: str = "", action: str = "",
                  detail: Optional[Dict[str, Any]] = None) -> int:
        """Stores a drift alert; returns its id.

        The fields of an :mod:`ecgad.drift` monitor alert (``kind``, ``since_s``,
        ``detected_s``, ``strength``, ``shape``, ``cause``, ``action``); ``detail`` keeps the
        whole alert dict. NaN ``since_s``/``strength`` = unknown.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("stream")
        >>> a = s.add_alert(r, "bed-1", "heart_rate", detected_s=612.5, strength=-3.2,
        ...                 shape="gradual", cause="physiological", action="none_yet",
        ...                 detail={"detector": "page_hinkley"})
        >>> al = s.alerts(r)[0]
        >>> al["kind"], al["since_s"], al["detail"]["detector"]
        ('heart_rate', None, 'page_hinkley')
        """
        return self._impl.add_alert(int(run_id), str(stream_id), str(kind), float(since_s),
                                    float(detected_s), float(strength), str(shape), str(cause),
                                    str(action), _json(detail, "detail"))

    def alerts(self, run_id: Optional[int] = None) -> List[Dict[str, Any]]:
        """Drift alerts by id; only ``run_id``'s when given."""
        return json.loads(self._impl.alerts_json(_id(run_id, "run_id")))

    def add_review(self, stream_id: str, time_s: float, label: int, reviewer: str = "",
                   note: str = "") -> int:
        """Stores a human label (0 normal, 1 anomalous) for the beat at ``time_s``.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> _ = s.add_review("bed-1", 30.0, 1, reviewer="dr. a", note="PVC")
        >>> _ = s.add_review("bed-1", 10.0, 0)
        >>> [(r["time_s"], r["label"]) for r in s.reviews("bed-1")]
        [(10.0, 0), (30.0, 1)]
        >>> s.add_review("bed-1", 5.0, 2)
        Traceback (most recent call last):
        ...
        ecgad._core.InvalidArgument: add_review: label must be 0 (normal) or 1 (anomalous), got 2
        """
        if isinstance(label, float) or not isinstance(label, (int, np.integer)):
            raise ValueError(f"label must be 0 (normal) or 1 (anomalous), got {label!r}")
        return self._impl.add_review(str(stream_id), float(time_s), int(label), str(reviewer),
                                     str(note))

    def reviews(self, stream_id: str = "") -> List[Dict[str, Any]]:
        """Human reviews by stream then time; only ``stream_id``'s when given."""
        return json.loads(self._impl.reviews_json(str(stream_id)))

    def add_disagreements(self, run_id: int, stream_id: Union[str, Sequence[str]],
                          time_s: ArrayLike, production_model_id: int, candidate_model_id: int,
                          production_decision: ArrayLike, candidate_decision: ArrayLike,
                          production_score: ArrayLike, candidate_score: ArrayLike) -> None:
        """Stores the beats where a shadow candidate and the production model disagreed.

        Examples
        --------
        >>> import os, tempfile
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> r = s.begin_run("shadow")
        >>> p, c = (s.register_model("ae", f"/m/{v}.ecgad", v) for v in ("aa", "bb"))
        >>> s.add_disagreements(r, "bed-1", [3.0, 1.0], p, c, [0, 2], [2, 0], [0.1, 7.0],
        ...                     [6.5, 0.2])
        >>> [(d["time_s"], d["candidate_decision"]) for d in s.disagreements(r)]
        [(1.0, 0), (3.0, 2)]
        """
        t = _column(time_s, None, "time_s", np.float64)
        n = t.shape[0]
        self._impl.add_disagreements(
            int(run_id), _streams(stream_id, n), t, int(production_model_id),
            int(candidate_model_id),
            _column(production_decision, n, "production_decision", np.int64),
            _column(candidate_decision, n, "candidate_decision", np.int64),
            _column(production_score, n, "production_score", np.float64),
            _column(candidate_score, n, "candidate_score", np.float64))

    def disagreements(self, run_id: int) -> List[Dict[str, Any]]:
        """A shadow run's disagreements, by stream then time."""
        return json.loads(self._impl.disagreements_json(int(run_id)))
