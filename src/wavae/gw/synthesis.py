"""From geometric-unit series on a :class:`~wavae.gw.geometric.TimeGrid` to physical h+ and hx
sampled at ``delta_t`` for any total mass, distance, inclination and coa_phase.

Each output row is the window of ``n_samples`` that ends ``tau_end`` M after the amplitude
peak (where lalsimulation's output ends), so t_k = tau_end M - (n_samples - 1 - k) delta_t.
Sample times are placed on the grid with its closed-form inverse map and the series are
interpolated linearly between nodes; one gather fetches value and slope of amplitude and
phase together. Everything runs in float32 on the series' device except the per-row scalars.
"""

from __future__ import annotations

import torch

from wavae.gw.geometric import MRSUN_MPC, MTSUN_S, TimeGrid


def pack_nodes(amplitude: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """(B, G) amplitude and phase -> (B, G) complex128 view of float32 (value, slope) pairs,
    so one gather per sample returns all four numbers the linear interpolation needs."""
    a = amplitude.float()
    p = phase.float()
    da = torch.diff(a, dim=1, append=a[:, -1:])
    dp = torch.diff(p, dim=1, append=p[:, -1:])
    packed = torch.stack([a, da, p, dp], dim=2).contiguous()  # (B, G, 4) float32
    return packed.view(torch.complex128).squeeze(2)


def synthesise(
    nodes: torch.Tensor,
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

    nodes: (B, G) packed amplitude [M/D units] and phase [rad] (:func:`pack_nodes`); tau_end, total_mass [Msun], distance
    [Mpc], inclination and coa_phase [rad] are (B,) tensors or scalars.
    """
    dev = nodes.device
    b = nodes.shape[0]
    f64 = dict(dtype=torch.float64, device=dev)
    mass = torch.as_tensor(total_mass, **f64).reshape(-1, 1).expand(b, 1)
    step = delta_t / (mass * MTSUN_S)  # sample spacing in M, (B, 1)
    # x = tau_stop + offset - tau_k = x_last + (n - 1 - k) * step, with x_last = tau_stop + offset - tau_end
    x_last = (grid.tau_stop + grid.offset) - torch.as_tensor(tau_end, **f64).reshape(-1, 1)
    back = torch.arange(n_samples - 1, -1, -1, dtype=torch.float32, device=dev)
    x = torch.addcmul(x_last.float(), back.unsqueeze(0), step.float())  # (B, N)
    x.clamp_(min=0.0).sqrt_().sqrt_()
    pos = x.mul_(-1.0 / grid.du).add_(grid.u_first / grid.du)  # fractional node index
    pos.clamp_(0.0, grid.size - 1.0)
    idx = pos.long().clamp_(max=grid.size - 2)
    w = pos.sub_(idx)
    w.clamp_(max=1.0)
    node = torch.gather(nodes, 1, idx)  # (B, N) complex128
    node = torch.view_as_real(node).view(torch.float32).view(b, n_samples, 4)
    amp = torch.addcmul(node[..., 0], w, node[..., 1])
    ph = torch.addcmul(node[..., 2], w, node[..., 3])
    cos_i = torch.cos(torch.as_tensor(inclination, **f64)).reshape(-1, 1)
    scale = (mass * MRSUN_MPC / torch.as_tensor(distance, **f64).reshape(-1, 1)).expand(b, 1)
    two_phic = (2.0 * torch.as_tensor(coa_phase, **f64)).reshape(-1, 1).expand(b, 1).float()
    ph.add_(two_phic)
    hp = torch.cos(ph).mul_(amp).mul_((scale * (1.0 + cos_i**2) / 2.0).float())
    hc = torch.sin(ph).mul_(amp).mul_((scale * cos_i).float())
    return hp, hc


def peak_offset(tau_end: torch.Tensor, total_mass: torch.Tensor, n_samples: int, delta_t: float) -> torch.Tensor:
    """Time [s] of the first sample relative to the amplitude peak, (B,) float64."""
    return torch.as_tensor(tau_end, dtype=torch.float64) * torch.as_tensor(total_mass, dtype=torch.float64) * MTSUN_S - (n_samples - 1) * delta_t


__all__ = ["pack_nodes", "synthesise", "peak_offset"]
