"""A scikit-learn-style anomaly detector: fit on normal beats (or raw ECG), score, predict.

:class:`AnomalyDetector` wraps the whole ecgad model life in the estimator conventions data
scientists know from scikit-learn's outlier detectors (``IsolationForest``,
``LocalOutlierFactor(novelty=True)``) and PyOD:

- ``fit(X)`` trains an autoencoder (:class:`ecgad.model.Autoencoder`) on normal beats, holds
  out ``calibration_fraction`` of them and calibrates the threshold and the conformal p-values
  on their reconstruction errors; ``fit(signal, fs=360.0)`` does the same from raw ECG, through
  the preprocessing chain of the pipelines (band-pass, R peaks, beats, patient-relative inputs).
- ``score_samples`` follows scikit-learn: **higher is more normal** (it is minus the
  reconstruction error); :meth:`~AnomalyDetector.reconstruction_error` gives the error itself
  (higher is more anomalous, as in PyOD).
- ``decision_function = score_samples - offset_``: negative for anomalies (``offset_`` is
  ``-threshold_``).
- ``predict`` returns **1 for normal, -1 for anomalous** beats (scikit-learn's outlier
  convention; ``(predict(X) == -1)`` is the anomaly mask).
- ``predict_pvalues`` gives conformal p-values (small = anomalous; a normal beat has
  ``P(p <= a) <= a``), the calibrated analogue of ``predict_proba``.
- ``get_params``/``set_params``/``sklearn.base.clone`` work; fitted attributes end with ``_``.
- Pickling goes through the model bundle's bytes (``to_bytes``/``from_bytes``), so the detector
  travels to joblib, multiprocessing and Dask workers and back with identical scores; ``save``
  writes the same bundle to a file that C++ loads (``ecgad::pipeline::ModelPackage`` for a
  detector fitted on raw ECG; the ``ecgad`` CLI scores with it) and :meth:`load` reads bundles
  the C++ training pipeline (``ecgad train``) wrote.

Inputs are converted once: beats to a C-contiguous ``float32`` ``(n_beats, n_features)`` array
(a ``float32`` C-contiguous array is used in place; ``float64``, integer, Fortran-ordered or
strided arrays, lists and pandas DataFrames are copied once), signals to ``float64``. Wrong
shapes, dtypes, NaN/Inf and unknown parameter values raise :class:`ValueError` saying what was
expected.

Scoring runs on the lean Eigen runtime (:class:`ecgad.runtime.RuntimeModel`) for ``dense`` and
``conv1d`` models -- the code C++ serving runs -- and releases the GIL, so threads score in
parallel.

Examples
--------
>>> import numpy as np
>>> import ecgad
>>> rng = np.random.default_rng(0)
>>> t = np.linspace(0.0, 1.0, 64)
>>> normal = (np.exp(-((t - 0.4) / 0.03) ** 2)
...           + 0.02 * rng.standard_normal((600, 64))).astype(np.float32)
>>> det = ecgad.AnomalyDetector(alpha=0.01, epochs=30, seed=0).fit(normal)
>>> det
AnomalyDetector(epochs=30)
>>> odd = normal[:5] + 0.5 * np.sin(6 * np.pi * t)       # a deformed beat shape
>>> det.predict(np.vstack([normal[-5:], odd]))
array([ 1,  1,  1,  1,  1, -1, -1, -1, -1, -1])
>>> bool(det.predict_pvalues(odd).max() <= 0.01)
True
"""
from __future__ import annotations

import copy
import inspect
import json
import math
import os
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _core, artifact, calibrate, model, runtime
from ._arrays import real_array
from .pipeline import ModelPackage
from .pipeline import _fs as _pipeline_fs

__all__ = ["AnomalyDetector", "NotFittedError", "SignalBeats"]

PathLike = Union[str, "os.PathLike[str]"]

_THRESHOLDS = ("conformal", "mean_std", "mad", "quantile", "pot")
_SCORES = ("mae", "mse", "max")
_ARCHITECTURES = ("dense", "conv1d", "lstm")
_ESTIMATOR_KEY = "estimator"  # extra bundle metadata: this class's parameters and threshold


class NotFittedError(ValueError, AttributeError):
    """Raised when a detector is used before :meth:`AnomalyDetector.fit`.

    Like ``sklearn.exceptions.NotFittedError`` it is both a :class:`ValueError` and an
    :class:`AttributeError`.

    Examples
    --------
    >>> import numpy as np
    >>> AnomalyDetector().predict(np.zeros((1, 8)))
    Traceback (most recent call last):
    ...
    ecgad.estimator.NotFittedError: this AnomalyDetector is not fitted yet: call fit(X) with normal beats (or fit(signal, fs=...)) first
    """


