"""``wavae sine ...``: the sine-wave VAE (seed 001): train, sample, stream.

Thin: parses arguments, turns bad values into errors naming the flag, calls ``wavae.sine``.
"""

from __future__ import annotations

import argparse

from wavae.cli import HelpFormatter
import math
import os
import re
from pathlib import Path
from typing import Any, Callable

from wavae.cli import UsageError

# config field -> flag, where they differ by more than "_" -> "-"
_FLAG_NAMES = {"noise_std": "noise", "num_threads": "threads", "n": "n"}


def _flag(field: str) -> str:
    return "--" + _FLAG_NAMES.get(field, field.replace("_", "-"))


def _as_usage(err: ValueError) -> UsageError:
    """``"lr: must be > 0"`` -> ``"--lr: must be > 0"``."""
    text = str(err)
    m = re.match(r"([a-z_]+)(, ([a-z_]+))?: ", text)
    if m:
        names = [m.group(1)] + ([m.group(3)] if m.group(3) else [])
        return UsageError(", ".join(_flag(n) for n in names) + text[m.end() - 2 :])
    return UsageError(text)


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ValueError as err:
        raise _as_usage(err) from None


def _angle(text: str) -> float:
    """A phase in radians: a number or a multiple of pi ("-pi", "pi/2", "0.5pi")."""
    s = text.strip().lower().replace(" ", "")
    m = re.fullmatch(r"([+-]?)(\d*\.?\d*)\*?pi(/(\d*\.?\d+))?", s)
    if m:
        sign = -1.0 if m.group(1) == "-" else 1.0
        factor = float(m.group(2)) if m.group(2) else 1.0
        div = float(m.group(4)) if m.group(4) else 1.0
        return sign * factor * math.pi / div
    try:
        return float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an angle: {text!r} (a number in rad, or e.g. -pi, pi/2)") from None


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if not sizes:
        raise argparse.ArgumentTypeError("needs at least one layer width, e.g. 128,64")
    return sizes


def _positive_int(flag: str, value: int) -> None:
    if value < 1:
        raise UsageError(f"{flag}: must be >= 1, got {value}")


def _npy_out(flag: str, value: str) -> Path:
    path = Path(value)
    if path.suffix != ".npy":
        raise UsageError(f"{flag}: must be a .npy file, got {value!r}")
    if path.parent != Path("") and path.parent.exists() and not path.parent.is_dir():
        raise UsageError(f"{flag}: {path.parent} is not a directory")
    return path


def _load(run_dir: str, device: str):
    from wavae.sine.model import load_sine_model
    from wavae.train import resolve_device

    path = Path(run_dir)
    if not (path / "model.json").is_file():
        hint = " (training was interrupted: run `wavae sine train` again to finish)" if (path / "last").is_dir() else ""
        raise UsageError(
            f"--model: no trained model in {run_dir!r} (model.json missing){hint}; "
            f"train one with `wavae sine train --run-dir {run_dir}`"
        )
    dev = _call(lambda: resolve_device(device))
    try:
        return load_sine_model(path, device=str(dev))
    except (ValueError, FileNotFoundError) as err:
        raise UsageError(f"--model: {err}") from None


# ----------------------------------------------------------------------------- commands


def _train(args: argparse.Namespace) -> int:
    from wavae.sine.spec import SineSpec
    from wavae.sine.model import default_model_config, default_train_config, train_sine

    for flag in ("n_train", "n_val", "n_seen"):
        _positive_int(_flag(flag), getattr(args, flag))
    if args.n_seen > args.n_train:
        raise UsageError(f"--n-seen: must be <= --n-train ({args.n_train}), got {args.n_seen}")
    spec = _call(
        SineSpec,
        length=args.length,
        sample_rate=args.sample_rate,
        frequency=args.frequency,
        amplitude=args.amplitude,
        noise_std=args.noise,
        phase_min=args.phase_min,
        phase_max=args.phase_max,
    )
    model_cfg = _call(
        default_model_config,
        spec,
        latent_dim=args.latent_dim,
        hidden=args.hidden,
        beta=args.beta,
        sigma=args.sigma,
        learn_sigma=args.learn_sigma,
        activation=args.activation,
    )
    train_cfg = _call(
        default_train_config,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        lr_step_epochs=args.lr_step_epochs,
        lr_gamma=args.lr_gamma,
        seed=args.seed,
        device=args.device,
        num_threads=args.threads,
        progress=not args.quiet,
    )
    model, history = _call(
        train_sine,
        args.run_dir,
        spec,
        n_train=args.n_train,
        n_val=args.n_val,
        n_seen=args.n_seen,
        data_seed=args.data_seed,
        model_config=model_cfg,
        train_config=train_cfg,
        overwrite=args.overwrite,
    )
    if os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 reports
        return 0
    last = history[-1]
    run = Path(args.run_dir)
    print(
        f"trained {len(history)} epochs: train loss {history[0]['train_loss']:.4g} -> {last['train_loss']:.4g}, "
        f"unseen {last['unseen_loss']:.4g} (recon {last['unseen_recon']:.4g}, KL {last['unseen_kl']:.4g})\n"
        f"model: {run / 'model.safetensors'} (+ model.json)\nloss curve: {run / 'loss.png'}\n"
        f"metrics: {run / 'metrics.csv'}"
    )
    return 0


