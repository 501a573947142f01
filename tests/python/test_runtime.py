"""The Eigen runtime against PyTorch, live: torch.nn modules built from docs/model.md's contract
(tests/golden/torch_reference.py) with random weights, the same weights in the runtime, the same
beats through both; then bundles, a model trained by ecgad's LibTorch code, threads and every
bad input."""
import json
import pathlib
import sys
import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "golden"))
import torch_reference as ref  # noqa: E402

import ecgad  # noqa: E402
from ecgad import artifact  # noqa: E402
from ecgad.runtime import BeatScore, RuntimeModel, expected_tensors  # noqa: E402

torch.set_num_threads(1)

CONFIGS = {
    "dense_preset": ref.DENSE_PRESET,
    "dense_tanh_extras": {"name": "dense", "channels": 2, "length": 30, "n_extra": 4,
                          "hidden": [24, 12, 5], "activation": "tanh",
                          "output_activation": "linear"},
    "dense_one_layer": {"name": "dense", "channels": 1, "length": 50, "n_extra": 0,
                        "hidden": [3], "activation": "linear", "output_activation": "sigmoid"},
    "conv1d_preset": ref.CONV1D_PRESET,
    "conv1d_extras": {"name": "conv1d", "channels": 2, "length": 64, "n_extra": 3,
                      "conv_channels": [5, 6, 7], "kernel_size": 5, "latent": 9,
                      "activation": "tanh", "output_activation": "sigmoid"},
    "conv1d_k3_relu": {"name": "conv1d", "channels": 3, "length": 20, "n_extra": 0,
                       "conv_channels": [4], "kernel_size": 3, "latent": 4,
                       "activation": "relu", "output_activation": "relu"},
}


def torch_model(cfg, seed):
    torch.manual_seed(seed)
    module = ref.build(cfg).eval()
    # Wider than PyTorch's default init so relu/sigmoid/tanh all see large arguments too.
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(3.0)
    return module


def beats_for(cfg, n, seed):
    n_in = cfg["channels"] * cfg["length"] + cfg["n_extra"]
    return np.random.default_rng(seed).normal(0.5, 0.4, (n, n_in)).astype(np.float32)


def assert_close(actual, expected):
    """Within 1e-5 of the reference, relative to its scale when that exceeds 1 (float32 sums
    of ~1000 products of values ~10 differ by a few 1e-5 absolute, i.e. by ~1e-6 of the
    value, with any summation order)."""
    atol = 1e-5 * max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=0)


def torch_outputs(module, x):
    with torch.no_grad():
        xt = torch.from_numpy(x)
        z = module.encode(xt)
        r = module.decode(z)
        e = xt - r
    return {"latent": z.numpy(), "reconstruction": r.numpy(), "mae": e.abs().mean(1).numpy(),
            "mse": (e * e).mean(1).numpy(), "max": e.abs().amax(1).numpy(),
            "profile": e.abs().numpy()}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_matches_pytorch_on_random_weights(name):
    cfg = CONFIGS[name]
    module = torch_model(cfg, seed=len(name))
    model = RuntimeModel.from_tensors(cfg, ref.tensors_of(module))
    x = beats_for(cfg, 300, seed=1)  # more than one block of beats
    want = torch_outputs(module, x)
    assert np.abs(want["reconstruction"]).max() > 0.1  # the test is not about zeros
    assert_close(model.reconstruct(x), want["reconstruction"])
    assert_close(model.encode(x), want["latent"])
    assert_close(model.error_profile(x), want["profile"])
    scores = model.score(x, "all")
    for key in ("mae", "mse", "max"):
        assert_close(scores[key], want[key])
    for r in (0, 17, 299):
        one = model.score_one(x[r])
        assert isinstance(one, BeatScore)
        assert (one.mae, one.mse, one.max) == (scores["mae"][r], scores["mse"][r],
                                               scores["max"][r])


def test_expected_tensors_are_the_torch_state_dict():
    for cfg in CONFIGS.values():
        shapes = {k: tuple(v.shape) for k, v in ref.build(cfg).state_dict().items()}
        assert expected_tensors(cfg) == shapes
        assert list(expected_tensors(cfg)) == list(shapes)  # module order too


def test_inputs_are_converted_once_and_checked():
    cfg = CONFIGS["dense_tanh_extras"]
    module = torch_model(cfg, seed=3)
    model = RuntimeModel.from_tensors(cfg, {k: v.double() for k, v in module.state_dict().items()})
    x32 = beats_for(cfg, 5, seed=2)
    expected = model.reconstruct(x32)
    np.testing.assert_array_equal(model.reconstruct(x32.astype(np.float64)), expected)
    np.testing.assert_array_equal(model.reconstruct(np.asfortranarray(x32)), expected)
    wide = np.zeros((5, 2 * x32.shape[1]), np.float32)
    wide[:, ::2] = x32
    np.testing.assert_array_equal(model.reconstruct(wide[:, ::2]), expected)
    np.testing.assert_array_equal(model.reconstruct(x32.tolist()), expected)
    assert model.reconstruct(np.zeros((0, 64))).shape == (0, 64)
    assert model.score(np.zeros((0, 64))).shape == (0,)

    with pytest.raises(ValueError, match=r"input_size = 64 columns, got shape \(5, 63\)"):
        model.score(x32[:, :63])
    with pytest.raises(ValueError, match=r"2-D array"):
        model.reconstruct(x32[0])
    with pytest.raises(ValueError, match=r"1-D array of input_size = 64 values, got shape \(1, 64\)"):
        model.score_one(x32[:1])
    with pytest.raises(ValueError, match="real numbers"):
        model.encode(np.array([["a"] * 64]))
    with pytest.raises(ValueError, match="metric must be"):
        model.score(x32, "rmse")
    bad = x32.copy()
    bad[3, 10] = np.nan
    with pytest.raises(ecgad.InvalidArgument, match=r"element \(3, 10\) is nan"):
        model.score(bad)
    with pytest.raises(ecgad.InvalidArgument, match="element 10 is nan"):
        model.score_one(bad[3])


