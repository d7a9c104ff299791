"""``wavae gw datagen --layout geometric``: an HDF5 dataset of waveforms in geometric units.

Each point (mass_ratio, spin1z, spin2z) of an :class:`~wavae.gw.geometric.IntrinsicPrior` is
generated once with lalsimulation at a reference total mass and resampled onto one
:class:`~wavae.gw.geometric.TimeGrid` (tau = t / M from the amplitude peak). Total mass and
distance are not sampled: they enter analytically. The sharded, resumable, engine-agnostic
driver is the one of :mod:`wavae.gw.dataset`.

Layout (format ``wavae-gw-geometric/1``): ``params/{mass_ratio,spin1z,spin2z}`` (n,),
``params/f_lower`` (n,) dimensionless M f where generation started, ``series/amplitude``
(n, G) float32 in units of M / D, ``series/phase`` (n, G) float64 rad, zero at the peak,
``keys/tau_end`` (n,) [M] where lalsimulation's output ends after the peak, ``grid/tau`` (G,)
[M], ``split`` (n,) 0/1/2, ``index`` (n,), ``failures/*``; attributes as the seed-000 layout.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from wavae import __version__
from wavae.gw.dataset import (
    _check_same,
    _fingerprint,
    _engine,
    _parts_dir,
    _shard_path,
    _say,
    read_settings,
    resume_manifest,
    run_shards,
)
from wavae.gw.geometric import INTRINSIC, IntrinsicPrior, TimeGrid, component_masses, geometric_series
from wavae.gw.prior import split_labels
from wavae.gw.waveform import WaveformError, approximant_code, lalsuite_version
from wavae.io.atomic import atomic_path

FORMAT = "wavae-gw-geometric/1"
__all__ = ["FORMAT", "GeometricSettings", "generate_geometric_dataset"]


@dataclass(frozen=True)
class GeometricSettings:
    """Everything that determines a geometric dataset's content."""

    n: int
    approximant: str = "SEOBNRv4_opt"
    seed: int = 0
    prior: IntrinsicPrior = field(default_factory=IntrinsicPrior)
    grid: TimeGrid = field(default_factory=TimeGrid)
    delta_tau: float = 0.25
    reference_mass: float = 60.0
    split_fractions: tuple[float, float, float] = (0.9, 0.05, 0.05)

    def identity(self) -> dict[str, Any]:
        d = asdict(self)
        d["split_fractions"] = list(self.split_fractions)
        d["prior"] = {k: list(v) if isinstance(v, tuple) else v for k, v in d["prior"].items()}
        return d

    def validate(self) -> "GeometricSettings":
        if not isinstance(self.n, (int, np.integer)) or self.n <= 0:
            raise ValueError(f"--n: number of waveforms must be a positive integer, got {self.n}")
        if not 0.0 < self.delta_tau <= 2.0:
            raise ValueError(f"--delta-tau: sampling interval in units of M must be in (0, 2], got {self.delta_tau}")
        if not self.reference_mass > 0:
            raise ValueError(f"--reference-mass: must be > 0 solar masses, got {self.reference_mass}")
        f = self.split_fractions
        if len(f) != 3 or min(f) < 0 or abs(sum(f) - 1.0) > 1e-9:
            raise ValueError(f"--split: three non-negative fractions summing to 1, got {list(f)}")
        self.prior.validate()
        approximant_code(self.approximant)
        return self


def _shard_task(params: dict[str, np.ndarray], indices: np.ndarray, settings: GeometricSettings) -> dict[str, Any]:
    g = settings.grid
    n = len(indices)
    amp = np.zeros((n, g.size), dtype=np.float32)
    phase = np.zeros((n, g.size))
    tau_end, f_lower = np.full(n, np.nan), np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    reasons: list[tuple[int, str]] = []
    for i in range(n):
        try:
            s = geometric_series(
                *(float(params[k][i]) for k in INTRINSIC), g, approximant=settings.approximant,
                delta_tau=settings.delta_tau, reference_mass=settings.reference_mass,
            )  # fmt: skip
        except WaveformError as err:
            reasons.append((int(indices[i]), str(err)))
            continue
        amp[i], phase[i], tau_end[i], f_lower[i], ok[i] = s.amplitude, s.phase, s.tau_end, s.f_lower, True
    return {
        "index": indices[ok].astype(np.int64),
        "series/amplitude": amp[ok],
        "series/phase": phase[ok],
        "keys/tau_end": tau_end[ok],
        "f_lower": f_lower[ok],
        "failures": reasons,
    }


