"""From geometric-unit series on a :class:`~wavae.gw.geometric.TimeGrid` to physical h+ and hx
sampled at ``delta_t`` for any total mass, distance, inclination and coa_phase.

Each output row is the window of ``n_samples`` that ends ``tau_end`` M after the amplitude
peak (where lalsimulation's output ends), so t_k = tau_end M - (n_samples - 1 - k) delta_t.
Sample times are placed on the grid with its closed-form inverse map and the series are
interpolated linearly between nodes; a gather fetches amplitude and phase of a node together. Everything runs in float32 on the series' device except the per-row scalars.
"""

from __future__ import annotations

from typing import Any

import torch

from wavae.gw.geometric import MRSUN_MPC, MTSUN_S, TimeGrid


def pack_nodes(amplitude: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """(B, G) amplitude and phase -> (B, G, 2) float32 node values, interleaved so the two
    numbers of a node are adjacent in memory (one gather fetches both)."""
    return torch.stack([amplitude.float(), phase.float()], dim=2).contiguous()


def extrinsic_factors(
    total_mass: torch.Tensor | float,
    distance: torch.Tensor | float,
    inclination: torch.Tensor | float,
    coa_phase: torch.Tensor | float,
    batch: int,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-row (B,) float64 factors of the (2,2)-mode extrinsic map: amplitude scale of h+
    (G M / c^2 / D (1 + cos^2 i) / 2, in strain per unit A_hat), the ratio hx / h+ of the
    amplitudes (cos i / ((1 + cos^2 i) / 2)) and the phase shift 2 coa_phase."""
    f64 = dict(dtype=torch.float64, device=device)

    def col(v: torch.Tensor | float) -> torch.Tensor:
        return torch.as_tensor(v, **f64).reshape(-1).expand(batch)

    cos_i = torch.cos(col(inclination))
    plus = col(total_mass) * MRSUN_MPC / col(distance) * (1.0 + cos_i**2) / 2.0
    return plus, cos_i / ((1.0 + cos_i**2) / 2.0), 2.0 * col(coa_phase)


def node_positions(tau_end: torch.Tensor, total_mass: torch.Tensor, grid: TimeGrid, n_samples: int, delta_t: float) -> torch.Tensor:
    """Fractional node index (B, n_samples) float32 of every output sample, in [0, size - 1):
    sample k sits at tau_k = tau_end - (n_samples - 1 - k) delta_t / M. Samples after
    ``tau_stop`` land on the last node, where the amplitude is zero."""
    tau_end = torch.as_tensor(tau_end, dtype=torch.float64).reshape(-1, 1)
    dev = tau_end.device
    step = delta_t / (torch.as_tensor(total_mass, dtype=torch.float64, device=dev).reshape(-1, 1) * MTSUN_S)
    back = torch.arange(n_samples - 1, -1, -1, dtype=torch.float32, device=dev)
    tau = torch.addcmul(tau_end.float(), back.unsqueeze(0), step.float(), value=-1.0)  # (B, N) [M]
    return grid.position(tau).clamp_(0.0, grid.size - 1.001)


def render(values: torch.Tensor, positions: torch.Tensor, cross_ratio: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """h+, hx (B, N) float32 from node values (B, G, 2) whose amplitude is already the h+
    amplitude and whose phase includes 2 coa_phase, at fractional positions (B, N) < G - 1."""
    b, n = positions.shape
    idx = positions.long()
    w = positions - idx
    pairs = values.view(torch.complex64).squeeze(2)  # (B, G): (amplitude, phase) per node
    lo = torch.view_as_real(torch.gather(pairs, 1, idx))
    hi = torch.view_as_real(torch.gather(pairs, 1, idx + 1))
    both = torch.lerp(lo, hi, w.unsqueeze(2))
    amp, phase = both[..., 0], both[..., 1]
    hp = torch.cos(phase).mul_(amp)
    hc = torch.sin(phase).mul_(amp).mul_(cross_ratio.to(torch.float32).reshape(-1, 1))
    return hp, hc


def fused_kernel(values: torch.Tensor, x_last: torch.Tensor, step: torch.Tensor, back: torch.Tensor, first: float,
                 inv_du: float, last: float, cross_ratio: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`node_positions` and :func:`render` as one expression, written for
    ``torch.compile``, which fuses it into a single loop over the samples (~8x faster on a
    CPU than the eager path, same numbers to float32 rounding).

    values (B, G, 2) float32 (amplitude, phase); x_last, step, cross_ratio (B, 1)
    float32; back (1, N) = N-1 .. 0; first = u_first / du, inv_du = 1 / du, last = size - 1.001.
    """
    x = torch.clamp(x_last + back * step, min=0.0)
    pos = torch.clamp(first - torch.sqrt(torch.sqrt(x)) * inv_du, 0.0, last)
    idx = pos.long()
    w = pos - idx
    rows = torch.arange(values.shape[0], device=values.device).unsqueeze(1)
    lo = values[rows, idx]
    hi = values[rows, idx + 1]
    amp = lo[..., 0] + w * (hi[..., 0] - lo[..., 0])
    phase = lo[..., 1] + w * (hi[..., 1] - lo[..., 1])
    return torch.cos(phase) * amp, torch.sin(phase) * amp * cross_ratio


def kernel_arguments(tau_end: torch.Tensor, total_mass: torch.Tensor, grid: TimeGrid, n_samples: int, delta_t: float) -> dict[str, Any]:
    """The per-call scalars and (B, 1) columns :func:`fused_kernel` takes besides the nodes."""
    tau_end = torch.as_tensor(tau_end, dtype=torch.float64).reshape(-1, 1)
    dev = tau_end.device
    mass = torch.as_tensor(total_mass, dtype=torch.float64, device=dev).reshape(-1, 1)
    return {
        "x_last": ((grid.tau_stop + grid.offset) - tau_end).float(),
        "step": (delta_t / (mass * MTSUN_S)).float(),
        "back": torch.arange(n_samples - 1, -1, -1, dtype=torch.float32, device=dev).unsqueeze(0),
        "first": grid.u_first / grid.du,
        "inv_du": 1.0 / grid.du,
        "last": grid.size - 1.001,
    }


def synthesise(
    values: torch.Tensor,
    tau_end: torch.Tensor,
    total_mass: torch.Tensor,
    grid: TimeGrid,
    n_samples: int,
    delta_t: float,
    distance: torch.Tensor | float = 1.0,
    inclination: torch.Tensor | float = 0.0,
    coa_phase: torch.Tensor | float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """h+, hx (B, n_samples) float32.

    values: (B, G, 2) amplitude [M/D units] and phase [rad] (:func:`pack_nodes`); tau_end
    [M] and total_mass [Msun] (B,); distance [Mpc], inclination and coa_phase [rad]: (B,) or
    scalars. (The default model folds the extrinsic factors into its coefficients instead.)
    """
    b = values.shape[0]
    plus, cross_ratio, shift = extrinsic_factors(total_mass, distance, inclination, coa_phase, b, values.device)
    factor = torch.ones(b, 1, 2, dtype=torch.float32, device=values.device)
    factor[:, 0, 0] = plus.float()
    offset = torch.zeros_like(factor)
    offset[:, 0, 1] = shift.float()
    scaled = torch.addcmul(offset, values.float(), factor).contiguous()
    return render(scaled, node_positions(tau_end, total_mass, grid, n_samples, delta_t), cross_ratio)


def peak_offset(tau_end: torch.Tensor, total_mass: torch.Tensor, n_samples: int, delta_t: float) -> torch.Tensor:
    """Time [s] of the first sample relative to the amplitude peak, (B,) float64."""
    return torch.as_tensor(tau_end, dtype=torch.float64) * torch.as_tensor(total_mass, dtype=torch.float64) * MTSUN_S - (n_samples - 1) * delta_t


__all__ = ["extrinsic_factors", "fused_kernel", "kernel_arguments", "node_positions", "pack_nodes", "peak_offset", "render", "synthesise"]
