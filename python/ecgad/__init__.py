"""ecgad: ECG anomaly detection for production, from preprocessing to drift monitoring.

The compiled core lives in :mod:`ecgad._core`; the public API is re-exported here and in the
submodules (:mod:`ecgad.signal`, :mod:`ecgad.io`, :mod:`ecgad.synth`, :mod:`ecgad.model`).

>>> import ecgad
>>> ecgad.__version__ == ecgad._core.__version__
True
"""
from ._core import (  # noqa: F401  (re-exported)
    Error,
    FormatError,
    InvalidArgument,
    IoError,
    StateError,
    __version__,
)
from . import io, model, signal, synth  # noqa: F401,E402

__all__ = [
    "Error",
    "FormatError",
    "InvalidArgument",
    "IoError",
    "StateError",
    "__version__",
    "io",
    "model",
    "signal",
    "synth",
]
