"""The one checkpoint format: weights in safetensors, everything else in JSON. Never pickle.

A model checkpoint in ``directory`` is two files:

- ``{name}.safetensors``: the model's ``state_dict`` (parameters and buffers), CPU tensors.
- ``{name}.json``: ``format`` ("wavae-checkpoint"), ``format_version``, ``model`` (registry
  name), ``config`` (the model's config dict), ``wavae_version``, ``torch_version``,
  ``weights_sha256`` (of the safetensors file), ``created`` (UTC, ISO 8601) and ``metadata``
  (free JSON from the caller: normalisation, parameter domain, dataset fingerprint, training).

The weights are written first and the JSON last, each atomically, so a JSON file always
describes complete weights; the recorded sha256 catches a weights file that does not belong.

Training state for resuming (``save_train_state``) uses the same idea: optimizer state tensors
in ``{name}.safetensors`` under flat keys ``state.{param_idx}.{key}``, the rest in JSON.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch

from wavae.io.atomic import atomic_path, write_json

FORMAT = "wavae-checkpoint"
FORMAT_VERSION = 1
TRAIN_STATE_FORMAT = "wavae-train-state"
TRAIN_STATE_VERSION = 1

PathLike = str | os.PathLike[str]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _cpu_tensors(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Detached, contiguous CPU copies (copies, so tied weights do not share storage)."""
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}


def _write_safetensors(path: Path, tensors: dict[str, torch.Tensor], meta: dict[str, str] | None = None) -> str:
    """Write ``tensors`` atomically to ``path``; return the sha256 of the written bytes."""
    from safetensors.torch import save_file

    with atomic_path(path, ".safetensors") as tmp:
        save_file(_cpu_tensors(tensors), str(tmp), metadata=meta)
        sha = _sha256(tmp)
    return sha


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path.parent}: {path.name} is missing")
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(info, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return info


def _check_format(info: dict[str, Any], path: Path, fmt: str, version: int) -> None:
    if info.get("format") != fmt:
        raise ValueError(f"{path}: not a {fmt} file (format={info.get('format')!r})")
    found = info.get("format_version")
    if not isinstance(found, int) or found < 1:
        raise ValueError(f"{path}: unknown format_version {found!r}")
    if found > version:
        raise ValueError(
            f"{path}: format_version {found} is newer than this wavae reads (up to {version}); "
            "upgrade wavae to load it"
        )


def _verify(weights: Path, expected: str | None, json_path: Path) -> None:
    if not weights.is_file():
        raise FileNotFoundError(f"{weights} is missing (named by {json_path})")
    if not expected:
        raise ValueError(f"{json_path}: no weights_sha256 recorded")
    actual = _sha256(weights)
    if actual != expected:
        raise ValueError(
            f"{weights}: sha256 {actual[:12]}... does not match {expected[:12]}... recorded in "
            f"{json_path.name}; the file was modified, corrupted or belongs to another checkpoint"
        )


# --------------------------------------------------------------------------- model weights


def save_checkpoint(
    directory: PathLike,
    model: torch.nn.Module,
    metadata: dict[str, Any] | None = None,
    *,
    name: str = "model",
) -> Path:
    """Write ``{name}.safetensors`` then ``{name}.json`` into ``directory``; return the JSON path.

    ``model`` is a registered :class:`wavae.nn.GenerativeModel` (a DDP wrapper is unwrapped).
    ``metadata`` must be JSON-serialisable (numpy scalars and arrays are converted).
    """
    from wavae import __version__

    model = getattr(model, "module", model)  # DistributedDataParallel
    model_name = getattr(model, "name", "")
    if not model_name or not hasattr(model, "config_dict"):
        raise TypeError(f"save_checkpoint: {type(model).__name__} is not a registered GenerativeModel")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / f"{name}.safetensors"
    sha = _write_safetensors(weights, model.state_dict(), {"format": FORMAT})
    info = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model_name,
        "config": model.config_dict(),
        "wavae_version": __version__,
        "torch_version": torch.__version__,
        "weights_file": weights.name,
        "weights_sha256": sha,
        "created": _now(),
        "metadata": dict(metadata or {}),
    }
    json.dumps(info, default=_json_probe)  # fail before writing anything half-valid
    json_path = directory / f"{name}.json"
    write_json(json_path, info)
    return json_path


