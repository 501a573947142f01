"""LibTorch-free scoring of exported ``dense`` and ``conv1d`` autoencoders.

:class:`RuntimeModel` runs the forward pass of ``docs/model.md``'s architectures (PyTorch's
``Linear``, ``Conv1d`` and ``ConvTranspose1d`` semantics, equal to PyTorch to 1e-5) on ecgad's
Eigen runtime: the same code a C++ host that links only the header-only core uses. Build one
from a model bundle (:meth:`RuntimeModel.from_bundle`) or from an architecture config and a
PyTorch-style ``state_dict`` (:meth:`RuntimeModel.from_tensors`).

Beats are ``(n_beats, input_size)`` arrays, one model input row per beat (``input_size =
channels * length + n_extra``). A C-contiguous ``float32`` array is read in place; anything else
(``float64``, integers, strided views) is converted once to ``float32``. Results are new
``float32`` arrays. Batch calls release the GIL, so threads can share one model. A beat scored
alone (:meth:`RuntimeModel.score_one`) gets bit-identical numbers to the same beat in a batch.

The runtime is compiled three times, for SSE2 (portable, in ``ecgad._core``), AVX2 + FMA and
AVX-512; :data:`ISA` names the one this CPU runs (the best it supports), and the ``isa``
argument of :meth:`RuntimeModel.from_bundle` / :meth:`RuntimeModel.from_tensors` picks another
one of :func:`available_isas`. Results agree to float32 rounding across them (the
multiply-adds are fused from AVX2 on).

Errors: wrong shapes and non-finite beats raise :class:`ValueError`
(:class:`ecgad.InvalidArgument`); a config or tensors that do not make a model raise
:class:`ecgad.FormatError` (also a :class:`ValueError`) naming the field or tensor.
"""
from __future__ import annotations

import importlib
import json
import os
from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _core
from ._beats import _as_beats

__all__ = ["BeatScore", "ISA", "RuntimeModel", "available_isas", "expected_tensors"]

PathLike = Union[str, "os.PathLike[str]"]

# The CPU features each compiled variant was built for (bindings/CMakeLists.txt), in numpy's
# names; the first variant whose features are all present is the default.
_VARIANTS = (
    ("avx512", "_runtime_avx512",
     ("AVX2", "FMA3", "F16C", "AVX512F", "AVX512CD", "AVX512BW", "AVX512DQ", "AVX512VL")),
    ("avx2", "_runtime_avx2", ("AVX2", "FMA3", "F16C")),
)


def _find_variants() -> Dict[str, Any]:
    try:
        from numpy.core._multiarray_umath import __cpu_features__ as cpu
    except ImportError:  # pragma: no cover - numpy without its feature table
        cpu = {}
    found = {}
    for isa, module, features in _VARIANTS:
        if all(cpu.get(f, False) for f in features):
            try:
                found[isa] = importlib.import_module(f".{module}", __package__)
            except ImportError:  # not built on this platform
                continue
    found["sse2"] = _core.runtime
    return found


_RUNTIMES = _find_variants()
#: The SIMD level RuntimeModel uses by default: "avx512", "avx2" or "sse2" (portable).
ISA: str = next(iter(_RUNTIMES))


def available_isas() -> Tuple[str, ...]:
    """The SIMD levels usable on this CPU, best first (the first is :data:`ISA`).

    Examples
    --------
    >>> available_isas()[-1]
    'sse2'
    >>> available_isas()[0] == ISA
    True
    """
    return tuple(_RUNTIMES)


def _runtime(isa: Optional[str]) -> Any:
    if isa is None:
        return _RUNTIMES[ISA]
    if isa not in _RUNTIMES:
        raise ValueError(f"isa must be one of {available_isas()} on this CPU, got {isa!r}")
    return _RUNTIMES[isa]


class BeatScore(NamedTuple):
    """Reconstruction error of one beat over its ``input_size`` values, as
    :meth:`RuntimeModel.score_one` returns it.

    Attributes
    ----------
    mae : float
        Mean absolute error.
    mse : float
        Mean squared error.
    max : float
        Largest absolute error.

    Examples
    --------
    A dense model with all weights zero reconstructs every value as ``sigmoid(0) = 0.5``:

    >>> import numpy as np
    >>> config = {"name": "dense", "length": 4, "hidden": [2]}
    >>> zeros = {k: np.zeros(s, np.float32) for k, s in expected_tensors(config).items()}
    >>> score = RuntimeModel.from_tensors(config, zeros).score_one([0.5, 1.0, 0.0, 0.5])
    >>> score
    BeatScore(mae=0.25, mse=0.125, max=0.5)
    >>> mae, mse, largest = score
    """

    mae: float
    mse: float
    max: float


