"""The shared Trainer: logs, checkpoints, exact resume, early stopping, devices, DDP."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch.utils.data import Dataset

from wavae.io.checkpoint import load_checkpoint, read_checkpoint_info
from wavae.nn import GenerativeModel, ModelOutput, register_model
from wavae.nn.vae import VAE, VAEConfig
from wavae.train import TrainConfig, Trainer, random_subset


class _Pairs(Dataset):
    """x ~ N(0, 1) of shape (4,), y = x @ W + 0.1 noise, fixed by ``seed``."""

    def __init__(self, n: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 4, generator=g)
        w = torch.tensor([[1.0, -2.0], [0.5, 0.0], [0.0, 1.0], [2.0, 0.3]])
        self.y = self.x @ w + 0.1 * torch.randn(n, 2, generator=g)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[i], "y": self.y[i]}


@dataclass
class _LinearConfig:
    n_in: int = 4
    n_out: int = 2
    frozen_eval: bool = False


@register_model
class _Linear(GenerativeModel):
    """Deterministic regression; with ``frozen_eval`` its eval loss never changes (for early stop)."""

    name = "test_trainer_linear"
    config_class = _LinearConfig

    def __init__(self, config: _LinearConfig) -> None:
        super().__init__(config)
        self.lin = torch.nn.Linear(config.n_in, config.n_out)

    def forward(self, batch):
        err = self.lin(batch["x"]) - batch["y"]
        loss = (err**2).mean()
        if self.config.frozen_eval and not self.training:
            loss = torch.tensor(1.0)
        return ModelOutput(loss=loss, metrics={"mae": err.abs().mean()})


class _Vectors(Dataset):
    def __init__(self, n: int, dim: int, seed: int) -> None:
        self.x = torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[i]}


class _Interrupting(Dataset):
    """Wraps a dataset; raises KeyboardInterrupt on the ``at``-th item read (like Ctrl-C)."""

    def __init__(self, inner: Dataset, at: int) -> None:
        self.inner, self.at, self.reads = inner, at, 0

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, i: int):
        self.reads += 1
        if self.reads == self.at:
            raise KeyboardInterrupt
        return self.inner[i]


def _cfg(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=8, lr=1e-2, lr_step_epochs=1, lr_gamma=0.5, seed=3, device="cpu",
                progress=False, num_threads=1)
    base.update(kw)
    return TrainConfig(**base)


def _vae(seed: int = 0) -> VAE:
    torch.manual_seed(seed)
    return VAE(VAEConfig(input_dim=6, latent_dim=2, hidden=(16,)))


def _vae_sets() -> tuple[Dataset, dict[str, Dataset]]:
    train = _Vectors(40, 6, seed=1)
    return train, {"seen": random_subset(train, 10, seed=0), "unseen": _Vectors(12, 6, seed=2)}


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


def test_fit_writes_metrics_plot_and_checkpoints(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = _Linear(_LinearConfig())
    train = _Pairs(64, seed=0)
    vals = {"seen": random_subset(train, 16, seed=0), "unseen": _Pairs(16, seed=1)}
    trainer = Trainer(model, train, vals, _cfg(epochs=3, log_every=2), tmp_path, metadata={"dataset": "pairs-v1"})
    history = trainer.fit()

    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert history[-1]["step"] == 3 * 8
    assert [row["lr"] for row in history] == [1e-2, 5e-3, 2.5e-3]  # step decay every epoch
    assert history[-1]["unseen_loss"] < history[0]["unseen_loss"]  # it learns
    assert {"train_loss", "train_mae", "seen_loss", "seen_mae", "unseen_loss", "unseen_mae"} <= set(history[0])

    with open(tmp_path / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "step", "split", "loss", "mae", "lr", "seconds"]
    assert [(r["epoch"], r["split"]) for r in rows[:3]] == [("1", "train"), ("1", "seen"), ("1", "unseen")]
    assert len(rows) == 9
    assert float(rows[-1]["loss"]) == pytest.approx(history[-1]["unseen_loss"])
    steps = (tmp_path / "steps.csv").read_text().splitlines()
    assert steps[0] == "step,epoch,loss" and len(steps) == 1 + 3 * 4
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"

    loaded, info = load_checkpoint(tmp_path)
    _same_weights(loaded, model)
    assert info["metadata"]["dataset"] == "pairs-v1"
    training = info["metadata"]["training"]
    assert training["epochs_done"] == 3 and training["device"] == "cpu"
    assert training["config"]["batch_size"] == 8 and training["train_seconds"] > 0
    assert training["best_val_loss"] == pytest.approx(min(r["seen_loss"] for r in history))
    for sub in ("last", "best"):
        assert read_checkpoint_info(tmp_path / sub)["model"] == "test_trainer_linear"
    assert (tmp_path / "last" / "train_state.json").is_file()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary leftovers


def test_same_seed_same_weights(tmp_path: Path) -> None:
    train, vals = _vae_sets()
    a, b = _vae(), _vae()
    Trainer(a, train, vals, _cfg(), tmp_path / "a").fit()
    Trainer(b, train, vals, _cfg(), tmp_path / "b").fit()
    _same_weights(a, b)


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path: Path) -> None:
    """Stochastic model (reparameterisation noise), shuffling, Adam and StepLR all resumed."""
    train, vals = _vae_sets()
    full = _vae()
    history_full = Trainer(full, train, vals, _cfg(epochs=2), tmp_path / "full").fit()

    Trainer(_vae(), train, vals, _cfg(epochs=1), tmp_path / "split").fit()
    resumed = _vae(seed=123)  # different init: the weights must come from the checkpoint
    history = Trainer(resumed, train, vals, _cfg(epochs=2), tmp_path / "split").fit()
    _same_weights(full, resumed)
    assert history == [{**row, "seconds": h["seconds"]} for row, h in zip(history_full, history)]
    _same_weights(load_checkpoint(tmp_path / "split")[0], full)


def test_ctrl_c_keeps_the_last_complete_epoch_and_resumes_exactly(tmp_path: Path, capsys) -> None:
    train, vals = _vae_sets()
    full = _vae()
    Trainer(full, train, vals, _cfg(epochs=3), tmp_path / "full").fit()

    interrupted = _Interrupting(train, at=len(train) + 7)  # early in epoch 2
    with pytest.raises(KeyboardInterrupt):
        Trainer(_vae(), interrupted, vals, _cfg(epochs=3), tmp_path / "run").fit()
    err = capsys.readouterr().err
    assert "interrupted during epoch 2" in err and "holds epoch 1" in err and "resume" in err
    info = read_checkpoint_info(tmp_path / "run" / "last")
    assert info["metadata"]["training"]["epochs_done"] == 1
    load_checkpoint(tmp_path / "run" / "last")  # valid

    resumed = _vae(seed=7)
    Trainer(resumed, train, vals, _cfg(epochs=3), tmp_path / "run").fit()
    _same_weights(full, resumed)


def test_a_different_run_is_refused_unless_overwrite(tmp_path: Path) -> None:
    train, vals = _vae_sets()
    Trainer(_vae(), train, vals, _cfg(epochs=1), tmp_path).fit()
    with pytest.raises(ValueError, match=r"holds a different run.*lr: 0\.01 there, 0\.001 now.*overwrite=True"):
        Trainer(_vae(), train, vals, _cfg(epochs=2, lr=1e-3), tmp_path).fit()
    other = VAE(VAEConfig(input_dim=6, latent_dim=3, hidden=(16,)))
    with pytest.raises(ValueError, match="latent_dim"):
        Trainer(other, train, vals, _cfg(epochs=2), tmp_path).fit()
    history = Trainer(other, train, vals, _cfg(epochs=1), tmp_path, overwrite=True).fit()
    assert len(history) == 1
    assert read_checkpoint_info(tmp_path)["config"]["latent_dim"] == 3


def test_more_epochs_continue_a_finished_run(tmp_path: Path) -> None:
    train, vals = _vae_sets()
    Trainer(_vae(), train, vals, _cfg(epochs=1), tmp_path).fit()
    history = Trainer(_vae(), train, vals, _cfg(epochs=2), tmp_path).fit()
    assert [r["epoch"] for r in history] == [1, 2]
    again = Trainer(_vae(), train, vals, _cfg(epochs=2), tmp_path).fit()  # nothing left to do
    assert again == history


def test_early_stopping_and_restore_best(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = _Linear(_LinearConfig(frozen_eval=True))
    train = _Pairs(32, seed=0)
    cfg = _cfg(epochs=10, early_stopping_patience=2, restore_best=True)
    history = Trainer(model, train, {"val": _Pairs(8, seed=1)}, cfg, tmp_path).fit()
    assert len(history) == 3  # epoch 1 is best; 2 and 3 do not improve
    info = read_checkpoint_info(tmp_path)["metadata"]["training"]
    assert info["stopped_early"] and info["best_epoch"] == 1
    _same_weights(model, load_checkpoint(tmp_path / "best")[0])


def test_no_validation_sets_monitors_the_training_loss(tmp_path: Path) -> None:
    model = _Linear(_LinearConfig())
    history = Trainer(model, _Pairs(16, seed=0), None, _cfg(epochs=1), tmp_path).fit()
    assert set(history[0]) == {"epoch", "step", "lr", "seconds", "train_loss", "train_mae"}
    assert (tmp_path / "best" / "model.json").is_file()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_without_cuda_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="device: 'cuda' requested but CUDA is not available"):
        Trainer(_vae(), _Vectors(8, 6, 0), None, _cfg(device="cuda"), tmp_path)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("epochs", 0, "epochs: must be an integer >= 1"),
        ("batch_size", 2.5, "batch_size: must be an integer >= 1"),
        ("lr", -1.0, "lr: must be a number > 0"),
        ("lr_gamma", 1.5, r"lr_gamma: must be a number in \(0, 1\]"),
        ("lr_step_epochs", 0, "lr_step_epochs: must be an integer >= 1"),
        ("grad_clip", 0.0, "grad_clip: must be None or a number > 0"),
        ("early_stopping_patience", 0, "early_stopping_patience"),
        ("device", "tpu", "device: must be 'auto', 'cpu', 'cuda' or 'cuda:N'"),
        ("num_workers", -1, "num_workers"),
    ],
)
def test_config_validation_names_the_field(field: str, value, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})
    with pytest.raises(ValueError, match="unknown field"):
        TrainConfig.from_dict({"epoch": 3})


def test_grad_clip_and_nan_loss(tmp_path: Path) -> None:
    model = _Linear(_LinearConfig())
    Trainer(model, _Pairs(16, seed=0), None, _cfg(epochs=1, grad_clip=0.5), tmp_path / "clip").fit()
    bad = _Pairs(16, seed=0)
    bad.y[3] = float("nan")
    with pytest.raises(FloatingPointError, match="training loss became nan in epoch 1"):
        Trainer(_Linear(_LinearConfig()), bad, None, _cfg(epochs=1, log_every=1), tmp_path / "nan").fit()


_DDP_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from dataclasses import dataclass
    import torch
    from safetensors.torch import save_file
    sys.path.insert(0, os.path.dirname(__file__))
    from ddp_common import Linear, Pairs, LinearConfig
    from wavae.train import Trainer, TrainConfig

    torch.manual_seed(0)
    model = Linear(LinearConfig())
    cfg = TrainConfig(epochs=2, batch_size=4, lr=0.05, seed=1, device="cpu", progress=False, num_threads=1)
    Trainer(model, Pairs(40, 0), {"val": Pairs(13, 1)}, cfg, sys.argv[1]).fit()
    rank = int(os.environ["RANK"])
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{sys.argv[1]}/rank{rank}.safetensors")
    """
)

