"""Signal preprocessing: IIR filters, resampling and baseline removal that match scipy.signal.

Every function takes and returns NumPy arrays. A 1-D, C-contiguous ``float64`` signal is read in
place by the compiled core (no copy); lists, other float or integer dtypes and strided views are
converted once to ``float64``. Results are new ``float64`` arrays. Frequencies are in hertz and
always come with the sampling rate ``fs_hz``.

Errors are :class:`ecgad.InvalidArgument`, a subclass of :class:`ValueError`, with a message that
names the bad value and the valid range: cutoff outside ``(0, fs_hz/2)``, order < 1, ``q <= 0``,
empty or too-short signals, NaN or infinite samples.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = [
    "SosFilter",
    "butter",
    "butter_ba",
    "filtfilt",
    "iirnotch",
    "lfilter",
    "lfilter_zi",
    "median_baseline",
    "medfilt",
    "remove_median_baseline",
    "resample_poly",
    "sosfilt",
    "sosfilt_zi",
    "sosfiltfilt",
]

ArrayLike = Union[np.ndarray, Sequence[float]]
Cutoff = Union[float, Sequence[float]]


def _as_signal(x: ArrayLike, name: str = "x") -> np.ndarray:
    """Return ``x`` as a 1-D C-contiguous float64 array, copying only when needed."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D signal, got an array of shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _as_sos(sos: ArrayLike) -> np.ndarray:
    arr = np.asarray(sos)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"sos must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != 6:
        raise ValueError(f"sos must have shape (n_sections, 6), got {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _cutoffs(cutoff_hz: Cutoff) -> list:
    return [float(f) for f in np.atleast_1d(np.asarray(cutoff_hz, dtype=np.float64))]


def butter(order: int, cutoff_hz: Cutoff, btype: str = "lowpass", *, fs_hz: float) -> np.ndarray:
    """Design a digital Butterworth filter as second-order sections.

    Equal to ``scipy.signal.butter(order, cutoff_hz, btype, fs=fs_hz, output='sos')``: same
    sections, same order, to 1e-10 relative.

    Parameters
    ----------
    order : int
        Filter order, at least 1. Band filters have ``2 * order`` poles.
    cutoff_hz : float or (float, float)
        The -3 dB frequency for ``lowpass``/``highpass``; ``(low, high)`` for
        ``bandpass``/``bandstop``. Each must lie in ``(0, fs_hz / 2)``.
    btype : {'lowpass', 'highpass', 'bandpass', 'bandstop'}
        scipy's short spellings (``'low'``, ``'high'``, ``'band'``, ``'stop'``…) work too.
    fs_hz : float
        Sampling rate in Hz.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_sections, 6)``, rows ``[b0, b1, b2, 1, a1, a2]``.

    Examples
    --------
    >>> sos = butter(5, 0.5, "highpass", fs_hz=360.0)
    >>> sos.shape
    (3, 6)
    >>> import numpy as np
    >>> y = sosfiltfilt(sos, np.full(1000, 3.0))  # a highpass removes the constant
    >>> bool(np.abs(y).max() < 1e-9)
    True
    """
    return _core.signal.butter(int(order), _cutoffs(cutoff_hz), str(btype), float(fs_hz))


def butter_ba(order: int, cutoff_hz: Cutoff, btype: str = "lowpass", *,
              fs_hz: float) -> Tuple[np.ndarray, np.ndarray]:
    """Design a Butterworth filter as transfer-function coefficients ``(b, a)``.

    Equal to ``scipy.signal.butter(order, cutoff_hz, btype, fs=fs_hz)``. Prefer :func:`butter`
    (sections) above order 4 or for very low cutoffs: ``(b, a)`` loses precision there.

    Examples
    --------
    >>> b, a = butter_ba(2, 10.0, "lowpass", fs_hz=100.0)
    >>> len(b), len(a), float(a[0])
    (3, 3, 1.0)
    """
    return _core.signal.butter_ba(int(order), _cutoffs(cutoff_hz), str(btype), float(fs_hz))


def iirnotch(w0_hz: float, q: float, *, fs_hz: float) -> Tuple[np.ndarray, np.ndarray]:
    """Design a second-order notch filter (e.g. for 50/60 Hz mains interference).

    Equal to ``scipy.signal.iirnotch(w0_hz, q, fs=fs_hz)``.

    Parameters
    ----------
    w0_hz : float
        Frequency to remove, in ``(0, fs_hz / 2)``.
    q : float
        Quality factor ``w0 / bandwidth`` (-3 dB), > 0. ``q=30`` at 60 Hz removes 59-61 Hz.
    fs_hz : float
        Sampling rate in Hz.

    Returns
    -------
    b, a : numpy.ndarray
        Numerator and denominator, three coefficients each.

    Examples
    --------
    >>> import numpy as np
    >>> b, a = iirnotch(60.0, 30.0, fs_hz=360.0)
    >>> t = np.arange(3600) / 360.0
    >>> hum = np.sin(2 * np.pi * 60.0 * t)
    >>> bool(np.abs(filtfilt(b, a, hum)[360:-360]).max() < 1e-3)
    True
    """
    return _core.signal.iirnotch(float(w0_hz), float(q), float(fs_hz))


def sosfilt(sos: ArrayLike, x: ArrayLike,
            zi: Optional[ArrayLike] = None) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """Filter causally with second-order sections (direct form II transposed).

    Equal to ``scipy.signal.sosfilt(sos, x, zi=zi)``: without ``zi`` it starts from rest and
    returns ``y``; with ``zi`` (shape ``(n_sections, 2)``) it returns ``(y, zf)``.

    Examples
    --------
    >>> sos = butter(2, 10.0, fs_hz=100.0)
    >>> y = sosfilt(sos, [1.0, 0.0, 0.0, 0.0])
    >>> y.shape
    (4,)
    >>> y, zf = sosfilt(sos, [1.0, 1.0], zi=sosfilt_zi(sos))  # steady state for a unit step
    >>> [round(float(v), 12) for v in y]
    [1.0, 1.0]
    """
    sos_arr = _as_sos(sos)
    x_arr = _as_signal(x)
    if zi is None:
        return _core.signal.sosfilt(sos_arr, x_arr)
    zi_arr = np.ascontiguousarray(zi, dtype=np.float64)
    if zi_arr.shape != (sos_arr.shape[0], 2):
        raise ValueError(f"zi must have shape ({sos_arr.shape[0]}, 2), got {zi_arr.shape}")
    return _core.signal.sosfilt_with_state(sos_arr, x_arr, zi_arr)


def sosfilt_zi(sos: ArrayLike) -> np.ndarray:
    """Steady-state filter state for a unit step input (``scipy.signal.sosfilt_zi``).

    Multiply by the first sample to start a filter without a transient.

    Examples
    --------
    >>> sosfilt_zi(butter(4, 40.0, fs_hz=360.0)).shape
    (2, 2)
    """
    return _core.signal.sosfilt_zi(_as_sos(sos))


def sosfiltfilt(sos: ArrayLike, x: ArrayLike, padlen: Optional[int] = None) -> np.ndarray:
    """Zero-phase forward-backward filtering with second-order sections.

    Equal to ``scipy.signal.sosfiltfilt(sos, x, padlen=padlen)`` (odd extension; default
    ``padlen = 3 * (2 * n_sections + 1 - min(#{b2 == 0}, #{a2 == 0}))``), to 1e-9 relative.
    The signal must be longer than ``padlen``. The GIL is released while filtering.

    Examples
    --------
    >>> import numpy as np
    >>> fs = 360.0
    >>> t = np.arange(int(60 * fs)) / fs
    >>> wander = 0.5 * np.sin(2 * np.pi * 0.1 * t)           # baseline wander
    >>> qrs_band = 0.2 * np.sin(2 * np.pi * 10.0 * t)        # in-band content
    >>> y = sosfiltfilt(butter(5, 0.5, "highpass", fs_hz=fs), wander + qrs_band)
    >>> middle = slice(int(10 * fs), int(50 * fs))
    >>> bool(np.abs(y[middle] - qrs_band[middle]).max() < 1e-3)
    True
    """
    return _core.signal.sosfiltfilt(_as_sos(sos), _as_signal(x),
                                    None if padlen is None else int(padlen))


def lfilter(b: ArrayLike, a: ArrayLike, x: ArrayLike) -> np.ndarray:
    """Filter causally with a transfer function ``(b, a)`` from rest (``scipy.signal.lfilter``).

    Examples
    --------
    >>> [float(v) for v in lfilter([0.5, 0.5], [1.0], [2.0, 4.0, 6.0])]  # two-point average
    [1.0, 3.0, 5.0]
    """
    return _core.signal.lfilter(_as_signal(b, "b"), _as_signal(a, "a"), _as_signal(x))


def lfilter_zi(b: ArrayLike, a: ArrayLike) -> np.ndarray:
    """Steady-state state of ``(b, a)`` for a unit step (``scipy.signal.lfilter_zi``).

    Examples
    --------
    >>> lfilter_zi([0.5, 0.5], [1.0]).tolist()
    [0.5]
    """
    return _core.signal.lfilter_zi(_as_signal(b, "b"), _as_signal(a, "a"))


def filtfilt(b: ArrayLike, a: ArrayLike, x: ArrayLike, padlen: Optional[int] = None) -> np.ndarray:
    """Zero-phase forward-backward filtering with a transfer function ``(b, a)``.

    Equal to ``scipy.signal.filtfilt(b, a, x, padlen=padlen)`` with its defaults
    (``padtype='odd'``, ``method='pad'``, ``padlen = 3 * max(len(a), len(b))``).

    Examples
    --------
    >>> import numpy as np
    >>> b, a = butter_ba(2, 5.0, fs_hz=100.0)
    >>> y = filtfilt(b, a, np.ones(50))
    >>> bool(np.allclose(y, 1.0))
    True
    """
    return _core.signal.filtfilt(_as_signal(b, "b"), _as_signal(a, "a"), _as_signal(x),
                                 None if padlen is None else int(padlen))


class SosFilter:
    """Streaming causal filter over second-order sections.

    Push chunks of any size through :meth:`process`; the concatenated output equals one
    :func:`sosfilt` call over the whole signal, bit for bit. A chunk holding NaN or Inf raises
    ``ValueError`` and leaves the state untouched.

    Parameters
    ----------
    sos : array_like, shape (n_sections, 6)
        Sections with ``a0 = 1``, e.g. from :func:`butter`.

    Examples
    --------
    >>> import numpy as np
    >>> sos = butter(4, 40.0, fs_hz=360.0)
    >>> x = np.random.default_rng(0).standard_normal(1000)
    >>> f = SosFilter(sos)
    >>> y = np.concatenate([f.process(x[:7]), f.process(x[7:500]), f.process(x[500:])])
    >>> bool(np.array_equal(y, sosfilt(sos, x)))
    True
    """

    def __init__(self, sos: ArrayLike) -> None:
        self._impl = _core.signal.SosFilter(_as_sos(sos))

    def process(self, chunk: ArrayLike) -> np.ndarray:
        """Filter the next chunk of the stream and return its output."""
        return self._impl.process(_as_signal(chunk, "chunk"))

    def reset(self) -> None:
        """Return to rest (zero state), keeping the sections."""
        self._impl.reset()

    def settle(self, x0: float) -> None:
        """Set the state to the steady state for a constant input ``x0``."""
        self._impl.settle(float(x0))

    @property
    def state(self) -> np.ndarray:
        """The delays, shape ``(n_sections, 2)`` (scipy's ``zi`` layout); assignable."""
        return self._impl.state

    @state.setter
    def state(self, zi: ArrayLike) -> None:
        self._impl.state = np.ascontiguousarray(zi, dtype=np.float64)

    @property
    def sos(self) -> np.ndarray:
        """The sections, shape ``(n_sections, 6)``."""
        return self._impl.sos

    def __repr__(self) -> str:
        return f"SosFilter(n_sections={self._impl.n_sections})"


def resample_poly(x: ArrayLike, up: int, down: int) -> np.ndarray:
    """Resample by ``up / down`` with a polyphase Kaiser-windowed FIR.

    Equal to ``scipy.signal.resample_poly(x, up, down)`` with its defaults
    (``window=('kaiser', 5.0)``, ``padtype='constant'``). Output length is
    ``ceil(len(x) * up / down)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(2 * np.pi * 5.0 * np.arange(3600) / 360.0)   # 10 s at 360 Hz
    >>> y = resample_poly(x, 25, 36)                             # to 250 Hz
    >>> y.shape
    (2500,)
    """
    return _core.signal.resample_poly(_as_signal(x), int(up), int(down))


def medfilt(x: ArrayLike, kernel_size: int = 3) -> np.ndarray:
    """Moving median with an odd window and zeros beyond the ends (``scipy.signal.medfilt``).

    Examples
    --------
    >>> medfilt([1.0, 9.0, 2.0, 3.0, 4.0], 3).tolist()
    [1.0, 2.0, 3.0, 3.0, 3.0]
    """
    return _core.signal.medfilt(_as_signal(x), int(kernel_size))


def median_baseline(x: ArrayLike, fs_hz: float, first_window_s: float = 0.2,
                    second_window_s: float = 0.6) -> np.ndarray:
    """Estimate baseline wander with two moving medians (de Chazal et al., 2004).

    A 200 ms median removes the QRS complex and P wave, a 600 ms median of that removes the T
    wave; what is left is the baseline. Windows are rounded to an odd number of samples. As in
    :func:`medfilt`, samples beyond the ends count as zero, so the estimate is pulled toward
    zero within half a window of each end.

    Examples
    --------
    >>> import numpy as np
    >>> fs = 360.0
    >>> t = np.arange(int(20 * fs)) / fs
    >>> spikes = (np.arange(t.size) % 300 == 0).astype(float)   # narrow beats
    >>> wander = 0.3 * np.sin(2 * np.pi * 0.2 * t)
    >>> base = median_baseline(spikes + wander, fs)
    >>> bool(np.abs(base - wander)[360:-360].max() < 0.01)
    True
    """
    return _core.signal.median_baseline(_as_signal(x), float(fs_hz), float(first_window_s),
                                        float(second_window_s))


def remove_median_baseline(x: ArrayLike, fs_hz: float, first_window_s: float = 0.2,
                           second_window_s: float = 0.6) -> np.ndarray:
    """Return ``x - median_baseline(x, fs_hz, ...)``: the signal with baseline wander removed.

    Examples
    --------
    >>> import numpy as np
    >>> x = 1.0 + np.zeros(2000)
    >>> y = remove_median_baseline(x, 360.0)
    >>> bool(np.abs(y[200:-200]).max() < 1e-12)
    True
    """
    return _core.signal.remove_median_baseline(_as_signal(x), float(fs_hz), float(first_window_s),
                                               float(second_window_s))


# R-peak detection, beats, normalisers, signal quality and noise mixing live in their own modules (one component
# each) and are part of the public ecgad.signal namespace.
from ._beats import *  # noqa: E402,F401,F403
from ._beats import __all__ as _beats_all  # noqa: E402
from ._quality import *  # noqa: E402,F401,F403
from ._quality import __all__ as _quality_all  # noqa: E402
from ._rpeaks import *  # noqa: E402,F401,F403
from ._rpeaks import __all__ as _rpeaks_all  # noqa: E402
from ._features import *  # noqa: E402,F401,F403
from ._features import __all__ as _features_all  # noqa: E402

__all__ += _beats_all + _quality_all + _rpeaks_all + _features_all
