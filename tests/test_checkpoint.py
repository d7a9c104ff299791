"""The checkpoint format: safetensors + JSON, verified, versioned, never pickled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import wavae
from wavae.io.checkpoint import (
    FORMAT,
    FORMAT_VERSION,
    load_checkpoint,
    load_train_state,
    load_weights,
    read_checkpoint_info,
    save_checkpoint,
    save_train_state,
)
from wavae.nn import GenerativeModel, ModelOutput, register_model
from wavae.nn.vae import VAE, VAEConfig


@dataclass
class _ScaleConfig:
    width: int = 3


@register_model
class _Scale(GenerativeModel):
    """A model with a parameter and a buffer (like fitted normalisation keys)."""

    name = "test_checkpoint_scale"
    config_class = _ScaleConfig

    def __init__(self, config: _ScaleConfig) -> None:
        super().__init__(config)
        self.weight = torch.nn.Parameter(torch.randn(config.width))
        self.register_buffer("mean", torch.arange(config.width, dtype=torch.float32))

    def forward(self, batch):
        return ModelOutput(loss=((batch["x"] * self.weight - self.mean) ** 2).mean())


def _vae() -> VAE:
    torch.manual_seed(0)
    return VAE(VAEConfig(input_dim=12, latent_dim=3, hidden=(16, 8)))


def test_save_load_gives_identical_outputs_and_documented_json(tmp_path: Path) -> None:
    model = _vae()
    meta = {"normalisation": {"mean": np.float32(0.5), "std": [1.0, 2.0]}, "dataset": "abc123"}
    json_path = save_checkpoint(tmp_path, model, meta)
    assert json_path == tmp_path / "model.json"
    info = json.loads(json_path.read_text())
    assert info["format"] == FORMAT and info["format_version"] == FORMAT_VERSION == 1
    assert info["model"] == "vae"
    assert info["config"]["latent_dim"] == 3 and info["config"]["hidden"] == [16, 8]
    assert info["wavae_version"] == wavae.__version__
    assert info["torch_version"] == torch.__version__
    assert len(info["weights_sha256"]) == 64 and info["created"].endswith("+00:00")
    assert info["metadata"] == {"normalisation": {"mean": 0.5, "std": [1.0, 2.0]}, "dataset": "abc123"}
    # the weights are plain safetensors, readable without wavae
    assert set(load_file(str(tmp_path / "model.safetensors"))) == set(model.state_dict())

    loaded, info2 = load_checkpoint(tmp_path)
    assert isinstance(loaded, VAE) and not loaded.training
    assert info2 == info
    z = torch.randn(5, 3)
    with torch.no_grad():
        torch.testing.assert_close(loaded.decode(z), model.decode(z), rtol=0, atol=0)
    assert read_checkpoint_info(tmp_path) == info


def test_buffers_and_names(tmp_path: Path) -> None:
    model = _Scale(_ScaleConfig(width=4))
    model.mean.fill_(7.0)
    save_checkpoint(tmp_path, model, name="scaler")
    loaded, info = load_checkpoint(tmp_path, name="scaler")
    assert info["model"] == "test_checkpoint_scale"
    assert torch.equal(loaded.mean, torch.full((4,), 7.0))
    assert torch.equal(loaded.weight, model.weight)


def test_tampered_weights_are_refused(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, _vae())
    path = tmp_path / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"model\.safetensors.*sha256.*does not match"):
        load_checkpoint(tmp_path)


def test_unknown_and_newer_formats_are_refused(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, _vae())
    path = tmp_path / "model.json"
    info = json.loads(path.read_text())
    path.write_text(json.dumps({**info, "format_version": 2}))
    with pytest.raises(ValueError, match="format_version 2 is newer.*upgrade wavae"):
        load_checkpoint(tmp_path)
    path.write_text(json.dumps({**info, "format": "something-else"}))
    with pytest.raises(ValueError, match="not a wavae-checkpoint"):
        read_checkpoint_info(tmp_path)
    with pytest.raises(FileNotFoundError, match="other.json is missing"):
        load_checkpoint(tmp_path, name="other")


def test_incompatible_config_or_model_is_a_clear_error(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, _vae())
    path = tmp_path / "model.json"
    info = json.loads(path.read_text())
    info["config"]["latent_dim"] = 4  # weights no longer fit (shape mismatch)
    path.write_text(json.dumps(info))
    with pytest.raises(ValueError, match="incompatible checkpoint.*size mismatch"):
        load_checkpoint(tmp_path)
    with pytest.raises(ValueError, match="incompatible checkpoint.*holds model 'vae'"):
        load_weights(_Scale(_ScaleConfig()), tmp_path)
    info["config"] = {"no_such_field": 1}
    path.write_text(json.dumps(info))
    with pytest.raises(ValueError, match="unknown field"):
        load_checkpoint(tmp_path)


def test_checkpoint_files_contain_no_pickle(tmp_path: Path) -> None:
    model = _vae()
    opt = torch.optim.Adam(model.parameters())
    model({"x": torch.randn(4, 12)}).loss.backward()
    opt.step()
    save_checkpoint(tmp_path, model)
    save_train_state(tmp_path, opt, None, {"epoch": 1})
    for f in tmp_path.iterdir():
        # pickle protocol 2+ starts with b"\x80"; torch.save files are zip archives ("PK")
        head = f.read_bytes()[:2]
        assert head[:1] != b"\x80" and head != b"PK", f


def test_train_state_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = _vae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        model({"x": torch.randn(8, 12)}).loss.backward()
        opt.step()
        sched.step()
    rng = torch.get_rng_state()
    extra = {"epoch": 3, "history": [{"loss": 1.5}], "rng_torch": rng, "rng_python": [3, (1, 2), None]}
    save_train_state(tmp_path, opt, sched, extra)
    raw = load_file(str(tmp_path / "train_state.safetensors"))
    assert "state.0.exp_avg" in raw and "extra.rng_torch" in raw

    model2 = _vae()
    opt2 = torch.optim.Adam(model2.parameters(), lr=1.0)
    sched2 = torch.optim.lr_scheduler.StepLR(opt2, step_size=7, gamma=0.1)
    back = load_train_state(tmp_path, opt2, sched2)
    assert back["epoch"] == 3 and back["history"] == [{"loss": 1.5}]
    assert back["rng_python"] == [3, [1, 2], None]
    assert torch.equal(back["rng_torch"], rng)
    s1, s2 = opt.state_dict(), opt2.state_dict()
    assert s1["param_groups"] == s2["param_groups"]  # lr, betas (as a tuple again), ...
    for idx, state in s1["state"].items():
        for key, value in state.items():
            assert torch.equal(value, s2["state"][idx][key]), (idx, key)
    assert sched2.state_dict() == sched.state_dict()

    # a tampered tensor file is refused
    p = tmp_path / "train_state.safetensors"
    data = bytearray(p.read_bytes())
    data[-1] ^= 0xFF
    p.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        load_train_state(tmp_path, opt2, sched2)


def test_train_state_refuses_another_optimizer(tmp_path: Path) -> None:
    model = _vae()
    save_train_state(tmp_path, torch.optim.Adam(model.parameters()), None, {})
    with pytest.raises(ValueError, match="optimizer is Adam, not SGD"):
        load_train_state(tmp_path, torch.optim.SGD(model.parameters(), lr=0.1), None)
