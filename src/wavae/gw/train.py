"""Train a waveform surrogate on a dataset file with the shared Trainer (seed 000 §III.2)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import h5py
import torch

from wavae.gw.training_data import Representation, SeriesDataset
from wavae.nn import build_model
from wavae.train import TrainConfig, Trainer
from wavae.train import random_subset

SPLITS = {"train": 0, "validation": 1, "test": 2}


def train_surrogate(
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    model: str = "cvae2c2e1d",
    model_config: dict[str, Any] | None = None,
    train_config: TrainConfig | None = None,
    limit: int | None = None,
    overwrite: bool = False,
) -> list[dict[str, Any]]:
    """Fit ``model`` on the train split of ``data``; validate after each epoch on "seen"
    (a random subset of the training split, the size of the validation split) and "unseen"
    (the validation split). Checkpoints, metrics.csv and loss.png go to ``out``; the
    representation and the dataset fingerprint go into the checkpoint metadata.

    limit: use at most this many waveforms of each split (quick runs). Returns the history.
    """
    data = Path(data)
    if not data.exists():
        raise ValueError(f"--data: no such file {data}")
    cfg = train_config or TrainConfig()
    rep = Representation.fit(data)
    train_set = SeriesDataset(data, SPLITS["train"], rep, limit=limit)
    unseen = SeriesDataset(data, SPLITS["validation"], rep, limit=limit)
    if len(unseen) == 0:
        raise ValueError(f"--data: {data} has no validation waveforms; make a larger dataset")
    seen = random_subset(train_set, min(len(unseen), len(train_set)), seed=cfg.seed)
    torch.manual_seed(cfg.seed)
    net = build_model(model, {"x_dim": rep.x_dim, **(model_config or {})})
    with h5py.File(data, "r") as f:
        fingerprint = str(f.attrs["fingerprint"])
    metadata = {
        "representation": rep.to_dict(),
        "dataset_fingerprint": fingerprint,
        "dataset_path": str(data.resolve()),
        "dataset_sizes": {"train": len(train_set), "validation": len(unseen)},
    }
    trainer = Trainer(net, train_set, {"seen": seen, "unseen": unseen}, cfg, out, metadata, overwrite=overwrite)
    return trainer.fit()
