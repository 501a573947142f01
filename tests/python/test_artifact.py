"""ecgad.artifact: bundles written by C++ read by a pure json+numpy reader in a process that
never imports ecgad (and vice versa, byte for byte); the architecture rules checked against
PyTorch's own state_dict names and shapes; the checksum against libxxhash through ctypes; bad
files as ValueError naming the file, missing files as OSError."""
import ctypes
import ctypes.util
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ecgad
from ecgad import artifact

DENSE = {"name": "dense", "channels": 1, "length": 140, "n_extra": 0, "hidden": [32, 16, 8],
         "activation": "relu", "output_activation": "sigmoid"}
CONV = {"name": "conv1d", "channels": 2, "length": 64, "n_extra": 3, "conv_channels": [8, 16],
        "kernel_size": 5, "latent": 6, "activation": "relu", "output_activation": "linear"}
LSTM = {"name": "lstm", "channels": 1, "length": 140, "n_extra": 0, "hidden": 24, "layers": 2,
        "latent": 8, "activation": "tanh", "output_activation": "linear"}
METADATA = {
    "preprocessing": {"fs_hz": 360.0, "beat": {"before_s": 0.25, "after_s": 0.45, "length": 140},
                      "normalizer": {"kind": "beat_zscore", "params": {}}},
    "training": {"seed": 7, "epochs_run": 3, "losses": [0.5, 0.0421, 1e-05, 1.5e300],
                 "fingerprint": "00112233445566778899aabbccddeeff", "note": "µV – ünïcode"},
    "calibration": None,
    "drift_reference": {"latent_mean": [0.1, -0.2, 3.0]},
}


def random_tensors(architecture, seed):
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape).astype(np.float32)
            for name, shape in artifact.expected_tensor_shapes(architecture).items()}


def metadata_for(architecture, **extra):
    return {"architecture": architecture, **METADATA, **extra}


def assert_same_tensors(a, b):
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == np.float32 and b[name].dtype == np.float32, name
        assert a[name].shape == b[name].shape, name
        assert a[name].tobytes() == b[name].tobytes(), name  # bit for bit


# ----------------------------------------------------------------------------- checksums


def test_checksum_equals_libxxhash_through_ctypes():
    name = ctypes.util.find_library("xxhash") or "libxxhash.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        pytest.skip("libxxhash shared library not installed")

    class Hash128(ctypes.Structure):
        _fields_ = [("low64", ctypes.c_uint64), ("high64", ctypes.c_uint64)]

    lib.XXH3_128bits.restype = Hash128
    lib.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    rng = np.random.default_rng(3)
    for size in (0, 1, 3, 16, 17, 128, 129, 240, 241, 1000, 100_003):
        data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        h = lib.XXH3_128bits(data, len(data))
        assert artifact.checksum(data) == f"{h.high64:016x}{h.low64:016x}"
        # Split anywhere: the digest of the concatenation.
        cut = size // 3
        assert artifact.checksum(data[:cut], memoryview(data)[cut:]) == artifact.checksum(data)
    assert artifact.checksum(b"abc") == "06b05ab6733a618578af5f94892f3950"


def test_checksum_and_fingerprint_argument_errors():
    with pytest.raises(ValueError, match="C-contiguous bytes-like"):
        artifact.checksum("text is not bytes")
    with pytest.raises(ValueError, match="C-contiguous"):
        artifact.checksum(np.zeros((4, 4))[:, ::2])
    with pytest.raises(ValueError, match="2-D"):
        artifact.fingerprint(np.zeros(5))
    with pytest.raises(ValueError, match="real numbers"):
        artifact.fingerprint(np.array([["a"]]))


def test_fingerprint_is_the_float32_row_major_bytes():
    x = np.random.default_rng(1).standard_normal((50, 140))
    x32 = x.astype(np.float32)
    assert artifact.fingerprint(x32) == artifact.checksum(x32.tobytes())
    assert artifact.fingerprint(np.asfortranarray(x32)) == artifact.fingerprint(x32)
    assert artifact.fingerprint(x) == artifact.fingerprint(x32)  # converted to float32 first
    y = x32.copy()
    y[49, 139] = np.nextafter(y[49, 139], np.float32(1e9))
    assert artifact.fingerprint(y) != artifact.fingerprint(x32)


