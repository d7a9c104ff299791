"""The shape every wavae model shares, so one Trainer, one checkpoint format and one
sampler serve them all.

A model is an ``nn.Module`` with a small dataclass ``config`` (JSON-serialisable fields
only). ``forward(batch)`` takes a dict of batched tensors (batch first) and returns a
:class:`ModelOutput` whose ``loss`` the Trainer minimises and whose ``metrics`` it logs.
Generative models also give ``sample(n, conditions=None, generator=None)``.
Models are registered by name, so a checkpoint names its model and loading never unpickles.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, TypeVar

import torch
from torch import nn

Batch = dict[str, torch.Tensor]


@dataclass
class ModelOutput:
    """What ``forward`` returns.

    loss: scalar tensor to minimise.
    metrics: named scalar tensors to log (detached by the Trainer), e.g. ``recon``, ``kl``.
    outputs: named tensors produced on the way (reconstructions, posterior parameters).
    """

    loss: torch.Tensor
    metrics: dict[str, torch.Tensor] = field(default_factory=dict)
    outputs: dict[str, torch.Tensor] = field(default_factory=dict)


class GenerativeModel(nn.Module):
    """Base class: subclasses set ``name`` and ``config_class`` and take ``config`` in __init__."""

    name: ClassVar[str] = ""
    config_class: ClassVar[type]

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config

    def forward(self, batch: Batch) -> ModelOutput:  # pragma: no cover - abstract
        raise NotImplementedError

    def config_dict(self) -> dict[str, Any]:
        """The config as a JSON-serialisable dict."""
        return dataclasses.asdict(self.config)


_REGISTRY: dict[str, type[GenerativeModel]] = {}
M = TypeVar("M", bound=type[GenerativeModel])


def register_model(cls: M) -> M:
    """Class decorator: make a model loadable by its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} needs a non-empty class attribute 'name'")
    _REGISTRY[cls.name] = cls
    return cls


def model_class(name: str) -> type[GenerativeModel]:
    """The registered model class called ``name``; a clear error lists the known names."""
    _import_builtin_models()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"model: unknown model {name!r}; known models: {known}") from None


def build_model(name: str, config: dict[str, Any] | None = None) -> GenerativeModel:
    """Instantiate a registered model from its name and a config dict (unknown keys refused)."""
    cls = model_class(name)
    fields = {f.name for f in dataclasses.fields(cls.config_class)}
    unknown = set(config or {}) - fields
    if unknown:
        raise ValueError(
            f"model config: unknown field(s) {sorted(unknown)} for {name!r}; valid: {sorted(fields)}"
        )
    return cls(cls.config_class(**(config or {})))


def registered_models() -> list[str]:
    _import_builtin_models()
    return sorted(_REGISTRY)


_BUILTIN_MODULES: list[str] = []


def declare_builtin(module: str) -> None:
    """Name a module whose import registers models (imported lazily by :func:`model_class`)."""
    if module not in _BUILTIN_MODULES:
        _BUILTIN_MODULES.append(module)


def _import_builtin_models() -> None:
    import importlib

    for module in list(_BUILTIN_MODULES):
        importlib.import_module(module)


Factory = Callable[..., GenerativeModel]