_DDP_COMMON = textwrap.dedent(
    """
    from dataclasses import dataclass
    import torch
    from torch.utils.data import Dataset
    from wavae.nn import GenerativeModel, ModelOutput, register_model

    class Pairs(Dataset):
        def __init__(self, n, seed):
            g = torch.Generator().manual_seed(seed)
            self.x = torch.randn(n, 4, generator=g)
            self.y = self.x.sum(1, keepdim=True) + 0.1 * torch.randn(n, 1, generator=g)
        def __len__(self):
            return len(self.x)
        def __getitem__(self, i):
            return {"x": self.x[i], "y": self.y[i]}

    @dataclass
    class LinearConfig:
        n_in: int = 4

    @register_model
    class Linear(GenerativeModel):
        name = "test_ddp_linear"
        config_class = LinearConfig
        def __init__(self, config):
            super().__init__(config)
            self.lin = torch.nn.Linear(config.n_in, 1)
        def forward(self, batch):
            return ModelOutput(loss=((self.lin(batch["x"]) - batch["y"]) ** 2).mean())
    """
)


def test_ddp_two_processes_gloo(tmp_path: Path) -> None:
    """torchrun with 2 CPU processes: weights stay in sync, only rank 0 writes, validation is
    all-reduced over the whole (unpadded) validation set."""
    (tmp_path / "ddp_train.py").write_text(_DDP_SCRIPT)
    (tmp_path / "ddp_common.py").write_text(_DDP_COMMON)
    run = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(tmp_path)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone",
           str(tmp_path / "ddp_train.py"), str(run)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]

    from safetensors.torch import load_file

    sys.path.insert(0, str(tmp_path))
    try:
        from ddp_common import Pairs  # noqa: E402  (registers test_ddp_linear here too)
    finally:
        sys.path.remove(str(tmp_path))
    r0, r1 = load_file(str(run / "rank0.safetensors")), load_file(str(run / "rank1.safetensors"))
    for k in r0:
        assert torch.equal(r0[k], r1[k]), k
    model, info = load_checkpoint(run)
    assert info["metadata"]["training"]["world_size"] == 2
    for k, v in model.state_dict().items():
        assert torch.equal(v, r0[k])
    with open(run / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "val"]
    val = Pairs(13, 1)
    with torch.no_grad():
        expected = float(((model.lin(val.x) - val.y) ** 2).mean())
    assert float(rows[-1]["loss"]) == pytest.approx(expected, rel=1e-5)
    steps = json.loads((run / "last" / "train_state.json").read_text())["extra"]["step"]
    assert steps == 2 * 5  # 40 samples / 2 ranks / batch 4, two epochs
