"""Training settings shared by every model."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

# Fields that change the training trajectory: a run may only be resumed when they match.
# (``epochs`` may grow between runs; device, workers and logging do not change the result.)
RESUME_KEYS = ("batch_size", "lr", "lr_step_epochs", "lr_gamma", "weight_decay", "grad_clip", "seed", "amp")


@dataclass
class TrainConfig:
    """Settings of :class:`wavae.train.Trainer`.

    The defaults follow seed 000 (section III.2): Adam, batch size 50, 10 epochs, the learning
    rate decayed by a step schedule every 3 epochs. The seed's initial learning rate and decay
    factor did not survive in its text; ``lr=1e-3`` and ``lr_gamma=0.5`` are wavae's choices.

    epochs: number of passes over the training set (>= 1).
    batch_size: samples per optimisation step, per process under DDP (>= 1).
    lr: initial Adam learning rate (> 0).
    lr_step_epochs: the learning rate is multiplied by ``lr_gamma`` every this many epochs (>= 1).
    lr_gamma: step decay factor, in (0, 1]; 1 keeps the learning rate constant.
    weight_decay: Adam's L2 penalty (>= 0).
    grad_clip: maximum global gradient norm, or None for no clipping (> 0).
    early_stopping_patience: stop after this many epochs without improvement of the first
        validation set's loss (the training loss when there is none); None disables it (>= 1).
    restore_best: end with the best epoch's weights instead of the last epoch's.
    seed: seed of every random stream (weights init is the caller's; shuffling, noise, dropout).
    device: "auto" (cuda when available), "cpu", "cuda" or "cuda:N".
    num_workers: DataLoader worker processes (>= 0).
    num_threads: torch intra-op CPU threads during ``fit`` (restored afterwards); None keeps
        torch's setting. One thread is often fastest for small models on busy machines.
    log_every: steps between entries of the per-step loss log and progress-bar updates (>= 1).
    val_batch_size: batch size of validation; None uses ``batch_size``.
    amp: bfloat16 autocast in the forward pass.
    progress: show a progress bar and one summary line per epoch (rank 0 only).
    """

    epochs: int = 10
    batch_size: int = 50
    lr: float = 1e-3
    lr_step_epochs: int = 3
    lr_gamma: float = 0.5
    weight_decay: float = 0.0
    grad_clip: float | None = None
    early_stopping_patience: int | None = None
    restore_best: bool = False
    seed: int = 0
    device: str = "auto"
    num_workers: int = 0
    num_threads: int | None = None
    log_every: int = 10
    val_batch_size: int | None = None
    amp: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                raise ValueError(f"{name}: must be {rule}, got {getattr(self, name)!r}")

        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        def is_num(v: Any) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        need(is_int(self.epochs) and self.epochs >= 1, "epochs", "an integer >= 1")
        need(is_int(self.batch_size) and self.batch_size >= 1, "batch_size", "an integer >= 1")
        need(is_num(self.lr) and self.lr > 0, "lr", "a number > 0")
        need(is_int(self.lr_step_epochs) and self.lr_step_epochs >= 1, "lr_step_epochs", "an integer >= 1")
        need(is_num(self.lr_gamma) and 0 < self.lr_gamma <= 1, "lr_gamma", "a number in (0, 1]")
        need(is_num(self.weight_decay) and self.weight_decay >= 0, "weight_decay", "a number >= 0")
        need(self.grad_clip is None or (is_num(self.grad_clip) and self.grad_clip > 0), "grad_clip", "None or a number > 0")
        need(
            self.early_stopping_patience is None
            or (is_int(self.early_stopping_patience) and self.early_stopping_patience >= 1),
            "early_stopping_patience",
            "None or an integer >= 1",
        )
        need(is_int(self.seed) and 0 <= self.seed < 2**63, "seed", "an integer in [0, 2**63)")
        need(
            isinstance(self.device, str)
            and (self.device in ("auto", "cpu", "cuda") or (self.device.startswith("cuda:") and self.device[5:].isdigit())),
            "device",
            "'auto', 'cpu', 'cuda' or 'cuda:N'",
        )
        need(is_int(self.num_workers) and self.num_workers >= 0, "num_workers", "an integer >= 0")
        need(
            self.num_threads is None or (is_int(self.num_threads) and self.num_threads >= 1),
            "num_threads",
            "None or an integer >= 1",
        )
        need(is_int(self.log_every) and self.log_every >= 1, "log_every", "an integer >= 1")
        need(
            self.val_batch_size is None or (is_int(self.val_batch_size) and self.val_batch_size >= 1),
            "val_batch_size",
            "None or an integer >= 1",
        )
        for flag in ("restore_best", "amp", "progress"):
            need(isinstance(getattr(self, flag), bool), flag, "True or False")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        """Build from a dict; unknown keys are refused with the list of valid ones."""
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - fields
        if unknown:
            raise ValueError(f"train config: unknown field(s) {sorted(unknown)}; valid: {sorted(fields)}")
        return cls(**values)
