"""The 2C2E1D conditional VAE / CAE of seed 000 and the Gaussian KL helpers it uses."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from wavae.nn.base import ModelOutput, build_model
from wavae.nn.cvae import (
    KL_TERMS,
    KL_TERMS_ENCODER_PRIOR,
    CAE2C2E1D,
    CAE2C2E1DConfig,
    CVAE2C2E1D,
    CVAE2C2E1DConfig,
    Decoder,
    KeyConditional,
    KeyEncoder,
    XConditional,
    XEncoder,
)
from wavae.nn.gaussian import kl_normal, kl_standard_normal, reparameterise

SMALL = dict(x_dim=32, key_dim=4, label_dim=2, hidden=32, decoder_hidden=48, x_latent=4, key_latent=2)


def small(variational: bool = True, **kw: object) -> CVAE2C2E1D:
    torch.manual_seed(0)
    cfg = {**SMALL, **kw}
    if variational:
        return CVAE2C2E1D(CVAE2C2E1DConfig(**cfg))  # type: ignore[arg-type]
    return CAE2C2E1D(CAE2C2E1DConfig(**cfg))  # type: ignore[arg-type]


def random_batch(n: int = 5, x_dim: int = 32, key_dim: int = 4, label_dim: int = 2) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return {
        "x": torch.randn(n, x_dim, generator=g),
        "keys": torch.randn(n, key_dim, generator=g),
        "labels": torch.rand(n, label_dim, generator=g),
    }


def sinusoid_dataset(n: int = 64, half: int = 16) -> dict[str, torch.Tensor]:
    """x = [normalised sinusoid, normalised chirp-like frequency ramp]; frequency set by label 0."""
    g = torch.Generator().manual_seed(2)
    labels = torch.rand(n, 2, generator=g)
    t = torch.linspace(0.0, 1.0, half)
    freq = 1.0 + 3.0 * labels[:, :1]
    amp = torch.sin(2 * math.pi * freq * t + labels[:, 1:] * math.pi)
    fser = freq * (1.0 + t) + labels[:, 1:]
    series = [amp, fser]
    keys = torch.stack([torch.stack([s.mean(-1), s.std(-1)], -1) for s in series], 1).reshape(n, 4)
    x = torch.cat([(s - s.mean(-1, keepdim=True)) / s.std(-1, keepdim=True) for s in series], -1)
    keys = (keys - keys.mean(0)) / keys.std(0)
    return {"x": x, "keys": keys, "labels": labels}


# -- Gaussian KL ------------------------------------------------------------------------------


def test_kl_normal_matches_monte_carlo() -> None:
    g = torch.Generator().manual_seed(3)
    mq = torch.tensor([[0.3, -1.0, 0.5]], dtype=torch.float64)
    lq = torch.tensor([[-0.5, 0.2, 0.0]], dtype=torch.float64)
    mp = torch.tensor([[0.0, -0.4, 1.2]], dtype=torch.float64)
    lp = torch.tensor([[0.3, -0.2, 0.4]], dtype=torch.float64)
    z = reparameterise(mq.expand(200_000, 3), lq.expand(200_000, 3), g)

    def log_normal(z: torch.Tensor, m: torch.Tensor, lv: torch.Tensor) -> torch.Tensor:
        return (-0.5 * (math.log(2 * math.pi) + lv + (z - m) ** 2 / lv.exp())).sum(-1)

    mc = (log_normal(z, mq, lq) - log_normal(z, mp, lp)).mean()
    exact = kl_normal(mq, lq, mp, lp)
    assert exact.shape == (1,)
    assert float(exact) == pytest.approx(float(mc), rel=0.03)
    mc_std = (log_normal(z, mq, lq) - log_normal(z, torch.zeros_like(mp), torch.zeros_like(lp))).mean()
    assert float(kl_standard_normal(mq, lq)) == pytest.approx(float(mc_std), rel=0.03)
    assert torch.allclose(kl_standard_normal(mq, lq), kl_normal(mq, lq, torch.zeros_like(mq), torch.zeros_like(lq)))
    assert float(kl_normal(mq, lq, mq, lq)) == pytest.approx(0.0, abs=1e-12)


# -- blocks and shapes ------------------------------------------------------------------------


def test_default_sizes_follow_table_1() -> None:
    cfg = CVAE2C2E1DConfig(x_dim=10)
    assert (cfg.key_dim, cfg.label_dim, cfg.hidden, cfg.decoder_hidden) == (4, 4, 500, 800)
    assert (cfg.conditional_layers, cfg.x_latent, cfg.key_latent, cfg.kl_weight) == (4, 8, 3, 0.1)
    m = CVAE2C2E1D(cfg)
    linears = lambda mod: [l for l in mod.modules() if isinstance(l, torch.nn.Linear)]  # noqa: E731
    assert [(l.in_features, l.out_features) for l in linears(m.x_conditional)] == [
        (4, 500), (500, 500), (500, 500), (500, 16)
    ]
    assert [(l.in_features, l.out_features) for l in linears(m.x_encoder)] == [(10, 500), (500, 500), (504, 16)]
    assert [(l.in_features, l.out_features) for l in linears(m.decoder)] == [(15, 800), (800, 800), (800, 14)]


def test_block_shapes() -> None:
    n, labels = 6, torch.rand(6, 2)
    for labels_at in ("hidden", "input", "none"):
        mean, logvar = XEncoder(32, 2, 16, 3, 4, labels_at=labels_at)(torch.randn(n, 32), labels)
        assert mean.shape == logvar.shape == (n, 4)
    mean, logvar = KeyEncoder(4, 2, 16, 3, 2)(torch.randn(n, 4), labels)
    assert mean.shape == logvar.shape == (n, 2)
    mean, logvar = XConditional(2, 16, 4, 4)(labels)
    assert mean.shape == logvar.shape == (n, 4)
    mean, logvar = KeyConditional(2, 16, 4, 2, variational=False)(labels)
    assert mean.shape == (n, 2) and logvar is None
    x_hat, keys_hat = Decoder(4, 2, 2, 16, 3, 32, 4)(torch.randn(n, 4), torch.randn(n, 2), labels)
    assert x_hat.shape == (n, 32) and keys_hat.shape == (n, 4)


@pytest.mark.parametrize("variational", [True, False])
def test_model_shapes(variational: bool) -> None:
    m = small(variational)
    b = random_batch()
    out = m(b)
    assert isinstance(out, ModelOutput) and out.loss.shape == ()
    assert out.outputs["x_hat"].shape == (5, 32) and out.outputs["keys_hat"].shape == (5, 4)
    assert out.outputs["z_x"].shape == (5, 4) and out.outputs["z_key"].shape == (5, 2)
    for k in ("loss", "recon", "recon_x", "recon_keys", "kl", "kl_x", "kl_key", "latent_gap"):
        assert out.metrics[k].shape == ()
    post, prior = m.encode(b["x"], b["keys"], b["labels"]), m.prior(b["labels"])
    for params in (post, prior):
        assert params.x_mean.shape == (5, 4) and params.key_mean.shape == (5, 2)
        assert (params.x_logvar is None) == (not variational)
    x_hat, keys_hat = m.generate(b["labels"])
    assert x_hat.shape == (5, 32) and keys_hat.shape == (5, 4)
    assert m.sample(5, b["labels"]).shape == (5, 36)


def test_full_size_parameter_count() -> None:
    m = CVAE2C2E1D(CVAE2C2E1DConfig(x_dim=8192 + 8191))
    assert sum(p.numel() for p in m.parameters()) == 23_504_219


def test_kl_is_weighted_sum_of_configured_terms() -> None:
    b = random_batch()
    m = small(True, decoder_input="mean")
    out = m(b)
    post, prior = m.encode(b["x"], b["keys"], b["labels"]), m.prior(b["labels"])
    terms = m.kl_divergences(post, prior)
    assert set(terms) == set(KL_TERMS)
    assert torch.allclose(out.metrics["kl"], sum(terms.values()))
    assert torch.allclose(out.loss, out.metrics["recon"] + 0.1 * out.metrics["kl"])
    m2 = small(True, decoder_input="mean", kl_terms=list(KL_TERMS_ENCODER_PRIOR), key_loss_weight=2.0)
    out2 = m2(b)
    assert torch.allclose(out2.metrics["kl"], sum(terms[t] for t in KL_TERMS_ENCODER_PRIOR))
    assert torch.allclose(out2.metrics["recon"], out2.metrics["recon_x"] + 2.0 * out2.metrics["recon_keys"])


def test_cae_has_zero_kl_and_is_deterministic() -> None:
    m = small(False)
    b = random_batch()
    out1, out2 = m(b), m(b)
    assert float(out1.metrics["kl"]) == 0.0
    assert torch.equal(out1.loss, out2.loss)
    assert torch.allclose(out1.loss, out1.metrics["recon"] + 0.1 * out1.metrics["latent_gap"])
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    assert torch.equal(m.generate(b["labels"], generator=g1)[0], m.generate(b["labels"], generator=g2)[0])


@pytest.mark.parametrize("variational", [True, False])
def test_gradients_reach_every_parameter(variational: bool) -> None:
    m = small(variational)
    m(random_batch(n=16)).loss.backward()
    for name, p in m.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


# -- training ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variational", [True, False])
def test_loss_falls_on_synthetic_conditional_data(variational: bool) -> None:
    data = sinusoid_dataset()
    m = small(variational)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    losses = []
    for _ in range(200):
        out = m(data)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        losses.append(float(out.metrics["recon"].detach()))
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < 0.5 * first, (first, last)
    m.eval()
    with torch.inference_mode():
        x_hat, keys_hat = m.generate(data["labels"], sample=False)
    assert float(((x_hat - data["x"]) ** 2).mean()) < 0.5 * first


# -- generation -------------------------------------------------------------------------------


def test_generate_reproducible_with_generator() -> None:
    m = small(True).eval()
    labels = torch.rand(8, 2)
    with torch.inference_mode():
        a = m.generate(labels, generator=torch.Generator().manual_seed(42))
        b = m.generate(labels, generator=torch.Generator().manual_seed(42))
        c = m.generate(labels, generator=torch.Generator().manual_seed(7))
        d = m.generate(labels, sample=False, generator=torch.Generator().manual_seed(42))
        e = m.generate(labels, sample=False, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.allclose(a[0], c[0]) and not torch.allclose(a[1], c[1])
    assert torch.equal(d[0], e[0]) and torch.equal(d[1], e[1])
    # batched: the rows of one call equal the rows of per-row calls with the prior means
    row = m.generate(labels[3:4], sample=False)
    assert torch.allclose(row[0], d[0][3:4], atol=1e-6)


def test_safetensors_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from safetensors.torch import load_file, save_file

    m = small(True).eval()
    path = tmp_path / "model.safetensors"
    save_file(m.state_dict(), str(path))
    m2 = build_model("cvae2c2e1d", m.config_dict()).eval()
    m2.load_state_dict(load_file(str(path)))
    labels = torch.rand(4, 2)
    with torch.inference_mode():
        a = m.generate(labels, generator=torch.Generator().manual_seed(5))
        b = m2.generate(labels, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_registered_names() -> None:
    assert isinstance(build_model("cvae2c2e1d", {"x_dim": 8}), CVAE2C2E1D)
    cae = build_model("cae2c2e1d", {"x_dim": 8})
    assert isinstance(cae, CAE2C2E1D) and cae.config.variational is False
    with pytest.raises(ValueError, match="variational"):
        CAE2C2E1D(CAE2C2E1DConfig(x_dim=8, variational=True))


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("x_dim", 0),
        ("x_dim", -3),
        ("key_latent", 0),
        ("hidden", 2.5),
        ("kl_weight", -0.1),
        ("key_loss_weight", float("nan")),
        ("kl_terms", ["q_x||p_x", "bogus"]),
        ("kl_terms", "q_x||p_x"),
        ("decoder_input", "median"),
        ("encoder_labels", "output"),
        ("final_activation", "tanh"),
    ],
)
def test_config_errors_name_the_field(field: str, value: object) -> None:
    kwargs = {"x_dim": 8, field: value}
    with pytest.raises(ValueError, match=field):
        CVAE2C2E1DConfig(**kwargs)  # type: ignore[arg-type]


def test_config_round_trips_through_dict() -> None:
    cfg = CVAE2C2E1DConfig(x_dim=8, kl_terms=list(KL_TERMS_ENCODER_PRIOR))
    assert cfg.kl_terms == KL_TERMS_ENCODER_PRIOR
    assert CVAE2C2E1DConfig(**dataclasses.asdict(cfg)) == cfg


def test_input_errors_name_the_tensor() -> None:
    m = small(True)
    b = random_batch()
    with pytest.raises(ValueError, match="labels"):
        m.generate(torch.rand(3, 5))
    with pytest.raises(ValueError, match=r"^x: expected shape"):
        m({**b, "x": torch.randn(5, 31)})
    with pytest.raises(KeyError, match="keys"):
        m({"x": b["x"], "labels": b["labels"]})
    with pytest.raises(ValueError, match="batch"):
        m({**b, "keys": b["keys"][:3]})
