"""Figures of the sine-wave VAE: generated samples, fit statistics, the streaming animation."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from wavae.io.atomic import atomic_path
from wavae.io.figures import save_figure
from wavae.nn.vae import VAE
from wavae.sine.spec import SineSpec
from wavae.sine.evaluate import fit_sines


def _figure(width: float, height: float, dpi: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def smooth(waves: np.ndarray, window: int | None = None) -> np.ndarray:
    """Savitzky-Golay smoothing (cubic) along time; ``window`` samples (odd; default ~length/8)."""
    from scipy.signal import savgol_filter

    waves = np.asarray(waves)
    length = waves.shape[-1]
    if window is None:
        window = max(5, length // 8)
    window = min(window | 1, length - 1 if length % 2 == 0 else length)
    if window <= 3:
        return waves.copy()
    return savgol_filter(waves, window, 3, axis=-1)


def plot_samples(waves: np.ndarray, spec: SineSpec, path: str | os.PathLike[str], *, rows: int = 3, cols: int = 4) -> Path:
    """A grid of generated waves (red) with their least-squares sine fits (dashed black)."""
    n = min(rows * cols, len(waves))
    fit = fit_sines(waves[:n], spec.times(), spec.frequency)
    t = spec.times()
    fig = _figure(2.2 * cols, 1.7 * rows, 100)
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        model = fit["amplitude"][i] * np.sin(2 * np.pi * spec.frequency * t + fit["phase"][i]) + fit["offset"][i]
        ax.plot(t, waves[i], color="tab:red", lw=1.4, label="generated")
        ax.plot(t, model, "k--", lw=0.8, label="sine fit")
        ax.set_title(f"A={fit['amplitude'][i]:.3f}  R²={fit['r2'][i]:.4f}", fontsize=7)
        ax.set_ylim(-1.5 * spec.amplitude, 1.5 * spec.amplitude)
        ax.tick_params(labelsize=6)
        if i % cols:
            ax.set_yticklabels([])
        if i < n - cols:
            ax.set_xticklabels([])
        else:
            ax.set_xlabel("time [s]", fontsize=7)
    fig.suptitle("Waves drawn from the prior, decoded by the VAE", fontsize=9)
    return save_figure(fig, path)


def plot_fit_summary(waves: np.ndarray, spec: SineSpec, path: str | os.PathLike[str]) -> Path:
    """Histograms of R^2, fitted amplitude and fitted phase of generated waves."""
    fit = fit_sines(waves, spec.times(), spec.frequency)
    phase = spec.phase_min + np.mod(fit["phase"] - spec.phase_min, 2 * np.pi)
    fig = _figure(9.0, 2.8, 100)
    ax = fig.add_subplot(1, 3, 1)
    ax.hist(np.clip(1 - fit["r2"], 1e-6, 1), bins=np.logspace(-6, 0, 31), color="tab:blue")
    ax.axvline(0.05, color="k", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("1 - R² (unexplained variance)")
    ax.set_ylabel("waves")
    ax = fig.add_subplot(1, 3, 2)
    ax.hist(fit["amplitude"], bins=40, color="tab:orange")
    for v in (0.9, 1.1):
        ax.axvline(v * spec.amplitude, color="k", ls="--", lw=0.8)
    ax.set_xlabel("fitted amplitude")
    ax = fig.add_subplot(1, 3, 3)
    ax.hist(phase, bins=36, range=(spec.phase_min, spec.phase_max), color="tab:green", density=True)
    if spec.phase_max > spec.phase_min:
        ax.axhline(1 / (spec.phase_max - spec.phase_min), color="k", ls="--", lw=0.8)
    ax.set_xlabel("fitted phase [rad]")
    fig.suptitle(f"Sine fits of {len(waves)} generated waves", fontsize=9)
    return save_figure(fig, path)


def animate_stream(
    model: VAE,
    spec: SineSpec,
    path: str | os.PathLike[str],
    *,
    frames: int = 48,
    capacity: int = 16,
    seed: int = 0,
    fps: int = 6,
    dpi: int = 64,
) -> Path:
    """An animated GIF of the ring buffer at work, like the blog's video.

    Top: the ring buffer's slots (filled ones coloured by their latent value) with the write
    (W) and read (R) positions. Bottom: the zero-phase reference (green), the decoder output
    (red) and its smoothed version (blue). The producer writes 0-3 prior samples per frame
    (never more than the free slots: back-pressure); once the buffer has filled, the decoder
    reads one latent per frame. Deterministic for a given ``seed``.
    """
    from matplotlib import cm
    from matplotlib.animation import PillowWriter

    from wavae.sine.stream import decoder_consumer, prior_producer
    from wavae.stream import RingBuffer

    if frames < 1:
        raise ValueError(f"frames: must be >= 1, got {frames}")
    latent_dim = model.config.latent_dim
    buf = RingBuffer(capacity, (latent_dim,), np.float32)
    shadow = np.zeros(capacity, dtype=np.float64)  # first latent coordinate per slot, for colour
    produce = prior_producer(latent_dim, seed)
    decode = decoder_consumer(model)
    pace = np.random.default_rng(seed + 1)
    t = spec.times()
    reference = spec.amplitude * np.sin(2 * np.pi * spec.frequency * t)
    cmap = cm.get_cmap("viridis") if hasattr(cm, "get_cmap") else __import__("matplotlib").colormaps["viridis"]

    fig = _figure(5.0, 5.4, dpi)
    ax_ring = fig.add_axes([0.25, 0.5, 0.5, 0.42], projection="polar")
    title = fig.text(0.5, 0.965, "", ha="center", va="top", fontsize=8)
    counter = fig.text(0.99, 0.01, "", ha="right", va="bottom", fontsize=6, color="0.4")
    ax_wave = fig.add_axes([0.12, 0.08, 0.83, 0.36])
    theta = 2 * np.pi * (np.arange(capacity) + 0.5) / capacity
    width = 2 * np.pi / capacity * 0.92
    started = False
    wave, raw_z, decoded = None, None, 0
    path = Path(path)
    writer = PillowWriter(fps=fps)
    with atomic_path(path, ".gif") as tmp:
        with writer.saving(fig, str(tmp), dpi):
            for frame in range(frames):
                read_slot, write_slot, occupancy = buf.indices()
                k = min(int(pace.integers(0, 4)), capacity - occupancy)
                if k:
                    z = produce(k)
                    shadow[(write_slot + np.arange(k)) % capacity] = z[:, 0]
                    buf.put_many(z)
                if len(buf) == capacity:
                    started = True
                if started and len(buf):
                    raw_z = buf.get()
                    wave = decode(raw_z[None])[0]
                    decoded += 1
                read_slot, write_slot, occupancy = buf.indices()
                filled = (read_slot + np.arange(occupancy)) % capacity

                ax_ring.clear()
                colours = np.full((capacity, 4), (0.85, 0.85, 0.85, 1.0))
                colours[filled] = cmap((np.clip(shadow[filled], -2.5, 2.5) + 2.5) / 5.0)
                ax_ring.bar(theta, np.ones(capacity), width=width, bottom=1.0, color=colours, edgecolor="white")
                ax_ring.text(theta[write_slot], 2.45, "W", ha="center", va="center", color="tab:purple", fontsize=9, weight="bold")
                ax_ring.text(theta[read_slot], 0.6, "R", ha="center", va="center", color="tab:red", fontsize=9, weight="bold")
                ax_ring.set_ylim(0, 2.7)
                ax_ring.set_axis_off()
                title.set_text(f"ring buffer: {occupancy}/{capacity} latents waiting (W: write, R: read)")
                counter.set_text(f"frame {frame + 1}/{frames}")

                ax_wave.clear()
                ax_wave.plot(t, reference, color="tab:green", lw=1.2, label="reference (phase 0)")
                if wave is not None:
                    ax_wave.plot(t, wave, color="tab:red", lw=2.4, alpha=0.75, label="decoder output")
                    ax_wave.plot(t, smooth(wave[None])[0], color="tab:blue", lw=1.0, label="smoothed")
                    ax_wave.set_title(f"wave {decoded}: z = {float(raw_z[0]):+.2f}", fontsize=8)
                else:
                    ax_wave.set_title("filling the buffer...", fontsize=8)
                ax_wave.set_ylim(-1.6 * spec.amplitude, 1.9 * spec.amplitude)
                ax_wave.set_xlabel("time [s]", fontsize=8)
                ax_wave.tick_params(labelsize=7)
                ax_wave.legend(loc="upper right", fontsize=6, ncol=3, frameon=False)
                writer.grab_frame()
    return path
