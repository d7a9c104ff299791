"""Evaluation report and benchmark (wavae.gw.evaluate, wavae.gw.bench, wavae gw evaluate/bench)
on the tiny lalsimulation dataset with a tiny untrained surrogate (plumbing, not accuracy)."""

from __future__ import annotations

import argparse
import csv
import json

import h5py
import numpy as np
import pytest
import torch

pytest.importorskip("lalsimulation")
pytest.importorskip("matplotlib")

from wavae.gw.evaluate import (  # noqa: E402
    evaluate_arrays,
    evaluate_surrogate,
    mismatch_table,
    write_report,
)
from wavae.gw.prior import PARAMETERS  # noqa: E402

LATENT_K, LATENT_M = 3, 4


@pytest.fixture(scope="module")
def run_dir(tiny_dataset, tmp_path_factory):
    from wavae.gw.training_data import Representation
    from wavae.io.checkpoint import save_checkpoint
    from wavae.nn import build_model

    rep = Representation.fit(tiny_dataset)
    torch.manual_seed(0)
    model = build_model("cvae2c2e1d", {"x_dim": rep.x_dim, "hidden": 32, "decoder_hidden": 32})
    path = tmp_path_factory.mktemp("run")
    save_checkpoint(path, model, {"representation": rep.to_dict(), "dataset_fingerprint": "tiny"})
    return path


@pytest.fixture(scope="module")
def surrogate(run_dir):
    from wavae.gw.surrogate import Surrogate

    return Surrogate.load(run_dir, device="cpu")


@pytest.fixture(scope="module")
def stored(tiny_dataset):
    with h5py.File(tiny_dataset, "r") as f:
        out = {k: f[f"waveforms/{k}"][:].astype(np.float64) for k in ("hplus", "hcross")}
        out.update({k: f[f"params/{k}"][:] for k in (*PARAMETERS, "f_lower")})
        out["delta_t"] = float(f.attrs["delta_t"])
    return out


@pytest.fixture(scope="module")
def result(surrogate, tiny_dataset):
    return evaluate_surrogate(surrogate, tiny_dataset, split="all", latent_k=LATENT_K, latent_m=LATENT_M,
                              baselines=["SEOBNRv4_opt"])  # fmt: skip


