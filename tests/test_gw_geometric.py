"""Geometric units: the time grid, lalsimulation's exact mass scaling, the geometric dataset,
the synthesis of physical windows, and the reduced-order model fitted on a real tiny dataset."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch

from wavae.gw.geometric import IntrinsicPrior, TimeGrid, component_masses, geometric_series, intrinsic_from_components
from wavae.gw.geometric_dataset import generate_geometric_dataset
from wavae.gw.mismatch import mismatch
from wavae.gw.synthesis import pack_nodes, synthesise
from wavae.gw.waveform import generate_window

GRID = TimeGrid(tau_start=-2500.0)  # short waveforms keep the tests fast
# a 0.5 s window at 4096 Hz fits the grid for total masses >= 500 / (2500 * 4.93) ~ 41 Msun
N, DT = 2048, 1.0 / 4096.0


def test_grid_nodes_are_increasing_and_position_inverts_them():
    g = TimeGrid()
    tau = g.nodes()
    assert tau[0] == g.tau_start and tau[-1] == g.tau_stop and np.all(np.diff(tau) > 0)
    peak = np.searchsorted(tau, 0.0)
    assert 0.5 * g.peak_spacing < tau[peak] - tau[peak - 1] < 1.5 * g.peak_spacing
    np.testing.assert_allclose(g.position(tau), np.arange(g.size), atol=1e-6)
    np.testing.assert_allclose(g.position(torch.as_tensor(tau)).numpy(), np.arange(g.size), atol=1e-6)
    with pytest.raises(ValueError, match="tau_start"):
        TimeGrid(tau_start=10.0)


def test_intrinsic_parameters_put_the_heavier_body_first():
    out = intrinsic_from_components([10.0, 30.0], [30.0, 10.0], [0.1, 0.5], [0.5, 0.1])
    np.testing.assert_allclose(out["mass_ratio"], [3.0, 3.0])
    np.testing.assert_allclose(out["spin1z"], [0.5, 0.5])
    np.testing.assert_allclose(out["total_mass"], [40.0, 40.0])
    m1, m2 = component_masses(40.0, 3.0)
    assert (m1, m2) == (30.0, 10.0)


def test_prior_draws_stay_in_the_box_and_favour_edges():
    prior = IntrinsicPrior(edge_fraction=1.0)
    d = prior.sample(4000, seed=1)
    assert d["mass_ratio"].min() >= 1.0 and d["mass_ratio"].max() <= 10.0
    edge = np.mean(np.abs(d["spin1z"]) > 0.9)  # arcsine density: ~0.29 here, uniform would give ~0.09
    assert edge > 0.2
    with pytest.raises(ValueError, match="--mass-ratio-min"):
        IntrinsicPrior(mass_ratio=(0.5, 3.0)).validate()


def test_lalsimulation_scales_with_total_mass():
    a = geometric_series(3.0, 0.5, -0.2, GRID, reference_mass=20.0)
    b = geometric_series(3.0, 0.5, -0.2, GRID, reference_mass=90.0)
    # equal up to lalsimulation's integration tolerances (which are set in SI units)
    np.testing.assert_allclose(a.amplitude, b.amplitude, rtol=1e-3, atol=1e-4 * a.amplitude.max())
    assert np.ptp(a.phase - b.phase) < 0.02
    assert np.interp(0.0, GRID.nodes(), a.phase) == pytest.approx(0.0, abs=0.01)  # phase zero at the peak
    assert a.amplitude[-1] == 0.0 and a.tau_end > 100.0


@pytest.mark.parametrize("total_mass", [50.0, 120.0])
def test_synthesis_reproduces_lalsimulation_windows(total_mass):
    q, s1, s2 = 2.5, 0.6, -0.3
    series = geometric_series(q, s1, s2, GRID, delta_tau=0.25)
    nodes = pack_nodes(torch.as_tensor(series.amplitude)[None], torch.as_tensor(series.phase)[None])
    hp, hc = synthesise(nodes, torch.tensor([series.tau_end]), torch.tensor([total_mass]), GRID, N, DT, distance=400.0)
    m1, m2 = component_masses(total_mass, q)
    ref = generate_window(float(m1), float(m2), s1, s2, n_samples=N, delta_t=DT, f_lower=10.0, approximant="SEOBNRv4_opt")
    ref_hp, ref_hc = ref.hplus / 400.0, ref.hcross / 400.0
    assert mismatch(ref_hp, hp[0].double().numpy(), delta_t=DT) < 1e-3
    assert mismatch(ref_hc, hc[0].double().numpy(), delta_t=DT) < 1e-3
    assert np.abs(hp[0].numpy()).max() == pytest.approx(np.abs(ref_hp).max(), rel=0.02)  # distance and mass scaling


@pytest.fixture(scope="module")
def geometric_dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("geo") / "geo.h5"
    generate_geometric_dataset(path, 40, seed=3, grid=GRID, workers=1, shard_size=16, split_fractions=(0.8, 0.1, 0.1), progress=False)
    return path


def test_geometric_dataset_layout_and_resume(geometric_dataset, tmp_path):
    with h5py.File(geometric_dataset, "r") as f:
        n = int(f.attrs["n_waveforms"])
        assert n + int(f.attrs["n_failed"]) == 40
        assert f["series/amplitude"].shape == (n, GRID.size) and f["series/phase"].dtype == np.float64
        np.testing.assert_allclose(f["grid/tau"][:], GRID.nodes())
        assert json.loads(f.attrs["settings"])["grid"]["tau_start"] == GRID.tau_start
        first_rows = f["series/phase"][:3]
        fingerprint = f.attrs["fingerprint"]
    # an interrupted run (one shard missing) resumes to the same content
    out = tmp_path / "again.h5"
    generate_geometric_dataset(out, 40, seed=3, grid=GRID, workers=1, shard_size=16, split_fractions=(0.8, 0.1, 0.1), progress=False)
    with h5py.File(out, "r") as f:
        assert f.attrs["fingerprint"] == fingerprint
        np.testing.assert_array_equal(f["series/phase"][:3], first_rows)
    with pytest.raises(ValueError, match="different settings"):
        generate_geometric_dataset(out, 40, seed=4, grid=GRID, workers=1, shard_size=16, progress=False)


def test_geometric_dataset_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="--delta-tau"):
        generate_geometric_dataset(tmp_path / "x.h5", 4, delta_tau=0.0, progress=False)
    with pytest.raises(ValueError, match="--split"):
        generate_geometric_dataset(tmp_path / "x.h5", 4, split_fractions=(0.5, 0.1, 0.1), progress=False)
    assert not (tmp_path / "x.h5").exists()


def test_info_describes_a_geometric_dataset(geometric_dataset):
    from wavae.gw import describe_dataset

    text = describe_dataset(geometric_dataset)
    assert "wavae-gw-geometric/1" in text and f"{GRID.size} nodes" in text and "tau_end" in text
