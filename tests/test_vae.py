"""The plain VAE and beta-VAE: shapes, the ELBO, sampling, save -> load -> same output."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from wavae.io.checkpoint import load_checkpoint, save_checkpoint
from wavae.nn import build_model, model_class
from wavae.nn.gaussian import kl_standard_normal
from wavae.nn.vae import VAE, BetaVAE, VAEConfig


def _model(**kw) -> VAE:
    torch.manual_seed(0)
    return VAE(VAEConfig(**{"input_dim": 10, "latent_dim": 3, "hidden": (16, 8), **kw}))


def test_shapes_and_outputs() -> None:
    model = _model()
    x = torch.randn(5, 10)
    mean, logvar = model.encode(x)
    assert mean.shape == logvar.shape == (5, 3)
    assert model.decode(mean).shape == (5, 10)
    out = model({"x": x})
    assert out.loss.shape == ()
    assert set(out.metrics) == {"recon", "kl", "elbo", "mse"}
    assert out.outputs["xhat"].shape == (5, 10) and out.outputs["z"].shape == (5, 3)
    assert model.sample(7).shape == (7, 10)


def test_loss_is_gaussian_nll_plus_beta_kl() -> None:
    for beta in (1.0, 0.25, 4.0):
        model = _model(beta=beta, sigma=0.3)
        x = torch.randn(6, 10)
        torch.manual_seed(11)
        out = model({"x": x})
        mean, logvar = model.encode(x)
        torch.manual_seed(11)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape)
        xhat = model.decode(z)
        nll = 0.5 * (((x - xhat) / 0.3) ** 2 + math.log(2 * math.pi * 0.3**2)).sum(-1)
        kl = kl_standard_normal(mean, logvar)
        torch.testing.assert_close(out.loss, (nll + beta * kl).mean())
        torch.testing.assert_close(out.metrics["recon"], nll.mean())
        torch.testing.assert_close(out.metrics["elbo"], -(nll + kl).mean())


def test_gradients_reach_encoder_and_decoder_and_training_lowers_the_loss() -> None:
    model = _model()
    x = torch.sin(torch.linspace(0, 6, 10))[None].repeat(32, 1) + 0.05 * torch.randn(32, 10)
    out = model({"x": x})
    out.loss.backward()
    assert model.encoder[0].weight.grad.abs().sum() > 0
    assert model.decoder[-1].weight.grad.abs().sum() > 0
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = float(out.loss.detach())
    for _ in range(100):
        opt.zero_grad()
        loss = model({"x": x}).loss
        loss.backward()
        opt.step()
    assert float(loss.detach()) < first


def test_learned_sigma_is_a_parameter_and_respects_the_floor() -> None:
    model = _model(learn_sigma=True, sigma=0.5, min_sigma=0.01)
    assert any(p is model.log_sigma for p in model.parameters())
    assert "sigma" in model({"x": torch.randn(3, 10)}).metrics
    with torch.no_grad():
        model.log_sigma.fill_(-20.0)
    assert float(model.sigma.detach()) == pytest.approx(0.01)
    fixed = _model()
    assert all(p is not fixed.log_sigma for p in fixed.parameters())  # a buffer: saved, not trained


def test_sampling_with_a_generator_is_reproducible() -> None:
    model = _model()
    a = model.sample(4, generator=torch.Generator().manual_seed(5))
    b = model.sample(4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    assert not a.requires_grad
    with pytest.raises(ValueError, match="conditions"):
        model.sample(2, conditions={"y": torch.zeros(2, 1)})


def test_bad_inputs_name_the_problem() -> None:
    model = _model()
    with pytest.raises(ValueError, match=r"x: expected shape \(batch, 10\)"):
        model({"x": torch.randn(4, 9)})
    with pytest.raises(KeyError, match="needs key 'x'"):
        model({"y": torch.randn(4, 10)})
    with pytest.raises(ValueError, match=r"z: expected shape \(batch, 3\)"):
        model.decode(torch.randn(4, 2))
    with pytest.raises(ValueError, match="activation"):
        VAEConfig(activation="swish")
    with pytest.raises(ValueError, match="latent_dim"):
        VAEConfig(latent_dim=0)


def test_registry_and_beta_vae_alias() -> None:
    assert model_class("vae") is VAE and model_class("beta_vae") is BetaVAE
    beta = build_model("beta_vae", {"input_dim": 10, "latent_dim": 2})
    assert isinstance(beta, VAE) and beta.config.beta == 4.0
    assert build_model("vae", {"input_dim": 10, "hidden": [4]}).config.hidden == (4,)


@pytest.mark.parametrize("name", ["vae", "beta_vae"])
def test_save_load_identical_output(tmp_path: Path, name: str) -> None:
    torch.manual_seed(1)
    model = build_model(name, {"input_dim": 10, "latent_dim": 3, "hidden": [12], "learn_sigma": True})
    save_checkpoint(tmp_path, model, {"note": "test"})
    loaded, info = load_checkpoint(tmp_path)
    assert type(loaded) is type(model) and info["model"] == name
    g1, g2 = torch.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    assert torch.equal(model.eval().sample(6, generator=g1), loaded.sample(6, generator=g2))
    x = torch.randn(4, 10)
    torch.manual_seed(3)
    a = model({"x": x}).loss
    torch.manual_seed(3)
    b = loaded({"x": x}).loss
    assert torch.equal(a, b)
