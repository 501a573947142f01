"""Type stubs for the compiled module ecgad._core (see bindings/)."""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

class Error(RuntimeError): ...
class InvalidArgument(ValueError): ...
class FormatError(ValueError): ...
class IoError(OSError): ...
class StateError(RuntimeError): ...

_F64 = npt.NDArray[np.float64]
_F32 = npt.NDArray[np.float32]
_I64 = npt.NDArray[np.int64]

class signal:  # submodule
    @staticmethod
    def butter(order: int, cutoff_hz: List[float], btype: str, fs_hz: float) -> _F64: ...
    @staticmethod
    def butter_ba(order: int, cutoff_hz: List[float], btype: str, fs_hz: float) -> Tuple[_F64, _F64]: ...
    @staticmethod
    def iirnotch(w0_hz: float, q: float, fs_hz: float) -> Tuple[_F64, _F64]: ...
    @staticmethod
    def sosfilt(sos: _F64, x: _F64) -> _F64: ...
    @staticmethod
    def sosfilt_with_state(sos: _F64, x: _F64, zi: _F64) -> Tuple[_F64, _F64]: ...
    @staticmethod
    def sosfilt_zi(sos: _F64) -> _F64: ...
    @staticmethod
    def sosfiltfilt(sos: _F64, x: _F64, padlen: Optional[int] = None) -> _F64: ...
    @staticmethod
    def lfilter(b: _F64, a: _F64, x: _F64) -> _F64: ...
    @staticmethod
    def lfilter_zi(b: _F64, a: _F64) -> _F64: ...
    @staticmethod
    def filtfilt(b: _F64, a: _F64, x: _F64, padlen: Optional[int] = None) -> _F64: ...
    @staticmethod
    def resample_poly(x: _F64, up: int, down: int) -> _F64: ...
    @staticmethod
    def medfilt(x: _F64, kernel_size: int) -> _F64: ...
    @staticmethod
    def median_baseline(x: _F64, fs_hz: float, first_window_s: float = 0.2,
                        second_window_s: float = 0.6) -> _F64: ...
    @staticmethod
    def remove_median_baseline(x: _F64, fs_hz: float, first_window_s: float = 0.2,
                               second_window_s: float = 0.6) -> _F64: ...

    class SosFilter:
        def __init__(self, sos: _F64) -> None: ...
        def process(self, chunk: _F64) -> _F64: ...
        def reset(self) -> None: ...
        def settle(self, x0: float) -> None: ...
        state: _F64
        @property
        def sos(self) -> _F64: ...
        @property
        def n_sections(self) -> int: ...

    # beats (bindings/bind_beats.cpp); results are dicts of arrays, wrapped by ecgad._beats
    @staticmethod
    def segment_beats(x: _F64, fs_hz: float, r_peaks: _I64, before_s: float = 0.25,
                      after_s: float = 0.45, length: int = 140,
                      hr_window_beats: int = 8) -> Dict[str, Any]: ...

    class BeatSegmenter:
        def __init__(self, fs_hz: float, before_s: float = 0.25, after_s: float = 0.45,
                     length: int = 140, hr_window_beats: int = 8,
                     max_peak_delay_s: float = 1.0) -> None: ...
        def process(self, chunk: _F64, new_peaks: _I64) -> Dict[str, Any]: ...
        def flush(self) -> Dict[str, Any]: ...
        def reset(self) -> None: ...
        fs_hz: float
        samples_seen: int
        peaks_seen: int
        max_peak_delay_samples: int
        buffer_capacity_samples: int
        dropped_at_start: int
        dropped_at_end: int

    class BeatZScore:
        def __init__(self, constant_tolerance: float = 1e-6) -> None: ...
        def fit(self, beats: _F32) -> None: ...
        def transform(self, beats: _F32) -> _F32: ...
        def params(self) -> Dict[str, float]: ...
        @staticmethod
        def from_params(params: Dict[str, float]) -> "signal.BeatZScore": ...
        is_fitted: bool
        kind: str

    class BeatMinMax:
        def __init__(self, range_min: float = 0.0, range_max: float = 1.0,
                     constant_tolerance: float = 1e-6) -> None: ...
        def fit(self, beats: _F32) -> None: ...
        def transform(self, beats: _F32) -> _F32: ...
        def params(self) -> Dict[str, float]: ...
        @staticmethod
        def from_params(params: Dict[str, float]) -> "signal.BeatMinMax": ...
        is_fitted: bool
        kind: str

    class GlobalZScore:
        def __init__(self, constant_tolerance: float = 1e-6) -> None: ...
        def fit(self, beats: _F32) -> None: ...
        def transform(self, beats: _F32) -> _F32: ...
        def inverse_transform(self, beats: _F32) -> _F32: ...
        def params(self) -> Dict[str, float]: ...
        @staticmethod
        def from_params(params: Dict[str, float]) -> "signal.GlobalZScore": ...
        is_fitted: bool
        kind: str

    class GlobalMinMax:
        def __init__(self, range_min: float = 0.0, range_max: float = 1.0,
                     constant_tolerance: float = 1e-6) -> None: ...
        def fit(self, beats: _F32) -> None: ...
        def transform(self, beats: _F32) -> _F32: ...
        def inverse_transform(self, beats: _F32) -> _F32: ...
        def params(self) -> Dict[str, float]: ...
        @staticmethod
        def from_params(params: Dict[str, float]) -> "signal.GlobalMinMax": ...
        is_fitted: bool
        kind: str

    # quality and noise (bindings/bind_quality.cpp), wrapped by ecgad._quality
    @staticmethod
    def welch(x: _F64, fs_hz: float, nperseg: int,
              noverlap: Optional[int] = None) -> Tuple[_F64, _F64]: ...
    @staticmethod
    def band_power(freqs_hz: _F64, psd: _F64, low_hz: float, high_hz: float) -> float: ...

    class QualityThresholds:
        def __init__(self) -> None: ...
        ksqi_bad: float
        ksqi_good: float
        psqi_bad: float
        psqi_good: float
        bassqi_bad: float
        bassqi_good: float
        hf_share_good: float
        hf_share_bad: float
        flatline_good: float
        flatline_bad: float
        saturation_good: float
        saturation_bad: float
        good_score: float
        acceptable_score: float

    class QualityConfig:
        def __init__(self) -> None: ...
        window_s: float
        hop_s: float
        psd_segment_s: float
        flat_range_mv: float
        flat_min_s: float
        adc_min_mv: Optional[float]
        adc_max_mv: Optional[float]
        clip_tolerance_mv: float
        clip_min_s: float
        lead_off_std_mv: float
        lead_off_saturation: float
        thresholds: "signal.QualityThresholds"

    @staticmethod
    def signal_quality(x: _F64, fs_hz: float, config: "signal.QualityConfig") -> Dict[str, Any]: ...
    @staticmethod
    def window_quality(x: _F64, fs_hz: float, config: "signal.QualityConfig") -> Dict[str, Any]: ...

    class QualityAssessor:
        def __init__(self, fs_hz: float, config: "signal.QualityConfig") -> None: ...
        def process(self, chunk: _F64) -> Dict[str, Any]: ...
        def reset(self) -> None: ...
        fs_hz: float
        samples_seen: int
        window_samples: int
        hop_samples: int

    @staticmethod
    def add_noise_at_snr(clean: _F64, noise: _F64, fs_hz: float, reference_beats: _I64,
                         snr_db: float, noise_offset_samples: int = 0) -> Dict[str, Any]: ...
    @staticmethod
    def nst_signal_amplitude(x: _F64, fs_hz: float, reference_beats: _I64) -> float: ...
    @staticmethod
    def nst_noise_amplitude(noise: _F64, fs_hz: float) -> float: ...
    @staticmethod
    def nst_noise_gain(snr_db: float, signal_amplitude: float, noise_amplitude: float) -> float: ...
    @staticmethod
    def nst_snr_db(signal_amplitude: float, noise_amplitude: float) -> float: ...
    @staticmethod
    def nst_reference_beat(symbol: str) -> bool: ...

    # R-peak detection and EC57 scoring (bind_rpeaks.cpp; wrapped by ecgad._rpeaks)
    @staticmethod
    def find_rpeaks(x: _F64, fs_hz: float, method: str = "ecgad",
                    params: Dict[str, float] = ...) -> npt.NDArray[np.int64]: ...
    @staticmethod
    def rpeak_default_params(method: str) -> Dict[str, float]: ...

    class RpeakDetector:
        def __init__(self, fs_hz: float, method: str = "ecgad",
                     params: Dict[str, float] = ...) -> None: ...
        def process(self, chunk: _F64) -> npt.NDArray[np.int64]: ...
        def finish(self) -> npt.NDArray[np.int64]: ...
        def reset(self) -> None: ...
        @property
        def latency_samples(self) -> int: ...
        @property
        def samples_processed(self) -> int: ...
        @property
        def fs_hz(self) -> float: ...
        @property
        def method(self) -> str: ...

    class Ec57Record:
        tp: int
        fn: int
        fp: int
        @property
        def sensitivity(self) -> float: ...
        @property
        def positive_predictivity(self) -> float: ...
        @property
        def false_negatives(self) -> npt.NDArray[np.int64]: ...
        @property
        def false_positives(self) -> npt.NDArray[np.int64]: ...

    @staticmethod
    def score_detections(reference: npt.NDArray[np.int64], detections: npt.NDArray[np.int64],
                         fs_hz: float, vf_episodes: npt.NDArray[np.int64],
                         match_window_s: float = 0.15, start_s: float = 300.0) -> "signal.Ec57Record": ...
    @staticmethod
    def gross_score(records: List["signal.Ec57Record"]) -> "signal.Ec57Record": ...


