"""Build an HDF5 dataset of lalsimulation waveforms the way seed 000 §II prepares them.

Pipeline per point: prior draw -> dynamic f_lower -> lalsimulation -> last ``duration`` s ->
amplitude / frequency decomposition -> keys. Work is cut into shards of ``shard_size``
points; each finished shard is written to ``OUT.parts/`` under a temporary name and renamed
into place, so an interrupted run, started again with the same command, skips the finished
shards and ends with the same file as an uninterrupted run. The final file is assembled
under a temporary name and renamed. Parameters are drawn in the parent process from the
seed, so the content does not depend on the number of workers or on the engine (local
processes or a Dask cluster). The file layout is documented in docs/gw-dataset.md.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import h5py
import numpy as np

from wavae import __version__
from wavae.gw.decompose import decompose, normalise
from wavae.gw.prior import PARAMETERS, Prior, chirp_mass, split_labels
from wavae.gw.waveform import (
    WaveformError,
    approximant_code,
    f_lower_for_duration,
    final_frequency,
    generate_polarisations,
    generate_window,
    lalsuite_version,
)
from wavae.io.atomic import atomic_path, write_json

FORMAT = "wavae-gw-dataset/1"
SPLIT_NAMES = {0: "train", 1: "validation", 2: "test"}
_SERIES_DATASETS = ("waveforms/hplus", "waveforms/hcross", "series/amplitude", "series/frequency")


@dataclass(frozen=True)
class DatasetSettings:
    """Everything that determines a dataset's content (shard_size only cuts the work)."""

    n: int
    approximant: str = "SEOBNRv4_opt"
    seed: int = 0
    sample_rate: float = 8192.0
    duration: float = 1.0
    prior: Prior = field(default_factory=Prior)
    calibration_size: int = 500
    calibration_f_lower: float = 40.0
    f_lower_reduction: float = 0.2
    storage_dtype: str = "float32"

    @property
    def delta_t(self) -> float:
        return 1.0 / self.sample_rate

    @property
    def n_samples(self) -> int:
        return int(round(self.duration * self.sample_rate))

    def identity(self) -> dict[str, Any]:
        """JSON-ready dict compared against an existing file or unfinished run."""
        d = asdict(self)
        d["prior"] = json.loads(self.prior.to_json())
        return d

    def validate(self) -> "DatasetSettings":
        """Raise ValueError naming the bad argument and its valid range."""
        if not isinstance(self.n, (int, np.integer)) or self.n <= 0:
            raise ValueError(f"--n: number of waveforms must be a positive integer, got {self.n}")
        if not self.duration > 0:
            raise ValueError(f"--duration: must be > 0 seconds, got {self.duration}")
        if not self.sample_rate > 0:
            raise ValueError(f"--sample-rate: must be > 0 Hz, got {self.sample_rate}")
        if self.n_samples < 16:
            raise ValueError(f"--duration x --sample-rate: at least 16 samples needed, got {self.n_samples}")
        if not 0.0 <= self.f_lower_reduction < 1.0:
            raise ValueError(f"--f-lower-reduction: must be in [0, 1), got {self.f_lower_reduction}")
        if not self.calibration_size >= 10:
            raise ValueError(f"--calibration-size: need at least 10 waveforms, got {self.calibration_size}")
        if self.storage_dtype not in ("float32", "float64"):
            raise ValueError(f"--dtype: float32 or float64, got {self.storage_dtype}")
        self.prior.validate()
        approximant_code(self.approximant)
        p = self.prior
        f_ring = final_frequency(p.mass1[0], p.mass2[0], max(p.spin1z), max(p.spin2z), self.approximant)
        if self.sample_rate / 2.0 <= f_ring:
            raise ValueError(
                f"--sample-rate: {self.sample_rate:g} Hz is too low: the lightest system "
                f"({p.mass1[0]:g}+{p.mass2[0]:g} Msun, spins {max(p.spin1z):g}, {max(p.spin2z):g}) "
                f"rings down at {f_ring:.0f} Hz, above the Nyquist frequency {self.sample_rate / 2:g} Hz; "
                f"use more than {2 * f_ring:.0f} Hz"
            )
        return self


