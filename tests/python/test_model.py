"""ecgad.model.Autoencoder against PyTorch (Debian's torch, the reference): the same initial
weights for the same seed, the same forward pass, the same training trajectory; plus the
Python face (shapes, errors, GIL release, cancel, callbacks, files, pickling)."""
import json
import os
import pickle
import struct
import threading
import time

import numpy as np
import pytest

import ecgad
from ecgad.model import Autoencoder

torch = pytest.importorskip("torch")
nn = torch.nn

ACTS = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
        "linear": lambda x: x}


# ---------------------------------------------------------------- PyTorch references
class DenseRef(nn.Module):
    def __init__(self, c):
        super().__init__()
        width = c["channels"] * c["length"] + c["n_extra"]
        sizes = [width] + c["hidden"]
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        back = c["hidden"][::-1] + [width]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back, back[1:]))
        self.act, self.out = ACTS[c["activation"]], ACTS[c["output_activation"]]

    def encode(self, x):
        for layer in self.encoder:
            x = self.act(layer(x))
        return x

    def forward(self, x):
        h = self.encode(x)
        for j, layer in enumerate(self.decoder):
            h = (self.out if j == len(self.decoder) - 1 else self.act)(layer(h))
        return h


class Conv1dRef(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        k, cc, n = c["kernel_size"], c["conv_channels"], len(c["conv_channels"])
        self.bottom = c["length"] >> n
        flat = cc[-1] * self.bottom
        self.encoder, self.decoder = nn.Module(), nn.Module()
        prev = c["channels"]
        for i, ch in enumerate(cc):
            self.encoder.add_module(f"conv{i}", nn.Conv1d(prev, ch, k, 2, (k - 1) // 2))
            prev = ch
        self.encoder.fc = nn.Linear(flat + c["n_extra"], c["latent"])
        self.decoder.fc = nn.Linear(c["latent"], flat + c["n_extra"])
        for j in range(n):
            i = n - 1 - j
            out = cc[i - 1] if i > 0 else c["channels"]
            self.decoder.add_module(
                f"deconv{j}", nn.ConvTranspose1d(cc[i], out, k, 2, (k - 1) // 2, output_padding=1))
        self.act, self.out = ACTS[c["activation"]], ACTS[c["output_activation"]]

    def encode(self, x):
        c = self.c
        beat = c["channels"] * c["length"]
        h = x[:, :beat].reshape(-1, c["channels"], c["length"])
        for i in range(len(c["conv_channels"])):
            h = self.act(getattr(self.encoder, f"conv{i}")(h))
        h = torch.cat([h.reshape(len(x), -1), x[:, beat:]], 1)
        return self.act(self.encoder.fc(h))

    def forward(self, x):
        c, n = self.c, len(self.c["conv_channels"])
        d = self.decoder.fc(self.encode(x))
        flat = c["conv_channels"][-1] * self.bottom
        h = self.act(d[:, :flat]).reshape(len(x), c["conv_channels"][-1], self.bottom)
        for j in range(n):
            h = getattr(self.decoder, f"deconv{j}")(h)
            h = (self.out if j == n - 1 else self.act)(h)
        return torch.cat([h.reshape(len(x), -1), self.out(d[:, flat:])], 1)


class LstmRef(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.encoder, self.decoder = nn.Module(), nn.Module()
        self.encoder.lstm = nn.LSTM(c["channels"], c["hidden"], c["layers"], batch_first=True)
        self.encoder.fc = nn.Linear(c["hidden"], c["latent"])
        self.decoder.lstm = nn.LSTM(c["latent"], c["hidden"], c["layers"], batch_first=True)
        self.decoder.fc = nn.Linear(c["hidden"], c["channels"])
        self.act, self.out = ACTS[c["activation"]], ACTS[c["output_activation"]]

    def encode(self, x):
        c = self.c
        steps = x.reshape(len(x), c["channels"], c["length"]).transpose(1, 2)
        _, (h, _) = self.encoder.lstm(steps)
        return self.act(self.encoder.fc(h[-1]))

    def forward(self, x):
        c = self.c
        z = self.encode(x)
        out, _ = self.decoder.lstm(z.unsqueeze(1).expand(len(x), c["length"], c["latent"]))
        y = self.out(self.decoder.fc(out))
        return y.transpose(1, 2).reshape(len(x), -1)


REFS = {"dense": DenseRef, "conv1d": Conv1dRef, "lstm": LstmRef}
CONFIGS = [
    ("dense", {}),
    ("dense", {"length": 50, "n_extra": 3, "hidden": [20, 6], "activation": "tanh",
               "output_activation": "linear"}),
    ("conv1d", {"length": 32, "channels": 2, "n_extra": 3, "conv_channels": [4, 8],
                "kernel_size": 5, "latent": 6}),
    ("lstm", {"length": 20, "hidden": 12, "layers": 2, "latent": 4}),
]


def reference(model: Autoencoder, seed: int):
    torch.manual_seed(seed)
    return REFS[model.config["name"]](model.config)


def normal_beats(n, length=140, seed=0, inverted_t=False):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, length)[None, :]
    shift = 0.01 * rng.standard_normal((n, 1))
    bump = lambda c, w: np.exp(-(((t - c - shift) / w) ** 2))  # noqa: E731
    t_amp = (-0.3 if inverted_t else 0.3) * (1 + 0.1 * rng.standard_normal((n, 1)))
    v = bump(0.2, 0.04) * 0.1 + bump(0.36, 0.02) - 0.15 * bump(0.4, 0.02) + t_amp * bump(0.7, 0.06)
    return (0.25 + 0.6 * (v + 0.01 * rng.standard_normal((n, length)))).astype(np.float32)


# ---------------------------------------------------------------- equal to PyTorch
@pytest.mark.parametrize("name,config", CONFIGS)
def test_initial_weights_equal_pytorch_for_the_same_seed(name, config):
    model = Autoencoder(name, seed=11, **config)
    ref = reference(model, 11)
    ours = model.state_dict()
    theirs = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    assert list(theirs) == sorted(theirs, key=list(theirs).index)  # construction order
    assert set(ours) == set(theirs)
    for k in theirs:
        np.testing.assert_array_equal(ours[k], theirs[k], err_msg=k)


@pytest.mark.parametrize("name,config", CONFIGS)
def test_forward_and_latent_equal_pytorch(name, config):
    model = Autoencoder(name, seed=2, **config)
    rng = np.random.default_rng(3)
    model.load_state_dict({k: v + 0.05 * rng.standard_normal(v.shape).astype(np.float32)
                           for k, v in model.state_dict().items()})
    ref = reference(model, 0)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    x = rng.random((9, model.input_size), dtype=np.float32)
    with torch.no_grad():
        y = ref(torch.from_numpy(x)).numpy()
        z = ref.encode(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model.reconstruct(x), y, rtol=0, atol=2e-6)
    np.testing.assert_allclose(model.encode(x), z, rtol=0, atol=2e-6)


def pytorch_training(model, x, epochs, batch_size, lr, loss="mae"):
    ref = reference(model, model.seed)
    opt = torch.optim.Adam(ref.parameters(), lr=lr)
    data = torch.from_numpy(x)
    f = torch.nn.functional.l1_loss if loss == "mae" else torch.nn.functional.mse_loss
    history = []
    for _ in range(epochs):
        total = 0.0
        for i in range(0, len(data), batch_size):
            b = data[i:i + batch_size]
            value = f(ref(b), b)
            opt.zero_grad()
            value.backward()
            opt.step()
            total += value.item() * len(b)
        history.append(total / len(data))
    return ref, history


@pytest.mark.parametrize("engine", ["fused_dense", "libtorch"])
def test_dense_training_follows_pytorch(engine):
    x = normal_beats(300, seed=1)
    model = Autoencoder(seed=4).fit(x, epochs=6, batch_size=64, learning_rate=3e-3,
                                    shuffle=False, engine=engine)
    ref, history = pytorch_training(model, x, 6, 64, 3e-3)
    np.testing.assert_allclose(model.history_["loss"], history, rtol=2e-4)
    for k, v in ref.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[k], v.numpy(), rtol=0, atol=2e-4,
                                   err_msg=k)


def test_conv1d_training_follows_pytorch():
    x = normal_beats(96, length=32, seed=2)
    model = Autoencoder("conv1d", length=32, conv_channels=[4, 8], kernel_size=5, latent=6,
                        seed=5).fit(x, epochs=3, batch_size=32, shuffle=False, loss="mse")
    _, history = pytorch_training(model, x, 3, 32, 1e-3, loss="mse")
    np.testing.assert_allclose(model.history_["loss"], history, rtol=1e-4)


# ---------------------------------------------------------------- the Python face
def test_scores_profile_and_shapes():
    model = Autoencoder(seed=0).fit(normal_beats(200), epochs=3, batch_size=32)
    x64 = normal_beats(20, seed=9).astype(np.float64)  # converted once
    e = model.score(x64, "all")
    profile = model.error_profile(x64)
    assert profile.dtype == np.float32 and profile.shape == (20, 140)
    assert e["mae"].dtype == np.float64 and e["mae"].shape == (20,)
    np.testing.assert_allclose(e["mae"], profile.astype(np.float64).mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(e["mse"], (profile.astype(np.float64) ** 2).mean(axis=1),
                               rtol=1e-12)
    np.testing.assert_array_equal(e["max"], profile.max(axis=1))
    np.testing.assert_array_equal(model.score(x64), e["mae"])
    np.testing.assert_array_equal(np.abs(x64.astype(np.float32) - model.reconstruct(x64)),
                                  profile)
    assert model.encode(x64).shape == (20, 8)


def test_anomalies_score_higher():
    model = Autoencoder(seed=0).fit(normal_beats(500, seed=3), epochs=30, batch_size=64,
                                    learning_rate=3e-3)
    normal = model.score(normal_beats(100, seed=4))
    odd = model.score(normal_beats(100, seed=5, inverted_t=True))
    auc = (odd[:, None] > normal[None, :]).mean()
    assert auc > 0.95


def test_bad_input_raises_value_errors():
    model = Autoencoder(seed=0)
    with pytest.raises(ValueError, match=r"shape \(n_beats, 140\).*got shape \(140,\)"):
        model.score(np.zeros(140))
    with pytest.raises(ValueError, match="got shape \\(3, 139\\)"):
        model.fit(np.zeros((3, 139)))
    with pytest.raises(ValueError, match="real numbers"):
        model.encode(np.array([["a"] * 140]))
    bad = normal_beats(10)
    bad[2, 7] = np.nan
    with pytest.raises(ecgad.InvalidArgument, match=r"element \(2, 7\) is nan"):
        model.fit(bad)
    with pytest.raises(ecgad.InvalidArgument, match="at least 1 row"):
        model.reconstruct(np.zeros((0, 140)))
    with pytest.raises(ecgad.InvalidArgument, match="batch_size must be >= 1, got 0"):
        model.fit(normal_beats(10), batch_size=0)
    with pytest.raises(ecgad.InvalidArgument, match="'gru'"):
        Autoencoder("gru")
    with pytest.raises(ecgad.InvalidArgument, match="divisible by 2\\^len\\(conv_channels\\)"):
        Autoencoder("conv1d", length=100, conv_channels=[8, 8, 8])
    with pytest.raises(ValueError, match="metric"):
        model.score(normal_beats(2), metric="auc")


def test_determinism_and_seeds():
    x = normal_beats(200, seed=6)
    a = Autoencoder(seed=1).fit(x, validation=0.2, epochs=3, batch_size=32)
    b = Autoencoder(seed=1).fit(x, validation=0.2, epochs=3, batch_size=32)
    c = Autoencoder(seed=1).fit(x, validation=0.2, epochs=3, batch_size=32, seed=2)
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v, b.state_dict()[k])
    assert a.history_ == {**b.history_, "seconds": a.history_["seconds"]}
    assert any(not np.array_equal(v, c.state_dict()[k]) for k, v in a.state_dict().items())
    assert a.summary_["n_validation"] == 40 and a.summary_["n_train"] == 160


def test_training_releases_the_gil_and_cancel_works():
    x = normal_beats(512, seed=7)
    model = Autoencoder("lstm", length=140, hidden=32, latent=8, seed=0)
    ticks = []
    result = {}

    def train():
        model.fit(x, epochs=500, batch_size=64)
        result["summary"] = model.summary_

    worker = threading.Thread(target=train)
    worker.start()
    start = time.perf_counter()
    while time.perf_counter() - start < 0.5:  # Python runs while LibTorch trains
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    with pytest.raises(RuntimeError, match="being trained"):
        model.score(x[:2])
    model.cancel()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert len(ticks) > 100
    assert result["summary"]["cancelled"] is True
    assert result["summary"]["epochs_run"] < 500
    assert model.score(x[:2]).shape == (2,)  # usable again


def test_callback_progress_and_stop(capsys):
    x = normal_beats(100, seed=8)
    seen = []

    def callback(info):
        seen.append(info)
        return info["epoch"] < 3  # False at epoch 3 stops training

    model = Autoencoder(seed=0).fit(x, validation=0.2, epochs=10, batch_size=32,
                                    callback=callback, verbose=True)
    assert [s["epoch"] for s in seen] == [1, 2, 3]
    assert set(seen[0]) == {"epoch", "epochs", "loss", "val_loss", "lr", "seconds", "improved"}
    assert model.summary_["cancelled"] and model.summary_["epochs_run"] == 3
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch  1/10 [") and "val_loss" in lines[0]

    def boom(info):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        model.fit(x, epochs=5, callback=boom)
    assert model.summary_["cancelled"] and model.summary_["epochs_run"] == 1
    assert model.score(x[:1]).shape == (1,)


def test_early_stopping_and_plateau_schedule():
    train = np.full((256, 20), 0.9, dtype=np.float32)
    val = np.full((64, 20), 0.1, dtype=np.float32)  # validation loss rises as training fits
    model = Autoencoder(length=20, hidden=[8, 4], seed=1).fit(
        train, validation=val, epochs=12, batch_size=32, learning_rate=1e-2,
        early_stopping=True, patience=2, reduce_lr_on_plateau=True, lr_patience=0,
        lr_factor=0.5)
    s = model.summary_
    assert s["stopped_early"] and s["best_epoch"] == 1 and s["epochs_run"] == 3
    assert model.history_["lr"] == [1e-2, 1e-2, 5e-3]
    assert abs(model.score(val).mean() - model.history_["val_loss"][0]) < 1e-6


def test_checkpoint_resume_equals_uninterrupted(tmp_path):
    x = normal_beats(200, seed=10)
    kw = dict(validation=0.2, epochs=5, batch_size=32, reduce_lr_on_plateau=True,
              lr_patience=0, lr_factor=0.8)
    full = Autoencoder(seed=3).fit(x, checkpoint=tmp_path / "full.ckpt", **kw)
    cut = Autoencoder(seed=3).fit(x, checkpoint=tmp_path / "cut.ckpt",
                                  callback=lambda info: info["epoch"] < 2, **kw)
    assert cut.summary_["epochs_run"] == 2
    resumed = Autoencoder("conv1d", seed=9).resume(tmp_path / "cut.ckpt", x)
    assert resumed.config == full.config and resumed.summary_["resumed_from_epoch"] == 2
    assert resumed.history_["loss"] == full.history_["loss"]
    for k, v in full.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[k], v)
    with pytest.raises(ecgad.InvalidArgument, match="training beats differ"):
        Autoencoder().resume(tmp_path / "cut.ckpt", normal_beats(200, seed=11))


def test_save_load_pickle_and_plain_numpy_reading(tmp_path):
    model = Autoencoder("conv1d", length=32, conv_channels=[4, 8], latent=6, seed=2)
    x = normal_beats(64, length=32, seed=12)
    model.fit(x, epochs=2, batch_size=16)
    path = tmp_path / "m.ecgad"
    model.save(path, preprocessing={"fs_hz": 360.0, "length": 32})
    back = Autoencoder.load(path)
    np.testing.assert_array_equal(back.reconstruct(x), model.reconstruct(x))
    assert back.summary_ == model.summary_
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.encode(x), model.encode(x))
    # The bundle is safetensors: json + numpy read it without ecgad.
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__")
    assert json.loads(meta["ecgad.architecture"]) == model.config
    assert json.loads(meta["ecgad.preprocessing"]) == {"fs_hz": 360.0, "length": 32}
    entry = header["encoder.fc.weight"]
    b, e = entry["data_offsets"]
    w = np.frombuffer(raw[8 + n + b:8 + n + e], dtype="<f4").reshape(entry["shape"])
    np.testing.assert_array_equal(w, model.state_dict()["encoder.fc.weight"])
    bad = bytearray(raw)
    bad[-3] ^= 0xFF
    (tmp_path / "bad.ecgad").write_bytes(bytes(bad))
    with pytest.raises(ecgad.FormatError, match="checksum"):
        Autoencoder.load(tmp_path / "bad.ecgad")
    with pytest.raises(ecgad.IoError):
        Autoencoder.load(tmp_path / "missing.ecgad")


def test_engines_give_the_same_gradients():
    model = Autoencoder(seed=4)
    x = np.random.default_rng(0).random((33, 140), dtype=np.float32)
    a = model.loss_gradients(x, engine="fused_dense")
    b = model.loss_gradients(x, engine="libtorch")
    scale = max(np.abs(v).max() for v in b.values())
    assert max(np.abs(a[k] - b[k]).max() for k in b) / scale < 1e-5
