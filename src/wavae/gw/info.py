"""A human-readable summary of a wavae gravitational-wave dataset file (either layout)."""

from __future__ import annotations

import collections
import json
import os

import h5py
import numpy as np

from wavae.gw.dataset import FORMAT, SPLIT_NAMES, read_settings


def describe_dataset(path: str | os.PathLike[str]) -> str:
    """Multi-line summary: settings, counts, splits, parameter ranges, rejections, layout."""
    from wavae.gw.geometric_dataset import FORMAT as GEOMETRIC

    settings = read_settings(path, (FORMAT, GEOMETRIC))
    lines = [f"{path}"]
    with h5py.File(path, "r") as f:
        a = f.attrs
        geometric = a["format"] == GEOMETRIC
        lines.append(f"  format          {a['format']} (wavae {a['wavae_version']}, {a['lalsuite_version']})")
        if geometric:
            grid = json.loads(a["grid"])
            lines.append(f"  approximant     {a['approximant']}, generated at {a['reference_mass']:g} Msun every {a['delta_tau']:g} M, face-on (2,2) mode")
            lines.append(f"  time grid       {f['grid/tau'].shape[0]} nodes, tau = t/M from {grid['tau_start']:g} to {grid['tau_stop']:g}, "
                         f"{grid['peak_spacing']:g} M apart at the peak")  # fmt: skip
        else:
            lines.append(f"  approximant     {a['approximant']}, {a['sample_rate']:g} Hz, {a['duration']:g} s windows, face-on (2,2) mode at 1 Mpc")
        lines.append(f"  waveforms       {a['n_waveforms']} of {a['n_requested']} requested, {a['n_failed']} rejected by lalsimulation")
        split = f["split"][:]
        lines.append("  split           " + ", ".join(f"{SPLIT_NAMES[k]} {int((split == k).sum())}" for k in (0, 1, 2)))
        lines.append(f"  seed            {a['seed']}")
        lines.append(f"  prior           {json.dumps(settings['prior'])}")
        if not geometric:
            lines.append(f"  tau constant    C = {a['tau_constant']:.6g} s Msun^(5/3) Hz^(8/3), f_lower lowered by {100 * a['f_lower_reduction']:g} %")
        ranges = ("mass_ratio", "spin1z", "spin2z", "tau_end") if geometric else ("mass1", "mass2", "spin1z", "spin2z", "f_lower")
        for k in ranges:
            v = f["keys/tau_end" if k == "tau_end" else f"params/{k}"][:]
            if v.size:
                unit = " M after the peak" if k == "tau_end" else ""
                lines.append(f"  {k:<15} [{v.min():.4g}, {v.max():.4g}]  median {np.median(v):.4g}{unit}")
        if a["n_failed"]:
            reasons = collections.Counter(r.decode() if isinstance(r, bytes) else r for r in f["failures/reason"][:])
            lines.append("  rejections:")
            for reason, count in reasons.most_common(5):
                lines.append(f"    {count} x {reason}")
        lines.append("  datasets:")
        f.visititems(lambda name, obj: lines.append(f"    {name:<28} {obj.shape} {obj.dtype}") if isinstance(obj, h5py.Dataset) else None)
        lines.append(f"  fingerprint     {a['fingerprint']}")
    return "\n".join(lines)
