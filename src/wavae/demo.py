"""The main job, ``make demo``: load the default surrogate, generate 10^4 waveforms across the
seed-000 prior, check a sample against lalsimulation (mismatch table), time both in the same
run, and save plots.

Steps:
1. ``Surrogate.load("default")``: the shipped reduced-order model.
2. 10^4 prior draws (random distance, inclination, coa_phase), generated in batches of 1000.
3. The first ``--check`` draws with SEOBNRv4_opt and the first ``--check-native`` with native
   SEOBNRv4 (face-on, 1 Mpc, the last 1 s from a dynamic f_lower), timed one call each, and
   compared with the surrogate: mismatch of h+ and hx maximised over time and phase,
   aLIGOZeroDetHighPower, 20 Hz, 0.1 s start taper.
4. Plots: examples against lalsimulation, mismatch histogram, mismatch over (q, chi_eff),
   time per waveform. A JSON summary holds every number printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

N_DEMO = 10_000
BATCH = 1000


def _reference(approximant: str, params: dict[str, np.ndarray], rows: range, n_samples: int, delta_t: float) -> tuple[np.ndarray, np.ndarray, float]:
    """lalsimulation windows (rows, N) for h+ and hx, face-on at 1 Mpc, and seconds per waveform."""
    from wavae.gw.waveform import NEWTONIAN_TAU_CONSTANT, f_lower_for_duration, generate_window

    duration = n_samples * delta_t
    f_lower = f_lower_for_duration(params["mass1"], params["mass2"], duration, NEWTONIAN_TAU_CONSTANT * 1.2, 0.2)
    hp, hc = np.zeros((len(rows), n_samples)), np.zeros((len(rows), n_samples))
    start = time.perf_counter()
    for j, i in enumerate(rows):
        w = generate_window(*(float(params[k][i]) for k in ("mass1", "mass2", "spin1z", "spin2z")), n_samples=n_samples,
                            delta_t=delta_t, f_lower=float(f_lower[i]), approximant=approximant)  # fmt: skip
        hp[j], hc[j] = w.hplus, w.hcross
    return hp, hc, (time.perf_counter() - start) / len(rows)


def _table(values: np.ndarray) -> dict[str, float]:
    return {"n": int(values.size), "median": float(np.median(values)), "p90": float(np.quantile(values, 0.9)),
            "p99": float(np.quantile(values, 0.99)), "max": float(values.max())}  # fmt: skip


def _plots(out: Path, params: dict[str, np.ndarray], face: Any, ref: dict[str, Any], mm: np.ndarray, speeds: dict[str, float]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from wavae.gw.prior import effective_spin
    from wavae.io.figures import save_figure

    files = []
    dt = face.delta_t
    picks = [int(np.argmin(mm)), int(np.argsort(mm)[len(mm) // 2]), int(np.argmax(mm))]
    fig, axes = plt.subplots(len(picks), 2, figsize=(12, 2.6 * len(picks)), squeeze=False)
    for row, i in enumerate(picks):
        # align the reference at its own amplitude peak, in time and in phase (its phase origin is
        # at f_lower, wavae's at the peak); the mismatch maximises over both anyway
        t = face.times[i]
        h = ref["hplus"][i] + 1j * ref["hcross"][i]
        g = face.hplus[i] + 1j * face.hcross[i]
        kr, kg = int(np.argmax(np.abs(h))), int(np.argmax(np.abs(g)))
        h = h * np.exp(1j * (np.angle(g[kg]) - np.angle(h[kr])))
        t_ref = (np.arange(h.size) - kr) * dt
        for col, window in enumerate(((t[0], t[-1]), (-0.05, 0.02))):
            ax = axes[row, col]
            ax.plot(t_ref, h.real, lw=1.2, color="0.6", label="lalsimulation SEOBNRv4_opt")
            ax.plot(t, face.hplus[i], lw=0.7, ls="--", color="C0", label="wavae default")
            ax.set_xlim(*window)
            ax.set_xlabel("t - t_peak [s]")
            ax.set_ylabel("h+ at 1 Mpc")
        m1, m2, s1, s2 = (params[k][i] for k in ("mass1", "mass2", "spin1z", "spin2z"))
        axes[row, 0].set_title(f"m1={m1:.1f}, m2={m2:.1f}, spins {s1:+.2f}, {s2:+.2f}: mismatch {mm[i]:.1e}", fontsize=9, loc="left")
        axes[row, 0].legend(fontsize=8, loc="upper left")
    files.append(save_figure(fig, out / "demo_examples.png", dpi=110))

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(np.log10(np.maximum(mm, 1e-12)), bins=30, color="C0")
    ax.axvline(np.log10(np.median(mm)), color="k", ls="--", label=f"median {np.median(mm):.1e}")
    ax.set_xlabel("log10 mismatch of h+ against SEOBNRv4_opt")
    ax.set_ylabel("waveforms")
    ax.legend()
    files.append(save_figure(fig, out / "demo_mismatch_histogram.png", dpi=110))

    rows = np.arange(mm.size)
    q = np.maximum(params["mass1"][rows], params["mass2"][rows]) / np.minimum(params["mass1"][rows], params["mass2"][rows])
    chi = effective_spin(params["mass1"][rows], params["mass2"][rows], params["spin1z"][rows], params["spin2z"][rows])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    sc = ax.scatter(q, chi, c=np.log10(np.maximum(mm, 1e-12)), s=14, cmap="viridis")
    fig.colorbar(sc, ax=ax, label="log10 mismatch h+")
    ax.set_xlabel("mass ratio max/min")
    ax.set_ylabel("chi_eff")
    files.append(save_figure(fig, out / "demo_mismatch_tomography.png", dpi=110))

    fig, ax = plt.subplots(figsize=(6, 3.2))
    names = list(speeds)
    ax.barh(names, [speeds[k] * 1e6 for k in names], color=["C0"] + ["0.6"] * (len(names) - 1))
    ax.set_xscale("log")
    ax.set_xlabel("time per waveform [microseconds], this machine, this run")
    for y, k in enumerate(names):
        ax.text(speeds[k] * 1e6, y, f" {speeds[k] * 1e6:.3g}", va="center", fontsize=8)
    files.append(save_figure(fig, out / "demo_speed.png", dpi=110))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wavae.demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="demo_output", help="folder for the figures and demo_summary.json")
    parser.add_argument("--model", default="default", help="surrogate folder, or 'default'")
    parser.add_argument("--n", type=int, default=N_DEMO, help="waveforms generated across the prior")
    parser.add_argument("--check", type=int, default=100, help="of them checked against SEOBNRv4_opt")
    parser.add_argument("--check-native", type=int, default=10, help="of them checked against native SEOBNRv4 (0.4 s each)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.n < 1 or not 1 <= args.check <= args.n or not 0 <= args.check_native <= args.check:
        parser.error("need --n >= 1, 1 <= --check <= --n and 0 <= --check-native <= --check")

    import torch

    from wavae.gw.mismatch import mismatch
    from wavae.gw.prior import Prior
    from wavae.gw.surrogate import DEFAULT_MODEL_DIR, Surrogate
    from wavae.io.atomic import write_json

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    sur = Surrogate.load(args.model, device="cpu")
    meta = sur.info["metadata"]
    model_dir = DEFAULT_MODEL_DIR if args.model == "default" else Path(args.model)
    weights = sum(f.stat().st_size for f in model_dir.glob("model.*"))
    print(f"[1/4] loaded {args.model!r} ({sur.info['model']}, {weights / 1e6:.1f} MB, {meta.get('n_samples')} samples at "
          f"{1 / sur.delta_t:g} Hz) in {time.perf_counter() - t0:.2f} s; trained on dataset {str(sur.fingerprint)[:12]}", flush=True)  # fmt: skip

    params = Prior().sample(args.n, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    extr = {"distance": rng.uniform(100.0, 1000.0, args.n), "inclination": np.arccos(rng.uniform(-1, 1, args.n)),
            "coa_phase": rng.uniform(0, 2 * np.pi, args.n)}  # fmt: skip
    cols = [torch.as_tensor(params[k]) for k in ("mass1", "mass2", "spin1z", "spin2z")]
    warm = slice(0, min(BATCH, args.n))
    sur.generate(*[c[warm] for c in cols], **{k: torch.as_tensor(v[warm]) for k, v in extr.items()})  # warm-up, untimed
    start = time.perf_counter()
    for lo in range(0, args.n, BATCH):
        sl = slice(lo, lo + BATCH)
        wf = sur.generate(*[c[sl] for c in cols], **{k: torch.as_tensor(v[sl]) for k, v in extr.items()})
    per_wave = (time.perf_counter() - start) / args.n
    print(f"[2/4] generated {args.n} waveforms (h+ and hx, {wf.hplus.shape[1]} samples each) in batches of {BATCH}: "
          f"{per_wave * 1e6:.1f} microseconds per waveform", flush=True)  # fmt: skip

    face = sur.generate(*[c[: args.check].numpy() for c in cols])
    n, dt = face.hplus.shape[1], face.delta_t
    checks: dict[str, Any] = {}
    speeds = {"wavae default (batch 1000)": per_wave}
    for approximant, count in (("SEOBNRv4_opt", args.check), ("SEOBNRv4", args.check_native)):
        if count == 0:
            continue
        hp, hc, sec = _reference(approximant, params, range(count), n, dt)
        mm = {pol: mismatch(ref, np.asarray(gen[:count], dtype=np.float64), delta_t=dt)
              for pol, ref, gen in (("hplus", hp, face.hplus), ("hcross", hc, face.hcross))}  # fmt: skip
        checks[approximant] = {"seconds_per_waveform": sec, "speed_ratio": sec / per_wave,
                               **{pol: _table(v) for pol, v in mm.items()}, "hplus_values": mm["hplus"]}  # fmt: skip
        speeds[f"lalsimulation {approximant}"] = sec
        if approximant == "SEOBNRv4_opt":
            ref_opt = {"hplus": hp, "hcross": hc}
    print("[3/4] against lalsimulation (aLIGOZeroDetHighPower, 20 Hz, 0.1 s taper, maximised over time and phase):", flush=True)
    print("| reference | n | polarisation | median | 90th pct | 99th pct | worst | lalsimulation s/waveform | speed-up |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, c in checks.items():
        for pol in ("hplus", "hcross"):
            t = c[pol]
            print(f"| {name} | {t['n']} | {pol} | {t['median']:.2e} | {t['p90']:.2e} | {t['p99']:.2e} | {t['max']:.2e} | "
                  f"{c['seconds_per_waveform']:.3g} | {c['speed_ratio']:.0f}x |")  # fmt: skip
    files = _plots(out, params, face, ref_opt, checks["SEOBNRv4_opt"]["hplus_values"], speeds)
    summary = {
        "model": args.model, "model_name": sur.info["model"], "dataset_fingerprint": sur.fingerprint, "n": args.n, "seed": args.seed,
        "surrogate_seconds_per_waveform": per_wave, "batch": BATCH, "threads": torch.get_num_threads(),
        "checks": {k: {kk: vv for kk, vv in v.items() if kk != "hplus_values"} for k, v in checks.items()},
        "model_bytes": weights, "total_seconds": time.perf_counter() - t0,
    }  # fmt: skip
    write_json(out / "demo_summary.json", summary)
    print(f"[4/4] wrote {', '.join(str(f) for f in files)} and {out / 'demo_summary.json'} "
          f"(demo took {time.perf_counter() - t0:.1f} s)", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
