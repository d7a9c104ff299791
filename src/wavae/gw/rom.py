"""The geometric reduced-order model (``geometric_rom``): the default surrogate.

Pipeline, all in geometric units (see :mod:`wavae.gw.geometric`):

    (q, spin1z, spin2z) -> Chebyshev features (T,) -> coefficients (K_a + K_p + 1,)
        -> amplitude / eta and phase on the time grid via weighted SVD bases, tau_end
        -> h+, hx for any total mass, distance, inclination, coa_phase (:mod:`wavae.gw.synthesis`).

The map from parameters to coefficients is linear in fixed features (tensor Chebyshev
polynomials of total degree <= ``degree`` in x = (2 ln q / ln q_max - 1, spin1z / s, spin2z / s)),
fitted by exact least squares with the mismatch weights of :mod:`wavae.gw.reduced_basis`.
The decoder (SVD bases) is linear and deterministic: SEOBNRv4 is a deterministic function of
its parameters, so a latent draw can only add error (docs/results/default_model/ measures it).

The bases are stored "packed": for each node the value and the slope to the next node of
amplitude and phase, so one matrix product gives everything linear interpolation needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
import numpy as np
import torch

from wavae.gw.geometric import TimeGrid
from wavae.nn.base import GenerativeModel, register_model


def feature_indices(degree: int) -> np.ndarray:
    """(T, 3) exponents (i, j, k) with i + j + k <= degree, in a fixed order."""
    return np.array([(i, j, k) for i in range(degree + 1) for j in range(degree + 1 - i) for k in range(degree + 1 - i - j)], dtype=np.int64)


def chebyshev_features(x: torch.Tensor, indices: torch.Tensor, degree: int) -> torch.Tensor:
    """x (B, 3) in [-1, 1] -> (B, T) products T_i(x0) T_j(x1) T_k(x2)."""
    polys = [torch.ones_like(x), x]
    for _ in range(2, degree + 1):
        polys.append(2.0 * x * polys[-1] - polys[-2])
    width = degree + 1
    # rows (d, k) of a (3 (degree + 1), B) table: selecting whole rows is a contiguous copy
    table = torch.stack(polys[:width], dim=0).permute(2, 0, 1).reshape(3 * width, x.shape[0])
    pick = [table.index_select(0, indices[:, d] + d * width) for d in range(3)]
    return (pick[0] * pick[1] * pick[2]).t()


@dataclass
class RomConfig:
    """Shapes and domain of a geometric ROM (JSON-serialisable)."""

    grid: dict[str, float] = field(default_factory=lambda: TimeGrid().to_dict())
    degree: int = 16
    n_amplitude: int = 16
    n_phase: int = 24
    mass_ratio: tuple[float, float] = (1.0, 10.0)
    spin1z: tuple[float, float] = (-0.99, 0.99)
    spin2z: tuple[float, float] = (-0.99, 0.99)

    @property
    def n_outputs(self) -> int:
        return self.n_amplitude + self.n_phase + 1

    @property
    def time_grid(self) -> TimeGrid:
        return TimeGrid(**self.grid)


@register_model
class GeometricROM(GenerativeModel):
    """Buffers: ``poly`` (T, K+1) float64 coefficients of the standardised outputs,
    ``out_mean``/``out_std`` (K+1,), ``packed`` (K_a + K_p + 3, 2 G) float32 bases (rows: amplitude
    components, phase components, amplitude mean, phase mean, a constant phase; columns: per
    node amplitude, phase).

    Fitted by exact least squares (:mod:`wavae.gw.rom_fit`), not by the Trainer, so it has
    no ``forward`` loss; its buffers go through the same safetensors + JSON checkpoint."""

    name = "geometric_rom"
    config_class = RomConfig

    def __init__(self, config: RomConfig) -> None:
        super().__init__(config)
        idx = feature_indices(config.degree)
        g = config.time_grid.size
        self.register_buffer("indices", torch.as_tensor(idx))
        self.register_buffer("poly", torch.zeros(len(idx), config.n_outputs, dtype=torch.float64))
        self.register_buffer("out_mean", torch.zeros(config.n_outputs, dtype=torch.float64))
        self.register_buffer("out_std", torch.ones(config.n_outputs, dtype=torch.float64))
        self.register_buffer("packed", torch.zeros(config.n_amplitude + config.n_phase + 3, 2 * g))

    def scaled_inputs(self, mass_ratio: torch.Tensor, spin1z: torch.Tensor, spin2z: torch.Tensor) -> torch.Tensor:
        """(B,) each -> (B, 3) float64 in [-1, 1] over the trained box."""
        c = self.config
        lq = torch.log(mass_ratio / c.mass_ratio[0]) / math.log(c.mass_ratio[1] / c.mass_ratio[0])
        cols = [2.0 * lq - 1.0]
        for v, (lo, hi) in ((spin1z, c.spin1z), (spin2z, c.spin2z)):
            cols.append((2.0 * v - (lo + hi)) / (hi - lo))
        return torch.stack(cols, dim=1).to(torch.float64)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return chebyshev_features(x, self.indices, self.config.degree)

    def coefficients(self, mass_ratio: torch.Tensor, spin1z: torch.Tensor, spin2z: torch.Tensor) -> torch.Tensor:
        """(B, K_a + K_p + 1) float64: amplitude and phase coefficients, then tau_end [M]."""
        x = self.scaled_inputs(mass_ratio, spin1z, spin2z)
        return (self.features(x) @ self.poly) * self.out_std + self.out_mean

    def nodes(
        self,
        mass_ratio: torch.Tensor,
        spin1z: torch.Tensor,
        spin2z: torch.Tensor,
        amplitude_scale: torch.Tensor | None = None,
        phase_shift: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Node values (B, G, 2) float32, (amplitude, phase) per node (the layout of
        :func:`wavae.gw.synthesis.pack_nodes`), and tau_end (B,) [M]. ``amplitude_scale`` (B,) multiplies the amplitude and ``phase_shift``
        (B,) [rad] is added to the phase, both folded into the coefficients for free."""
        c = self.config
        coef = self.coefficients(mass_ratio, spin1z, spin2z)
        eta = (mass_ratio / (1.0 + mass_ratio) ** 2).unsqueeze(1)
        if amplitude_scale is not None:
            eta = eta * amplitude_scale.reshape(-1, 1)
        ka, kp = c.n_amplitude, c.n_phase
        ones = torch.ones_like(eta)
        shift = torch.zeros_like(eta) if phase_shift is None else phase_shift.reshape(-1, 1).to(eta.dtype).expand_as(eta)
        weights = torch.cat([coef[:, :ka] * eta, coef[:, ka : ka + kp], eta, ones, shift], dim=1).to(self.packed.dtype)
        flat = weights @ self.packed  # (B, 2 G)
        return flat.view(flat.shape[0], -1, 2), coef[:, -1]

    def load_fit(self, poly: np.ndarray, out_mean: np.ndarray, out_std: np.ndarray, packed: np.ndarray) -> None:
        """Install fitted arrays (shapes as the buffers)."""
        for name, value in (("poly", poly), ("out_mean", out_mean), ("out_std", out_std), ("packed", packed)):
            buf = getattr(self, name)
            if tuple(value.shape) != tuple(buf.shape):
                raise ValueError(f"{name}: expected shape {tuple(buf.shape)}, got {tuple(value.shape)}")
            buf.copy_(torch.as_tensor(value, dtype=buf.dtype))


def packed_bases(amplitude_basis: np.ndarray, phase_basis: np.ndarray, amplitude_mean: np.ndarray, phase_mean: np.ndarray) -> np.ndarray:
    """(K_a, G), (K_p, G), (G,), (G,) -> (K_a + K_p + 3, 2 G) float32, (amplitude, phase)
    interleaved per node; the last row is a constant phase of 1 rad (it carries 2 coa_phase)."""
    ka, g = amplitude_basis.shape
    kp = phase_basis.shape[0]
    out = np.zeros((ka + kp + 3, g, 2))
    out[:ka, :, 0] = amplitude_basis
    out[ka : ka + kp, :, 1] = phase_basis
    out[ka + kp, :, 0] = amplitude_mean
    out[ka + kp + 1, :, 1] = phase_mean
    out[ka + kp + 2, :, 1] = 1.0
    return out.reshape(ka + kp + 3, 2 * g).astype(np.float32)


__all__ = ["GeometricROM", "RomConfig", "chebyshev_features", "feature_indices", "packed_bases"]
