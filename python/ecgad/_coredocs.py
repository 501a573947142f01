"""Docstrings for the classes of the compiled core that ecgad hands to users as they are.

pybind11 gives a bound class only the text written in C++, and no examples. The classes that the
public API re-exports unchanged (the exceptions here; :class:`ecgad.io.WfdbHeader`,
:class:`ecgad.io.WfdbSignalSpec`, :class:`ecgad.signal.Ec57Record` and
:class:`ecgad.drift.DriftLevel` where they are re-exported) get their numpy-style docstring from
:func:`document`, once, on import. Each module lists those docstrings in its ``__test__`` so that
doctest, which does not look inside compiled modules, runs their examples.
"""
from __future__ import annotations

import inspect
from typing import Dict

from . import _core

__all__ = ["document"]


def _attributes(doc: str) -> Dict[str, str]:
    """``{name: "type: description"}`` for the entries of a cleaned docstring's Attributes
    section (``name : type`` at the section's indentation, the description indented below)."""
    lines = doc.splitlines()
    out: Dict[str, str] = {}
    try:
        start = next(i for i in range(len(lines) - 1) if lines[i].strip() == "Attributes"
                     and set(lines[i + 1].strip()) == {"-"}) + 2
    except StopIteration:
        return out
    name, kind, text = None, "", []
    for i in range(start, len(lines)):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and set(lines[i + 1].strip()) == {"-"}:
            break  # the next section
        if line and not line[0].isspace():
            if name:
                out[name] = f"{kind}: {' '.join(text)}" if kind else " ".join(text)
            name, _, kind = (part.strip() for part in line.partition(" : "))
            text = []
        elif line.strip():
            text.append(line.strip())
    if name:
        out[name] = f"{kind}: {' '.join(text)}" if kind else " ".join(text)
    return out


def document(cls: type, doc: str) -> str:
    """Give a compiled class its docstring, and each property named in the docstring's
    Attributes section the entry's type and description; returns the cleaned docstring.

    A pybind11 enum computes ``__doc__`` with a static property (its C++ text and member list);
    that property is replaced by one returning `doc`. Entries naming no property are ignored
    (the API test reports undocumented properties).

    Examples
    --------
    >>> class Point:
    ...     x = property(lambda self: 1.0)
    >>> doc = document(Point, '''A point.
    ...
    ...     Attributes
    ...     ----------
    ...     x : float
    ...         Abscissa in mm,
    ...         from the left edge.
    ...     ''')
    >>> doc.splitlines()[:3]
    ['A point.', '', 'Attributes']
    >>> Point.x.__doc__
    'float: Abscissa in mm, from the left edge.'
    """
    doc = inspect.cleandoc(doc)
    current = vars(cls).get("__doc__")
    if isinstance(current, property):  # pybind11 enum
        cls.__doc__ = type(current)(lambda _: doc, None, None, "")
    else:
        cls.__doc__ = doc
    for name, text in _attributes(doc).items():
        member = vars(cls).get(name)
        if isinstance(member, property):
            member.__doc__ = text
    return doc


document(_core.Error, """The base of ecgad's C++ exceptions; raised as is only by errors without
    a more specific kind.

    In Python each specific error derives from the built-in exception it resembles, not from
    :class:`Error`: :class:`InvalidArgument` and :class:`FormatError` are :class:`ValueError`,
    :class:`IoError` an :class:`OSError` and :class:`StateError` (like :class:`Error`) a
    :class:`RuntimeError`. Catch the built-in class, the specific one, or all five.

    Examples
    --------
    >>> import ecgad
    >>> issubclass(ecgad.Error, RuntimeError)
    True
    >>> [issubclass(e, ecgad.Error) for e in (ecgad.InvalidArgument, ecgad.StateError)]
    [False, False]
    >>> every_ecgad_error = (ecgad.Error, ecgad.InvalidArgument, ecgad.FormatError,
    ...                      ecgad.IoError, ecgad.StateError)
    >>> try:
    ...     ecgad.calibrate.quantile_threshold([1.0, 2.0, 3.0], level=1.5)
    ... except every_ecgad_error as e:
    ...     print(type(e).__name__)
    InvalidArgument
    """)

document(_core.InvalidArgument, """A :class:`ValueError`: an argument has a value the call cannot
    take; the message names the argument, its value and what was expected.

    Examples
    --------
    >>> import ecgad
    >>> try:
    ...     ecgad.calibrate.quantile_threshold([1.0, 2.0, 3.0], level=1.5)
    ... except ValueError as e:
    ...     print(type(e).__name__, "-", str(e).split(";")[0])
    InvalidArgument - quantile_threshold: level is 1.5
    """)

document(_core.FormatError, """A :class:`ValueError`: a file or document is malformed (corrupt,
    truncated, or not the expected format); the message names the file or document, the field
    and what was expected.

    Examples
    --------
    >>> import ecgad
    >>> try:
    ...     ecgad.calibrate.Threshold.from_json('{"method": "quantile"}')
    ... except ecgad.FormatError as e:
    ...     isinstance(e, ValueError)
    True
    """)

document(_core.IoError, """An :class:`OSError`: the operating system refused a read or write
    (missing file, no permission, full disk); the message names the path.

    Examples
    --------
    >>> import ecgad
    >>> try:
    ...     ecgad.io.read_wfdb_header("/no/such/folder/100")
    ... except OSError as e:
    ...     print(type(e).__name__, "-", e)
    IoError - cannot open WFDB header '/no/such/folder/100.hea': No such file or directory
    """)

document(_core.StateError, """A :class:`RuntimeError`: an object was used in a state that does
    not allow the call (a normaliser before ``fit``, a segmenter flushed twice, training that
    diverged or was cancelled).

    Examples
    --------
    >>> import numpy as np
    >>> import ecgad
    >>> try:
    ...     ecgad.signal.GlobalZScore().transform(np.zeros((2, 140), np.float32))
    ... except ecgad.StateError as e:
    ...     print(e)
    global_zscore used before fit() or from_params()
    """)

__test__ = {cls.__name__: cls.__doc__ for cls in (
    _core.Error, _core.InvalidArgument, _core.FormatError, _core.IoError, _core.StateError)}
