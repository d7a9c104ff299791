"""The plain VAE and the beta-VAE (Kingma & Welling; Higgins et al.), domain-free.

An MLP encoder gives the mean and log-variance of a diagonal Gaussian posterior q(z|x); a
sample drawn by reparameterisation goes through an MLP decoder that gives the mean of a
Gaussian likelihood p(x|z) = N(decoder(z), sigma^2 I). The loss is the negative ELBO per
sample, with the KL weighted by ``beta`` (beta = 1: VAE; beta != 1: beta-VAE):

    loss = recon + beta * KL(q(z|x) || N(0, I))
    recon = 0.5 * sum_i [ (x_i - xhat_i)^2 / sigma^2 + log(2 pi sigma^2) ]    (nats)

Signals are float32, batch first: ``x`` has shape ``(batch, input_dim)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from wavae.nn.base import Batch, GenerativeModel, ModelOutput, register_model
from wavae.nn.gaussian import kl_standard_normal, reparameterise

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
}


@dataclass
class VAEConfig:
    """Architecture and objective of :class:`VAE`.

    input_dim: number of values per sample (e.g. time samples of a wave).
    latent_dim: dimension of z.
    hidden: widths of the encoder's hidden layers; the decoder mirrors them.
    beta: weight of the KL term (1 = VAE).
    sigma: standard deviation of the Gaussian likelihood, in the units of ``x``; with
        ``learn_sigma`` it is the initial value of a learned scalar (sigma-VAE), kept >= min_sigma.
    activation: one of relu, leaky_relu, elu, gelu, silu, tanh.
    """

    input_dim: int = 100
    latent_dim: int = 8
    hidden: tuple[int, ...] = (128, 64)
    beta: float = 1.0
    sigma: float = 0.1
    learn_sigma: bool = False
    min_sigma: float = 1e-3
    activation: str = "silu"

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        if self.input_dim < 1:
            raise ValueError(f"input_dim: must be >= 1, got {self.input_dim}")
        if self.latent_dim < 1:
            raise ValueError(f"latent_dim: must be >= 1, got {self.latent_dim}")
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden: layer widths must be >= 1, got {list(self.hidden)}")
        if not self.beta >= 0:
            raise ValueError(f"beta: must be >= 0, got {self.beta}")
        if not self.min_sigma > 0:
            raise ValueError(f"min_sigma: must be > 0, got {self.min_sigma}")
        if not self.sigma >= self.min_sigma:
            raise ValueError(f"sigma: must be >= min_sigma ({self.min_sigma}), got {self.sigma}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation: must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}")


def mlp(sizes: list[int], activation: str) -> nn.Sequential:
    """Linear layers of the given widths with ``activation`` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


@register_model
class VAE(GenerativeModel):
    """Plain VAE with a Gaussian likelihood; a beta-VAE when ``config.beta != 1``."""

    name: ClassVar[str] = "vae"
    config_class: ClassVar[type] = VAEConfig

    def __init__(self, config: VAEConfig) -> None:
        super().__init__(config)
        c = config
        self.encoder = mlp([c.input_dim, *c.hidden, 2 * c.latent_dim], c.activation)
        self.decoder = mlp([c.latent_dim, *reversed(c.hidden), c.input_dim], c.activation)
        log_sigma = torch.tensor(math.log(c.sigma), dtype=torch.float32)
        if c.learn_sigma:
            self.log_sigma = nn.Parameter(log_sigma)
        else:
            self.register_buffer("log_sigma", log_sigma)

    @property
    def sigma(self) -> torch.Tensor:
        """Likelihood standard deviation (scalar tensor)."""
        return torch.exp(self.log_sigma.clamp(min=math.log(self.config.min_sigma)))

    def _flat(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.config.input_dim:
            raise ValueError(
                f"x: expected shape (batch, {self.config.input_dim}), got {tuple(x.shape)}"
            )
        return x.reshape(x.shape[0], -1)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior parameters: ``(mean, logvar)``, each ``(batch, latent_dim)``."""
        h = self.encoder(self._flat(x))
        mean, logvar = h.chunk(2, dim=-1)
        return mean, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Likelihood mean ``(batch, input_dim)`` for latents ``z`` of shape ``(batch, latent_dim)``."""
        if z.ndim != 2 or z.shape[1] != self.config.latent_dim:
            raise ValueError(f"z: expected shape (batch, {self.config.latent_dim}), got {tuple(z.shape)}")
        return self.decoder(z)

    def prior_sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` latents from N(0, I), shape ``(n, latent_dim)``, on the model's device."""
        if n < 0:
            raise ValueError(f"n: must be >= 0, got {n}")
        device = self.log_sigma.device
        gen_device = generator.device if generator is not None else device
        z = torch.randn((n, self.config.latent_dim), generator=generator, device=gen_device)
        return z.to(device)

    @torch.no_grad()
    def sample(
        self, n: int, conditions: Batch | None = None, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``n`` signals from the prior: decoder means, shape ``(n, input_dim)``."""
        if conditions is not None:
            raise ValueError("conditions: the plain VAE is unconditional; pass conditions=None")
        return self.decode(self.prior_sample(n, generator))

    def forward(self, batch: Batch) -> ModelOutput:
        """Negative ELBO (beta-weighted KL) of ``batch["x"]`` of shape ``(batch, input_dim)``."""
        if "x" not in batch:
            raise KeyError(f"batch: the VAE needs key 'x'; got keys {sorted(batch)}")
        x = self._flat(batch["x"])
        mean, logvar = self.encode(x)
        z = reparameterise(mean, logvar)
        xhat = self.decode(z)
        log_sigma = self.log_sigma.clamp(min=math.log(self.config.min_sigma))
        sq = (x - xhat) ** 2
        recon = 0.5 * (sq * torch.exp(-2.0 * log_sigma) + 2.0 * log_sigma + math.log(2 * math.pi)).sum(-1)
        kl = kl_standard_normal(mean, logvar)
        loss = (recon + self.config.beta * kl).mean()
        metrics = {
            "recon": recon.mean().detach(),
            "kl": kl.mean().detach(),
            "elbo": -(recon + kl).mean().detach(),
            "mse": sq.mean().detach(),
        }
        if self.config.learn_sigma:
            metrics["sigma"] = torch.exp(log_sigma).detach()
        return ModelOutput(loss=loss, metrics=metrics, outputs={"xhat": xhat, "mean": mean, "logvar": logvar, "z": z})


@dataclass
class BetaVAEConfig(VAEConfig):
    """:class:`VAEConfig` with a beta-VAE default weight on the KL (beta = 4)."""

    beta: float = 4.0


@register_model
class BetaVAE(VAE):
    """The beta-VAE: the same model as :class:`VAE`, registered with a beta = 4 default."""

    name: ClassVar[str] = "beta_vae"
    config_class: ClassVar[type] = BetaVAEConfig


__all__ = ["VAE", "VAEConfig", "BetaVAE", "BetaVAEConfig", "mlp"]
