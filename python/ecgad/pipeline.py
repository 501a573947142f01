"""The training and inference pipelines from Python (issue 6).

The same C++ pipelines the CLI and a host service run (``include/ecgad/pipeline/``), so a
notebook gets identical numbers:

- :func:`train` runs the training pipeline: source -> data validation -> preprocessing -> beats
  -> record-disjoint split -> autoencoder training -> conformal calibration -> evaluation ->
  validation gate ("blessing") -> model bundle, and, given a store path, the run record and
  the model registry entry. Configs are plain dicts (:func:`default_config`,
  :func:`load_config` for JSON/TOML files, :func:`effective_config`).
- :class:`ModelPackage` is a loaded, verified bundle; one package serves any number of
  :class:`StreamPipeline` objects (one per stream, each used by one thread at a time).
- :class:`StreamPipeline` scores chunks of samples of any size: each call returns the beats it
  completed as a dict of numpy columns (:data:`EVENT_COLUMNS`); the output does not depend on
  how the stream was cut. :func:`score_recording` is the same over a whole recording.
- :class:`ShadowPipeline` runs a candidate model beside production on one stream.
- :func:`evaluate` scores labelled recordings; :func:`synthetic_cohort` makes labelled
  synthetic recordings (dicts) for notebooks and tests.

Decisions are ``int8``: 0 normal, 1 uncertain (human review), 2 anomalous (:data:`DECISIONS`);
quality grades 0 good, 1 acceptable, 2 unusable, -1 unknown (before the first quality window).
Long work (training, scoring, evaluation) runs without the GIL, so streams in threads score in
parallel.

Errors: :class:`ecgad.InvalidArgument` / :class:`ecgad.FormatError` (both ``ValueError``) name
the bad value -- a NaN sample, a sampling rate the model was not trained at, an unknown config
key, a bundle without calibration; :class:`ecgad.IoError` (``OSError``) for files.

>>> import ecgad.pipeline as pl
>>> cohort = pl.synthetic_cohort(subjects=3, duration_s=60.0)
>>> [r["name"] for r in cohort], cohort[0]["signal"].shape
(['synth-000', 'synth-001', 'synth-002'], (21600,))
"""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _core

__all__ = [
    "DECISIONS",
    "EVENT_COLUMNS",
    "ModelPackage",
    "ShadowPipeline",
    "StreamPipeline",
    "TrainingResult",
    "beat_labels",
    "check_recording",
    "default_config",
    "effective_config",
    "evaluate",
    "load_config",
    "score_recording",
    "synthetic_cohort",
    "train",
]

PathLike = Union[str, "os.PathLike[str]"]
ArrayLike = Union[np.ndarray, Sequence[float]]

#: Decision codes of the ``decision`` column, by value.
DECISIONS = ("normal", "uncertain", "anomalous")

#: Columns of the event tables returned by :meth:`StreamPipeline.process` and friends.
EVENT_COLUMNS = ("beat_index", "sample_index", "time_s", "score", "p_value", "decision",
                 "quality_grade", "quality_score", "heart_rate_bpm", "rr_before_s",
                 "r_amplitude_mv", "premature")

_RECORDING_KEYS = {"name", "fs_hz", "signal", "label_samples", "labels", "source", "tags",
                   "content_hash"}

_p = _core.pipeline


# ----------------------------------------------------------------------------- helpers

def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise ValueError(f"config value {value!r} of type {type(value).__name__} is not "
                     "JSON-serialisable; expected numbers, strings, booleans, lists and dicts")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, default=_json_default)


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def _samples(x: ArrayLike, name: str = "samples") -> np.ndarray:
    """Any 1-D real array or list as C-contiguous float64 (no copy when it already is)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers in mV, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (n_samples,), got shape "
                         f"{arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _fs(fs_hz: Optional[float], name: str = "fs_hz") -> float:
    if fs_hz is None:
        return 0.0  # the model's rate
    try:
        v = float(fs_hz)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of Hz, got {fs_hz!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} is {fs_hz!r}; expected a finite sampling rate > 0 Hz")
    return v


def _recording(r: Any, i: int) -> Dict[str, Any]:
    """A user's recording dict, checked and normalised for the binding."""
    where = f"recordings[{i}]"
    if not isinstance(r, dict):
        raise ValueError(f"{where} must be a dict with name, fs_hz, signal (and optionally "
                         f"label_samples, labels, source, tags), got {type(r).__name__}")
    unknown = set(r) - _RECORDING_KEYS
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {sorted(unknown)}; expected some of "
                         f"{sorted(_RECORDING_KEYS)}")
    for key in ("name", "fs_hz", "signal"):
        if key not in r:
            raise ValueError(f"{where} lacks '{key}' (expected name, fs_hz, signal)")
    name = r["name"]
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}['name'] must be a non-empty str, got {name!r}")
    signal = _samples(r["signal"], f"{where}['signal']")
    fs = _fs(r["fs_hz"], f"{where}['fs_hz']")
    samples = np.asarray(r.get("label_samples", np.zeros(0, np.int64)))
    if samples.size == 0:
        samples = np.zeros(0, np.int64)
    elif samples.dtype.kind not in "iu" or samples.ndim != 1:
        raise ValueError(f"{where}['label_samples'] must be a 1-D integer array of R-peak "
                         f"samples, got dtype {samples.dtype}, shape {samples.shape}")
    labels = [str(x) for x in r.get("labels", [])]
    if len(labels) != samples.size:
        raise ValueError(f"{where}: {samples.size} label_samples but {len(labels)} labels")
    tags = r.get("tags", {})
    if not isinstance(tags, dict):
        raise ValueError(f"{where}['tags'] must be a dict, got {type(tags).__name__}")
    return {"name": name, "fs_hz": fs, "signal": signal,
            "label_samples": np.ascontiguousarray(samples, dtype=np.int64), "labels": labels,
            "source": str(r.get("source", "memory")), "tags": _dumps(tags)}