def generate_geometric_dataset(
    out: str | os.PathLike[str],
    n: int,
    *,
    approximant: str = "SEOBNRv4_opt",
    seed: int = 0,
    prior: IntrinsicPrior | None = None,
    grid: TimeGrid | None = None,
    delta_tau: float = 0.25,
    reference_mass: float = 60.0,
    split_fractions: tuple[float, float, float] = (0.9, 0.05, 0.05),
    workers: int | None = None,
    scheduler: str | None = None,
    shard_size: int = 200,
    progress: bool = True,
) -> Path:
    """Generate ``n`` intrinsic draws into ``out`` (resuming an interrupted run); returns the path."""
    settings = GeometricSettings(
        n=n, approximant=approximant, seed=seed, prior=prior or IntrinsicPrior(), grid=grid or TimeGrid(),
        delta_tau=float(delta_tau), reference_mass=float(reference_mass), split_fractions=tuple(split_fractions),
    ).validate()  # fmt: skip
    if shard_size < 1:
        raise ValueError(f"--shard-size: must be >= 1, got {shard_size}")
    out = Path(out)
    wanted = settings.identity()
    if out.exists():
        _check_same(read_settings(out, (FORMAT,)), wanted, str(out))
        _say(progress, f"{out} is already complete with these settings; nothing to do")
        return out
    parts = _parts_dir(out)
    resume_manifest(parts, wanted, shard_size)
    started = time.perf_counter()
    engine = _engine(workers, scheduler)
    params = settings.prior.sample(settings.n, settings.seed)
    try:
        generated, seconds = run_shards(engine, parts, params, shard_size, progress, lambda c, i: (_shard_task, c, i, settings))
    except BaseException:
        engine.close(cancel=True)
        raise
    engine.close()
    n_ok, n_failed = _assemble(out, parts, settings, params, shard_size)
    shutil.rmtree(parts)
    if generated:
        _say(progress, f"{generated} waveforms in {seconds:.1f} s: {generated / seconds:.2f} waveforms/s on {engine.workers} workers")
    _say(progress, f"wrote {out}: {n_ok} waveforms, {n_failed} rejected (total {time.perf_counter() - started:.1f} s)")
    return out


def _assemble(out: Path, parts: Path, settings: GeometricSettings, params: dict[str, np.ndarray], shard_size: int) -> tuple[int, int]:
    n_shards = -(-settings.n // shard_size)
    pieces: dict[str, list[np.ndarray]] = {}
    fail_index: list[np.ndarray] = []
    fail_reason: list[str] = []
    for i in range(n_shards):
        with h5py.File(_shard_path(parts, i), "r") as s:
            for key in ("index", "keys/tau_end", "f_lower"):
                pieces.setdefault(key, []).append(s[key][:])
            fail_index.append(s["failures/index"][:])
            fail_reason.extend(r.decode() if isinstance(r, bytes) else r for r in s["failures/reason"][:])
    cat = {k: np.concatenate(v) for k, v in pieces.items()}
    index = cat["index"]
    n_ok, g = len(index), settings.grid.size
    split = split_labels(settings.n, settings.seed, settings.split_fractions)
    with atomic_path(out, ".h5") as tmp:
        with h5py.File(tmp, "w") as f:
            for key, dtype in (("series/amplitude", np.float32), ("series/phase", np.float64)):
                f.create_dataset(key, shape=(n_ok, g), dtype=dtype, chunks=(min(64, max(n_ok, 1)), g) if n_ok else None)
            row = 0
            for i in range(n_shards):
                with h5py.File(_shard_path(parts, i), "r") as s:
                    m = s["index"].shape[0]
                    for key in ("series/amplitude", "series/phase"):
                        f[key][row : row + m] = s[key][:]
                    row += m
            f.create_dataset("index", data=index)
            for k in INTRINSIC:
                f.create_dataset(f"params/{k}", data=params[k][index])
            m1, m2 = component_masses(settings.reference_mass, params["mass_ratio"][index])
            f.create_dataset("params/mass1", data=m1)
            f.create_dataset("params/mass2", data=m2)
            f.create_dataset("params/f_lower", data=cat["f_lower"])
            f.create_dataset("keys/tau_end", data=cat["keys/tau_end"])
            f.create_dataset("grid/tau", data=settings.grid.nodes())
            f.create_dataset("split", data=split[index])
            fi = np.concatenate(fail_index) if fail_index else np.empty(0, dtype=np.int64)
            f.create_dataset("failures/index", data=fi)
            for k in INTRINSIC:
                f.create_dataset(f"failures/{k}", data=params[k][fi])
            f.create_dataset("failures/reason", data=fail_reason, dtype=h5py.string_dtype())
            f.attrs.update(
                {
                    "format": FORMAT,
                    "wavae_version": __version__,
                    "settings": json.dumps(settings.identity(), sort_keys=True),
                    "approximant": settings.approximant,
                    "seed": settings.seed,
                    "lalsuite_version": lalsuite_version(),
                    "reference_mass": settings.reference_mass,
                    "delta_tau": settings.delta_tau,
                    "grid": json.dumps(settings.grid.to_dict()),
                    "n_requested": settings.n,
                    "n_waveforms": n_ok,
                    "n_failed": int(fi.size),
                }
            )
            f.attrs["fingerprint"] = _fingerprint(f, INTRINSIC)
    return n_ok, int(fi.size)
