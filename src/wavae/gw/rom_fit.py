"""Fit a :class:`~wavae.gw.rom.GeometricROM` to a geometric dataset (``wavae gw train --model
geometric_rom``): mismatch weights -> weighted SVD bases -> coefficients -> least squares.

Steps (train split only; the validation split is scored with the same mismatch proxy):

1. Node weights (:func:`~wavae.gw.reduced_basis.mismatch_weights`) from the training row
   nearest to (q, spin1z, spin2z) = (2, 0, 0), averaged over total masses drawn from the
   seed-000 prior: aLIGOZeroDetHighPower, 20 Hz, 1 s windows.
2. Bases: amplitude / eta with weights w / A_ref^2 (relative amplitude error), phase with w.
3. Coefficients of every row, plus tau_end.
4. Standardised outputs = Chebyshev features @ poly, by ridge-regularised normal equations
   (the features are near-orthogonal on the sampled box, so this is well conditioned).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch

from wavae.gw.dataset import _say
from wavae.gw.geometric import INTRINSIC, TimeGrid
from wavae.gw.geometric_dataset import FORMAT as GEOMETRIC_FORMAT
from wavae.gw.prior import Prior
from wavae.gw.reduced_basis import fit_basis, mismatch_weights
from wavae.gw.rom import GeometricROM, RomConfig, packed_bases
from wavae.io.checkpoint import save_checkpoint


def read_geometric(path: str | os.PathLike[str], limit: int | None = None) -> dict[str, Any]:
    """Arrays and attributes of a geometric dataset (ValueError if it is not one)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--data: no such file {path}")
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != GEOMETRIC_FORMAT:
            raise ValueError(f"--data: {path} is not a geometric dataset (make one with 'wavae gw datagen --layout geometric')")
        rows = slice(0, limit)
        out = {k: f[f"params/{k}"][rows] for k in INTRINSIC}
        out.update(
            amplitude=f["series/amplitude"][rows].astype(np.float64),
            phase=f["series/phase"][rows],
            tau_end=f["keys/tau_end"][rows],
            split=f["split"][rows],
            tau=f["grid/tau"][:],
            grid=json.loads(f.attrs["grid"]),
            settings=json.loads(f.attrs["settings"]),
            fingerprint=str(f.attrs["fingerprint"]),
            approximant=str(f.attrs["approximant"]),
        )
    return out