@dataclass
class DatasetSummary:
    """What a :func:`generate_dataset` call did: counts, timings and throughput."""

    path: Path
    n_ok: int
    n_failed: int
    tau_constant: float
    seconds: float
    workers: int
    generated_now: int

    @property
    def waveforms_per_second(self) -> float:
        return self.generated_now / self.seconds if self.seconds > 0 else float("nan")

    @property
    def per_core(self) -> float:
        return self.waveforms_per_second / max(self.workers, 1)


# ----------------------------------------------------------------------------- tasks


def _calibration_task(params: dict[str, np.ndarray], approximant: str, delta_t: float, f_ref: float) -> np.ndarray:
    """Time [s] from ``f_ref`` to the amplitude peak for each point (NaN where rejected)."""
    taus = np.full(len(params["mass1"]), np.nan)
    for i in range(len(taus)):
        try:
            hp, hc, epoch = generate_polarisations(
                *(float(params[k][i]) for k in PARAMETERS), f_lower=f_ref, delta_t=delta_t, approximant=approximant
            )
        except WaveformError:
            continue
        taus[i] = np.argmax(hp * hp + hc * hc) * delta_t
    return taus


def _shard_task(
    params: dict[str, np.ndarray], indices: np.ndarray, settings: DatasetSettings, tau_constant: float
) -> dict[str, Any]:
    """Generate and decompose one shard. Returns arrays for the points lalsimulation accepted
    and (index, reason) for those it rejected."""
    dtype = np.dtype(settings.storage_dtype)
    n, length = len(indices), settings.n_samples
    f_lower = f_lower_for_duration(params["mass1"], params["mass2"], settings.duration, tau_constant, settings.f_lower_reduction)
    hp = np.empty((n, length))
    hc = np.empty((n, length))
    ok = np.zeros(n, dtype=bool)
    used_f = np.full(n, np.nan)
    epoch = np.full(n, np.nan)
    reasons: list[tuple[int, str]] = []
    for i in range(n):
        try:
            w = generate_window(
                *(float(params[k][i]) for k in PARAMETERS),
                n_samples=length, delta_t=settings.delta_t, f_lower=float(f_lower[i]), approximant=settings.approximant,
            )  # fmt: skip
        except WaveformError as err:
            reasons.append((int(indices[i]), str(err)))
            continue
        hp[i], hc[i], used_f[i], epoch[i], ok[i] = w.hplus, w.hcross, w.f_lower, w.epoch, True
    hp, hc = hp[ok], hc[ok]
    dec = decompose(hp, hc, settings.delta_t)
    amp_n, freq_n = normalise(dec.amplitude), normalise(dec.frequency)
    return {
        "index": indices[ok].astype(np.int64),
        "f_lower": used_f[ok],
        "epoch": epoch[ok],
        "waveforms/hplus": hp.astype(dtype),
        "waveforms/hcross": hc.astype(dtype),
        "series/amplitude": dec.amplitude.astype(dtype),
        "series/frequency": dec.frequency.astype(dtype),
        "series/initial_phase": dec.initial_phase,
        "keys/amplitude_mean": amp_n.mean,
        "keys/amplitude_std": amp_n.std,
        "keys/frequency_mean": freq_n.mean,
        "keys/frequency_std": freq_n.std,
        "failures": reasons,
    }


# ----------------------------------------------------------------------------- engines


class _Serial:
    """In-process engine with the submit/as_completed shape of the others (one worker)."""

    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        fut: cf.Future = cf.Future()
        fut.set_result(fn(*args))
        return fut

    def as_completed(self, futures: Iterable[Any]) -> Iterable[Any]:
        return iter(list(futures))

    def close(self, cancel: bool = False) -> None:
        pass


class _Local:
    """Local worker processes (spawned, so they are safe whatever the parent imported)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        return self.pool.submit(fn, *args)

    def as_completed(self, futures: Iterable[Any]) -> Iterable[Any]:
        return cf.as_completed(list(futures))

    def close(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _Dask:
    """A Dask distributed scheduler (``tcp://HOST:PORT``): the same tasks on a cluster."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        try:
            self.client = Client(address, timeout="20s")
        except OSError as err:
            raise ValueError(f"--scheduler: cannot reach a Dask scheduler at {address!r} ({err})") from None
        self.workers = max(sum(self.client.nthreads().values()), 1)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures: Iterable[Any]) -> Iterable[Any]:
        from distributed import as_completed

        return as_completed(list(futures))

    def close(self, cancel: bool = False) -> None:
        self.client.close()


