"""Model inputs of beats: a per-stream reference (running median beat and RR) and feature sets.

An autoencoder trained on other people's beats sees a new patient's normal beats as anomalous:
differences between people swamp the differences between one person's normal and abnormal
beats. A :class:`FeatureSet` therefore describes each beat *relative to the same stream*: the
beat minus the running median of that stream's recent normal beats (the ``residual`` channel)
and the log ratios of its RR intervals to the stream's median RR (prematurity, compensatory
pause). :class:`BeatFeatureExtractor` computes them causally, one beat at a time, with bounded
memory, so a live monitor gets exactly what the offline :func:`beat_features` gives; its
:meth:`~BeatFeatureExtractor.state` lets a stream resume elsewhere.

Model inputs follow the model contract (``docs/model.md``): one ``float32`` row of
``input_size = n_channels * length + n_extra`` values per beat, channel-major, then the extras.
``FeatureSet.params()`` is the JSON-compatible description a model bundle stores.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = [
    "BeatFeatureExtractor",
    "BeatFeatures",
    "BeatReference",
    "FeatureSet",
    "beat_features",
]

# ecgad.signal re-exports this module, so import the siblings lazily (whatever the import order).
_beats_module = importlib.import_module("._beats", __package__)

_INT_KEYS = ("length", "residual_smooth_points", "reference_beats", "reference_rr",
             "warmup_beats", "max_rejected_beats", "max_shift_points")
_FLOAT_KEYS = ("rr_gain", "constant_tolerance", "gate_rr_ratio")


def _as_rr(values, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers (seconds, NaN = unknown), got dtype "
                         f"{arr.dtype}")
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array with one value per beat ({n}), got shape "
                         f"{arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _as_beat(beat, name: str) -> np.ndarray:
    arr = np.asarray(beat)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D beat, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)


class FeatureSet:
    """What goes into a model input, and how the stream reference is kept.

    Parameters
    ----------
    channels : sequence of str
        Blocks of ``length`` values, in order: ``'residual'`` (the beat aligned to and minus
        the stream's median beat, over that median's standard deviation, smoothed by a
        ``residual_smooth_points`` moving average), ``'beat_scaled'`` (the aligned beat on the
        median beat's mean and scale) and ``'beat_zscore'`` (the beat z-scored on its own).
    extras : sequence of str
        Scalars after the channels: ``'log_rr_before'`` and ``'log_rr_after'``, each
        ``rr_gain * log(rr / median RR)``; 0 when the interval or the median is unknown.
    length : int
        Points per beat (the segmentation's ``length``).
    rr_gain : float
        Weight of the RR extras in the reconstruction error (> 0).
    residual_smooth_points : int
        Odd width of the residual's moving average (1 = none).
    constant_tolerance : float
        A median beat with standard deviation at or below this scales by 1.
    reference_beats, reference_rr : int
        Beats and RR intervals in the running medians.
    gate_rr_ratio : float
        A beat enters the reference only when ``rr_before >= gate_rr_ratio * median RR``
        (0 accepts all).
    warmup_beats : int
        No gating until this many beats are held.
    max_rejected_beats : int
        After this many rejections in a row the next beat is accepted anyway (0 = never).
    max_shift_points : int
        Each beat is shifted by up to this many points to best match the median beat.
    rr_from_accepted : bool
        The median RR uses only accepted beats' RR-before (True) or every beat's (False).

    Examples
    --------
    >>> fs = FeatureSet()
    >>> fs.channels, fs.extras, fs.input_size
    (('residual',), ('log_rr_before', 'log_rr_after'), 142)
    >>> fs.architecture_dims()
    {'channels': 1, 'length': 140, 'n_extra': 2}
    >>> p = fs.params()
    >>> p["kind"], p["reference_beats"], p["gate_rr_ratio"]
    ('beat_features', 32, 0.9)
    >>> FeatureSet.from_params(p) == fs
    True
    >>> FeatureSet(channels=["beat_zscore"], extras=[]).input_size
    140
    """

    def __init__(self, channels: Sequence[str] = ("residual",),
                 extras: Sequence[str] = ("log_rr_before", "log_rr_after"), *,
                 length: int = 140, rr_gain: float = 30.0, residual_smooth_points: int = 5,
                 constant_tolerance: float = 1e-6, reference_beats: int = 32,
                 reference_rr: int = 32, gate_rr_ratio: float = 0.9, warmup_beats: int = 8,
                 max_rejected_beats: int = 32, max_shift_points: int = 4,
                 rr_from_accepted: bool = True) -> None:
        if isinstance(channels, str) or isinstance(extras, str):
            raise ValueError("channels and extras must be sequences of names, e.g. "
                             "['residual'], not a single string")
        numbers = {
            "length": length, "rr_gain": rr_gain,
            "residual_smooth_points": residual_smooth_points,
            "constant_tolerance": constant_tolerance, "reference_beats": reference_beats,
            "reference_rr": reference_rr, "gate_rr_ratio": gate_rr_ratio,
            "warmup_beats": warmup_beats, "max_rejected_beats": max_rejected_beats,
            "max_shift_points": max_shift_points,
            "rr_from_accepted": 1.0 if rr_from_accepted else 0.0,
        }
        # The core validates everything and names the bad value.
        ch, ex, num = _core.signal.feature_params([str(c) for c in channels],
                                                  [str(e) for e in extras],
                                                  {k: float(v) for k, v in numbers.items()})
        self._channels: Tuple[str, ...] = tuple(ch)
        self._extras: Tuple[str, ...] = tuple(ex)
        self._numbers: Dict[str, float] = dict(num)

    @property
    def channels(self) -> Tuple[str, ...]:
        """Channel names, in input order."""
        return self._channels

    @property
    def extras(self) -> Tuple[str, ...]:
        """Extra feature names, in input order."""
        return self._extras

    @property
    def length(self) -> int:
        """Points per beat (and per channel)."""
        return int(self._numbers["length"])

    @property
    def n_channels(self) -> int:
        """Number of channels (blocks of ``length`` values) in a model input."""
        return len(self._channels)

    @property
    def n_extra(self) -> int:
        """Number of extra scalars after the channels."""
        return len(self._extras)

    @property
    def input_size(self) -> int:
        """``n_channels * length + n_extra``: the model's input width."""
        return self.n_channels * self.length + self.n_extra

    def architecture_dims(self) -> Dict[str, int]:
        """The three numbers an architecture config needs: channels, length, n_extra."""
        return {"channels": self.n_channels, "length": self.length, "n_extra": self.n_extra}

    def params(self) -> Dict[str, Any]:
        """JSON-compatible description (for a bundle's preprocessing section).

        ``{"kind": "beat_features", "channels": [...], "extras": [...], <every number>}``;
        integers are ``int``, ``rr_from_accepted`` a ``bool``.
        """
        out: Dict[str, Any] = {"kind": "beat_features", "channels": list(self._channels),
                               "extras": list(self._extras)}
        for k in _INT_KEYS:
            out[k] = int(self._numbers[k])
        for k in _FLOAT_KEYS:
            out[k] = float(self._numbers[k])
        out["rr_from_accepted"] = self._numbers["rr_from_accepted"] == 1.0
        return out

    @classmethod
    def from_params(cls, params: Dict[str, Any]) -> "FeatureSet":
        """Rebuild a feature set from :meth:`params`; every key must be present."""
        p = dict(params)
        kind = p.pop("kind", "beat_features")
        if kind != "beat_features":
            raise ValueError(f"feature set kind must be 'beat_features', got {kind!r}")
        try:
            channels = p.pop("channels")
            extras = p.pop("extras")
        except KeyError as e:
            raise ValueError(f"feature set params lack {e.args[0]!r}") from None
        numbers = {}
        for k, v in p.items():
            if isinstance(v, bool):
                v = 1.0 if v else 0.0
            if not isinstance(v, (int, float, np.integer, np.floating)):
                raise ValueError(f"feature parameter {k!r} must be a number, got {v!r}")
            numbers[str(k)] = float(v)
        obj = cls.__new__(cls)
        ch, ex, num = _core.signal.feature_params([str(c) for c in channels],
                                                  [str(e) for e in extras], numbers)
        obj._channels, obj._extras, obj._numbers = tuple(ch), tuple(ex), dict(num)
        return obj

    def _core_args(self):
        return list(self._channels), list(self._extras), dict(self._numbers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FeatureSet):
            return NotImplemented
        return self._core_args() == other._core_args()

    def __repr__(self) -> str:
        return (f"FeatureSet(channels={list(self._channels)}, extras={list(self._extras)}, "
                f"length={self.length}, input_size={self.input_size})")


@dataclass
class BeatFeatures:
    """Model inputs of a run of beats.

    Attributes
    ----------
    features : numpy.ndarray
        ``(n_beats, input_size)`` float32, one model input a row.
    shift_points : numpy.ndarray
        int64, the alignment shift of each beat (grid points; positive = moved right).
    accepted : numpy.ndarray
        bool, the beat entered the stream reference.
    warm : numpy.ndarray
        bool, the reference held ``warmup_beats`` beats when this beat was compared with it.

    Examples
    --------
    >>> import numpy as np
    >>> beats = np.tile(np.sin(np.linspace(0, 2 * np.pi, 140)), (10, 1))   # 10 equal beats
    >>> rr = np.full(10, 0.8)
    >>> f = beat_features(beats, rr_before_s=rr, rr_after_s=rr)
    >>> len(f), f.features.shape, f.features.dtype
    (10, (10, 142), dtype('float32'))
    >>> f.warm.tolist()                      # warmup_beats = 8 by default
    [False, False, False, False, False, False, False, False, True, True]
    >>> float(np.abs(f.features[f.warm]).max())    # beats equal to the reference: all zero
    0.0
    """

    features: np.ndarray
    shift_points: np.ndarray
    accepted: np.ndarray
    warm: np.ndarray

    def __len__(self) -> int:
        return int(self.features.shape[0])


def _state_dict(d: Dict[str, Any]) -> Dict[str, Any]:
    return {"beats": d["beats"], "rr_s": d["rr_s"], "rejected_run": int(d["rejected_run"]),
            "beats_seen": int(d["beats_seen"]), "beats_accepted": int(d["beats_accepted"])}


def _restore_args(state: Dict[str, Any]):
    try:
        beats = np.asarray(state["beats"])
        rr = np.asarray(state["rr_s"])
        counters = [int(state[k]) for k in ("rejected_run", "beats_seen", "beats_accepted")]
    except KeyError as e:
        raise ValueError(f"reference state lacks {e.args[0]!r}") from None
    if beats.size == 0:
        beats = np.zeros((0, 0), dtype=np.float32)
    if beats.ndim != 2:
        raise ValueError(f"state['beats'] must be a 2-D array, got shape {beats.shape}")
    if rr.ndim != 1:
        raise ValueError(f"state['rr_s'] must be a 1-D array, got shape {rr.shape}")
    return (np.ascontiguousarray(beats, dtype=np.float32),
            np.ascontiguousarray(rr, dtype=np.float64), *counters)


class _ReferenceView:
    """Read-only views of a stream reference, shared by the two classes below."""

    _impl: Any

    @property
    def median_beat(self) -> np.ndarray:
        """The median of the held beats (float32, ``length``); zeros while none is held."""
        return self._impl.median_beat

    @property
    def median_rr_s(self) -> float:
        """Median of the held RR intervals in seconds; NaN while none is held."""
        return self._impl.median_rr_s

    @property
    def beats_held(self) -> int:
        return self._impl.beats_held

    @property
    def is_warm(self) -> bool:
        """True once ``warmup_beats`` beats are held (the gate is active)."""
        return self._impl.is_warm

    @property
    def beats_seen(self) -> int:
        return self._impl.beats_seen

    @property
    def beats_accepted(self) -> int:
        return self._impl.beats_accepted

    def state(self) -> Dict[str, Any]:
        """The whole stream state: held beats and RR intervals (oldest first) and counters."""
        return _state_dict(self._impl.state())

    def restore(self, state: Dict[str, Any]) -> None:
        """Continue the stream from :meth:`state` (taken with the same parameters)."""
        self._impl.restore(*_restore_args(state))

    def reset(self) -> None:
        """Forget the stream, keep the parameters."""
        self._impl.reset()


class BeatReference(_ReferenceView):
    """Running median beat and median RR of one stream, with an RR gate and alignment.

    The low-level piece of :class:`BeatFeatureExtractor`: :meth:`align` a beat to the current
    median beat, read :attr:`median_beat` / :attr:`median_rr_s`, then :meth:`update` with the
    aligned beat and its RR-before. Parameters as in :class:`FeatureSet`.

    Examples
    --------
    >>> import numpy as np
    >>> ref = BeatReference(length=4, reference_beats=3, warmup_beats=1, max_shift_points=0)
    >>> for value, rr in [(1.0, float("nan")), (2.0, 1.0), (9.0, 1.0)]:
    ...     _ = ref.update(np.full(4, value), rr)
    >>> ref.median_beat, ref.median_rr_s
    (array([2., 2., 2., 2.], dtype=float32), 1.0)
    >>> ref.update(np.full(4, 50.0), 0.5)    # premature: kept out
    False
    >>> ref.median_beat[0], ref.beats_seen, ref.beats_accepted
    (2.0, 4, 3)
    """

    def __init__(self, *, length: int = 140, reference_beats: int = 32, reference_rr: int = 32,
                 gate_rr_ratio: float = 0.9, warmup_beats: int = 8, max_rejected_beats: int = 32,
                 max_shift_points: int = 4, rr_from_accepted: bool = True) -> None:
        self._impl = _core.signal.BeatReference(int(length), int(reference_beats),
                                                int(reference_rr), float(gate_rr_ratio),
                                                int(warmup_beats), int(max_rejected_beats),
                                                int(max_shift_points), bool(rr_from_accepted))

    def align(self, beat) -> Tuple[np.ndarray, int]:
        """Shift ``beat`` to best match the median beat; returns ``(aligned, shift_points)``."""
        aligned, shift = self._impl.align(_as_beat(beat, "beat"))
        return aligned, int(shift)

    def update(self, aligned_beat, rr_before_s: float) -> bool:
        """Offer the next (aligned) beat; returns whether it entered the reference."""
        return bool(self._impl.update(_as_beat(aligned_beat, "aligned_beat"),
                                      float(rr_before_s)))

    def __repr__(self) -> str:
        return (f"BeatReference(length={self._impl.length}, beats_held={self.beats_held}, "
                f"median_rr_s={self.median_rr_s:.4g})")


BeatsLike = Union["_beats_module.Beats", np.ndarray]


class BeatFeatureExtractor(_ReferenceView):
    """Streaming model inputs: beats in stream order in, one input row per beat out.

    Owns the stream's :class:`BeatReference`; each beat is compared with the reference built
    from the beats before it, then offered to it. The output does not depend on how the stream
    is cut into calls, and :meth:`state` / :meth:`restore` hand a stream over exactly.

    Parameters
    ----------
    feature_set : FeatureSet, optional
        Defaults to ``FeatureSet()``.

    Examples
    --------
    >>> import numpy as np
    >>> from ecgad import synth, signal
    >>> sim = synth.synthesize(duration_s=120, fs_hz=360, pvc_rate=0.05, seed=3)
    >>> beats = signal.segment_beats(sim.ecg_mv, sim.fs_hz, sim.samples)
    >>> ex = BeatFeatureExtractor()
    >>> parts = [ex.process(beats.beats[i:i + 25], beats.rr_before_s[i:i + 25],
    ...                     beats.rr_after_s[i:i + 25]).features for i in range(0, len(beats), 25)]
    >>> streamed = np.concatenate(parts)
    >>> bool(np.array_equal(streamed, beat_features(beats).features))
    True
    >>> streamed.shape[1] == ex.input_size == 142
    True
    """

    def __init__(self, feature_set: Optional[FeatureSet] = None) -> None:
        self._feature_set = feature_set if feature_set is not None else FeatureSet()
        if not isinstance(self._feature_set, FeatureSet):
            raise ValueError(f"feature_set must be a FeatureSet, got "
                             f"{type(feature_set).__name__}")
        self._impl = _core.signal.BeatFeatureExtractor(*self._feature_set._core_args())

    @property
    def feature_set(self) -> FeatureSet:
        """The :class:`FeatureSet` the extractor computes."""
        return self._feature_set

    @property
    def input_size(self) -> int:
        """Width of each output row, ``feature_set.input_size``."""
        return self._impl.input_size

    def process(self, beats: BeatsLike, rr_before_s=None, rr_after_s=None) -> BeatFeatures:
        """Model inputs of the next beats of the stream.

        Parameters
        ----------
        beats : Beats or array_like
            A :class:`ecgad.signal.Beats` (its RR intervals are used), or an
            ``(n_beats, length)`` array together with ``rr_before_s`` and ``rr_after_s``.
        rr_before_s, rr_after_s : array_like, optional
            Seconds, one per beat, NaN when unknown; required with a plain array.
        """
        if isinstance(beats, _beats_module.Beats):
            if rr_before_s is not None or rr_after_s is not None:
                raise ValueError("pass rr_before_s / rr_after_s only with a plain beat array; a "
                                 "Beats object carries its own")
            mat, rrb, rra = beats.beats, beats.rr_before_s, beats.rr_after_s
        else:
            if rr_before_s is None or rr_after_s is None:
                raise ValueError("rr_before_s and rr_after_s are required with a plain beat "
                                 "array (NaN where unknown)")
            mat, rrb, rra = beats, rr_before_s, rr_after_s
        arr = _beats_module._as_beats(mat)
        n = arr.shape[0]
        d = self._impl.process(arr, _as_rr(rrb, n, "rr_before_s"), _as_rr(rra, n, "rr_after_s"))
        return BeatFeatures(**d)

    def __repr__(self) -> str:
        return (f"BeatFeatureExtractor({self._feature_set!r}, beats_seen={self.beats_seen}, "
                f"beats_held={self.beats_held})")


def beat_features(beats: BeatsLike, feature_set: Optional[FeatureSet] = None, *,
                  rr_before_s=None, rr_after_s=None) -> BeatFeatures:
    """Model inputs of a whole recording's beats, from a fresh stream reference.

    Equal to ``BeatFeatureExtractor(feature_set).process(beats, ...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from ecgad import synth, signal
    >>> sim = synth.synthesize(duration_s=300, fs_hz=360, pvc_rate=0.05, baseline_wander_mv=0,
    ...                        seed=1)
    >>> beats = signal.segment_beats(sim.ecg_mv, sim.fs_hz, sim.samples)
    >>> f = beat_features(beats)
    >>> residual = np.abs(f.features[:, :140]).mean(axis=1)
    >>> pvc = (sim.aami == "V")[beats.peak_number] & f.warm   # the first beats set the reference
    >>> bool(residual[pvc].min() > 3 * np.median(residual[~pvc]))
    True
    >>> bool(np.all(f.features[pvc, 140] < 30 * np.log(0.8)))   # premature
    True
    """
    return BeatFeatureExtractor(feature_set).process(beats, rr_before_s, rr_after_s)
