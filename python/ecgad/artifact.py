"""The model bundle: one safetensors file holding a model's tensors and its metadata.

A bundle is a plain `safetensors <https://github.com/huggingface/safetensors>`_ file: an 8-byte
little-endian header length ``N``, ``N`` bytes of JSON header (dtype, shape and data offsets of
each tensor, plus a ``"__metadata__"`` map of strings) and the raw little-endian float32 data.
ecgad's metadata keys (``ecgad.architecture``, ``ecgad.preprocessing``, ``ecgad.calibration``,
``ecgad.training``, ``ecgad.drift_reference``) each hold a JSON document serialised to a string;
``ecgad.checksum`` holds the XXH3-128 of the header (its own 32 digits removed) and the data.
See ``docs/model.md`` for the contract.

Two ways in and out:

* :func:`read_bundle` and :func:`write_bundle` are written in pure Python with :mod:`json` and
  :mod:`numpy` only, so a bundle can be read where ecgad is not installed (copy this file);
  the checksum is computed by ecgad's compiled core (there is no ``xxhash`` module here):
  :func:`write_bundle` needs it, :func:`read_bundle` verifies the checksum whenever it is
  importable (see its ``verify_checksum`` flag).
* :func:`load_bundle`, :func:`save_bundle`, :func:`bundle_to_bytes` and
  :func:`bundle_from_bytes` go through the C++ implementation, which also checks the tensors
  against the architecture config, exactly as a C++ host loading the bundle does.

Both take and return ``(tensors, metadata)``: ``tensors`` a dict of name to float32 array
(PyTorch ``state_dict`` names, e.g. ``"encoder.0.weight"``), ``metadata`` a dict with the keys
``architecture``, ``preprocessing``, ``calibration``, ``training``, ``drift_reference`` (decoded
JSON values, ``None`` when unset), ``format_version``, ``library_version`` (as recorded in the
file; writers ignore them and record their own) and ``extra`` (other ``__metadata__`` strings,
kept verbatim).

Bad files raise :class:`ValueError` (:class:`ecgad.FormatError` when ecgad is importable)
naming the file and what was wrong; a missing file raises :class:`OSError`.
"""
from __future__ import annotations

import json
import math
import os
import re
import secrets
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

try:  # pure-Python use (this file copied, or loaded without its package) has no compiled core
    from . import _core
except ImportError:  # pragma: no cover - exercised by the subprocess test
    _core = None

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_HEADER_BYTES",
    "bundle_from_bytes",
    "bundle_to_bytes",
    "checksum",
    "expected_tensor_shapes",
    "fingerprint",
    "load_bundle",
    "read_bundle",
    "save_bundle",
    "write_bundle",
]

FORMAT = "ecgad-bundle"
FORMAT_VERSION = 1
MAX_HEADER_BYTES = 100_000_000

Tensors = Dict[str, np.ndarray]
Metadata = Dict[str, Any]

_DOCUMENTS = ("architecture", "preprocessing", "calibration", "training", "drift_reference")
_CONTRACT_KEYS = frozenset(
    ["ecgad.format", "ecgad.format_version", "ecgad.library_version", "ecgad.checksum"]
    + [f"ecgad.{name}" for name in _DOCUMENTS])
_METADATA_KEYS = frozenset(_DOCUMENTS + ("format_version", "library_version", "extra"))
_FormatError = _core.FormatError if _core is not None else ValueError

# A JSON string token; outside strings JSON has no quote, so scanning for these from the start
# of a valid document visits exactly its string tokens, in order.
_STRING_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_COLON_QUOTE = re.compile(rb'[ \t\n\r]*:[ \t\n\r]*"')
_CHECKSUM_KEY = b'"ecgad.checksum"'
_HEX_DIGITS = re.compile(r"[0-9a-f]{32}")
_MAX_DEPTH = 64  # metadata documents, as the C++ reader (the header itself: 8)


# --------------------------------------------------------------------------- pure Python


def _checksum_span(header: bytes) -> Optional[Tuple[int, int]]:
    """(begin, end) of the "ecgad.checksum" value's characters inside the raw header."""
    for token in _STRING_TOKEN.finditer(header):
        if token.group() != _CHECKSUM_KEY:
            continue
        colon = _COLON_QUOTE.match(header, token.end())
        if colon is None:
            continue
        value = _STRING_TOKEN.match(header, colon.end() - 1)
        return (colon.end(), value.end() - 1) if value else None
    return None


