"""The main job, on a small scale: the default model, a check against lalsimulation, plots."""

from __future__ import annotations

import json

from wavae.demo import main


def test_demo_runs_end_to_end(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--n", "300", "--check", "6", "--check-native", "1"]) == 0
    summary = json.loads((tmp_path / "demo_summary.json").read_text())
    assert summary["checks"]["SEOBNRv4_opt"]["hplus"]["max"] < 5e-3
    assert summary["checks"]["SEOBNRv4"]["hplus"]["n"] == 1 and "speed_ratio" in summary["checks"]["SEOBNRv4"]
    for name in ("demo_examples.png", "demo_mismatch_histogram.png", "demo_mismatch_tomography.png", "demo_speed.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert "| SEOBNRv4_opt | 6 | hplus |" in capsys.readouterr().out