def _sample(args: argparse.Namespace) -> int:
    from wavae.sine.evaluate import evaluate_samples
    from wavae.sine.model import sample_waves, write_waves

    _positive_int("--n", args.n)
    out = _npy_out("--out", args.out)
    model, spec, info = _load(args.model, args.device)
    waves = sample_waves(model, args.n, seed=args.seed)
    report = evaluate_samples(waves, spec)
    side = write_waves(out, waves, spec, {"model": str(args.model), "seed": args.seed, "fit": report.as_dict()})
    print(f"wrote {out} {waves.shape} and {side}")
    print(report.summary())
    if args.plot:
        from wavae.sine.plots import plot_fit_summary, plot_samples

        plot = Path(args.plot)
        plot_samples(waves, spec, plot)
        fit_path = plot.with_name(plot.stem + "_fit" + plot.suffix)
        plot_fit_summary(waves, spec, fit_path)
        print(f"figures: {plot}, {fit_path}")
    return 0


def _stream(args: argparse.Namespace) -> int:
    from wavae.sine.stream import stream_waves, waves_for_seconds

    if not args.seconds > 0:
        raise UsageError(f"--seconds: must be > 0, got {args.seconds}")
    _positive_int("--capacity", args.capacity)
    _positive_int("--chunk", args.chunk)
    _positive_int("--frames", args.frames)
    _positive_int("--threads", args.threads)
    out = _npy_out("--out", args.out)
    import torch

    torch.set_num_threads(args.threads)
    model, spec, info = _load(args.model, args.device)
    n = waves_for_seconds(args.seconds, spec)
    stats, summary = stream_waves(model, spec, out, n_waves=n, capacity=args.capacity, chunk=args.chunk, seed=args.seed)
    print(
        f"wrote {out}: {n} waves = {summary['seconds_of_signal']:g} s of signal in {stats.seconds:.3f} s\n"
        f"throughput: {stats.items_per_second:,.0f} waves/s = {summary['samples_per_second']:,.0f} samples/s "
        f"({summary['realtime_factor']:,.0f}x real time)\n"
        f"ring buffer: capacity {stats.capacity} latents ({stats.buffer_bytes} bytes), peak occupancy "
        f"{stats.peak_occupancy}, producer waited {stats.producer_wait_s:.3f} s, consumer waited "
        f"{stats.consumer_wait_s:.3f} s"
    )
    if args.animate is not None:
        from wavae.sine.plots import animate_stream

        gif = Path(args.animate) if args.animate else out.with_suffix(".gif")
        if gif.suffix != ".gif":
            raise UsageError(f"--animate: must be a .gif file, got {str(gif)!r}")
        animate_stream(model, spec, gif, frames=args.frames, capacity=min(args.capacity, 16), seed=args.seed, fps=args.fps)
        print(f"animation: {gif}")
    return 0


# ----------------------------------------------------------------------------- parser