def _reject_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f'duplicate key "{key}"')
        out[key] = value
    return out


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):  # "1e400": nlohmann refuses it, json would give inf
        raise ValueError(f"number {text} overflows a double")
    return value


def _depth(value) -> int:
    """Nesting depth of a decoded JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1)
                         for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _loads(text, what: str, source: str, max_depth: int = _MAX_DEPTH):
    """json.loads as strict as the C++ reader: no duplicate keys, no NaN/Infinity literals, no
    overflowing numbers, bounded nesting."""
    try:
        value = json.loads(text, object_pairs_hook=_reject_duplicates,
                           parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError too
        raise _FormatError(f"{source}: {what} is not valid JSON: {e}") from None
    if _depth(value) > max_depth:
        raise _FormatError(f"{source}: {what}: JSON nested deeper than {max_depth} levels")
    return value


def _is_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_length(n: int, available: int, source: str) -> None:
    """The 8-byte length field against the limit and the bytes that follow it."""
    if n > MAX_HEADER_BYTES:
        raise _FormatError(f"{source}: header length {n} exceeds the limit of "
                           f"{MAX_HEADER_BYTES} bytes")
    if n > available:
        raise _FormatError(f"{source}: header length {n} exceeds the {available} bytes that "
                           "follow the length field (truncated file?)")
    if n < 2:
        raise _FormatError(f"{source}: header length {n} is too short for a JSON object")


def _parse(data: bytes, source: str, verify_checksum: Optional[bool]):
    """Validates a bundle byte string (the C++ reader's rules but the architecture check)."""
    def fail(message):
        raise _FormatError(f"{source}: {message}")

    if len(data) < 8:
        raise _FormatError(f"{source} is {len(data)} bytes long; a safetensors file starts "
                           "with an 8-byte header length (truncated?)")
    n = int.from_bytes(data[:8], "little")
    _check_length(n, len(data) - 8, source)
    header_bytes = data[8:8 + n]
    body = memoryview(data)[8 + n:]
    nul = header_bytes.find(b"\0")
    if nul >= 0:  # as the C++ reader: JSON text never holds a raw NUL
        fail(f"the safetensors header is not valid JSON: NUL byte at offset {nul}")
    try:
        header_text = header_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"the safetensors header is not valid UTF-8: {e}")
    header = _loads(header_text, "the safetensors header", source, max_depth=8)
    if not isinstance(header, dict):
        fail(f"the safetensors header must be a JSON object, got {type(header).__name__}")

    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        fail('"__metadata__" must be an object of strings')
    entries = []
    for name, info in header.items():
        where = f"tensor '{name}'"
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            fail(f"{where}: expected an object with exactly dtype, shape and data_offsets, "
                 f"got {info!r}")
        if info["dtype"] != "F32":
            fail(f"{where} has dtype {info['dtype']!r}; an ecgad bundle holds F32 tensors only")
        shape, offsets = info["shape"], info["data_offsets"]
        if not isinstance(shape, list) or not all(_is_index(e) for e in shape):
            fail(f"{where}: shape {shape!r} must be a list of integers >= 0")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_index(o) for o in offsets) or offsets[0] > offsets[1]
                or offsets[1] > len(body)):
            fail(f"{where}: data_offsets {offsets!r} must be [begin, end] with "
                 f"0 <= begin <= end <= {len(body)} (the data section's size)")
        span = offsets[1] - offsets[0]
        count, complete = (0, True) if 0 in shape else (1, True)
        for i, extent in enumerate(shape if count else ()):
            count *= extent
            if 4 * count > span and i + 1 < len(shape):
                complete = False  # stop early: a hostile shape cannot make a huge product
                break
        if 4 * count != span:
            needs = str(4 * count) if complete else f"more than {span}"
            fail(f"{where}: shape {shape} of F32 needs {needs} bytes, but data_offsets "
                 f"{offsets} span {span}")
        entries.append((offsets[0], offsets[1], name, shape))
    entries.sort(key=lambda e: (e[0], e[1]))
    position = 0
    for begin, end, name, _ in entries:
        if begin != position:
            fail(f"tensor '{name}' starts at data offset {begin}, expected {position} "
                 f"({'a gap' if begin > position else 'it overlaps the previous tensor'})")
        position = end
    if position != len(body):
        fail(f"the tensors end at data offset {position}, but the data section holds "
             f"{len(body)} bytes")

    if "ecgad.format" not in metadata:
        fail('not an ecgad bundle (its safetensors metadata has no "ecgad.format" key)')

    def document(key):
        if key not in metadata:
            fail(f'missing metadata key "{key}"')
        return _loads(metadata[key], f'metadata "{key}"', source)

    if document("ecgad.format") != FORMAT:
        fail(f'metadata "ecgad.format" is {metadata["ecgad.format"]}; expected "{FORMAT}"')
    version = document("ecgad.format_version")
    if not _is_index(version) or version == 0:
        fail(f'metadata "ecgad.format_version" is {metadata["ecgad.format_version"]}; '
             "expected a positive integer")
    if version > FORMAT_VERSION:
        raise _FormatError(f"{source} has bundle format version {version}; this reader reads "
                           f"format version {FORMAT_VERSION} and older: load it with a newer "
                           "ecgad")

    recorded = metadata.get("ecgad.checksum")
    if recorded is None:
        fail('missing metadata key "ecgad.checksum"')
    if not _HEX_DIGITS.fullmatch(recorded):
        fail(f'metadata "ecgad.checksum" is "{recorded}"; expected 32 lowercase hex digits '
             "(XXH3-128)")
    if verify_checksum is None:
        verify_checksum = _core is not None
    if verify_checksum:
        if _core is None:
            raise RuntimeError("verify_checksum=True needs ecgad's compiled core (XXH3-128); "
                               "pass verify_checksum=False to read without verifying")
        span = _checksum_span(header_bytes)
        if span is None or span[1] - span[0] != 32:
            fail('the "ecgad.checksum" entry is not written literally in the header; cannot '
                 "verify it")
        actual = _core.artifact.checksum(header_bytes[:span[0]], header_bytes[span[1]:], body)
        if actual != recorded:
            fail(f"checksum mismatch: the header records {recorded} but the contents hash to "
                 f"{actual} (the file is damaged or was modified)")

    out_meta: Metadata = {name: document(f"ecgad.{name}") for name in _DOCUMENTS}
    library = document("ecgad.library_version")
    if not isinstance(library, str):
        fail(f'metadata "ecgad.library_version" is {metadata["ecgad.library_version"]}; '
             "expected a version string")
    out_meta["format_version"] = version
    out_meta["library_version"] = library
    out_meta["extra"] = {k: v for k, v in metadata.items() if k not in _CONTRACT_KEYS}

    tensors: Tensors = {}
    for begin, end, name, shape in entries:
        array = np.frombuffer(body, dtype="<f4", count=(end - begin) // 4,
                              offset=begin).astype(np.float32).reshape(shape)
        if not np.isfinite(array).all():
            bad = int(np.flatnonzero(~np.isfinite(array.ravel()))[0])
            fail(f"tensor '{name}' holds {array.ravel()[bad]} at flat index {bad}; a model "
                 "with NaN or infinite weights is not loadable")
        tensors[name] = array
    return {name: tensors[name] for name in sorted(tensors)}, out_meta


