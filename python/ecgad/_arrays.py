"""Reading array-like user input once, the same way in every module.

Any real dtype and memory layout, lists and tuples, pandas Series/DataFrames (nullable
``Float64``/``Int64``/``boolean`` too: ``pd.NA`` becomes NaN, which the checks downstream reject
with its index), CPU torch tensors (through ``__array__``) and object arrays of numbers. What
cannot be numbers is refused with a ``ValueError`` naming the argument: strings, complex
values, scipy sparse matrices, ragged lists, tensors that need ``.detach()``.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["real_array", "one_column"]


def real_array(x: Any, name: str, expected: str = "real numbers") -> np.ndarray:
    """`x` as a numpy array of a real (or bool) dtype, any shape, without copying when it
    already is one.

    Examples
    --------
    >>> real_array([[1, 2], [3, 4]], "X").dtype.kind
    'i'
    >>> real_array(np.array([1.0, 2.0 + 1j]), "scores")
    Traceback (most recent call last):
    ...
    ValueError: scores must hold real numbers, got dtype complex128: Complex data not supported
    >>> real_array(["a", "b"], "scores")
    Traceback (most recent call last):
    ...
    ValueError: scores must hold real numbers, got dtype <U1
    """
    if type(x).__module__.startswith("scipy.sparse"):
        raise ValueError(f"{name} is a scipy sparse matrix: sparse input is not supported; "
                         "pass a dense array (x.toarray())")
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    try:
        if hasattr(x, "to_numpy") and kind in ("b", "i", "u", "f"):
            a = x.to_numpy(dtype=np.float64, na_value=np.nan)  # pandas, nullable dtypes included
        elif hasattr(x, "to_numpy") and hasattr(x, "columns"):  # DataFrame of mixed columns
            a = x.to_numpy()
        else:
            a = np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as e:  # ragged lists, tensors needing .detach()
        raise ValueError(f"{name} must be an array of real numbers; numpy cannot read this "
                         f"{type(x).__name__}: {e}") from None
    if a.dtype.kind == "c":
        raise ValueError(f"{name} must hold {expected}, got dtype {a.dtype}: Complex data not "
                         "supported")
    if a.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in a.flat):
        a = a.astype(np.float64)  # numbers in an object array (not strings such as "0.1")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold {expected}, got dtype {a.dtype}")
    return a


def one_column(a: np.ndarray) -> np.ndarray:
    """A ``(n, 1)`` column as a vector (scikit-learn's ``column_or_1d``); other shapes as given.

    Examples
    --------
    >>> one_column(np.zeros((3, 1))).shape, one_column(np.zeros((3, 2))).shape
    ((3,), (3, 2))
    """
    return a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a
