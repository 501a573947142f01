"""ecgad.io against independent references: a numpy decoder of WFDB format 212 on the real
MIT-BIH records, numpy.save/numpy.load interop both ways, round trips, and the error types
(ValueError for corrupt files and bad arguments, OSError for missing files)."""
import os
from pathlib import Path

import numpy as np
import pytest

import ecgad
from ecgad import io

DATA = Path(os.environ.get("ECGAD_DATA_DIR") or Path(__file__).resolve().parents[2] / ".." /
            "shared" / "data")
needs_mitdb = pytest.mark.skipif(not (DATA / "mitdb").is_dir(),
                                 reason=f"shared data folder {DATA / 'mitdb'} is absent "
                                        "(set ECGAD_DATA_DIR)")
DS1 = ["101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124",
       "201", "203", "205", "207", "208", "209", "215", "220", "223", "230"]


def decode_212_numpy(path, n_signals):
    """Format 212 decoded with numpy alone (WFDB signal(5)): two 12-bit samples in 3 bytes."""
    raw = np.fromfile(path, dtype=np.uint8).astype(np.int32)
    raw = raw[: raw.size // 3 * 3].reshape(-1, 3)
    first = raw[:, 0] | ((raw[:, 1] & 0x0F) << 8)
    second = raw[:, 2] | ((raw[:, 1] & 0xF0) << 4)
    flat = np.empty(2 * raw.shape[0], dtype=np.int32)
    flat[0::2], flat[1::2] = first, second
    flat = np.where(flat >= 2048, flat - 4096, flat)
    return flat.reshape(-1, n_signals).T


# ------------------------------------------------------------------------------------ WFDB


@needs_mitdb
@pytest.mark.parametrize("name", ["101", "207", "223"])
def test_real_record_equals_numpy_decoding_of_format_212(name):
    rec = io.read_wfdb(DATA / "mitdb" / name)
    ref = decode_212_numpy(DATA / "mitdb" / f"{name}.dat", 2)
    assert rec.adc.shape == (2, 650000) == ref.shape
    np.testing.assert_array_equal(rec.adc, ref)
    # Physical units as wfdb-python's rdrecord computes them: (adc - baseline) / gain.
    np.testing.assert_array_equal(rec.signal, (ref - 1024) / 200.0)
    assert rec.fs_hz == 360.0 and rec.units == ["mV", "mV"]
    assert rec.lead_names[0] in ("MLII", "V5")
    np.testing.assert_array_equal(rec.lead(0), rec.signal[0])


@needs_mitdb
def test_every_ds1_record_reads_and_verifies():
    for name in DS1:
        rec = io.read_wfdb(DATA / "mitdb" / name, physical=False)
        assert rec.signal is None and rec.n_samples == 650000
        for s, spec in enumerate(rec.header.signals):
            assert rec.adc[s, 0] == spec.initial_value
            assert np.int16(np.sum(rec.adc[s], dtype=np.int64) & 0xFFFF) == spec.checksum


@needs_mitdb
def test_nstdb_gain_zero_is_uncalibrated():
    rec = io.read_wfdb(DATA / "nstdb" / "ma")
    assert all(s.uncalibrated and s.adc_gain == 200.0 for s in rec.header.signals)
    np.testing.assert_array_equal(rec.signal, rec.adc / 200.0)


@pytest.mark.parametrize("fmt", [212, 16, 80, 24, 32, 61, 160, 310, 311])
def test_round_trip_of_adc_values_is_exact(tmp_path, rng, fmt):
    bits = {212: 12, 80: 8, 310: 10, 311: 10, 24: 24, 32: 32}.get(fmt, 16)
    adc = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), size=(3, 1001)).astype(np.int32)
    io.write_wfdb(tmp_path / "r", adc, 500.0, fmt=fmt, gain=[100.0, 200.0, 50.5],
                  baseline=[0, -3, 7], units=["mV", "uV", "mmHg"], lead_names=["a", "b", "c"],
                  comments=["seeded"])
    rec = io.read_wfdb(tmp_path / "r")
    np.testing.assert_array_equal(rec.adc, adc)
    assert rec.header.signals[2].format == fmt
    np.testing.assert_array_equal(rec.signal[1], (adc[1] + 3) / 200.0)
    assert rec.units == ["mV", "uV", "mmHg"] and rec.comments == ["seeded"]