def read_bundle(path, *, verify_checksum: Optional[bool] = None) -> Tuple[Tensors, Metadata]:
    """Read a bundle with nothing but :mod:`json` and :mod:`numpy`.

    Checks the safetensors layout (header length, JSON, every tensor's dtype, shape and
    offsets, contiguity), the format name and version, the checksum (see
    ``verify_checksum``), every metadata document and that all weights are finite. It does
    not check the tensors against the architecture config: :func:`load_bundle` does.

    Parameters
    ----------
    path : str or os.PathLike
        The bundle file.
    verify_checksum : bool or None
        ``None`` (default): verify the XXH3-128 checksum when ecgad's compiled core is
        importable (always inside an installed ecgad), skip it otherwise. ``True``: always
        verify (``RuntimeError`` when the core is missing). ``False``: never verify.

    Returns
    -------
    tensors : dict of str to numpy.ndarray
        float32 arrays, by name.
    metadata : dict
        ``architecture``, ``preprocessing``, ``calibration``, ``training``,
        ``drift_reference`` (decoded JSON, ``None`` when unset), ``format_version``,
        ``library_version`` and ``extra``.

    Raises
    ------
    ValueError
        The file is not a valid bundle (message names the file and the problem).
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> arch = {"name": "dense", "channels": 1, "length": 4, "n_extra": 0, "hidden": [2],
    ...         "activation": "relu", "output_activation": "sigmoid"}
    >>> tensors = {k: np.full(s, 0.5, np.float32)
    ...            for k, s in expected_tensor_shapes(arch).items()}
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> write_bundle(path, tensors, {"architecture": arch, "training": {"seed": 7}})
    >>> back, meta = read_bundle(path)
    >>> sorted(back)
    ['decoder.0.bias', 'decoder.0.weight', 'encoder.0.bias', 'encoder.0.weight']
    >>> back["encoder.0.weight"].shape, meta["training"], meta["calibration"]
    ((2, 4), {'seed': 7}, None)
    """
    source = f"bundle '{os.fspath(path)}'"
    with open(path, "rb") as f:
        head = f.read(8)
        size = os.fstat(f.fileno()).st_size
        if len(head) == 8:  # check the length field before reading the rest
            _check_length(int.from_bytes(head, "little"), size - 8, source)
        data = head + f.read()
    return _parse(data, source, verify_checksum)


