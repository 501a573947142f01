"""Synthetic ECG: the project's built-in data source, with labelled anomalies and drift.

:func:`ecgsyn` is the ECGSYN dynamical model of McSharry, Clifford, Tarassenko & Smith (IEEE TBME
50(3):289-294, 2003): an RR tachogram with Mayer-wave and respiratory (RSA) peaks drives five
Gaussian events (P, Q, R, S, T) around a limit cycle; the output is in mV with exact R-peak
ground truth. :func:`synthesize` adds labelled anomalies (premature ventricular and
supraventricular beats, ST elevation/depression, T-wave inversion, atrial fibrillation episodes,
noise bursts) and drift scenarios with known change points, and returns the reference labels:
R-peak samples with MIT-BIH symbols and AAMI EC57 classes (like a WFDB ``.atr``), per-beat
anomaly tags, episodes and change points.

Everything is deterministic from ``seed``: the same arguments give the same bytes. Parameters are
in physical units (``fs_hz``, ``duration_s``, ``*_mv``, ``*_bpm``). Invalid arguments raise
:class:`ecgad.InvalidArgument` (a :class:`ValueError`) naming the field and its valid range.
The model, the anomaly and drift models and their references are described in ``docs/synth.md``.

Examples
--------
>>> from ecgad import synth
>>> rec = synth.synthesize(duration_s=60.0, fs_hz=250.0, seed=1, pvc_rate=0.1)
>>> rec.ecg_mv.shape, int(rec.samples.size) > 55, set(rec.symbols.tolist()) <= {"N", "V"}
((15000,), True, True)
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = [
    "BEAT_TAGS",
    "Change",
    "DRIFT_KINDS",
    "EPISODE_KINDS",
    "Episode",
    "RandomEpisodes",
    "SyntheticEcg",
    "SyntheticRecording",
    "baseline_wander_growth",
    "ecgsyn",
    "electrode_noise_onset",
    "gain_drift",
    "gain_step",
    "heart_rate_trend",
    "noise_rise",
    "polarity_inversion",
    "sampling_rate_mismatch",
    "synthesize",
]

#: Bit of each per-beat anomaly tag in :attr:`SyntheticRecording.tags`.
BEAT_TAGS: Dict[str, int] = dict(_core.synth.BEAT_TAGS)
#: Episode kinds: ``af``, ``st_elevation``, ``st_depression``, ``t_inversion``, ``noise_emg``,
#: ``noise_motion``.
EPISODE_KINDS: Tuple[str, ...] = tuple(_core.synth.EPISODE_KINDS)
#: Drift kinds; the first four are gradual, the others sudden.
DRIFT_KINDS: Tuple[str, ...] = tuple(_core.synth.DRIFT_KINDS)

Waves = Sequence[Sequence[float]]


@dataclasses.dataclass(frozen=True)
class SyntheticEcg:
    """Output of :func:`ecgsyn`.

    Attributes
    ----------
    ecg_mv : numpy.ndarray
        The ECG in mV, ``float64``.
    r_peaks : numpy.ndarray
        ``int64`` sample index of every R wave (its extremum nearest the R event).
    r_peak_times_s : numpy.ndarray
        Exact time of every R event, seconds from the first sample.
    rr_s : numpy.ndarray
        Successive differences of ``r_peak_times_s``.
    fs_hz : float
        Sampling rate.

    Examples
    --------
    >>> e = ecgsyn(duration_s=10.0, fs_hz=360.0, seed=1)
    >>> e
    SyntheticEcg(3600 samples at 360 Hz = 10 s, 10 R peaks)
    >>> bool(np.allclose(np.diff(e.r_peak_times_s), e.rr_s))
    True
    >>> bool(np.all(np.abs(e.r_peaks / e.fs_hz - e.r_peak_times_s) < 0.01))   # within 10 ms
    True
    """

    ecg_mv: np.ndarray
    r_peaks: np.ndarray
    r_peak_times_s: np.ndarray
    rr_s: np.ndarray
    fs_hz: float

    def __repr__(self) -> str:
        return (f"SyntheticEcg({self.ecg_mv.size} samples at {self.fs_hz:g} Hz = "
                f"{self.ecg_mv.size / self.fs_hz:g} s, {self.r_peaks.size} R peaks)")


@dataclasses.dataclass(frozen=True)
class SyntheticRecording:
    """Output of :func:`synthesize`: a recording and its ground truth.

    Attributes
    ----------
    ecg_mv : numpy.ndarray
        The recorded ECG in mV (model, f-waves, gain changes, then wander and noise).
    fs_hz : float
        The labelled sampling rate.
    samples : numpy.ndarray
        ``int64`` R-peak sample of every beat, in time order (the ``.atr`` sample column).
    symbols : numpy.ndarray
        MIT-BIH beat symbol per beat (``'N'``, ``'V'`` for a PVC, ``'A'`` for an SPB).
    aami : numpy.ndarray
        AAMI EC57 class per beat (``'N'``, ``'S'``, ``'V'``).
    tags : numpy.ndarray
        ``uint32`` per beat: OR of :data:`BEAT_TAGS` bits; 0 for a normal beat.
    r_peak_times_s : numpy.ndarray
        Exact R event time of every beat on the record's clock.
    episodes : list of dict
        ``kind``, ``start_sample``, ``end_sample`` (exclusive), ``start_s``, ``end_s``,
        ``magnitude`` of every AF, ST, T and noise episode, sorted by start.
    changes : list of dict
        ``kind``, ``gradual``, ``start_sample``, ``end_sample``, ``start_s``, ``end_s``,
        ``magnitude`` and its ``unit`` of every drift change, in the order given.

    Examples
    --------
    >>> rec = synthesize(duration_s=60.0, pvc_rate=0.1, seed=1)
    >>> rec
    SyntheticRecording(21600 samples at 360 Hz = 60 s, 60 beats (N=52, V=8), 0 episodes, \
0 drift changes)
    >>> rec.samples.dtype, rec.tags.dtype, int(rec.has_tag("pvc").sum())
    (dtype('int64'), dtype('uint32'), 8)
    """

    ecg_mv: np.ndarray
    fs_hz: float
    samples: np.ndarray
    symbols: np.ndarray
    aami: np.ndarray
    tags: np.ndarray
    r_peak_times_s: np.ndarray
    episodes: List[Dict[str, Any]]
    changes: List[Dict[str, Any]]

    def __repr__(self) -> str:
        classes = {c: int(np.count_nonzero(self.aami == c)) for c in "NSVFQ"}
        counts = ", ".join(f"{c}={n}" for c, n in classes.items() if n)
        return (f"SyntheticRecording({self.ecg_mv.size} samples at {self.fs_hz:g} Hz = "
                f"{self.ecg_mv.size / self.fs_hz:g} s, {self.samples.size} beats ({counts}), "
                f"{len(self.episodes)} episodes, {len(self.changes)} drift changes)")

    def has_tag(self, tag: str) -> np.ndarray:
        """Boolean mask of the beats carrying ``tag`` (a key of :data:`BEAT_TAGS`).

        Examples
        --------
        >>> rec = synthesize(duration_s=60.0, pvc_rate=0.2, seed=3)
        >>> bool(np.all(rec.symbols[rec.has_tag("pvc")] == "V"))
        True
        """
        if tag not in BEAT_TAGS:
            raise ValueError(f"unknown beat tag {tag!r}; expected one of {sorted(BEAT_TAGS)}")
        return (self.tags & np.uint32(BEAT_TAGS[tag])) != 0

    def tag_names(self, beat: int) -> List[str]:
        """Names of the tags of beat number ``beat`` (empty for a normal beat).

        Examples
        --------
        >>> rec = synthesize(duration_s=30.0, st_elevation_rate=1.0,
        ...                  episodes=[Episode("noise_emg", 0.0, 30.0)])
        >>> rec.tag_names(3)
        ['st_elevation', 'noisy']
        """
        bits = int(self.tags[beat])
        return [name for name, bit in BEAT_TAGS.items() if bits & bit]


@dataclasses.dataclass(frozen=True)
class Episode:
    """An episode placed by hand: ``kind`` over ``[start_s, start_s + duration_s)``.

    Parameters
    ----------
    kind : str
        One of :data:`EPISODE_KINDS`.
    start_s, duration_s : float
        Start and length in seconds.
    magnitude : float, optional
        In the kind's unit (``af``: f-wave rms mV; ``st_elevation`` / ``st_depression``: mV;
        ``t_inversion``: inverted/normal T amplitude; ``noise_emg`` / ``noise_motion``: rms mV);
        ``None`` takes the default of :func:`synthesize`'s options.

    Examples
    --------
    >>> rec = synthesize(duration_s=60.0, seed=1, episodes=[Episode("af", 20.0, 10.0)])
    >>> e = rec.episodes[0]
    >>> e["kind"], e["start_sample"], e["end_sample"], e["magnitude"]    # 360 Hz; af_fwave_mv
    ('af', 7200, 10800, 0.05)
    """

    kind: str
    start_s: float
    duration_s: float
    magnitude: Optional[float] = None


@dataclasses.dataclass(frozen=True)
class RandomEpisodes:
    """Episodes of ``kind`` placed at random from the seed.

    Off-times between episodes are exponential with mean ``3600 / rate_per_hour`` s; durations
    are uniform in ``[0.5, 1.5] * mean_duration_s``. Candidates overlapping an episode of the same
    kind (or ST elevation vs depression) are dropped.

    Parameters
    ----------
    kind : str
        One of :data:`EPISODE_KINDS`.
    rate_per_hour : float
        Mean number of episodes per hour.
    mean_duration_s : float
        Mean episode length in seconds.
    magnitude : float, optional
        As for :class:`Episode`; ``None`` takes the default of :func:`synthesize`'s options.

    Examples
    --------
    >>> rec = synthesize(duration_s=600.0, seed=1,
    ...                  random_episodes=[RandomEpisodes("noise_emg", 30.0, 5.0)])
    >>> spans = [e["end_s"] - e["start_s"] for e in rec.episodes]
    >>> len(spans) > 0, all(2.5 <= s <= 7.5 for s in spans)
    (True, True)
    """

    kind: str
    rate_per_hour: float
    mean_duration_s: float
    magnitude: Optional[float] = None


@dataclasses.dataclass(frozen=True)
class Change:
    """One drift change. Gradual kinds ramp linearly from ``start_s`` to ``end_s`` and hold;
    sudden kinds act from ``start_s`` on (``end_s`` is ``start_s``). See :data:`DRIFT_KINDS`
    and the helper constructors (:func:`gain_step`, :func:`heart_rate_trend`, ...).

    Parameters
    ----------
    kind : str
        One of :data:`DRIFT_KINDS`.
    start_s : float
        When the change starts, in seconds.
    end_s : float, optional
        When a gradual change reaches its full size; None means ``start_s``.
    magnitude : float
        The full size, in the kind's unit (``SyntheticRecording.changes`` names it).

    Examples
    --------
    >>> rec = synthesize(duration_s=60.0, seed=1, drift=[Change("gain_step", 30.0, magnitude=1.0)])
    >>> c = rec.changes[0]
    >>> c["gradual"], c["start_sample"], c["end_s"], c["unit"]
    (False, 10800, 30.0, 'relative gain change')
    """

    kind: str
    start_s: float
    end_s: Optional[float] = None
    magnitude: float = 0.0


def heart_rate_trend(start_s: float, end_s: float, delta_bpm: float) -> Change:
    """Mean heart rate moves linearly by ``delta_bpm`` between ``start_s`` and ``end_s``.

    Every beat's QRS and QT follow the rate (ECGSYN's heart-rate scaling).

    Examples
    --------
    >>> rec = synthesize(duration_s=120.0, heart_rate_std_bpm=0.0,
    ...                  drift=[heart_rate_trend(40.0, 60.0, 30.0)])
    >>> rr = np.diff(rec.r_peak_times_s)
    >>> round(60.0 / rr[:30].mean()), round(60.0 / rr[-30:].mean())
    (60, 90)
    """
    return Change("heart_rate_trend", start_s, end_s, delta_bpm)


def gain_drift(start_s: float, end_s: float, relative_change: float) -> Change:
    """Gain moves linearly from 1 to ``1 + relative_change`` (> -1).

    Examples
    --------
    >>> gain_drift(10.0, 70.0, -0.3)
    Change(kind='gain_drift', start_s=10.0, end_s=70.0, magnitude=-0.3)
    """
    return Change("gain_drift", start_s, end_s, relative_change)


def baseline_wander_growth(start_s: float, end_s: float, rms_mv: float) -> Change:
    """Added baseline wander (0.05-0.3 Hz) grows linearly from 0 to ``rms_mv``.

    Examples
    --------
    >>> baseline_wander_growth(0.0, 600.0, 0.3).magnitude
    0.3
    """
    return Change("baseline_wander_growth", start_s, end_s, rms_mv)


def noise_rise(start_s: float, end_s: float, rms_mv: float) -> Change:
    """Added muscle noise (12-70 Hz) grows linearly from 0 to ``rms_mv``.

    Examples
    --------
    >>> base = synthesize(duration_s=60.0, seed=1)
    >>> rec = synthesize(duration_s=60.0, seed=1, drift=[noise_rise(20.0, 40.0, 0.05)])
    >>> d = rec.ecg_mv - base.ecg_mv
    >>> bool(np.all(d[:20 * 360] == 0.0)), round(float(np.sqrt(np.mean(d[40 * 360:] ** 2))), 2)
    (True, 0.05)
    """
    return Change("noise_rise", start_s, end_s, rms_mv)


def gain_step(start_s: float, relative_change: float) -> Change:
    """Gain multiplied by ``1 + relative_change`` from ``start_s`` on.

    Examples
    --------
    >>> base = synthesize(duration_s=20.0, seed=2)
    >>> rec = synthesize(duration_s=20.0, seed=2, drift=[gain_step(10.0, 1.0)])
    >>> bool(np.array_equal(rec.ecg_mv[3600:], 2.0 * base.ecg_mv[3600:]))
    True
    """
    return Change("gain_step", start_s, start_s, relative_change)


def polarity_inversion(start_s: float) -> Change:
    """Signal inverted from ``start_s`` on (a lead reversal: an LA/RA swap inverts lead I).

    Examples
    --------
    >>> rec = synthesize(duration_s=20.0, drift=[polarity_inversion(10.0)])
    >>> r = rec.samples[rec.samples > 3600]
    >>> bool(np.all(rec.ecg_mv[r] < -0.9))
    True
    """
    return Change("polarity_inversion", start_s, start_s, -1.0)


def electrode_noise_onset(start_s: float, rms_mv: float) -> Change:
    """Electrode-motion noise (0.5-12 Hz) of ``rms_mv`` from ``start_s`` on.

    Examples
    --------
    >>> rec = synthesize(duration_s=60.0, drift=[electrode_noise_onset(30.5, 0.2)])
    >>> rec.changes[0]["start_sample"], rec.changes[0]["gradual"]
    (10980, False)
    """
    return Change("electrode_noise_onset", start_s, start_s, rms_mv)


def sampling_rate_mismatch(start_s: float, actual_over_labelled: float) -> Change:
    """From ``start_s`` the record holds a signal sampled at ``actual_over_labelled * fs_hz``
    but labelled ``fs_hz`` (in [0.25, 4], != 1; > 1 looks slowed down).

    Examples
    --------
    >>> rec = synthesize(duration_s=120.0, heart_rate_std_bpm=0.0,
    ...                  drift=[sampling_rate_mismatch(60.0, 2.0)])   # 720 Hz read as 360 Hz
    >>> rr = np.diff(rec.r_peak_times_s)
    >>> round(float(rr[:20].mean()), 3), round(float(rr[-20:].mean()), 3)
    (1.0, 2.0)
    """
    return Change("sampling_rate_mismatch", start_s, start_s, actual_over_labelled)


_ANOMALY_OPTIONS = (
    "pvc_coupling_min", "pvc_coupling_max", "pvc_waves", "spb_coupling_min", "spb_coupling_max",
    "spb_p_scale", "st_elevation_mv", "st_depression_mv", "t_inversion_scale",
    "af_heart_rate_bpm", "af_rr_cv", "af_fwave_mv", "af_fwave_hz", "emg_noise_mv",
    "motion_noise_mv",
)


def _waves(waves: Waves, name: str) -> List[Tuple[float, float, float]]:
    arr = np.asarray(waves, dtype=np.float64)
    if arr.shape != (5, 3):
        raise ValueError(f"{name} must be 5 rows (P, Q, R, S, T) of (angle_deg, amplitude, "
                         f"width_rad), got an array of shape {arr.shape}")
    return [tuple(float(v) for v in row) for row in arr]  # type: ignore[misc]


def _ecg_config(duration_s: float, fs_hz: float, heart_rate_bpm: float,
                heart_rate_std_bpm: float, lf_hf_ratio: float, lf_hz: float, lf_std_hz: float,
                hf_hz: float, hf_std_hz: float, baseline_wander_mv: float, noise_mv: float,
                seed: int, waves: Optional[Waves]) -> Any:
    c = _core.synth.EcgSynthConfig()
    c.duration_s = float(duration_s)
    c.fs_hz = float(fs_hz)
    c.heart_rate_bpm = float(heart_rate_bpm)
    c.heart_rate_std_bpm = float(heart_rate_std_bpm)
    c.lf_hf_ratio = float(lf_hf_ratio)
    c.lf_hz = float(lf_hz)
    c.lf_std_hz = float(lf_std_hz)
    c.hf_hz = float(hf_hz)
    c.hf_std_hz = float(hf_std_hz)
    c.baseline_wander_mv = float(baseline_wander_mv)
    c.noise_mv = float(noise_mv)
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed}")
    c.seed = seed
    if waves is not None:
        c.waves = _waves(waves, "waves")
    return c


def _as(cls: type, item: Union[Any, Mapping[str, Any]], what: str) -> Any:
    if isinstance(item, cls):
        return item
    if isinstance(item, Mapping):
        try:
            return cls(**item)
        except TypeError as e:
            raise ValueError(f"{what}: {e}") from None
    raise ValueError(f"{what} must be a {cls.__name__} or a dict, got {type(item).__name__}")


def _optional_float(x: Optional[float]) -> Optional[float]:
    return None if x is None else float(x)


def ecgsyn(*, duration_s: float = 10.0, fs_hz: float = 360.0, heart_rate_bpm: float = 60.0,
           heart_rate_std_bpm: float = 1.0, lf_hf_ratio: float = 0.5, lf_hz: float = 0.1,
           lf_std_hz: float = 0.01, hf_hz: float = 0.25, hf_std_hz: float = 0.01,
           baseline_wander_mv: float = 0.15, noise_mv: float = 0.0, seed: int = 0,
           waves: Optional[Waves] = None) -> SyntheticEcg:
    """Generate a synthetic ECG with the ECGSYN model (McSharry et al., IEEE TBME 2003).

    Parameters
    ----------
    duration_s : float
        Record length, (0, 48 h].
    fs_hz : float
        Sampling rate, [50, 2000] Hz.
    heart_rate_bpm, heart_rate_std_bpm : float
        Mean heart rate in [20, 250] bpm and its standard deviation in [0, mean / 10].
    lf_hf_ratio : float
        LF (Mayer wave, ``lf_hz``) over HF (respiratory sinus arrhythmia, ``hf_hz``) power of
        the RR tachogram; ``lf_std_hz`` and ``hf_std_hz`` are the widths of the two peaks.
    baseline_wander_mv : float
        Amplitude of the respiratory baseline the model relaxes towards (at ``hf_hz``).
    noise_mv : float
        Standard deviation of additive white Gaussian noise.
    seed : int
        Seeds the tachogram and the noise; same arguments, same bytes.
    waves : array_like, optional
        5 x 3 (angle_deg, amplitude, width_rad) of P, Q, R, S, T at 60 bpm; default the
        reference code's ``[(-70, 1.2, 0.25), (-15, -5, 0.1), (0, 30, 0.1), (15, -7.5, 0.1),
        (100, 0.75, 0.4)]``.

    Returns
    -------
    SyntheticEcg

    Examples
    --------
    >>> e = ecgsyn(duration_s=30.0, fs_hz=250.0, heart_rate_bpm=75.0, seed=1)
    >>> e.ecg_mv.shape, e.ecg_mv.dtype
    ((7500,), dtype('float64'))
    >>> round(60.0 / float(e.rr_s.mean()))
    75
    >>> 1.0 < float(np.median(e.ecg_mv[e.r_peaks])) < 1.3   # R waves of ~1.15 mV
    True
    """
    cfg = _ecg_config(duration_s, fs_hz, heart_rate_bpm, heart_rate_std_bpm, lf_hf_ratio, lf_hz,
                      lf_std_hz, hf_hz, hf_std_hz, baseline_wander_mv, noise_mv, seed, waves)
    d = _core.synth.ecgsyn(cfg)
    return SyntheticEcg(d["ecg_mv"], d["r_peaks"], d["r_peak_times_s"], d["rr_s"], d["fs_hz"])


def synthesize(*, duration_s: float = 60.0, fs_hz: float = 360.0, heart_rate_bpm: float = 60.0,
               heart_rate_std_bpm: float = 1.0, lf_hf_ratio: float = 0.5, lf_hz: float = 0.1,
               lf_std_hz: float = 0.01, hf_hz: float = 0.25, hf_std_hz: float = 0.01,
               baseline_wander_mv: float = 0.15, noise_mv: float = 0.0, seed: int = 0,
               waves: Optional[Waves] = None, pvc_rate: float = 0.0, spb_rate: float = 0.0,
               st_elevation_rate: float = 0.0, st_depression_rate: float = 0.0,
               t_inversion_rate: float = 0.0,
               episodes: Iterable[Union[Episode, Mapping[str, Any]]] = (),
               random_episodes: Iterable[Union[RandomEpisodes, Mapping[str, Any]]] = (),
               drift: Iterable[Union[Change, Mapping[str, Any]]] = (),
               **options: Any) -> SyntheticRecording:
    """Generate a synthetic recording with labelled anomalies and drift.

    The ECG parameters are those of :func:`ecgsyn`. Per-beat anomalies are drawn independently
    for every beat from the seed; the first beat is never ectopic, and ST/T changes are not
    applied to PVCs.

    Parameters
    ----------
    pvc_rate, spb_rate : float
        Probability that a beat is a premature ventricular beat (early, wide QRS, no P,
        discordant T, fully compensatory pause; symbol ``'V'``, AAMI V) or a supraventricular
        premature beat (early, normal QRS, inverted P, sinus reset; ``'A'``, AAMI S). Sum <= 1.
    st_elevation_rate, st_depression_rate, t_inversion_rate : float
        Per-beat probabilities of an ST shift (tags only: these are not EC57 classes).
    episodes : iterable of Episode or dict
        Episodes placed by hand (kinds in :data:`EPISODE_KINDS`).
    random_episodes : iterable of RandomEpisodes or dict
        Episodes placed at random.
    drift : iterable of Change or dict
        The drift scenario (see :data:`DRIFT_KINDS` and the constructors such as
        :func:`gain_step`).
    **options
        Fine-tuning of the anomaly models, in units: ``pvc_coupling_min`` / ``_max`` (0.55,
        0.70 of the sinus RR), ``pvc_waves`` (5 x 3 like ``waves``), ``spb_coupling_min`` /
        ``_max`` (0.60, 0.80), ``spb_p_scale`` (-0.5), ``st_elevation_mv`` (0.2),
        ``st_depression_mv`` (0.15), ``t_inversion_scale`` (1.0), ``af_heart_rate_bpm`` (100),
        ``af_rr_cv`` (0.25), ``af_fwave_mv`` (0.05 rms), ``af_fwave_hz`` (6), ``emg_noise_mv``
        (0.1 rms), ``motion_noise_mv`` (0.3 rms).

    Returns
    -------
    SyntheticRecording

    Raises
    ------
    ecgad.InvalidArgument
        A value out of range, naming the field (e.g. ``anomalies.pvc_rate``,
        ``drift.changes[0] (gain_step).start_s``).
    ValueError
        A malformed argument (unknown option, wrong shape of ``waves``).

    Examples
    --------
    >>> from ecgad import synth
    >>> rec = synth.synthesize(
    ...     duration_s=300.0, fs_hz=250.0, seed=7, pvc_rate=0.05, spb_rate=0.03,
    ...     episodes=[synth.Episode("af", start_s=120.0, duration_s=60.0),
    ...               synth.Episode("noise_emg", start_s=200.0, duration_s=10.0)],
    ...     drift=[synth.gain_step(250.0, -0.5)])
    >>> sorted(set(rec.symbols.tolist()))
    ['A', 'N', 'V']
    >>> bool(np.all(rec.aami[rec.symbols == "A"] == "S"))
    True
    >>> [(e["kind"], e["start_sample"], e["end_sample"]) for e in rec.episodes]
    [('af', 30000, 45000), ('noise_emg', 50000, 52500)]
    >>> c = rec.changes[0]
    >>> c["kind"], c["start_sample"], c["magnitude"], c["unit"]
    ('gain_step', 62500, -0.5, 'relative gain change')
    >>> af = rec.has_tag("af")
    >>> bool(np.all((rec.r_peak_times_s[af] >= 120.0) & (rec.r_peak_times_s[af] < 180.0)))
    True
    """
    ecg = _ecg_config(duration_s, fs_hz, heart_rate_bpm, heart_rate_std_bpm, lf_hf_ratio, lf_hz,
                      lf_std_hz, hf_hz, hf_std_hz, baseline_wander_mv, noise_mv, seed, waves)
    a = _core.synth.AnomalyConfig()
    a.pvc_rate = float(pvc_rate)
    a.spb_rate = float(spb_rate)
    a.st_elevation_rate = float(st_elevation_rate)
    a.st_depression_rate = float(st_depression_rate)
    a.t_inversion_rate = float(t_inversion_rate)
    for name, value in options.items():
        if name not in _ANOMALY_OPTIONS:
            raise ValueError(f"unknown option {name!r}; expected one of {list(_ANOMALY_OPTIONS)}")
        setattr(a, name, _waves(value, name) if name == "pvc_waves" else float(value))
    specs = []
    for i, item in enumerate(episodes):
        e = _as(Episode, item, f"episodes[{i}]")
        specs.append(_core.synth.EpisodeSpec(str(e.kind), float(e.start_s), float(e.duration_s),
                                             _optional_float(e.magnitude)))
    a.episodes = specs
    randoms = []
    for i, item in enumerate(random_episodes):
        r = _as(RandomEpisodes, item, f"random_episodes[{i}]")
        randoms.append(_core.synth.RandomEpisodes(str(r.kind), float(r.rate_per_hour),
                                                  float(r.mean_duration_s),
                                                  _optional_float(r.magnitude)))
    a.random_episodes = randoms
    changes = []
    for i, item in enumerate(drift):
        c = _as(Change, item, f"drift[{i}]")
        end_s = c.start_s if c.end_s is None else c.end_s
        changes.append(_core.synth.DriftChange(str(c.kind), float(c.start_s), float(end_s),
                                               float(c.magnitude)))
    d = _core.synth.synthesize(ecg, a, changes)
    n = len(d["samples"])
    symbols = np.array(list(d["symbols"]), dtype="<U1").reshape(n)
    aami = np.array(list(d["aami"]), dtype="<U1").reshape(n)
    return SyntheticRecording(d["ecg_mv"], d["fs_hz"], d["samples"], symbols, aami, d["tags"],
                              d["r_peak_times_s"], d["episodes"], d["changes"])
