"""The dataset pipeline end to end: real lalsimulation, real HDF5, local processes and a
real Dask LocalCluster on loopback, and a real kill-and-resume of the command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import TINY
from wavae.gw import Prior, generate_dataset, generate_polarisations, read_settings
from wavae.gw.dataset import _shard_task, _write_shard, DatasetSettings


def _contents(path: Path) -> dict[str, object]:
    """Every dataset and attribute of a file, for exact comparison."""
    out: dict[str, object] = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        out.update({f"@{k}": v for k, v in f.attrs.items()})
    return out


def _assert_same(a: Path, b: Path) -> None:
    ca, cb = _contents(a), _contents(b)
    assert sorted(ca) == sorted(cb)
    for key in ca:
        np.testing.assert_array_equal(np.asarray(ca[key]), np.asarray(cb[key]), err_msg=key)


def test_schema_and_attributes(tiny_dataset):
    with h5py.File(tiny_dataset, "r") as f:
        n = f.attrs["n_waveforms"]
        assert n + f.attrs["n_failed"] == TINY["n"]
        for key in ("mass1", "mass2", "spin1z", "spin2z", "f_lower"):
            assert f[f"params/{key}"].shape == (n,)
        length = int(round(TINY["duration"] * 8192))
        assert f["waveforms/hplus"].shape == f["waveforms/hcross"].shape == (n, length)
        assert f["series/amplitude"].shape == (n, length)
        assert f["series/frequency"].shape == (n, length - 1)
        for key in ("amplitude_mean", "amplitude_std", "frequency_mean", "frequency_std"):
            assert f[f"keys/{key}"].shape == (n,)
        assert set(np.unique(f["split"][:])) <= {0, 1, 2}
        for attr in ("approximant", "sample_rate", "duration", "tau_constant", "seed", "lalsuite_version", "prior", "fingerprint"):
            assert attr in f.attrs
        assert Prior.from_json(f.attrs["prior"]) == Prior()
        assert f["waveforms/hplus"].compression == "gzip" and f["waveforms/hplus"].chunks is not None
        # The calibrated constant is close to the Newtonian quadrupole value (merger adds time).
        from wavae.gw.waveform import NEWTONIAN_TAU_CONSTANT

        assert 0.5 < f.attrs["tau_constant"] / NEWTONIAN_TAU_CONSTANT < 2.0


def test_windows_are_the_last_duration_of_lalsimulation(tiny_dataset):
    """Exactly duration * sample_rate samples, no zero padding at the start, equal to the end
    of what lalsimulation returns from the stored f_lower."""
    with h5py.File(tiny_dataset, "r") as f:
        p = {k: f[f"params/{k}"][:] for k in ("mass1", "mass2", "spin1z", "spin2z", "f_lower")}
        hp, hc = f["waveforms/hplus"][:], f["waveforms/hcross"][:]
        amp, freq = f["series/amplitude"][:], f["series/frequency"][:]
        keys = {k: f[f"keys/{k}"][:] for k in ("amplitude_mean", "amplitude_std", "frequency_mean")}
        epoch = f["times/epoch"][:]
    for i in range(len(p["mass1"])):
        ref_p, ref_c, ref_epoch = generate_polarisations(
            p["mass1"][i], p["mass2"][i], p["spin1z"][i], p["spin2z"][i],
            f_lower=p["f_lower"][i], delta_t=1 / 8192, approximant="SEOBNRv4_opt",
        )  # fmt: skip
        n = hp.shape[1]
        assert ref_p.shape[0] >= n
        np.testing.assert_allclose(hp[i], ref_p[-n:], rtol=1e-6, atol=1e-6 * np.abs(ref_p).max())
        np.testing.assert_allclose(hc[i], ref_c[-n:], rtol=1e-6, atol=1e-6 * np.abs(ref_c).max())
        assert np.hypot(hp[i, :10], hc[i, :10]).min() > 0, "no zero padding at the start"
        assert epoch[i] == pytest.approx(ref_epoch + (ref_p.shape[0] - n) / 8192)
        np.testing.assert_allclose(amp[i], np.hypot(ref_p[-n:], ref_c[-n:]), rtol=1e-6)
        assert keys["amplitude_mean"][i] == pytest.approx(amp[i].mean(), rel=1e-5)
        assert keys["amplitude_std"][i] == pytest.approx(amp[i].std(), rel=1e-4)
        assert keys["frequency_mean"][i] == pytest.approx(freq[i].mean(), rel=1e-5)


def test_split_is_70_10_20_and_seeded():
    from wavae.gw import split_labels

    s = split_labels(1000, seed=3)
    assert [(s == k).sum() for k in (0, 1, 2)] == [700, 100, 200]
    np.testing.assert_array_equal(s, split_labels(1000, seed=3))
    assert not np.array_equal(s, split_labels(1000, seed=4))


def test_prior_respects_bounds_and_mass_ratio():
    prior = Prior()
    draws = prior.sample(5000, seed=1)
    q = np.maximum(draws["mass1"], draws["mass2"]) / np.minimum(draws["mass1"], draws["mass2"])
    assert q.max() <= 10.0 and draws["mass1"].min() >= 5.0 and draws["spin2z"].max() <= 0.99
    assert prior.contains(draws).all()


def test_one_worker_two_workers_and_dask_are_identical(tmp_path, tiny_dataset):
    from distributed import LocalCluster

    two = tmp_path / "two.h5"
    generate_dataset(two, workers=2, progress=False, **TINY)
    _assert_same(tiny_dataset, two)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        dask = tmp_path / "dask.h5"
        summary = generate_dataset(dask, scheduler=cluster.scheduler_address, progress=False, **TINY)
        assert summary.workers == 2
    _assert_same(tiny_dataset, dask)


def test_killed_run_resumes_to_the_same_file(tmp_path, tiny_dataset):
    out = tmp_path / "resumed.h5"
    parts = tmp_path / "resumed.h5.parts"
    args = [
        sys.executable, "-m", "wavae", "gw", "datagen", "--out", str(out), "--n", str(TINY["n"]),
        "--seed", str(TINY["seed"]), "--duration", str(TINY["duration"]), "--workers", "1",
        "--calibration-size", str(TINY["calibration_size"]), "--shard-size", "1", "--quiet",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("shard_*.h5"))) < 3:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list(parts.glob("shard_*.h5")))
    assert 3 <= done < TINY["n"], "the run was killed part-way"
    assert not out.exists()
    subprocess.run(args, check=True, stderr=subprocess.DEVNULL)
    assert not parts.exists()
    _assert_same(tiny_dataset, out)


def test_rejected_points_are_recorded_with_reason(tmp_path):
    """A point lalsimulation rejects (SEOBNRv4 stops at mass ratio 100) is kept with its reason."""
    settings = DatasetSettings(n=2, duration=0.25)
    params = {k: np.array(v) for k, v in dict(mass1=[30.0, 200.0], mass2=[25.0, 1.5], spin1z=[0.1, 0.0], spin2z=[0.2, 0.0]).items()}
    result = _shard_task(params, np.array([0, 1]), settings, tau_constant=4.4e5)
    assert list(result["index"]) == [0]
    assert [i for i, _ in result["failures"]] == [1]
    assert "SEOBNRv4_opt" in result["failures"][0][1]
    _write_shard(tmp_path / "shard.h5", result)
    with h5py.File(tmp_path / "shard.h5", "r") as f:
        assert list(f["failures/index"][:]) == [1] and f["failures/reason"].shape == (1,)


@pytest.mark.parametrize(
    "kwargs, flag",
    [
        (dict(n=0), "--n"),
        (dict(n=5, sample_rate=2048.0), "--sample-rate"),
        (dict(n=5, approximant="NotAnApproximant"), "--approximant"),
        (dict(n=5, approximant="TaylorF2"), "--approximant"),
        (dict(n=5, prior=Prior(mass1=(40.0, 10.0))), "--mass1"),
        (dict(n=5, prior=Prior(spin1z=(-0.5, 1.2))), "--spin1z"),
        (dict(n=5, duration=-1.0), "--duration"),
        (dict(n=5, workers=0), "--workers"),
    ],
)
def test_bad_arguments_name_the_flag(tmp_path, kwargs, flag):
    with pytest.raises(ValueError, match=flag):
        generate_dataset(tmp_path / "bad.h5", progress=False, calibration_size=10, **kwargs)
    assert not (tmp_path / "bad.h5").exists()


def test_existing_file_with_other_settings_is_refused(tiny_dataset):
    settings = dict(TINY, seed=8)
    with pytest.raises(ValueError, match="--seed"):
        generate_dataset(tiny_dataset, workers=1, progress=False, **settings)
    assert read_settings(tiny_dataset)["seed"] == TINY["seed"]
    # Same settings: nothing to do, the file is untouched.
    assert generate_dataset(tiny_dataset, workers=1, progress=False, **TINY).generated_now == 0


def test_cli_info_and_help(tiny_dataset):
    from wavae.cli import main

    assert main(["gw", "info", str(tiny_dataset)]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["gw", "datagen", "--help"])
    assert exc.value.code == 0
    assert main(["gw", "datagen", "--n", "-3", "--out", os.devnull]) == 2
