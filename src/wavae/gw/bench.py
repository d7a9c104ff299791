"""Waveform generation speed: the surrogate against lalsimulation, in one run (seed 000 §IV.2).

For each batch size N (1, 10, ..., 10000) the surrogate generates N waveforms, h+ and hx fully
reconstructed, in one call, on the CPU and on CUDA when present (``torch.cuda.synchronize``
before and after each timed call); the parameters go in as CPU tensors and the waveforms stay on
the device as tensors. Before timing, 10 batches of 2 dummy waveforms are generated and
discarded (the warm-up of §IV.2). Each lalsimulation baseline generates the same N points one
call at a time (``SimInspiralChooseTDWaveform``), from the dynamic f_lower of the dataset
pipeline (:func:`wavae.gw.waveform.f_lower_for_duration` with the Newtonian constant x 1.2 and
the 20 % reduction), after one discarded warm-up call. Before timing, the rule is checked on a
few points of every baseline: if any has less than the surrogate's window (1 s) before its
peak, all f_lower are lowered by one common factor until each has (``f_lower_scale``; 1 for the
1 s, 8192 Hz model).

Each timing is repeated ``repeats`` times; the median is reported. Every series (surrogate per
device, each baseline) stops at the first N whose estimated cost, the last measured time per
waveform x N x repeats, would take its total past ``time_budget`` seconds. The ratios
baseline / surrogate come from the times measured in the same run.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from wavae.gw.prior import PARAMETERS, Prior

FORMAT = "wavae-gw-bench/1"
DEFAULT_BATCH_SIZES = (1, 10, 100, 1000, 10000)
DEFAULT_BASELINES = ("SEOBNRv4", "SEOBNRv4_opt", "IMRPhenomXAS", "mlgw")
DEFAULT_TIME_BUDGET = 60.0  # s per series
DEFAULT_REPEATS = 3
WARMUP_BATCHES = 10
WARMUP_SIZE = 2
TAU_FACTOR = 1.2  # Newtonian constant x 1.2, then f_lower x 0.8: >= 1.3 s before the peak at 8192 Hz
F_LOWER_REDUCTION = 0.2
RATIO_AT = 1000
CHECK_POINTS = 4  # points per baseline on which the f_lower rule is checked (untimed)


def machine_info() -> dict[str, Any]:
    """CPU model, core count, torch threads, GPU name (if any) and library versions."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    try:
        from wavae.gw.waveform import lalsuite_version

        info["lalsuite"] = lalsuite_version()
    except ImportError:  # pragma: no cover
        info["lalsuite"] = None
    from wavae import __version__

    info["wavae"] = __version__
    return info


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _run_series(name: str, kind: str, n_values: Sequence[int], repeats: int, budget: float, call: Callable[[int], float],
                progress: bool) -> dict[str, Any]:
    """Time ``call(N)`` (returns seconds for one batch of N) for increasing N within ``budget``."""
    out: dict[str, Any] = {"kind": kind, "n": [], "seconds": [], "time_per_batch_s": [], "time_per_waveform_s": [],
                           "stopped_before": None, "spent_s": 0.0}  # fmt: skip
    spent, per_wave = 0.0, None
    for n in n_values:
        if per_wave is not None and spent + per_wave * n * repeats > budget:
            out["stopped_before"] = int(n)
            break
        times = []
        for _ in range(repeats):
            times.append(call(n))
        spent += sum(times)
        batch = float(np.median(times))
        per_wave = batch / n
        out["n"].append(int(n))
        out["seconds"].append(times)
        out["time_per_batch_s"].append(batch)
        out["time_per_waveform_s"].append(per_wave)
        if progress:
            import sys

            print(f"{name}: N={n}: {batch:.4g} s per batch, {per_wave:.3g} s per waveform", file=sys.stderr, flush=True)
    out["spent_s"] = spent
    return out


def _surrogate_on(model: Any, device: torch.device) -> Any:
    """A surrogate on ``device``: loaded from a run folder, or a copy of a loaded one."""
    from wavae.gw.surrogate import Surrogate

    if isinstance(model, Surrogate):
        if model.device == device:
            return model
        return type(model)(copy.deepcopy(model.model).to(device), model.info, device)
    try:
        return Surrogate.load(model, device=device)
    except FileNotFoundError as err:
        raise ValueError(f"--model: {err}") from None


