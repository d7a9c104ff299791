"""``wavae gw datagen`` and ``wavae gw info``: thin wrappers over wavae.gw."""

from __future__ import annotations

import argparse

from wavae.cli import HelpFormatter


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "datagen",
        help="build an HDF5 dataset of lalsimulation waveforms (seed 000 §II)",
        description=(
            "Draw N points from the prior, generate face-on (2,2)-mode h+ and hx with lalsimulation from a "
            "dynamic f_lower, keep the last DURATION seconds, decompose into amplitude and instantaneous "
            "frequency, and write everything to an HDF5 file. Interrupted runs resume when the same command "
            "is run again."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--n", type=int, required=True, help="number of prior draws")
    p.add_argument("--out", required=True, help="output HDF5 file")
    p.add_argument("--approximant", default="SEOBNRv4_opt", help="any lalsimulation time-domain approximant")
    p.add_argument("--seed", type=int, default=0, help="seed of the prior draws, calibration and split")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, e.g. tcp://HOST:8786, instead of local workers")
    p.add_argument("--sample-rate", type=float, default=8192.0, help="Hz")
    p.add_argument("--duration", type=float, default=1.0, help="seconds kept at the end of each waveform")
    p.add_argument("--mass1-min", type=float, default=5.0, help="solar masses")
    p.add_argument("--mass1-max", type=float, default=75.0, help="solar masses")
    p.add_argument("--mass2-min", type=float, default=5.0, help="solar masses")
    p.add_argument("--mass2-max", type=float, default=75.0, help="solar masses")
    p.add_argument("--max-mass-ratio", type=float, default=10.0, help="max(m1,m2)/min(m1,m2), by rejection")
    p.add_argument("--spin1z-min", type=float, default=-0.99)
    p.add_argument("--spin1z-max", type=float, default=0.99)
    p.add_argument("--spin2z-min", type=float, default=-0.99)
    p.add_argument("--spin2z-max", type=float, default=0.99)
    p.add_argument("--calibration-size", type=int, default=500, help="waveforms at 40 Hz used to calibrate tau = C Mc^(-5/3) f^(-8/3)")
    p.add_argument("--shard-size", type=int, default=100, help="waveforms per resumable shard")
    p.add_argument("--dtype", default="float32", choices=("float32", "float64"), help="storage type of the series")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    geo = p.add_argument_group(
        "geometric layout (--layout geometric)",
        "waveforms in units of the total mass M over (mass ratio, spin1z, spin2z), resampled onto one time grid "
        "(the training set of the default model); the mass, duration, sample-rate and calibration options do not apply",
    )
    geo.add_argument("--layout", default="window", choices=("window", "geometric"), help="window: seed-000 1 s windows; geometric: see below")
    geo.add_argument("--mass-ratio-min", type=float, default=1.0, help="q = heavier / lighter mass")
    geo.add_argument("--mass-ratio-max", type=float, default=10.0, help="q = heavier / lighter mass")
    geo.add_argument("--edge-fraction", type=float, default=0.25, help="share of draws from the arcsine density that favours the box edges")
    geo.add_argument("--delta-tau", type=float, default=0.25, help="lalsimulation sampling interval, in units of M")
    geo.add_argument("--reference-mass", type=float, default=60.0, help="total mass [Msun] used to call lalsimulation")
    geo.add_argument("--tau-start", type=float, default=-22000.0,
                     help="start of the time grid, in units of M relative to the amplitude peak (negative); "
                     "it sets the lightest total mass a 1 s window allows: 1 s / (|tau_start| G Msun / c^3)")  # fmt: skip
    geo.add_argument("--split", type=float, nargs=3, default=[0.9, 0.05, 0.05], metavar=("TRAIN", "VAL", "TEST"),
                     help="train, validation and test fractions (default: 0.9 0.05 0.05)")  # fmt: skip
    p.set_defaults(func=_datagen)

    q = commands.add_parser("info", help="print a summary of a dataset file")
    q.add_argument("file", help="HDF5 file written by 'wavae gw datagen'")
    q.set_defaults(func=_info)


def _datagen(args: argparse.Namespace) -> int:
    from wavae.gw import Prior, generate_dataset

    if args.layout == "geometric":
        return _datagen_geometric(args)

    prior = Prior(
        mass1=(args.mass1_min, args.mass1_max),
        mass2=(args.mass2_min, args.mass2_max),
        spin1z=(args.spin1z_min, args.spin1z_max),
        spin2z=(args.spin2z_min, args.spin2z_max),
        max_mass_ratio=args.max_mass_ratio,
    )
    generate_dataset(
        args.out, args.n, approximant=args.approximant, seed=args.seed, sample_rate=args.sample_rate,
        duration=args.duration, prior=prior, workers=args.workers, scheduler=args.scheduler,
        shard_size=args.shard_size, calibration_size=args.calibration_size, storage_dtype=args.dtype,
        progress=not args.quiet,
    )  # fmt: skip
    return 0


def _datagen_geometric(args: argparse.Namespace) -> int:
    from wavae.gw.geometric import IntrinsicPrior, TimeGrid
    from wavae.gw.geometric_dataset import generate_geometric_dataset

    prior = IntrinsicPrior(
        mass_ratio=(args.mass_ratio_min, args.mass_ratio_max), spin1z=(args.spin1z_min, args.spin1z_max),
        spin2z=(args.spin2z_min, args.spin2z_max), edge_fraction=args.edge_fraction,
    )  # fmt: skip
    try:
        grid = TimeGrid(tau_start=args.tau_start)
    except ValueError as err:
        raise ValueError(f"--tau-start: {err}") from None
    generate_geometric_dataset(
        args.out, args.n, approximant=args.approximant, seed=args.seed, prior=prior, grid=grid, delta_tau=args.delta_tau,
        reference_mass=args.reference_mass, split_fractions=tuple(args.split), workers=args.workers,
        scheduler=args.scheduler, shard_size=args.shard_size, progress=not args.quiet,
    )  # fmt: skip
    return 0


def _info(args: argparse.Namespace) -> int:
    from wavae.gw import describe_dataset

    print(describe_dataset(args.file))
    return 0
