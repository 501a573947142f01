"""Data I/O: WFDB records and annotations (PhysioNet), UCR/UEA and CSV tables, NPY arrays.

Every reader validates what it reads. A corrupt, truncated or mismatched file raises
:class:`ecgad.FormatError` (a :class:`ValueError`) whose message names the file, the field and
what was expected; a missing file raises :class:`ecgad.IoError` (an :class:`OSError`). Sizes
claimed by headers are checked against the file size before anything is allocated.

Multi-lead records are ``(leads, samples)`` arrays; beats and UCR series are ``(N, L)``
``float32`` matrices, one series a row.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from ecgad import io
>>> folder = tempfile.mkdtemp()
>>> x = np.array([[0.0, 0.5, 1.0], [-1.0, 0.25, 0.0]])      # two leads, mV
>>> io.write_wfdb(os.path.join(folder, "demo"), x, 360.0, lead_names=["MLII", "V1"])
>>> rec = io.read_wfdb(os.path.join(folder, "demo"))
>>> rec.signal.shape, rec.fs_hz, rec.lead_names
((2, 3), 360.0, ['MLII', 'V1'])
>>> bool(np.array_equal(rec.signal, x))
True
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _core
from ._coredocs import document
from .signal import _as_signal

__all__ = [
    "Annotations",
    "CsvTable",
    "UcrDataset",
    "WfdbHeader",
    "WfdbRecord",
    "WfdbSignalSpec",
    "annotation_code",
    "annotation_description",
    "annotation_symbol",
    "read_annotations",
    "read_csv",
    "read_npy",
    "read_ucr",
    "read_wfdb",
    "read_wfdb_header",
    "vf_episodes",
    "write_annotations",
    "write_npy",
    "write_ucr",
    "write_wfdb",
]

PathLike = Union[str, "os.PathLike[str]"]
WfdbHeader = _core.io.WfdbHeader
WfdbSignalSpec = _core.io.WfdbSignalSpec

document(WfdbSignalSpec, """One signal (lead) of a WFDB header: where its samples are stored and
    how they are calibrated, as in WFDB ``header(5)``. :func:`read_wfdb_header` gives one per
    signal in ``WfdbHeader.signals``; :func:`write_wfdb` fills them from its arguments. Every
    field can be assigned.

    Attributes
    ----------
    file_name : str
        The signal file, relative to the header's folder (``"100.dat"``).
    format : int
        Storage format: 8, 16, 24, 32, 61, 80, 160, 212, 310 or 311.
    byte_offset : int
        Bytes skipped at the start of the signal file (``212+512`` in the header).
    adc_gain : float
        ADC units per physical unit; 200 when the header's gain is 0 or absent.
    uncalibrated : bool
        The header's gain was 0 or absent (``adc_gain`` then holds WFDB's 200).
    baseline : int
        ADC value of physical zero (``adc_zero`` when the header gives none).
    units : str
        Physical units, ``"mV"`` when absent.
    adc_resolution_bits : int
        ADC resolution in bits (the format's default when absent or 0).
    adc_zero : int
        ADC value at the middle of the ADC's input range.
    initial_value : int
        Value of the first sample (``adc_zero`` when the header gives none).
    has_initial_value : bool
        The header gave ``initial_value`` explicitly.
    checksum : int or None
        Signed 16-bit sum of the signal's samples; None when the header has no checksum.
    block_size : int
        Block size in bytes (0 for ordinary files).
    description : str
        Lead name, e.g. ``"MLII"``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "rec")
    >>> write_wfdb(path, np.array([[0.0, 0.5, 1.0]]), 360.0, lead_names=["MLII"])
    >>> spec = read_wfdb_header(path).signals[0]
    >>> spec
    WfdbSignalSpec(description='MLII', format=212, adc_gain=200.0, baseline=0, units='mV')
    >>> spec.file_name, spec.adc_resolution_bits, spec.checksum     # 0 + 100 + 200 adu
    ('rec.dat', 12, 300)
    """)

document(WfdbHeader, """A parsed WFDB header (``.hea``): the record line, one
    :class:`WfdbSignalSpec` per signal and the ``#`` comment lines. :func:`read_wfdb_header`
    returns it, and :func:`read_wfdb` as ``WfdbRecord.header``. Every field but ``n_signals``
    can be assigned.

    Attributes
    ----------
    record_name : str
        The record's name, its header's file name without ``.hea``.
    fs_hz : float
        Samples per second per signal (WFDB's default, 250, when the header gives none).
    counter_freq_hz : float
        Counter frequency in Hz; 0 when absent.
    base_counter : float
        Counter value of sample 0.
    n_samples : int
        Samples per signal; 0 when the header does not say.
    base_time : str
        ``"HH:MM:SS"`` as written; empty when absent.
    base_date : str
        ``"DD/MM/YYYY"`` as written; empty when absent.
    signals : list of WfdbSignalSpec
        One entry per signal, in file order.
    comments : list of str
        The ``#`` lines, without the ``#`` and surrounding blanks.
    n_signals : int
        ``len(signals)``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "rec")
    >>> write_wfdb(path, np.zeros((2, 1000)), 500.0, lead_names=["I", "II"],
    ...            comments=["age: 42"])
    >>> h = read_wfdb_header(path)
    >>> h
    WfdbHeader(record_name='rec', n_signals=2, fs_hz=500.0, n_samples=1000)
    >>> [s.description for s in h.signals], h.comments, h.base_time
    (['I', 'II'], ['age: 42'], '')
    """)

# Bits per sample of each writable WFDB format (the default ADC resolution written).
_FORMAT_BITS = {16: 16, 212: 12, 80: 8, 61: 16, 160: 16, 24: 24, 32: 32, 310: 10, 311: 10}


def _path(path: PathLike) -> str:
    return os.fspath(path)


def _per_lead(value, n_leads: int, name: str) -> list:
    """A scalar repeated for every lead, or a sequence with one entry per lead."""
    if isinstance(value, (str, bytes)) or np.ndim(value) == 0:
        return [value] * n_leads
    values = list(value)
    if len(values) != n_leads:
        raise ValueError(f"{name} has {len(values)} entries; expected one per lead ({n_leads})")
    return values


# ----------------------------------------------------------------------------------- WFDB


@dataclass(frozen=True)
class WfdbRecord:
    """A WFDB record read by :func:`read_wfdb`.

    Attributes
    ----------
    header : WfdbHeader
        The parsed header: ``record_name``, ``fs_hz``, ``n_samples``, ``base_time``,
        ``base_date``, ``comments`` and one :class:`WfdbSignalSpec` per lead in ``signals``
        (``adc_gain``, ``baseline``, ``units``, ``adc_resolution_bits``, ``adc_zero``,
        ``initial_value``, ``checksum``, ``description``, ``uncalibrated`` ...).
    adc : numpy.ndarray
        Raw ADC samples, ``int32``, shape ``(leads, samples)``.
    signal : numpy.ndarray or None
        Physical values ``(adc - baseline) / adc_gain``, ``float64``, ``(leads, samples)``;
        None when read with ``physical=False``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "rec")
    >>> write_wfdb(path, np.array([[0.0, 0.5, 1.0], [1.0, 0.0, -1.0]]), 360.0,
    ...            lead_names=["MLII", "V1"])
    >>> rec = read_wfdb(path)
    >>> rec.n_leads, rec.n_samples, rec.fs_hz, rec.lead_names, rec.units
    (2, 3, 360.0, ['MLII', 'V1'], ['mV', 'mV'])
    >>> rec.adc[1].tolist(), rec.signal[1].tolist()      # 200 adu per mV
    ([200, 0, -200], [1.0, 0.0, -1.0])
    """

    header: WfdbHeader
    adc: np.ndarray
    signal: Optional[np.ndarray]

    @property
    def fs_hz(self) -> float:
        """Sampling rate in Hz."""
        return self.header.fs_hz

    @property
    def n_leads(self) -> int:
        """Number of leads (signals) in the record."""
        return int(self.adc.shape[0])

    @property
    def n_samples(self) -> int:
        """Number of samples per lead."""
        return int(self.adc.shape[1])

    @property
    def lead_names(self) -> List[str]:
        """Each lead's description, e.g. ``['MLII', 'V1']``."""
        return [s.description for s in self.header.signals]

    @property
    def units(self) -> List[str]:
        """Each lead's physical units, e.g. ``['mV', 'mV']``."""
        return [s.units for s in self.header.signals]

    @property
    def comments(self) -> List[str]:
        """The header's ``#`` comment lines (age, sex, medications ... in MIT-BIH)."""
        return list(self.header.comments)

    def lead(self, lead: Union[int, str]) -> np.ndarray:
        """One lead in physical units, by index or name (a view, not a copy).

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "r")
        >>> write_wfdb(path, np.array([[1.0, 2.0], [3.0, 4.0]]), 250.0, lead_names=["I", "II"])
        >>> read_wfdb(path).lead("II")
        array([3., 4.])
        """
        if self.signal is None:
            raise RuntimeError("the record was read with physical=False; use .adc")
        if isinstance(lead, str):
            names = self.lead_names
            if lead not in names:
                raise ValueError(f"record {self.header.record_name!r} has no lead {lead!r}; "
                                 f"its leads are {names}")
            lead = names.index(lead)
        if not 0 <= int(lead) < self.n_leads:
            raise ValueError(f"lead index {lead} is out of range; the record has "
                             f"{self.n_leads} leads")
        return self.signal[int(lead)]


