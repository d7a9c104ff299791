"""Figures of the evaluation report (seed 000 Figures 5-8 and 10) and of the benchmark (Figure 9).

matplotlib is imported inside the functions, with the Agg backend. Mismatches are drawn on
log axes; values below :data:`LOG_FLOOR` (a perfect match can round to 0 or to -1e-16) are
drawn at the floor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from wavae.io.figures import save_figure

LOG_FLOOR = 1e-16
_POL_LABEL = {"hplus": "h+", "hcross": "hx"}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _positive(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    return np.maximum(v, LOG_FLOOR)


def _log_bins(arrays: list[np.ndarray], n: int = 40) -> np.ndarray:
    vals = np.concatenate([a for a in arrays if a.size] or [np.array([1e-4])])
    lo, hi = np.log10(vals.min()), np.log10(vals.max())
    if hi - lo < 1e-6:
        lo, hi = lo - 0.5, hi + 0.5
    return np.logspace(lo, hi, n + 1)


def plot_histogram(metrics: dict[str, np.ndarray], path: Path) -> Path:
    """Figure 6: log-x histograms of the tapered mismatch of h+ and hx, with the latent-mean
    draw and any baselines overlaid as outlines."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, pol in zip(axes, ("hplus", "hcross")):
        series = {"surrogate (seeded draw)": metrics.get(f"mismatch_{pol}")}
        if f"mean_latent_mismatch_{pol}" in metrics:
            series["surrogate (latent means)"] = metrics[f"mean_latent_mismatch_{pol}"]
        for k, v in metrics.items():
            if k.startswith("baseline_") and k.endswith(f"_mismatch_{pol}"):
                series[k[len("baseline_") : -len(f"_mismatch_{pol}")]] = v
        data = {k: _positive(v) for k, v in series.items() if v is not None}
        bins = _log_bins(list(data.values()))
        for i, (label, v) in enumerate(data.items()):
            ax.hist(v, bins=bins, histtype="stepfilled" if i == 0 else "step", alpha=0.6 if i == 0 else 1.0, lw=1.4, label=f"{label} ({v.size})")
        ax.set_xscale("log")
        ax.set_xlabel(f"mismatch {_POL_LABEL[pol]}")
        ax.set_ylabel("waveforms")
        ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=120)


def plot_mismatch_comparison(series: dict[str, np.ndarray], path: Path, title: str = "") -> Path:
    """Overlaid log-x histograms (left) and cumulative fractions (right) of the h+ mismatch of
    several models on the same waveforms; ``series`` maps a label to its values."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    data = {k: _positive(v) for k, v in series.items()}
    bins = _log_bins(list(data.values()), 50)
    for i, (label, v) in enumerate(data.items()):
        axes[0].hist(v, bins=bins, histtype="step", lw=1.6, color=f"C{i}", label=f"{label} (median {np.median(v):.1e})")
        axes[1].plot(np.sort(v), np.arange(1, v.size + 1) / v.size, color=f"C{i}", lw=1.6, label=label)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("mismatch h+")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("waveforms")
    axes[1].set_ylabel("fraction of waveforms below")
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return save_figure(fig, path, dpi=120)


def plot_overlays(examples: dict[str, dict[str, Any]], path: Path) -> Path:
    """Figure 5: stored and generated h+ for the best, median and worst cases; full window on
    the left, the last 0.1 s before and 0.05 s after the peak on the right."""
    plt = _plt()
    names = [k for k in ("best", "median", "worst") if k in examples]
    fig, axes = plt.subplots(max(len(names), 1), 2, figsize=(12, 2.8 * max(len(names), 1)), squeeze=False)
    for r, name in enumerate(names):
        ex = examples[name]
        t = ex["times"]
        p = ex["params"]
        title = (f"{name}: row {ex['row']}, mismatch h+ {ex['mismatch_hplus']:.2e}; m = ({p.get('mass1', np.nan):.1f}, "
                 f"{p.get('mass2', np.nan):.1f}) Msun, chi = ({p.get('spin1z', np.nan):+.2f}, {p.get('spin2z', np.nan):+.2f})")  # fmt: skip
        for c, zoom in enumerate((False, True)):
            ax = axes[r, c]
            sel = (t >= -0.1) & (t <= 0.05) if zoom else slice(None)
            ax.plot(t[sel], ex["stored"][sel], lw=0.8, label="stored")
            ax.plot(t[sel], ex["generated"][sel], lw=0.8, ls="--", label="generated")
            ax.set_xlabel("time from stored peak [s]")
            ax.set_ylabel("h+")
            if c == 0:
                ax.set_title(title, fontsize=8, loc="left")
                ax.legend(fontsize=8, loc="upper left")
    return save_figure(fig, path, dpi=120)


def plot_tomography_mass(params: dict[str, np.ndarray], metrics: dict[str, np.ndarray], path: Path) -> Path:
    """Figure 7: total mass vs mass ratio, coloured by log10 of the tapered mismatch (h+, hx)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, pol in zip(axes, ("hplus", "hcross")):
        v = np.asarray(metrics[f"mismatch_{pol}"], dtype=np.float64)
        ok = np.isfinite(v)
        sc = ax.scatter(params["total_mass"][ok], params["mass_ratio"][ok], c=np.log10(np.maximum(v[ok], LOG_FLOOR)), s=10, cmap="viridis")
        fig.colorbar(sc, ax=ax, label=f"log10 mismatch {_POL_LABEL[pol]}")
        ax.set_xlabel("total mass [Msun]")
        ax.set_ylabel("mass ratio max/min")
    return save_figure(fig, path, dpi=120)


