"""Figures for datasets: polarisations with their amplitude and instantaneous frequency
(seed 000 Figure 1). matplotlib is imported inside the functions (Agg backend)."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from wavae.io.figures import save_figure


def plot_dataset_waveforms(path: str | os.PathLike[str], out: str | os.PathLike[str], count: int = 4) -> Path:
    """Save a PNG with ``count`` waveforms of a dataset file: h+ and hx, amplitude, frequency,
    against time before the end of the window [s]. Returns the PNG path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with h5py.File(path, "r") as f:
        n = f["params/mass1"].shape[0]
        if n == 0:
            raise ValueError(f"{path}: the dataset holds no waveforms to plot")
        rows = np.linspace(0, n - 1, min(count, n)).round().astype(int)
        dt = float(f.attrs["delta_t"])
        data = {k: f[k][rows] for k in ("waveforms/hplus", "waveforms/hcross", "series/amplitude", "series/frequency")}
        params = {k: f[f"params/{k}"][rows] for k in ("mass1", "mass2", "spin1z", "spin2z", "f_lower")}
        epoch = f["times/epoch"][rows]
        approximant = f.attrs["approximant"]
    fig, axes = plt.subplots(3, len(rows), figsize=(4.2 * len(rows), 8), sharex="col", squeeze=False)
    for j in range(len(rows)):
        t = epoch[j] + dt * np.arange(data["waveforms/hplus"].shape[1])
        ax = axes[0, j]
        ax.plot(t, data["waveforms/hplus"][j], lw=0.6, label="h+")
        ax.plot(t, data["waveforms/hcross"][j], lw=0.6, alpha=0.7, label="hx")
        ax.set_title(
            f"m=({params['mass1'][j]:.1f}, {params['mass2'][j]:.1f}) Msun\n"
            f"chi=({params['spin1z'][j]:+.2f}, {params['spin2z'][j]:+.2f}), f_lower={params['f_lower'][j]:.1f} Hz",
            fontsize=9,
        )
        axes[1, j].plot(t, data["series/amplitude"][j], color="C2", lw=0.8)
        axes[2, j].plot(t[:-1], data["series/frequency"][j], color="C3", lw=0.8)
        axes[2, j].set_xlabel("time from amplitude peak [s]")
    axes[0, 0].set_ylabel("strain at 1 Mpc")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    axes[1, 0].set_ylabel("amplitude A")
    axes[2, 0].set_ylabel("frequency f [Hz]")
    fig.suptitle(f"{approximant}: last {data['waveforms/hplus'].shape[1] * dt:g} s, face-on (2,2) mode", fontsize=11)
    return save_figure(fig, out)


def plot_generated(waveforms, params: dict[str, np.ndarray], out: str | os.PathLike[str], count: int = 4) -> Path:
    """PNG of up to ``count`` generated waveforms (h+ and hx against time from the peak)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = min(count, waveforms.hplus.shape[0])
    fig, axes = plt.subplots(n, 1, figsize=(9, 2.4 * n), squeeze=False, sharex=True)
    for j in range(n):
        ax = axes[j, 0]
        ax.plot(waveforms.times[j], waveforms.hplus[j], lw=0.7, label="h+")
        ax.plot(waveforms.times[j], waveforms.hcross[j], lw=0.7, alpha=0.7, label="hx")
        ax.set_title(", ".join(f"{k}={params[k].reshape(-1)[j]:.3g}" for k in ("mass1", "mass2", "spin1z", "spin2z", "distance")), fontsize=9)
        ax.set_ylabel("strain")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    axes[-1, 0].set_xlabel("time from amplitude peak [s]")
    return save_figure(fig, out)
