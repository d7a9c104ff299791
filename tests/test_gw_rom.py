"""The geometric reduced-order model: bases, fit, the surrogate front end and its refusals,
on a real tiny geometric dataset; and the shipped default model against lalsimulation."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from wavae.gw.geometric import IntrinsicPrior, TimeGrid
from wavae.gw.geometric_dataset import generate_geometric_dataset
from wavae.gw.mismatch import mismatch
from wavae.gw.reduced_basis import fit_basis
from wavae.gw.rom import chebyshev_features, feature_indices
from wavae.gw.rom_fit import fit_geometric_rom
from wavae.gw.rom_surrogate import RomSurrogate
from wavae.gw.surrogate import Surrogate, apply_extrinsic
from wavae.gw.waveform import generate_window

GRID = TimeGrid(tau_start=-2500.0)
N, DT = 2048, 1.0 / 4096.0  # 0.5 s: total masses >= ~41 Msun fit this grid


@pytest.fixture(scope="module")
def rom_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("rom")
    data = root / "geo.h5"
    prior = IntrinsicPrior(mass_ratio=(1.0, 4.0), spin1z=(-0.5, 0.5), spin2z=(-0.5, 0.5))
    generate_geometric_dataset(data, 48, seed=5, prior=prior, grid=GRID, workers=1, shard_size=24,
                               split_fractions=(0.8, 0.2, 0.0), progress=False)  # fmt: skip
    out = root / "model"
    report = fit_geometric_rom(data, out, degree=3, n_amplitude=4, n_phase=6, n_samples=N, delta_t=DT, progress=False)
    return out, data, report


def test_weighted_basis_is_orthonormal_and_exact_at_full_rank():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(30, 12))
    w = rng.uniform(0.1, 1.0, size=12)
    b = fit_basis(rows, w, 12)
    np.testing.assert_allclose((b.basis * w) @ b.basis.T, np.eye(12), atol=1e-9)
    np.testing.assert_allclose(b.reconstruct(b.project(rows)), rows, atol=1e-9)
    with pytest.raises(ValueError, match="rank"):
        fit_basis(rows, w, 0)


def test_chebyshev_features_match_numpy():
    x = torch.tensor([[0.3, -0.7, 0.9]], dtype=torch.float64)
    idx = feature_indices(4)
    assert len(idx) == 35  # C(4 + 3, 3)
    f = chebyshev_features(x, torch.as_tensor(idx), 4)[0].numpy()
    from numpy.polynomial import chebyshev as C

    for col, (i, j, k) in enumerate(idx):
        expected = C.chebval(0.3, np.eye(5)[i]) * C.chebval(-0.7, np.eye(5)[j]) * C.chebval(0.9, np.eye(5)[k])
        assert f[col] == pytest.approx(expected, abs=1e-12)


def test_fit_records_dataset_and_scores_validation(rom_dir):
    out, data, report = rom_dir
    import h5py

    info = json.loads((out / "model.json").read_text())
    with h5py.File(data, "r") as f:
        assert info["metadata"]["dataset_fingerprint"] == f.attrs["fingerprint"]
    assert info["model"] == "geometric_rom"
    assert report["train"]["median"] < 1e-2 and report["basis_error_validation"]["phase"]["max"] < 1e-3


def test_rom_surrogate_matches_lalsimulation_at_a_training_point(rom_dir):
    sur = Surrogate.load(rom_dir[0], device="cpu")
    assert isinstance(sur, RomSurrogate) and sur.rep.n_samples == N
    import h5py

    with h5py.File(rom_dir[1], "r") as f:
        row = int(np.nonzero(f["split"][:] == 0)[0][0])
        q, s1, s2 = (float(f[f"params/{k}"][row]) for k in ("mass_ratio", "spin1z", "spin2z"))
    m1, m2 = 60.0 * q / (1 + q), 60.0 / (1 + q)
    wf = sur.generate(m2, m1, s2, s1, distance=100.0)  # lighter body first: reordered internally
    ref = generate_window(m1, m2, s1, s2, n_samples=N, delta_t=DT, f_lower=12.0, approximant="SEOBNRv4_opt")
    assert mismatch(ref.hplus / 100.0, wf.hplus[0].astype(np.float64), delta_t=DT) < 1e-2
    peak = np.argmax(np.hypot(wf.hplus[0], wf.hcross[0]))
    assert abs(wf.times[0, peak]) <= 1.5 * DT  # t = 0 at the amplitude peak


def test_rom_surrogate_extrinsic_parameters_follow_lalsimulation_convention(rom_dir):
    sur = Surrogate.load(rom_dir[0], device="cpu")
    face = sur.generate(40.0, 25.0, 0.1, 0.2)
    tilted = sur.generate(40.0, 25.0, 0.1, 0.2, distance=250.0, inclination=0.7, coa_phase=0.4)
    hp, hc = apply_extrinsic(face.hplus[0].astype(np.float64), face.hcross[0].astype(np.float64), 250.0, 0.7, 0.4)
    scale = np.abs(hp).max()
    np.testing.assert_allclose(tilted.hplus[0], hp, atol=1e-4 * scale)
    np.testing.assert_allclose(tilted.hcross[0], hc, atol=1e-4 * scale)
    a = sur.generate([40.0, 50.0], 25.0, 0.1, 0.2, seed=1)
    b = sur.generate([40.0, 50.0], 25.0, 0.1, 0.2, seed=2)
    np.testing.assert_array_equal(a.hplus, b.hplus)  # deterministic
    t = sur.generate(torch.tensor([40.0]), torch.tensor([25.0]), 0.0, 0.0)
    assert isinstance(t.hplus, torch.Tensor) and t.times.shape == (1, N)


def test_rom_surrogate_refuses_points_outside_its_domain(rom_dir):
    sur = Surrogate.load(rom_dir[0], device="cpu")
    with pytest.raises(ValueError, match="mass_ratio=6 is outside the trained range"):
        sur.generate(60.0, 10.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="spin1z of the heavier body"):
        sur.generate(40.0, 30.0, 0.9, 0.0)
    with pytest.raises(ValueError, match="total_mass"):
        sur.generate(12.0, 10.0, 0.0, 0.0)  # too light for a 0.5 s window on this grid
    with pytest.raises(ValueError, match="distance"):
        sur.generate(40.0, 30.0, 0.0, 0.0, distance=-1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wf = sur.generate(60.0, 10.0, 0.0, 0.0, extrapolate=True)
    assert any("extrapolating" in str(w.message) for w in caught) and np.isfinite(wf.hplus).all()


def test_compiled_generation_equals_eager(rom_dir):
    eager = Surrogate.load(rom_dir[0], device="cpu", compile=False)
    fused = Surrogate.load(rom_dir[0], device="cpu", compile=True)
    assert not eager.compiled
    if not fused.compiled:
        pytest.skip("torch.compile cannot build kernels on this machine")
    args = ([40.0, 55.0, 70.0], [25.0, 30.0, 35.0], [0.1, -0.3, 0.4], [0.2, 0.0, -0.4])
    kw = dict(distance=[100.0, 200.0, 300.0], inclination=[0.0, 1.0, 2.5], coa_phase=[0.0, 0.7, 3.0])
    a, b = eager.generate(*args, **kw), fused.generate(*args, **kw)
    scale = np.abs(a.hplus).max()
    # float32 phases of ~1e3 rad round differently in the two paths: ~1e-4 relative
    np.testing.assert_allclose(b.hplus, a.hplus, atol=5e-4 * scale)
    np.testing.assert_allclose(b.hcross, a.hcross, atol=5e-4 * scale)


def test_default_model_loads_and_matches_lalsimulation():
    from wavae.gw.surrogate import DEFAULT_MODEL_DIR
    from wavae.gw.waveform import NEWTONIAN_TAU_CONSTANT, f_lower_for_duration

    assert sum(f.stat().st_size for f in DEFAULT_MODEL_DIR.iterdir()) < 20e6
    sur = Surrogate.load("default", device="cpu")
    assert isinstance(sur, RomSurrogate) and len(sur.fingerprint) == 64
    assert sur.info["metadata"]["fit"]["n_train"] >= 100_000
    points = [(36.0, 29.0, 0.3, -0.1), (60.0, 8.0, 0.9, 0.0), (12.0, 7.0, -0.5, 0.6)]
    wf = sur.generate(*(np.array(c) for c in zip(*points)))
    n, dt = sur.rep.n_samples, sur.rep.delta_t
    for row, (m1, m2, s1, s2) in enumerate(points):
        f_lower = float(f_lower_for_duration(m1, m2, n * dt, NEWTONIAN_TAU_CONSTANT * 1.2, 0.2))
        ref = generate_window(m1, m2, s1, s2, n_samples=n, delta_t=dt, f_lower=f_lower, approximant="SEOBNRv4_opt")
        assert mismatch(ref.hplus, wf.hplus[row].astype(np.float64), delta_t=dt) < 2e-3
    with pytest.raises(ValueError, match="mass_ratio=12 is outside the trained range"):
        sur.generate(60.0, 5.0, 0.0, 0.0)


def test_bench_times_compared_surrogates_and_handles_a_missing_mlgw(rom_dir):
    from wavae.gw.bench import run_benchmark

    result = run_benchmark(rom_dir[0], batch_sizes=[1, 4], time_budget=20.0, repeats=1, devices=["cpu"],
                           baselines=["mlgw"], compare={"same": rom_dir[0]})  # fmt: skip
    assert set(result["series"]) >= {"surrogate_cpu", "same_cpu"}
    assert result["ratios"]["same_cpu/surrogate_cpu"]["n"] == [1, 4]
    try:
        __import__("mlgw")
    except Exception:  # noqa: BLE001
        assert "pip install mlgw" in result["skipped"]["mlgw"]
    else:
        assert result["series"]["mlgw"]["n"]