def register(domains: argparse._SubParsersAction) -> None:
    from wavae.sine.spec import DEFAULT_MODEL, DEFAULT_TRAIN, SineSpec

    d = SineSpec()
    parser = domains.add_parser(
        "sine",
        help="sine-wave VAE: train, sample, stream",
        description="The sine-wave VAE of seed 001: train it, sample it, stream it through a ring buffer.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    fmt = HelpFormatter

    t = commands.add_parser("train", help="train the VAE on synthetic sine waves", formatter_class=fmt,
                            description="Generate sine waves, train the VAE with the shared Trainer, write "
                            "checkpoints, metrics.csv and the loss curve (loss.png) into --run-dir. "
                            "Run it again to resume an interrupted run.")
    t.add_argument("--run-dir", required=True, help="output directory (checkpoints, metrics, loss.png)")
    g = t.add_argument_group("data")
    g.add_argument("--length", type=int, default=d.length, help="samples per wave")
    g.add_argument("--sample-rate", type=float, default=d.sample_rate, help="Hz")
    g.add_argument("--frequency", type=float, default=d.frequency, help="Hz")
    g.add_argument("--amplitude", type=float, default=d.amplitude, help="wave amplitude")
    g.add_argument("--noise", type=float, default=d.noise_std, help="std of white noise added to training waves")
    g.add_argument("--phase-min", type=_angle, default=d.phase_min, help="rad (accepts pi multiples: --phase-min=-pi, pi/2, ...)")
    g.add_argument("--phase-max", type=_angle, default=d.phase_max, help="rad")
    g.add_argument("--n-train", type=int, default=10_000, help="training waves")
    g.add_argument("--n-val", type=int, default=1_000, help="unseen validation waves")
    g.add_argument("--n-seen", type=int, default=1_000, help="training waves also validated ('seen')")
    g.add_argument("--data-seed", type=int, default=0, help="seed of the synthetic waves")
    g = t.add_argument_group("model")
    g.add_argument("--latent-dim", type=int, default=DEFAULT_MODEL["latent_dim"])
    g.add_argument("--hidden", type=_hidden, default=DEFAULT_MODEL["hidden"], help="encoder layer widths, e.g. 128,64")
    g.add_argument("--beta", type=float, default=DEFAULT_MODEL["beta"], help="KL weight (beta-VAE)")
    g.add_argument("--sigma", type=float, default=DEFAULT_MODEL["sigma"], help="likelihood std (wave units)")
    g.add_argument("--learn-sigma", action="store_true", help="learn sigma (starting from --sigma)")
    g.add_argument("--activation", default=DEFAULT_MODEL["activation"])
    g = t.add_argument_group("training")
    g.add_argument("--epochs", type=int, default=DEFAULT_TRAIN["epochs"])
    g.add_argument("--batch-size", type=int, default=DEFAULT_TRAIN["batch_size"])
    g.add_argument("--lr", type=float, default=DEFAULT_TRAIN["lr"], help="initial Adam learning rate")
    g.add_argument("--lr-step-epochs", type=int, default=DEFAULT_TRAIN["lr_step_epochs"], help="decay the lr every N epochs")
    g.add_argument("--lr-gamma", type=float, default=DEFAULT_TRAIN["lr_gamma"], help="lr decay factor")
    g.add_argument("--seed", type=int, default=0, help="seed of weights, shuffling and sampling noise")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    g.add_argument("--threads", type=int, default=DEFAULT_TRAIN["num_threads"], help="torch CPU threads")
    g.add_argument("--overwrite", action="store_true", help="start afresh even if --run-dir holds another run")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=_train)

    s = commands.add_parser("sample", help="draw waves from the prior", formatter_class=fmt,
                            description="Write N waves from the prior as an (N, length) .npy array and a sidecar "
                            "JSON (time axis, frequency, sine-fit statistics); print the fit statistics.")
    s.add_argument("--model", required=True, help="run directory of `wavae sine train`")
    s.add_argument("--n", type=int, required=True, help="number of waves")
    s.add_argument("--out", required=True, help="output .npy file (sidecar: same name, .json)")
    s.add_argument("--seed", type=int, default=0, help="seed of the latent samples")
    s.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N")
    s.add_argument("--plot", help="also write a PNG grid of samples (and NAME_fit.PNG with fit histograms)")
    s.set_defaults(func=_sample)

    r = commands.add_parser("stream", help="stream waves through a ring buffer", formatter_class=fmt,
                            description="A producer thread fills a ring buffer with prior samples; the decoder "
                            "consumes them and the waves go to --out as (n, length) .npy. Prints the throughput.")
    r.add_argument("--model", required=True, help="run directory of `wavae sine train`")
    r.add_argument("--seconds", type=float, required=True, help="seconds of signal to generate")
    r.add_argument("--out", required=True, help="output .npy file (sidecar: same name, .json)")
    r.add_argument("--capacity", type=int, default=1024, help="ring buffer slots (latents)")
    r.add_argument("--chunk", type=int, default=256, help="latents per producer write / decoder call")
    r.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads of the decoder (1 leaves a core to the producer thread)")
    r.add_argument("--seed", type=int, default=0, help="seed of the latent samples")
    r.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N")
    r.add_argument("--animate", nargs="?", const="", default=None, metavar="GIF",
                   help="also write an animated GIF (default name: --out with .gif)")
    r.add_argument("--frames", type=int, default=48, help="frames of the animation")
    r.add_argument("--fps", type=int, default=6, help="frames per second of the animation")
    r.set_defaults(func=_stream)
