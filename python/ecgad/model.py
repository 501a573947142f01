"""The autoencoder backend (LibTorch) compiled into ecgad."""
from __future__ import annotations

from typing import Any, Dict

from . import _core

__all__ = ["backend_info", "set_num_threads"]


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