def _json_probe(obj: Any) -> Any:
    from wavae.io.atomic import _json_default

    return _json_default(obj)


def read_checkpoint_info(directory: PathLike, name: str = "model") -> dict[str, Any]:
    """The checkpoint's JSON (format checked, weights not read)."""
    path = Path(directory) / f"{name}.json"
    info = _read_json(path, "wavae checkpoint")
    _check_format(info, path, FORMAT, FORMAT_VERSION)
    return info


def read_weights(directory: PathLike, *, name: str = "model") -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The verified state dict (CPU tensors) and the JSON of a checkpoint."""
    from safetensors.torch import load_file

    directory = Path(directory)
    info = read_checkpoint_info(directory, name)
    weights = directory / info.get("weights_file", f"{name}.safetensors")
    _verify(weights, info.get("weights_sha256"), directory / f"{name}.json")
    return load_file(str(weights), device="cpu"), info


def load_weights(model: torch.nn.Module, directory: PathLike, *, name: str = "model") -> dict[str, Any]:
    """Load a checkpoint's weights into an existing ``model`` (strict); return the JSON.

    Raises ``ValueError`` ("incompatible checkpoint") on a model-name, key or shape mismatch.
    """
    state, info = read_weights(directory, name=name)
    model = getattr(model, "module", model)
    expected = getattr(model, "name", None)
    if expected and info.get("model") != expected:
        raise ValueError(
            f"incompatible checkpoint {Path(directory) / name}: holds model {info.get('model')!r}, "
            f"not {expected!r}"
        )
    _load_state(model, state, Path(directory) / name)
    return info


def _load_state(model: torch.nn.Module, state: dict[str, torch.Tensor], where: Path) -> None:
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        detail = " ".join(str(err).split())
        raise ValueError(f"incompatible checkpoint {where}: {detail}") from None


def load_checkpoint(
    directory: PathLike, *, name: str = "model", device: str | torch.device = "cpu"
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild the model named in ``{name}.json`` and load its verified weights.

    Returns ``(model, info)``: the model in eval mode on ``device`` and the full JSON dict.
    Raises ``FileNotFoundError`` when files are missing and ``ValueError`` for an unknown or
    newer format, a sha256 mismatch, or weights that do not fit the config.
    """
    from wavae.nn import build_model

    state, info = read_weights(directory, name=name)
    try:
        model = build_model(info["model"], info.get("config") or {})
    except (KeyError, TypeError) as err:
        raise ValueError(f"incompatible checkpoint {Path(directory) / name}: {err}") from None
    _load_state(model, state, Path(directory) / name)
    return model.to(device).eval(), info


# --------------------------------------------------------------------------- training state