def _encode_document(value, name: str) -> str:
    try:
        # Sorted keys, compact, raw UTF-8: the form nlohmann::json::dump() writes, so the C++
        # and Python writers produce the same bytes for the same bundle.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                          sort_keys=True)
    except ValueError as e:
        raise ValueError(f"metadata '{name}' cannot be stored: {e} (store None instead of "
                         "NaN or infinity)") from None
    except TypeError as e:
        raise ValueError(f"metadata '{name}' is not JSON-serialisable: {e}") from None


def _as_tensors(tensors: Mapping[str, Any]) -> Tensors:
    out: Tensors = {}
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise ValueError(f"tensor names must be str, got {name!r}")
        if name == "__metadata__":
            raise ValueError('a tensor cannot be named "__metadata__" (reserved by safetensors)')
        array = np.asarray(value)
        if array.dtype.kind != "f":
            raise ValueError(f"tensor '{name}' must hold floating-point values, got dtype "
                             f"{array.dtype}")
        array = np.ascontiguousarray(array, dtype="<f4")
        if not np.isfinite(array).all():
            bad = int(np.flatnonzero(~np.isfinite(array.ravel()))[0])
            raise ValueError(f"tensor '{name}' holds {array.ravel()[bad]} at flat index {bad}; "
                             "a model with NaN or infinite weights would not load")
        out[name] = array
    return out


def _check_metadata(metadata: Mapping[str, Any]) -> None:
    unknown = set(metadata) - _METADATA_KEYS
    if unknown:
        raise ValueError(f"unknown metadata keys {sorted(unknown)}; expected some of "
                         f"{sorted(_METADATA_KEYS)}")
    if not isinstance(metadata.get("architecture"), dict):
        raise ValueError("metadata['architecture'] must be the architecture config (a dict "
                         "with 'name', see docs/model.md)")
    extra = metadata.get("extra") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
        raise ValueError("metadata['extra'] must map str to str")
    reserved = _CONTRACT_KEYS.intersection(extra)
    if reserved:
        raise ValueError(f"metadata['extra'] keys {sorted(reserved)} are reserved for the "
                         "bundle itself (set the metadata fields instead)")


def write_bundle(path, tensors: Mapping[str, Any], metadata: Mapping[str, Any]) -> None:
    """Write a bundle in pure Python (json + numpy), atomically.

    The same layout and checksum as the C++ writer: metadata documents serialised compactly,
    tensors in name order, header padded so the data starts 8-byte aligned. The XXH3-128
    checksum comes from ecgad's compiled core. The file appears under its final name only when
    complete (temporary file in the same directory, fsync, rename). Tensors are not checked
    against the architecture config here; :func:`save_bundle` does.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; replaced if it exists.
    tensors : mapping of str to array_like
        Floating-point arrays (stored as float32), by PyTorch ``state_dict`` name.
    metadata : mapping
        ``architecture`` (required), ``preprocessing``, ``calibration``, ``training``,
        ``drift_reference`` (JSON-serialisable, default ``None``), ``extra`` (str to str);
        ``format_version`` and ``library_version`` are ignored (the writer records its own).

    Raises
    ------
    ValueError
        Non-float or non-finite tensors, NaN/infinity or unserialisable metadata, unknown keys.
    RuntimeError
        ecgad's compiled core (needed for the checksum) is not importable.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> arch = {"name": "dense", "channels": 1, "length": 4, "n_extra": 0, "hidden": [2],
    ...         "activation": "relu", "output_activation": "sigmoid"}
    >>> tensors = {k: np.zeros(s, np.float32) for k, s in expected_tensor_shapes(arch).items()}
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> write_bundle(path, tensors, {"architecture": arch})
    >>> load_bundle(path)[1]["architecture"] == arch   # the C++ reader agrees
    True
    """
    if _core is None:
        raise RuntimeError("write_bundle needs ecgad's compiled core for the XXH3-128 checksum")
    _check_metadata(metadata)
    arrays = _as_tensors(tensors)
    version = _core.__version__
    strings = {
        "ecgad.format": json.dumps(FORMAT),
        "ecgad.format_version": json.dumps(FORMAT_VERSION),
        "ecgad.library_version": json.dumps(version),
        "ecgad.checksum": "",
    }
    for name in _DOCUMENTS:
        strings[f"ecgad.{name}"] = _encode_document(metadata.get(name), name)
    strings.update(metadata.get("extra") or {})
    header: Dict[str, Any] = {"__metadata__": strings}
    offset = 0
    names = sorted(arrays)  # data in the order sort_keys lists the header entries
    for name in names:
        nbytes = arrays[name].nbytes
        header[name] = {"dtype": "F32", "shape": list(arrays[name].shape),
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False,
                      sort_keys=True).encode("utf-8")
    text += b" " * ((8 - (len(text) + 32) % 8) % 8)  # data 8-byte aligned after the digits
    begin, end = _checksum_span(text)
    assert begin == end, "the empty checksum value must be found in the encoded header"
    data = [memoryview(arrays[name]).cast("B") for name in names]
    digest = _core.artifact.checksum(text, *data).encode("ascii")
    text = text[:begin] + digest + text[begin:]
    _write_atomically(os.fspath(path), [len(text).to_bytes(8, "little"), text, *data])


