"""Beat segmentation around R peaks, offline and streaming, and beat normalisers.

Beats are a ``(n_beats, length)`` ``float32`` array, one beat a row. Each beat is the window
``[peak - before_s, peak + after_s)`` resampled to ``length`` points by linear interpolation on
the window's time grid (what ``numpy.interp`` gives), so the R peak sits on column
``length * before_s / (before_s + after_s)`` -- column 50 with the defaults (0.25 s, 0.45 s,
140 points, the beat length of the UCR ECG5000 set). Beats whose window runs past either end of
the signal are dropped and counted, never padded.

Signals are converted once to ``float64`` and peaks to ``int64``; C-contiguous arrays of those
dtypes are read in place. Errors are :class:`ecgad.InvalidArgument` (a :class:`ValueError`)
naming the bad value, or :class:`ValueError` for wrong shapes and dtypes.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Dict, Sequence, Union

import numpy as np

from . import _core

__all__ = [
    "BeatMinMax",
    "BeatSegmenter",
    "BeatZScore",
    "Beats",
    "GlobalMinMax",
    "GlobalZScore",
    "normalizer_from_params",
    "segment_beats",
]

ArrayLike = Union[np.ndarray, Sequence[float]]

# ecgad.signal re-exports this module, so import it lazily (whatever the import order).
_signal = importlib.import_module(".signal", __package__)


def _as_peaks(peaks, name: str = "r_peaks") -> np.ndarray:
    arr = np.asarray(peaks)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer sample indices, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of sample indices, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _as_beats(beats, name: str = "beats") -> np.ndarray:
    arr = np.asarray(beats)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_beats, length), got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)


@dataclass
class Beats:
    """Segmented beats and what traces each back to its record and time.

    Attributes
    ----------
    beats : numpy.ndarray
        ``(n_beats, length)`` float32, one beat a row.
    sample_index : numpy.ndarray
        int64, the R-peak sample of each beat.
    peak_number : numpy.ndarray
        int64, the position of that peak in the peak list (to fetch its label).
    rr_before_s, rr_after_s : numpy.ndarray
        Seconds from the previous / to the next peak of the list (dropped or not); NaN for the
        first / last peak.
    local_hr_bpm : numpy.ndarray
        60 / median of the last ``hr_window_beats`` RR intervals ending at the beat; NaN for
        the first peak.
    dropped_at_start, dropped_at_end : int
        Peaks whose window ran past the start / end of the signal.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(3600)
    >>> b = segment_beats(x, 360.0, [50, 400, 700, 1000, 3550])
    >>> len(b), b.beats.shape, b.sample_index.tolist(), b.peak_number.tolist()
    (3, (3, 140), [400, 700, 1000], [1, 2, 3])
    >>> b.rr_before_s * 360.0, b.dropped_at_start, b.dropped_at_end
    (array([350., 300., 300.]), 1, 1)
    """

    beats: np.ndarray
    sample_index: np.ndarray
    peak_number: np.ndarray
    rr_before_s: np.ndarray
    rr_after_s: np.ndarray
    local_hr_bpm: np.ndarray
    dropped_at_start: int
    dropped_at_end: int

    def __len__(self) -> int:
        return int(self.beats.shape[0])


def _beats(d: Dict) -> Beats:
    return Beats(**d)


def segment_beats(x: ArrayLike, fs_hz: float, r_peaks: ArrayLike, *, before_s: float = 0.25,
                  after_s: float = 0.45, length: int = 140, hr_window_beats: int = 8) -> Beats:
    """Cut one fixed-length beat around each R peak.

    Parameters
    ----------
    x : array_like
        The signal (1-D), e.g. in mV.
    fs_hz : float
        Sampling rate in Hz.
    r_peaks : array_like of int
        R-peak sample indices, strictly increasing, inside the signal.
    before_s, after_s : float
        Window start before and end after the peak, in seconds (>= 0).
    length : int
        Points per beat (>= 2).
    hr_window_beats : int
        RR intervals in the local heart-rate median (>= 1).

    Returns
    -------
    Beats

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(2000, dtype=float)            # a ramp: interpolation is exact
    >>> b = segment_beats(x, 360.0, [50, 500, 1000, 1900])
    >>> b.beats.shape, b.dropped_at_start, b.dropped_at_end
    ((2, 140), 1, 1)
    >>> float(b.beats[0, 50]), round(float(b.beats[0, 51]), 3)  # R on column 50, 1.8 samples apart
    (500.0, 501.8)
    >>> b.rr_before_s * 360.0, b.peak_number
    (array([450., 500.]), array([1, 2]))
    """
    d = _core.signal.segment_beats(_signal._as_signal(x), float(fs_hz), _as_peaks(r_peaks),
                                   float(before_s), float(after_s), int(length),
                                   int(hr_window_beats))
    return _beats(d)


class BeatSegmenter:
    """Streaming beat segmentation: the output of :func:`segment_beats`, whatever the chunking.

    Push the signal in chunks with the R peaks found since the last call (absolute sample
    indices, strictly increasing over the stream). A peak may come with its chunk or later, by
    at most ``max_peak_delay_s`` (the detector's latency). A beat comes out once its window is
    complete and the next peak is known (for its RR-after); :meth:`flush` ends the stream.
    Only ``max_peak_delay + window`` samples are kept.

    Parameters
    ----------
    fs_hz : float
        Sampling rate in Hz.
    before_s, after_s, length, hr_window_beats
        As in :func:`segment_beats`.
    max_peak_delay_s : float
        Longest delay between a peak's sample and the call that reports it, in seconds.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(3600) / 20.0)
    >>> peaks = np.array([400, 760, 1120, 1480, 1840, 2200, 2560, 2920, 3280])
    >>> seg = BeatSegmenter(360.0, max_peak_delay_s=0.5)
    >>> parts = []
    >>> for start in range(0, 3600, 500):                 # chunks of 500 samples
    ...     chunk = x[start:start + 500]
    ...     found = peaks[(peaks >= start - 100) & (peaks < start + 400)]  # 100-sample latency
    ...     parts.append(seg.process(chunk, found).beats)
    >>> parts.append(seg.flush().beats)
    >>> streamed = np.concatenate(parts)
    >>> bool(np.array_equal(streamed, segment_beats(x, 360.0, peaks).beats))
    True
    """

    def __init__(self, fs_hz: float, *, before_s: float = 0.25, after_s: float = 0.45,
                 length: int = 140, hr_window_beats: int = 8,
                 max_peak_delay_s: float = 1.0) -> None:
        self._impl = _core.signal.BeatSegmenter(float(fs_hz), float(before_s), float(after_s),
                                                int(length), int(hr_window_beats),
                                                float(max_peak_delay_s))

    def process(self, chunk: ArrayLike, new_peaks: ArrayLike = ()) -> Beats:
        """Push the next chunk and the peaks found since the last call; return finished beats."""
        return _beats(self._impl.process(_signal._as_signal(chunk, "chunk"),
                                         _as_peaks(new_peaks, "new_peaks")))

    def flush(self) -> Beats:
        """End the stream: the last beat (RR-after NaN); unfinished windows count as dropped."""
        return _beats(self._impl.flush())

    def reset(self) -> None:
        """Start a new stream at sample 0, keeping the parameters."""
        self._impl.reset()

    @property
    def samples_seen(self) -> int:
        """Samples pushed since the stream started."""
        return self._impl.samples_seen

    @property
    def peaks_seen(self) -> int:
        """Peaks pushed since the stream started."""
        return self._impl.peaks_seen

    @property
    def buffer_capacity_samples(self) -> int:
        """Samples kept in the ring buffer: the segmenter's whole memory of the signal."""
        return self._impl.buffer_capacity_samples

    @property
    def dropped_at_start(self) -> int:
        """Beats dropped so far because their window started before sample 0."""
        return self._impl.dropped_at_start

    @property
    def dropped_at_end(self) -> int:
        """Beats dropped at :meth:`flush` because their window never completed."""
        return self._impl.dropped_at_end

    def __repr__(self) -> str:
        return (f"BeatSegmenter(fs_hz={self._impl.fs_hz}, samples_seen={self.samples_seen}, "
                f"peaks_seen={self.peaks_seen})")


class _Normalizer:
    """Shared behaviour of the normalisers (scikit-learn style fit / transform)."""

    _impl = None

    def fit(self, beats: ArrayLike):
        """Learn the parameters from training beats (a no-op for the per-beat kinds)."""
        self._impl.fit(_as_beats(beats))
        return self

    def transform(self, beats: ArrayLike) -> np.ndarray:
        """Normalise ``(n_beats, length)`` beats; returns a new float32 array."""
        return self._impl.transform(_as_beats(beats))

    def fit_transform(self, beats: ArrayLike) -> np.ndarray:
        """``fit(beats)`` then ``transform(beats)``."""
        arr = _as_beats(beats)
        self._impl.fit(arr)
        return self._impl.transform(arr)

    def params(self) -> Dict[str, float]:
        """The parameters as a flat ``{name: float}`` dict (what a model bundle stores)."""
        return dict(self._impl.params())

    @property
    def kind(self) -> str:
        """``'beat_zscore'``, ``'beat_minmax'``, ``'global_zscore'`` or ``'global_minmax'``."""
        return self._impl.kind

    @property
    def is_fitted(self) -> bool:
        """True once the parameters are known (always for the per-beat kinds)."""
        return self._impl.is_fitted

    @classmethod
    def from_params(cls, params: Dict[str, float]):
        """Rebuild a normaliser from :meth:`params`."""
        obj = cls.__new__(cls)
        obj._impl = cls._core_class().from_params({str(k): float(v) for k, v in params.items()})
        return obj

    def __repr__(self) -> str:
        if not self.is_fitted:
            return f"{type(self).__name__}(unfitted)"
        inner = ", ".join(f"{k}={v:.6g}" for k, v in sorted(self.params().items()))
        return f"{type(self).__name__}({inner})"


class BeatZScore(_Normalizer):
    """Per-beat z-score: each beat minus its mean, over its population std (``ddof=0``).

    A beat whose range ``max - min`` is at most ``constant_tolerance`` becomes all zeros (no
    NaN). Needs no fitting and has no inverse.

    Examples
    --------
    >>> import numpy as np
    >>> z = BeatZScore().transform(np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0]]))
    >>> np.round(z, 4)
    array([[-1.3416, -0.4472,  0.4472,  1.3416],
           [ 0.    ,  0.    ,  0.    ,  0.    ]], dtype=float32)
    """

    @staticmethod
    def _core_class():
        return _core.signal.BeatZScore

    def __init__(self, constant_tolerance: float = 1e-6) -> None:
        self._impl = _core.signal.BeatZScore(float(constant_tolerance))


class BeatMinMax(_Normalizer):
    """Per-beat min-max: each beat's minimum maps to ``range_min``, its maximum to ``range_max``.

    A beat whose range is at most ``constant_tolerance`` becomes all ``range_min`` (as
    ``sklearn.preprocessing.minmax_scale``). Needs no fitting and has no inverse.

    Examples
    --------
    >>> BeatMinMax().transform([[1.0, 2.0, 3.0, 5.0]])
    array([[0.  , 0.25, 0.5 , 1.  ]], dtype=float32)
    """

    @staticmethod
    def _core_class():
        return _core.signal.BeatMinMax

    def __init__(self, range_min: float = 0.0, range_max: float = 1.0,
                 constant_tolerance: float = 1e-6) -> None:
        self._impl = _core.signal.BeatMinMax(float(range_min), float(range_max),
                                             float(constant_tolerance))


class GlobalZScore(_Normalizer):
    """Global z-score: one mean and std over every value of the training beats.

    ``(x - mean) / scale``, with ``scale`` the population std, or 1 when the training data has
    std <= ``constant_tolerance`` (as ``sklearn.preprocessing.StandardScaler``). Invertible.

    Examples
    --------
    >>> import numpy as np
    >>> z = GlobalZScore().fit([[1.0, 3.0], [1.0, 3.0]])
    >>> z.params()
    {'constant_tolerance': 1e-06, 'mean': 2.0, 'scale': 1.0}
    >>> z.transform([[0.0, 5.0]])
    array([[-2.,  3.]], dtype=float32)
    >>> GlobalZScore.from_params(z.params()).inverse_transform([[-2.0, 3.0]])
    array([[0., 5.]], dtype=float32)
    """

    @staticmethod
    def _core_class():
        return _core.signal.GlobalZScore

    def __init__(self, constant_tolerance: float = 1e-6) -> None:
        self._impl = _core.signal.GlobalZScore(float(constant_tolerance))

    def inverse_transform(self, beats: ArrayLike) -> np.ndarray:
        """Map normalised beats back to the input units: ``y * scale + mean``."""
        return self._impl.inverse_transform(_as_beats(beats))


class GlobalMinMax(_Normalizer):
    """Global min-max: the training minimum maps to ``range_min``, the maximum to ``range_max``.

    One scale for every value (``sklearn.preprocessing.MinMaxScaler`` on the flattened beats,
    without clipping); constant training data uses a data range of 1. Invertible.

    Examples
    --------
    >>> m = GlobalMinMax(-1.0, 1.0).fit([[0.0, 2.0], [4.0, 1.0]])
    >>> m.transform([[0.0, 2.0, 4.0, 6.0]])
    array([[-1.,  0.,  1.,  2.]], dtype=float32)
    >>> m.inverse_transform([[0.0]])
    array([[2.]], dtype=float32)
    """

    @staticmethod
    def _core_class():
        return _core.signal.GlobalMinMax

    def __init__(self, range_min: float = 0.0, range_max: float = 1.0,
                 constant_tolerance: float = 1e-6) -> None:
        self._impl = _core.signal.GlobalMinMax(float(range_min), float(range_max),
                                               float(constant_tolerance))

    def inverse_transform(self, beats: ArrayLike) -> np.ndarray:
        """Map normalised beats back to the input units."""
        return self._impl.inverse_transform(_as_beats(beats))


_KINDS = {
    "beat_zscore": BeatZScore,
    "beat_minmax": BeatMinMax,
    "global_zscore": GlobalZScore,
    "global_minmax": GlobalMinMax,
}


def normalizer_from_params(kind: str, params: Dict[str, float]):
    """Rebuild any normaliser saved as ``(n.kind, n.params())``.

    Examples
    --------
    >>> n = GlobalMinMax().fit([[0.0, 10.0]])
    >>> m = normalizer_from_params(n.kind, n.params())
    >>> type(m).__name__, m.transform([[5.0]])
    ('GlobalMinMax', array([[0.5]], dtype=float32))
    """
    if kind not in _KINDS:
        raise _core.InvalidArgument(
            f"unknown normalizer kind '{kind}'; expected one of {', '.join(_KINDS)}")
    return _KINDS[kind].from_params(params)