class model:  # submodule
    @staticmethod
    def backend_info() -> Dict[str, Any]: ...
    @staticmethod
    def set_num_threads(n: int) -> None: ...
    @staticmethod
    def torch_self_check() -> float: ...

class io:  # submodule
    class WfdbSignalSpec:
        file_name: str
        format: int
        byte_offset: int
        adc_gain: float
        uncalibrated: bool
        baseline: int
        units: str
        adc_resolution_bits: int
        adc_zero: int
        initial_value: int
        has_initial_value: bool
        checksum: Optional[int]
        block_size: int
        description: str
        def __init__(self) -> None: ...

    class WfdbHeader:
        record_name: str
        fs_hz: float
        counter_freq_hz: float
        base_counter: float
        n_samples: int
        base_time: str
        base_date: str
        signals: List["io.WfdbSignalSpec"]
        comments: List[str]
        @property
        def n_signals(self) -> int: ...
        def __init__(self) -> None: ...

    @staticmethod
    def read_wfdb_header(record: str) -> "io.WfdbHeader": ...
    @staticmethod
    def read_wfdb(record: str, verify_checksums: bool = True, verify_initial_values: bool = True,
                  physical: bool = True
                  ) -> Tuple["io.WfdbHeader", npt.NDArray[np.int32], Optional[_F64]]: ...
    @staticmethod
    def write_wfdb(record: str, header: "io.WfdbHeader", adc: npt.NDArray[np.int32],
                   format: int) -> None: ...
    @staticmethod
    def physical_to_adc(signal: _F64, signals: List["io.WfdbSignalSpec"]
                        ) -> npt.NDArray[np.int32]: ...
    @staticmethod
    def is_writable_wfdb_format(format: int) -> bool: ...
    @staticmethod
    def read_annotations(file: str) -> Dict[str, Any]: ...
    @staticmethod
    def write_annotations(file: str, sample: npt.NDArray[np.int64], symbol: List[str],
                          code: List[int], sub_type: List[int], channel: List[int],
                          num: List[int], aux: List[bytes]) -> None: ...
    @staticmethod
    def vf_episodes(sample: npt.NDArray[np.int64], symbol: List[str],
                    end_sample: int) -> npt.NDArray[np.int64]: ...
    @staticmethod
    def annotation_symbol(code: int) -> str: ...
    @staticmethod
    def annotation_code(symbol: str) -> int: ...
    @staticmethod
    def annotation_description(code: int) -> str: ...
    @staticmethod
    def read_ucr(file: str) -> Tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]: ...
    @staticmethod
    def write_ucr(file: str, labels: List[int], values: npt.NDArray[np.float32],
                  delimiter: str) -> None: ...
    @staticmethod
    def read_csv(file: str, delimiter: str, header: str, label_name: Optional[str],
                 label_index: Optional[int]) -> Tuple[_F64, List[str], List[str], str]: ...
    @staticmethod
    def read_npy(file: str) -> npt.NDArray[Any]: ...
    @staticmethod
    def write_npy(file: str, array: npt.NDArray[Any]) -> None: ...