def read_wfdb_header(record: PathLike) -> WfdbHeader:
    """Read and validate the header (``.hea``) of a WFDB record.

    Parameters
    ----------
    record : str or path
        Record path without extension (``.../mitdb/101``); a trailing ``.hea`` is accepted.

    Returns
    -------
    WfdbHeader

    Raises
    ------
    ecgad.FormatError
        Malformed fields, multi-segment records, unsupported formats (message names the line
        and the field).
    ecgad.IoError
        The header does not exist or cannot be read.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "h")
    >>> write_wfdb(path, np.zeros((1, 10)), 500.0, comments=["age: 42"])
    >>> h = read_wfdb_header(path)
    >>> h.fs_hz, h.n_samples, h.signals[0].adc_gain, h.comments
    (500.0, 10, 200.0, ['age: 42'])
    """
    return _core.io.read_wfdb_header(_path(record))


def read_wfdb(record: PathLike, *, verify_checksums: bool = True,
              verify_initial_values: bool = True, physical: bool = True) -> WfdbRecord:
    """Read a single-segment WFDB record (header and signal files).

    Signal formats 8, 16, 24, 32, 61, 80, 160, 212, 310 and 311; several signal files and
    byte offsets; gain forms ``200``, ``200(0)``, ``200(1024)/mV`` and ``0`` (uncalibrated, read
    as 200 adu/mV with ``uncalibrated`` set). The ADC samples equal WFDB ``rdsamp``'s raw
    output; physical values equal ``(adc - baseline) / gain`` as in wfdb-python's ``rdrecord``.

    Parameters
    ----------
    record : str or path
        Record path without extension (``.../mitdb/101``); a trailing ``.hea`` is accepted.
    verify_checksums : bool
        Compare each signal's 16-bit sample sum with the header's checksum field.
    verify_initial_values : bool
        Compare each signal's first sample with the header's initial-value field.
    physical : bool
        Compute ``signal`` (False leaves it None and saves 8 bytes per sample).

    Returns
    -------
    WfdbRecord

    Raises
    ------
    ecgad.FormatError
        Corrupt or truncated files, checksum or initial-value mismatch: the message names the
        file, the field (e.g. ``n_samples``, ``checksum``) and the expected and actual values.
    ecgad.IoError
        A file does not exist or cannot be read.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "r")
    >>> adc = np.array([[995, 1000, 1024], [1011, 1024, 900]], dtype=np.int32)
    >>> write_wfdb(path, adc, 360.0, baseline=1024, fmt=212)      # integers: ADC values
    >>> rec = read_wfdb(path)
    >>> rec.adc.dtype, rec.signal[0].tolist()
    (dtype('int32'), [-0.145, -0.12, 0.0])
    """
    header, adc, signal = _core.io.read_wfdb(_path(record), bool(verify_checksums),
                                             bool(verify_initial_values), bool(physical))
    return WfdbRecord(header=header, adc=adc, signal=signal)