def _recordings(recordings: Any) -> List[Dict[str, Any]]:
    if isinstance(recordings, dict):
        recordings = [recordings]
    try:
        items = list(recordings)
    except TypeError:
        raise ValueError("recordings must be a list of recording dicts, got "
                         f"{type(recordings).__name__}") from None
    if not items:
        raise ValueError("recordings is empty; expected at least one recording dict")
    return [_recording(r, i) for i, r in enumerate(items)]


def _evaluation(d: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if d is None:
        return None
    d = dict(d)
    d["labels"] = np.asarray(d["labels"], dtype=str)
    d["records"] = np.asarray(d["records"], dtype=str)
    return d


def _package(p: Any, name: str = "package") -> Any:
    if isinstance(p, ModelPackage):
        return p._impl
    if _is_path(p):
        return ModelPackage.load(p)._impl
    raise ValueError(f"{name} must be a ModelPackage or a bundle path, got {type(p).__name__}")


def _event_dicts(columns: Dict[str, np.ndarray]):
    n = len(columns["beat_index"])
    for i in range(n):
        yield {k: columns[k][i].item() for k in EVENT_COLUMNS}


# ----------------------------------------------------------------------------- configs

def default_config() -> Dict[str, Any]:
    """The training pipeline's default config (``TrainingConfig::defaults()``) as a dict.

    Change what you need and pass it to :func:`train`; every section and key is optional there
    (missing keys keep these defaults; unknown keys are refused).

    Examples
    --------
    >>> cfg = default_config()
    >>> sorted(cfg)[:5]
    ['architecture', 'calibration', 'gate', 'max_train_beats', 'model_dir']
    >>> cfg["preprocessing"]["fs_hz"], cfg["training"]["epochs"], cfg["gate"]["min_roc_auc"]
    (360.0, 40, 0.9)
    """
    return json.loads(_p.default_config_json())


def effective_config(config: Union[Dict[str, Any], PathLike]) -> Dict[str, Any]:
    """The config a run would use: `config` (a dict or a .json/.toml path) over the defaults.

    This is what :func:`train` stores with the run. Unknown keys raise ``ValueError`` naming
    them.

    Examples
    --------
    >>> effective_config({"name": "demo", "max_train_beats": 500})["max_train_beats"]
    500
    >>> effective_config({"max_train_beat": 500})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: config: unknown key(s) 'max_train_beat'; expected some of: ...
    """
    if _is_path(config):
        return load_config(config)
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict or a path, got {type(config).__name__}")
    return json.loads(_p.effective_config_json(_dumps(config)))


def load_config(path: PathLike) -> Dict[str, Any]:
    """Read a run config from a ``.json`` or ``.toml`` file; return the effective config.

    TOML tables become dicts, so ``[training]`` / ``epochs = 5`` means
    ``{"training": {"epochs": 5}}``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "run.toml")
    >>> with open(path, "w") as f:
    ...     _ = f.write('name = "demo"\\nmax_train_beats = 2000\\n[gate]\\nmin_roc_auc = 0.8\\n')
    >>> cfg = load_config(path)
    >>> cfg["name"], cfg["max_train_beats"], cfg["gate"]["min_roc_auc"]
    ('demo', 2000, 0.8)
    """
    if not _is_path(path):
        raise ValueError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return json.loads(_p.load_config_json(os.fspath(path)))


# ----------------------------------------------------------------------------- training

@dataclass
class TrainingResult:
    """What :func:`train` did.

    Attributes
    ----------
    run_id, model_id : int
        Store ids of the run and of the registered model (0 without a store).
    run_uid : str
        Unique id of the run (also in the bundle's training document).
    model_version : int
        Registry version of the model (0 without a store).
    bundle_path : str
        The written bundle: load it with :meth:`ModelPackage.load`.
    blessed : bool
        Every gate check passed.
    promoted : bool
        The model became the production model of its name in the store.
    checks : list of dict
        Gate checks: ``name``, ``value``, ``limit``, ``passed``, ``text``.
    metrics : dict
        What the run record stores: ``evaluation``, ``gate``, ``training``, ``data``...
    data : list of dict
        Per recording: ``record``, ``role`` (train / calibration / evaluation / rejected),
        ``n_beats``, ``usable_fraction``, ``reason``.
    timings : dict
        Seconds per stage (``load_s``, ``train_s``, ..., ``total_s``).
    report : dict
        The HTML report's sections (``facts``, ``training``, ``evaluation``, ``config``).
    evaluation : dict
        The candidate on the evaluation patients: numpy arrays ``scores``, ``abnormal``
        (int8 0/1), ``labels``, ``records``, ``decisions`` (int8), plus ``threshold``,
        ``metrics`` and ``report``.
    production_evaluation : dict or None
        The production model on the same data, when the store had one.

    Examples
    --------
    >>> TrainingResult(run_id=0, run_uid="x", model_id=0, model_version=0,
    ...                bundle_path="m.ecgad", blessed=False, promoted=False)
    ... # doctest: +NORMALIZE_WHITESPACE
    TrainingResult(run_uid='x', model_version=0, blessed=False, promoted=False,
                   bundle_path='m.ecgad')
    """

    run_id: int
    run_uid: str
    model_id: int
    model_version: int
    bundle_path: str
    blessed: bool
    promoted: bool
    checks: List[Dict[str, Any]] = field(default_factory=list)
    metrics: Dict[str, Any] = field(default_factory=dict)
    data: List[Dict[str, Any]] = field(default_factory=list)
    timings: Dict[str, Any] = field(default_factory=dict)
    report: Dict[str, Any] = field(default_factory=dict)
    evaluation: Dict[str, Any] = field(default_factory=dict)
    production_evaluation: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return (f"TrainingResult(run_uid={self.run_uid!r}, model_version={self.model_version}, "
                f"blessed={self.blessed}, promoted={self.promoted}, "
                f"bundle_path={self.bundle_path!r})")


def train(config: Union[Dict[str, Any], PathLike], store: Optional[PathLike] = None,
          recordings: Optional[Sequence[Dict[str, Any]]] = None,
          on_epoch: Optional[Callable[[Dict[str, Any]], Optional[bool]]] = None,
          on_stage: Optional[Callable[[str, str], None]] = None,
          verbose: bool = False) -> TrainingResult:
    """Run the training pipeline.

    Parameters
    ----------
    config : dict or path
        A run config (any part of :func:`default_config`; missing keys keep their defaults,
        unknown keys raise ``ValueError``) or a ``.json`` / ``.toml`` file. Bundles go to
        ``config["model_dir"]`` (relative to the working directory).
    store : path, optional
        An ecgad store (SQLite file, created if missing; its folder must exist). With one, the
        recordings, the run and the model are recorded, a production model of the same name is
        the gate's baseline, and a blessed model may be promoted (``config["promote"]``).
    recordings : list of dict, optional
        Recordings to use instead of ``config["source"]``: dicts with ``name`` (str), ``fs_hz``,
        ``signal`` (1-D, mV) and optionally ``label_samples`` (R-peak samples), ``labels``
        (``"N"``, ``"V"``, ``"pvc"``...), ``source`` and ``tags`` -- e.g. from
        :func:`synthetic_cohort`. Their content hash is computed as for loaded recordings.
    on_epoch : callable, optional
        ``on_epoch(info)`` after each epoch (``epoch``, ``epochs``, ``loss``, ``val_loss``,
        ``lr``, ``seconds``, ``improved``); returning ``False`` cancels the run.
    on_stage : callable, optional
        ``on_stage(stage, message)`` as the run enters load, validate, features, train,
        calibrate, evaluate, gate, store.
    verbose : bool
        Print stages and epochs.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        Bad config, too few beats, an evaluation without both classes.
    RuntimeError
        The run was cancelled (``on_epoch`` returned ``False``). An exception raised by a
        callback cancels the run and is re-raised. A store records failed runs as such.

    Notes
    -----
    The GIL is released while the run works; callbacks run on the calling thread.

    Examples
    --------
    >>> import tempfile
    >>> cfg = default_config()
    >>> cfg["model_dir"] = tempfile.mkdtemp()
    >>> cfg["training"]["epochs"] = 2
    >>> cohort = synthetic_cohort(subjects=3, duration_s=120.0, seed=2)
    >>> result = train(cfg, recordings=cohort)
    >>> sorted(r["role"] for r in result.data)
    ['calibration', 'evaluation', 'train']
    >>> ModelPackage.load(result.bundle_path).fs_hz
    360.0
    >>> result.evaluation["scores"].shape == result.evaluation["abnormal"].shape
    True
    """
    if _is_path(config):
        text, is_path = os.fspath(config), True
    elif isinstance(config, dict):
        text, is_path = _dumps(config), False
    else:
        raise ValueError(f"config must be a dict or a .json/.toml path, got "
                         f"{type(config).__name__}")
    if store is not None and not _is_path(store):
        raise ValueError(f"store must be a path (str or os.PathLike) or None, got "
                         f"{type(store).__name__}")
    recs = None if recordings is None else _recordings(recordings)
    stage_hook, epoch_hook = on_stage, on_epoch
    if verbose:
        def stage_hook(stage: str, message: str) -> None:
            print(f"[{stage}] {message}", file=sys.stdout, flush=True)
            if on_stage is not None:
                on_stage(stage, message)

        def epoch_hook(info: Dict[str, Any]) -> Optional[bool]:
            val = "" if info["val_loss"] is None else f" - val_loss {info['val_loss']:.5f}"
            print(f"epoch {info['epoch']}/{info['epochs']} - loss {info['loss']:.5f}{val} - "
                  f"{info['seconds']:.2f}s", file=sys.stdout, flush=True)
            return None if on_epoch is None else on_epoch(info)
    d = _p.train(text, is_path, None if store is None else os.fspath(store), recs,
                 epoch_hook, stage_hook)
    d["evaluation"] = _evaluation(d["evaluation"])
    d["production_evaluation"] = _evaluation(d["production_evaluation"])
    return TrainingResult(**d)


# ----------------------------------------------------------------------------- inference

class ModelPackage:
    """A loaded, verified model bundle, ready to score (immutable; share it across threads).

    Use :meth:`load`. A bundle without preprocessing or calibration documents (one saved by
    :meth:`ecgad.model.Autoencoder.save` alone) is refused with ``ValueError``.

    Attributes
    ----------
    fs_hz : float
        The sampling rate the model expects.
    input_size : int
        Model input width.
    threshold : float
        Score above which a beat is anomalous (conformal, at ``alpha_anomaly``).
    preprocessing, calibration, training : dict
        The bundle's documents.
    bundle_hash : str
        XXH3-128 of the bundle file.
    has_drift_reference : bool
        Whether the bundle carries a drift reference (``use_bundle_reference``).

    Examples
    --------
    >>> import tempfile
    >>> cfg = default_config()
    >>> cfg["model_dir"] = tempfile.mkdtemp()
    >>> cfg["training"]["epochs"] = 2
    >>> result = train(cfg, recordings=synthetic_cohort(subjects=3, duration_s=120.0, seed=2))
    >>> package = ModelPackage.load(result.bundle_path)
    >>> package.input_size, len(package.bundle_hash), package.threshold > 0
    (142, 32, True)
    >>> package.preprocessing["bandpass_hz"]
    [0.5, 40.0]
    """

    def __init__(self, impl: Any) -> None:
        if not isinstance(impl, _p.ModelPackage):
            raise ValueError("use ModelPackage.load(path) to make a ModelPackage")
        self._impl = impl

    @classmethod
    def load(cls, path: PathLike) -> "ModelPackage":
        """Load and verify a bundle file (checksum, format, documents)."""
        if not _is_path(path):
            raise ValueError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        return cls(_p.ModelPackage.load(os.fspath(path)))

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "bundle bytes") -> "ModelPackage":
        """A package from the bytes of a bundle file (every check of :meth:`load`).

        ``source`` names the bytes in messages. :meth:`ecgad.AnomalyDetector.to_bytes` of a
        detector fitted on raw ECG gives such bytes.

        Examples
        --------
        >>> ModelPackage.from_bytes(b"garbage")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ecgad._core.FormatError: bundle bytes ...
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ValueError(f"data must be bytes, got {type(data).__name__}")
        return cls(_p.ModelPackage.from_bytes(bytes(data), str(source)))

    fs_hz = property(lambda self: self._impl.fs_hz, doc="Sampling rate the model expects, Hz.")
    input_size = property(lambda self: self._impl.input_size, doc="Model input width.")
    threshold = property(lambda self: self._impl.threshold,
                         doc="Anomaly threshold on the score (conformal).")
    bundle_hash = property(lambda self: self._impl.bundle_hash,
                           doc="XXH3-128 hex of the bundle file.")
    source = property(lambda self: self._impl.source, doc="Where the bundle came from.")
    has_drift_reference = property(lambda self: self._impl.has_drift_reference,
                                   doc="The bundle carries a drift reference.")

    @property
    def preprocessing(self) -> Dict[str, Any]:
        """The preprocessing document (``Preprocessing::to_json``)."""
        return json.loads(self._impl.preprocessing_json)

    @property
    def calibration(self) -> Dict[str, Any]:
        """The calibration document (conformal scores, band, threshold)."""
        return json.loads(self._impl.calibration_json)

    @property
    def training(self) -> Optional[Dict[str, Any]]:
        """The bundle's training summary (``None`` when absent)."""
        return json.loads(self._impl.training_json)

    def __repr__(self) -> str:
        return (f"ModelPackage(fs_hz={self.fs_hz}, input_size={self.input_size}, "
                f"threshold={self.threshold:.6g}, bundle_hash={self.bundle_hash!r})")