def fit_geometric_rom(
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    degree: int = 16,
    n_amplitude: int = 16,
    n_phase: int = 24,
    ridge: float = 1e-10,
    weight_masses: int = 400,
    limit: int | None = None,
    n_samples: int = 8192,
    delta_t: float = 1.0 / 8192.0,
    progress: bool = True,
) -> dict[str, Any]:
    """Fit and save a ROM into the folder ``out``; returns the fit report (also in the metadata)."""
    for flag, value in (("--degree", degree), ("--n-amplitude", n_amplitude), ("--n-phase", n_phase)):
        if value < 1:
            raise ValueError(f"{flag}: must be an integer >= 1, got {value}")
    started = time.perf_counter()
    d = read_geometric(data, limit)
    train, val = d["split"] == 0, d["split"] == 1
    if train.sum() < 10 or val.sum() < 1:
        raise ValueError(f"--data: {data} needs at least 10 training and 1 validation waveform")
    grid = TimeGrid(**d["grid"])
    q, s1, s2 = d["mass_ratio"], d["spin1z"], d["spin2z"]
    eta = q / (1.0 + q) ** 2
    tau = d["tau"]

    ref = int(np.argmin(np.where(train, (q - 2.0) ** 2 + s1**2 + s2**2, np.inf)))
    masses = Prior().sample(weight_masses, seed=0, stream=7)
    total_masses = masses["mass1"] + masses["mass2"]
    omega = np.gradient(d["phase"][ref], tau)
    w = mismatch_weights(tau, d["amplitude"][ref], omega, total_masses, duration=n_samples * delta_t)
    a_ref = d["amplitude"][ref] / d["amplitude"][ref].max()
    wa = w / np.maximum(a_ref, 1e-3) ** 2
    wa /= wa.sum()
    _say(progress, f"fitting bases on {int(train.sum())} waveforms ({grid.size} nodes)")
    amp_rows = d["amplitude"] / eta[:, None]
    b_amp = fit_basis(amp_rows[train], wa, n_amplitude)
    b_phase = fit_basis(d["phase"][train], w, n_phase)
    targets = np.concatenate([b_amp.project(amp_rows), b_phase.project(d["phase"]), d["tau_end"][:, None]], axis=1)
    amp_val = amp_rows[val]
    relative = (b_amp.reconstruct(b_amp.project(amp_val)) - amp_val) / np.maximum(amp_val, 1e-3 * amp_val.max(axis=1, keepdims=True))
    basis_error = {
        "amplitude": _proxy(relative, w),
        "phase": _proxy(b_phase.reconstruct(b_phase.project(d["phase"][val])) - d["phase"][val], w),
    }
    del amp_rows

    cfg = RomConfig(grid=grid.to_dict(), degree=degree, n_amplitude=n_amplitude, n_phase=n_phase,
                    mass_ratio=tuple(d["settings"]["prior"]["mass_ratio"]), spin1z=tuple(d["settings"]["prior"]["spin1z"]),
                    spin2z=tuple(d["settings"]["prior"]["spin2z"]))  # fmt: skip
    model = GeometricROM(cfg)
    mean, std = targets[train].mean(axis=0), targets[train].std(axis=0) + 1e-30
    standard = (targets - mean) / std
    params = torch.as_tensor(np.stack([q, s1, s2], axis=1))
    with torch.no_grad():
        feats = model.features(model.scaled_inputs(params[:, 0], params[:, 1], params[:, 2])).numpy()
    _say(progress, f"least squares: {int(train.sum())} rows x {feats.shape[1]} Chebyshev features (degree {degree})")
    # each output's least-squares fit is independent of the others (and of any per-output
    # weight), so one solve with every output as a right-hand side serves all
    ft = feats[train]
    gram = ft.T @ ft
    gram[np.diag_indices_from(gram)] += ridge * np.trace(gram) / gram.shape[0]
    poly = np.linalg.solve(gram, ft.T @ standard[train])
    model.load_fit(poly, mean, std, packed_bases(b_amp.basis, b_phase.basis, b_amp.mean, b_phase.mean))

    pred = feats @ poly * std + mean
    report = {
        "train": _summary(pred[train], targets[train]),
        "validation": _summary(pred[val], targets[val]),
        "basis_error_validation": basis_error,
        "n_train": int(train.sum()),
        "n_validation": int(val.sum()),
        "n_features": int(feats.shape[1]),
        "fit_seconds": round(time.perf_counter() - started, 1),
    }
    metadata = {
        "dataset_fingerprint": d["fingerprint"],
        "dataset_path": str(Path(data).resolve()),
        "dataset_settings": d["settings"],
        "approximant": d["approximant"],
        "n_samples": int(n_samples),
        "delta_t": float(delta_t),
        "reference_distance": 1.0,
        "weights": {"psd": "aLIGOZeroDetHighPower", "f_lower": 20.0, "total_masses": "seed-000 prior", "reference_row": ref},
        "fit": report,
    }
    path = save_checkpoint(out, model, metadata)
    _say(progress, f"wrote {path}: validation mismatch proxy median {report['validation']['median']:.2e}, "
                   f"99th {report['validation']['p99']:.2e}, worst {report['validation']['max']:.2e} ({report['fit_seconds']} s)")  # fmt: skip
    return report


def _proxy(error: np.ndarray, w: np.ndarray) -> dict[str, float]:
    e = 0.5 * (error**2 * w).sum(axis=1)
    return {"median": float(np.median(e)), "p99": float(np.quantile(e, 0.99)), "max": float(e.max())}


def _summary(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Mismatch proxy 1/2 |coefficient error|^2 per row (before time/phase maximisation)."""
    e = 0.5 * ((pred[:, :-1] - target[:, :-1]) ** 2).sum(axis=1)
    tau_err = np.abs(pred[:, -1] - target[:, -1])
    return {"median": float(np.median(e)), "p99": float(np.quantile(e, 0.99)), "max": float(e.max()),
            "tau_end_abs_error_max": float(tau_err.max())}  # fmt: skip
