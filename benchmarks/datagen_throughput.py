"""Dataset-generation cost per waveform (SEOBNRv4_opt and native SEOBNRv4) through the same
code path as ``wavae gw datagen`` (dynamic f_lower, 1 s window, decomposition), and the
mismatch between the two approximants on the same points.

Per-core throughput is measured as process CPU time per waveform in one process, so it
holds on a busy machine; the time to build 1e5 waveforms is extrapolated for all cores.

    python benchmarks/datagen_throughput.py --n-opt 200 --n-native 40 --out docs/results/datagen
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from wavae.gw import DatasetSettings, Prior, calibrate_tau_constant, decompose, f_lower_for_duration, generate_window
from wavae.gw.prior import PARAMETERS
from wavae.gw.waveform import lalsuite_version


def time_approximant(approximant: str, params: dict[str, np.ndarray], tau: float) -> tuple[dict, list]:
    f_lower = f_lower_for_duration(params["mass1"], params["mass2"], 1.0, tau)
    windows = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(len(f_lower)):
        w = generate_window(*(float(params[k][i]) for k in PARAMETERS), n_samples=8192, delta_t=1 / 8192,
                            f_lower=float(f_lower[i]), approximant=approximant)  # fmt: skip
        decompose(w.hplus, w.hcross, 1 / 8192)
        windows.append(w)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = len(f_lower)
    cores = os.cpu_count() or 1
    row = {
        "approximant": approximant,
        "n": n,
        "cpu_seconds_per_waveform": cpu / n,
        "wall_seconds_per_waveform": wall / n,
        "waveforms_per_second_per_core": n / cpu,
        "hours_for_1e5_on_this_machine": 1e5 * cpu / n / cores / 3600,
        "cores": cores,
    }
    return row, windows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-opt", type=int, default=200)
    ap.add_argument("--n-native", type=int, default=40)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", default="docs/results/datagen")
    args = ap.parse_args()

    settings = DatasetSettings(n=1, calibration_size=200, seed=args.seed)
    tau = calibrate_tau_constant(settings)
    params = Prior().sample(max(args.n_opt, args.n_native), seed=args.seed)
    rows = []
    opt_row, opt_windows = time_approximant("SEOBNRv4_opt", {k: v[: args.n_opt] for k, v in params.items()}, tau)
    rows.append(opt_row)
    nat_row, nat_windows = time_approximant("SEOBNRv4", {k: v[: args.n_native] for k, v in params.items()}, tau)
    rows.append(nat_row)
    result = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores", "lalsuite": lalsuite_version(),
              "tau_constant": tau, "throughput": rows}  # fmt: skip

    try:
        from wavae.gw.mismatch import mismatch
    except ImportError:
        mismatch = None
    if mismatch is not None:
        # Both from the same f_lower; compare the SEOBNRv4_opt window to the native one.
        m = len(nat_windows)
        a = {p: np.stack([getattr(w, p) for w in opt_windows[:m]]) for p in ("hplus", "hcross")}
        b = {p: np.stack([getattr(w, p) for w in nat_windows]) for p in ("hplus", "hcross")}
        stats = {}
        for taper in (0.1, None):
            for p in ("hplus", "hcross"):
                mm = np.asarray(mismatch(a[p], b[p], delta_t=1 / 8192, f_lower=20.0, taper=taper))
                stats[f"{p}{'' if taper else '_untapered'}"] = {
                    "median": float(np.median(mm)), "p90": float(np.quantile(mm, 0.9)), "max": float(mm.max()), "n": int(mm.size)
                }  # fmt: skip
        result["mismatch_opt_vs_native"] = stats

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["| approximant | n | CPU s / waveform | waveforms/s per core | 1e5 waveforms on this machine |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['approximant']} | {r['n']} | {r['cpu_seconds_per_waveform']:.4f} | {r['waveforms_per_second_per_core']:.1f} | "
                     f"{r['hours_for_1e5_on_this_machine']:.2f} h on {r['cores']} cores |")  # fmt: skip
    if "mismatch_opt_vs_native" in result:
        lines += ["", "| SEOBNRv4_opt vs SEOBNRv4 | median | 90th pct | worst | n |", "|---|---|---|---|---|"]
        for k, s in result["mismatch_opt_vs_native"].items():
            lines.append(f"| {k} | {s['median']:.2e} | {s['p90']:.2e} | {s['max']:.2e} | {s['n']} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
