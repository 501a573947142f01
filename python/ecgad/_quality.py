"""ECG signal quality per window, the Welch PSD behind it, and noise mixing at an nst SNR.

Quality indices per window (default 10 s): flatline and saturation fractions, lead-off, the
share of power above 40 Hz and at or below 1 Hz, and the SQIs of Li, Mark & Clifford (Physiol.
Meas. 2008) as used by Behar et al. (IEEE TBME 2013): ``ksqi`` (Pearson kurtosis), ``psqi``
(P[5-15 Hz] / P[5-40 Hz]) and ``bassqi`` (1 - P[0-1 Hz] / P[0-40 Hz]). They fold into a score in
[0, 1] (the weakest index decides) and a grade: ``'good'`` (score >= 0.7), ``'acceptable'``
(>= 0.3) or ``'unusable'``. Signals are in millivolts and need ``fs_hz > 80``.

:func:`add_noise_at_snr` adds a noise record (e.g. the MIT-BIH Noise Stress Test's ``bw``,
``ma``, ``em``) to a clean ECG with the SNR defined as PhysioNet's ``nst`` defines it: QRS
peak-to-peak size S (trimmed mean over normal beats), noise RMS N (trimmed mean over 1-s windows),
SNR = 10 log10(S^2 / 8 / N^2).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, fields
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._beats import _as_peaks

__all__ = [
    "NoiseMix",
    "QualityAssessor",
    "QualityReport",
    "add_noise_at_snr",
    "band_power",
    "nst_noise_amplitude",
    "nst_noise_gain",
    "nst_reference_beat",
    "nst_signal_amplitude",
    "nst_snr_db",
    "signal_quality",
    "welch",
    "window_quality",
]

ArrayLike = Union[np.ndarray, Sequence[float]]
GRADES = np.array(["good", "acceptable", "unusable"])

_signal = importlib.import_module(".signal", __package__)


@dataclass
class QualityReport:
    """Quality of consecutive windows, one array element per window.

    Attributes
    ----------
    start_sample, n_samples : numpy.ndarray
        int64: first sample and length of each window.
    flatline_fraction, saturation_fraction : numpy.ndarray
        Share of the window in flat runs / at a rail or on an extreme plateau.
    lead_off : numpy.ndarray
        bool: std below ``lead_off_std_mv`` or mostly saturated.
    std_mv, hf_noise_share, baseline_share, ksqi, psqi, bassqi, score : numpy.ndarray
        float64 indices (see the module docstring).
    grade : numpy.ndarray
        ``'good'``, ``'acceptable'`` or ``'unusable'``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(20 * 360) / 360.0
    >>> ecg = sum(np.exp(-0.5 * ((t - b) / 0.01) ** 2) for b in np.arange(0.5, 20, 0.8))
    >>> ecg += 0.01 * np.random.default_rng(0).standard_normal(t.size)
    >>> ecg[10 * 360:] = 0.0                     # the electrode falls off after 10 s
    >>> q = signal_quality(ecg, 360.0)
    >>> len(q), q.start_sample.tolist(), q.grade.tolist()
    (2, [0, 3600], ['good', 'unusable'])
    >>> q.lead_off.tolist(), q.flatline_fraction.tolist()
    ([False, True], [0.0, 1.0])
    """

    start_sample: np.ndarray
    n_samples: np.ndarray
    flatline_fraction: np.ndarray
    saturation_fraction: np.ndarray
    lead_off: np.ndarray
    std_mv: np.ndarray
    hf_noise_share: np.ndarray
    baseline_share: np.ndarray
    ksqi: np.ndarray
    psqi: np.ndarray
    bassqi: np.ndarray
    score: np.ndarray
    grade: np.ndarray

    def __len__(self) -> int:
        return int(self.score.shape[0])

    def as_dict(self) -> Dict[str, np.ndarray]:
        """The columns as a dict (e.g. for ``pandas.DataFrame``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _report(d: Dict) -> QualityReport:
    d = dict(d)
    d["grade"] = GRADES[d["grade"].astype(np.intp)]
    return QualityReport(**d)


def _config(window_s: float, hop_s: Optional[float], psd_segment_s: float,
            adc_range_mv: Optional[Tuple[float, float]], options: Dict):
    c = _core.signal.QualityConfig()
    c.window_s = float(window_s)
    c.hop_s = float(window_s if hop_s is None else hop_s)
    c.psd_segment_s = float(psd_segment_s)
    if adc_range_mv is not None:
        low, high = adc_range_mv
        c.adc_min_mv, c.adc_max_mv = float(low), float(high)
    thresholds = options.pop("thresholds", None)
    for name, value in options.items():
        if not hasattr(c, name) or name in ("thresholds", "adc_min_mv", "adc_max_mv"):
            raise TypeError(f"unknown quality option '{name}'")
        setattr(c, name, float(value))
    if thresholds is not None:
        t = _core.signal.QualityThresholds()
        for name, value in dict(thresholds).items():
            if not hasattr(t, name):
                raise TypeError(f"unknown quality threshold '{name}'")
            setattr(t, name, float(value))
        c.thresholds = t
    return c


def signal_quality(x: ArrayLike, fs_hz: float, *, window_s: float = 10.0,
                   hop_s: Optional[float] = None, psd_segment_s: float = 4.0,
                   adc_range_mv: Optional[Tuple[float, float]] = None,
                   **options) -> QualityReport:
    """Quality of every complete window of a signal (mV).

    Parameters
    ----------
    x : array_like
        The signal, 1-D, in millivolts.
    fs_hz : float
        Sampling rate, > 80 Hz.
    window_s : float
        Window length (default 10 s).
    hop_s : float, optional
        Start-to-start distance of windows (default: ``window_s``, no overlap).
    psd_segment_s : float
        Welch segment length (<= ``window_s``).
    adc_range_mv : (float, float), optional
        ADC rails in mV when known; otherwise clipping is detected as plateaus at the extremes.
    **options
        ``flat_range_mv``, ``flat_min_s``, ``clip_tolerance_mv``, ``clip_min_s``,
        ``lead_off_std_mv``, ``lead_off_saturation``, and ``thresholds`` (a dict of the
        ``QualityThresholds`` fields, e.g. ``{'good_score': 0.8}``).

    Returns
    -------
    QualityReport
        One element per window starting at ``0, hop, 2 hop, ...``; a trailing partial window is
        not assessed.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(30 * 360) / 360.0
    >>> ecg = sum(np.exp(-0.5 * ((t - b) / 0.01) ** 2) for b in np.arange(0.5, 30, 0.8))
    >>> q = signal_quality(ecg + 0.01 * rng.standard_normal(t.size), 360.0)
    >>> list(q.grade)
    ['good', 'good', 'good']
    >>> q = signal_quality(rng.standard_normal(t.size), 360.0)   # pure noise
    >>> list(q.grade), bool(np.all(np.abs(q.ksqi - 3.0) < 0.3))
    (['unusable', 'unusable', 'unusable'], True)
    """
    c = _config(window_s, hop_s, psd_segment_s, adc_range_mv, dict(options))
    return _report(_core.signal.signal_quality(_signal._as_signal(x), float(fs_hz), c))


def window_quality(x: ArrayLike, fs_hz: float, *, psd_segment_s: float = 4.0,
                   adc_range_mv: Optional[Tuple[float, float]] = None,
                   **options) -> Dict[str, object]:
    """Quality of ``x`` taken as one window (at least ``psd_segment_s`` long).

    Returns a dict of scalars with the fields of :class:`QualityReport`.

    Examples
    --------
    >>> import numpy as np
    >>> q = window_quality(np.sin(2 * np.pi * 2.0 * np.arange(3600) / 360.0), 360.0)
    >>> round(q["ksqi"], 6), q["grade"]          # a sinusoid's kurtosis is 1.5
    (1.5, 'unusable')
    """
    c = _config(psd_segment_s, None, psd_segment_s, adc_range_mv, dict(options))
    r = _report(_core.signal.window_quality(_signal._as_signal(x), float(fs_hz), c))
    return {name: (value[0].item() if value.dtype.kind != "U" else str(value[0]))
            for name, value in r.as_dict().items()}


class QualityAssessor:
    """Streaming quality: the output of :func:`signal_quality`, whatever the chunking.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).standard_normal(25 * 360)
    >>> a = QualityAssessor(360.0, window_s=10.0)
    >>> [len(a.process(x[i:i + 1000])) for i in range(0, x.size, 1000)]
    [0, 0, 0, 1, 0, 0, 0, 1, 0]
    """

    def __init__(self, fs_hz: float, *, window_s: float = 10.0, hop_s: Optional[float] = None,
                 psd_segment_s: float = 4.0,
                 adc_range_mv: Optional[Tuple[float, float]] = None, **options) -> None:
        c = _config(window_s, hop_s, psd_segment_s, adc_range_mv, dict(options))
        self._impl = _core.signal.QualityAssessor(float(fs_hz), c)

    def process(self, chunk: ArrayLike) -> QualityReport:
        """Push the next chunk (mV); return the windows it completed (possibly none)."""
        return _report(self._impl.process(_signal._as_signal(chunk, "chunk")))

    def reset(self) -> None:
        """Start a new stream at sample 0, keeping the parameters."""
        self._impl.reset()

    @property
    def samples_seen(self) -> int:
        """Samples pushed since the stream started."""
        return self._impl.samples_seen

    def __repr__(self) -> str:
        return (f"QualityAssessor(fs_hz={self._impl.fs_hz}, window_samples="
                f"{self._impl.window_samples}, hop_samples={self._impl.hop_samples})")


def welch(x: ArrayLike, fs_hz: float, nperseg: int,
          noverlap: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density with a periodic Hann window.

    Equal to ``scipy.signal.welch(x, fs_hz, window='hann', nperseg=nperseg,
    noverlap=noverlap)`` with its other defaults (constant detrend, one-sided density, mean
    average). ``nperseg`` must be in ``[2, len(x)]``.

    Examples
    --------
    >>> import numpy as np
    >>> x = 1.5 * np.sin(2 * np.pi * 10.0 * np.arange(3600) / 360.0)
    >>> f, p = welch(x, 360.0, 1440)
    >>> float(f[np.argmax(p)]), round(band_power(f, p, 0.0, 180.0), 10)   # power A^2 / 2
    (10.0, 1.125)
    """
    return _core.signal.welch(_signal._as_signal(x), float(fs_hz), int(nperseg),
                              None if noverlap is None else int(noverlap))


def band_power(freqs_hz: ArrayLike, psd: ArrayLike, low_hz: float, high_hz: float) -> float:
    """Power in ``[low_hz, high_hz]``: sum of the PSD bins inside, times the bin width.

    Parameters
    ----------
    freqs_hz, psd : array_like of shape (n,)
        Evenly spaced frequencies and the PSD at each, as :func:`welch` returns them.
    low_hz, high_hz : float
        The band; both edges are inside.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.arange(0.0, 5.0, 0.5)                # bins 0.5 Hz wide
    >>> band_power(f, np.ones(f.size), 1.0, 2.0)    # bins 1, 1.5 and 2 Hz
    1.5
    """
    f = _signal._as_signal(freqs_hz, "freqs_hz")
    p = _signal._as_signal(psd, "psd")
    if f.shape != p.shape:
        raise ValueError(f"freqs_hz and psd must have the same shape, got {f.shape} and {p.shape}")
    return _core.signal.band_power(f, p, float(low_hz), float(high_hz))


@dataclass
class NoiseMix:
    """Result of :func:`add_noise_at_snr`.

    Attributes
    ----------
    noisy : numpy.ndarray
        ``clean + gain * noise``.
    gain : float
        The noise scale nst would use.
    signal_amplitude, noise_amplitude : float
        S (QRS peak-to-peak, trimmed mean) and N (1-s RMS, trimmed mean).
    snr_db : float
        The SNR asked for.

    Examples
    --------
    >>> import numpy as np
    >>> clean = np.zeros(7200); beats = np.arange(180, 7200, 360); clean[beats] = 2.0
    >>> noise = np.random.default_rng(0).standard_normal(7200)
    >>> m = add_noise_at_snr(clean, noise, 360.0, beats, snr_db=6.0)
    >>> m.snr_db, m.signal_amplitude, m.noisy.shape
    (6.0, 2.0, (7200,))
    >>> bool(np.allclose(m.noisy, clean + m.gain * noise))
    True
    """

    noisy: np.ndarray
    gain: float
    signal_amplitude: float
    noise_amplitude: float
    snr_db: float


def add_noise_at_snr(clean: ArrayLike, noise: ArrayLike, fs_hz: float,
                     reference_beats: ArrayLike, snr_db: float, *,
                     noise_offset_samples: int = 0) -> NoiseMix:
    """Add ``noise`` to ``clean`` at ``snr_db`` as PhysioNet's ``nst`` defines the SNR.

    Parameters
    ----------
    clean, noise : array_like
        Same sampling rate and units. The noise is used from ``noise_offset_samples`` and wraps
        around (without a step) when shorter than ``clean``.
    fs_hz : float
        Sampling rate in Hz.
    reference_beats : array_like of int
        Sample indices of the normal QRS complexes S is measured on (e.g. the annotations whose
        symbol passes :func:`nst_reference_beat`), strictly increasing.
    snr_db : float
        Target SNR in dB.

    Examples
    --------
    >>> import numpy as np
    >>> fs = 360.0
    >>> clean = np.zeros(7200); beats = np.arange(180, 7200, 360); clean[beats] = 2.0
    >>> noise = np.random.default_rng(0).standard_normal(7200)
    >>> m = add_noise_at_snr(clean, noise, fs, beats, 6.0)
    >>> m.signal_amplitude, round(nst_snr_db(m.signal_amplitude,
    ...                                      nst_noise_amplitude(m.noisy - clean, fs)), 9)
    (2.0, 6.0)
    """
    d = _core.signal.add_noise_at_snr(_signal._as_signal(clean, "clean"),
                                      _signal._as_signal(noise, "noise"), float(fs_hz),
                                      _as_peaks(reference_beats, "reference_beats"),
                                      float(snr_db), int(noise_offset_samples))
    return NoiseMix(**d)


def nst_signal_amplitude(x: ArrayLike, fs_hz: float, reference_beats: ArrayLike) -> float:
    """nst's S: 5 %-trimmed mean of the peak-to-peak amplitude within +-50 ms of the first 300
    reference beats (``sigamp -a``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(3600); beats = np.arange(180, 3600, 360); x[beats] = 2.0
    >>> nst_signal_amplitude(x, 360.0, beats)
    2.0
    """
    return _core.signal.nst_signal_amplitude(_signal._as_signal(x), float(fs_hz),
                                             _as_peaks(reference_beats, "reference_beats"))


def nst_noise_amplitude(noise: ArrayLike, fs_hz: float) -> float:
    """nst's N: 5 %-trimmed mean of the RMS of the first 300 one-second windows (``sigamp -r``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(2 * np.pi * 10.0 * np.arange(3600) / 360.0)   # RMS 1 / sqrt(2)
    >>> round(nst_noise_amplitude(x, 360.0), 6)
    0.707107
    """
    return _core.signal.nst_noise_amplitude(_signal._as_signal(noise, "noise"), float(fs_hz))


def nst_noise_gain(snr_db: float, signal_amplitude: float, noise_amplitude: float) -> float:
    """nst's noise gain ``10**(-snr_db / 20) * sqrt(2) / 4 * S / N``.

    Examples
    --------
    >>> round(nst_noise_gain(0.0, 2.0, 0.5), 12)
    1.414213562373
    """
    return _core.signal.nst_noise_gain(float(snr_db), float(signal_amplitude),
                                       float(noise_amplitude))


def nst_snr_db(signal_amplitude: float, noise_amplitude: float) -> float:
    """The SNR nst assigns to sizes S and N: ``10 log10(S**2 / 8 / N**2)`` dB.

    Examples
    --------
    >>> round(nst_snr_db(2.0, 0.5), 4)             # 10 log10(2)
    3.0103
    """
    return _core.signal.nst_snr_db(float(signal_amplitude), float(noise_amplitude))


def nst_reference_beat(symbol: str) -> bool:
    """True for the MIT-BIH beat symbols nst measures S on (WFDB ``map1`` NORMAL).

    Examples
    --------
    >>> [nst_reference_beat(s) for s in ("N", "A", "V", "F", "+")]
    [True, True, False, False, False]
    """
    return _core.signal.nst_reference_beat(str(symbol))
