"""Training on a real tiny dataset, the Surrogate's generation path, its conventions and
its refusals."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from wavae.gw import generate_polarisations
from wavae.gw.surrogate import Surrogate, apply_extrinsic
from wavae.gw.train import train_surrogate
from wavae.train import TrainConfig

SMALL = {"hidden": 48, "decoder_hidden": 64}


@pytest.fixture(scope="module")
def run_dir(tiny_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    history = train_surrogate(
        tiny_dataset, out, model_config=SMALL,
        train_config=TrainConfig(epochs=6, batch_size=4, lr=3e-3, device="cpu", progress=False),
    )  # fmt: skip
    return out, history


def test_training_loss_falls_and_checkpoint_records_the_dataset(run_dir, tiny_dataset):
    out, history = run_dir
    first, last = history[0], history[-1]
    assert last["train_loss"] < first["train_loss"]
    info = json.loads((out / "model.json").read_text())
    import h5py

    with h5py.File(tiny_dataset, "r") as f:
        assert info["metadata"]["dataset_fingerprint"] == f.attrs["fingerprint"]
    assert info["model"] == "cvae2c2e1d" and (out / "loss.png").exists() and (out / "metrics.csv").exists()


def test_generate_shapes_broadcast_and_time_axis(run_dir):
    sur = Surrogate.load(run_dir[0], device="cpu")
    wf = sur.generate([30.0, 40.0, 50.0], 20.0, 0.1, -0.2)
    n = sur.rep.n_samples
    assert wf.hplus.shape == wf.hcross.shape == wf.times.shape == (3, n)
    amp = np.hypot(wf.hplus, wf.hcross)
    for row in range(3):
        assert wf.times[row, np.argmax(amp[row])] == 0.0
        np.testing.assert_allclose(np.diff(wf.times[row]), sur.delta_t)
    t = sur.generate(torch.tensor([30.0]), torch.tensor([20.0]), 0.0, 0.0)
    assert isinstance(t.hplus, torch.Tensor)


def test_generation_is_seeded(run_dir):
    sur = Surrogate.load(run_dir[0], device="cpu")
    a = sur.generate(30.0, 20.0, 0.1, 0.1, seed=42)
    b = sur.generate(30.0, 20.0, 0.1, 0.1, seed=42)
    c = sur.generate(30.0, 20.0, 0.1, 0.1, seed=7)
    np.testing.assert_array_equal(a.hplus, b.hplus)
    assert not np.array_equal(a.hplus, c.hplus)
    m1 = sur.generate(30.0, 20.0, 0.1, 0.1, sample=False, seed=1)
    m2 = sur.generate(30.0, 20.0, 0.1, 0.1, sample=False, seed=2)
    np.testing.assert_array_equal(m1.hplus, m2.hplus)


def test_extrinsic_parameters_follow_lalsimulation():
    """The analytic distance/inclination/coa_phase map equals lalsimulation's own output."""
    kw = dict(f_lower=20.0, delta_t=1 / 8192, approximant="SEOBNRv4_opt")
    hp0, hc0, _ = generate_polarisations(30.0, 20.0, 0.5, -0.3, **kw)
    import lal
    import lalsimulation as ls

    inc, phi, dist = 0.7, 0.4, 410.0
    hp, hc = ls.SimInspiralChooseTDWaveform(
        30 * lal.MSUN_SI, 20 * lal.MSUN_SI, 0, 0, 0.5, 0, 0, -0.3, dist * 1e6 * lal.PC_SI, inc, phi,
        0.0, 0.0, 0.0, 1 / 8192, 20.0, 20.0, lal.CreateDict(), ls.SEOBNRv4_opt,
    )  # fmt: skip
    p, c = apply_extrinsic(hp0, hc0, dist, inc, phi)
    scale = np.abs(hp.data.data).max()
    assert np.max(np.abs(p - hp.data.data)) / scale < 1e-10
    assert np.max(np.abs(c - hc.data.data)) / scale < 1e-10


def test_surrogate_applies_extrinsic_parameters_like_lalsimulation(run_dir):
    sur = Surrogate.load(run_dir[0], device="cpu")
    face = sur.generate(30.0, 20.0, 0.1, 0.1, seed=3)
    turned = sur.generate(30.0, 20.0, 0.1, 0.1, seed=3, distance=250.0, inclination=1.1, coa_phase=0.3)
    p, c = apply_extrinsic(face.hplus[0], face.hcross[0], 250.0, 1.1, 0.3)
    np.testing.assert_allclose(turned.hplus[0], p, atol=1e-9 * np.abs(p).max())
    np.testing.assert_allclose(turned.hcross[0], c, atol=1e-9 * np.abs(c).max())


def test_out_of_domain_is_refused_or_warned(run_dir):
    sur = Surrogate.load(run_dir[0], device="cpu")
    with pytest.raises(ValueError, match=r"mass1=90 is outside the trained range \[5, 75\]"):
        sur.generate(90.0, 20.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"spin2z=-0.995 is outside"):
        sur.generate(30.0, 20.0, 0.0, -0.995)
    with pytest.raises(ValueError, match="mass ratio"):
        sur.generate(70.0, 5.5, 0.0, 0.0)
    with pytest.raises(ValueError, match="distance"):
        sur.generate(30.0, 20.0, 0.0, 0.0, distance=-1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wf = sur.generate(90.0, 20.0, 0.0, 0.0, extrapolate=True)
    assert wf.hplus.shape[0] == 1 and any("extrapolating" in str(w.message) for w in caught)


def test_missing_or_foreign_checkpoint_is_refused(tmp_path, run_dir):
    with pytest.raises(FileNotFoundError, match="model.json"):
        Surrogate.load(tmp_path, device="cpu")
    from wavae.io.checkpoint import save_checkpoint
    from wavae.nn import build_model

    save_checkpoint(tmp_path, build_model("vae", {"input_dim": 8, "latent_dim": 2}), {})
    with pytest.raises(ValueError, match="representation"):
        Surrogate.load(tmp_path, device="cpu")


def test_cli_generate_writes_file_and_plot(run_dir, tmp_path):
    from wavae.cli import main

    out = tmp_path / "gen.h5"
    assert main(["gw", "generate", "--model", str(run_dir[0]), "--mass1", "30", "35", "--mass2", "20", "--out", str(out), "--device", "cpu"]) == 0
    assert out.exists() and out.with_suffix(".png").exists()
    assert main(["gw", "generate", "--model", str(run_dir[0]), "--mass1", "300", "--mass2", "20", "--out", str(out)]) == 2