class SignalBeats(NamedTuple):
    """The beats the preprocessing chain found in a raw ECG signal, one row per beat.

    Attributes
    ----------
    inputs : numpy.ndarray of float32, shape (n_beats, n_features)
        Model inputs (what :meth:`AnomalyDetector.score_samples` scores).
    beats : numpy.ndarray of float32, shape (n_beats, beat_length)
        The band-passed beats (mV) around each R peak, for plots.
    time_s : numpy.ndarray of float64
        R-peak times from the start of the signal, seconds.
    sample_index : numpy.ndarray of int64
        R-peak sample indices.
    heart_rate_bpm : numpy.ndarray of float64
        Local median heart rate (NaN before the first RR interval).
    usable : numpy.ndarray of bool
        Beats ``fit`` trains on: the patient reference is warm, signal quality is known and not
        unusable, heart rate is known.
    premature : numpy.ndarray of bool
        RR-before shorter than ``premature_rr_ratio`` times the local median RR.

    Examples
    --------
    >>> import ecgad
    >>> x = ecgad.synth.synthesize(duration_s=30.0, seed=1).ecg_mv
    >>> b = AnomalyDetector.segment(x, fs=360.0)
    >>> b.inputs.shape[1], b.beats.shape[1], bool((b.time_s > 0).all())
    (142, 140, True)
    """

    inputs: np.ndarray
    beats: np.ndarray
    time_s: np.ndarray
    sample_index: np.ndarray
    heart_rate_bpm: np.ndarray
    usable: np.ndarray
    premature: np.ndarray


# ----------------------------------------------------------------------------- input checks


def _is_pandas(x: Any, kind: str) -> bool:
    mod = type(x).__module__
    return mod.startswith("pandas") and type(x).__name__ == kind


def _check_finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = f"row {bad[0]}, column {bad[1]}" if arr.ndim == 2 else f"index {bad[0]}"
        raise ValueError(f"{name} holds NaN or infinite values (first at {where}); expected "
                         "finite numbers")


def _feature_names(X: Any) -> Optional[List[str]]:
    if _is_pandas(X, "DataFrame"):
        names = [str(c) for c in X.columns]
        if all(isinstance(c, str) for c in X.columns):
            return names
    return None


def _beat_matrix(X: Any, n_features: Optional[int] = None, name: str = "X") -> np.ndarray:
    """X as C-contiguous float32 (n_beats, n_features), converted at most once."""
    arr = real_array(X, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of beats of shape (n_beats, n_features), got "
            f"{arr.ndim}-D shape {arr.shape}; for a raw ECG signal pass its sampling rate, "
            f"e.g. fs=360.0; for one beat, Reshape your data with X.reshape(1, -1)")
    for count, what in ((arr.shape[0], "sample(s)"), (arr.shape[1], "feature(s)")):
        if count == 0:  # worded as scikit-learn's check_array
            raise ValueError(f"Found array with 0 {what} (shape={arr.shape}) while a minimum of "
                             f"1 is required: {name} needs at least one beat of one value")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features per beat, but this AnomalyDetector "
                         f"was fitted with {n_features}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    _check_finite(arr, name)
    return arr


def _signal(x: Any, name: str = "signal") -> np.ndarray:
    if _is_pandas(x, "DataFrame"):
        if x.shape[1] != 1:
            raise ValueError(f"{name}: a DataFrame signal must have one column (one lead), got "
                             f"{x.shape[1]} columns; select the lead, e.g. df['MLII']")
        x = x.iloc[:, 0]
    arr = real_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of ECG samples in mV, shape (n_samples,), "
                         f"got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; expected ECG samples in mV")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    _check_finite(arr, name)
    return arr


def _signals(X: Any) -> List[np.ndarray]:
    """One signal, or a list/tuple of signals (several recordings)."""
    if isinstance(X, (list, tuple)) and X and not np.isscalar(X[0]):
        return [_signal(x, f"signal {i}") for i, x in enumerate(X)]
    return [_signal(X)]


def _mask(exclude: Any, n: int, what: str) -> np.ndarray:
    """``exclude`` as a bool mask of length n (all False when None)."""
    if exclude is None:
        return np.zeros(n, dtype=bool)
    m = real_array(exclude, "exclude", "0/1 or bool flags")
    if m.shape != (n,):
        raise ValueError(f"exclude must hold one flag per beat: expected shape ({n},) for the "
                         f"{n} {what}, got shape {m.shape}")
    if not np.isin(m, (0, 1)).all():
        raise ValueError("exclude must hold 0/1 or bool flags")
    return m.astype(bool)


def _fs(fs: Any) -> float:
    if fs is None:  # pipeline's _fs reads None as "the model's rate"
        raise ValueError("fs must be a number of Hz, got None")
    return _pipeline_fs(fs, "fs")


def _choice(value: Any, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}")
    return str(value)


# ----------------------------------------------------------------------------- the estimator