def _devices(devices: Sequence[str] | None) -> tuple[list[torch.device], dict[str, str]]:
    """The usable devices among ``devices`` (default cpu, cuda); cuda is skipped, and noted,
    when torch sees none."""
    wanted = ["cpu", "cuda"] if devices is None else [d.strip() for d in devices if d.strip()]
    out: list[torch.device] = []
    skipped: dict[str, str] = {}
    for d in wanted:
        if d != "cpu" and not (d == "cuda" or d.startswith("cuda:")):
            raise ValueError(f"--device: cpu or cuda, got {d!r}")
        if d.startswith("cuda") and not torch.cuda.is_available():
            skipped[d] = "torch sees no CUDA device"
            continue
        if torch.device(d) not in out:
            out.append(torch.device(d))
    if not out:
        raise ValueError(f"--device: none of {wanted} is available (torch sees no CUDA device)")
    return out, skipped


def run_benchmark(
    model: Any = "default",
    *,
    batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
    time_budget: float = DEFAULT_TIME_BUDGET,
    repeats: int = DEFAULT_REPEATS,
    devices: Sequence[str] | None = None,
    baselines: Sequence[str] = DEFAULT_BASELINES,
    seed: int = 0,
    progress: bool = False,
    compare: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Measure the time per batch and per waveform against batch size N.

    Args:
        model: a run folder (``wavae gw train --out``), "default", or a loaded Surrogate.
        batch_sizes: the N values, increasing.
        time_budget: seconds each series (surrogate per device, each baseline) may spend.
        repeats: timed repetitions per N (median reported).
        devices: "cpu" and/or "cuda"; None: cpu, and cuda when torch sees one.
        baselines: lalsimulation time-domain approximants ([] for none).
        seed: seed of the random parameters (drawn from the surrogate's trained prior).
        progress: print one line per measurement to stderr.
        compare: further surrogates, label -> run folder or loaded Surrogate, timed on the same
            points and devices (series ``<label>_<device>``; ratios ``<label>_<device>/surrogate_<device>``).

    Returns:
        JSON-ready dict: ``format``, ``created``, ``machine`` (:func:`machine_info`),
        ``settings``, ``series`` (name -> ``kind``, ``n``, ``seconds`` (every repeat),
        ``time_per_batch_s``, ``time_per_waveform_s`` (medians), ``stopped_before``,
        ``spent_s``; baselines also ``failures``, ``f_lower_hz``, ``min_time_before_peak_s``), ``ratios``
        (``"<baseline>/<surrogate series>"`` -> ``n``, ``ratio`` per common N, ``at_1000``)
        and ``skipped`` (devices not available). Raises ValueError naming the bad option.
    """
    sizes = [int(n) for n in batch_sizes]
    if not sizes or any(n < 1 for n in sizes) or sorted(set(sizes)) != sizes:
        raise ValueError(f"--batch-sizes: increasing positive integers, got {list(batch_sizes)}")
    if not time_budget > 0:
        raise ValueError(f"--time-budget: must be > 0 seconds, got {time_budget}")
    if repeats < 1:
        raise ValueError(f"--repeats: must be >= 1, got {repeats}")
    from wavae.gw.waveform import NEWTONIAN_TAU_CONSTANT, WaveformError, approximant_code, f_lower_for_duration, generate_polarisations

    want_mlgw = "mlgw" in baselines
    baselines = [b for b in baselines if b != "mlgw"]
    for name in baselines:
        try:
            approximant_code(name)
        except ValueError as err:
            raise ValueError(f"--baselines: {str(err).split(': ', 1)[-1]}") from None
    devs, skipped = _devices(devices)
    first = _surrogate_on(model, devs[0])
    rep = first.rep
    prior = Prior(**{k: tuple(rep.prior[k]) for k in PARAMETERS}, max_mass_ratio=float(rep.prior["max_mass_ratio"]))
    params = prior.sample(max(sizes), seed)
    cols = [torch.as_tensor(params[k], dtype=torch.float64) for k in PARAMETERS]
    duration = rep.n_samples * rep.delta_t

    others = {label: _surrogate_on(m, devs[0]) for label, m in (compare or {}).items()}
    series: dict[str, dict[str, Any]] = {}
    for dev in devs:
        for label, base in (("surrogate", first), *others.items()):
            s = base if dev == base.device else _surrogate_on(base, dev)
            warm = [c[:WARMUP_SIZE] for c in cols]
            for _ in range(WARMUP_BATCHES):  # §IV.2: 10 batches of 2 dummy waveforms, discarded
                s.generate(*warm, seed=None)
            _sync(dev)

            def call(n: int, s: Any = s, dev: torch.device = dev) -> float:
                args = [c[:n] for c in cols]
                _sync(dev)
                t0 = time.perf_counter()
                w = s.generate(*args, seed=None)
                _sync(dev)
                dt = time.perf_counter() - t0
                del w
                return dt

            name = f"{label}_{dev.type}"
            series[name] = {"device": str(dev), "model": label, **_run_series(name, "surrogate", sizes, repeats, time_budget, call, progress)}

    f_lower = f_lower_for_duration(params["mass1"], params["mass2"], duration, NEWTONIAN_TAU_CONSTANT * TAU_FACTOR, F_LOWER_REDUCTION)
    f_lower, f_scale, shortest = _checked_f_lower(baselines, params, f_lower, rep.delta_t, duration)
    for name in baselines:
        stats = {"failures": 0}

        def one(i: int, name: str = name) -> int:
            try:
                hp, _, epoch = generate_polarisations(*(float(params[k][i]) for k in PARAMETERS), f_lower=float(f_lower[i]),
                                                      delta_t=rep.delta_t, approximant=name)  # fmt: skip
            except WaveformError:
                return -1
            return int(hp.shape[0])

        one(0)  # warm-up call, discarded

        def call(n: int, name: str = name, stats: dict[str, Any] = stats) -> float:
            lengths = np.empty(n)
            t0 = time.perf_counter()
            for i in range(n):  # lalsimulation makes one waveform per call
                lengths[i] = one(i)
            dt = time.perf_counter() - t0
            stats["failures"] = max(stats["failures"], int((lengths < 0).sum()))  # rejected points among the first n
            return dt

        res = _run_series(name, "lalsimulation", sizes, repeats, time_budget, call, progress)
        res["failures"] = stats["failures"]
        used = max(res["n"] or [1])
        res["f_lower_hz"] = {"min": float(f_lower[:used].min()), "max": float(f_lower[:used].max())}
        res["min_time_before_peak_s"] = shortest.get(name)
        series[name] = res

    if want_mlgw:
        timed = _time_mlgw(params, sizes, repeats, time_budget, rep.n_samples, rep.delta_t, progress)
        if isinstance(timed, str):
            skipped["mlgw"] = timed
        else:
            series["mlgw"] = timed
            baselines = [*baselines, "mlgw"]
    ratios: dict[str, Any] = {}
    for b in baselines:
        bs = series[b]
        for sname, ss in series.items():
            if ss["kind"] != "surrogate":
                continue
            common = [n for n in bs["n"] if n in ss["n"]]
            r = [bs["time_per_waveform_s"][bs["n"].index(n)] / ss["time_per_waveform_s"][ss["n"].index(n)] for n in common]
            entry: dict[str, Any] = {"n": common, "ratio": r, "at_1000": None}
            if RATIO_AT in ss["n"] and bs["n"]:
                nb = max([n for n in bs["n"] if n <= RATIO_AT] or [min(bs["n"])])
                entry["at_1000"] = {
                    "ratio": bs["time_per_waveform_s"][bs["n"].index(nb)] / ss["time_per_waveform_s"][ss["n"].index(RATIO_AT)],
                    "surrogate_n": RATIO_AT,
                    "baseline_n": nb,
                    "note": "baseline time per waveform at the largest N <= 1000 it reached (it is linear in N)",
                }
            ratios[f"{b}/{sname}"] = entry
    for sname, ss in series.items():  # other surrogates against the benchmarked one, same device
        main = f"surrogate_{sname.rsplit('_', 1)[-1]}"
        if ss["kind"] != "surrogate" or sname == main or main not in series:
            continue
        ms = series[main]
        common = [n for n in ss["n"] if n in ms["n"]]
        r = [ss["time_per_waveform_s"][ss["n"].index(n)] / ms["time_per_waveform_s"][ms["n"].index(n)] for n in common]
        at = {"ratio": r[common.index(RATIO_AT)], "surrogate_n": RATIO_AT, "baseline_n": RATIO_AT} if RATIO_AT in common else None
        ratios[f"{sname}/{main}"] = {"n": common, "ratio": r, "at_1000": at}
    return {
        "format": FORMAT,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "model": str(model) if isinstance(model, (str, os.PathLike)) else "a loaded Surrogate",
            "model_name": first.info.get("model"),
            "model_dataset_fingerprint": first.fingerprint,
            "compare": {k: (str(v) if isinstance(v, (str, os.PathLike)) else "a loaded Surrogate") for k, v in (compare or {}).items()},
            "batch_sizes": sizes,
            "time_budget_s": float(time_budget),
            "repeats": int(repeats),
            "seed": int(seed),
            "devices": [str(d) for d in devs],
            "baselines": list(baselines),
            "n_samples": rep.n_samples,
            "delta_t": rep.delta_t,
            "window_s": duration,
            "warmup": f"{WARMUP_BATCHES} batches of {WARMUP_SIZE} waveforms per surrogate device; 1 call per baseline",
            "surrogate_call": "Surrogate.generate(mass1, mass2, spin1z, spin2z, seed=None) on CPU float64 tensors; output stays on the device",
            "baseline_call": "wavae.gw.waveform.generate_polarisations (lalsimulation SimInspiralChooseTDWaveform), one per waveform",
            "baseline_f_lower": f"f_lower_for_duration(mass1, mass2, {duration:g} s, NEWTONIAN_TAU_CONSTANT * {TAU_FACTOR}, reduction {F_LOWER_REDUCTION}) x f_lower_scale",
            "f_lower_scale": f_scale,
        },
        "series": series,
        "ratios": ratios,
        "skipped": skipped,
    }


def _time_before_peak(name: str, params: dict[str, np.ndarray], f_lower: np.ndarray, delta_t: float, count: int) -> float | None:
    """Shortest time [s] from the start to the amplitude peak over the first ``count`` points."""
    from wavae.gw.waveform import WaveformError, generate_polarisations

    best = None
    for i in range(min(count, f_lower.size)):
        try:
            hp, hc, _ = generate_polarisations(*(float(params[k][i]) for k in PARAMETERS), f_lower=float(f_lower[i]),
                                               delta_t=delta_t, approximant=name)  # fmt: skip
        except WaveformError:
            continue
        t = float(np.argmax(hp * hp + hc * hc)) * delta_t
        best = t if best is None else min(best, t)
    return best


def _time_mlgw(params: dict[str, np.ndarray], sizes: list[int], repeats: int, time_budget: float, n_samples: int,
               delta_t: float, progress: bool) -> dict[str, Any] | str:
    """Time mlgw's shipped SEOBNRv4HM model (its (2,2) mode only), batched, on the same points
    and window (t = 0 at the peak); the reason as a string when mlgw is not installed."""
    try:
        import mlgw
    except Exception as err:  # noqa: BLE001 - ImportError, or TensorFlow failing to load
        return f"mlgw is not installed or does not load ({type(err).__name__}); pip install mlgw (it needs TensorFlow)"
    gen = mlgw.GW_generator(0)
    theta = np.stack([params[k] for k in PARAMETERS], axis=1)
    times = (np.arange(n_samples) - (n_samples - 1)) * delta_t + 0.05  # 1 s ending 50 ms after the peak
    gen.get_WF(theta[:2], times, modes=(2, 2))  # warm-up call, discarded

    def call(n: int) -> float:
        t0 = time.perf_counter()
        gen.get_WF(theta[:n], times, modes=(2, 2))
        return time.perf_counter() - t0

    out = _run_series("mlgw", "mlgw", sizes, repeats, time_budget, call, progress)
    out["model"] = "mlgw.GW_generator(0) (SEOBNRv4HM), modes=(2, 2)"
    return out


def _checked_f_lower(baselines: Sequence[str], params: dict[str, np.ndarray], f_lower: np.ndarray, delta_t: float,
                     duration: float, count: int = CHECK_POINTS, rounds: int = 6) -> tuple[np.ndarray, float, dict[str, float | None]]:
    """Lower every f_lower by one common factor until each baseline gives at least ``duration``
    seconds before the peak on the first ``count`` points (untimed). Returns the f_lower, the
    factor and the shortest time before the peak per baseline."""
    scale = 1.0
    for _ in range(rounds):
        shortest = {b: _time_before_peak(b, params, f_lower * scale, delta_t, count) for b in baselines}
        known = [t for t in shortest.values() if t is not None]
        if not known or min(known) >= duration:
            break
        scale *= 0.9 * (min(known) / duration) ** (3.0 / 8.0)  # tau ~ f^(-8/3)
    return f_lower * scale, scale, shortest if baselines else {}


def write_benchmark(result: dict[str, Any], out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``bench.json`` (the result) and ``bench.png`` (Figure 9) into ``out_dir``."""
    from wavae.gw.evaluate import _jsonable
    from wavae.gw.report_plots import plot_benchmark
    from wavae.io.atomic import write_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"bench.json": out / "bench.json"}
    write_json(files["bench.json"], _jsonable(result))
    files["bench.png"] = plot_benchmark(result, out / "bench.png")
    return files


__all__ = ["machine_info", "run_benchmark", "write_benchmark"]
