"""``wavae gw evaluate`` and ``wavae gw bench``: thin wrappers over wavae.gw.evaluate and
wavae.gw.bench. Bad input raises ValueError naming the flag (printed as one line by the CLI)."""

from __future__ import annotations

import argparse

from wavae.cli import HelpFormatter
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wavae.gw.surrogate import Surrogate


def _int_list(text: str, flag: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{flag}: comma-separated integers, e.g. 1,10,100, got {text!r}") from None
    if not values:
        raise ValueError(f"{flag}: at least one value, got {text!r}")
    return values


def _names(text: str) -> list[str]:
    return [] if text.strip().lower() in ("", "none") else [v.strip() for v in text.split(",") if v.strip()]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``evaluate`` and ``bench`` sub-commands to ``commands``."""
    p = commands.add_parser(
        "evaluate",
        help="mismatch report of a surrogate against a dataset (seed 000 §IV.1, §IV.3)",
        description=(
            "Generate every waveform of a dataset split with the surrogate and compare it with the stored one: "
            "mismatch of h+ and hx (maximised over time and phase, tapered and untapered), cosine distance of "
            "amplitude and frequency, a Table-2 summary, per-waveform CSV, Figures 5-8 and the latent-sampling "
            "uncertainty (Figure 10). See docs/evaluate.md."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--model", default="default", metavar="RUN_DIR", help="checkpoint folder of 'wavae gw train', or 'default' (the shipped model)")
    p.add_argument("--data", required=True, metavar="FILE.h5", help="dataset file of 'wavae gw datagen'")
    p.add_argument("--report", required=True, metavar="DIR", help="output folder for the report files")
    p.add_argument("--split", default="test", choices=("test", "validation", "train", "all"))
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N waveforms of the split")
    p.add_argument("--f-lower", type=float, default=20.0, help="low-frequency cut-off of the mismatch [Hz]")
    p.add_argument("--psd", default="aLIGOZeroDetHighPower", help="lalsimulation PSD name")
    p.add_argument("--taper", type=float, default=0.1, help="half-Hann taper at the start of both series [s]; 0 for none")
    p.add_argument("--seed", type=int, default=42, help="seed of the latent draw and of the latent study")
    p.add_argument("--latent-k", type=int, default=100, metavar="K", help="generations per point in the latent study (0: skip)")
    p.add_argument("--latent-m", type=int, default=50, metavar="M", help="random points in the latent study (0: skip)")
    p.add_argument("--restricted-chi-eff", type=float, nargs=2, default=(-0.5, 0.5), metavar=("LO", "HI"),
                   help="chi_eff range of the restricted table")  # fmt: skip
    p.add_argument("--baseline", action="append", default=[], metavar="APPROXIMANT",
                   help="lalsimulation approximant scored in the same table, e.g. SEOBNRv4_opt, IMRPhenomXAS (repeatable)")  # fmt: skip
    p.add_argument("--batch-size", type=int, default=512, help="waveforms per metric batch")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto")
    p.add_argument("--extrapolate", action="store_true", help="evaluate points outside the trained parameter domain")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_evaluate)

    b = commands.add_parser(
        "bench",
        help="generation time per waveform against batch size, surrogate vs lalsimulation (seed 000 §IV.2)",
        description=(
            "Time the surrogate (h+ and hx fully reconstructed; CPU, and CUDA when present) and lalsimulation "
            "approximants on N random points for each batch size N, in one run, and write bench.json (times, "
            "ratios, machine) and bench.png (Figure 9). See docs/evaluate.md."
        ),
        formatter_class=HelpFormatter,
    )
    b.add_argument("--model", default="default", metavar="RUN_DIR", help="checkpoint folder of 'wavae gw train', or 'default' (the shipped model)")
    b.add_argument("--compare", action="append", metavar="LABEL=RUN_DIR", help="another surrogate timed in the same run (repeatable), e.g. cvae2c2e1d=runs/cvae")
    b.add_argument("--batch-sizes", default="1,10,100,1000,10000", help="comma-separated batch sizes N")
    b.add_argument("--time-budget", type=float, default=60.0, metavar="SECONDS", help="time each series may spend")
    b.add_argument("--repeats", type=int, default=3, help="timed repetitions per N (median reported)")
    b.add_argument("--device", default="cpu,cuda", help="surrogate devices; cuda is skipped when torch sees none")
    b.add_argument("--baselines", default="SEOBNRv4,SEOBNRv4_opt,IMRPhenomXAS,mlgw",
                   help="lalsimulation approximants and/or mlgw (timed when installed, else listed as skipped), or 'none'")  # fmt: skip
    b.add_argument("--seed", type=int, default=0, help="seed of the random parameters")
    b.add_argument("--out", required=True, metavar="DIR", help="output folder for bench.json and bench.png")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=_bench)

    c = commands.add_parser(
        "compare",
        help="one figure of the mismatch distributions of several evaluation reports",
        description="Overlay the h+ mismatch histograms and cumulative fractions of several 'wavae gw evaluate' "
        "reports of the same data (or any per_waveform.csv column, e.g. a baseline's).",
        formatter_class=HelpFormatter,
    )
    c.add_argument("--report", action="append", required=True, metavar="LABEL=DIR[:COLUMN]",
                   help="a report folder and optionally its column (default mismatch_hplus), e.g. "
                   "XAS=reports/default:baseline_IMRPhenomXAS_mismatch_hplus (repeatable)")  # fmt: skip
    c.add_argument("--out", required=True, help="PNG path")
    c.add_argument("--title", default=None, help="figure title (default: none)")
    c.set_defaults(func=_compare)


def _load(run_dir: str, device: str) -> Surrogate:
    """Load a surrogate; errors name --model or --device."""
    from wavae.gw.surrogate import Surrogate

    try:
        return Surrogate.load(run_dir, device=device)
    except FileNotFoundError as err:
        raise ValueError(f"--model: {err}") from None
    except ValueError as err:
        msg = str(err)
        raise ValueError(f"--{msg}" if msg.startswith("device:") else f"--model: {msg}") from None


def _evaluate(args: argparse.Namespace) -> int:
    from wavae.gw.evaluate import evaluate_surrogate, write_report

    surrogate = _load(args.model, args.device)
    result = evaluate_surrogate(
        surrogate, args.data, split=args.split, limit=args.limit, f_lower=args.f_lower, psd=args.psd,
        taper=args.taper or None, seed=args.seed, latent_k=args.latent_k, latent_m=args.latent_m,
        restricted_chi_eff=tuple(args.restricted_chi_eff), baselines=args.baseline, extrapolate=args.extrapolate,
        batch_size=args.batch_size, progress=not args.quiet,
    )  # fmt: skip
    files = write_report(result, args.report)
    t = result.summary["table"]
    line = ", ".join(f"{p} median {t[f'mismatch_{p}']['median']:.3e}" for p in ("hplus", "hcross"))
    print(f"{result.n} waveforms: mismatch {line}")
    print(f"wrote {len(files)} files to {args.report}: {', '.join(files)}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    import csv

    import numpy as np

    from wavae.gw.report_plots import plot_mismatch_comparison

    series = {}
    for label, spec in _labelled(args.report, "--report", "LABEL=DIR[:COLUMN]").items():
        folder, _, column = spec.partition(":")
        column = column or "mismatch_hplus"
        path = Path(folder) / "per_waveform.csv"
        if not path.is_file():
            raise ValueError(f"--report: {path} not found (write it with 'wavae gw evaluate --report {folder}')")
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        if rows and column not in rows[0]:
            raise ValueError(f"--report: {path} has no column {column!r} (e.g. mismatch_hplus, mismatch_hcross)")
        series[label] = np.array([float(r[column]) for r in rows if r[column] not in ("", "nan")])
    print(f"wrote {plot_mismatch_comparison(series, Path(args.out), args.title or '')}")
    return 0


def _labelled(items: list[str] | None, flag: str, form: str) -> dict[str, str]:
    """LABEL=VALUE strings of a repeatable ``flag`` -> {label: value}."""
    out = {}
    for item in items or []:
        label, sep, path = item.partition("=")
        if not sep or not label or not path or not label.replace("_", "").isalnum():
            raise ValueError(f"{flag}: expected {form} with a word-like label (letters, digits, _), got {item!r}")
        out[label] = path
    return out


def _bench(args: argparse.Namespace) -> int:
    from wavae.gw.bench import run_benchmark, write_benchmark

    result = run_benchmark(
        args.model, batch_sizes=_int_list(args.batch_sizes, "--batch-sizes"), time_budget=args.time_budget,
        repeats=args.repeats, devices=_names(args.device), baselines=_names(args.baselines), seed=args.seed,
        progress=not args.quiet, compare=_labelled(args.compare, "--compare", "LABEL=RUN_DIR"),
    )  # fmt: skip
    files = write_benchmark(result, args.out)
    for name, r in result["ratios"].items():
        at = r["at_1000"]
        if at is not None:
            print(f"{name}: {at['ratio']:.3g}x time per waveform at N=1000")
        elif r["n"]:
            print(f"{name}: {r['ratio'][-1]:.3g}x time per waveform at N={r['n'][-1]}")
    for name, reason in result["skipped"].items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    print(f"wrote {', '.join(str(p) for p in files.values())}")
    return 0