def _write_atomically(path: str, parts) -> None:
    directory = os.path.dirname(path) or "."
    temp = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}-"
                                   f"{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            for part in parts:
                f.write(part)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# ------------------------------------------------------------------------- compiled core


def _require_core():
    if _core is None:
        raise RuntimeError("this function needs ecgad's compiled core (import ecgad)")
    return _core


def _decode(result) -> Tuple[Tensors, Metadata]:
    tensors, raw = result
    metadata: Metadata = {name: json.loads(raw[name]) for name in _DOCUMENTS}
    metadata["format_version"] = raw["format_version"]
    metadata["library_version"] = raw["library_version"]
    metadata["extra"] = dict(raw["extra"])
    return dict(tensors), metadata


def _encode(tensors: Mapping[str, Any], metadata: Mapping[str, Any]):
    _check_metadata(metadata)
    raw = {name: _encode_document(metadata.get(name), name) for name in _DOCUMENTS}
    raw["extra"] = dict(metadata.get("extra") or {})
    return _as_tensors(tensors), raw


def load_bundle(path) -> Tuple[Tensors, Metadata]:
    """Load and verify a bundle with the C++ reader.

    Every check of :func:`read_bundle`, always with the checksum, plus the tensor set against
    the architecture config (names and shapes, per ``docs/model.md``) — what a C++ host sees.

    Parameters
    ----------
    path : str or os.PathLike
        The bundle file.

    Returns
    -------
    tensors, metadata
        As :func:`read_bundle`.

    Raises
    ------
    ecgad.FormatError
        (a ``ValueError``) for any damage, a future format version or a wrong architecture,
        naming the file and the tensor or key.
    ecgad.IoError
        (an ``OSError``) when the file is missing or unreadable.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> arch = {"name": "dense", "channels": 1, "length": 4, "n_extra": 0, "hidden": [2],
    ...         "activation": "relu", "output_activation": "sigmoid"}
    >>> tensors = {k: np.ones(s, np.float32) for k, s in expected_tensor_shapes(arch).items()}
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> save_bundle(path, tensors, {"architecture": arch})
    >>> tensors["encoder.0.weight"] = np.ones((2, 5), np.float32)   # wrong shape
    >>> write_bundle(path, tensors, {"architecture": arch})
    >>> try:
    ...     load_bundle(path)
    ... except ValueError as e:
    ...     print(str(e).split(": ", 1)[1])
    tensor 'encoder.0.weight' has shape [2, 5]; architecture 'dense' expects [2, 4]
    """
    return _decode(_require_core().artifact.load_bundle(os.fspath(path)))