# ----------------------------------------------------------------------- architectures


def torch_modules():
    """The three architectures built as torch.nn modules following docs/model.md."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def dense(c):
        n_in = c["channels"] * c["length"] + c["n_extra"]
        sizes = [n_in] + c["hidden"]
        dec = list(reversed(c["hidden"]))[1:] + [n_in]
        m = nn.Module()
        m.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        m.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip([c["hidden"][-1]] + dec, dec))
        return m

    def conv(c):
        ch, k, n = c["conv_channels"], c["kernel_size"], len(c["conv_channels"])
        flat = ch[-1] * (c["length"] >> n) + c["n_extra"]
        m = nn.Module()
        m.encoder, m.decoder = nn.Module(), nn.Module()
        prev = c["channels"]
        for i, out in enumerate(ch):
            setattr(m.encoder, f"conv{i}", nn.Conv1d(prev, out, k, 2, (k - 1) // 2))
            prev = out
        m.encoder.fc = nn.Linear(flat, c["latent"])
        m.decoder.fc = nn.Linear(c["latent"], flat)
        for i in range(n - 1, -1, -1):
            out = ch[i - 1] if i > 0 else c["channels"]
            setattr(m.decoder, f"deconv{n - 1 - i}",
                    nn.ConvTranspose1d(ch[i], out, k, 2, (k - 1) // 2, output_padding=1))
        return m

    def lstm(c):
        m = nn.Module()
        m.encoder, m.decoder = nn.Module(), nn.Module()
        m.encoder.lstm = nn.LSTM(c["channels"], c["hidden"], c["layers"], batch_first=True)
        m.encoder.fc = nn.Linear(c["hidden"], c["latent"])
        m.decoder.lstm = nn.LSTM(c["latent"], c["hidden"], c["layers"], batch_first=True)
        m.decoder.fc = nn.Linear(c["hidden"], c["channels"])
        return m

    torch.manual_seed(0)
    return torch, [(DENSE, dense(DENSE)), (CONV, conv(CONV)), (LSTM, lstm(LSTM))]


def test_expected_shapes_are_pytorch_state_dict_shapes(tmp_path):
    torch, modules = torch_modules()
    for config, module in modules:
        state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
        assert {k: v.shape for k, v in state.items()} == \
            artifact.expected_tensor_shapes(config), config["name"]
        # A PyTorch state_dict saves and loads through the C++ bundle code as it is.
        path = tmp_path / f"{config['name']}.safetensors"
        artifact.save_bundle(path, state, {"architecture": config})
        tensors, meta = artifact.load_bundle(path)
        assert_same_tensors(tensors, state)
        assert meta["architecture"] == config
    # The conv1d decoder really reconstructs the input length with these layers.
    _, module = modules[1]
    x = torch.zeros(1, CONV["conv_channels"][-1], CONV["length"] >> 2)
    y = module.decoder.deconv1(module.decoder.deconv0(x))
    assert tuple(y.shape) == (1, CONV["channels"], CONV["length"])


def test_expected_shapes_errors():
    with pytest.raises(ValueError, match="unknown architecture"):
        artifact.expected_tensor_shapes({**DENSE, "name": "gru"})
    with pytest.raises(ValueError, match="missing field 'hidden'"):
        artifact.expected_tensor_shapes({k: v for k, v in DENSE.items() if k != "hidden"})
    with pytest.raises(ValueError, match="divisible by 2\\^2"):
        artifact.expected_tensor_shapes({**CONV, "length": 66})


# ---------------------------------------------------------------------- interoperability


STANDALONE = textwrap.dedent("""
    import importlib.util, json, sys
    import numpy as np

    module_path, bundle_path, out_path = sys.argv[1:4]

    # 1. An independent reader in a dozen lines: json + numpy, nothing else.
    with open(bundle_path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__")
    body = data[8 + n:]
    plain = {}
    for name, info in header.items():
        assert info["dtype"] == "F32"
        begin, end = info["data_offsets"]
        plain[name] = np.frombuffer(body[begin:end], "<f4").reshape(info["shape"])

    # 2. ecgad/artifact.py loaded from its file, outside its package (no compiled core).
    spec = importlib.util.spec_from_file_location("standalone_artifact", module_path)
    reader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reader)
    tensors, metadata = reader.read_bundle(bundle_path)
    try:
        reader.read_bundle(bundle_path, verify_checksum=True)
        required = "read"
    except RuntimeError as e:
        required = str(e)

    assert "ecgad" not in sys.modules and "torch" not in sys.modules, sorted(sys.modules)
    np.savez(out_path, **{"plain/" + k: v for k, v in plain.items()},
             **{"reader/" + k: v for k, v in tensors.items()})
    print(json.dumps({"meta": {k: json.loads(v) for k, v in meta.items()
                               if k.startswith("ecgad.") and k != "ecgad.checksum"},
                      "metadata": metadata, "required": required,
                      "modules": [m for m in sys.modules if m.startswith("ecgad")]}))
