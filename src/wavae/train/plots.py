"""Loss-curve figure shared by every domain (seed 000 Figure 4, seed 001 Figure 3)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence

from wavae.io.figures import save_figure

_COLOURS = ["tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]


def plot_loss_curve(
    path: str | os.PathLike[str],
    history: Sequence[dict[str, float]],
    *,
    step_log: Sequence[Sequence[float]] | None = None,
    splits: Sequence[str] | None = None,
    title: str = "",
    ylabel: str = "loss",
) -> Path:
    """Write a PNG of training and validation losses against epochs, atomically.

    history: one dict per epoch with ``epoch`` and ``{split}_loss`` keys (``train_loss``,
        ``seen_loss``, ...), as returned by :meth:`wavae.train.Trainer.fit`.
    step_log: optional ``(step, epoch_position, loss)`` triples: the training loss during the
        epochs, drawn as a thin line (``epoch_position`` is fractional, e.g. 0.5 = half of epoch 1).
    splits: validation splits to draw (default: every ``*_loss`` key other than train).
    The y axis is logarithmic when every plotted value is positive and they span more than a
    factor of 20; its range follows the epoch-level values (early per-step spikes are clipped).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    epochs = [row["epoch"] for row in history]
    if splits is None:
        splits = []
        for row in history:
            for key in row:
                if key.endswith("_loss") and key != "train_loss" and key[:-5] not in splits:
                    splits.append(key[:-5])
    fig = Figure(figsize=(6.4, 4.0), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    values: list[float] = []
    steps: list[float] = []
    if step_log:
        xs = [float(e) for _, e, _ in step_log]
        steps = [float(v) for _, _, v in step_log]
        ax.plot(xs, steps, color="tab:blue", alpha=0.35, lw=0.8, label="train (per step)")
    train = [(row["epoch"], row["train_loss"]) for row in history if "train_loss" in row]
    if train:
        ax.plot([e for e, _ in train], [v for _, v in train], "o-", color="tab:blue", ms=3, label="train (epoch mean)")
        values += [v for _, v in train]
    for i, split in enumerate(splits):
        pts = [(row["epoch"], row[f"{split}_loss"]) for row in history if f"{split}_loss" in row]
        if pts:
            ax.plot([e for e, _ in pts], [v for _, v in pts], "s-", ms=3, color=_COLOURS[i % len(_COLOURS)], label=split)
            values += [v for _, v in pts]
    finite = [v for v in (values or steps) if math.isfinite(v)]
    if finite:
        lo, hi = min(finite), max(finite)
        lo = min(lo, min((v for v in steps if math.isfinite(v)), default=lo))
        if lo > 0 and hi / lo > 20:
            ax.set_yscale("log")
            ax.set_ylim(lo / 1.2, hi * 1.5)
        else:
            pad = 0.08 * (hi - lo) or 0.05 * abs(hi) or 1.0
            ax.set_ylim(lo - pad, hi + 2 * pad)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if epochs:
        ax.set_xlim(0, max(epochs) + 0.2)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if values or steps:
        ax.legend(fontsize="small")
    return save_figure(fig, path)
