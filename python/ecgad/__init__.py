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
from . import _coredocs  # noqa: F401,E402  (docstrings of the exceptions above)
from . import artifact, io, metrics, model, runtime, signal, synth  # noqa: F401,E402
from . import drift  # noqa: F401,E402
from . import calibrate  # noqa: F401,E402
from . import pipeline  # noqa: F401,E402
from . import report  # noqa: F401,E402
from . import store  # noqa: F401,E402
from . import estimator  # noqa: F401,E402
from .estimator import AnomalyDetector, NotFittedError  # noqa: F401,E402
from . import plot  # noqa: F401,E402  (matplotlib is imported only when plotting)

__all__ = [
    "AnomalyDetector",
    "Error",
    "FormatError",
    "InvalidArgument",
    "IoError",
    "NotFittedError",
    "StateError",
    "__version__",
    "artifact",
    "calibrate",
    "drift",
    "estimator",
    "io",
    "metrics",
    "model",
    "pipeline",
    "plot",
    "report",
    "runtime",
    "signal",
    "store",
    "synth",
]
