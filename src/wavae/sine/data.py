"""Synthetic sine waves (seed 001): ``amplitude * sin(2 pi f t + phase) + noise``."""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from torch.utils.data import Dataset

from wavae.sine.spec import SineSpec


def make_sines(
    phases: np.ndarray, spec: SineSpec, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Waves for the given phases (rad, shape ``(n,)``): float32 array ``(n, length)``.

    Noise (``spec.noise_std``) needs ``rng``.
    """
    phases = np.asarray(phases, dtype=np.float64)
    t = spec.times()
    waves = spec.amplitude * np.sin(2 * np.pi * spec.frequency * t[None, :] + phases[:, None])
    if spec.noise_std > 0:
        if rng is None:
            raise ValueError("rng: needed to add noise (noise_std > 0)")
        waves = waves + rng.normal(0.0, spec.noise_std, size=waves.shape)
    return waves.astype(np.float32)


class SineDataset(Dataset):
    """``n`` random sine waves held in memory (``n * length * 4`` bytes).

    Samples are ``{"x": float32 (length,), "phase": float32 ()}``; the phase (rad) is for
    analysis only, the VAE reads ``x``.
    """

    def __init__(self, n: int, spec: SineSpec = SineSpec(), seed: int = 0) -> None:
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n: must be an integer >= 1, got {n!r}")
        self.spec = spec
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.phases = rng.uniform(spec.phase_min, spec.phase_max, size=n)
        self.waves = torch.from_numpy(make_sines(self.phases, spec, rng))
        self._phase_t = torch.from_numpy(self.phases.astype(np.float32))

    def __len__(self) -> int:
        return self.waves.shape[0]

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.waves[i], "phase": self._phase_t[i]}

    def fingerprint(self) -> str:
        """sha256 of the waves' bytes: identifies the exact training data."""
        return hashlib.sha256(self.waves.numpy().tobytes()).hexdigest()