def test_physical_round_trip_and_rewrite(tmp_path):
    t = np.arange(3600) / 360.0
    x = np.vstack([np.sin(2 * np.pi * t), 0.5 * np.cos(2 * np.pi * 3 * t)])
    io.write_wfdb(tmp_path / "a", x, 360.0, fmt=16, gain=1000.0)
    rec = io.read_wfdb(tmp_path / "a")
    assert np.max(np.abs(rec.signal - x)) <= 0.5 / 1000.0 + 1e-15  # half an ADC step
    np.testing.assert_array_equal(rec.adc, np.round(x * 1000.0).astype(np.int32))
    io.write_wfdb(tmp_path / "b", rec, fmt=212)  # a record is rewritten with its own header
    np.testing.assert_array_equal(io.read_wfdb(tmp_path / "b").signal, rec.signal)
    one = io.write_wfdb(tmp_path / "c", x[0], 360.0, gain=1000.0, fmt=16)
    assert one is None and io.read_wfdb(tmp_path / "c").adc.shape == (1, 3600)


def test_wfdb_errors(tmp_path):
    with pytest.raises(OSError, match="nothing.hea"):
        io.read_wfdb(tmp_path / "nothing")
    with pytest.raises(ecgad.IoError):
        io.read_wfdb_header(tmp_path / "nothing")
    (tmp_path / "r.hea").write_text("r 1 360 5\nr.dat 16 200 16 0 1\n")
    (tmp_path / "r.dat").write_bytes(b"\x01\x00\x02\x00")
    with pytest.raises(ValueError, match="n_samples.*says 5.*holds 2"):
        io.read_wfdb(tmp_path / "r")
    with pytest.raises(ecgad.FormatError):
        io.read_wfdb(tmp_path / "r")
    (tmp_path / "s.hea").write_text("s 1 360 2\ns.dat 16 200 16 0 1 99\n")
    (tmp_path / "s.dat").write_bytes(b"\x01\x00\x02\x00")
    with pytest.raises(ValueError, match="checksum.*says 99.*sum to 3"):
        io.read_wfdb(tmp_path / "s")
    assert io.read_wfdb(tmp_path / "s", verify_checksums=False).adc.tolist() == [[1, 2]]
    (tmp_path / "m.hea").write_text("m/2 1 360 10\nm_1 5\nm_2 5\n")
    with pytest.raises(ValueError, match="multi-segment"):
        io.read_wfdb_header(tmp_path / "m")
    (tmp_path / "u.hea").write_text("u 1 360 1\nu.dat 555\n")
    with pytest.raises(ValueError, match="format 555"):
        io.read_wfdb(tmp_path / "u")