def write_wfdb(record: PathLike, signal, fs_hz: Optional[float] = None, *, fmt: int = 212,
               gain: Union[float, Sequence[float]] = 200.0,
               baseline: Union[int, Sequence[int]] = 0,
               units: Union[str, Sequence[str]] = "mV",
               lead_names: Optional[Sequence[str]] = None,
               adc_zero: Union[int, Sequence[int]] = 0,
               comments: Sequence[str] = ()) -> None:
    """Write a WFDB record: ``<record>.hea`` and ``<record>.dat`` in format 212 or 16 (or 80,
    61, 160, 24, 32, 310, 311), with checksums and initial values filled in, so that
    :func:`read_wfdb` returns exactly what was written.

    Parameters
    ----------
    record : str or path
        Record path without extension; its file name is the record name (letters, digits,
        ``_`` and ``-``).
    signal : array_like or WfdbRecord
        ``(leads, samples)`` or one 1-D lead. A float array holds physical values, converted
        with ``round(x * gain) + baseline`` (WFDB ``physadu``); an integer array holds ADC
        values written as they are. A :class:`WfdbRecord` is rewritten with its own header
        (the other calibration arguments are then ignored).
    fs_hz : float
        Sampling rate in Hz (taken from the record when ``signal`` is a WfdbRecord).
    fmt : int
        WFDB storage format; 212 stores 12-bit values, 16 stores 16-bit values.
    gain, baseline, units, lead_names, adc_zero : scalar or sequence
        Per-lead calibration (a scalar applies to every lead): ADC units per physical unit,
        ADC value of 0 in physical units, unit name, lead description, ADC zero.
    comments : sequence of str
        ``#`` lines appended to the header.

    Raises
    ------
    ValueError
        Values outside the format's range (the message names the lead and sample), NaN,
        inconsistent per-lead arguments, an invalid record name.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "ecg")
    >>> x = np.sin(np.linspace(0, 6.28, 1000))[None, :]
    >>> write_wfdb(path, x, 360.0, fmt=16, gain=1000.0)
    >>> bool(np.abs(read_wfdb(path).signal - x).max() <= 0.5 / 1000.0)
    True
    """
    if isinstance(signal, WfdbRecord):
        _core.io.write_wfdb(_path(record), signal.header, signal.adc, int(fmt))
        return
    if fs_hz is None:
        raise ValueError("fs_hz is required unless signal is a WfdbRecord")
    arr = np.asarray(signal)
    if arr.ndim == 1:
        arr = _as_signal(arr, "signal")[None, :] if arr.dtype.kind == "f" else arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"signal must be (leads, samples) or 1-D, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"signal must hold numbers, got dtype {arr.dtype}")
    n_leads = arr.shape[0]
    header = _core.io.WfdbHeader()
    header.fs_hz = float(fs_hz)
    header.comments = [str(c) for c in comments]
    names = lead_names if lead_names is not None else [f"lead{i}" for i in range(n_leads)]
    specs = []
    for g, b, u, name, z in zip(_per_lead(gain, n_leads, "gain"),
                                _per_lead(baseline, n_leads, "baseline"),
                                _per_lead(units, n_leads, "units"),
                                _per_lead(names, n_leads, "lead_names"),
                                _per_lead(adc_zero, n_leads, "adc_zero")):
        spec = _core.io.WfdbSignalSpec()
        spec.adc_gain = float(g)
        spec.baseline = int(b)
        spec.units = str(u)
        spec.description = str(name)
        spec.adc_zero = int(z)
        spec.adc_resolution_bits = _FORMAT_BITS.get(int(fmt), 0)
        specs.append(spec)
    header.signals = specs
    if arr.dtype.kind == "f":
        adc = _core.io.physical_to_adc(np.ascontiguousarray(arr, dtype=np.float64), specs)
    else:
        info = np.iinfo(np.int32)
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise ValueError("integer signal values must fit in 32 bits")
        adc = np.ascontiguousarray(arr, dtype=np.int32)
    _core.io.write_wfdb(_path(record), header, adc, int(fmt))