def _config_json(config: Mapping[str, Any]) -> str:
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a dict (docs/model.md's architecture config), got "
                         f"{type(config).__name__}")
    return json.dumps(dict(config))


def expected_tensors(config: Mapping[str, Any]) -> Dict[str, Tuple[int, ...]]:
    """Tensor names and shapes a ``dense`` or ``conv1d`` model needs (PyTorch layouts).

    Parameters
    ----------
    config : dict
        An architecture config; missing keys take the preset of its ``name``.

    Returns
    -------
    dict
        ``state_dict`` name to shape, in module order: ``Linear`` weights ``(out, in)``,
        ``Conv1d`` weights ``(out, in, k)``, ``ConvTranspose1d`` weights ``(in, out, k)``.

    Examples
    --------
    >>> expected_tensors({"name": "dense", "hidden": [4, 2], "length": 6})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'encoder.0.weight': (4, 6), 'encoder.0.bias': (4,), 'encoder.1.weight': (2, 4),
     'encoder.1.bias': (2,), 'decoder.0.weight': (4, 2), 'decoder.0.bias': (4,),
     'decoder.1.weight': (6, 4), 'decoder.1.bias': (6,)}
    """
    return _core.runtime.expected_tensors(_config_json(config))


class RuntimeModel:
    """An exported ``dense`` or ``conv1d`` autoencoder on the Eigen runtime.

    Use :meth:`from_bundle` or :meth:`from_tensors` to make one.

    Examples
    --------
    A two-unit dense model with all weights zero reconstructs every value as
    ``sigmoid(0) = 0.5``:

    >>> import numpy as np
    >>> config = {"name": "dense", "length": 4, "hidden": [2]}
    >>> zeros = {k: np.zeros(s, np.float32) for k, s in expected_tensors(config).items()}
    >>> model = RuntimeModel.from_tensors(config, zeros)
    >>> model
    RuntimeModel(dense, input_size=4, latent_size=2)
    >>> x = np.array([[0.5, 1.0, 0.0, 0.5]])
    >>> model.reconstruct(x)
    array([[0.5, 0.5, 0.5, 0.5]], dtype=float32)
    >>> model.score(x, "all")
    {'mae': array([0.25], dtype=float32), 'mse': array([0.125], dtype=float32), 'max': array([0.5], dtype=float32)}
    >>> model.score_one(x[0])
    BeatScore(mae=0.25, mse=0.125, max=0.5)
    """

    def __init__(self, core: Any) -> None:
        if not any(isinstance(core, m.Model) for m in _RUNTIMES.values()):
            raise TypeError("use RuntimeModel.from_bundle or RuntimeModel.from_tensors")
        self._core = core

    @classmethod
    def from_bundle(cls, path: PathLike, *, isa: Optional[str] = None) -> "RuntimeModel":
        """Load a model bundle (every check of :func:`ecgad.artifact.load_bundle`).

        Parameters
        ----------
        path : str or os.PathLike
            A bundle written by ``Autoencoder.save`` or :func:`ecgad.artifact.save_bundle`.
        isa : str, optional
            One of :func:`available_isas`; default :data:`ISA`.

        Raises
        ------
        OSError
            If the file cannot be read.
        ValueError
            (:class:`ecgad.FormatError`) for a damaged file, or an ``lstm`` bundle, which only
            the LibTorch model (:class:`ecgad.model.Autoencoder`) scores.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from ecgad import artifact
        >>> config = {"name": "dense", "channels": 1, "length": 4, "n_extra": 0,
        ...           "hidden": [2], "activation": "relu", "output_activation": "sigmoid"}
        >>> tensors = {k: np.full(s, 0.1, np.float32) for k, s in expected_tensors(config).items()}
        >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
        >>> artifact.save_bundle(path, tensors, {"architecture": config})
        >>> RuntimeModel.from_bundle(path).input_size
        4
        """
        return cls(_runtime(isa).Model.from_bundle(os.fspath(path)))

    @classmethod
    def from_tensors(cls, config: Mapping[str, Any], tensors: Mapping[str, Any], *,
                     isa: Optional[str] = None) -> "RuntimeModel":
        """Build a model from its architecture config and its ``state_dict``.

        Parameters
        ----------
        config : dict
            ``docs/model.md``'s architecture config, e.g. ``{"name": "dense", "channels": 1,
            "length": 140, "n_extra": 0, "hidden": [32, 16, 8], "activation": "relu",
            "output_activation": "sigmoid"}``; missing keys take the preset of its ``name``.
        tensors : dict
            Name to array (numpy, or anything ``numpy.asarray`` takes, e.g. a CPU
            ``torch.Tensor``), exactly the names and shapes of :func:`expected_tensors`.
        isa : str, optional
            One of :func:`available_isas`; default :data:`ISA`.

        Raises
        ------
        ValueError
            (:class:`ecgad.FormatError`) naming the missing, unexpected, wrongly shaped or
            non-finite tensor, or the bad config field.

        Examples
        --------
        >>> import numpy as np
        >>> config = {"name": "dense", "length": 4, "hidden": [2]}
        >>> t = {k: np.zeros(s, np.float32) for k, s in expected_tensors(config).items()}
        >>> t["encoder.0.weight"] = np.zeros((4, 2), np.float32)
        >>> RuntimeModel.from_tensors(config, t)
        Traceback (most recent call last):
        ...
        ecgad._core.FormatError: model tensor 'encoder.0.weight' has shape [4, 2], expected [2, 4] for this 'dense' architecture
        """
        arrays = {}
        for name, value in dict(tensors).items():
            arr = np.asarray(value)
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"tensor {name!r} must hold real numbers, got dtype {arr.dtype}")
            arrays[str(name)] = np.ascontiguousarray(arr, dtype=np.float32)
        return cls(_runtime(isa).Model.from_tensors(_config_json(config), arrays))

    @property
    def config(self) -> Dict[str, Any]:
        """The architecture config (every field, as stored in bundles)."""
        return json.loads(self._core.config_json)

    @property
    def isa(self) -> str:
        """The SIMD level this model runs on."""
        return next(k for k, m in _RUNTIMES.items() if isinstance(self._core, m.Model))

    @property
    def input_size(self) -> int:
        """Values per input row: ``channels * length + n_extra``."""
        return self._core.input_size

    @property
    def latent_size(self) -> int:
        """Values per latent code."""
        return self._core.latent_size

    def __repr__(self) -> str:
        return (f"RuntimeModel({self.config['name']}, input_size={self.input_size}, "
                f"latent_size={self.latent_size})")

    def _rows(self, beats) -> np.ndarray:
        arr = _as_beats(beats)
        if arr.shape[1] != self.input_size:
            raise ValueError(f"beats must have input_size = {self.input_size} columns, got "
                             f"shape {arr.shape}")
        return arr

    def reconstruct(self, beats) -> np.ndarray:
        """The reconstruction of every beat, ``float32`` of shape ``(n_beats, input_size)``.

        Equal to the PyTorch/LibTorch forward pass within 1e-5.
        """
        return self._core.reconstruct(self._rows(beats))

    def score(self, beats, metric: str = "mae"):
        """Per-beat reconstruction error over the whole input row.

        Parameters
        ----------
        beats : array_like, shape (n_beats, input_size)
        metric : {'mae', 'mse', 'max', 'all'}
            Mean absolute error, mean squared error, largest absolute error, or a dict of the
            three (as :meth:`ecgad.model.Autoencoder.score`).

        Returns
        -------
        numpy.ndarray of float32, shape (n_beats,), or dict of them
        """
        if metric not in ("mae", "mse", "max", "all"):
            raise ValueError(f"metric must be 'mae', 'mse', 'max' or 'all', got {metric!r}")
        errors = self._core.score(self._rows(beats))
        return errors if metric == "all" else errors[metric]

    def error_profile(self, beats) -> np.ndarray:
        """``|x - x̂|`` per value, ``float32`` of shape ``(n_beats, input_size)``."""
        return self._core.error_profile(self._rows(beats))

    def encode(self, beats) -> np.ndarray:
        """The latent codes, ``float32`` of shape ``(n_beats, latent_size)``."""
        return self._core.encode(self._rows(beats))

    def score_one(self, beat) -> BeatScore:
        """Score one beat (a 1-D array of ``input_size`` values) without allocating.

        Bit-identical to the same beat's row of :meth:`score`.
        """
        arr = np.asarray(beat)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"beat must hold real numbers, got dtype {arr.dtype}")
        if arr.ndim != 1 or arr.shape[0] != self.input_size:
            raise ValueError(f"beat must be a 1-D array of input_size = {self.input_size} "
                             f"values, got shape {arr.shape}")
        return BeatScore(*self._core.score_one(np.ascontiguousarray(arr, dtype=np.float32)))
