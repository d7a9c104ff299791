"""Shared fixtures: tiny real datasets made with lalsimulation."""

from __future__ import annotations

import os

import pytest

# Keep worker processes and BLAS from oversubscribing the CI machine's two cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Generate eagerly: torch.compile costs tens of seconds per process (tested on its own).
os.environ.setdefault("WAVAE_COMPILE", "0")

TINY = dict(n=12, seed=7, duration=0.25, calibration_size=20, shard_size=4)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory):
    """A 12-waveform SEOBNRv4_opt dataset (0.25 s at 8192 Hz), built once per test session."""
    from wavae.gw import generate_dataset

    path = tmp_path_factory.mktemp("data") / "tiny.h5"
    generate_dataset(path, workers=1, progress=False, **TINY)
    return path
