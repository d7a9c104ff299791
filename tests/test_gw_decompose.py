"""Amplitude / frequency decomposition round trip on real SEOBNRv4_opt waveforms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavae.gw import decompose, denormalise, generate_polarisations, normalise, reconstruct

DT = 1.0 / 8192
# Corners of the seed-000 prior: q = 10, spins +-0.99, 5+5 and 75+75.
CORNERS = {
    "q10_max_spin_aligned": (50.0, 5.0, 0.99, 0.99),
    "q10_max_spin_anti_aligned": (50.0, 5.0, -0.99, -0.99),
    "light_5_5_aligned": (5.0, 5.0, 0.99, 0.99),
    "heavy_75_75_anti_aligned": (75.0, 75.0, -0.99, -0.99),
    "heavy_75_75_mixed": (75.0, 75.0, 0.99, -0.99),
}


@pytest.fixture(scope="module", params=sorted(CORNERS))
def corner(request):
    m1, m2, s1, s2 = CORNERS[request.param]
    hp, hc, _ = generate_polarisations(m1, m2, s1, s2, f_lower=25.0, delta_t=DT, approximant="SEOBNRv4_opt")
    return hp[-8192:], hc[-8192:]


def test_round_trip_float64_numpy(corner):
    hp, hc = corner
    dec = decompose(hp, hc, DT)
    assert dec.frequency.shape == (hp.shape[0] - 1,)
    assert np.all(dec.frequency >= 0), "frequency of the (2,2) mode is positive in lalsimulation's convention"
    rp, rc = reconstruct(dec.amplitude, dec.frequency, DT, dec.initial_phase)
    scale = np.max(np.hypot(hp, hc))
    assert np.max(np.abs(rp - hp)) / scale < 1e-10
    assert np.max(np.abs(rc - hc)) / scale < 1e-10


def test_round_trip_torch_batch_matches_numpy(corner):
    hp, hc = corner
    batch_p = torch.tensor(np.stack([hp, hc]), dtype=torch.float64)
    batch_c = torch.tensor(np.stack([hc, -hp]), dtype=torch.float64)
    dec = decompose(batch_p, batch_c, DT)
    assert isinstance(dec.amplitude, torch.Tensor) and dec.frequency.shape == (2, hp.shape[0] - 1)
    ref = decompose(hp, hc, DT)
    np.testing.assert_allclose(dec.frequency[0].numpy(), ref.frequency, rtol=0, atol=1e-9)
    rp, rc = reconstruct(dec.amplitude, dec.frequency, DT, dec.initial_phase)
    scale = float(np.max(np.hypot(hp, hc)))
    assert float((rp - batch_p).abs().max()) / scale < 1e-10
    assert float((rc - batch_c).abs().max()) / scale < 1e-10


def test_trailing_zeros_hold_phase():
    """lalsimulation ends SEOBNRv4 with exact zeros: A = 0 and f = 0 there, inverse still exact."""
    hp, hc, _ = generate_polarisations(75.0, 75.0, 0.5, 0.5, f_lower=20.0, delta_t=DT, approximant="SEOBNRv4_opt")
    assert np.sum(np.hypot(hp, hc) == 0) > 100
    dec = decompose(hp, hc, DT)
    zero = dec.amplitude[1:] == 0
    assert np.all(dec.frequency[zero] == 0)
    rp, rc = reconstruct(dec.amplitude, dec.frequency, DT, dec.initial_phase)
    assert np.max(np.abs(rp - hp)) / np.max(np.abs(hp)) < 1e-10


def test_normalise_inverse_and_keys():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(4, 100))
    n = normalise(x)
    np.testing.assert_allclose(n.series.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(n.series.std(axis=-1), 1, atol=1e-9)
    np.testing.assert_allclose(denormalise(n.series, n.mean, n.std), x, rtol=1e-12)
    const = normalise(np.ones((1, 10)))
    assert np.all(np.isfinite(const.series))


def test_bad_shapes_name_the_arguments():
    with pytest.raises(ValueError, match="hplus and hcross"):
        decompose(np.zeros(10), np.zeros(11), DT)
    with pytest.raises(ValueError, match="delta_t"):
        decompose(np.zeros(10), np.zeros(10), 0.0)
    with pytest.raises(ValueError, match="one sample fewer"):
        reconstruct(np.zeros(10), np.zeros(10), DT)
