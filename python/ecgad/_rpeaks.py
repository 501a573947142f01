"""R-peak detection, offline and streaming, and beat-by-beat scoring as ANSI/AAMI EC57 does.

Two detectors, both for any sampling rate from 100 Hz to 1 kHz with the same defaults (every
parameter is in seconds): ``"ecgad"`` (the default and the more accurate: band-passed energy
envelope, median-based adaptive thresholds, a short look-ahead, T-wave slope test, search-back,
noise gate) and ``"pan_tompkins"`` (Pan & Tompkins, IEEE TBME 32(3):230-236, 1985). On the
MIT-BIH records of ``../shared/data/mitdb`` (lead 0, EC57 scoring) ``"ecgad"`` reaches 99.826%
sensitivity and 99.845% positive predictivity; ``docs/rpeaks.md`` has the table.

:func:`find_rpeaks` runs a detector over a whole signal; :class:`RpeakDetector` is the same
detector fed chunk by chunk, with the same peaks whatever the chunk sizes. Flat, saturated and
white-noise input give no peaks. Signals are converted once to ``float64`` (a C-contiguous
``float64`` array is read in place); peaks are ``int64`` sample indices.

Errors are :class:`ecgad.InvalidArgument` (a :class:`ValueError`) naming the bad value: NaN or
infinite samples, an empty signal, ``fs_hz`` outside ``[100, 1000]``, an unknown method or
parameter, unsorted reference or detection indices.
"""
from __future__ import annotations

import importlib
from typing import Dict, Iterable, Optional, Sequence, Union

import numpy as np

from . import _core
from ._coredocs import document

__all__ = [
    "Ec57Record",
    "RpeakDetector",
    "find_rpeaks",
    "gross_score",
    "rpeak_default_params",
    "score_rpeaks",
]

ArrayLike = Union[np.ndarray, Sequence[float]]

# ecgad.signal may re-export this module, so import it lazily (whatever the import order).
_signal = importlib.import_module(".signal", __package__)

Ec57Record = _core.signal.Ec57Record
document(Ec57Record, """Beat-by-beat scores of one record (or of several, from
    :func:`gross_score`), as ANSI/AAMI EC57 defines them; made by :func:`score_rpeaks`.

    Attributes
    ----------
    tp : int
        True positives: reference beats matched by a detection.
    fn : int
        False negatives: reference beats no detection matched.
    fp : int
        False positives: detections that matched no reference beat.
    sensitivity : float
        ``tp / (tp + fn)`` (Se); NaN without reference beats.
    positive_predictivity : float
        ``tp / (tp + fp)`` (+P); NaN without detections.
    false_negatives : numpy.ndarray
        Sample indices (``int64``) of the missed reference beats.
    false_positives : numpy.ndarray
        Sample indices (``int64``) of the false detections.

    Examples
    --------
    >>> r = score_rpeaks([1000, 2000, 3000], [1010, 2100], fs_hz=360.0, start_s=0.0)
    >>> r
    Ec57Record(tp=1, fn=2, fp=1, sensitivity=0.33333, positive_predictivity=0.50000)
    >>> r.false_negatives.tolist(), r.false_positives.tolist()
    ([2000, 3000], [2100])
    >>> score_rpeaks([1000], [], fs_hz=360.0, start_s=0.0).positive_predictivity
    nan
    """)


def _params(params: Dict[str, float]) -> Dict[str, float]:
    out = {}
    for name, value in params.items():
        try:
            out[str(name)] = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {name} must be a number (seconds or a ratio), "
                             f"got {value!r}") from None
    return out


