"""From a dataset file to model tensors, and back: the seed-000 representation.

Model inputs (all float32):
- ``x``: (batch, 2N-1) = normalised amplitude (N) followed by normalised frequency (N-1),
  each standardised per waveform with its own keys (seed 000 eq. 2);
- ``keys``: (batch, 4) = log of (amplitude_mean, amplitude_std, frequency_mean,
  frequency_std), then standardised with training-set statistics (the raw keys span
  decades: amplitudes ~1e-19 at 1 Mpc);
- ``labels``: (batch, 4) = (mass1, mass2, spin1z, spin2z) mapped linearly from the prior box
  to [-1, 1].

:class:`Representation` holds these transforms; it is stored in checkpoint metadata as JSON so
a surrogate maps physical parameters to physical waveforms without the dataset.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

import h5py
import numpy as np
import torch
from torch.utils.data import Dataset

from wavae.gw.prior import PARAMETERS

KEY_NAMES = ("amplitude_mean", "amplitude_std", "frequency_mean", "frequency_std")


@dataclass
class Representation:
    """Transforms between physical quantities and model tensors (JSON-serialisable)."""

    n_samples: int
    delta_t: float
    prior: dict[str, Any]
    key_log_mean: list[float]
    key_log_std: list[float]
    approximant: str
    reference_distance: float = 1.0  # Mpc, the distance of the stored waveforms

    @property
    def x_dim(self) -> int:
        return 2 * self.n_samples - 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Representation":
        return cls(**d)

    @classmethod
    def fit(cls, path: str | os.PathLike[str], split: int = 0) -> "Representation":
        """Key statistics from the training split of a dataset file."""
        with h5py.File(path, "r") as f:
            rows = f["split"][:] == split
            if not rows.any():
                raise ValueError(f"{path}: the dataset has no waveforms in split {split}")
            logs = np.stack([np.log(f[f"keys/{k}"][:][rows]) for k in KEY_NAMES], axis=1)
            return cls(
                n_samples=int(f["series/amplitude"].shape[1]),
                delta_t=float(f.attrs["delta_t"]),
                prior=json.loads(f.attrs["prior"]),
                key_log_mean=logs.mean(axis=0).tolist(),
                key_log_std=(logs.std(axis=0) + 1e-12).tolist(),
                approximant=str(f.attrs["approximant"]),
                reference_distance=float(f.attrs.get("distance", 1.0)),
            )

    # --- labels ---------------------------------------------------------------
    def bounds(self) -> np.ndarray:
        """(4, 2) prior box of (mass1, mass2, spin1z, spin2z)."""
        return np.array([self.prior[k] for k in PARAMETERS], dtype=np.float64)

    def labels(self, params: np.ndarray | torch.Tensor) -> torch.Tensor:
        """(batch, 4) physical parameters -> labels in [-1, 1] (float32 tensor)."""
        b = torch.as_tensor(self.bounds(), dtype=torch.float64)
        p = torch.as_tensor(params, dtype=torch.float64)
        b = b.to(p.device)
        return (2.0 * (p - b[:, 0]) / (b[:, 1] - b[:, 0]) - 1.0).float()

    # --- keys -----------------------------------------------------------------
    def encode_keys(self, keys: np.ndarray | torch.Tensor) -> torch.Tensor:
        """(batch, 4) raw keys -> standardised log keys (float32)."""
        k = torch.as_tensor(keys, dtype=torch.float64)
        mu = torch.tensor(self.key_log_mean, dtype=torch.float64, device=k.device)
        sd = torch.tensor(self.key_log_std, dtype=torch.float64, device=k.device)
        return ((torch.log(k) - mu) / sd).float()

    def decode_keys(self, z: torch.Tensor) -> torch.Tensor:
        """Standardised log keys (batch, 4) -> raw keys, float64."""
        mu = torch.tensor(self.key_log_mean, dtype=torch.float64, device=z.device)
        sd = torch.tensor(self.key_log_std, dtype=torch.float64, device=z.device)
        return torch.exp(z.double() * sd + mu)

    def series_from_model(self, x: torch.Tensor, keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Model output x (batch, 2N-1) and standardised keys (batch, 4) -> amplitude
        (batch, N) at the reference distance and frequency [Hz] (batch, N-1), float64."""
        raw = self.decode_keys(keys)
        n = self.n_samples
        x = x.double()
        amp = x[:, :n] * raw[:, 1:2] + raw[:, 0:1]
        freq = x[:, n:] * raw[:, 3:4] + raw[:, 2:3]
        return amp, freq


class SeriesDataset(Dataset):
    """One split of a dataset file as ``{"x", "keys", "labels"}`` float32 samples.

    ``in_memory`` (default: when the split's series take < 2 GiB) reads the split at once;
    otherwise rows are read lazily from the HDF5 file (opened once per worker process).
    """

    def __init__(self, path: str | os.PathLike[str], split: int, representation: Representation, in_memory: bool | None = None, limit: int | None = None) -> None:
        self.path = str(path)
        self.rep = representation
        with h5py.File(self.path, "r") as f:
            self.rows = np.flatnonzero(f["split"][:] == split)
            if limit is not None:
                self.rows = self.rows[:limit]
            keys = np.stack([f[f"keys/{k}"][:][self.rows] for k in KEY_NAMES], axis=1)
            params = np.stack([f[f"params/{k}"][:][self.rows] for k in PARAMETERS], axis=1)
            n = f["series/amplitude"].shape[1]
        self.keys_raw = keys
        self.keys = representation.encode_keys(keys)
        self.labels = representation.labels(params)
        self.params = params
        size = len(self.rows) * (2 * n - 1) * 4
        self.in_memory = size < 2**31 if in_memory is None else in_memory
        self._file: h5py.File | None = None
        self._x: torch.Tensor | None = None
        if self.in_memory and len(self.rows):
            with h5py.File(self.path, "r") as f:
                amp = f["series/amplitude"][self.rows[0] : self.rows[-1] + 1][self.rows - self.rows[0]]
                freq = f["series/frequency"][self.rows[0] : self.rows[-1] + 1][self.rows - self.rows[0]]
            self._x = torch.from_numpy(self._normalise(amp, freq, keys))

    @staticmethod
    def _normalise(amp: np.ndarray, freq: np.ndarray, keys: np.ndarray) -> np.ndarray:
        a = (amp - keys[:, 0:1]) / keys[:, 1:2]
        f = (freq - keys[:, 2:3]) / keys[:, 3:4]
        return np.concatenate([a, f], axis=1).astype(np.float32)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        if self._x is not None:
            x = self._x[i]
        else:
            if self._file is None:
                self._file = h5py.File(self.path, "r")
            r = int(self.rows[i])
            amp = self._file["series/amplitude"][r : r + 1]
            freq = self._file["series/frequency"][r : r + 1]
            x = torch.from_numpy(self._normalise(amp, freq, self.keys_raw[i : i + 1])[0])
        return {"x": x, "keys": self.keys[i], "labels": self.labels[i]}