# ----------------------------------------------------------------------------- annotations


@dataclass(frozen=True)
class Annotations:
    """MIT-format annotations, one entry per annotation, as parallel arrays.

    Attributes
    ----------
    sample : numpy.ndarray
        ``int64`` sample index of each annotation.
    symbol : numpy.ndarray
        Mnemonic of each annotation (``'N'``, ``'V'``, ``'+'``, ``'~'`` ...), ``str`` array.
    code : numpy.ndarray
        MIT annotation code (WFDB ``ecgcodes.h``), ``int32``.
    sub_type, channel, num : numpy.ndarray
        WFDB's ``subtyp``, ``chan`` and ``num`` fields, ``int32``.
    aux : list of str
        Auxiliary text, e.g. ``'(AFIB'`` on rhythm changes (``''`` when absent).
    aami : numpy.ndarray
        ANSI/AAMI EC57 class of each beat, ``'N'``, ``'S'``, ``'V'``, ``'F'`` or ``'Q'``, and
        ``''`` for non-beat annotations.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "rec.atr")
    >>> write_annotations(path, [100, 460, 830], ["N", "V", "+"], aux=["", "", "(AFIB"])
    >>> ann = read_annotations(path)
    >>> len(ann), ann.code.tolist(), ann.aami.tolist(), ann.aux
    (3, [1, 5, 28], ['N', 'V', ''], ['', '', '(AFIB'])
    >>> ann[ann.symbol == "V"].sample.tolist(), ann.is_beat.tolist()
    ([460], [True, True, False])
    """

    sample: np.ndarray
    symbol: np.ndarray
    code: np.ndarray
    sub_type: np.ndarray
    channel: np.ndarray
    num: np.ndarray
    aux: List[str]
    aami: np.ndarray

    def __len__(self) -> int:
        return int(self.sample.size)

    def __getitem__(self, index) -> "Annotations":
        """A subset by mask, slice or index array, e.g. ``ann[ann.symbol == 'V']``."""
        idx = np.arange(len(self))[index]
        idx = np.atleast_1d(idx)
        return Annotations(self.sample[idx], self.symbol[idx], self.code[idx],
                           self.sub_type[idx], self.channel[idx], self.num[idx],
                           [self.aux[i] for i in idx], self.aami[idx])

    @property
    def is_beat(self) -> np.ndarray:
        """True for beat annotations (any EC57 class)."""
        return self.aami != ""

    def beats(self) -> "Annotations":
        """The beat annotations only, in their original order."""
        return self[self.is_beat]

    def aami_counts(self) -> Dict[str, int]:
        """Number of beats per EC57 class: ``{'N': n, 'S': n, 'V': n, 'F': n, 'Q': n}``."""
        return {c: int(np.count_nonzero(self.aami == c)) for c in "NSVFQ"}