def _as_samples(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer sample indices, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of sample indices, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def find_rpeaks(x: ArrayLike, fs_hz: float, method: str = "ecgad", **params: float) -> np.ndarray:
    """Find the R peaks of a single-lead ECG.

    Parameters
    ----------
    x : array_like
        The ECG, 1-D, in mV (only ratios of powers are compared, so any unit works as long as
        it is linear).
    fs_hz : float
        Sampling rate, in ``[100, 1000]`` Hz.
    method : {'ecgad', 'pan_tompkins'}
        The detector. ``'ecgad'`` is the more accurate; ``'pan_tompkins'`` reproduces Pan &
        Tompkins (1985).
    **params : float
        Detector parameters to override, by name, in seconds or as ratios (see
        :func:`rpeak_default_params`), e.g. ``refractory_s=0.25``.

    Returns
    -------
    numpy.ndarray
        ``int64`` sample indices of the R peaks, increasing. Equal to what
        :class:`RpeakDetector` returns when fed ``x`` in any chunks and finished.

    Examples
    --------
    >>> import numpy as np
    >>> from ecgad import synth
    >>> ecg = synth.ecgsyn(duration_s=10.0, fs_hz=250.0, heart_rate_bpm=72.0, seed=1)
    >>> peaks = find_rpeaks(ecg.ecg_mv, fs_hz=250.0)
    >>> peaks[:5]
    array([  4, 212, 416, 620, 828])
    >>> int(np.abs(peaks[:, None] - ecg.r_peaks).min(axis=0).max())  # every R wave, +-1 sample
    1
    >>> find_rpeaks(np.zeros(5000), fs_hz=500.0).size  # flat: no beat
    0
    """
    return _core.signal.find_rpeaks(_signal._as_signal(x), float(fs_hz), str(method),
                                    _params(params))


def rpeak_default_params(method: str = "ecgad") -> Dict[str, float]:
    """The default parameters of a detector, by name (seconds, or ratios).

    Examples
    --------
    >>> p = rpeak_default_params("pan_tompkins")
    >>> p["refractory_s"], p["t_wave_window_s"]
    (0.2, 0.36)
    >>> rpeak_default_params()["threshold_fraction"]
    0.15
    """
    return dict(_core.signal.rpeak_default_params(str(method)))


class RpeakDetector:
    """Streaming R-peak detector: push chunks, get the peaks found so far with their sample index.

    :meth:`process` returns the peaks decided during the call, as absolute ``int64`` sample
    indices from the start of the stream, in increasing order; :meth:`finish` decides what is
    still pending at the end of the stream. The peaks do not depend on how the stream is cut
    into chunks, and each is reported at most :attr:`latency_samples` after its sample
    (the ``'ecgad'`` detector reports an ordinary beat ~0.62 s after it; search-back and the
    2 s learning phase take longer). No memory is allocated per sample.

    Parameters
    ----------
    fs_hz : float
        Sampling rate, in ``[100, 1000]`` Hz.
    method : {'ecgad', 'pan_tompkins'}
        The detector (see :func:`find_rpeaks`).
    **params : float
        Detector parameters to override (see :func:`rpeak_default_params`).

    Examples
    --------
    >>> import numpy as np
    >>> from ecgad import synth
    >>> ecg = synth.ecgsyn(duration_s=20.0, fs_hz=360.0, seed=3)
    >>> det = RpeakDetector(360.0)
    >>> found = [det.process(chunk) for chunk in np.array_split(ecg.ecg_mv, 50)]
    >>> peaks = np.concatenate(found + [det.finish()])
    >>> bool(np.array_equal(peaks, find_rpeaks(ecg.ecg_mv, 360.0)))
    True
    >>> round(det.latency_samples / 360.0, 2)  # worst case, seconds
    3.27
    """

    def __init__(self, fs_hz: float, method: str = "ecgad", **params: float) -> None:
        self._impl = _core.signal.RpeakDetector(float(fs_hz), str(method), _params(params))

    def process(self, chunk: ArrayLike) -> np.ndarray:
        """Feed the next samples (mV); return the peaks decided during this call (``int64``)."""
        return self._impl.process(_signal._as_signal(chunk, "chunk"))

    def finish(self) -> np.ndarray:
        """End the stream and return the peaks still pending; call :meth:`reset` to reuse."""
        return self._impl.finish()

    def reset(self) -> None:
        """Start a new stream with the same method and parameters."""
        self._impl.reset()

    @property
    def latency_samples(self) -> int:
        """Upper bound on (samples processed when a peak is reported) - (its sample index)."""
        return self._impl.latency_samples

    @property
    def samples_processed(self) -> int:
        """Samples fed so far."""
        return self._impl.samples_processed

    @property
    def fs_hz(self) -> float:
        """The sampling rate, Hz."""
        return self._impl.fs_hz

    @property
    def method(self) -> str:
        """``'ecgad'`` or ``'pan_tompkins'``."""
        return self._impl.method

    def __repr__(self) -> str:
        return f"RpeakDetector(fs_hz={self.fs_hz}, method={self.method!r})"


def score_rpeaks(reference: ArrayLike, detections: ArrayLike, fs_hz: float,
                 vf_episodes: Optional[ArrayLike] = None, *, match_window_s: float = 0.15,
                 start_s: float = 300.0) -> Ec57Record:
    """Score detections against reference beats beat by beat, as ANSI/AAMI EC57 and WFDB bxb do.

    A detection matches a reference beat within ``match_window_s`` (150 ms), one to one (bxb's
    pairing rules); scoring starts at ``start_s`` (5 min); reference beats inside ventricular
    flutter/fibrillation episodes are not scored and detections inside them are never false
    positives.

    Parameters
    ----------
    reference : array_like of int
        Sample indices of the reference beats (beat annotations only), increasing.
    detections : array_like of int
        Sample indices of the detections, increasing.
    fs_hz : float
        Sampling rate of both.
    vf_episodes : array_like of int, shape (n, 2), optional
        Closed ``[start, end]`` sample intervals, as :func:`ecgad.io.vf_episodes` returns.
    match_window_s, start_s : float
        bxb's ``-w`` and ``-f`` options.

    Returns
    -------
    Ec57Record
        ``tp``, ``fn``, ``fp``, ``sensitivity``, ``positive_predictivity`` (NaN when undefined)
        and the sample indices of the ``false_negatives`` and ``false_positives``.

    Examples
    --------
    >>> r = score_rpeaks([1000, 2000, 3000], [1010, 2100, 3000], fs_hz=360.0, start_s=0.0)
    >>> r.tp, r.fn, r.fp
    (2, 1, 1)
    >>> r.false_negatives.tolist(), r.false_positives.tolist()
    ([2000], [2100])
    >>> round(r.sensitivity, 4)
    0.6667
    """
    vf = np.zeros((0, 2), dtype=np.int64) if vf_episodes is None else np.asarray(vf_episodes)
    if vf.size and (vf.ndim != 2 or vf.shape[1] != 2):
        raise ValueError(f"vf_episodes must have shape (n_episodes, 2), got {vf.shape}")
    if vf.size and vf.dtype.kind not in "iu":
        raise ValueError(f"vf_episodes must hold integer sample indices, got dtype {vf.dtype}")
    return _core.signal.score_detections(
        _as_samples(reference, "reference"), _as_samples(detections, "detections"),
        float(fs_hz), np.ascontiguousarray(vf.reshape(-1, 2), dtype=np.int64),
        float(match_window_s), float(start_s))


def gross_score(records: Iterable[Ec57Record]) -> Ec57Record:
    """Gross statistics over records: the counts summed, then Se and +P of the sums (EC57).

    Examples
    --------
    >>> a = score_rpeaks([1000, 2000], [1000, 2000], 360.0, start_s=0.0)
    >>> b = score_rpeaks([1000, 2000], [1000], 360.0, start_s=0.0)
    >>> g = gross_score([a, b])
    >>> g.tp, g.fn, g.fp, g.sensitivity
    (3, 1, 0, 0.75)
    """
    return _core.signal.gross_score(list(records))


# doctest does not look inside compiled classes: run the examples documented above from here.
__test__ = {"Ec57Record": Ec57Record.__doc__}
