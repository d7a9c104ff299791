"""A human-readable summary of a wavae gravitational-wave dataset file."""

from __future__ import annotations

import collections
import json
import os

import h5py
import numpy as np

from wavae.gw.dataset import SPLIT_NAMES, read_settings


def describe_dataset(path: str | os.PathLike[str]) -> str:
    """Multi-line summary: settings, counts, splits, parameter ranges, rejections, layout."""
    from wavae.gw.geometric_dataset import FORMAT as GEOMETRIC

    with h5py.File(path, "r") if os.path.isfile(path) else _no_file(path) as f:
        if f.attrs.get("format") == GEOMETRIC:
            return _describe_geometric(path, f)
    settings = read_settings(path)
    lines = [f"{path}"]
    with h5py.File(path, "r") as f:
        a = f.attrs
        lines.append(f"  format          {a['format']} (wavae {a['wavae_version']}, {a['lalsuite_version']})")
        lines.append(f"  approximant     {a['approximant']}, {a['sample_rate']:g} Hz, {a['duration']:g} s windows, face-on (2,2) mode at 1 Mpc")
        lines.append(f"  waveforms       {a['n_waveforms']} of {a['n_requested']} requested, {a['n_failed']} rejected by lalsimulation")
        split = f["split"][:]
        lines.append("  split           " + ", ".join(f"{SPLIT_NAMES[k]} {int((split == k).sum())}" for k in (0, 1, 2)))
        lines.append(f"  seed            {a['seed']}")
        lines.append(f"  prior           {json.dumps(settings['prior'])}")
        lines.append(f"  tau constant    C = {a['tau_constant']:.6g} s Msun^(5/3) Hz^(8/3), f_lower lowered by {100 * a['f_lower_reduction']:g} %")
        for k in ("mass1", "mass2", "spin1z", "spin2z", "f_lower"):
            v = f[f"params/{k}"][:]
            if v.size:
                lines.append(f"  {k:<15} [{v.min():.4g}, {v.max():.4g}]  median {np.median(v):.4g}")
        if a["n_failed"]:
            reasons = collections.Counter(r.decode() if isinstance(r, bytes) else r for r in f["failures/reason"][:])
            lines.append("  rejections:")
            for reason, count in reasons.most_common(5):
                lines.append(f"    {count} x {reason}")
        lines.append("  datasets:")
        f.visititems(lambda name, obj: lines.append(f"    {name:<28} {obj.shape} {obj.dtype}") if isinstance(obj, h5py.Dataset) else None)
        lines.append(f"  fingerprint     {a['fingerprint']}")
    return "\n".join(lines)


def _no_file(path: str | os.PathLike[str]) -> h5py.File:
    raise ValueError(f"{path}: no such dataset file")


def _describe_geometric(path: str | os.PathLike[str], f: h5py.File) -> str:
    a = f.attrs
    settings = json.loads(a["settings"])
    grid = json.loads(a["grid"])
    lines = [f"{path}"]
    lines.append(f"  format          {a['format']} (wavae {a['wavae_version']}, {a['lalsuite_version']})")
    lines.append(f"  approximant     {a['approximant']}, generated at {a['reference_mass']:g} Msun every {a['delta_tau']:g} M, face-on (2,2) mode")
    lines.append(f"  time grid       {f['grid/tau'].shape[0]} nodes, tau = t/M from {grid['tau_start']:g} to {grid['tau_stop']:g}, {grid['peak_spacing']:g} M apart at the peak")
    lines.append(f"  waveforms       {a['n_waveforms']} of {a['n_requested']} requested, {a['n_failed']} rejected by lalsimulation")
    split = f["split"][:]
    lines.append("  split           " + ", ".join(f"{SPLIT_NAMES[k]} {int((split == k).sum())}" for k in (0, 1, 2)))
    lines.append(f"  seed            {a['seed']}")
    lines.append(f"  prior           {json.dumps(settings['prior'])}")
    for k in ("mass_ratio", "spin1z", "spin2z"):
        v = f[f"params/{k}"][:]
        if v.size:
            lines.append(f"  {k:<15} [{v.min():.4g}, {v.max():.4g}]  median {np.median(v):.4g}")
    v = f["keys/tau_end"][:]
    if v.size:
        lines.append(f"  tau_end         [{v.min():.4g}, {v.max():.4g}] M after the peak")
    lines.append("  datasets:")
    f.visititems(lambda name, obj: lines.append(f"    {name:<28} {obj.shape} {obj.dtype}") if isinstance(obj, h5py.Dataset) else None)
    lines.append(f"  fingerprint     {a['fingerprint']}")
    return "\n".join(lines)
