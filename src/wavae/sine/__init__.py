"""The sine-wave VAE of seed 001: synthetic data, training, sampling, sine-fit evaluation,
streaming through the ring buffer, figures. Built on ``wavae.nn``, ``wavae.train``,
``wavae.io`` and ``wavae.stream``; nothing here is used by the core.

Heavy modules (torch) are imported on first use, so ``wavae.sine.spec`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from wavae.sine.spec import DEFAULT_MODEL, DEFAULT_TRAIN, SineSpec

_LAZY = {
    "SineDataset": "wavae.sine.data",
    "make_sines": "wavae.sine.data",
    "fit_sines": "wavae.sine.evaluate",
    "evaluate_samples": "wavae.sine.evaluate",
    "SineFitReport": "wavae.sine.evaluate",
    "train_sine": "wavae.sine.model",
    "load_sine_model": "wavae.sine.model",
    "sample_waves": "wavae.sine.model",
    "write_waves": "wavae.sine.model",
    "default_model_config": "wavae.sine.model",
    "default_train_config": "wavae.sine.model",
    "stream_waves": "wavae.sine.stream",
    "waves_for_seconds": "wavae.sine.stream",
    "plot_samples": "wavae.sine.plots",
    "plot_fit_summary": "wavae.sine.plots",
    "animate_stream": "wavae.sine.plots",
    "smooth": "wavae.sine.plots",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wavae.sine' has no attribute {name!r}")


__all__ = ["DEFAULT_MODEL", "DEFAULT_TRAIN", "SineSpec", *_LAZY]
