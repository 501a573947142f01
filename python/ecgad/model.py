"""Beat autoencoders (LibTorch inside ecgad) and the backend they run on.

:class:`Autoencoder` trains one of the architectures of ``docs/model.md`` -- ``"dense"`` (the
TensorFlow "Intro to Autoencoders" ECG model, 140→32→16→8→16→32→140), ``"conv1d"`` or
``"lstm"`` -- on normal beats and scores new beats by how badly it reconstructs them.

Beats are a ``(n_beats, input_size)`` array, one model input a row (``input_size`` is
``channels * length + n_extra``, 140 for the default); ``float32`` C-contiguous arrays are read
in place, other real arrays are converted once. Wrong shapes raise :class:`ValueError`; NaN or
infinite values raise :class:`ecgad.InvalidArgument` (a :class:`ValueError`). The GIL is
released while training and scoring, so other Python threads keep running.

Examples
--------
>>> import numpy as np
>>> from ecgad.model import Autoencoder
>>> rng = np.random.default_rng(0)
>>> t = np.linspace(0.0, 1.0, 140)
>>> beats = (0.2 + 0.6 * np.exp(-((t - 0.36) / 0.02) ** 2)
...          + 0.01 * rng.standard_normal((256, 140))).astype(np.float32)
>>> model = Autoencoder("dense", seed=0).fit(beats, validation=0.2, epochs=5, batch_size=32)
>>> model.history_["loss"][-1] < model.history_["loss"][0]
True
>>> model.score(beats[:3]).shape
(3,)
>>> model.encode(beats[:3]).shape
(3, 8)
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, Optional, Union

import numpy as np

from . import _core

__all__ = ["Autoencoder", "architecture_preset", "backend_info", "set_num_threads"]

PathLike = Union[str, "os.PathLike[str]"]


def backend_info() -> Dict[str, Any]:
    """Describe the LibTorch runtime linked into ecgad.

    Returns
    -------
    dict
        ``torch_version``, ``intra_op_threads``, ``inter_op_threads``, ``cuda_available`` and
        ``parallel_info`` (LibTorch's threading summary).

    Examples
    --------
    >>> info = backend_info()
    >>> info["torch_version"].startswith("1.")
    True
    >>> info["intra_op_threads"] >= 1
    True
    """
    return _core.model.backend_info()


def set_num_threads(n: int) -> None:
    """Set the number of threads LibTorch uses inside one operator.

    Parameters
    ----------
    n : int
        Thread count, at least 1.

    Raises
    ------
    ValueError
        If ``n < 1``.

    Examples
    --------
    >>> before = backend_info()["intra_op_threads"]
    >>> set_num_threads(1)
    >>> backend_info()["intra_op_threads"]
    1
    >>> set_num_threads(before)
    """
    _core.model.set_num_threads(int(n))


def architecture_preset(name: str) -> Dict[str, Any]:
    """The contract's configuration of an architecture (``docs/model.md``).

    Parameters
    ----------
    name : {'dense', 'conv1d', 'lstm'}

    Returns
    -------
    dict
        The JSON form stored in model bundles; any key can be overridden in
        :class:`Autoencoder`.

    Examples
    --------
    >>> architecture_preset("dense")["hidden"]
    [32, 16, 8]
    >>> architecture_preset("conv1d")["conv_channels"]
    [16, 32]
    """
    return json.loads(_core.model.architecture_preset(str(name)))


def _as_model_input(beats, width: int, name: str = "beats") -> np.ndarray:
    """``beats`` as a C-contiguous float32 ``(n, width)`` array, copying only when needed."""
    arr = np.asarray(beats)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_beats, {width}) (input_size = {width}), "
            f"got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _progress_line(info: Dict[str, Any], width: int = 24) -> str:
    done = int(round(width * info["epoch"] / info["epochs"]))
    bar = "=" * max(done - 1, 0) + (">" if done < width else "=") + "." * (width - done)
    text = (f"epoch {info['epoch']:>{len(str(info['epochs']))}}/{info['epochs']} [{bar}] "
            f"{info['seconds']:.2f}s - loss {info['loss']:.5f}")
    if info["val_loss"] is not None:
        text += f" - val_loss {info['val_loss']:.5f}"
    return text + f" - lr {info['lr']:.2e}"


class Autoencoder:
    """An autoencoder for beats, trained on normal beats, scoring by reconstruction error.

    Parameters
    ----------
    architecture : {'dense', 'conv1d', 'lstm'}, default 'dense'
        The architecture; its preset (:func:`architecture_preset`) is the starting point.
    seed : int, default 0
        Seeds the initial weights (PyTorch's default initialisation, drawn as
        ``torch.manual_seed(seed)`` followed by building the same modules in PyTorch would) and,
        unless :meth:`fit` gets another, the validation split and the shuffles.
    **config
        Overrides of the preset: ``channels``, ``length``, ``n_extra``, ``activation``,
        ``output_activation`` and, per architecture, ``hidden`` (dense: list of widths; lstm:
        hidden size), ``conv_channels``, ``kernel_size``, ``latent``, ``layers``.

    Attributes
    ----------
    history_ : dict
        After :meth:`fit`: per-epoch ``loss``, ``val_loss`` (empty without validation), ``lr``
        and ``seconds``.
    summary_ : dict
        After :meth:`fit`: the training summary stored in bundles (``epochs_run``,
        ``best_epoch``, ``stopped_early``, ``cancelled``, ``data_fingerprint``, ``engine``...).

    Examples
    --------
    >>> m = Autoencoder("conv1d", length=64, conv_channels=[4, 8], latent=6, seed=1)
    >>> m.config["kernel_size"], m.input_size, m.latent_size
    (7, 64, 6)
    >>> Autoencoder("conv1d", length=66)
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: conv1d architecture: length must be divisible by 2^len(conv_channels) = 4 (each layer halves it), got 66
    """

    def __init__(self, architecture: str = "dense", *, seed: int = 0, **config: Any) -> None:
        spec = {"name": str(architecture), **config}
        self._core = _core.model.Autoencoder(json.dumps(spec), int(seed))
        self._sync_summary()

    @classmethod
    def _wrap(cls, core) -> "Autoencoder":
        obj = cls.__new__(cls)
        obj._core = core
        obj._sync_summary()
        return obj

    def _sync_summary(self) -> None:
        text = self._core.summary_json
        self.summary_: Optional[Dict[str, Any]] = None if text is None else json.loads(text)
        if self.summary_ is None:
            self.history_: Optional[Dict[str, list]] = None
        else:
            s = self.summary_
            self.history_ = {"loss": s["loss"], "val_loss": s["val_loss"],
                             "lr": s["learning_rate"], "seconds": s["epoch_seconds"]}

    # ------------------------------------------------------------------ description
    @property
    def config(self) -> Dict[str, Any]:
        """The architecture config (the JSON form stored in bundles)."""
        return json.loads(self._core.config_json)

    @property
    def input_size(self) -> int:
        """Values per model input row: ``channels * length + n_extra``."""
        return self._core.input_size

    @property
    def latent_size(self) -> int:
        """Values per latent code."""
        return self._core.latent_size

    @property
    def n_parameters(self) -> int:
        """Number of trainable values (10,484 for the dense preset)."""
        return self._core.parameter_count

    @property
    def seed(self) -> int:
        """The initialisation seed."""
        return self._core.seed

    def __repr__(self) -> str:
        trained = "untrained" if self.summary_ is None else f"{self.summary_['epochs_run']} epochs"
        return f"Autoencoder({self.config!r}, {trained})"

    # ------------------------------------------------------------------ training
    def fit(self, beats, validation=None, *, epochs: int = 20, batch_size: int = 512,
            learning_rate: float = 1e-3, weight_decay: float = 0.0, loss: str = "mae",
            shuffle: bool = True, seed: Optional[int] = None, early_stopping: bool = False,
            patience: int = 5, min_delta: float = 0.0, restore_best_weights: bool = True,
            reduce_lr_on_plateau: bool = False, lr_patience: int = 3, lr_factor: float = 0.1,
            lr_threshold: float = 1e-4, min_lr: float = 0.0,
            checkpoint: Optional[PathLike] = None, checkpoint_every: int = 1,
            engine: str = "auto", threads: int = 0,
            callback: Optional[Callable[[Dict[str, Any]], Optional[bool]]] = None,
            verbose: bool = False) -> "Autoencoder":
        """Train on normal beats, starting from the current weights with a fresh optimiser.

        Adam as ``torch.optim.Adam`` (``weight_decay`` is the L2 term added to the gradient),
        early stopping as Keras' ``EarlyStopping``, the schedule as PyTorch's
        ``ReduceLROnPlateau``. The same seed, data, engine and thread count give the same
        weights bit for bit on one machine.

        Parameters
        ----------
        beats : array_like, shape (n_beats, input_size)
            Normal beats.
        validation : None, float or array_like, optional
            ``None``: no validation; a float in (0, 1): that share of ``beats`` held out (seeded
            split); an array: an explicit validation set. The monitored loss (early stopping,
            schedule, best weights) is the validation loss when there is one, else the training
            loss.
        epochs, batch_size, learning_rate, weight_decay : training length and Adam settings.
        loss : {'mae', 'mse'}
        shuffle : bool
            Reshuffle the rows every epoch (seeded).
        seed : int, optional
            Seed of the split and the shuffles; defaults to the model's seed.
        early_stopping, patience, min_delta : stop after ``patience`` epochs without the
            monitored loss improving by more than ``min_delta``.
        restore_best_weights : bool
            End with the weights of the best epoch (whatever stopped training).
        reduce_lr_on_plateau, lr_patience, lr_factor, lr_threshold, min_lr : the schedule.
        checkpoint : path, optional
            Written atomically every ``checkpoint_every`` epochs; :meth:`resume` continues from
            it to the weights an uninterrupted run reaches.
        engine : {'auto', 'fused_dense', 'libtorch'}
            ``auto`` uses the fused kernels for ``dense`` and LibTorch autograd otherwise.
        threads : int
            LibTorch intra-op threads during training (0 keeps the current setting).
        callback : callable, optional
            Called after every epoch with a dict (``epoch``, ``epochs``, ``loss``,
            ``val_loss``, ``lr``, ``seconds``, ``improved``); returning ``False`` stops training
            cleanly, an exception stops it and is re-raised.
        verbose : bool
            Print a progress bar line per epoch.

        Returns
        -------
        Autoencoder
            ``self``, with ``history_`` and ``summary_`` set.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.full((64, 140), 0.5, dtype=np.float32)
        >>> m = Autoencoder(seed=3).fit(x, epochs=2, batch_size=16, verbose=True)
        ... # doctest: +ELLIPSIS
        epoch 1/2 [===========>............] ...s - loss 0.0... - lr 1.00e-03
        epoch 2/2 [========================] ...s - loss 0.0... - lr 1.00e-03
        >>> m.summary_["epochs_run"], m.summary_["engine"]
        (2, 'fused_dense')
        >>> m.fit(np.zeros((4, 10)))
        Traceback (most recent call last):
        ...
        ValueError: beats must be a 2-D array of shape (n_beats, 140) (input_size = 140), got shape (4, 10)
        """
        width = self.input_size
        train = _as_model_input(beats, width)
        explicit = None
        fraction = 0.0
        if validation is not None:
            if np.isscalar(validation):
                fraction = float(validation)
            else:
                explicit = _as_model_input(validation, width, "validation")
        config = {
            "epochs": int(epochs), "batch_size": int(batch_size),
            "learning_rate": float(learning_rate), "weight_decay": float(weight_decay),
            "loss": str(loss), "validation_fraction": fraction, "shuffle": bool(shuffle),
            "seed": int(self.seed if seed is None else seed),
            "early_stopping": bool(early_stopping), "patience": int(patience),
            "min_delta": float(min_delta), "restore_best_weights": bool(restore_best_weights),
            "reduce_lr_on_plateau": bool(reduce_lr_on_plateau), "lr_patience": int(lr_patience),
            "lr_factor": float(lr_factor), "lr_threshold": float(lr_threshold),
            "min_lr": float(min_lr),
            "checkpoint_path": "" if checkpoint is None else os.fspath(checkpoint),
            "checkpoint_every": int(checkpoint_every), "engine": str(engine),
            "threads": int(threads),
        }
        try:
            self._core.fit(train, explicit, json.dumps(config),
                           self._epoch_hook(callback, verbose))
        finally:  # a callback's exception stops training: the summary still describes it
            self._sync_summary()
        return self

    def resume(self, checkpoint: PathLike, beats, validation=None, *,
               callback: Optional[Callable[[Dict[str, Any]], Optional[bool]]] = None,
               verbose: bool = False) -> "Autoencoder":
        """Continue an interrupted :meth:`fit` from its checkpoint.

        The model becomes the checkpoint's (architecture, weights, optimiser, schedule and
        random state) and trains the remaining epochs with the original settings on the same
        data (checked by fingerprint), ending with the weights of an uninterrupted run.

        Parameters
        ----------
        checkpoint : path
            The file ``fit(checkpoint=...)`` wrote.
        beats : array_like
            The training beats given to that fit().
        validation : array_like, optional
            The explicit validation set, if that fit() had one (a fractional split is redrawn).
        callback, verbose : as in :meth:`fit`.

        Returns
        -------
        Autoencoder
            ``self``.
        """
        width = self.input_size
        train = np.asarray(beats)
        if train.ndim == 2:
            width = train.shape[1]  # the checkpoint may hold another architecture
        train = _as_model_input(train, width)
        explicit = None if validation is None else _as_model_input(validation, width,
                                                                    "validation")
        try:
            self._core.resume(os.fspath(checkpoint), train, explicit,
                              self._epoch_hook(callback, verbose))
        finally:
            self._sync_summary()
        return self

    def cancel(self) -> None:
        """Ask a running :meth:`fit` (in another thread) to stop before its next batch.

        Training then ends cleanly: ``summary_["cancelled"]`` is true and the best weights so
        far are restored (with ``restore_best_weights``).
        """
        self._core.cancel()

    @staticmethod
    def _epoch_hook(callback, verbose: bool):
        if callback is None and not verbose:
            return None

        def hook(info: Dict[str, Any]) -> Optional[bool]:
            if verbose:
                print(_progress_line(info), file=sys.stdout, flush=True)
            return None if callback is None else callback(info)

        return hook

    # ------------------------------------------------------------------ scoring
    def reconstruct(self, beats) -> np.ndarray:
        """The reconstruction of every beat, ``float32`` of the input's shape.

        Examples
        --------
        >>> import numpy as np
        >>> Autoencoder(seed=0).reconstruct(np.zeros((2, 140))).shape
        (2, 140)
        """
        return self._core.reconstruct(_as_model_input(beats, self.input_size))

    def score(self, beats, metric: str = "mae"):
        """Per-beat reconstruction error over the whole input row.

        Parameters
        ----------
        beats : array_like, shape (n_beats, input_size)
        metric : {'mae', 'mse', 'max', 'all'}
            Mean absolute error, mean squared error, largest absolute error, or a dict of the
            three.

        Returns
        -------
        numpy.ndarray of float64, shape (n_beats,), or dict

        Examples
        --------
        >>> import numpy as np
        >>> m = Autoencoder(seed=0)
        >>> x = np.random.default_rng(1).random((4, 140), dtype=np.float32)
        >>> e = m.score(x, "all")
        >>> bool(np.allclose(e["mae"], m.error_profile(x).mean(axis=1)))
        True
        >>> bool(np.all(e["max"] >= e["mae"]))
        True
        """
        if metric not in ("mae", "mse", "max", "all"):
            raise ValueError(f"metric must be 'mae', 'mse', 'max' or 'all', got {metric!r}")
        errors = self._core.score(_as_model_input(beats, self.input_size))
        return errors if metric == "all" else errors[metric]

    def error_profile(self, beats) -> np.ndarray:
        """``|x - x̂|`` per value, ``float32`` of the input's shape: where the error lies."""
        return self._core.error_profile(_as_model_input(beats, self.input_size))

    def encode(self, beats) -> np.ndarray:
        """The latent codes, ``float32`` of shape ``(n_beats, latent_size)``."""
        return self._core.encode(_as_model_input(beats, self.input_size))

    def loss_gradients(self, beats, loss: str = "mae", engine: str = "libtorch"
                       ) -> Dict[str, np.ndarray]:
        """Gradients of the mean loss over ``beats`` with respect to every parameter.

        ``engine='fused_dense'`` computes them with the fused dense kernels, ``'libtorch'`` with
        autograd; the weights are not changed.
        """
        return self._core.loss_gradients(_as_model_input(beats, self.input_size), str(loss),
                                         str(engine))

    # ------------------------------------------------------------------ weights and files
    def state_dict(self) -> Dict[str, np.ndarray]:
        """The parameters under their PyTorch ``state_dict`` names (copies, ``float32``).

        Examples
        --------
        >>> sd = Autoencoder(seed=0).state_dict()
        >>> sd["encoder.0.weight"].shape, sd["decoder.2.bias"].shape
        ((32, 140), (140,))
        """
        return self._core.state_dict()

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Replace every parameter (names and shapes must match; all or nothing).

        A ``torch.nn.Module.state_dict()`` of the same architecture works after
        ``{k: v.numpy() for k, v in sd.items()}``.
        """
        self._core.load_state_dict({str(k): np.asarray(v) for k, v in state_dict.items()})

    def save(self, path: PathLike, preprocessing: Optional[Dict[str, Any]] = None,
             calibration: Optional[Dict[str, Any]] = None,
             drift_reference: Optional[Dict[str, Any]] = None) -> None:
        """Write the model bundle (safetensors layout, ``docs/model.md``) atomically.

        Parameters
        ----------
        path : path
        preprocessing : dict, optional
            Stored as the bundle's ``ecgad.preprocessing`` document.
        calibration : dict, optional
            The ``ecgad.calibration`` document, e.g. ``{"threshold": t.to_json()}``.
        drift_reference : dict, optional
            The ``ecgad.drift_reference`` document: a
            :meth:`ecgad.drift.Monitor.fit_reference` result (validated; ValueError if it is
            not one). Read it back with :func:`ecgad.artifact.read_bundle`.

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "model.ecgad")
        >>> m = Autoencoder(seed=5)
        >>> m.save(path, preprocessing={"fs_hz": 360.0})
        >>> back = Autoencoder.load(path)
        >>> back.seed, back.config == m.config
        (5, True)
        """
        self._core.save(os.fspath(path), json.dumps(preprocessing), json.dumps(calibration),
                        json.dumps(drift_reference))

    @classmethod
    def load(cls, path: PathLike) -> "Autoencoder":
        """Load a model bundle (checksum, format, version and tensors verified).

        Raises :class:`ecgad.FormatError` for a damaged or foreign file and
        :class:`ecgad.IoError` when it cannot be read.
        """
        return cls._wrap(_core.model.Autoencoder.load(os.fspath(path)))

    def __getstate__(self) -> Dict[str, Any]:
        return {"bundle": self._core.to_bytes()}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._core = _core.model.Autoencoder.from_bytes(state["bundle"])
        self._sync_summary()