def test_write_wfdb_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"lead 0 sample 1.*\[-2048, 2047\]"):
        io.write_wfdb(tmp_path / "r", np.array([[0, 5000]]), 360.0, fmt=212)
    with pytest.raises(ValueError, match="lead 0 sample 2.*nan"):
        io.write_wfdb(tmp_path / "r", np.array([[0.0, 1.0, np.nan]]), 360.0)
    with pytest.raises(ValueError, match="fs_hz is required"):
        io.write_wfdb(tmp_path / "r", np.zeros((1, 3)))
    with pytest.raises(ValueError, match="gain has 3 entries"):
        io.write_wfdb(tmp_path / "r", np.zeros((2, 3)), 360.0, gain=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        io.write_wfdb(tmp_path / "r", np.zeros((2, 3, 4)), 360.0)
    with pytest.raises(ValueError, match="format 8"):
        io.write_wfdb(tmp_path / "r", np.zeros((1, 3)), 360.0, fmt=8)
    with pytest.raises(ValueError, match="bad name"):
        io.write_wfdb(tmp_path / "bad name", np.zeros((1, 3)), 360.0)
    rec_missing_dir = tmp_path / "no_dir" / "r"
    with pytest.raises(OSError, match="no_dir"):
        io.write_wfdb(rec_missing_dir, np.zeros((1, 3)), 360.0)


# ----------------------------------------------------------------------------- annotations


@needs_mitdb
def test_real_annotations_and_vf_episodes():
    ann = io.read_annotations(DATA / "mitdb" / "207", "atr")
    # MIT-BIH Directory, record 207 (entire record): L 1457, R 86, A 107, V 105, E 105, ! 472.
    assert ann.aami_counts() == {"N": 1543, "S": 107, "V": 210, "F": 0, "Q": 0}
    assert int(np.count_nonzero(ann.symbol == "!")) == 472
    episodes = io.vf_episodes(ann, end_sample=650000)
    assert episodes.dtype == np.int64 and episodes.shape[1] == 2 and len(episodes) > 0
    flutter = ann.sample[ann.symbol == "!"]
    inside = np.zeros(flutter.size, dtype=bool)
    for start, end in episodes:
        inside |= (flutter >= start) & (flutter <= end)
    assert inside.all()
    assert np.all(np.diff(ann.sample) >= 0)
    beats = ann.beats()
    assert len(beats) == 1543 + 107 + 210
    assert set(np.unique(beats.aami)) <= set("NSVFQ")
    rhythm = ann[ann.symbol == "+"]
    assert "(VFL" in rhythm.aux  # rhythm labels without their stored NUL terminator


def test_annotation_round_trip_with_every_field(tmp_path, rng):
    n = 500
    sample = np.cumsum(rng.integers(0, 3000, size=n)).astype(np.int64)
    symbols = rng.choice(["N", "V", "A", "+", "~", "[", "]", "!", "x", "|"], size=n)
    sub = rng.integers(-128, 128, size=n)
    chan = rng.integers(0, 256, size=n)
    num = rng.integers(-128, 128, size=n)
    aux = ["" if i % 3 else f"(AFIB é {i}" for i in range(n)]
    io.write_annotations(tmp_path / "a.atr", sample, symbols, sub_type=sub, channel=chan,
                         num=num, aux=aux)
    back = io.read_annotations(tmp_path / "a.atr")
    np.testing.assert_array_equal(back.sample, sample)
    np.testing.assert_array_equal(back.symbol, symbols)
    np.testing.assert_array_equal(back.sub_type, sub)
    np.testing.assert_array_equal(back.channel, chan)
    np.testing.assert_array_equal(back.num, num)
    assert back.aux == aux
    np.testing.assert_array_equal(back.code, [io.annotation_code(s) for s in symbols])
    io.write_annotations(tmp_path / "b.atr", back)  # an Annotations object is written as is
    assert (tmp_path / "b.atr").read_bytes() == (tmp_path / "a.atr").read_bytes()


def test_annotation_errors(tmp_path):
    with pytest.raises(OSError):
        io.read_annotations(tmp_path / "none.atr")
    (tmp_path / "t.atr").write_bytes(b"\x0a\x04")
    with pytest.raises(ValueError, match="byte 2.*end-of-file"):
        io.read_annotations(tmp_path / "t.atr")
    with pytest.raises(ValueError, match="'Z'"):
        io.write_annotations(tmp_path / "w.atr", [1], ["Z"])
    with pytest.raises(ValueError, match="sample -1"):
        io.write_annotations(tmp_path / "w.atr", [-1], ["N"])
    with pytest.raises(ValueError, match="sample must be a 1-D integer array"):
        io.write_annotations(tmp_path / "w.atr", [1.5], ["N"])
    with pytest.raises(ValueError, match="symbol has 2 entries"):
        io.write_annotations(tmp_path / "w.atr", [1], ["N", "V"])
    with pytest.raises(ValueError, match="channel"):
        io.write_annotations(tmp_path / "w.atr", [1], ["N"], channel=[300])
    assert io.annotation_symbol(22) == '"' and io.annotation_symbol(14) == "~"


# ----------------------------------------------------------------------------- UCR and CSV


def test_ucr_round_trip_and_errors(tmp_path, rng):
    x = rng.standard_normal((50, 140)).astype(np.float32)  # ECG5000's beat length
    y = rng.integers(1, 6, size=50)
    for delimiter in (",", "\t", " "):
        io.write_ucr(tmp_path / "d.txt", x, y, delimiter=delimiter)
        back = io.read_ucr(tmp_path / "d.txt")
        np.testing.assert_array_equal(back.values, x)
        np.testing.assert_array_equal(back.labels, y)
    # numpy writes the 2015 archive style; ecgad reads it.
    np.savetxt(tmp_path / "np.txt", np.column_stack([y, x.astype(np.float64)]), fmt="%.7e")
    np.testing.assert_allclose(io.read_ucr(tmp_path / "np.txt").values, x, rtol=1e-6)
    (tmp_path / "bad.txt").write_text("1 0.5 0.25\n2 0.5\n")
    with pytest.raises(ValueError, match="line 2.*1 values; expected 2"):
        io.read_ucr(tmp_path / "bad.txt")
    (tmp_path / "nan.txt").write_text("1 0.5 nan\n")
    with pytest.raises(ValueError, match="line 1, column 3"):
        io.read_ucr(tmp_path / "nan.txt")
    with pytest.raises(ValueError, match="labels must be a 1-D integer"):
        io.write_ucr(tmp_path / "w.txt", x, y.astype(float))


def test_csv_labels_and_errors(tmp_path):
    (tmp_path / "t.csv").write_text("t,MLII,class\n0,0.5,N\n1,-1.5,V\n")
    t = io.read_csv(tmp_path / "t.csv", label="class")
    np.testing.assert_array_equal(t.values, [[0, 0.5], [1, -1.5]])
    assert t.labels.tolist() == ["N", "V"] and t.column_names == ["t", "MLII"]
    t2 = io.read_csv(tmp_path / "t.csv", label=2)
    assert t2.label_name == "class"
    (tmp_path / "n.csv").write_text("1,2\n3,4\n")
    assert io.read_csv(tmp_path / "n.csv").labels is None
    assert io.read_csv(tmp_path / "n.csv", header=True).column_names == ["1", "2"]
    with pytest.raises(ValueError, match="no column named 'y'"):
        io.read_csv(tmp_path / "t.csv", label="y")
    (tmp_path / "b.csv").write_text("a,b\n1,x\n")
    with pytest.raises(ValueError, match="line 2: column 2: 'x'"):
        io.read_csv(tmp_path / "b.csv")
    with pytest.raises(ValueError, match="header must be"):
        io.read_csv(tmp_path / "n.csv", header="yes")


# ------------------------------------------------------------------------------------ NPY


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (0,), (0, 3)])
def test_npy_interop_both_ways(tmp_path, rng, dtype, shape):
    x = rng.standard_normal(shape).astype(dtype)
    np.save(tmp_path / "np.npy", x)
    ours = io.read_npy(tmp_path / "np.npy")
    assert ours.dtype == x.dtype and ours.shape == x.shape
    np.testing.assert_array_equal(ours, x)
    io.write_npy(tmp_path / "ours.npy", x)
    theirs = np.load(tmp_path / "ours.npy")
    assert theirs.dtype == x.dtype
    np.testing.assert_array_equal(theirs, x)
    # Same bytes as numpy.save writes.
    assert (tmp_path / "ours.npy").read_bytes() == (tmp_path / "np.npy").read_bytes()