""")


@pytest.mark.parametrize("config", [DENSE, CONV], ids=["dense", "conv1d"])
def test_cpp_written_bundle_read_without_ecgad(tmp_path, config):
    tensors = random_tensors(config, 5)
    metadata = metadata_for(config, extra={"vendor.note": "kept"})
    path = tmp_path / "model.safetensors"
    artifact.save_bundle(path, tensors, metadata)  # the C++ writer
    out = tmp_path / "out.npz"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-c", STANDALONE, artifact.__file__, str(path),
                          str(out)], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["modules"] == []
    assert "needs ecgad's compiled core" in result["required"]
    arrays = np.load(out)
    assert_same_tensors({k[6:]: arrays[k] for k in arrays if k.startswith("plain/")}, tensors)
    assert_same_tensors({k[7:]: arrays[k] for k in arrays if k.startswith("reader/")}, tensors)
    meta = result["meta"]
    assert meta["ecgad.format"] == "ecgad-bundle" and meta["ecgad.format_version"] == 1
    assert meta["ecgad.library_version"] == ecgad.__version__
    assert meta["ecgad.architecture"] == config
    assert meta["ecgad.training"] == METADATA["training"]
    assert result["metadata"] == {**metadata, "format_version": 1,
                                  "library_version": ecgad.__version__}


@pytest.mark.parametrize("config", [DENSE, CONV, LSTM], ids=["dense", "conv1d", "lstm"])
def test_python_written_bundle_is_byte_identical_to_cpp(tmp_path, config):
    tensors = random_tensors(config, 9)
    metadata = metadata_for(config, extra={"vendor.note": "kept"})
    path = tmp_path / "py.safetensors"
    artifact.write_bundle(path, tensors, metadata)  # pure Python + the checksum helper
    back, meta = artifact.load_bundle(path)  # the C++ reader, architecture check included
    assert_same_tensors(back, tensors)
    assert meta == {**metadata, "format_version": 1, "library_version": ecgad.__version__}
    # Same layout, same serialisation, same checksum: the two writers agree byte for byte.
    assert path.read_bytes() == artifact.bundle_to_bytes(tensors, metadata)
    cpp_path = tmp_path / "cpp.safetensors"
    artifact.save_bundle(cpp_path, tensors, metadata)
    assert cpp_path.read_bytes() == path.read_bytes()
    # And the pure reader verifies the C++ file's checksum through the compiled core.
    back2, meta2 = artifact.read_bundle(cpp_path, verify_checksum=True)
    assert_same_tensors(back2, tensors)
    assert meta2 == meta


def test_bytes_round_trip_and_float64_input():
    tensors = {k: v.astype(np.float64) for k, v in random_tensors(DENSE, 2).items()}
    data = artifact.bundle_to_bytes(tensors, {"architecture": DENSE})
    back, meta = artifact.bundle_from_bytes(data)
    for name, value in tensors.items():
        np.testing.assert_array_equal(back[name], value.astype(np.float32))
    assert meta["preprocessing"] is None and meta["extra"] == {}
    assert artifact.bundle_from_bytes(bytearray(data))[1] == meta


# ------------------------------------------------------------------------------ bad files


@pytest.fixture
def good_bundle(tmp_path):
    path = tmp_path / "model.safetensors"
    tensors = random_tensors({**DENSE, "length": 8, "hidden": [4, 2]}, 4)
    artifact.save_bundle(path, tensors, {"architecture": {**DENSE, "length": 8,
                                                          "hidden": [4, 2]}})
    return path, path.read_bytes(), tensors


def both_readers_refuse(path, *needles):
    for read in (artifact.read_bundle, artifact.load_bundle):
        with pytest.raises(ValueError) as info:
            read(path)
        message = str(info.value)
        assert path.name in message, message
        for needle in needles:
            assert needle in message, (read.__name__, message)


def test_truncated_files(good_bundle):
    path, data, _ = good_bundle
    for n in list(range(0, 40)) + list(range(40, len(data), 17)):
        path.write_bytes(data[:n])
        both_readers_refuse(path)


def test_data_bit_flip_is_a_checksum_mismatch(good_bundle):
    path, data, _ = good_bundle
    damaged = bytearray(data)
    damaged[-5] ^= 0x10
    path.write_bytes(bytes(damaged))
    both_readers_refuse(path, "checksum mismatch")
    # The documented opt-out reads it anyway (and the value differs).
    tensors, _ = artifact.read_bundle(path, verify_checksum=False)
    assert len(tensors) == 8


def test_header_bit_flips_never_load(good_bundle):
    path, data, _ = good_bundle
    n = int.from_bytes(data[:8], "little")
    for byte in range(8, 8 + n, 7):
        damaged = bytearray(data)
        damaged[byte] ^= 0x04
        path.write_bytes(bytes(damaged))
        both_readers_refuse(path)


def test_future_version(good_bundle):
    path, data, _ = good_bundle
    # Same length, so the layout stays valid: "ecgad.format_version":"1" -> "7".
    path.write_bytes(data.replace(b'"ecgad.format_version":"1"', b'"ecgad.format_version":"7"'))
    both_readers_refuse(path, "format version 7", "format version 1")


def test_wrong_architecture_is_refused_by_load_bundle(tmp_path):
    tensors = random_tensors(DENSE, 1)
    tensors["encoder.1.weight"] = np.zeros((16, 33), np.float32)
    path = tmp_path / "wrong.safetensors"
    artifact.write_bundle(path, tensors, {"architecture": DENSE})  # the pure writer allows it
    with pytest.raises(ecgad.FormatError, match=r"tensor 'encoder.1.weight' has shape \[16, 33\]"):
        artifact.load_bundle(path)
    with pytest.raises(ValueError, match="encoder.1.weight"):
        artifact.save_bundle(path, tensors, {"architecture": DENSE})
    del tensors["encoder.1.weight"]
    artifact.write_bundle(path, tensors, {"architecture": DENSE})
    with pytest.raises(ValueError, match="missing tensor 'encoder.1.weight'"):
        artifact.load_bundle(path)


def test_nan_weights_are_refused(tmp_path):
    tensors = random_tensors(DENSE, 1)
    tensors["decoder.0.bias"][3] = np.nan
    path = tmp_path / "nan.safetensors"
    for write in (artifact.write_bundle, artifact.save_bundle):
        with pytest.raises(ValueError, match="tensor 'decoder.0.bias' holds nan at flat index 3"):
            write(path, tensors, {"architecture": DENSE})
    assert not path.exists()


def test_oversized_header_length_and_garbage(good_bundle):
    path, data, _ = good_bundle
    path.write_bytes((1 << 60).to_bytes(8, "little") + data[8:])
    both_readers_refuse(path, "exceeds the limit of 100000000 bytes")
    path.write_bytes(len(data).to_bytes(8, "little") + data[8:])
    both_readers_refuse(path, f"header length {len(data)} exceeds the {len(data) - 8} bytes")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    both_readers_refuse(path)


def test_strict_metadata_documents(tmp_path):
    # Python's json would accept these; the C++ reader does not, and neither does read_bundle.
    tensors = random_tensors(DENSE, 1)
    good = tmp_path / "good.safetensors"
    artifact.write_bundle(good, tensors, {"architecture": DENSE})
    data = good.read_bytes()
    path = tmp_path / "strict.safetensors"
    for bad, needle in ((b'"ecgad.calibration":"null"', None),
                        (b'"ecgad.calibration":"1e400"', "not valid JSON"),
                        (b'"ecgad.calibration":"NaN"', "not valid JSON"),
                        (b'"ecgad.calibration":"{\\"a\\":1,\\"a\\":2}"', "duplicate key"),
                        (b'"ecgad.calibration":"' + b"[" * 65 + b"]" * 65 + b'"', "deeper")):
        text = data.replace(b'"ecgad.calibration":"null"', bad)
        n = int.from_bytes(text[:8], "little") + len(bad) - len(b'"ecgad.calibration":"null"')
        text = n.to_bytes(8, "little") + text[8:]
        path.write_bytes(text)
        if needle is None:
            assert artifact.read_bundle(path)[1]["calibration"] is None
            continue
        # The checksum no longer matches either, so skip it to reach the document check.
        with pytest.raises(ValueError, match=needle):
            artifact.read_bundle(path, verify_checksum=False)


@pytest.mark.parametrize("header, data, needle", [
    ('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}', 12, "needs 16 bytes"),
    ('{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],'
     '"data_offsets":[0,12]}}', 12, "needs more than 12 bytes"),
    ('{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', 8, "F32 tensors only"),
    ('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', 4, "integers >= 0"),
    ('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8, "a gap"),
    ('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
     '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8, "overlaps"),
    ('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 8, "holds 8 bytes"),
    ('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
     '"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4, 'duplicate key "w"'),
    ('{"__metadata__":{"k":1}}', 0, "object of strings"),
    ('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}', 4, "exactly dtype"),
    ("[1]", 0, "must be a JSON object"),
    ('{"a":' + "[" * 9 + "]" * 9 + "}", 0, "nested deeper than 8"),
    ('{"a":1}\0', 0, "NUL byte"),
])
def test_pure_reader_layout_errors(tmp_path, header, data, needle):
    path = tmp_path / "layout.safetensors"
    raw = header.encode()
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + bytes(data))
    with pytest.raises(ValueError, match=re.escape(needle)):
        artifact.read_bundle(path, verify_checksum=False)


def test_not_an_ecgad_bundle(tmp_path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    path = tmp_path / "plain.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\0\0\x80\x3f")
    both_readers_refuse(path, "not an ecgad bundle")


def test_missing_file_is_oserror(tmp_path):
    for read in (artifact.read_bundle, artifact.load_bundle):
        with pytest.raises(OSError):
            read(tmp_path / "absent.safetensors")


def test_writer_argument_errors(tmp_path):
    tensors = random_tensors(DENSE, 1)
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="unknown metadata keys \\['trainng'\\]"):
        artifact.write_bundle(path, tensors, {"architecture": DENSE, "trainng": {}})
    with pytest.raises(ValueError, match="metadata\\['architecture'\\] must be the architecture"):
        artifact.save_bundle(path, tensors, {})
    with pytest.raises(ValueError, match="metadata 'training' cannot be stored"):
        artifact.write_bundle(path, tensors, {"architecture": DENSE,
                                              "training": {"loss": float("nan")}})
    with pytest.raises(ValueError, match="floating-point"):
        artifact.write_bundle(path, {**tensors, "x": np.zeros(2, np.int64)},
                              {"architecture": DENSE})
    with pytest.raises(ValueError, match="reserved"):
        artifact.write_bundle(path, tensors, {"architecture": DENSE,
                                              "extra": {"ecgad.checksum": "x"}})
    assert list(tmp_path.iterdir()) == []


def test_python_writer_is_atomic(tmp_path, monkeypatch, good_bundle):
    path, data, tensors = good_bundle

    def failing_fsync(fd):
        raise OSError("simulated disk failure")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        artifact.write_bundle(path, random_tensors(DENSE, 8), {"architecture": DENSE})
    monkeypatch.undo()
    assert path.read_bytes() == data  # the old bundle is untouched
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