def _engine(workers: int | None, scheduler: str | None) -> Any:
    if scheduler:
        return _Dask(scheduler)
    workers = os.cpu_count() or 1 if workers is None else workers
    if workers < 1:
        raise ValueError(f"--workers: must be >= 1, got {workers}")
    return _Serial() if workers == 1 else _Local(workers)


# ----------------------------------------------------------------------------- driver


def _parts_dir(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _check_same(existing: dict[str, Any], wanted: dict[str, Any], where: str) -> None:
    diff = [k for k in sorted(set(existing) | set(wanted)) if existing.get(k) != wanted.get(k)]
    if diff:
        described = "; ".join(f"--{k.replace('_', '-')}: {existing.get(k)!r} there, {wanted.get(k)!r} asked" for k in diff)
        raise ValueError(f"{where} was made with different settings ({described}); choose another --out or delete it")


def _slices(params: dict[str, np.ndarray], lo: int, hi: int) -> dict[str, np.ndarray]:
    return {k: v[lo:hi] for k, v in params.items()}


def calibrate_tau_constant(settings: DatasetSettings, engine: Any | None = None, chunk: int = 50) -> float:
    """C in tau = C Mc^(-5/3) f^(-8/3) [s, Msun, Hz] from ``calibration_size`` prior draws
    generated at ``calibration_f_lower`` (40 Hz): the median of tau Mc^(5/3) f^(8/3), where
    tau is the time from f_lower to the amplitude peak. Points lalsimulation rejects at that
    frequency (the heaviest systems start above 40 Hz) are left out."""
    engine = engine or _Serial()
    params = settings.prior.sample(settings.calibration_size, settings.seed, stream=1)
    futures = [
        engine.submit(_calibration_task, _slices(params, lo, lo + chunk), settings.approximant, settings.delta_t, settings.calibration_f_lower)
        for lo in range(0, settings.calibration_size, chunk)
    ]  # fmt: skip
    taus = np.concatenate([f.result() for f in futures])
    good = np.isfinite(taus) & (taus > 0)
    if good.sum() < 5:
        raise ValueError(f"--approximant: {settings.approximant} rejected almost all calibration waveforms at {settings.calibration_f_lower} Hz")
    mc = chirp_mass(params["mass1"][good], params["mass2"][good])
    return float(np.median(taus[good] * mc ** (5.0 / 3.0) * settings.calibration_f_lower ** (8.0 / 3.0)))


def generate_dataset(
    out: str | os.PathLike[str],
    n: int,
    *,
    approximant: str = "SEOBNRv4_opt",
    seed: int = 0,
    sample_rate: float = 8192.0,
    duration: float = 1.0,
    prior: Prior | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    shard_size: int = 100,
    calibration_size: int = 500,
    storage_dtype: str = "float32",
    progress: bool = True,
) -> DatasetSummary:
    """Generate ``n`` prior draws into the HDF5 file ``out`` (resuming an interrupted run).

    workers: local processes (default: all cores); scheduler: a Dask scheduler address
    instead. Returns a :class:`DatasetSummary`; raises ValueError naming a bad argument.
    """
    settings = DatasetSettings(
        n=n, approximant=approximant, seed=seed, sample_rate=float(sample_rate), duration=float(duration),
        prior=prior or Prior(), calibration_size=calibration_size, storage_dtype=storage_dtype,
    ).validate()  # fmt: skip
    if shard_size < 1:
        raise ValueError(f"--shard-size: must be >= 1, got {shard_size}")
    out = Path(out)
    wanted = settings.identity()
    if out.exists():
        _check_same(read_settings(out), wanted, str(out))
        with h5py.File(out, "r") as f:
            n_ok, n_failed, tau = int(f.attrs["n_waveforms"]), int(f.attrs["n_failed"]), float(f.attrs["tau_constant"])
        _say(progress, f"{out} is already complete with these settings ({n_ok} waveforms); nothing to do")
        return DatasetSummary(out, n_ok, n_failed, tau, 0.0, 0, 0)

    parts = _parts_dir(out)
    started = time.perf_counter()
    engine = _engine(workers, scheduler)
    try:

        def calibrate() -> dict[str, float]:
            _say(progress, f"calibrating tau = C Mc^(-5/3) f^(-8/3) on {settings.calibration_size} waveforms at {settings.calibration_f_lower:g} Hz")
            return {"tau_constant": calibrate_tau_constant(settings, engine)}

        tau = float(resume_manifest(parts, wanted, shard_size, calibrate)["tau_constant"])
        params = settings.prior.sample(settings.n, settings.seed)
        n_shards = -(-settings.n // shard_size)
        generated, gen_seconds = run_shards(
            engine, parts, params, shard_size, progress, lambda chunk, idx: (_shard_task, chunk, idx, settings, tau)
        )
    except BaseException:
        engine.close(cancel=True)
        raise
    engine.close()
    n_ok, n_failed = _assemble(out, parts, n_shards, settings, tau, params)
    shutil.rmtree(parts)
    summary = DatasetSummary(out, n_ok, n_failed, tau, gen_seconds, engine.workers, generated)
    if generated:
        _say(
            progress,
            f"{generated} waveforms in {gen_seconds:.1f} s: {summary.waveforms_per_second:.1f} waveforms/s, "
            f"{summary.per_core:.1f} per core ({engine.workers} workers, {settings.approximant})",
        )
    _say(progress, f"wrote {out}: {n_ok} waveforms, {n_failed} rejected by lalsimulation (total {time.perf_counter() - started:.1f} s)")
    return summary


def resume_manifest(
    parts: Path, wanted: dict[str, Any], shard_size: int, extra: Callable[[], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The manifest of the unfinished run in ``parts``, checked against ``wanted`` settings and
    ``shard_size``; or, for a new run, a new manifest with them and ``extra()`` (computed only
    then), written atomically."""
    parts.mkdir(parents=True, exist_ok=True)
    path = parts / "manifest.json"
    if path.exists():
        manifest = json.loads(path.read_text())
        _check_same(manifest["settings"], wanted, f"the unfinished run in {parts}")
        if manifest["shard_size"] != shard_size:
            raise ValueError(f"--shard-size: the unfinished run in {parts} uses {manifest['shard_size']}, not {shard_size}")
        return manifest
    manifest = {"settings": wanted, "shard_size": shard_size, **(extra() if extra else {})}
    write_json(path, manifest)
    return manifest


def run_shards(
    engine: Any, parts: Path, params: dict[str, np.ndarray], shard_size: int, progress: bool,
    task: Callable[[dict[str, np.ndarray], np.ndarray], tuple[Any, ...]],
) -> tuple[int, float]:
    """Run the shards of ``params`` not yet in ``parts`` on ``engine`` and write each one
    atomically as it completes. ``task(chunk, indices)`` returns ``(fn, *args)`` to submit.
    Returns (points generated now, seconds)."""
    n = len(next(iter(params.values())))
    n_shards = -(-n // shard_size)
    todo = [i for i in range(n_shards) if not _shard_path(parts, i).exists()]
    done_before = n - sum(min(shard_size, n - i * shard_size) for i in todo)
    bar = _progress_bar(progress, n, done_before)
    start = time.perf_counter()
    futures = {}
    for i in todo:
        lo, hi = i * shard_size, min((i + 1) * shard_size, n)
        futures[engine.submit(*task(_slices(params, lo, hi), np.arange(lo, hi)))] = (i, hi - lo)
    generated = 0
    for fut in engine.as_completed(futures):
        i, size = futures[fut]
        _write_shard(_shard_path(parts, i), fut.result())
        generated += size
        if bar is not None:
            bar.update(size)
    if bar is not None:
        bar.close()
    return generated, time.perf_counter() - start


def _say(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


def _progress_bar(enabled: bool, total: int, initial: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="wf", desc="waveforms", smoothing=0.1, file=sys.stderr)


def _shard_path(parts: Path, i: int) -> Path:
    return parts / f"shard_{i:06d}.h5"


def _write_shard(path: Path, result: dict[str, Any]) -> None:
    with atomic_path(path, ".h5") as tmp:
        with h5py.File(tmp, "w") as f:
            for key, value in result.items():
                if key == "failures":
                    f.create_dataset("failures/index", data=np.array([i for i, _ in value], dtype=np.int64))
                    f.create_dataset("failures/reason", data=[r for _, r in value], dtype=h5py.string_dtype())
                else:
                    f.create_dataset(key, data=value)


def _assemble(out: Path, parts: Path, n_shards: int, settings: DatasetSettings, tau: float, params: dict[str, np.ndarray]) -> tuple[int, int]:
    """Copy the shards, in order, into the final file (written under a temporary name)."""
    counts = []
    fail_index: list[np.ndarray] = []
    fail_reason: list[str] = []
    for i in range(n_shards):
        with h5py.File(_shard_path(parts, i), "r") as s:
            counts.append(s["index"].shape[0])
            fail_index.append(s["failures/index"][:])
            fail_reason.extend(r.decode() if isinstance(r, bytes) else r for r in s["failures/reason"][:])
    n_ok = int(sum(counts))
    split = split_labels(settings.n, settings.seed)
    length = settings.n_samples
    dtype = np.dtype(settings.storage_dtype)
    with atomic_path(out, ".h5") as tmp:
        with h5py.File(tmp, "w") as f:
            comp = dict(compression="gzip", compression_opts=4, shuffle=True)
            for key in _SERIES_DATASETS:
                width = length - 1 if key == "series/frequency" else length
                f.create_dataset(key, shape=(n_ok, width), dtype=dtype, chunks=(1, width) if n_ok else None, **comp)
            row = 0
            index = np.empty(n_ok, dtype=np.int64)
            scalars: dict[str, list[np.ndarray]] = {}
            for i in range(n_shards):
                with h5py.File(_shard_path(parts, i), "r") as s:
                    m = counts[i]
                    for key in _SERIES_DATASETS:
                        f[key][row : row + m] = s[key][:]
                    index[row : row + m] = s["index"][:]
                    for key in ("f_lower", "epoch", "series/initial_phase", "keys/amplitude_mean", "keys/amplitude_std", "keys/frequency_mean", "keys/frequency_std"):
                        scalars.setdefault(key, []).append(s[key][:])
                    row += m
            cat = {k: np.concatenate(v) for k, v in scalars.items()}
            f.create_dataset("index", data=index)
            for k in PARAMETERS:
                f.create_dataset(f"params/{k}", data=params[k][index])
            f.create_dataset("params/f_lower", data=cat.pop("f_lower"))
            f.create_dataset("times/epoch", data=cat.pop("epoch"))
            for k, v in cat.items():
                f.create_dataset(k, data=v)
            f.create_dataset("split", data=split[index])
            fi = np.concatenate(fail_index) if fail_index else np.empty(0, dtype=np.int64)
            f.create_dataset("failures/index", data=fi)
            for k in PARAMETERS:
                f.create_dataset(f"failures/{k}", data=params[k][fi])
            f.create_dataset("failures/reason", data=fail_reason, dtype=h5py.string_dtype())
            ident = settings.identity()
            attrs = {
                "format": FORMAT,
                "wavae_version": __version__,
                "settings": json.dumps(ident, sort_keys=True),
                "approximant": settings.approximant,
                "sample_rate": settings.sample_rate,
                "delta_t": settings.delta_t,
                "duration": settings.duration,
                "tau_constant": tau,
                "seed": settings.seed,
                "lalsuite_version": lalsuite_version(),
                "prior": settings.prior.to_json(),
                "f_lower_reduction": settings.f_lower_reduction,
                "distance": 1.0,
                "inclination": 0.0,
                "coa_phase": 0.0,
                "n_requested": settings.n,
                "n_waveforms": n_ok,
                "n_failed": int(fi.size),
            }
            f.attrs.update(attrs)
            f.attrs["fingerprint"] = _fingerprint(f)
    return n_ok, int(fi.size)


def _fingerprint(f: h5py.File, parameters: Iterable[str] = (*PARAMETERS, "f_lower")) -> str:
    """sha256 over the settings, the lalsuite version and every parameter/index array."""
    h = hashlib.sha256()
    h.update(str(f.attrs["settings"]).encode())
    h.update(str(f.attrs["lalsuite_version"]).encode())
    for key in ("index", "split", *(f"params/{k}" for k in parameters)):
        h.update(np.ascontiguousarray(f[key][:]).tobytes())
    return h.hexdigest()


def read_settings(path: str | os.PathLike[str], formats: Iterable[str] = (FORMAT,)) -> dict[str, Any]:
    """The settings a dataset file was made with (ValueError if it is not a wavae dataset of
    one of ``formats``: by default the seed-000 window layout)."""
    if not Path(path).is_file():
        raise ValueError(f"{path}: no such dataset file")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") not in tuple(formats):
                raise ValueError(f"{path} is not a wavae gravitational-wave dataset (format {f.attrs.get('format')!r})")
            return json.loads(f.attrs["settings"])
    except OSError as err:
        raise ValueError(f"{path}: not a readable HDF5 file ({err})") from None