def _decode_aux(raw: bytes) -> str:
    # Lossless: bytes that are not UTF-8 survive a write as surrogate escapes.
    return raw.decode("utf-8", errors="surrogateescape")


def read_annotations(path: PathLike, annotator: Optional[str] = None) -> Annotations:
    """Read an MIT-format annotation file (WFDB ``annot(5)``).

    Parameters
    ----------
    path : str or path
        The annotation file (``.../mitdb/101.atr``), or the record path when ``annotator`` is
        given (``read_annotations('.../mitdb/101', 'atr')``).
    annotator : str, optional
        Annotator name, the file's extension.

    Returns
    -------
    Annotations

    Raises
    ------
    ecgad.FormatError
        Truncated or corrupt file (the message names the byte offset).
    ecgad.IoError
        The file does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.atr")
    >>> write_annotations(path, [100, 460, 830, 900], ["N", "V", "+", "N"],
    ...                   aux=["", "", "(AFIB", ""])
    >>> ann = read_annotations(path)
    >>> ann.sample.tolist(), ann.symbol.tolist(), ann.aami.tolist()
    ([100, 460, 830, 900], ['N', 'V', '+', 'N'], ['N', 'V', '', 'N'])
    >>> ann.aux[2], ann.beats().sample.tolist(), ann.aami_counts()["V"]
    ('(AFIB', [100, 460, 900], 1)
    """
    file = _path(path)
    if annotator is not None:
        if not annotator:
            raise ValueError("annotator name is empty; expected e.g. 'atr'")
        file = f"{file}.{annotator}"
    d = _core.io.read_annotations(file)
    symbol = np.array(d["symbol"], dtype=str) if d["symbol"] else np.array([], dtype="<U1")
    aami = np.array(d["aami"], dtype="<U1") if d["aami"] else np.array([], dtype="<U1")
    return Annotations(sample=d["sample"], symbol=symbol, code=d["code"],
                       sub_type=d["sub_type"], channel=d["channel"], num=d["num"],
                       aux=[_decode_aux(a) for a in d["aux"]], aami=aami)


