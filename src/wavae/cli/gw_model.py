"""``wavae gw train`` and ``wavae gw generate``: thin wrappers over wavae.gw."""

from __future__ import annotations

import argparse

from wavae.cli import HelpFormatter
import json


def register(commands: argparse._SubParsersAction) -> None:
    fmt = HelpFormatter
    p = commands.add_parser(
        "train",
        help="train a waveform surrogate on a dataset file",
        description="Train a surrogate (default: the seed-000 2C2E1D conditional VAE) with Adam, step learning-rate "
        "decay and validation on seen and unseen data after each epoch. Re-running the same command resumes.",
        formatter_class=fmt,
    )
    p.add_argument("--data", required=True, help="HDF5 file from 'wavae gw datagen'")
    p.add_argument("--model", default="cvae2c2e1d", help="cvae2c2e1d, cae2c2e1d (window datasets) or geometric_rom (geometric datasets)")
    p.add_argument("--out", required=True, help="run folder: checkpoints, metrics.csv, loss.png")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--lr", type=float, default=1e-3, help="initial Adam learning rate")
    p.add_argument("--lr-step-epochs", type=int, default=3, help="decay the learning rate every this many epochs")
    p.add_argument("--lr-gamma", type=float, default=0.5, help="learning-rate decay factor")
    p.add_argument("--kl-weight", type=float, default=None, help="weight of the KL regulariser (model default 0.1)")
    p.add_argument("--model-config", default=None, help="JSON object of further model config fields")
    p.add_argument("--early-stopping", type=int, default=None, metavar="PATIENCE", help="epochs without improvement before stopping")
    p.add_argument("--limit", type=int, default=None, help="use at most this many waveforms of each split")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--num-workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--overwrite", action="store_true", help="start afresh even if --out holds another run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    rom = p.add_argument_group("geometric_rom", "least-squares fit of the reduced-order model; the optimiser options do not apply")
    rom.add_argument("--degree", type=int, default=16, help="total degree of the Chebyshev features")
    rom.add_argument("--n-amplitude", type=int, default=16, help="amplitude basis size")
    rom.add_argument("--n-phase", type=int, default=24, help="phase basis size")
    rom.add_argument("--sample-rate", type=float, default=8192.0, help="Hz, of the generated windows")
    rom.add_argument("--duration", type=float, default=1.0, help="seconds, of the generated windows")
    p.set_defaults(func=_train)

    g = commands.add_parser(
        "generate",
        help="generate h+ and hx with a trained surrogate (file + plot)",
        description="Generate waveforms for one or more parameter points (lists broadcast). Writes an HDF5 file "
        "with hplus, hcross, times and the parameters, and a PNG of up to four waveforms.",
        formatter_class=fmt,
    )
    g.add_argument("--model", default="default", metavar="RUN_DIR", help="checkpoint folder of 'wavae gw train', or 'default' (the shipped model)")
    g.add_argument("--mass1", type=float, nargs="+", required=True, help="solar masses")
    g.add_argument("--mass2", type=float, nargs="+", required=True, help="solar masses")
    g.add_argument("--spin1z", type=float, nargs="+", default=[0.0], help="aligned dimensionless spin")
    g.add_argument("--spin2z", type=float, nargs="+", default=[0.0], help="aligned dimensionless spin")
    g.add_argument("--distance", type=float, nargs="+", default=[1.0], help="Mpc")
    g.add_argument("--inclination", type=float, nargs="+", default=[0.0], help="rad")
    g.add_argument("--coa-phase", type=float, nargs="+", default=[0.0], help="rad")
    g.add_argument("--mean", action="store_true", help="use the latent means instead of sampling")
    g.add_argument("--seed", type=int, default=42, help="seed of the latent draw")
    g.add_argument("--extrapolate", action="store_true", help="allow parameters outside the trained domain (warns)")
    g.add_argument("--device", default="auto")
    g.add_argument("--out", required=True, help="output HDF5 file")
    g.add_argument("--plot", default=None, help="PNG path (default: OUT with .png)")
    g.set_defaults(func=_generate)


def _train(args: argparse.Namespace) -> int:
    if args.model == "geometric_rom":
        return _fit_rom(args)
    from wavae.gw.train import train_surrogate
    from wavae.train import TrainConfig

    model_config = json.loads(args.model_config) if args.model_config else {}
    if not isinstance(model_config, dict):
        raise ValueError("--model-config: must be a JSON object")
    if args.kl_weight is not None:
        model_config["kl_weight"] = args.kl_weight
    try:
        cfg = TrainConfig(
            epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, lr_step_epochs=args.lr_step_epochs,
            lr_gamma=args.lr_gamma, early_stopping_patience=args.early_stopping, seed=args.seed, device=args.device,
            num_workers=args.num_workers, progress=not args.quiet,
        )  # fmt: skip
    except ValueError as err:  # name the flag, not the config field
        field, sep, rest = str(err).partition(":")
        flag = {"early_stopping_patience": "early-stopping"}.get(field, field.replace("_", "-"))
        raise ValueError(f"--{flag}:{rest}" if sep and " " not in field else str(err)) from None
    train_surrogate(args.data, args.out, model=args.model, model_config=model_config, train_config=cfg, limit=args.limit, overwrite=args.overwrite)
    return 0


def _fit_rom(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wavae.gw.rom_fit import fit_geometric_rom

    if not args.sample_rate > 0 or not args.duration > 0:
        raise ValueError("--sample-rate, --duration: must be > 0")
    out = Path(args.out)
    if (out / "model.json").exists() and not args.overwrite:
        raise ValueError(f"--out: {out} already holds a model; pass --overwrite to replace it")
    n = int(round(args.duration * args.sample_rate))
    fit_geometric_rom(args.data, out, degree=args.degree, n_amplitude=args.n_amplitude, n_phase=args.n_phase,
                      limit=args.limit, n_samples=n, delta_t=1.0 / args.sample_rate, progress=not args.quiet)  # fmt: skip
    return 0


def _generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    import h5py
    import numpy as np

    from wavae.gw.plots import plot_generated
    from wavae.gw.surrogate import Surrogate
    from wavae.io.atomic import atomic_path

    names = ("mass1", "mass2", "spin1z", "spin2z", "distance", "inclination", "coa_phase")
    values = [np.asarray(getattr(args, n)) for n in names]
    try:
        values = np.broadcast_arrays(*values)
    except ValueError:
        raise ValueError("--mass1/--mass2/...: give each parameter once or the same number of times") from None
    # compiling the fused kernel pays off only for large batches
    sur = Surrogate.load(args.model, device=args.device, compile="auto" if values[0].size >= 1000 else False)
    params = dict(zip(names, values))
    wf = sur.generate(**params, sample=not args.mean, seed=args.seed, extrapolate=args.extrapolate)
    out = Path(args.out)
    with atomic_path(out, ".h5") as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("hplus", data=wf.hplus)
            f.create_dataset("hcross", data=wf.hcross)
            f.create_dataset("times", data=wf.times)
            for k, v in params.items():
                f.create_dataset(f"params/{k}", data=v)
            f.attrs["delta_t"] = wf.delta_t
            f.attrs["model"] = str(args.model)
            f.attrs["sample"] = not args.mean
            f.attrs["seed"] = args.seed
    png = plot_generated(wf, params, args.plot or out.with_suffix(".png"))
    print(f"wrote {out} ({wf.hplus.shape[0]} waveforms x {wf.hplus.shape[1]} samples) and {png}")
    return 0