def _to_json(obj: Any, where: str) -> Any:
    """Tuples to lists, numpy to Python; raise a clear error on anything else."""
    import numpy as np

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [_to_json(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        return {str(k): _to_json(v, f"{where}.{k}") for k, v in obj.items()}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, bytes):
        return list(obj)
    if isinstance(obj, torch.Tensor) and obj.numel() == 1:
        return obj.item()
    raise TypeError(f"train state: {where} ({type(obj).__name__}) is not JSON-serialisable")


def save_train_state(
    directory: PathLike,
    optimizer: torch.optim.Optimizer,
    scheduler: Any | None,
    extra: dict[str, Any] | None = None,
    *,
    name: str = "train_state",
) -> Path:
    """Write optimizer, scheduler and ``extra`` state as ``{name}.safetensors`` + ``{name}.json``.

    Tensors go to safetensors: optimizer state as ``state.{param_idx}.{key}``, top-level tensor
    values of ``extra`` (RNG states as uint8 tensors, for instance) as ``extra.{key}``. Everything
    else (param groups, non-tensor optimizer state, the scheduler's ``state_dict``, the rest of
    ``extra``) must be JSON-serialisable. Returns the JSON path.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    opt = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for idx, param_state in opt["state"].items():
        for key, value in param_state.items():
            if "." in str(key):
                raise ValueError(f"train state: optimizer state key {key!r} contains '.'")
            if isinstance(value, torch.Tensor):
                tensors[f"state.{idx}.{key}"] = value
            else:
                scalars.setdefault(str(idx), {})[key] = _to_json(value, f"optimizer.state.{idx}.{key}")
    extra_json: dict[str, Any] = {}
    extra_tensors: list[str] = []
    for key, value in (extra or {}).items():
        if isinstance(value, torch.Tensor):
            tensors[f"extra.{key}"] = value
            extra_tensors.append(key)
        else:
            extra_json[key] = _to_json(value, f"extra.{key}")
    weights = directory / f"{name}.safetensors"
    sha = _write_safetensors(weights, tensors, {"format": TRAIN_STATE_FORMAT})
    info = {
        "format": TRAIN_STATE_FORMAT,
        "format_version": TRAIN_STATE_VERSION,
        "tensors_file": weights.name,
        "tensors_sha256": sha,
        "created": _now(),
        "optimizer": {
            "class": type(optimizer).__name__,
            "param_groups": _to_json(opt["param_groups"], "optimizer.param_groups"),
            "state_scalars": scalars,
        },
        "scheduler": None if scheduler is None else {
            "class": type(scheduler).__name__,
            "state": _to_json(scheduler.state_dict(), "scheduler"),
        },
        "extra": extra_json,
        "extra_tensors": sorted(extra_tensors),
    }
    json_path = directory / f"{name}.json"
    write_json(json_path, info)
    return json_path


def read_train_state_info(directory: PathLike, name: str = "train_state") -> dict[str, Any]:
    """The training-state JSON (format checked)."""
    path = Path(directory) / f"{name}.json"
    info = _read_json(path, "training state")
    _check_format(info, path, TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION)
    return info


def load_train_state(
    directory: PathLike,
    optimizer: torch.optim.Optimizer | None,
    scheduler: Any | None,
    *,
    name: str = "train_state",
) -> dict[str, Any]:
    """Restore ``optimizer`` and ``scheduler`` in place (either may be None); return ``extra``.

    Tensor values of ``extra`` come back as CPU tensors. Raises ``ValueError`` when the files do
    not match each other or the optimizer/scheduler classes differ.
    """
    from safetensors.torch import load_file

    directory = Path(directory)
    info = read_train_state_info(directory, name)
    tensors_path = directory / info.get("tensors_file", f"{name}.safetensors")
    _verify(tensors_path, info.get("tensors_sha256"), directory / f"{name}.json")
    tensors = load_file(str(tensors_path), device="cpu")

    if optimizer is not None:
        saved = info["optimizer"]
        if saved["class"] != type(optimizer).__name__:
            raise ValueError(
                f"{directory / name}: optimizer is {saved['class']}, not {type(optimizer).__name__}"
            )
        state: dict[int, dict[str, Any]] = {}
        for key, value in tensors.items():
            if key.startswith("state."):
                _, idx, sub = key.split(".", 2)
                state.setdefault(int(idx), {})[sub] = value
        for idx, values in saved.get("state_scalars", {}).items():
            state.setdefault(int(idx), {}).update(values)
        groups = saved["param_groups"]
        current = optimizer.state_dict()["param_groups"]
        for g_saved, g_now in zip(groups, current):
            for k, v in g_now.items():  # JSON turned tuples (Adam's betas) into lists
                if isinstance(v, tuple) and isinstance(g_saved.get(k), list):
                    g_saved[k] = tuple(g_saved[k])
        try:
            optimizer.load_state_dict({"state": state, "param_groups": groups})
        except (ValueError, KeyError) as err:
            raise ValueError(f"{directory / name}: optimizer state does not fit: {err}") from None

    if scheduler is not None:
        saved_s = info.get("scheduler")
        if saved_s is None:
            raise ValueError(f"{directory / name}: no scheduler state saved")
        if saved_s["class"] != type(scheduler).__name__:
            raise ValueError(
                f"{directory / name}: scheduler is {saved_s['class']}, not {type(scheduler).__name__}"
            )
        scheduler.load_state_dict(saved_s["state"])

    extra = dict(info.get("extra", {}))
    for key in info.get("extra_tensors", []):
        extra[key] = tensors[f"extra.{key}"]
    return extra


__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "load_checkpoint",
    "load_train_state",
    "load_weights",
    "read_checkpoint_info",
    "read_train_state_info",
    "read_weights",
    "save_checkpoint",
    "save_train_state",
]
