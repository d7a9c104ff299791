"""What a sine wave looks like (seed 001), and the sine VAE's default settings. Light: no torch.

The blog gives the amplitude (1), one frequency and a phase uniform in [-pi, pi]; it gives no
length, frequency, sample rate or noise level. wavae's defaults: 100 samples at 100 Hz (1 s),
2 Hz (two periods per wave), clean waves (noise_std = 0).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# The sine VAE's model and training defaults (see wavae.sine.model for the reasons).
DEFAULT_MODEL: dict[str, Any] = {
    "latent_dim": 1,
    "hidden": (256, 128, 64),
    "beta": 1.0,
    "sigma": 1.0,
    "learn_sigma": False,
    "activation": "leaky_relu",
}
DEFAULT_TRAIN: dict[str, Any] = {
    "epochs": 25,
    "batch_size": 50,
    "lr": 1e-3,
    "lr_step_epochs": 10,
    "lr_gamma": 0.5,
    "num_threads": 1,
}


@dataclass(frozen=True)
class SineSpec:
    """What a sine wave looks like.

    length: samples per wave; sample_rate: Hz; frequency: Hz (below Nyquist);
    amplitude: in signal units; noise_std: standard deviation of white Gaussian noise added to
    each sample, signal units; phase_min, phase_max: the phase is uniform in this range, rad.
    """

    length: int = 100
    sample_rate: float = 100.0
    frequency: float = 2.0
    amplitude: float = 1.0
    noise_std: float = 0.0
    phase_min: float = -math.pi
    phase_max: float = math.pi

    def __post_init__(self) -> None:
        if not isinstance(self.length, int) or self.length < 4:
            raise ValueError(f"length: must be an integer >= 4, got {self.length!r}")
        if not self.sample_rate > 0:
            raise ValueError(f"sample_rate: must be > 0 Hz, got {self.sample_rate}")
        if not 0 < self.frequency < self.sample_rate / 2:
            raise ValueError(
                f"frequency: must be in (0, sample_rate/2 = {self.sample_rate / 2:g}) Hz, got {self.frequency}"
            )
        if not self.amplitude > 0:
            raise ValueError(f"amplitude: must be > 0, got {self.amplitude}")
        if not self.noise_std >= 0:
            raise ValueError(f"noise_std: must be >= 0, got {self.noise_std}")
        if not (-2 * math.pi <= self.phase_min <= self.phase_max <= 2 * math.pi):
            raise ValueError(
                f"phase_min, phase_max: need -2pi <= phase_min <= phase_max <= 2pi, got {self.phase_min}, {self.phase_max}"
            )

    @property
    def duration(self) -> float:
        """Seconds per wave."""
        return self.length / self.sample_rate

    def times(self) -> np.ndarray:
        """Sample times ``n / sample_rate``, seconds, shape ``(length,)``, float64."""
        return np.arange(self.length, dtype=np.float64) / self.sample_rate

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "SineSpec":
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in fields})