def plot_tomography_chi_eff(params: dict[str, np.ndarray], metrics: dict[str, np.ndarray], summary: dict[str, Any], path: Path) -> Path:
    """Figure 8: tapered mismatch against chi_eff (log y) coloured by mass ratio, the binned
    medians as a line and the restricted chi_eff range shaded."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    tomo = summary.get("tomography", {}).get("chi_eff")
    rng = summary.get("restricted_chi_eff", {}).get("range")
    for ax, pol in zip(axes, ("hplus", "hcross")):
        v = np.asarray(metrics[f"mismatch_{pol}"], dtype=np.float64)
        ok = np.isfinite(v)
        sc = ax.scatter(params["chi_eff"][ok], np.maximum(v[ok], LOG_FLOOR), c=params["mass_ratio"][ok], s=10, cmap="plasma")
        fig.colorbar(sc, ax=ax, label="mass ratio")
        if tomo is not None:
            e = np.asarray(tomo["edges"])
            med = np.asarray([np.nan if m is None else m for m in tomo[f"median_mismatch_{pol}"]], dtype=np.float64)
            ax.plot(0.5 * (e[1:] + e[:-1]), np.maximum(med, LOG_FLOOR), "k-o", ms=3, lw=1.2, label="binned median")
            ax.legend(fontsize=8)
        if rng is not None:
            ax.axvspan(rng[0], rng[1], color="grey", alpha=0.12)
        ax.set_yscale("log")
        ax.set_xlabel("chi_eff")
        ax.set_ylabel(f"mismatch {_POL_LABEL[pol]}")
    return save_figure(fig, path, dpi=120)


def plot_tomography_binned(summary: dict[str, Any], path: Path) -> Path:
    """Binned medians of the tapered mismatch (h+ and hx) over total mass, mass ratio and chi_eff."""
    plt = _plt()
    tomo = summary["tomography"]
    labels = {"total_mass": "total mass [Msun]", "mass_ratio": "mass ratio max/min", "chi_eff": "chi_eff"}
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for ax, (name, label) in zip(axes, labels.items()):
        e = np.asarray(tomo[name]["edges"])
        mid = 0.5 * (e[1:] + e[:-1])
        for pol in ("hplus", "hcross"):
            med = np.asarray([np.nan if m is None else m for m in tomo[name][f"median_mismatch_{pol}"]], dtype=np.float64)
            ax.plot(mid, np.maximum(med, LOG_FLOOR), "-o", ms=3, label=_POL_LABEL[pol])
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("median mismatch")
        ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=120)


def plot_latent(latent: dict[str, np.ndarray], path: Path) -> Path:
    """Figure 10: histogram (log x) of the per-point standard deviation of the mismatch over
    the K latent draws, h+ and hx, with the medians marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    data = {pol: _positive(latent[f"std_{pol}"]) for pol in ("hplus", "hcross")}
    bins = _log_bins(list(data.values()), 30)
    for pol, v in data.items():
        line = ax.hist(v, bins=bins, histtype="step", lw=1.5, label=f"{_POL_LABEL[pol]} ({v.size} points)")
        if v.size:
            ax.axvline(np.median(v), ls=":", color=line[2][0].get_edgecolor())
    ax.set_xscale("log")
    ax.set_xlabel("standard deviation of the mismatch over latent draws")
    ax.set_ylabel("points")
    ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=120)


def plot_report(result: Any, out: Path) -> dict[str, Path]:
    """Every figure an :class:`wavae.gw.evaluate.EvaluationResult` supports, into ``out``."""
    files: dict[str, Path] = {}
    files["mismatch_histogram.png"] = plot_histogram(result.metrics, out / "mismatch_histogram.png")
    if result.examples:
        files["overlays.png"] = plot_overlays(result.examples, out / "overlays.png")
    p = result.params
    if all(k in p for k in ("total_mass", "mass_ratio", "chi_eff")):
        files["tomography_mass.png"] = plot_tomography_mass(p, result.metrics, out / "tomography_mass.png")
        files["tomography_chi_eff.png"] = plot_tomography_chi_eff(p, result.metrics, result.summary, out / "tomography_chi_eff.png")
    if "tomography" in result.summary:
        files["tomography_binned.png"] = plot_tomography_binned(result.summary, out / "tomography_binned.png")
    if result.latent is not None:
        files["latent_uncertainty.png"] = plot_latent(result.latent, out / "latent_uncertainty.png")
    return files


def plot_benchmark(result: dict[str, Any], path: Path) -> Path:
    """Figure 9: time per batch and time per waveform against batch size N (log-log), one line
    per surrogate device and per lalsimulation baseline, all from one run."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for name, s in result["series"].items():
        if not s["n"]:
            continue
        style = "-o" if s["kind"] == "surrogate" else "--s"
        axes[0].plot(s["n"], s["time_per_batch_s"], style, ms=4, label=name)
        axes[1].plot(s["n"], s["time_per_waveform_s"], style, ms=4, label=name)
    for ax, ylabel in zip(axes, ("time per batch [s]", "time per waveform [s]")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("waveforms per batch N")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    m = result.get("machine", {})
    fig.suptitle(f"{m.get('cpu', '?')} ({m.get('cpu_count', '?')} cores, {m.get('torch_threads', '?')} torch threads)"
                 + (f"; GPU {m['gpu']}" if m.get("gpu") else ""), fontsize=9)  # fmt: skip
    return save_figure(fig, path, dpi=120)