@pytest.fixture(scope="module")
def report(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, write_report(result, out)


def test_report_files(report, result):
    out, files = report
    for name in ("summary.json", "summary.md", "per_waveform.csv", "latent_uncertainty.csv", "mismatch_histogram.png",
                 "overlays.png", "tomography_mass.png", "tomography_chi_eff.png", "tomography_binned.png",
                 "latent_uncertainty.png"):  # fmt: skip
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
        assert files[name] == out / name
    with open(out / "per_waveform.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12 == result.n
    with open(out / "latent_uncertainty.csv") as fh:
        assert len(list(csv.DictReader(fh))) == LATENT_M
    summary = json.loads((out / "summary.json").read_text())  # strict JSON: no NaN
    assert summary["n"] == 12
    assert set(summary["table"]["mismatch_hplus"]) == {"n", "n_invalid", "mean", "median", "best", "worst", "p90", "p99"}
    md = (out / "summary.md").read_text()
    assert "| mismatch_hcross |" in md and "Restricted" in md and "Latent-sampling" in md


def _numpy_stats(v: np.ndarray) -> dict[str, float]:
    v = v[np.isfinite(v)]
    return {"mean": v.mean(), "median": np.median(v), "best": v.min(), "worst": v.max(),
            "p90": np.percentile(v, 90), "p99": np.percentile(v, 99)}  # fmt: skip


def test_summary_statistics_equal_numpy(result):
    table = result.summary["table"]
    for name, values in result.metrics.items():
        for k, expected in _numpy_stats(values).items():
            assert table[name][k] == pytest.approx(expected, rel=1e-12, abs=1e-300), (name, k)
    lo, hi = result.summary["restricted_chi_eff"]["range"]
    inside = (result.params["chi_eff"] >= lo) & (result.params["chi_eff"] <= hi)
    restricted = result.summary["restricted_chi_eff"]["table"]["mismatch_hplus"]
    assert restricted["n"] == inside.sum()
    if inside.any():
        assert restricted["median"] == pytest.approx(np.median(result.metrics["mismatch_hplus"][inside]))
    std = result.latent["std_hplus"]
    assert result.summary["latent_uncertainty"]["median_std_mismatch_hplus"] == pytest.approx(np.median(std))
    assert std.shape == (LATENT_M,) and np.all(std >= 0)


def test_csv_matches_dataset_and_result(report, result, stored):
    out, _ = report
    with open(out / "per_waveform.csv") as fh:
        rows = list(csv.DictReader(fh))
    file_rows = np.array([int(r["row"]) for r in rows])
    for k in (*PARAMETERS, "f_lower"):
        np.testing.assert_array_equal(np.array([float(r[k]) for r in rows]), stored[k][file_rows])
    for k in ("mismatch_hplus", "mismatch_hcross_untapered", "cosine_frequency", "baseline_SEOBNRv4_opt_mismatch_hplus"):
        np.testing.assert_array_equal(np.array([float(r[k]) for r in rows]), result.metrics[k])


def test_identical_arrays_give_zero(stored):
    res = evaluate_arrays(stored["hplus"], stored["hcross"], stored["hplus"], stored["hcross"], delta_t=stored["delta_t"],
                          params={k: stored[k] for k in PARAMETERS})  # fmt: skip
    for name, v in res.metrics.items():
        assert np.all(np.abs(v) < 1e-12), name
    assert res.summary["table"]["mismatch_hplus"]["worst"] < 1e-12
    assert "tomography" in res.summary and set(res.examples) == {"best", "median", "worst"}


def test_own_approximant_baseline_is_exact(result):
    for name in ("mismatch_hplus", "mismatch_hcross", "mismatch_hplus_untapered", "mismatch_hcross_untapered",
                 "cosine_amplitude", "cosine_frequency"):  # fmt: skip
        v = result.metrics[f"baseline_SEOBNRv4_opt_{name}"]
        assert np.all(np.isfinite(v)) and np.all(np.abs(v) < 1e-6), name
    assert result.summary["baseline_failures"] == {"SEOBNRv4_opt": []}


def test_draws_match_surrogate_generate(surrogate, tiny_dataset, result, stored):
    params = [stored[k] for k in PARAMETERS]
    w = surrogate.generate(*params, seed=42)
    for ex in result.examples.values():
        np.testing.assert_allclose(ex["generated"], w.hplus[ex["position"]], rtol=0, atol=1e-30)
    # other block sizes: same bookkeeping, draws equal generate(..., chunk=5); latent means unchanged
    small = evaluate_surrogate(surrogate, tiny_dataset, split="all", latent_k=0, batch_size=4, generation_chunk=5)
    w5 = surrogate.generate(*params, seed=42, chunk=5)
    for ex in small.examples.values():
        np.testing.assert_allclose(ex["generated"], w5.hplus[ex["position"]], rtol=0, atol=1e-30)
    np.testing.assert_allclose(small.metrics["mean_latent_mismatch_hplus"], result.metrics["mean_latent_mismatch_hplus"], rtol=1e-9)
    assert small.latent is None


def test_mismatch_table_handles_nan():
    t = mismatch_table([1e-3, np.nan, 1e-2, np.inf, 1e-4])
    assert t["n"] == 3 and t["n_invalid"] == 2
    assert t["best"] == 1e-4 and t["worst"] == 1e-2 and t["median"] == 1e-3
    empty = mismatch_table([])
    assert empty["n"] == 0 and np.isnan(empty["mean"])


def test_bench_ratios_from_same_run(run_dir, tmp_path):
    from wavae.gw.bench import run_benchmark, write_benchmark

    res = run_benchmark(run_dir, batch_sizes=(1, 2, 4), time_budget=5.0, repeats=2, devices=["cpu", "cuda"],
                        baselines=["IMRPhenomXAS"])  # fmt: skip
    files = write_benchmark(res, tmp_path)
    data = json.loads(files["bench.json"].read_text())
    assert files["bench.png"].is_file()
    sur, base = data["series"]["surrogate_cpu"], data["series"]["IMRPhenomXAS"]
    assert sur["n"] == [1, 2, 4] and len(sur["seconds"][0]) == 2
    assert sur["time_per_batch_s"][0] == pytest.approx(np.median(sur["seconds"][0]))
    ratio = data["ratios"]["IMRPhenomXAS/surrogate_cpu"]
    for n, r in zip(ratio["n"], ratio["ratio"]):
        i, j = base["n"].index(n), sur["n"].index(n)
        assert r == pytest.approx(base["time_per_waveform_s"][i] / sur["time_per_waveform_s"][j])
    assert ratio["n"] and ratio["at_1000"] is None
    assert data["machine"]["cpu_count"] >= 1 and "torch_threads" in data["machine"]
    if not torch.cuda.is_available():
        assert "cuda" in data["skipped"]
    assert base["min_time_before_peak_s"] >= data["settings"]["window_s"]
    # a budget too small for a second batch size stops every series after the first
    tiny = run_benchmark(run_dir, batch_sizes=(1, 1000), time_budget=1e-9, repeats=1, devices=["cpu"], baselines=["IMRPhenomXAS"])
    assert all(s["n"] == [1] and s["stopped_before"] == 1000 for s in tiny["series"].values())


def _cli(argv: list[str]) -> int:
    from wavae.cli import gw_eval

    parser = argparse.ArgumentParser(prog="wavae gw")
    gw_eval.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_evaluate_and_errors(run_dir, tiny_dataset, tmp_path, capsys):
    out = tmp_path / "rep"
    assert _cli(["evaluate", "--model", str(run_dir), "--data", str(tiny_dataset), "--report", str(out),
                 "--latent-k", "0", "--device", "cpu", "--quiet"]) == 0  # fmt: skip
    with open(out / "per_waveform.csv") as fh:
        test_rows = sum(1 for _ in fh) - 1
    with h5py.File(tiny_dataset, "r") as f:
        assert test_rows == int((f["split"][:] == 2).sum())
    assert not (out / "latent_uncertainty.csv").exists()
    assert "waveforms: mismatch" in capsys.readouterr().out
    base = ["evaluate", "--model", str(run_dir), "--data", str(tiny_dataset), "--report", str(out)]
    for extra, flag in ((["--limit", "0"], "--limit"), (["--baseline", "NoSuchModel"], "--baseline"),
                        (["--psd", "NoSuchPSD"], "--psd"), (["--restricted-chi-eff", "0.5", "-0.5"], "--restricted-chi-eff"),
                        (["--taper", "5"], "--taper")):  # fmt: skip
        with pytest.raises(ValueError, match=flag):
            _cli(base + extra)
    with pytest.raises(ValueError, match="--model"):
        _cli(["evaluate", "--model", str(tmp_path / "missing"), "--data", str(tiny_dataset), "--report", str(out)])
    with pytest.raises(ValueError, match="--data"):
        _cli(["evaluate", "--model", str(run_dir), "--data", str(tmp_path / "missing.h5"), "--report", str(out)])
    with pytest.raises(ValueError, match="--batch-sizes"):
        _cli(["bench", "--model", str(run_dir), "--batch-sizes", "1,x", "--out", str(tmp_path)])
    with pytest.raises(ValueError, match="--baselines"):
        _cli(["bench", "--model", str(run_dir), "--baselines", "NoSuchModel", "--out", str(tmp_path)])