def write_annotations(path: PathLike, sample, symbol=None, *, sub_type=None, channel=None,
                      num=None, aux=None) -> None:
    """Write an MIT-format annotation file that :func:`read_annotations` reads back unchanged.

    Parameters
    ----------
    path : str or path
        The annotation file to write (e.g. ``.../100.atr``).
    sample : array_like of int or Annotations
        Sample index of each annotation (>= 0), or an :class:`Annotations` to write as is.
    symbol : sequence of str
        Mnemonic of each annotation (``'N'``, ``'V'``, ``'['`` ...).
    sub_type, channel, num : array_like of int, optional
        WFDB fields (default 0); ``sub_type`` and ``num`` in [-128, 127], ``channel`` in
        [0, 255].
    aux : sequence of str, optional
        Auxiliary text (at most 255 bytes each).

    Raises
    ------
    ValueError
        Unknown symbols, negative samples, out-of-range fields, mismatched lengths.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.atr")
    >>> write_annotations(path, [10, 5000, 2000000], ["N", "[", "]"])
    >>> read_annotations(path).sample.tolist()
    [10, 5000, 2000000]
    """
    if isinstance(sample, Annotations):
        a = sample
        _core.io.write_annotations(_path(path), a.sample, [str(s) for s in a.symbol],
                                   [int(c) for c in a.code], a.sub_type.tolist(),
                                   a.channel.tolist(), a.num.tolist(),
                                   [x.encode("utf-8", errors="surrogateescape") for x in a.aux])
        return
    samples = np.asarray(sample)
    if samples.ndim != 1 or samples.dtype.kind not in "iu":
        raise ValueError(f"sample must be a 1-D integer array, got dtype {samples.dtype} and "
                         f"shape {samples.shape}")
    n = samples.size
    if symbol is None:
        raise ValueError("symbol is required (one mnemonic per annotation)")
    symbols = [str(s) for s in symbol]

    def column(values, name):
        if values is None:
            return [0] * n
        out = np.asarray(values)
        if out.shape != (n,) or out.dtype.kind not in "iu":
            raise ValueError(f"{name} must be {n} integers, got dtype {out.dtype} and "
                             f"shape {out.shape}")
        return out.tolist()

    auxes = [b""] * n if aux is None else [str(x).encode("utf-8", errors="surrogateescape")
                                          for x in aux]
    _core.io.write_annotations(_path(path), samples.astype(np.int64), symbols, [0] * len(symbols),
                               column(sub_type, "sub_type"), column(channel, "channel"),
                               column(num, "num"), auxes)


def vf_episodes(annotations: Annotations, end_sample: Optional[int] = None) -> np.ndarray:
    """Ventricular flutter/fibrillation episodes, which EC57 leaves out of beat scoring.

    Each episode is the closed interval from a ``'['`` annotation to the next ``']'``. A ``'['``
    that is never closed runs to ``end_sample`` (by default the largest int64, i.e. to the end
    of the record); a ``'['`` inside an open episode and a stray ``']'`` are ignored.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(episodes, 2)``: start and end samples.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "v.atr")
    >>> write_annotations(path, [10, 100, 150, 200, 300], ["N", "[", "!", "]", "["])
    >>> vf_episodes(read_annotations(path), end_sample=1000).tolist()
    [[100, 200], [300, 1000]]
    """
    end = np.iinfo(np.int64).max if end_sample is None else int(end_sample)
    return _core.io.vf_episodes(annotations.sample, [str(s) for s in annotations.symbol], end)


