"""Amplitude / instantaneous-frequency decomposition of the (2,2)-mode polarisations and its
exact inverse (seed 000 eq. 1-3).

Sign convention (that of lalsimulation's SEOBNRv4 at zero inclination and coa_phase):

    h+ = A cos(phase),   hx = A sin(phase),   i.e.  h+ + i hx = A exp(i phase),

so ``phase = unwrap(atan2(hx, h+))`` increases with time and the instantaneous frequency
``f[k] = (phase[k+1] - phase[k]) / (2 pi delta_t)`` is positive; it has one sample fewer
than the polarisations. The inverse needs the initial phase ``phase[0]``:

    phase[k] = phase[0] + 2 pi delta_t * sum_{j<k} f[j].

Where lalsimulation returns exactly zero strain (the samples after its ringdown), the phase
is undefined: it is held at its last defined value, so A = 0 and f = 0 there and the inverse
is still exact.

Every function is batch-first, shape (batch, time) or (time,), and accepts numpy or torch,
returning the same kind on the same device. Use float64 for the physics: the round trip
``reconstruct(decompose(h))`` is exact to ~1e-12 relative in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

Array = Union[np.ndarray, Any]  # numpy array or torch.Tensor
TWO_PI = 2.0 * math.pi


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


@dataclass
class Decomposition:
    """amplitude: (..., N); frequency [Hz]: (..., N-1); initial_phase [rad]: (...,)."""

    amplitude: Array
    frequency: Array
    initial_phase: Array
    delta_t: float


def decompose(hplus: Array, hcross: Array, delta_t: float) -> Decomposition:
    """Split polarisations (..., N) into amplitude, instantaneous frequency and initial phase."""
    if hplus.shape != hcross.shape:
        raise ValueError(f"hplus and hcross must have the same shape, got {tuple(hplus.shape)} and {tuple(hcross.shape)}")
    if hplus.shape[-1] < 2:
        raise ValueError("hplus/hcross: need at least 2 samples along the last axis")
    if not delta_t > 0:
        raise ValueError(f"delta_t: must be > 0 seconds, got {delta_t}")
    if _is_torch(hplus):
        import torch

        amp = torch.hypot(hplus, hcross)
        raw = torch.atan2(hcross, hplus)
        idx = torch.arange(amp.shape[-1], device=amp.device).expand_as(amp)
        last_defined = torch.cummax(torch.where(amp > 0, idx, torch.zeros_like(idx)), dim=-1).values
        held = torch.gather(raw, -1, last_defined)
        step = torch.diff(held, dim=-1)
        step = step - TWO_PI * torch.round(step / TWO_PI)
        return Decomposition(amp, step / (TWO_PI * delta_t), held[..., 0], delta_t)
    hplus, hcross = np.asarray(hplus), np.asarray(hcross)
    amp = np.hypot(hplus, hcross)
    raw = np.arctan2(hcross, hplus)
    idx = np.where(amp > 0, np.arange(amp.shape[-1]), 0)
    last_defined = np.maximum.accumulate(idx, axis=-1)
    held = np.take_along_axis(raw, last_defined, axis=-1)
    step = np.diff(held, axis=-1)
    step -= TWO_PI * np.round(step / TWO_PI)
    return Decomposition(amp, step / (TWO_PI * delta_t), held[..., 0], delta_t)


def phase_from_frequency(frequency: Array, delta_t: float, initial_phase: Array | float = 0.0) -> Array:
    """Phase (..., N) [rad] from instantaneous frequency (..., N-1) [Hz] by cumulative sum."""
    if _is_torch(frequency):
        import torch

        inc = (TWO_PI * delta_t) * frequency
        zero = torch.zeros_like(inc[..., :1])
        phase = torch.cat([zero, torch.cumsum(inc, dim=-1)], dim=-1)
        init = torch.as_tensor(initial_phase, dtype=phase.dtype, device=phase.device)
        return phase + init.unsqueeze(-1) if init.ndim else phase + init
    inc = (TWO_PI * delta_t) * np.asarray(frequency)
    phase = np.concatenate([np.zeros_like(inc[..., :1]), np.cumsum(inc, axis=-1)], axis=-1)
    return phase + np.asarray(initial_phase)[..., None]


def reconstruct(
    amplitude: Array, frequency: Array, delta_t: float, initial_phase: Array | float = 0.0
) -> tuple[Array, Array]:
    """Exact inverse of :func:`decompose`: (h+, hx) = A (cos, sin)(phase), shapes (..., N)."""
    if amplitude.shape[-1] != frequency.shape[-1] + 1:
        raise ValueError(
            f"frequency must have one sample fewer than amplitude, got {amplitude.shape[-1]} and {frequency.shape[-1]}"
        )
    phase = phase_from_frequency(frequency, delta_t, initial_phase)
    if _is_torch(amplitude):
        import torch

        return amplitude * torch.cos(phase), amplitude * torch.sin(phase)
    return amplitude * np.cos(phase), amplitude * np.sin(phase)


@dataclass
class Normalised:
    """series: (..., N) standardised; mean, std: (...,) the keys of seed 000 eq. 2."""

    series: Array
    mean: Array
    std: Array


def normalise(series: Array, eps: float = 1e-12) -> Normalised:
    """Per-row standardisation (seed 000 eq. 2): (x - mean) / (std + eps * max|x|).

    ``eps`` (relative to each row's scale) keeps the division finite for a constant row; the
    keys (mean, std) are returned so :func:`denormalise` inverts it exactly.
    """
    if _is_torch(series):
        import torch

        mean = series.mean(dim=-1)
        std = series.std(dim=-1, unbiased=False) + eps * series.abs().amax(dim=-1)
        std = torch.where(std > 0, std, torch.ones_like(std))
    else:
        series = np.asarray(series)
        mean = series.mean(axis=-1)
        std = series.std(axis=-1) + eps * np.abs(series).max(axis=-1)
        std = np.where(std > 0, std, 1.0)
    return Normalised((series - mean[..., None]) / std[..., None], mean, std)


def denormalise(series: Array, mean: Array, std: Array) -> Array:
    """Inverse of :func:`normalise`: series * std + mean, keys broadcast over the last axis."""
    return series * std[..., None] + mean[..., None]
