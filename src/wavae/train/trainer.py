"""One Trainer for every wavae model.

A model is a :class:`wavae.nn.GenerativeModel`: ``forward(batch)`` returns a ``ModelOutput``
whose ``loss`` is minimised and whose ``metrics`` are logged. Datasets yield
``dict[str, Tensor]`` samples, stacked by the default collate into batches.

Run directory layout (written by rank 0 only)::

    run_dir/
      model.safetensors, model.json   final model (load with wavae.io.checkpoint.load_checkpoint)
      last/    model.* + train_state.*  after every epoch; what a resume starts from
      best/    model.*                  best epoch by the first validation set's loss
      metrics.csv                       epoch, step, split, loss, <metrics>, lr, seconds
      steps.csv                         step, epoch position, training loss (every log_every steps)
      loss.png                          training and validation losses (seed 000 Figure 4)

Reproducibility: every epoch starts from random streams (torch, numpy, random, the shuffle)
derived from ``(seed, epoch, rank)``, so a resumed run continues exactly as an uninterrupted
one would (same weights on CPU). Under ``torchrun`` (``WORLD_SIZE`` > 1) the model is wrapped in
DistributedDataParallel (gloo on CPU, nccl on CUDA); ``batch_size`` is per process.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import shutil
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from wavae.io.atomic import atomic_path
from wavae.io.checkpoint import (
    load_train_state,
    load_weights,
    read_checkpoint_info,
    read_train_state_info,
    save_checkpoint,
    save_train_state,
)
from wavae.train.config import RESUME_KEYS, TrainConfig
from wavae.train.plots import plot_loss_curve

_MANAGED = ("last", "best", "model.safetensors", "model.json", "metrics.csv", "steps.csv", "loss.png")


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> cuda when available else cpu; a clear error for CUDA without CUDA."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"device: {device!r} requested but CUDA is not available; use device='cpu' or 'auto'")
        index = int(device[5:]) if ":" in device else None
        if index is not None and index >= torch.cuda.device_count():
            raise ValueError(f"device: {device!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist")
    return torch.device(device)


def random_subset(dataset: Dataset, n: int, seed: int = 0) -> torch.utils.data.Subset:
    """``n`` distinct samples of ``dataset`` chosen with ``seed`` (e.g. the "seen" validation set)."""
    size = len(dataset)  # type: ignore[arg-type]
    if not 1 <= n <= size:
        raise ValueError(f"n: must be in [1, {size}], got {n}")
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(size, generator=gen)[:n].sort().values.tolist()
    return torch.utils.data.Subset(dataset, idx)


def _derived_seed(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1, dtype=np.uint64)[0])


def _normalise(obj: Any) -> Any:
    """JSON round trip (tuples -> lists), for comparing configs."""
    return json.loads(json.dumps(obj, sort_keys=True, default=str))


def _batch_size(batch: Mapping[str, Any]) -> int:
    for value in batch.values():
        if isinstance(value, torch.Tensor) and value.ndim > 0:
            return int(value.shape[0])
    raise ValueError("batch: no batched tensor found (datasets must yield dict[str, Tensor])")


class _ShardSampler(Sampler[int]):
    """Indices ``rank, rank + world, ...`` without padding: every sample validated exactly once."""

    def __init__(self, size: int, rank: int, world: int) -> None:
        self.size, self.rank, self.world = size, rank, world

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, self.size, self.world))

    def __len__(self) -> int:
        return len(range(self.rank, self.size, self.world))


class _Dist:
    """Process-group facts; a single process is rank 0 of 1."""

    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.created = False

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def init(self, device: torch.device) -> None:
        if not self.enabled:
            return
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
            self.created = True
        self.world, self.rank = dist.get_world_size(), dist.get_rank()

    def barrier(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.barrier()

    def sum(self, t: torch.Tensor) -> torch.Tensor:
        if self.enabled:
            import torch.distributed as dist

            dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t

    def close(self) -> None:
        if self.created:
            import torch.distributed as dist

            dist.destroy_process_group()
            self.created = False


class Trainer:
    """Train ``model`` on ``train_set``, validate on each of ``val_sets`` after every epoch.

    model: a registered :class:`wavae.nn.GenerativeModel` (its ``forward(batch)`` gives the loss).
    train_set: a Dataset of ``dict[str, Tensor]`` samples.
    val_sets: named validation Datasets, e.g. ``{"seen": subset_of_train, "unseen": val}``;
        the first one drives the best checkpoint and early stopping.
    config: :class:`TrainConfig`.
    run_dir: where checkpoints, metrics and plots go (see the module docstring).
    metadata: free JSON stored in every checkpoint (normalisation, domain, dataset fingerprint).
    overwrite: start afresh even if ``run_dir`` holds another run.

    A model may define ``on_epoch_start(epoch: int, epochs: int)`` (e.g. KL annealing); it must
    depend only on its arguments so that resuming stays exact.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        train_set: Dataset,
        val_sets: Mapping[str, Dataset] | None = None,
        config: TrainConfig | None = None,
        run_dir: str | os.PathLike[str] = "run",
        metadata: dict[str, Any] | None = None,
        *,
        overwrite: bool = False,
    ) -> None:
        self.config = config if config is not None else TrainConfig()
        if not isinstance(self.config, TrainConfig):
            raise TypeError(f"config: expected TrainConfig, got {type(self.config).__name__}")
        if not getattr(model, "name", "") or not hasattr(model, "config_dict"):
            raise TypeError(f"model: {type(model).__name__} is not a registered GenerativeModel")
        self.model = model
        self.train_set = train_set
        self.val_sets = dict(val_sets or {})
        for name in self.val_sets:
            if not name.isidentifier() or name == "train":
                raise ValueError(f"val_sets: names must be identifiers other than 'train', got {name!r}")
        if len(train_set) == 0:  # type: ignore[arg-type]
            raise ValueError("train_set: is empty")
        self.run_dir = Path(run_dir)
        self.metadata = dict(metadata or {})
        json.dumps(self.metadata, default=str)
        self.overwrite = overwrite
        self.device = resolve_device(self.config.device)
        self.dist = _Dist()
        # filled by fit()
        self.records: list[dict[str, Any]] = []
        self.step_log: list[list[float]] = []
        self.epoch = 0
        self.step = 0
        self.best_loss = math.inf
        self.best_epoch = 0
        self.bad_epochs = 0
        self.stopped_early = False
        self.train_seconds = 0.0
        self.optimizer: torch.optim.Optimizer | None = None
        self.scheduler: torch.optim.lr_scheduler.StepLR | None = None

    # ------------------------------------------------------------------ public

    @property
    def history(self) -> list[dict[str, float]]:
        """One flat dict per epoch: epoch, step, lr, seconds, ``{split}_{metric}``."""
        rows = []
        for rec in self.records:
            row: dict[str, float] = {k: rec[k] for k in ("epoch", "step", "lr", "seconds")}
            for split, values in rec["splits"].items():
                for key, value in values.items():
                    row[f"{split}_{key}"] = value
            rows.append(row)
        return rows

    @property
    def monitor(self) -> str:
        """The split whose loss picks the best epoch and drives early stopping."""
        return next(iter(self.val_sets), "train")

    def fit(self) -> list[dict[str, float]]:
        """Train (or resume) up to ``config.epochs``; return :attr:`history`."""
        cfg = self.config
        device = self.device
        if self.dist.enabled and device.type == "cuda":
            device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(device)
            self.device = device
        self.dist.init(device)
        threads = torch.get_num_threads()
        if cfg.num_threads is not None:
            torch.set_num_threads(cfg.num_threads)
        try:
            if self.dist.enabled:
                for name, ds in self.val_sets.items():
                    if len(ds) < self.dist.world:  # type: ignore[arg-type]
                        raise ValueError(f"val_sets[{name!r}]: needs at least {self.dist.world} samples under DDP")
            torch.manual_seed(_derived_seed(cfg.seed, 0, self.dist.rank))
            self.model.to(device)
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
            self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, cfg.lr_step_epochs, cfg.lr_gamma)
            self._prepare_run_dir()
            return self._loop()
        finally:
            torch.set_num_threads(threads)
            self.dist.close()

    # ------------------------------------------------------------------ run directory

    def _fingerprint(self) -> dict[str, Any]:
        return _normalise({
            "model": self.model.name,
            "model_config": self.model.config_dict(),
            "train_config": {k: getattr(self.config, k) for k in RESUME_KEYS},
            "train_size": len(self.train_set),  # type: ignore[arg-type]
            "val_sizes": {k: len(v) for k, v in self.val_sets.items()},  # type: ignore[arg-type]
            "world_size": self.dist.world,
        })

    def _prepare_run_dir(self) -> None:
        last = self.run_dir / "last"
        if self.dist.main:
            _recover_dir(last)
            _recover_dir(self.run_dir / "best")
            if self.overwrite:
                for item in _MANAGED:
                    p = self.run_dir / item
                    if p.is_dir():
                        shutil.rmtree(p)
                    elif p.exists():
                        p.unlink()
            self.run_dir.mkdir(parents=True, exist_ok=True)
        self.dist.barrier()
        if (last / "train_state.json").is_file():
            self._resume(last)

    def _resume(self, last: Path) -> None:
        info = read_train_state_info(last)
        extra = info.get("extra", {})
        saved = extra.get("fingerprint", {})
        now = self._fingerprint()
        if saved != now:
            diffs = _diff(saved, now)
            raise ValueError(
                f"run_dir: {self.run_dir} holds a different run ({'; '.join(diffs)}); pass overwrite=True "
                "(CLI: --overwrite) to start afresh, or choose another run directory"
            )
        model_info = read_checkpoint_info(last)
        if model_info.get("weights_sha256") != extra.get("weights_sha256"):
            raise ValueError(
                f"run_dir: {last} is inconsistent (weights and training state from different epochs); "
                "remove it or pass overwrite=True"
            )
        load_weights(self.model, last)
        self.model.to(self.device)
        extra = load_train_state(last, self.optimizer, self.scheduler)
        self.epoch = int(extra["epoch"])
        self.step = int(extra["step"])
        self.records = list(extra["records"])
        self.step_log = [list(x) for x in extra["step_log"]]
        self.best_loss = math.inf if extra["best_loss"] is None else float(extra["best_loss"])
        self.best_epoch = int(extra["best_epoch"])
        self.bad_epochs = int(extra["bad_epochs"])
        self.stopped_early = bool(extra["stopped_early"])
        self.train_seconds = float(extra["train_seconds"])
        if self.dist.world == 1:
            torch.set_rng_state(extra["rng_torch"])
            if "rng_cuda" in extra and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(list(extra["rng_cuda"]))
            kind, keys, pos, has_gauss, cached = extra["rng_numpy"]
            np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
            version, state, gauss = extra["rng_python"]
            random.setstate((version, tuple(state), gauss))
        if self.dist.main and self.config.progress:
            print(f"resuming {self.run_dir} after epoch {self.epoch} (step {self.step})", file=sys.stderr)

    # ------------------------------------------------------------------ loops

    def _loaders(self) -> tuple[DataLoader, torch.Generator, dict[str, DataLoader]]:
        cfg = self.config
        gen = torch.Generator()
        pin = self.device.type == "cuda"
        common = dict(num_workers=cfg.num_workers, pin_memory=pin)
        if self.dist.enabled:
            from torch.utils.data.distributed import DistributedSampler

            sampler = DistributedSampler(
                self.train_set, num_replicas=self.dist.world, rank=self.dist.rank, shuffle=True, seed=cfg.seed
            )
            train = DataLoader(self.train_set, batch_size=cfg.batch_size, sampler=sampler, generator=gen, **common)
        else:
            train = DataLoader(self.train_set, batch_size=cfg.batch_size, shuffle=True, generator=gen, **common)
        vbs = cfg.val_batch_size or cfg.batch_size
        vals = {}
        for name, ds in self.val_sets.items():
            sampler_v = _ShardSampler(len(ds), self.dist.rank, self.dist.world)  # type: ignore[arg-type]
            vals[name] = DataLoader(ds, batch_size=vbs, sampler=sampler_v, **common)
        return train, gen, vals

    def _seed_epoch(self, epoch: int, gen: torch.Generator, loader: DataLoader) -> None:
        seed, rank = self.config.seed, self.dist.rank
        torch.manual_seed(_derived_seed(seed, epoch, rank, 1))
        np.random.seed(_derived_seed(seed, epoch, rank, 2) % 2**32)
        random.seed(_derived_seed(seed, epoch, rank, 3))
        gen.manual_seed(_derived_seed(seed, epoch, 4))
        sampler = loader.sampler
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)

    def _loop(self) -> list[dict[str, float]]:
        cfg = self.config
        train_loader, gen, val_loaders = self._loaders()
        net: torch.nn.Module = self.model
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            net = DistributedDataParallel(self.model, device_ids=ids)
        epoch = self.epoch
        try:
            for epoch in range(self.epoch + 1, cfg.epochs + 1):
                if self.stopped_early:
                    break
                t0 = time.perf_counter()
                self._seed_epoch(epoch, gen, train_loader)
                hook = getattr(self.model, "on_epoch_start", None)
                if callable(hook):
                    hook(epoch, cfg.epochs)
                lr = float(self.optimizer.param_groups[0]["lr"])
                splits = {"train": self._train_epoch(net, train_loader, epoch)}
                for name, loader in val_loaders.items():
                    splits[name] = self._validate(loader)
                self.scheduler.step()
                seconds = time.perf_counter() - t0
                self.train_seconds += seconds
                self.records.append({"epoch": epoch, "step": self.step, "lr": lr, "seconds": seconds, "splits": splits})
                self.epoch = epoch
                monitored = splits[self.monitor]["loss"]
                improved = math.isfinite(monitored) and monitored < self.best_loss
                if improved:
                    self.best_loss, self.best_epoch, self.bad_epochs = monitored, epoch, 0
                else:
                    self.bad_epochs += 1
                patience = cfg.early_stopping_patience
                if patience is not None and self.bad_epochs >= patience:
                    self.stopped_early = True
                if self.dist.main:
                    self._write_epoch(improved)
                    if cfg.progress:
                        self._summary(epoch, splits, lr, seconds)
                self.dist.barrier()
        except KeyboardInterrupt:
            if self.dist.main:
                done = self.epoch
                where = f"{self.run_dir / 'last'} holds epoch {done}" if done else "no epoch was completed"
                print(
                    f"\ninterrupted during epoch {epoch}; {where}. Run the same command again with the "
                    f"same run directory ({self.run_dir}) to resume.",
                    file=sys.stderr,
                )
            raise
        if self.stopped_early and self.dist.main and cfg.progress:
            print(
                f"early stop after epoch {self.epoch}: no improvement of {self.monitor} loss for "
                f"{self.bad_epochs} epochs (best {self.best_loss:.6g} at epoch {self.best_epoch})",
                file=sys.stderr,
            )
        if cfg.restore_best and (self.run_dir / "best" / "model.json").is_file():
            self.dist.barrier()
            load_weights(self.model, self.run_dir / "best")
            self.model.to(self.device)
        if self.dist.main:
            save_checkpoint(self.run_dir, self.model, self._metadata())
        self.dist.barrier()
        self.model.eval()
        return self.history

    def _to_device(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        nb = self.device.type == "cuda"
        return {k: v.to(self.device, non_blocking=nb) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}

    def _autocast(self) -> Any:
        if not self.config.amp:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)

    def _train_epoch(self, net: torch.nn.Module, loader: DataLoader, epoch: int) -> dict[str, float]:
        from tqdm.auto import tqdm

        cfg = self.config
        net.train()
        n_batches = len(loader)
        sums: dict[str, torch.Tensor] = {}
        count = 0
        window, window_n = torch.zeros((), device=self.device), 0
        bar = tqdm(
            loader,
            desc=f"epoch {epoch}/{cfg.epochs}",
            total=n_batches,
            disable=not (cfg.progress and self.dist.main),
            leave=False,
            dynamic_ncols=True,
            file=sys.stderr,
        )
        for i, batch in enumerate(bar):
            batch = self._to_device(batch)
            n = _batch_size(batch)
            with self._autocast():
                out = net(batch)
            loss = out.loss
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
            self.optimizer.step()
            self.step += 1
            _accumulate(sums, out, n)
            count += n
            window = window + loss.detach().float()
            window_n += 1
            if window_n == cfg.log_every or i == n_batches - 1:
                value = float(window / window_n)
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"training loss became {value} in epoch {epoch} near step {self.step}; "
                        f"{self.run_dir / 'last'} holds the last good epoch (try a lower lr or grad_clip)"
                    )
                self.step_log.append([self.step, epoch - 1 + (i + 1) / n_batches, value])
                bar.set_postfix(loss=f"{value:.4g}")
                window, window_n = torch.zeros((), device=self.device), 0
        return self._reduce(sums, count)

    @torch.no_grad()
    def _validate(self, loader: DataLoader) -> dict[str, float]:
        self.model.eval()
        sums: dict[str, torch.Tensor] = {}
        count = 0
        for batch in loader:
            batch = self._to_device(batch)
            n = _batch_size(batch)
            with self._autocast():
                out = self.model(batch)
            _accumulate(sums, out, n)
            count += n
        return self._reduce(sums, count)

    def _reduce(self, sums: dict[str, torch.Tensor], count: int) -> dict[str, float]:
        names = sorted(sums)
        packed = torch.stack([torch.tensor(float(count), device=self.device)] + [sums[k] for k in names])
        packed = self.dist.sum(packed.double()).cpu()
        total = float(packed[0])
        return {k: float(packed[i + 1]) / max(total, 1.0) for i, k in enumerate(names)}

    # ------------------------------------------------------------------ writing

    def _metadata(self) -> dict[str, Any]:
        meta = dict(self.metadata)
        meta["training"] = {
            "config": self.config.to_dict(),
            "epochs_done": self.epoch,
            "steps_done": self.step,
            "monitor": self.monitor,
            "best_epoch": self.best_epoch,
            "best_val_loss": None if not math.isfinite(self.best_loss) else self.best_loss,
            "stopped_early": self.stopped_early,
            "train_seconds": round(self.train_seconds, 3),
            "device": str(self.device),
            "world_size": self.dist.world,
            "train_size": len(self.train_set),  # type: ignore[arg-type]
            "val_sizes": {k: len(v) for k, v in self.val_sets.items()},  # type: ignore[arg-type]
            "final": self.history[-1] if self.records else None,
        }
        return meta

    def _write_epoch(self, improved: bool) -> None:
        meta = self._metadata()

        def write_last(tmp: Path) -> None:
            info_path = save_checkpoint(tmp, self.model, meta)
            sha = json.loads(info_path.read_text())["weights_sha256"]
            extra: dict[str, Any] = {
                "fingerprint": self._fingerprint(),
                "weights_sha256": sha,
                "epoch": self.epoch,
                "step": self.step,
                "records": self.records,
                "step_log": self.step_log,
                "best_loss": None if not math.isfinite(self.best_loss) else self.best_loss,
                "best_epoch": self.best_epoch,
                "bad_epochs": self.bad_epochs,
                "stopped_early": self.stopped_early,
                "train_seconds": self.train_seconds,
                "rng_torch": torch.get_rng_state(),
                "rng_numpy": list(np.random.get_state()),
                "rng_python": list(random.getstate()),
            }
            if torch.cuda.is_available() and torch.cuda.is_initialized():
                extra["rng_cuda"] = torch.stack(torch.cuda.get_rng_state_all())
            save_train_state(tmp, self.optimizer, self.scheduler, extra)

        _write_dir(self.run_dir / "last", write_last)
        if improved:
            _write_dir(self.run_dir / "best", lambda tmp: save_checkpoint(tmp, self.model, meta))
        self._write_metrics()
        plot_loss_curve(
            self.run_dir / "loss.png",
            self.history,
            step_log=self.step_log,
            splits=list(self.val_sets),
            title=f"{self.model.name}: training loss",
        )

    def _write_metrics(self) -> None:
        metric_names: list[str] = []
        for rec in self.records:
            for values in rec["splits"].values():
                for key in values:
                    if key != "loss" and key not in metric_names:
                        metric_names.append(key)
        header = ["epoch", "step", "split", "loss", *metric_names, "lr", "seconds"]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        for rec in self.records:
            for split, values in rec["splits"].items():
                writer.writerow(
                    [rec["epoch"], rec["step"], split, _fmt(values.get("loss"))]
                    + [_fmt(values.get(m)) for m in metric_names]
                    + [_fmt(rec["lr"]), f"{rec['seconds']:.3f}"]
                )
        with atomic_path(self.run_dir / "metrics.csv", ".csv") as tmp:
            tmp.write_text(buf.getvalue())
        steps = io.StringIO()
        steps.write("step,epoch,loss\n")
        for step, pos, value in self.step_log:
            steps.write(f"{int(step)},{pos:.6g},{_fmt(value)}\n")
        with atomic_path(self.run_dir / "steps.csv", ".csv") as tmp:
            tmp.write_text(steps.getvalue())

    def _summary(self, epoch: int, splits: dict[str, dict[str, float]], lr: float, seconds: float) -> None:
        from tqdm.auto import tqdm

        parts = [f"{name} {values['loss']:.5g}" for name, values in splits.items()]
        tqdm.write(
            f"epoch {epoch}/{self.config.epochs}  " + "  ".join(parts) + f"  lr {lr:.3g}  {seconds:.1f} s",
            file=sys.stderr,
        )