def annotation_symbol(code: int) -> str:
    """The mnemonic of an MIT annotation code, e.g. ``annotation_symbol(5) == 'V'``.

    Examples
    --------
    >>> annotation_symbol(1), annotation_symbol(14), annotation_symbol(22), annotation_symbol(28)
    ('N', '~', '"', '+')
    """
    return _core.io.annotation_symbol(int(code))


def annotation_code(symbol: str) -> int:
    """The MIT annotation code of a mnemonic, e.g. ``annotation_code('V') == 5``.

    Examples
    --------
    >>> annotation_code("["), annotation_code("]"), annotation_code("!")
    (32, 33, 31)
    """
    return _core.io.annotation_code(str(symbol))


def annotation_description(code: int) -> str:
    """WFDB's description of an annotation code.

    Examples
    --------
    >>> annotation_description(5)
    'Premature ventricular contraction'
    """
    return _core.io.annotation_description(int(code))


# ---------------------------------------------------------------------------- UCR and CSV


class UcrDataset(NamedTuple):
    """A UCR/UEA dataset, as :func:`read_ucr` returns it; unpacks as ``values, labels``.

    Attributes
    ----------
    values : numpy.ndarray
        ``(N, L)`` float32, one series a row.
    labels : numpy.ndarray
        ``(N,)`` int64 class labels.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ECG_TEST.tsv")
    >>> write_ucr(path, [[0.5, 1.0], [2.0, -1.0]], [1, 2], delimiter="\\t")
    >>> data = read_ucr(path)
    >>> data.values.tolist(), data.labels.tolist()
    ([[0.5, 1.0], [2.0, -1.0]], [1, 2])
    >>> values, labels = data
    >>> values.shape
    (2, 2)
    """

    values: np.ndarray
    labels: np.ndarray


def read_ucr(path: PathLike) -> UcrDataset:
    """Read a UCR/UEA archive text file (label, then the values, one series a line).

    Separators may be commas, tabs or runs of blanks (the 2015 and 2018 archive styles);
    labels must be integers (``1`` or ``1.0000000e+00``). ECG5000, for example, gives
    ``values`` of shape ``(N, 140)`` and labels 1..5 (1 = normal).

    Raises
    ------
    ecgad.FormatError
        Ragged rows, non-numeric tokens, NaN, empty fields or no data (the message names the
        file, the line and the column).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ECG_TRAIN.tsv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1\\t0.5\\t-1.25\\t2\\n2.0000000e+00  1 2   3\\n")
    >>> values, labels = read_ucr(path)
    >>> values.dtype, values.shape, labels.tolist()
    (dtype('float32'), (2, 3), [1, 2])
    """
    values, labels = _core.io.read_ucr(_path(path))
    return UcrDataset(values=values, labels=labels)


def write_ucr(path: PathLike, values, labels, *, delimiter: str = ",") -> None:
    """Write series and labels as a UCR/UEA text file that :func:`read_ucr` reads back exactly
    (values are stored as float32 in their shortest round-trip decimal form).

    Parameters
    ----------
    path : str or path
    values : array_like
        ``(N, L)`` series, one a row (converted to float32).
    labels : array_like of int
        ``(N,)`` integer class labels.
    delimiter : {',', '\\t', ' '}

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "beats.csv")
    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    >>> write_ucr(path, x, [1, 3])
    >>> back = read_ucr(path)
    >>> bool(np.array_equal(back.values, x)), back.labels.tolist()
    (True, [1, 3])
    """
    arr = np.asarray(values)
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        raise ValueError(f"values must be a 2-D numeric (N, L) array, got dtype {arr.dtype} "
                         f"and shape {arr.shape}")
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D integer array, got dtype {lab.dtype} and "
                         f"shape {lab.shape}")
    if len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    _core.io.write_ucr(_path(path), lab.astype(np.int64).tolist(),
                       np.ascontiguousarray(arr, dtype=np.float32), delimiter)


