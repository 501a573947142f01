"""The self-contained HTML report of a training or streaming run.

One HTML file that opens offline (it loads nothing from the network: no CDN, fonts, scripts or
images); every plot is an inline SVG drawn by ecgad's C++ code, with tooltips, a colour-blind-safe
palette and a width that follows the window. The input is a plain ``dict`` whose top-level
sections are all optional (``docs/report.md`` lists every key)::

    title, subtitle, generated_at, facts   header and key facts
    training    loss curves, data table, promotion gate checks
    evaluation  score histogram, ROC/PR, confusion matrix, metrics, slices, example beats
    stream      drift timeline, alerts, summary, retrain recommendation
    shadow      production vs candidate: metric deltas, agreement, disagreements
    config      any JSON, shown pretty-printed

A missing section is shown as "not part of this run". Values may be numpy arrays and numpy
scalars; NaN and infinite values are skipped in plots and shown as "–" in tables. Strings are
HTML-escaped.

Errors: :class:`ValueError` (:class:`ecgad.InvalidArgument`) naming the key when a section has
the wrong shape (e.g. ``evaluation.roc.fpr`` is not a list of numbers) or a value JSON cannot
hold; :class:`OSError` when the file cannot be written.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Mapping, Union

import numpy as np

from . import _core

__all__ = ["render_html", "write_html"]

PathLike = Union[str, "os.PathLike[str]"]


def _to_json(obj: Any, path: str) -> Any:
    """``obj`` as plain JSON values: numpy arrays to lists, NaN/Inf to None (JSON has no NaN)."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.ndarray):
        kind = obj.dtype.kind
        if kind == "f":
            values = obj.astype(np.float64)
            if np.isfinite(values).all():
                return values.tolist()
            return np.where(np.isfinite(values), values, None).tolist()
        if kind in "iub":
            return obj.tolist()
        return [_to_json(v, f"{path}[{i}]") for i, v in enumerate(obj.tolist())]
    if isinstance(obj, np.generic):
        return _to_json(obj.item(), path)
    if isinstance(obj, Mapping):
        out = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise ValueError(f"report document: '{path}' has a key {key!r} of type "
                                 f"{type(key).__name__}; expected str keys")
            out[key] = _to_json(value, f"{path}.{key}" if path else key)
        return out
    if isinstance(obj, (list, tuple)):
        return [_to_json(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise ValueError(f"report document: '{path}' holds a {type(obj).__name__}; expected a dict, "
                     "list, str, number, bool, None or numpy array")


def _document_json(doc: Mapping[str, Any]) -> str:
    if not isinstance(doc, Mapping):
        raise ValueError(f"report document must be a dict, got {type(doc).__name__}")
    return json.dumps(_to_json(doc, ""), ensure_ascii=False, allow_nan=False)


def render_html(doc: Mapping[str, Any]) -> str:
    """Render the report document as one self-contained HTML page.

    Parameters
    ----------
    doc : dict
        The report document. Every top-level key is optional: ``title``, ``subtitle``,
        ``generated_at``, ``facts`` (list of ``[label, value]``), ``training``, ``evaluation``,
        ``stream``, ``shadow``, ``config`` (see ``docs/report.md``). Arrays may be lists or
        numpy arrays; NaN/Inf points are skipped.

    Returns
    -------
    str
        The HTML document (UTF-8 text, inline CSS and SVG, no external reference).

    Raises
    ------
    ValueError
        ``doc`` is not a dict, holds a value JSON cannot represent, or a present section has the
        wrong shape (the message names the key, e.g. ``evaluation.roc.fpr``).

    Examples
    --------
    >>> import numpy as np
    >>> from ecgad import report
    >>> fpr = np.linspace(0, 1, 11)
    >>> html = report.render_html({
    ...     "title": "Night run <2>",
    ...     "facts": [["ROC-AUC", 0.97]],
    ...     "evaluation": {"roc": {"fpr": fpr, "tpr": np.sqrt(fpr), "auc": 0.67}}})
    >>> html.startswith("<!DOCTYPE html>")
    True
    >>> "Night run &lt;2&gt;" in html and "model (AUC 0.67)" in html
    True
    >>> "not part of this run" in html   # e.g. no training section in this document
    True
    >>> report.render_html({"evaluation": {"roc": {"fpr": "x"}}})
    Traceback (most recent call last):
    ...
    ecgad._core.InvalidArgument: report document: 'evaluation.roc.fpr' must be an array of numbers, got string "x"
    """
    return _core.report.render_html(_document_json(doc))


def write_html(path: PathLike, doc: Mapping[str, Any]) -> Path:
    """Render the report and write it to ``path`` atomically.

    The page goes to ``<path>.partial`` first and is renamed over ``path`` when complete, so a
    browser or a file watcher never sees half a report; a bad document writes nothing.

    Parameters
    ----------
    path : str or os.PathLike
        The HTML file to write (its folder must exist).
    doc : dict
        The report document, as for :func:`render_html`.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        As for :func:`render_html`.
    OSError
        The file cannot be written.

    Examples
    --------
    >>> import os, tempfile
    >>> from ecgad import report
    >>> folder = tempfile.mkdtemp()
    >>> out = report.write_html(os.path.join(folder, "run.html"), {"title": "demo"})
    >>> out.name, out.read_text(encoding="utf-8").count("<h1>demo</h1>")
    ('run.html', 1)
    >>> sorted(os.listdir(folder))   # no temporary file left behind
    ['run.html']
    """
    target = Path(os.fspath(path))
    _core.report.write_html(str(target), _document_json(doc))
    return target