def test_bad_tensors_and_configs_name_the_culprit():
    cfg = CONFIGS["conv1d_extras"]
    good = ref.tensors_of(torch_model(cfg, seed=4))
    RuntimeModel.from_tensors(cfg, good)
    missing = dict(good)
    del missing["decoder.deconv1.bias"]
    with pytest.raises(ecgad.FormatError, match="'decoder.deconv1.bias' is missing"):
        RuntimeModel.from_tensors(cfg, missing)
    extra = dict(good, **{"decoder.deconv3.weight": np.zeros((1, 1, 5), np.float32)})
    with pytest.raises(ecgad.FormatError, match="unexpected model tensor 'decoder.deconv3.weight'"):
        RuntimeModel.from_tensors(cfg, extra)
    transposed = dict(good, **{"encoder.fc.weight": good["encoder.fc.weight"].T})
    with pytest.raises(ecgad.FormatError, match=r"'encoder.fc.weight' has shape \[59, 9\], "
                                                r"expected \[9, 59\]"):
        RuntimeModel.from_tensors(cfg, transposed)
    nan = {k: v.copy() for k, v in good.items()}
    nan["encoder.conv1.weight"][2, 1, 0] = np.inf
    with pytest.raises(ecgad.FormatError, match="'encoder.conv1.weight' holds a non-finite"):
        RuntimeModel.from_tensors(cfg, nan)
    with pytest.raises(ecgad.FormatError, match="unknown field 'hiden'"):
        RuntimeModel.from_tensors({"name": "dense", "hiden": [3]}, {})
    with pytest.raises(ecgad.FormatError, match="divisible by 2"):
        RuntimeModel.from_tensors(dict(cfg, length=66), good)
    with pytest.raises(ecgad.FormatError, match="LSTM models score through LibTorch"):
        RuntimeModel.from_tensors({"name": "lstm"}, {})
    with pytest.raises(ValueError, match="config must be a dict"):
        RuntimeModel.from_tensors(json.dumps(cfg), good)
    with pytest.raises(TypeError, match="from_bundle"):
        RuntimeModel(None)


def test_bundle_round_trip_scores_like_pytorch(tmp_path):
    for name in ("dense_preset", "conv1d_extras"):
        cfg = CONFIGS[name]
        module = torch_model(cfg, seed=5)
        path = tmp_path / f"{name}.safetensors"
        artifact.save_bundle(path, ref.tensors_of(module), {"architecture": cfg})
        model = RuntimeModel.from_bundle(path)
        assert model.config == cfg
        x = beats_for(cfg, 50, seed=6)
        want = torch_outputs(module, x)
        assert_close(model.reconstruct(x), want["reconstruction"])
    with pytest.raises(OSError):
        RuntimeModel.from_bundle(tmp_path / "missing.safetensors")
    damaged = tmp_path / "damaged.safetensors"
    data = bytearray((tmp_path / "dense_preset.safetensors").read_bytes())
    data[-3] ^= 0x40
    damaged.write_bytes(bytes(data))
    with pytest.raises(ecgad.FormatError, match="checksum"):
        RuntimeModel.from_bundle(damaged)


@pytest.mark.parametrize("architecture", ["dense", "conv1d"])
def test_trained_libtorch_model_scores_the_same(tmp_path, architecture):
    model_mod = pytest.importorskip("ecgad.model")
    if not hasattr(model_mod, "Autoencoder"):
        pytest.skip("ecgad.model.Autoencoder not built")
    rng = np.random.default_rng(7)
    t = np.linspace(0, 1, 140, dtype=np.float32)
    beats = (0.5 + 0.4 * np.exp(-((t - 0.35) / 0.03) ** 2)[None, :]
             + 0.02 * rng.standard_normal((600, 140))).astype(np.float32)
    trained = model_mod.Autoencoder(architecture, seed=3)
    trained.fit(beats, epochs=3, batch_size=64)
    path = tmp_path / "trained.safetensors"
    trained.save(path)
    runtime = RuntimeModel.from_bundle(path)
    x = beats[:200]
    assert_close(runtime.reconstruct(x), trained.reconstruct(x))
    assert_close(runtime.encode(x), trained.encode(x))
    assert_close(runtime.score(x), trained.score(x))
    # ... and PyTorch itself agrees on the trained weights.
    tensors, metadata = artifact.load_bundle(path)
    module = ref.load(ref.build(metadata["architecture"]), tensors)
    assert_close(runtime.reconstruct(x), torch_outputs(module, x)["reconstruction"])


def test_threads_share_one_model():
    cfg = CONFIGS["conv1d_preset"]
    model = RuntimeModel.from_tensors(cfg, ref.tensors_of(torch_model(cfg, seed=8)))
    x = beats_for(cfg, 500, seed=9)
    serial = model.score(x, "all")
    results = [None] * 4

    def work(i):
        results[i] = model.score(x, "all")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for r in results:
        for key in ("mae", "mse", "max"):
            np.testing.assert_array_equal(r[key], serial[key])
