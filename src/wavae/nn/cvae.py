"""The 2C2E1D conditional (variational) auto-encoder: two conditionals, two encoders, one decoder.

Domain-free: the model sees three batched float32 tensors,

- ``x``      ``(batch, x_dim)``     the normalised series to reconstruct (for waveforms: the
  normalised amplitude series concatenated with the normalised frequency series);
- ``keys``   ``(batch, key_dim)``   the normalisation factors of ``x`` (already standardised);
- ``labels`` ``(batch, label_dim)`` the conditioning parameters (already scaled).

Training (``forward``) runs both encoders, both conditionals and the decoder; generation
(``generate``) drops the encoders: latents come from the conditional priors and the decoder
returns ``(x_hat, keys_hat)``, so the caller can de-normalise ``x_hat`` with ``keys_hat``.

Blocks (widths of Table 1 by default; ``in`` and ``out`` set by the data and latent sizes)::

    XEncoder       x (+labels)    -> Linear(in,500)+ReLU, Linear(500,500)+ReLU, Linear(500,2*8)
    KeyEncoder     keys (+labels) -> Linear(in,500)+ReLU, Linear(500,500)+ReLU, Linear(500,2*3)
    XConditional   labels         -> Linear(in,500)+ReLU, 2 x [Linear(500,500)+ReLU], Linear(500,2*8)
    KeyConditional labels         -> Linear(in,500)+ReLU, 2 x [Linear(500,500)+ReLU], Linear(500,2*3)
    Decoder        [z_x, z_key, labels] -> Linear(in,800)+ReLU, Linear(800,800)+ReLU,
                                           Linear(800, x_dim + key_dim)

Each encoder / conditional head gives the mean and log-variance of a diagonal Gaussian
(only the mean in the deterministic CAE variant, ``variational=False``).

Objective (Appendix A, eq. 13-17). With posteriors q_x = q(z_x | x, c), q_k = q(z_k | keys, c),
conditional priors p_x = p(z_x | c), p_k = p(z_k | c), N = N(0, I) and per-element means for
the MSEs::

    recon = MSE(x_hat, x) + key_loss_weight * MSE(keys_hat, keys)
    KL    = [KL(q_x||p_x) + KL(p_x||q_x)] + [KL(q_k||p_k) + KL(p_k||q_k)]      (2 symmetric terms)
          + KL(q_x||N) + KL(p_x||N) + KL(q_k||N) + KL(p_k||N)                  (4 "prior" terms)
    loss  = recon + kl_weight * KL

Each KL is the closed form of eq. 15, summed over latent dimensions and averaged over the
batch. The extracted text of eq. 17 lost its symbols; the reading above counts the two
conditionals as (conditional) encoders, so "encoder-encoder symmetric" pairs each encoder with
its conditional and "encoder-prior" sets each of the four networks against N(0, I), the case the
text singles out right before eq. 16. The term set is ``config.kl_terms``: the other common
reading (four directed encoder-conditional terms only) is :data:`KL_TERMS_ENCODER_PRIOR`.

The CAE (``variational=False``) has deterministic latents (the means), no KL (``kl`` = 0), and
trains the conditionals by the unit-variance limit of the symmetric terms,
``latent_gap = ||z_x - m_x||^2 + ||z_k - m_k||^2`` (sum over latents, batch mean; z from the
encoders, m from the conditionals), weighted by ``kl_weight``.

Models run in float32; the KLs are computed in the model's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from wavae.nn.base import Batch, GenerativeModel, ModelOutput, register_model
from wavae.nn.gaussian import kl_normal, kl_standard_normal, reparameterise

__all__ = [
    "KL_TERMS",
    "KL_TERMS_DEFAULT",
    "KL_TERMS_ENCODER_PRIOR",
    "CAE2C2E1D",
    "CAE2C2E1DConfig",
    "CVAE2C2E1D",
    "CVAE2C2E1DConfig",
    "Decoder",
    "KeyConditional",
    "KeyEncoder",
    "Latents",
    "XConditional",
    "XEncoder",
]

KL_TERMS: tuple[str, ...] = (
    "q_x||p_x",
    "p_x||q_x",
    "q_key||p_key",
    "p_key||q_key",
    "q_x||N",
    "p_x||N",
    "q_key||N",
    "p_key||N",
)
"""Every directed KL term the objective may contain (q: encoder posterior, p: conditional
prior, N: standard normal)."""

KL_TERMS_DEFAULT: tuple[str, ...] = KL_TERMS
"""Two symmetric encoder-conditional terms plus four network-vs-N(0, I) terms (the default)."""

KL_TERMS_ENCODER_PRIOR: tuple[str, ...] = KL_TERMS[:4]
"""Only the four directed encoder-conditional terms (an alternative reading of eq. 17)."""

EncoderLabels = Literal["hidden", "input", "none"]
DecoderInput = Literal["sample", "mean"]
FinalActivation = Literal["none", "relu"]


def _latent_of(term: str) -> str:
    """The latent ("x" or "key") that a term name of :data:`KL_TERMS` refers to."""
    return term.split("||")[0].split("_", 1)[1]


def _check_choice(name: str, value: object, choices: Sequence[object]) -> None:
    if value not in choices:
        raise ValueError(f"{name}: must be one of {list(choices)}, got {value!r}")


@dataclass
class CVAE2C2E1DConfig:
    """Configuration of :class:`CVAE2C2E1D` (defaults: seed 000, Table 1 and Appendix A).

    x_dim: length of the series ``x`` (required; 8192 + 8191 for amplitude + frequency).
    key_dim: number of keys (normalisation factors), 4 = mean and std of two series.
    label_dim: number of conditioning labels, 4 = (m1, m2, chi1z, chi2z) for waveforms.
    hidden: width of the encoders and conditionals (500).
    decoder_hidden: width of the decoder (800).
    encoder_layers: Linear layers per encoder, head included (3).
    conditional_layers: Linear layers per conditional, head included (4).
    decoder_layers: Linear layers in the decoder, output included (3).
    x_latent, key_latent: latent sizes of the series and of the keys (8 and 3).
    variational: True for the CVAE; False for the deterministic CAE (latents = means, no KL).
    kl_weight: weight of the KL regulariser (0.1: the text's "10 % weight"); in the CAE the
        weight of the latent-matching term.
    key_loss_weight: weight of MSE(keys_hat, keys) against MSE(x_hat, x) (1.0). Appendix A
        names only the series MSE, but the keys must be learnt for de-normalisation; both MSEs
        are per-element means, so 1.0 weighs the 4 keys as much as the whole series.
    kl_terms: directed KL terms summed in the regulariser, names from :data:`KL_TERMS`.
    encoder_labels: where the encoders receive the labels. "hidden" (default) concatenates
        them to the last hidden layer, right before the mean/log-variance head (Table 1:
        "labels concatenated to CNN output"), so 4 labels are not diluted among ~16k inputs;
        "input" concatenates them to the encoder input; "none" leaves them out.
    decoder_input: latent fed to the decoder in training: "sample" (reparameterised draw from
        the posterior, the paper's main choice) or "mean" (posterior mean, tried in Appendix A
        with the same result).
    eval_decoder_input: the same in eval mode ("mean" makes validation losses deterministic).
    final_activation: activation after the last layer of every block. Table 1 lists ReLU there,
        but a ReLU output cannot give negative standardised values nor negative means or
        log-variances, so the default is "none"; "relu" reproduces the table literally.
    """

    x_dim: int
    key_dim: int = 4
    label_dim: int = 4
    hidden: int = 500
    decoder_hidden: int = 800
    encoder_layers: int = 3
    conditional_layers: int = 4
    decoder_layers: int = 3
    x_latent: int = 8
    key_latent: int = 3
    variational: bool = True
    kl_weight: float = 0.1
    key_loss_weight: float = 1.0
    kl_terms: tuple[str, ...] = field(default_factory=lambda: KL_TERMS_DEFAULT)
    encoder_labels: EncoderLabels = "hidden"
    decoder_input: DecoderInput = "sample"
    eval_decoder_input: DecoderInput = "mean"
    final_activation: FinalActivation = "none"

    def __post_init__(self) -> None:
        for name in (
            "x_dim",
            "key_dim",
            "label_dim",
            "hidden",
            "decoder_hidden",
            "encoder_layers",
            "conditional_layers",
            "decoder_layers",
            "x_latent",
            "key_latent",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}: must be a positive integer, got {value!r}")
        if not isinstance(self.variational, bool):
            raise ValueError(f"variational: must be a bool, got {self.variational!r}")
        for name in ("kl_weight", "key_loss_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name}: must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}: must be finite and >= 0, got {value!r}")
            setattr(self, name, float(value))
        if isinstance(self.kl_terms, str) or not isinstance(self.kl_terms, Sequence):
            raise ValueError(f"kl_terms: must be a list of names from {list(KL_TERMS)}")
        terms = tuple(self.kl_terms)
        unknown = [t for t in terms if t not in KL_TERMS]
        if unknown:
            raise ValueError(f"kl_terms: unknown term(s) {unknown}; valid: {list(KL_TERMS)}")
        if len(set(terms)) != len(terms):
            raise ValueError(f"kl_terms: duplicate terms in {list(terms)}")
        self.kl_terms = terms
        _check_choice("encoder_labels", self.encoder_labels, ("hidden", "input", "none"))
        _check_choice("decoder_input", self.decoder_input, ("sample", "mean"))
        _check_choice("eval_decoder_input", self.eval_decoder_input, ("sample", "mean"))
        _check_choice("final_activation", self.final_activation, ("none", "relu"))


@dataclass
class CAE2C2E1DConfig(CVAE2C2E1DConfig):
    """Configuration of :class:`CAE2C2E1D`: the same fields, ``variational=False`` by default."""

    variational: bool = False


class Latents(NamedTuple):
    """Gaussian parameters of the two latents, each ``(batch, latent)``.

    The log-variances are None in the deterministic variant (``variational=False``).
    """

    x_mean: torch.Tensor
    x_logvar: torch.Tensor | None
    key_mean: torch.Tensor
    key_logvar: torch.Tensor | None


def _mlp(in_dim: int, width: int, out_dim: int, n_layers: int, final_relu: bool) -> nn.Sequential:
    """``n_layers`` Linear layers ``in -> width -> ... -> out`` with ReLU between them."""
    dims = [in_dim] + [width] * (n_layers - 1) + [out_dim]
    layers: list[nn.Module] = []
    for i in range(n_layers):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < n_layers - 1 or final_relu:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class _GaussianBlock(nn.Module):
    """MLP giving ``(mean, logvar)`` of a diagonal Gaussian, each ``(batch, latent)``.

    ``head_extra`` features (e.g. labels) are concatenated to the last hidden layer, before the
    head. ``logvar`` is None when ``variational`` is False (the head then gives the mean only).
    """

    def __init__(
        self,
        in_dim: int,
        width: int,
        n_layers: int,
        latent: int,
        *,
        head_extra: int = 0,
        variational: bool = True,
        final_relu: bool = False,
    ) -> None:
        super().__init__()
        self.latent = latent
        self.variational = variational
        out = 2 * latent if variational else latent
        if n_layers == 1:
            self.body: nn.Module = nn.Identity()
            head_in = in_dim + head_extra
        else:
            self.body = _mlp(in_dim, width, width, n_layers - 1, final_relu=True)
            head_in = width + head_extra
        head: list[nn.Module] = [nn.Linear(head_in, out)]
        if final_relu:
            head.append(nn.ReLU())
        self.head = nn.Sequential(*head)

    def _run(
        self, inputs: torch.Tensor, head_extra: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.body(inputs)
        if head_extra is not None:
            h = torch.cat([h, head_extra], dim=-1)
        out = self.head(h)
        if not self.variational:
            return out, None
        mean, logvar = out.split(self.latent, dim=-1)
        return mean, logvar


class _Encoder(_GaussianBlock):
    """q(z | data, labels): ``(batch, data_dim)``, ``(batch, label_dim)`` -> mean, logvar."""

    def __init__(
        self,
        data_dim: int,
        label_dim: int,
        width: int,
        n_layers: int,
        latent: int,
        *,
        labels_at: EncoderLabels = "hidden",
        variational: bool = True,
        final_relu: bool = False,
    ) -> None:
        self.labels_at = labels_at
        super().__init__(
            data_dim + (label_dim if labels_at == "input" else 0),
            width,
            n_layers,
            latent,
            head_extra=label_dim if labels_at == "hidden" else 0,
            variational=variational,
            final_relu=final_relu,
        )

    def forward(
        self, data: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.labels_at == "input":
            return self._run(torch.cat([data, labels], dim=-1))
        if self.labels_at == "hidden":
            return self._run(data, labels)
        return self._run(data)


class XEncoder(_Encoder):
    """Posterior of the series latent: ``x (batch, x_dim), labels`` -> ``(batch, x_latent)`` x2."""


class KeyEncoder(_Encoder):
    """Posterior of the key latent: ``keys (batch, key_dim), labels`` -> ``(batch, key_latent)`` x2."""


class _Conditional(_GaussianBlock):
    """Conditional prior p(z | labels): ``(batch, label_dim)`` -> mean, logvar ``(batch, latent)``."""

    def forward(self, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self._run(labels)


class XConditional(_Conditional):
    """Conditional prior of the series latent: ``labels`` -> ``(batch, x_latent)`` x2."""


class KeyConditional(_Conditional):
    """Conditional prior of the key latent: ``labels`` -> ``(batch, key_latent)`` x2."""


class Decoder(nn.Module):
    """``[z_x, z_key, labels]`` -> ``(x_hat (batch, x_dim), keys_hat (batch, key_dim))``."""

    def __init__(
        self,
        x_latent: int,
        key_latent: int,
        label_dim: int,
        width: int,
        n_layers: int,
        x_dim: int,
        key_dim: int,
        *,
        final_relu: bool = False,
    ) -> None:
        super().__init__()
        self.x_dim = x_dim
        self.key_dim = key_dim
        self.net = _mlp(x_latent + key_latent + label_dim, width, x_dim + key_dim, n_layers, final_relu)

    def forward(
        self, z_x: torch.Tensor, z_key: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(torch.cat([z_x, z_key, labels], dim=-1))
        x_hat, keys_hat = out.split([self.x_dim, self.key_dim], dim=-1)
        return x_hat, keys_hat


@register_model
class CVAE2C2E1D(GenerativeModel):
    """2-conditional, 2-encoder, 1-decoder conditional VAE (seed 000, Table 1, Appendix A).

    See the module docstring for the blocks and the objective. Batch keys: ``x``
    ``(batch, x_dim)``, ``keys`` ``(batch, key_dim)``, ``labels`` ``(batch, label_dim)``.
    """

    name: ClassVar[str] = "cvae2c2e1d"
    config_class: ClassVar[type] = CVAE2C2E1DConfig
    config: CVAE2C2E1DConfig

    def __init__(self, config: CVAE2C2E1DConfig) -> None:
        super().__init__(config)
        c = config
        relu = c.final_activation == "relu"
        enc = dict(labels_at=c.encoder_labels, variational=c.variational, final_relu=relu)
        cond = dict(variational=c.variational, final_relu=relu)
        self.x_encoder = XEncoder(c.x_dim, c.label_dim, c.hidden, c.encoder_layers, c.x_latent, **enc)
        self.key_encoder = KeyEncoder(
            c.key_dim, c.label_dim, c.hidden, c.encoder_layers, c.key_latent, **enc
        )
        self.x_conditional = XConditional(c.label_dim, c.hidden, c.conditional_layers, c.x_latent, **cond)
        self.key_conditional = KeyConditional(
            c.label_dim, c.hidden, c.conditional_layers, c.key_latent, **cond
        )
        self.decoder = Decoder(
            c.x_latent,
            c.key_latent,
            c.label_dim,
            c.decoder_hidden,
            c.decoder_layers,
            c.x_dim,
            c.key_dim,
            final_relu=relu,
        )

    # -- helpers ---------------------------------------------------------------------------
    def _dtype(self) -> torch.dtype:
        return self.decoder.net[0].weight.dtype

    def _check(self, tensor: torch.Tensor, name: str, width: int) -> torch.Tensor:
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{name}: expected a torch.Tensor, got {type(tensor).__name__}")
        if tensor.ndim != 2 or tensor.shape[-1] != width:
            raise ValueError(f"{name}: expected shape (batch, {width}), got {tuple(tensor.shape)}")
        return tensor.to(dtype=self._dtype())

    def _check_batch(self, **tensors: torch.Tensor) -> None:
        sizes = {name: t.shape[0] for name, t in tensors.items()}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"batch sizes differ: {sizes}")

    # -- public API ------------------------------------------------------------------------
    def encode(self, x: torch.Tensor, keys: torch.Tensor, labels: torch.Tensor) -> Latents:
        """Posterior parameters q(z_x | x, labels), q(z_key | keys, labels)."""
        c = self.config
        x = self._check(x, "x", c.x_dim)
        keys = self._check(keys, "keys", c.key_dim)
        labels = self._check(labels, "labels", c.label_dim)
        self._check_batch(x=x, keys=keys, labels=labels)
        x_mean, x_logvar = self.x_encoder(x, labels)
        key_mean, key_logvar = self.key_encoder(keys, labels)
        return Latents(x_mean, x_logvar, key_mean, key_logvar)

    def prior(self, labels: torch.Tensor) -> Latents:
        """Conditional prior parameters p(z_x | labels), p(z_key | labels)."""
        labels = self._check(labels, "labels", self.config.label_dim)
        x_mean, x_logvar = self.x_conditional(labels)
        key_mean, key_logvar = self.key_conditional(labels)
        return Latents(x_mean, x_logvar, key_mean, key_logvar)

    def decode(
        self, z_x: torch.Tensor, z_key: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``z_x (batch, x_latent), z_key (batch, key_latent), labels`` -> ``(x_hat, keys_hat)``."""
        c = self.config
        z_x = self._check(z_x, "z_x", c.x_latent)
        z_key = self._check(z_key, "z_key", c.key_latent)
        labels = self._check(labels, "labels", c.label_dim)
        self._check_batch(z_x=z_x, z_key=z_key, labels=labels)
        return self.decoder(z_x, z_key, labels)

    def _latents(
        self, params: Latents, sample: bool, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not (sample and self.config.variational):
            return params.x_mean, params.key_mean
        assert params.x_logvar is not None and params.key_logvar is not None
        z_x = reparameterise(params.x_mean, params.x_logvar, generator)
        z_key = reparameterise(params.key_mean, params.key_logvar, generator)
        return z_x, z_key

    def generate(
        self,
        labels: torch.Tensor,
        *,
        sample: bool = True,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Generate from labels alone: conditional priors, then the decoder (no encoders).

        labels: ``(batch, label_dim)``; the work runs on their device.
        sample: draw z from the priors (with ``generator``, z_x first, then z_key); False uses
            the prior means. The CAE is deterministic either way.
        Returns ``x_hat (batch, x_dim)``, ``keys_hat (batch, key_dim)`` (normalised units).
        """
        params = self.prior(labels)
        z_x, z_key = self._latents(params, sample, generator)
        return self.decoder(z_x, z_key, labels.to(dtype=self._dtype()))

    def sample(
        self,
        n: int,
        conditions: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """``n`` samples for ``conditions`` (labels, ``(n, label_dim)``), as the decoder output
        ``[x_hat, keys_hat]`` of shape ``(n, x_dim + key_dim)``."""
        if conditions is None:
            raise ValueError("conditions: the labels are required by a conditional model")
        if conditions.shape[0] != n:
            raise ValueError(f"conditions: expected {n} rows, got {conditions.shape[0]}")
        x_hat, keys_hat = self.generate(conditions, sample=True, generator=generator)
        return torch.cat([x_hat, keys_hat], dim=-1)

    def kl_divergences(self, posterior: Latents, prior: Latents) -> dict[str, torch.Tensor]:
        """Every directed KL of :data:`KL_TERMS`, each averaged over the batch (scalar)."""
        if not self.config.variational:
            raise ValueError("variational: the deterministic variant has no KL terms")
        q = {"x": (posterior.x_mean, posterior.x_logvar), "key": (posterior.key_mean, posterior.key_logvar)}
        p = {"x": (prior.x_mean, prior.x_logvar), "key": (prior.key_mean, prior.key_logvar)}
        out: dict[str, torch.Tensor] = {}
        for s in ("x", "key"):
            (mq, lq), (mp, lp) = q[s], p[s]
            assert lq is not None and lp is not None
            out[f"q_{s}||p_{s}"] = kl_normal(mq, lq, mp, lp).mean()
            out[f"p_{s}||q_{s}"] = kl_normal(mp, lp, mq, lq).mean()
            out[f"q_{s}||N"] = kl_standard_normal(mq, lq).mean()
            out[f"p_{s}||N"] = kl_standard_normal(mp, lp).mean()
        return out

    def forward(self, batch: Batch) -> ModelOutput:
        """Training pass: ``batch`` with ``x``, ``keys``, ``labels`` -> loss, metrics, outputs.

        metrics: loss, recon, recon_x, recon_keys, kl, kl_x, kl_key, latent_gap (scalars).
        outputs: x_hat, keys_hat, z_x, z_key and the posterior (q_*) / prior (p_*) parameters.
        """
        c = self.config
        for name in ("x", "keys", "labels"):
            if name not in batch:
                raise KeyError(f"batch: missing {name!r}; got {sorted(batch)}")
        x = self._check(batch["x"], "x", c.x_dim)
        keys = self._check(batch["keys"], "keys", c.key_dim)
        labels = self._check(batch["labels"], "labels", c.label_dim)
        post = self.encode(x, keys, labels)
        prior = self.prior(labels)
        mode = c.decoder_input if self.training else c.eval_decoder_input
        z_x, z_key = self._latents(post, sample=mode == "sample")
        x_hat, keys_hat = self.decoder(z_x, z_key, labels)

        recon_x = F.mse_loss(x_hat, x)
        recon_keys = F.mse_loss(keys_hat, keys)
        recon = recon_x + c.key_loss_weight * recon_keys
        gap = ((post.x_mean - prior.x_mean) ** 2).sum(-1).mean() + (
            (post.key_mean - prior.key_mean) ** 2
        ).sum(-1).mean()
        zero = recon.new_zeros(())
        if c.variational:
            terms = self.kl_divergences(post, prior)
            kl_x = sum((terms[t] for t in c.kl_terms if _latent_of(t) == "x"), zero)
            kl_key = sum((terms[t] for t in c.kl_terms if _latent_of(t) == "key"), zero)
            kl = kl_x + kl_key
            loss = recon + c.kl_weight * kl
        else:
            kl_x = kl_key = kl = zero
            loss = recon + c.kl_weight * gap

        metrics = {
            "loss": loss,
            "recon": recon,
            "recon_x": recon_x,
            "recon_keys": recon_keys,
            "kl": kl,
            "kl_x": kl_x,
            "kl_key": kl_key,
            "latent_gap": gap,
        }
        outputs = {"x_hat": x_hat, "keys_hat": keys_hat, "z_x": z_x, "z_key": z_key}
        for prefix, params in (("q", post), ("p", prior)):
            for field_name, value in params._asdict().items():
                if value is not None:
                    outputs[f"{prefix}_{field_name}"] = value
        return ModelOutput(loss=loss, metrics=metrics, outputs=outputs)


@register_model
class CAE2C2E1D(CVAE2C2E1D):
    """The deterministic 2C2E1D conditional auto-encoder (CAE), for comparison with the CVAE.

    Latents are the encoder / conditional outputs; the loss is reconstruction plus
    ``kl_weight * latent_gap`` (see the module docstring); ``kl`` is always 0.
    """

    name: ClassVar[str] = "cae2c2e1d"
    config_class: ClassVar[type] = CAE2C2E1DConfig

    def __init__(self, config: CVAE2C2E1DConfig) -> None:
        if config.variational:
            raise ValueError("variational: cae2c2e1d is deterministic; use cvae2c2e1d instead")
        super().__init__(config)