class AnomalyDetector:
    """Autoencoder anomaly detector for ECG beats with calibrated thresholds and p-values.

    Parameters
    ----------
    architecture : {'dense', 'conv1d', 'lstm'}, default 'dense'
        The autoencoder (``docs/model.md``). Its input width is taken from ``X`` at fit time
        (``length = n_features``; ``conv1d`` needs it divisible by 4) or, on raw ECG, from the
        preprocessing (140 beat points + 2 RR features).
    architecture_options : dict, optional
        Overrides of the architecture preset, e.g. ``{"hidden": [64, 16, 8]}``,
        ``{"conv_channels": [8, 16], "latent": 12}``, ``{"output_activation": "sigmoid"}``.
        The output activation defaults to ``"linear"``, right for beats in mV or standardised.
    threshold : {'conformal', 'mean_std', 'mad', 'quantile', 'pot'} or float, default 'conformal'
        How ``threshold_`` is set from the calibration errors: ``conformal`` -- the conformal
        target-FPR threshold at ``alpha`` (a normal beat is flagged with probability at most
        ``alpha``); ``mean_std`` -- mean + ``k`` standard deviations; ``mad`` -- median +
        ``k`` scaled MADs; ``quantile`` -- the empirical ``1 - alpha`` quantile; ``pot`` -- the
        ``alpha`` extreme quantile of a generalised-Pareto tail fitted to the errors above
        their ``min(0.98, 1 - 20/n)`` quantile (peaks over threshold, at least 20 peaks); a
        number -- that fixed reconstruction error.
    alpha : float, default 0.01
        Target false-positive rate of ``conformal``, ``quantile`` and ``pot``; also the
        ``alpha_anomaly`` of the p-value decision band stored in the bundle.
    alpha_normal : float, optional
        Upper end of the stored decision band (p-values between ``alpha`` and this are
        "uncertain" for C++ serving, routed to review); default ``min(5 * alpha, 1)``.
    k : float, default 3.0
        Width of ``mean_std`` and ``mad`` thresholds.
    error_metric : {'mae', 'mse', 'max'}, default 'mae'
        The reconstruction error that is the anomaly score: mean absolute, mean squared or
        largest absolute difference over the input row.
    calibration_fraction : float, default 0.2
        Share of the fitted beats held out (seeded) to calibrate; the rest trains.
    validation_fraction : float, default 0.1
        Share of the training beats used for early stopping (0 disables validation).
    epochs, batch_size, learning_rate : int, int, float
        Adam training (``torch.optim.Adam`` semantics), default 40 epochs of 256 at 1e-3.
    loss : {'mae', 'mse'}, default 'mae'
    early_stopping : bool, default True
        Stop after ``patience`` epochs without validation improvement; best weights kept.
    patience : int, default 6
    preprocessing : dict, optional
        For ``fit(signal, fs=...)``: overrides of the pipelines' preprocessing document
        (``ecgad.pipeline.default_config()["preprocessing"]``), e.g. ``{"bandpass_hz":
        [0.5, 30.0]}``. ``fs_hz`` always comes from ``fs``.
    seed : int, default 0
        Seeds the weights, the calibration split and the shuffles: same seed, data and thread
        count give the same model bit for bit.
    verbose : bool, default False
        Print a progress line per epoch.

    Attributes
    ----------
    model_ : ecgad.model.Autoencoder
        The trained LibTorch model.
    threshold_ : float
        Reconstruction error above which a beat is anomalous.
    threshold_rule_ : ecgad.calibrate.Threshold
        How ``threshold_`` was set (method, parameters).
    offset_ : float
        ``-threshold_``: ``decision_function = score_samples - offset_``.
    calibrator_ : ecgad.calibrate.ConformalCalibrator
        The p-value calibrator (held-out normal errors).
    calibration_scores_ : numpy.ndarray
        Those errors, sorted.
    history_ : dict
        Per-epoch ``loss``, ``val_loss``, ``lr``, ``seconds``.
    n_features_in_ : int
        Values per model input.
    feature_names_in_ : numpy.ndarray of str
        Column names, when ``X`` was a DataFrame with string columns.
    fs_hz_ : float or None
        Sampling rate of a detector fitted on raw ECG (``None`` for beat matrices).
    preprocessing_ : dict or None
        The preprocessing document of a raw-ECG detector.
    package_ : ecgad.pipeline.ModelPackage or None
        For a raw-ECG detector: the bundle as the inference pipeline loads it, e.g. for
        ``ecgad.pipeline.StreamPipeline(det.package_)``.
    n_train_beats_, n_calibration_beats_ : int
        Beats used to train and to calibrate.

    Examples
    --------
    >>> det = AnomalyDetector("conv1d", threshold="mean_std", k=4.0, epochs=5)
    >>> det
    AnomalyDetector(architecture='conv1d', epochs=5, k=4.0, threshold='mean_std')
    >>> det.get_params()["alpha"]
    0.01
    >>> det.set_params(alpha=0.001).alpha
    0.001
    >>> det.set_params(depth=3)
    Traceback (most recent call last):
    ...
    ValueError: invalid parameter 'depth' for AnomalyDetector; valid parameters: alpha, alpha_normal, architecture, architecture_options, batch_size, calibration_fraction, early_stopping, epochs, error_metric, k, learning_rate, loss, patience, preprocessing, seed, threshold, validation_fraction, verbose
    """

    # scikit-learn reads this to treat the class as an outlier detector (fit_predict etc.).
    _estimator_type = "outlier_detector"

    def __init__(self, architecture: str = "dense", *,
                 architecture_options: Optional[Dict[str, Any]] = None,
                 threshold: Union[str, float] = "conformal", alpha: float = 0.01,
                 alpha_normal: Optional[float] = None, k: float = 3.0,
                 error_metric: str = "mae",
                 calibration_fraction: float = 0.2, validation_fraction: float = 0.1,
                 epochs: int = 40, batch_size: int = 256, learning_rate: float = 1e-3,
                 loss: str = "mae", early_stopping: bool = True, patience: int = 6,
                 preprocessing: Optional[Dict[str, Any]] = None, seed: int = 0,
                 verbose: bool = False) -> None:
        # scikit-learn convention: __init__ stores the parameters as given; fit validates.
        self.architecture = architecture
        self.architecture_options = architecture_options
        self.threshold = threshold
        self.alpha = alpha
        self.alpha_normal = alpha_normal
        self.k = k
        self.error_metric = error_metric
        self.calibration_fraction = calibration_fraction
        self.validation_fraction = validation_fraction
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.loss = loss
        self.early_stopping = early_stopping
        self.patience = patience
        self.preprocessing = preprocessing
        self.seed = seed
        self.verbose = verbose

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> List[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p for p in sig.parameters if p != "self")

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor parameters, as scikit-learn's ``get_params``.

        Parameters
        ----------
        deep : bool
            Accepted for scikit-learn compatibility (no nested estimators).

        Returns
        -------
        dict

        Examples
        --------
        >>> sorted(AnomalyDetector(epochs=3).get_params().items())[:3]
        [('alpha', 0.01), ('alpha_normal', None), ('architecture', 'dense')]
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "AnomalyDetector":
        """Set constructor parameters (takes effect at the next :meth:`fit`).

        Returns
        -------
        AnomalyDetector
            ``self``.

        Raises
        ------
        ValueError
            For a name that is not a parameter.

        Examples
        --------
        >>> AnomalyDetector().set_params(epochs=2, threshold="mad").threshold
        'mad'
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for AnomalyDetector; valid "
                                 f"parameters: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in
                    inspect.signature(type(self).__init__).parameters.values()
                    if p.name != "self"}
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults[name]
            if not (value is default or (type(value) is type(default) and value == default)):
                changed.append(f"{name}={value!r}")
        return f"AnomalyDetector({', '.join(changed)})"

    def _validated(self) -> Dict[str, Any]:
        """The parameters, checked; ValueError naming the first bad one."""
        p = self.get_params()
        _choice(p["architecture"], _ARCHITECTURES, "architecture")
        _choice(p["error_metric"], _SCORES, "error_metric")
        _choice(p["loss"], ("mae", "mse"), "loss")
        th = p["threshold"]
        if isinstance(th, str):
            _choice(th, _THRESHOLDS, "threshold")
        elif isinstance(th, (bool, np.bool_)) or not isinstance(th, (int, float, np.number)) \
                or not math.isfinite(float(th)) or float(th) < 0:
            raise ValueError(f"threshold={th!r} is not one of {', '.join(map(repr, _THRESHOLDS))}"
                             " or a non-negative reconstruction error")

        def in_open(name, lo, hi):
            v = p[name]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or \
                    not (lo < float(v) < hi):
                raise ValueError(f"{name}={v!r} must be a number in ({lo}, {hi})")

        in_open("alpha", 0.0, 1.0)
        if p["alpha_normal"] is None:
            p["alpha_normal"] = min(5.0 * float(p["alpha"]), 1.0)
        elif isinstance(p["alpha_normal"], bool) or \
                not isinstance(p["alpha_normal"], (int, float, np.number)) or \
                not 0.0 < float(p["alpha_normal"]) <= 1.0:
            raise ValueError(f"alpha_normal={p['alpha_normal']!r} must be a number in (0, 1]")
        if not p["alpha"] < p["alpha_normal"]:
            raise ValueError(f"alpha={p['alpha']!r} must be below alpha_normal="
                             f"{p['alpha_normal']!r} (the band is alpha < p < alpha_normal)")
        in_open("calibration_fraction", 0.0, 1.0)
        if not (isinstance(p["validation_fraction"], (int, float, np.number))
                and 0.0 <= float(p["validation_fraction"]) < 1.0):
            raise ValueError(f"validation_fraction={p['validation_fraction']!r} must be a "
                             "number in [0, 1)")
        if not (isinstance(p["k"], (int, float, np.number)) and float(p["k"]) > 0
                and math.isfinite(float(p["k"]))):
            raise ValueError(f"k={p['k']!r} must be a positive number")
        for name in ("epochs", "batch_size", "patience"):
            v = p[name]
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name}={v!r} must be a positive integer")
        lr = p["learning_rate"]
        if not (isinstance(lr, (int, float, np.number)) and 0 < float(lr) < math.inf):
            raise ValueError(f"learning_rate={lr!r} must be a positive number")
        for name in ("architecture_options", "preprocessing"):
            if p[name] is not None and not isinstance(p[name], dict):
                raise ValueError(f"{name} must be a dict or None, got {type(p[name]).__name__}")
        if isinstance(p["seed"], bool) or not isinstance(p["seed"], (int, np.integer)) \
                or p["seed"] < 0:
            raise ValueError(f"seed={p['seed']!r} must be a non-negative integer")
        return p

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None, *, fs: Optional[float] = None,
            exclude: Any = None) -> "AnomalyDetector":
        """Train on normal beats and calibrate the threshold and p-values.

        Parameters
        ----------
        X : array_like of shape (n_beats, n_features), or ECG signal(s)
            Normal beats, one per row (numpy, list of rows, pandas DataFrame). With ``fs``:
            a raw ECG signal in mV (1-D array, list, pandas Series or one-column DataFrame) or a
            list of such signals (several recordings); its beats are found and turned into
            model inputs by the pipelines' preprocessing chain, and the usable ones
            (:class:`SignalBeats` ``usable``) are taken as normal.
        y : None
            Ignored (scikit-learn's outlier-detector signature).
        fs : float, optional
            Sampling rate of the raw signal, Hz.
        exclude : array_like of bool, optional
            Beats to leave out of training and calibration, e.g. those labelled abnormal: one
            flag per row of ``X``, or, for raw ECG, per beat of :meth:`segment` (all signals'
            beats one after the other). ``y`` stays ignored, as scikit-learn's outlier
            detectors ignore it.

        Returns
        -------
        AnomalyDetector
            ``self``, fitted.

        Raises
        ------
        ValueError
            For a bad parameter or input, naming it and what was expected; too few beats to
            calibrate at ``alpha``.

        Examples
        --------
        >>> import ecgad
        >>> x = ecgad.synth.synthesize(duration_s=240.0, heart_rate_bpm=70.0, seed=3).ecg_mv
        >>> det = AnomalyDetector(epochs=5, alpha=0.02).fit(x, fs=360.0)
        >>> det.fs_hz_, det.n_features_in_, det.n_train_beats_ > 100
        (360.0, 142, True)
        >>> AnomalyDetector().fit(x)
        Traceback (most recent call last):
        ...
        ValueError: X must be a 2-D array of beats of shape (n_beats, n_features), got 1-D shape (86400,); for a raw ECG signal pass its sampling rate, e.g. fs=360.0; for one beat, Reshape your data with X.reshape(1, -1)
        """
        p = self._validated()
        if fs is None:
            rows = _beat_matrix(X)
            rows = rows[~_mask(exclude, rows.shape[0], "rows of X")]
            names = _feature_names(X)
            preprocessing = None
            fs_hz = None
            arch = {"channels": 1, "length": rows.shape[1], "n_extra": 0}
        else:
            fs_hz = _fs(fs)
            preprocessing = self._preprocessing_document(p["preprocessing"], fs_hz)
            chunks = [self._chain(preprocessing, s) for s in _signals(X)]
            inputs = np.concatenate([c.inputs for c in chunks])
            usable = np.concatenate([c.usable for c in chunks])
            rows = inputs[usable & ~_mask(exclude, len(usable), "beats in the signal(s)")]
            names = None
            if rows.shape[0] == 0:
                raise ValueError("no usable beats in the signal: the preprocessing found "
                                 f"{len(usable)} beats, none both usable (warm patient "
                                 "reference, usable quality) and not excluded; expected a "
                                 "longer or cleaner ECG (at least ~30 s)")
            n_extra = len(preprocessing["features"]["extras"])
            arch = {"channels": len(preprocessing["features"]["channels"]),
                    "length": int(preprocessing["beats"]["length"]), "n_extra": n_extra}
        self._fit_rows(rows, p, arch, preprocessing, fs_hz, names)
        return self

    @staticmethod
    def _preprocessing_document(overrides: Optional[Dict[str, Any]], fs_hz: float
                                ) -> Dict[str, Any]:
        from .pipeline import default_config
        doc = default_config()["preprocessing"]
        for key, value in (overrides or {}).items():
            if key not in doc:
                raise ValueError(f"preprocessing key {key!r} is unknown; expected some of "
                                 f"{', '.join(sorted(doc))}")
            if isinstance(value, dict) and isinstance(doc[key], dict):
                doc[key] = {**doc[key], **value}
            else:
                doc[key] = value
        doc["fs_hz"] = fs_hz
        # the C++ reader validates every field (InvalidArgument/FormatError name it)
        _core.pipeline.chain_beats(json.dumps(doc), np.zeros(1))
        return doc

    @staticmethod
    def _chain(preprocessing: Dict[str, Any], signal: np.ndarray) -> SignalBeats:
        d = _core.pipeline.chain_beats(json.dumps(preprocessing), signal)
        usable = (d["warm"] & d["quality_known"] & (d["quality_grade"] != 2)
                  & np.isfinite(d["heart_rate_bpm"]))
        return SignalBeats(d["inputs"], d["beats"], d["time_s"], d["sample_index"],
                           d["heart_rate_bpm"], usable, d["premature"])

    def _fit_rows(self, rows: np.ndarray, p: Dict[str, Any], arch: Dict[str, Any],
                  preprocessing: Optional[Dict[str, Any]], fs_hz: Optional[float],
                  names: Optional[List[str]]) -> None:
        n = rows.shape[0]
        n_cal = int(round(p["calibration_fraction"] * n))
        needed = int(math.ceil(1.0 / p["alpha"] - 1.0 - 1e-9))
        if n_cal < max(needed, 1) or n - n_cal < 2:
            raise ValueError(
                f"{n} beats (n_samples = {n}) are too few: alpha={p['alpha']} needs at least "
                f"{needed} calibration beats (calibration_fraction={p['calibration_fraction']} of the beats gives "
                f"{n_cal}) and the rest must train; expected at least "
                f"{int(math.ceil(needed / p['calibration_fraction'])) + 2} beats, or a larger "
                "alpha")
        order = np.random.default_rng(p["seed"]).permutation(n)
        cal_rows = rows[np.sort(order[:n_cal])]
        train_rows = rows[np.sort(order[n_cal:])]
        config = {"output_activation": "linear", **(p["architecture_options"] or {}), **arch}
        ae = model.Autoencoder(p["architecture"], seed=int(p["seed"]), **config)
        val = float(p["validation_fraction"])
        use_val = val > 0 and int(val * train_rows.shape[0]) >= 1
        ae.fit(train_rows, validation=val if use_val else None, epochs=int(p["epochs"]),
               batch_size=int(p["batch_size"]), learning_rate=float(p["learning_rate"]),
               loss=p["loss"], seed=int(p["seed"]),
               early_stopping=bool(p["early_stopping"]) and use_val,
               patience=int(p["patience"]), verbose=bool(p["verbose"]))
        scorer = _scorer(ae)
        cal_scores = np.asarray(scorer.score(cal_rows, p["error_metric"]), dtype=np.float64)
        rule = _threshold_rule(p, cal_scores)
        calibration = {
            "method": "conformal", "score": p["error_metric"],
            "conformal": calibrate.ConformalCalibrator(cal_scores).to_json(),
            "band": {"alpha_anomaly": float(p["alpha"]),
                     "alpha_normal": float(p["alpha_normal"])},
            "threshold": calibrate.ConformalCalibrator(cal_scores).threshold(
                float(p["alpha"])).value,
        }
        extra = {"params": _jsonable_params(self.get_params()), "threshold": rule.to_json(),
                 "feature_names_in": names, "n_train_beats": int(train_rows.shape[0])}
        tensors, meta = artifact.bundle_from_bytes(ae._core.to_bytes())
        meta["preprocessing"] = preprocessing
        meta["calibration"] = calibration
        meta["extra"] = {**meta.get("extra", {}), _ESTIMATOR_KEY: json.dumps(extra)}
        self._restore(artifact.bundle_to_bytes(tensors, meta), source="fit", set_params=False)

    # ------------------------------------------------------------------ bundle <-> state
    def _restore(self, data: bytes, source: str, set_params: bool = True) -> None:
        """Every fitted attribute from the bytes of a bundle (fit, load, unpickle)."""
        tensors, meta = artifact.bundle_from_bytes(data)
        cal = meta.get("calibration")
        if not isinstance(cal, dict) or cal.get("method") != "conformal":
            raise ValueError(f"{source}: the bundle has no conformal calibration document; "
                             "expected a bundle written by AnomalyDetector.save or the training "
                             "pipeline (ecgad train), not a bare Autoencoder.save")
        ae = model.Autoencoder._wrap(_core.model.Autoencoder.from_bytes(data))
        calibrator = calibrate.ConformalCalibrator.from_json(cal["conformal"])
        extra_text = (meta.get("extra") or {}).get(_ESTIMATOR_KEY)
        band = cal["band"]
        if extra_text is not None:
            extra = json.loads(extra_text)
            params = extra["params"]
            rule = calibrate.Threshold.from_json(extra["threshold"])
            names = extra.get("feature_names_in")
            n_train = int(extra.get("n_train_beats", 0))
        else:  # a bundle of the C++ training pipeline: conformal at its band
            arch = dict(meta["architecture"])
            params = self.get_params() if hasattr(self, "architecture") else \
                AnomalyDetector().get_params()
            params.update(architecture=arch.pop("name"), threshold="conformal",
                          alpha=float(band["alpha_anomaly"]),
                          alpha_normal=float(band["alpha_normal"]),
                          error_metric=cal["score"],
                          architecture_options={k: v for k, v in arch.items()
                                                if k not in ("channels", "length", "n_extra")},
                          preprocessing=None)
            rule = calibrator.threshold(float(band["alpha_anomaly"]))
            names = None
            summary = meta.get("training") or {}
            n_train = int(summary.get("n_train") or 0) + int(summary.get("n_validation") or 0)
        if set_params:  # fit never changes the constructor parameters (scikit-learn rule)
            for name, value in params.items():
                setattr(self, name, value)
        self._metric = cal["score"]  # the error the calibration (and C++ serving) uses
        preprocessing = meta.get("preprocessing")
        self.model_ = ae
        self._scorer = _scorer(ae)
        self.calibrator_ = calibrator
        self.calibration_scores_ = np.asarray(
            cal["conformal"]["calibration_scores"], dtype=np.float64)
        self.threshold_rule_ = rule
        self.threshold_ = float(rule.value)
        self.offset_ = -self.threshold_
        self.history_ = ae.history_
        self.n_features_in_ = int(ae.input_size)
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.preprocessing_ = preprocessing
        self.fs_hz_ = None if preprocessing is None else float(preprocessing["fs_hz"])
        self.package_ = None if preprocessing is None else ModelPackage.from_bytes(data, source)
        self.n_train_beats_ = n_train
        self.n_calibration_beats_ = int(calibrator.size)
        self._bundle = bytes(data)

    def to_bytes(self) -> bytes:
        """The model bundle's bytes: model, calibration, preprocessing and parameters.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05).fit(x)
        >>> back = AnomalyDetector.from_bytes(det.to_bytes())
        >>> bool(np.array_equal(back.score_samples(x), det.score_samples(x)))
        True
        """
        self._check_fitted()
        return self._bundle

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "bundle bytes") -> "AnomalyDetector":
        """A fitted detector from :meth:`to_bytes` (or a bundle file's bytes).

        Raises
        ------
        ValueError
            (:class:`ecgad.FormatError`) for damaged bytes or a bundle without calibration.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ValueError(f"data must be bytes, got {type(data).__name__}")
        obj = cls.__new__(cls)
        AnomalyDetector.__init__(obj)
        obj._restore(bytes(data), source)
        return obj

    def save(self, path: PathLike) -> None:
        """Write the bundle file (atomically) that :meth:`load` and C++ read.

        A detector fitted on raw ECG writes a complete pipeline bundle: C++ loads it with
        ``ecgad::pipeline::ModelPackage::load`` and ``ecgad score --model PATH`` scores with it.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> x = np.random.default_rng(1).normal(size=(300, 12)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05, threshold="mad").fit(x)
        >>> path = os.path.join(tempfile.mkdtemp(), "detector.ecgad")
        >>> det.save(path)
        >>> back = AnomalyDetector.load(path)
        >>> back.threshold, back.threshold_ == det.threshold_
        ('mad', True)
        """
        self._check_fitted()
        tensors, meta = artifact.bundle_from_bytes(self._bundle)
        artifact.save_bundle(path, tensors, meta)

    @classmethod
    def load(cls, path: PathLike) -> "AnomalyDetector":
        """Load a bundle written by :meth:`save` or by the C++ training pipeline.

        A pipeline bundle (``ecgad train``) becomes a raw-ECG detector with a conformal
        threshold at the bundle's ``alpha_anomaly``.

        Raises
        ------
        OSError
            The file cannot be read.
        ValueError
            A damaged file, or a bundle without calibration (e.g. a bare ``Autoencoder.save``).

        Examples
        --------
        >>> AnomalyDetector.load("/nonexistent/model.ecgad")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ecgad._core.IoError: ...
        """
        tensors, meta = artifact.load_bundle(path)
        return cls.from_bytes(artifact.bundle_to_bytes(tensors, meta), os.fspath(path))

    def __getstate__(self) -> Dict[str, Any]:
        if hasattr(self, "_bundle"):
            return {"bundle": self._bundle, "params": _jsonable_params(self.get_params())}
        return {"params": self.get_params()}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        AnomalyDetector.__init__(self)
        if "bundle" in state:
            self._restore(state["bundle"], "pickle")
        self.set_params(**state["params"])

    # ------------------------------------------------------------------ scoring
    def _check_fitted(self) -> None:
        if not hasattr(self, "_bundle"):
            raise NotFittedError("this AnomalyDetector is not fitted yet: call fit(X) with "
                                 "normal beats (or fit(signal, fs=...)) first")

    def _errors(self, X: Any, fs: Optional[float]) -> np.ndarray:
        self._check_fitted()
        if fs is None:
            rows = _beat_matrix(X, self.n_features_in_)
            names = _feature_names(X)
            fitted = getattr(self, "feature_names_in_", None)
            if names is not None and fitted is not None and list(fitted) != names:
                raise ValueError("X's column names differ from those seen in fit: expected "
                                 f"{list(fitted)[:5]}..., got {names[:5]}...")
            return np.asarray(self._scorer.score(rows, self._metric), dtype=np.float64)
        if self.package_ is None:
            raise ValueError("this detector was fitted on beats (a 2-D X), so it cannot "
                             "preprocess a raw signal: pass beats without fs")
        fs_hz = _fs(fs)
        if fs_hz != self.fs_hz_:
            raise ValueError(f"fs={fs_hz:g} Hz, but this detector was fitted at {self.fs_hz_:g} "
                             "Hz; resample the signal (ecgad.signal.resample_poly) first")
        columns = [_core.pipeline.score_recording(self.package_._impl, s, fs_hz)["score"]
                   for s in _signals(X)]
        return np.concatenate(columns).astype(np.float64)

    def segment(self_or_signal: Any, signal: Any = None, *, fs: float,
                preprocessing: Optional[Dict[str, Any]] = None) -> SignalBeats:
        """The beats of a raw ECG signal as this detector (or the default chain) sees them.

        Call it on a fitted raw-ECG detector (its preprocessing) or on the class (the default
        preprocessing, or ``preprocessing`` overrides). Row ``i`` of every score method's
        result for ``(signal, fs)`` belongs to row ``i`` here.

        Parameters
        ----------
        signal : array_like, shape (n_samples,)
            ECG in mV.
        fs : float
            Its sampling rate, Hz.
        preprocessing : dict, optional
            Overrides (class call only).

        Returns
        -------
        SignalBeats

        Examples
        --------
        >>> import ecgad
        >>> x = ecgad.synth.synthesize(duration_s=20.0, heart_rate_bpm=60.0, seed=0).ecg_mv
        >>> beats = AnomalyDetector.segment(x, fs=360.0)
        >>> len(beats.time_s) in range(17, 21), beats.inputs.dtype
        (True, dtype('float32'))
        """
        if isinstance(self_or_signal, AnomalyDetector):
            det = self_or_signal
            det._check_fitted()
            if det.preprocessing_ is None:
                raise ValueError("this detector was fitted on beats, not raw ECG; call "
                                 "AnomalyDetector.segment(signal, fs=...) on the class")
            if _fs(fs) != det.fs_hz_:
                raise ValueError(f"fs={_fs(fs):g} Hz, but this detector was fitted at "
                                 f"{det.fs_hz_:g} Hz")
            doc = det.preprocessing_
        else:
            signal = self_or_signal
            doc = AnomalyDetector._preprocessing_document(preprocessing, _fs(fs))
        return AnomalyDetector._chain(doc, _signal(signal))

    def reconstruction_error(self, X: Any, *, fs: Optional[float] = None) -> np.ndarray:
        """Per-beat reconstruction error (the ``score`` metric): higher is more anomalous.

        Parameters
        ----------
        X : array_like, shape (n_beats, n_features), or a raw signal with ``fs``
        fs : float, optional
            Sampling rate when ``X`` is raw ECG (then one value per beat of :meth:`segment`).

        Returns
        -------
        numpy.ndarray of float64, shape (n_beats,)

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(2).normal(size=(300, 8)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05).fit(x)
        >>> bool(np.all(det.reconstruction_error(x) == -det.score_samples(x)))
        True
        """
        return self._errors(X, fs)

    def score_samples(self, X: Any, *, fs: Optional[float] = None) -> np.ndarray:
        """Normality score, scikit-learn's convention: **the lower, the more abnormal**.

        Minus :meth:`reconstruction_error`.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(3).normal(size=(300, 8)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05).fit(x)
        >>> bool((det.score_samples(x) <= 0).all())
        True
        """
        return -self._errors(X, fs)

    def decision_function(self, X: Any, *, fs: Optional[float] = None) -> np.ndarray:
        """``score_samples - offset_`` = ``threshold_ - error``: negative for anomalies.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(4).normal(size=(300, 8)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05).fit(x)
        >>> d = det.decision_function(x)
        >>> bool(np.array_equal(d < 0, det.predict(x) == -1))
        True
        """
        return self.score_samples(X, fs=fs) - self.offset_

    def predict(self, X: Any, *, fs: Optional[float] = None) -> np.ndarray:
        """1 for normal, -1 for anomalous beats (scikit-learn's outlier convention).

        A beat is anomalous when its reconstruction error exceeds ``threshold_``.

        Returns
        -------
        numpy.ndarray of int64, shape (n_beats,)

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(5).normal(size=(300, 8)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05).fit(x)
        >>> det.predict(x + 100.0)[:3]
        array([-1, -1, -1])
        """
        return np.where(self._errors(X, fs) > self.threshold_, -1, 1).astype(np.int64)

    def fit_predict(self, X: Any, y: Any = None, *, fs: Optional[float] = None) -> np.ndarray:
        """:meth:`fit` then :meth:`predict` on the same input.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(6).normal(size=(300, 8)).astype(np.float32)
        >>> labels = AnomalyDetector(epochs=2, alpha=0.05).fit_predict(x)
        >>> labels.shape, sorted(set(labels.tolist())) in ([-1, 1], [1])
        ((300,), True)
        """
        return self.fit(X, fs=fs).predict(X, fs=fs)

    def predict_pvalues(self, X: Any, *, fs: Optional[float] = None) -> np.ndarray:
        """Conformal p-value of each beat: small means anomalous.

        ``p = (1 + #{calibration errors >= error}) / (n_calibration + 1)``; for a normal beat
        ``P(p <= a) <= a`` for every ``a`` (split conformal prediction). With the
        ``conformal`` threshold, ``predict(X) == -1`` exactly when ``p <= alpha``.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(7).normal(size=(400, 8)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05).fit(x)
        >>> p = det.predict_pvalues(x)
        >>> bool(p.min() >= 1 / (det.n_calibration_beats_ + 1) and p.max() <= 1)
        True
        >>> bool(np.array_equal(p <= 0.05, det.predict(x) == -1))
        True
        """
        errors = self._errors(X, fs)
        return self.calibrator_.pvalues(errors)

    def reconstruct(self, X: Any) -> np.ndarray:
        """The model's reconstruction of each beat (``float32``, the shape of ``X``).

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(8).normal(size=(300, 8)).astype(np.float32)
        >>> AnomalyDetector(epochs=2, alpha=0.05).fit(x).reconstruct(x[:2]).shape
        (2, 8)
        """
        self._check_fitted()
        return self._scorer.reconstruct(_beat_matrix(X, self.n_features_in_))

    def error_profile(self, X: Any) -> np.ndarray:
        """``|x - x̂|`` per value: where in the beat the error lies (``float32``).

        Examples
        --------
        >>> import numpy as np
        >>> x = np.random.default_rng(9).normal(size=(300, 8)).astype(np.float32)
        >>> det = AnomalyDetector(epochs=2, alpha=0.05).fit(x)
        >>> bool(np.allclose(det.error_profile(x).mean(axis=1), det.reconstruction_error(x),
        ...                  rtol=1e-5))
        True
        """
        self._check_fitted()
        return self._scorer.error_profile(_beat_matrix(X, self.n_features_in_))


# ----------------------------------------------------------------------------- helpers


def _scorer(ae: model.Autoencoder) -> Any:
    """The Eigen runtime (serving's code) for dense/conv1d, the LibTorch model for lstm."""
    if ae.config["name"] == "lstm":
        return ae
    return runtime.RuntimeModel.from_tensors(ae.config, ae.state_dict())


def _jsonable_params(params: Dict[str, Any]) -> Dict[str, Any]:
    out = copy.deepcopy(params)
    for key, value in out.items():
        if isinstance(value, np.generic):
            out[key] = value.item()
    json.dumps(out)  # parameters must be JSON data (they go into the bundle)
    return out


def _threshold_rule(p: Dict[str, Any], scores: np.ndarray) -> calibrate.Threshold:
    kind = p["threshold"]
    alpha = float(p["alpha"])
    if not isinstance(kind, str):
        return calibrate.Threshold("fixed", float(kind), {"n": float(len(scores))})
    if kind == "conformal":
        return calibrate.ConformalCalibrator(scores).threshold(alpha)
    if kind == "mean_std":
        return calibrate.mean_std_threshold(scores, k=float(p["k"]))
    if kind == "mad":
        return calibrate.mad_threshold(scores, k=float(p["k"]))
    if kind == "quantile":
        return calibrate.quantile_threshold(scores, 1.0 - alpha)
    # "pot": at least 20 peaks over the initial threshold (SPOT's level 0.98 wants n >= 1000)
    level = min(0.98, 1.0 - 20.0 / len(scores))
    if level < 0.5:
        raise ValueError(f"threshold='pot' needs at least 40 calibration beats to fit a tail, "
                         f"got {len(scores)}; pass more beats or another threshold")
    return calibrate.fit_pot(scores, level=level).threshold(alpha)