class synth:  # submodule (bindings/bind_synth.cpp), wrapped by ecgad.synth
    BEAT_TAGS: Dict[str, int]
    EPISODE_KINDS: Tuple[str, ...]
    DRIFT_KINDS: Tuple[str, ...]

    class EcgSynthConfig:
        def __init__(self) -> None: ...
        fs_hz: float
        duration_s: float
        heart_rate_bpm: float
        heart_rate_std_bpm: float
        lf_hf_ratio: float
        lf_hz: float
        lf_std_hz: float
        hf_hz: float
        hf_std_hz: float
        baseline_wander_mv: float
        noise_mv: float
        seed: int
        waves: List[Tuple[float, float, float]]

    class EpisodeSpec:
        def __init__(self, kind: str, start_s: float, duration_s: float,
                     magnitude: Optional[float] = None) -> None: ...
        kind: str
        start_s: float
        duration_s: float
        magnitude: Optional[float]

    class RandomEpisodes:
        def __init__(self, kind: str, rate_per_hour: float, mean_duration_s: float,
                     magnitude: Optional[float] = None) -> None: ...
        kind: str
        rate_per_hour: float
        mean_duration_s: float
        magnitude: Optional[float]

    class AnomalyConfig:
        def __init__(self) -> None: ...
        pvc_rate: float
        spb_rate: float
        st_elevation_rate: float
        st_depression_rate: float
        t_inversion_rate: float
        pvc_coupling_min: float
        pvc_coupling_max: float
        pvc_waves: List[Tuple[float, float, float]]
        spb_coupling_min: float
        spb_coupling_max: float
        spb_p_scale: float
        st_elevation_mv: float
        st_depression_mv: float
        t_inversion_scale: float
        af_heart_rate_bpm: float
        af_rr_cv: float
        af_fwave_mv: float
        af_fwave_hz: float
        emg_noise_mv: float
        motion_noise_mv: float
        episodes: List["synth.EpisodeSpec"]
        random_episodes: List["synth.RandomEpisodes"]

    class DriftChange:
        def __init__(self, kind: str, start_s: float, end_s: float, magnitude: float) -> None: ...
        kind: str
        start_s: float
        end_s: float
        magnitude: float

    @staticmethod
    def synthesize(ecg: "synth.EcgSynthConfig", anomalies: "synth.AnomalyConfig",
                   drift: List["synth.DriftChange"]) -> Dict[str, Any]: ...
    @staticmethod
    def ecgsyn(ecg: "synth.EcgSynthConfig") -> Dict[str, Any]: ...
    @staticmethod
    def is_gradual(kind: str) -> bool: ...
    @staticmethod
    def magnitude_unit(kind: str) -> str: ...