def _accumulate(sums: dict[str, torch.Tensor], out: Any, n: int) -> None:
    items = {"loss": out.loss, **getattr(out, "metrics", {})}
    for key, value in items.items():
        v = value.detach().float().reshape(()) * n if isinstance(value, torch.Tensor) else torch.tensor(float(value) * n)
        sums[key] = sums[key] + v.to(sums[key].device) if key in sums else v


def _fmt(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _diff(saved: dict[str, Any], now: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(saved) | set(now)):
        a, b = saved.get(key), now.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _diff(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} there, {b!r} now")
    return out or ["unrecognised training state"]


def _write_dir(target: Path, write: Callable[[Path], Any]) -> None:
    """Fill a fresh sibling directory with ``write`` and swap it in place of ``target``.

    A crash leaves either the old or the new directory complete (:func:`_recover_dir` undoes a
    half-finished swap), so the checkpoint of the last complete epoch always survives.
    """
    tmp = target.with_name(f".{target.name}.partial")
    old = target.with_name(f".{target.name}.old")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    write(tmp)
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        shutil.rmtree(old)


def _recover_dir(target: Path) -> None:
    old = target.with_name(f".{target.name}.old")
    if not target.exists() and old.exists():
        os.replace(old, target)
    tmp = target.with_name(f".{target.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    if old.exists() and target.exists():
        shutil.rmtree(old)


__all__ = ["Trainer", "TrainConfig", "random_subset", "resolve_device"]
