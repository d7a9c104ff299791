"""Diagonal Gaussians: the reparameterisation trick and closed-form KL divergences.

All functions are batch-first: ``mean`` and ``logvar`` have shape ``(batch, latent)``;
KLs are summed over the latent axis and returned per sample, shape ``(batch,)``.
"""

from __future__ import annotations

import torch


def reparameterise(
    mean: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Draw ``z = mean + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)``; differentiable in both."""
    eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
    return mean + torch.exp(0.5 * logvar) * eps


def kl_normal(
    mean_q: torch.Tensor, logvar_q: torch.Tensor, mean_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    """KL(q || p) for diagonal Gaussians q = N(mean_q, exp(logvar_q)), p = N(mean_p, exp(logvar_p)).

    0.5 * sum[ logvar_p - logvar_q + (exp(logvar_q) + (mean_q - mean_p)^2) / exp(logvar_p) - 1 ]
    """
    return 0.5 * torch.sum(
        logvar_p - logvar_q + (torch.exp(logvar_q) + (mean_q - mean_p) ** 2) * torch.exp(-logvar_p) - 1.0,
        dim=-1,
    )


def kl_standard_normal(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, I)) = 0.5 * sum[ mean^2 + exp(logvar) - logvar - 1 ]."""
    return 0.5 * torch.sum(mean**2 + torch.exp(logvar) - logvar - 1.0, dim=-1)