class _Streaming:
    """Shared face of the stream and shadow pipelines."""

    _impl: Any
    _on_event: Optional[Callable[[Dict[str, Any]], None]]
    _on_alert: Optional[Callable[[Dict[str, Any]], None]]

    def _deliver(self, columns: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        if self._on_event is not None:
            for event in _event_dicts(columns):
                self._on_event(event)
        if self._on_alert is not None:
            for alert in self._impl.take_alerts():
                self._on_alert(alert)
        return columns

    def process(self, samples: ArrayLike) -> Dict[str, np.ndarray]:
        """Push the next samples (1-D, mV, any length); return the beats this call completed.

        Any real 1-D array or list is accepted (converted once to float64). The result is a
        dict of numpy arrays, one per :data:`EVENT_COLUMNS` entry. A chunk with a NaN or Inf is
        refused with ``ValueError`` naming the sample, and the stream continues as if it had
        never been pushed. The GIL is released while the chunk is scored.
        """
        return self._deliver(self._impl.process(_samples(samples)))

    def finish(self) -> Dict[str, np.ndarray]:
        """End the stream: the last beats come out (as :meth:`process`). ``reset()`` to reuse."""
        return self._deliver(self._impl.finish())


class StreamPipeline(_Streaming):
    """The inference pipeline of one stream: samples -> beats -> score, p-value, decision ->
    drift monitor.

    Parameters
    ----------
    package : ModelPackage or path
        The model (one package can serve many streams).
    stream_id : str
        Name of the stream, in messages and alerts.
    fs_hz : float, optional
        Sampling rate of the pushed samples; must equal the model's (default: the model's).
    monitor : bool
        Run the drift monitor.
    monitor_warmup_s : float
        Seconds of the stream's own beats the monitor learns its reference from.
    use_bundle_reference : bool
        Monitor against the bundle's drift reference from the start instead.
    on_event : callable, optional
        ``on_event(event)`` with a dict per beat (the columns' values), after each call.
    on_alert : callable, optional
        ``on_alert(alert)`` with each drift alert (a dict), after each call.
    monitor_params : dict, optional
        Overrides of the monitor's parameters (``ecgad.drift.Monitor``).

    Examples
    --------
    >>> import tempfile
    >>> cfg = default_config()
    >>> cfg["model_dir"] = tempfile.mkdtemp()
    >>> cfg["training"]["epochs"] = 2
    >>> cohort = synthetic_cohort(subjects=3, duration_s=120.0, seed=2)
    >>> package = ModelPackage.load(train(cfg, recordings=cohort).bundle_path)
    >>> stream = StreamPipeline(package, stream_id="bed-7")
    >>> x = cohort[0]["signal"]
    >>> events = [stream.process(x[i:i + 3600]) for i in range(0, x.size, 3600)]
    >>> events.append(stream.finish())
    >>> n = sum(e["beat_index"].size for e in events)
    >>> n == stream.stats["beats"] == score_recording(package, x)["beat_index"].size
    True
    >>> sorted(events[0])[:4]
    ['beat_index', 'decision', 'heart_rate_bpm', 'p_value']
    >>> StreamPipeline(package).process([0.1, float("nan")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: signal chunk: sample 1 is nan; expected finite mV values...
    """

    def __init__(self, package: Union[ModelPackage, PathLike], stream_id: str = "stream",
                 fs_hz: Optional[float] = None, monitor: bool = True,
                 monitor_warmup_s: float = 300.0, use_bundle_reference: bool = False,
                 on_event: Optional[Callable[[Dict[str, Any]], None]] = None,
                 on_alert: Optional[Callable[[Dict[str, Any]], None]] = None,
                 monitor_params: Optional[Dict[str, Any]] = None) -> None:
        for name, cb in (("on_event", on_event), ("on_alert", on_alert)):
            if cb is not None and not callable(cb):
                raise ValueError(f"{name} must be callable or None, got {type(cb).__name__}")
        self._package = package if isinstance(package, ModelPackage) else None
        self._impl = _p.StreamPipeline(
            _package(package), str(stream_id), _fs(fs_hz), bool(monitor),
            float(monitor_warmup_s), bool(use_bundle_reference), _dumps(monitor_params or {}))
        self._on_event, self._on_alert = on_event, on_alert

    def reset(self) -> None:
        """Start a new stream: state and counters cleared; model, options, callbacks kept.

        Beats still inside the chain (up to :meth:`latency_bound_s` of signal) are dropped;
        call :meth:`finish` first to get them. Event and alert times restart at 0 s, so after
        a gap in the signal add the gap's start to the new times yourself.
        """
        self._impl.reset()

    @property
    def stream_id(self) -> str:
        """The stream's name."""
        return self._impl.stream_id

    @property
    def fs_hz(self) -> float:
        """Sampling rate of the stream, Hz."""
        return self._impl.fs_hz

    @property
    def stats(self) -> Dict[str, int]:
        """Counters: ``samples``, ``beats``, ``normal``, ``uncertain``, ``anomalous``,
        ``alerts``."""
        return self._impl.stats

    def alerts(self) -> List[Dict[str, Any]]:
        """Drift alerts so far (empty while the monitor warms up or when it is off)."""
        return self._impl.alerts()

    def monitor_summary(self) -> Optional[Dict[str, Any]]:
        """The drift monitor's summary (``None`` while it warms up or when off)."""
        return self._impl.monitor_summary()

    def recommend(self) -> Dict[str, Any]:
        """What the alerts recommend: ``retrain``, ``recalibrate``, ``check_sensor``,
        ``reasons``."""
        return self._impl.recommend()

    def add_label(self, time_s: float, is_anomaly: bool) -> bool:
        """A reviewer's label for a beat this stream emitted (by its event's ``time_s``).

        Labels come in beat order and feed the drift monitor's error-rate (concept drift)
        channel: label vs the pipeline's decision. Returns False (label ignored) while the
        monitor warms up or is off; raises ValueError when no monitored beat has that time.
        """
        return bool(self._impl.add_label(float(time_s), bool(is_anomaly)))

    def latency_bound_s(self, max_rr_s: float = 2.0) -> float:
        """Upper bound of a beat event's delay after its R peak, s (RR up to ``max_rr_s``)."""
        return self._impl.latency_bound_s(float(max_rr_s))

    def __repr__(self) -> str:
        return (f"StreamPipeline(stream_id={self.stream_id!r}, fs_hz={self.fs_hz}, "
                f"stats={self.stats})")


class ShadowPipeline(_Streaming):
    """A candidate model scoring the same stream beside production (shadow mode).

    Production's events are the output of :meth:`process` / :meth:`finish`; the candidate's
    only feed the comparison: :meth:`summary` (agreement rate, each side's rates and, with
    reference labels from :meth:`set_reference`, ROC-AUC, sensitivity, false-positive rate and
    the promotion verdict) and :meth:`disagreements`.

    Parameters
    ----------
    production, candidate : ModelPackage or path
        The two models (same sampling rate).
    stream_id, fs_hz, monitor, monitor_warmup_s, use_bundle_reference, on_event, on_alert,
    monitor_params
        As :class:`StreamPipeline` (the monitor watches production).
    min_labelled_beats, min_roc_auc_gain, max_fpr_increase, max_sensitivity_drop
        The promotion rule.

    Examples
    --------
    >>> import tempfile
    >>> cfg = default_config()
    >>> cfg["model_dir"] = tempfile.mkdtemp()
    >>> cfg["training"]["epochs"] = 2
    >>> cohort = synthetic_cohort(subjects=3, duration_s=120.0, seed=2)
    >>> package = ModelPackage.load(train(cfg, recordings=cohort).bundle_path)
    >>> shadow = ShadowPipeline(package, package)
    >>> shadow.set_reference(cohort[0]["label_samples"], cohort[0]["labels"])
    >>> _ = shadow.process(cohort[0]["signal"]); _ = shadow.finish()
    >>> s = shadow.summary()
    >>> s["agreement_rate"], s["disagreements"], s["unpaired"], s["paired"] > 50
    (1.0, 0, 0, True)
    """

    def __init__(self, production: Union[ModelPackage, PathLike],
                 candidate: Union[ModelPackage, PathLike], stream_id: str = "stream",
                 fs_hz: Optional[float] = None, monitor: bool = True,
                 monitor_warmup_s: float = 300.0, use_bundle_reference: bool = False,
                 on_event: Optional[Callable[[Dict[str, Any]], None]] = None,
                 on_alert: Optional[Callable[[Dict[str, Any]], None]] = None,
                 monitor_params: Optional[Dict[str, Any]] = None,
                 min_labelled_beats: int = 200, min_roc_auc_gain: float = 0.0,
                 max_fpr_increase: float = 0.005, max_sensitivity_drop: float = 0.02) -> None:
        for name, cb in (("on_event", on_event), ("on_alert", on_alert)):
            if cb is not None and not callable(cb):
                raise ValueError(f"{name} must be callable or None, got {type(cb).__name__}")
        self._impl = _p.ShadowPipeline(
            _package(production, "production"), _package(candidate, "candidate"),
            str(stream_id), _fs(fs_hz), bool(monitor), float(monitor_warmup_s),
            bool(use_bundle_reference), _dumps(monitor_params or {}), int(min_labelled_beats),
            float(min_roc_auc_gain), float(max_fpr_increase), float(max_sensitivity_drop))
        self._on_event, self._on_alert = on_event, on_alert

    def set_reference(self, label_samples: ArrayLike, labels: Sequence[str]) -> None:
        """Reference beats (R-peak samples ascending, labels such as ``"N"``, ``"V"``,
        ``"pvc"``): a paired beat within 150 ms of one takes its label for the metrics."""
        samples = np.asarray(label_samples)
        if samples.size == 0:
            samples = np.zeros(0, np.int64)
        elif samples.dtype.kind not in "iu" or samples.ndim != 1:
            raise ValueError("label_samples must be a 1-D integer array of R-peak samples, got "
                             f"dtype {samples.dtype}, shape {samples.shape}")
        self._impl.set_reference(np.ascontiguousarray(samples, dtype=np.int64),
                                 [str(x) for x in labels])

    def summary(self) -> Dict[str, Any]:
        """``paired``, ``unpaired``, ``disagreements``, ``agreement_rate``, ``production`` and
        ``candidate`` figures, ``candidate_better`` and the ``verdict`` in words."""
        return self._impl.summary()

    def disagreements(self) -> List[Dict[str, Any]]:
        """The beats (first 10,000) on which the two decisions differ: ``time_s``,
        ``sample_index``, each side's decision and score, ``label`` (1, 0, -1 unknown)."""
        return self._impl.disagreements()

    @property
    def stats(self) -> Dict[str, Dict[str, int]]:
        """Counters of both streams: ``{"production": {...}, "candidate": {...}}``."""
        return {"production": self._impl.production_stats,
                "candidate": self._impl.candidate_stats}


def score_recording(package: Union[ModelPackage, PathLike], signal: ArrayLike,
                    fs_hz: Optional[float] = None) -> Dict[str, np.ndarray]:
    """Score every beat of a whole recording (a stream without the monitor, in one chunk).

    Parameters
    ----------
    package : ModelPackage or path
    signal : array_like, shape (n_samples,)
        The ECG in mV.
    fs_hz : float, optional
        Its sampling rate; must be the model's (default: the model's).

    Returns
    -------
    dict of numpy arrays
        The :data:`EVENT_COLUMNS`, as :meth:`StreamPipeline.process` returns them.

    Examples
    --------
    >>> import tempfile
    >>> cfg = default_config()
    >>> cfg["model_dir"] = tempfile.mkdtemp()
    >>> cfg["training"]["epochs"] = 2
    >>> cohort = synthetic_cohort(subjects=3, duration_s=120.0, seed=2)
    >>> package = ModelPackage.load(train(cfg, recordings=cohort).bundle_path)
    >>> ev = score_recording(package, cohort[1]["signal"], fs_hz=360.0)
    >>> ev["decision"].dtype, bool(np.all(np.diff(ev["time_s"]) > 0))
    (dtype('int8'), True)
    >>> score_recording(package, cohort[1]["signal"], fs_hz=250.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: stream 'recording': sampling rate 250 Hz, but the model ...
    """
    return _p.score_recording(_package(package), _samples(signal, "signal"), _fs(fs_hz))


def evaluate(package: Union[ModelPackage, PathLike], recordings: Sequence[Dict[str, Any]],
             report_examples: int = 0) -> Dict[str, Any]:
    """Score labelled recordings with `package` and compare with the labels.

    A beat takes the label of the reference beat within 150 ms; beats before the patient
    reference is warm and excluded labels (``"Q"``, ``"noisy"``) are left out.

    Returns
    -------
    dict
        numpy arrays ``scores``, ``abnormal`` (int8 0/1), ``labels``, ``records``,
        ``decisions`` (int8), plus ``threshold``, ``metrics`` (``roc_auc``,
        ``average_precision``, ``sensitivity``, ``specificity``, ``false_positive_rate``,
        slices...) and ``report`` (the HTML report's evaluation section).

    Examples
    --------
    >>> import tempfile
    >>> cfg = default_config()
    >>> cfg["model_dir"] = tempfile.mkdtemp()
    >>> cfg["training"]["epochs"] = 2
    >>> cohort = synthetic_cohort(subjects=3, duration_s=120.0, seed=2)
    >>> package = ModelPackage.load(train(cfg, recordings=cohort).bundle_path)
    >>> ev = evaluate(package, cohort)
    >>> sorted(set(ev["records"])), 0.0 <= ev["metrics"]["roc_auc"] <= 1.0
    (['synth-000', 'synth-001', 'synth-002'], True)
    """
    return _evaluation(_p.evaluate(_package(package), _recordings(recordings),
                                   int(report_examples)))


def synthetic_cohort(subjects: int = 12, duration_s: float = 300.0, seed: int = 1,
                     fs_hz: float = 360.0, heart_rate_min_bpm: float = 60.0,
                     heart_rate_max_bpm: float = 85.0, noise_mv: float = 0.02,
                     pvc_rate: float = 0.04, spb_rate: float = 0.03,
                     st_elevation_rate: float = 0.02, t_inversion_rate: float = 0.02,
                     indices: Optional[Sequence[int]] = None) -> List[Dict[str, Any]]:
    """Labelled synthetic recordings: the training pipeline's built-in synthetic source.

    Subject ``i`` has heart rate spread evenly over ``[heart_rate_min_bpm,
    heart_rate_max_bpm]`` and anomalies drawn per beat at the given rates (ECGSYN model,
    ``ecgad.synth``); the same arguments give the same samples.

    Parameters
    ----------
    subjects : int
        Cohort size (3..10000: training, calibration and evaluation each need subjects).
    duration_s, fs_hz, seed, heart_rate_min_bpm, heart_rate_max_bpm, noise_mv
        The recordings.
    pvc_rate, spb_rate, st_elevation_rate, t_inversion_rate : float
        Per-beat anomaly probabilities.
    indices : sequence of int, optional
        Make only these subjects (default: all).

    Returns
    -------
    list of dict
        ``name``, ``source``, ``fs_hz``, ``signal`` (float64, mV), ``label_samples`` (int64),
        ``labels`` (``"N"``, ``"pvc"``, ``"spb"``, ``"st_elevation"``, ``"t_inversion"``,
        ``"noisy"``...), ``tags`` and ``content_hash`` -- ready for :func:`train` and
        :func:`evaluate`.

    Examples
    --------
    >>> r = synthetic_cohort(subjects=4, duration_s=60.0, indices=[3])[0]
    >>> r["name"], r["fs_hz"], r["signal"].dtype, len(r["labels"]) == r["label_samples"].size
    ('synth-003', 360.0, dtype('float64'), True)
    >>> r["tags"]["heart_rate_bpm"]
    85.0
    >>> synthetic_cohort(subjects=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: source.synthetic.subjects is 2; expected 3..10000...
    """
    params = {"subjects": int(subjects), "duration_s": float(duration_s), "seed": int(seed),
              "fs_hz": float(fs_hz), "heart_rate_min_bpm": float(heart_rate_min_bpm),
              "heart_rate_max_bpm": float(heart_rate_max_bpm), "noise_mv": float(noise_mv),
              "pvc_rate": float(pvc_rate), "spb_rate": float(spb_rate),
              "st_elevation_rate": float(st_elevation_rate),
              "t_inversion_rate": float(t_inversion_rate)}
    if params["seed"] < 0:
        raise ValueError(f"seed is {seed}; expected an integer >= 0")
    which = None if indices is None else [int(i) for i in indices]
    return _p.synthetic_cohort(_dumps(params), which)


def beat_labels(beat_samples: ArrayLike, label_samples: ArrayLike, labels: Sequence[str], *,
                fs_hz: float, tolerance_s: float = 0.15, missing: str = "") -> np.ndarray:
    """The reference label of each detected beat: the nearest label within ``tolerance_s``.

    The matching rule of the training pipeline's evaluation and of shadow mode (150 ms, as
    the EC57 beat-by-beat comparison); a beat with no label that close gets ``missing``.

    Parameters
    ----------
    beat_samples : array_like of int
        R-peak sample indices of the detected beats (e.g. ``SignalBeats.sample_index``).
    label_samples : array_like of int
        Sample indices of the reference labels, increasing.
    labels : sequence of str
        The labels (``"N"``, ``"pvc"``...).
    fs_hz : float
        Sampling rate, to turn ``tolerance_s`` into samples.
    tolerance_s : float
    missing : str

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> beat_labels([100, 460, 900], [98, 455, 1200], ["N", "pvc", "N"], fs_hz=360.0)
    array(['N', 'pvc', ''], dtype='<U3')
    """
    beats = np.asarray(beat_samples, dtype=np.int64).reshape(-1)
    at = np.asarray(label_samples, dtype=np.int64).reshape(-1)
    names = np.asarray(labels, dtype=str).reshape(-1)
    if at.shape != names.shape:
        raise ValueError(f"label_samples ({at.size}) and labels ({names.size}) differ in length")
    if at.size and np.any(np.diff(at) < 0):
        raise ValueError("label_samples must be increasing")
    tolerance = int(round(_fs(fs_hz) * float(tolerance_s)))
    out = np.full(beats.shape, missing, dtype=np.result_type(names.dtype, np.asarray(missing)))
    if at.size == 0 or beats.size == 0:
        return out
    k = np.clip(np.searchsorted(at, beats), 1, at.size - 1) if at.size > 1 else np.zeros_like(beats)
    if at.size > 1:
        left = np.abs(at[k - 1] - beats) <= np.abs(at[k] - beats)
        k = np.where(left, k - 1, k)
    close = np.abs(at[k] - beats) <= tolerance
    out[close] = names[k[close]]
    return out


def check_recording(recording: Dict[str, Any], **schema: float) -> Dict[str, Any]:
    """Check a recording dict against the training pipeline's data schema.

    Parameters
    ----------
    recording : dict
        As for :func:`train`.
    **schema : float
        Overrides of the schema (``min_fs_hz``, ``max_fs_hz``, ``min_duration_s``,
        ``max_abs_mv``, ``min_usable_fraction``).

    Returns
    -------
    dict
        ``ok``, ``reason`` (the first rule broken, in words), ``usable_fraction`` and the
        recording's ``content_hash``.

    Examples
    --------
    >>> r = synthetic_cohort(subjects=3, duration_s=60.0, indices=[0])[0]
    >>> check_recording(r)["ok"], check_recording(r)["content_hash"] == r["content_hash"]
    (True, True)
    >>> check_recording(r, min_duration_s=120.0)["ok"]
    False
    """
    return _p.check_recording(_recording(recording, 0), _dumps(schema))