class CsvTable(NamedTuple):
    """A numeric CSV table, as :func:`read_csv` returns it.

    Attributes
    ----------
    values : numpy.ndarray
        ``(rows, columns)`` float64: every column but the label column.
    labels : numpy.ndarray or None
        The label column as a ``str`` array; None when no label column was asked for.
    column_names : list of str
        The header's names of the value columns; empty without a header row.
    label_name : str
        The header's name of the label column; empty without a header row or a label.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("0.5,1,N\\n-0.25,2,V\\n")
    >>> t = read_csv(path, label=2)                 # no header row
    >>> t.values.tolist(), t.labels.tolist(), t.column_names, t.label_name
    ([[0.5, 1.0], [-0.25, 2.0]], ['N', 'V'], [], '')
    """

    values: np.ndarray
    labels: Optional[np.ndarray]
    column_names: List[str]
    label_name: str


def read_csv(path: PathLike, *, label: Union[None, str, int] = None,
             header: Union[str, bool] = "auto", delimiter: str = ",") -> CsvTable:
    """Read a numeric CSV file with an optional header row and an optional label column.

    Parameters
    ----------
    path : str or path
    label : str or int, optional
        The label column, by header name or by 0-based index; None: every column is a value.
    header : {'auto', True, False}
        ``'auto'``: the first line is a header when one of its non-label fields is not a
        number.
    delimiter : str
        One character, ``','`` by default.

    Returns
    -------
    CsvTable

    Raises
    ------
    ecgad.FormatError
        Non-numeric values, NaN, empty fields, ragged rows, no data (file, line, column).
    ValueError
        A label column the file does not have.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("MLII,V1,class\\n0.5,1,N\\n-0.25,2,V\\n")
    >>> t = read_csv(path, label="class")
    >>> t.values.tolist(), t.labels.tolist(), t.column_names
    ([[0.5, 1.0], [-0.25, 2.0]], ['N', 'V'], ['MLII', 'V1'])
    """
    if len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    if header is True:
        mode = "present"
    elif header is False:
        mode = "absent"
    elif header == "auto":
        mode = "auto"
    else:
        raise ValueError(f"header must be 'auto', True or False, got {header!r}")
    label_name = label if isinstance(label, str) else None
    label_index = None
    if label is not None and not isinstance(label, str):
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or label < 0:
            raise ValueError(f"label must be a column name or a non-negative index, got {label!r}")
        label_index = int(label)
    values, labels, names, lname = _core.io.read_csv(_path(path), delimiter, mode, label_name,
                                                     label_index)
    has_label = label is not None
    return CsvTable(values=values, labels=np.array(labels, dtype=str) if has_label else None,
                    column_names=list(names), label_name=lname)


# ------------------------------------------------------------------------------------ NPY


def read_npy(path: PathLike) -> np.ndarray:
    """Read a float32 or float64 ``.npy`` file (as written by :func:`numpy.save`).

    The header is parsed, never evaluated; big-endian, Fortran-ordered, object and other
    dtypes, and truncated files raise :class:`ecgad.FormatError` saying what was found.

    Returns
    -------
    numpy.ndarray
        The array, with the file's dtype and shape.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npy")
    >>> np.save(path, np.arange(6, dtype=np.float32).reshape(2, 3))
    >>> x = read_npy(path)
    >>> x.dtype, x.shape, float(x[1, 2])
    (dtype('float32'), (2, 3), 5.0)
    """
    return _core.io.read_npy(_path(path))


def write_npy(path: PathLike, array) -> None:
    """Write a float32 or float64 array as ``.npy`` (C order, little-endian), readable by
    :func:`numpy.load`.

    Raises
    ------
    ValueError
        Any other dtype (convert explicitly, e.g. ``x.astype(np.float64)``).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "b.npy")
    >>> write_npy(path, np.eye(3))
    >>> bool(np.array_equal(np.load(path), np.eye(3)))
    True
    """
    arr = np.asarray(array)
    if arr.dtype.kind != "f" or arr.dtype.itemsize not in (4, 8):
        raise ValueError(f"write_npy writes float32 or float64 arrays, got dtype {arr.dtype}; "
                         "convert explicitly (e.g. x.astype(np.float64))")
    native = arr.dtype.newbyteorder("=")  # big-endian input is swapped, values unchanged
    _core.io.write_npy(_path(path), np.ascontiguousarray(arr, dtype=native))


# doctest does not look inside compiled classes: run the examples documented above from here.
__test__ = {"WfdbHeader": WfdbHeader.__doc__, "WfdbSignalSpec": WfdbSignalSpec.__doc__}