def test_npy_rejections(tmp_path):
    np.save(tmp_path / "f.npy", np.asfortranarray(np.ones((3, 4))))
    with pytest.raises(ValueError, match="Fortran order"):
        io.read_npy(tmp_path / "f.npy")
    np.save(tmp_path / "be.npy", np.ones(3, dtype=">f8"))
    with pytest.raises(ValueError, match="big-endian.*'>f8'"):
        io.read_npy(tmp_path / "be.npy")
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="'\\|O'.*Python objects"):
        io.read_npy(tmp_path / "o.npy")
    np.save(tmp_path / "i.npy", np.arange(3))
    with pytest.raises(ValueError, match="'<i8'"):
        io.read_npy(tmp_path / "i.npy")
    np.save(tmp_path / "t.npy", np.ones(10))
    (tmp_path / "t.npy").write_bytes((tmp_path / "t.npy").read_bytes()[:-8])
    with pytest.raises(ecgad.FormatError, match="truncated.*needs 80.*holds 72"):
        io.read_npy(tmp_path / "t.npy")
    with pytest.raises(OSError):
        io.read_npy(tmp_path / "missing.npy")
    with pytest.raises(ValueError, match="float32 or float64.*int64"):
        io.write_npy(tmp_path / "w.npy", np.arange(3))
    big_endian = np.arange(4, dtype=">f4")
    io.write_npy(tmp_path / "w.npy", big_endian)  # byte order converted, values kept
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), big_endian)
    io.write_npy(tmp_path / "v.npy", np.arange(12.0).reshape(3, 4)[:, ::2])  # strided view
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), [[0, 2], [4, 6], [8, 10]])