def save_bundle(path, tensors: Mapping[str, Any], metadata: Mapping[str, Any]) -> None:
    """Save a bundle with the C++ writer (atomic: temporary file, fsync, rename).

    Refuses what would not load back: tensors that do not match the architecture config,
    NaN/infinite weights or metadata values.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; replaced if it exists.
    tensors, metadata
        As :func:`write_bundle`.

    Raises
    ------
    ValueError
        As described above, naming the tensor or field.
    OSError
        The file cannot be written (the previous file, if any, is left untouched).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> arch = {"name": "dense", "channels": 1, "length": 4, "n_extra": 0, "hidden": [2],
    ...         "activation": "relu", "output_activation": "sigmoid"}
    >>> tensors = {k: np.ones(s, np.float32) for k, s in expected_tensor_shapes(arch).items()}
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> save_bundle(path, tensors, {"architecture": arch, "training": {"epochs": 3}})
    >>> read_bundle(path)[1]["training"]
    {'epochs': 3}
    """
    arrays, raw = _encode(tensors, metadata)
    _require_core().artifact.save_bundle(os.fspath(path), arrays, raw)


def bundle_to_bytes(tensors: Mapping[str, Any], metadata: Mapping[str, Any]) -> bytes:
    """The bytes of the bundle file :func:`save_bundle` would write (for pickling, databases).

    Examples
    --------
    >>> import numpy as np
    >>> arch = {"name": "dense", "channels": 1, "length": 4, "n_extra": 0, "hidden": [2],
    ...         "activation": "relu", "output_activation": "sigmoid"}
    >>> tensors = {k: np.ones(s, np.float32) for k, s in expected_tensor_shapes(arch).items()}
    >>> data = bundle_to_bytes(tensors, {"architecture": arch})
    >>> back, meta = bundle_from_bytes(data)
    >>> bool((back["decoder.0.weight"] == 1).all()), meta["format_version"]
    (True, 1)
    """
    arrays, raw = _encode(tensors, metadata)
    return _require_core().artifact.bundle_to_bytes(arrays, raw)


def bundle_from_bytes(data: bytes) -> Tuple[Tensors, Metadata]:
    """Load a bundle from the bytes of a bundle file, with every check of :func:`load_bundle`.

    Examples
    --------
    >>> try:
    ...     bundle_from_bytes(b"not a bundle")
    ... except ValueError as e:
    ...     print(e)
    bundle bytes: header length 8458358651683630958 exceeds the limit of 100000000 bytes
    """
    return _decode(_require_core().artifact.bundle_from_bytes(bytes(data)))


def checksum(*buffers) -> str:
    """XXH3-128 of the concatenated bytes-like objects, as 32 lowercase hex digits.

    The canonical (big-endian) form ``xxh128sum`` prints.

    Examples
    --------
    >>> checksum(b"")
    '99aa06d3014798d86001c324468d497f'
    >>> checksum(b"a", b"bc") == checksum(b"abc") == '06b05ab6733a618578af5f94892f3950'
    True
    """
    return _require_core().artifact.checksum(*buffers)


def fingerprint(matrix) -> str:
    """Fingerprint of a training matrix: XXH3-128 of its float32 values in row-major order.

    What the training summary records as the data fingerprint; equal to the C++
    ``artifact::data_fingerprint``. Other float dtypes are converted to float32 first (the
    model trains on float32), so the fingerprint identifies the data the model saw.

    Parameters
    ----------
    matrix : array_like, shape (n_rows, n_cols)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> fingerprint(x) == checksum(x.tobytes()) == fingerprint(np.asfortranarray(x))
    True
    """
    array = np.asarray(matrix)
    if array.ndim != 2:
        raise ValueError(f"matrix must be 2-D (rows x cols), got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"matrix must hold real numbers, got dtype {array.dtype}")
    return _require_core().artifact.fingerprint(np.ascontiguousarray(array, dtype=np.float32))


def expected_tensor_shapes(architecture: Mapping[str, Any]) -> Dict[str, Tuple[int, ...]]:
    """The tensors (PyTorch ``state_dict`` names and shapes) an architecture config implies.

    Per ``docs/model.md``: ``dense``, ``conv1d`` and ``lstm``. Every field that determines a
    shape must be present (a stored config never relies on defaults).

    Examples
    --------
    >>> arch = {"name": "dense", "channels": 1, "length": 140, "n_extra": 0,
    ...         "hidden": [32, 16, 8], "activation": "relu", "output_activation": "sigmoid"}
    >>> shapes = expected_tensor_shapes(arch)
    >>> shapes["encoder.0.weight"], shapes["decoder.2.weight"], len(shapes)
    ((32, 140), (140, 32), 12)
    """
    raw = _require_core().artifact.expected_tensor_shapes(json.dumps(dict(architecture)))
    return {name: tuple(shape) for name, shape in raw.items()}
