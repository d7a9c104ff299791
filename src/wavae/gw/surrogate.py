"""The user-facing surrogate: ``Surrogate.load(RUN_DIR).generate(mass1, mass2, spin1z, spin2z)``.

Generation runs the conditional priors and the decoder only (the encoders are dropped),
de-normalises amplitude and frequency with the generated keys, integrates the phase in
float64 and forms h+ and hx; distance, inclination and coa_phase are applied analytically to
the (2,2) mode, in lalsimulation's convention (checked against it in the tests):

    h+ = (D0 / D) A (1 + cos^2 i) / 2 cos(phase + 2 coa_phase)
    hx = (D0 / D) A cos i            sin(phase + 2 coa_phase)

where A and phase are the face-on amplitude and phase at the reference distance D0 = 1 Mpc.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch

from wavae.gw.decompose import phase_from_frequency
from wavae.gw.prior import PARAMETERS
from wavae.gw.training_data import Representation
from wavae.io.checkpoint import load_checkpoint
from wavae.train import resolve_device

ArrayLike = Union[float, np.ndarray, torch.Tensor]
DEFAULT_CHUNK = 4096  # waveforms generated per model call (bounds memory)
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"


@dataclass
class Waveforms:
    """Generated polarisations, shape (batch, samples); ``start`` (batch,) is the time [s] of
    each row's first sample relative to the peak of its amplitude (t = 0), so row j's time
    axis is ``start[j] + delta_t * arange(samples)`` (:attr:`times`). numpy arrays unless the
    parameters came as torch tensors (then tensors on the model's device)."""

    hplus: Any
    hcross: Any
    start: Any
    delta_t: float

    @property
    def times(self) -> Any:
        """Time axis [s] of every row, (batch, samples), float64, t = 0 at the amplitude peak."""
        n = self.hplus.shape[-1]
        if isinstance(self.start, torch.Tensor):
            steps = torch.arange(n, dtype=torch.float64, device=self.start.device) * self.delta_t
            return self.start.reshape(-1, 1).double() + steps
        return np.asarray(self.start, dtype=np.float64).reshape(-1, 1) + np.arange(n) * self.delta_t


class Surrogate:
    """A trained waveform model with its representation, ready to generate on one device."""

    def __init__(self, model: torch.nn.Module, info: dict[str, Any], device: torch.device) -> None:
        self.model = model
        self.info = info
        self.device = device
        meta = info.get("metadata") or {}
        if "representation" not in meta:
            raise ValueError("incompatible checkpoint: its metadata has no gravitational-wave 'representation'")
        self.rep = Representation.from_dict(meta["representation"])
        self.fingerprint = meta.get("dataset_fingerprint")

    @classmethod
    def load(cls, run_dir: str | os.PathLike[str] = "default", *, device: str | torch.device = "auto",
             compile: bool | str = "auto") -> "Surrogate":
        """Load a checkpoint folder (``wavae gw train --out RUN_DIR``), or "default" for the
        model shipped with the package.

        compile: for the default model type (geometric_rom) on a CPU, fuse generation with
        ``torch.compile`` (the first generate call then takes tens of seconds, later ones are
        ~8x faster). "auto": yes unless the environment sets WAVAE_COMPILE=0."""
        path = DEFAULT_MODEL_DIR if str(run_dir) == "default" else Path(run_dir)
        if not (path / "model.json").exists():
            if str(run_dir) == "default":
                raise FileNotFoundError(f"the default model is missing from {path}: reinstall wavae")
            raise FileNotFoundError(f"{path}: no model.json found (train one with 'wavae gw train --out DIR')")
        dev = resolve_device(str(device))
        model, info = load_checkpoint(path, device=dev)
        if info.get("model") == "geometric_rom" and cls is Surrogate:
            from wavae.gw.rom_surrogate import RomSurrogate

            if compile == "auto":
                compile = os.environ.get("WAVAE_COMPILE", "1") != "0"
            return RomSurrogate(model, info, dev).compile(bool(compile))
        return cls(model, info, dev)

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        """Trained parameter ranges: mass1, mass2 [Msun], spin1z, spin2z, and max_mass_ratio."""
        return {k: tuple(self.rep.prior[k]) for k in (*PARAMETERS, "max_mass_ratio")}  # type: ignore[misc]

    @property
    def delta_t(self) -> float:
        return self.rep.delta_t

    def check_domain(self, params: np.ndarray, extrapolate: bool = False) -> None:
        """Refuse (or, with ``extrapolate``, warn about) points outside the trained domain."""
        problems = []
        for j, k in enumerate(PARAMETERS):
            lo, hi = self.rep.prior[k]
            v = params[:, j]
            bad = (v < lo - 1e-9) | (v > hi + 1e-9)
            if bad.any():
                problems.append(f"{k}={v[bad][0]:g} is outside the trained range [{lo:g}, {hi:g}]")
        q = np.maximum(params[:, 0], params[:, 1]) / np.minimum(params[:, 0], params[:, 1])
        qmax = float(self.rep.prior["max_mass_ratio"])
        if (q > qmax * (1 + 1e-9)).any():
            problems.append(f"mass ratio {q.max():.3g} is above the trained maximum {qmax:g}")
        report_domain(problems, extrapolate)

    @torch.inference_mode()
    def generate(
        self,
        mass1: ArrayLike,
        mass2: ArrayLike,
        spin1z: ArrayLike,
        spin2z: ArrayLike,
        *,
        distance: ArrayLike = 1.0,
        inclination: ArrayLike = 0.0,
        coa_phase: ArrayLike = 0.0,
        sample: bool = True,
        seed: int | None = 42,
        extrapolate: bool = False,
        chunk: int = DEFAULT_CHUNK,
    ) -> Waveforms:
        """h+ and hx for masses [Msun], aligned spins, distance [Mpc] and angles [rad].

        Scalars and arrays broadcast to one batch. ``sample`` draws the latent variables from
        the conditional priors (seeded by ``seed``); ``sample=False`` uses their means.
        """
        as_torch = any(isinstance(v, torch.Tensor) for v in (mass1, mass2, spin1z, spin2z, distance, inclination, coa_phase))
        cols = [torch.as_tensor(v, dtype=torch.float64).cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v, dtype=np.float64)
                for v in (mass1, mass2, spin1z, spin2z, distance, inclination, coa_phase)]  # fmt: skip
        try:
            cols = np.broadcast_arrays(*cols)
        except ValueError:
            shapes = ", ".join(f"{k}={np.shape(c)}" for k, c in zip((*PARAMETERS, "distance", "inclination", "coa_phase"), cols))
            raise ValueError(f"parameters do not broadcast to one batch: {shapes}") from None
        flat = np.stack([c.reshape(-1) for c in cols], axis=1)
        if not np.all(np.isfinite(flat)):
            raise ValueError("parameters: NaN or infinite values")
        if (flat[:, 4] <= 0).any():
            raise ValueError(f"distance: must be > 0 Mpc, got {flat[:, 4].min():g}")
        self.check_domain(flat[:, :4], extrapolate)
        gen = None
        if seed is not None:
            gen = torch.Generator(device=self.device)
            gen.manual_seed(int(seed))
        outs = [self._generate_chunk(flat[i : i + chunk], sample, gen) for i in range(0, len(flat), chunk)]
        hp, hc, start = (torch.cat([o[j] for o in outs]) if len(outs) > 1 else outs[0][j] for j in range(3))
        if as_torch:
            return Waveforms(hp, hc, start, self.delta_t)
        return Waveforms(hp.cpu().numpy(), hc.cpu().numpy(), start.cpu().numpy(), self.delta_t)

    def series(
        self, params: np.ndarray | torch.Tensor, *, sample: bool = True, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(batch, 4) physical (mass1, mass2, spin1z, spin2z) -> face-on amplitude (batch, N) at
        the reference distance and frequency [Hz] (batch, N-1), float64 on the model's device:
        conditional priors + decoder + de-normalised keys. No domain check (see generate)."""
        with torch.inference_mode():
            p = torch.as_tensor(params, dtype=torch.float64, device=self.device)
            x_hat, keys_hat = self.model.generate(self.rep.labels(p), sample=sample, generator=generator)
            amp, freq = self.rep.series_from_model(x_hat, keys_hat)
            return amp.clamp_min(0.0), freq

    def polarisations(
        self, amp: torch.Tensor, freq: torch.Tensor, distance: Any = 1.0, inclination: Any = 0.0, coa_phase: Any = 0.0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """h+, hx (batch, N) from :meth:`series` output; distance [Mpc] and angles [rad] are
        scalars or (batch, 1) tensors (the formula of this module's docstring)."""
        phase = phase_from_frequency(freq, self.delta_t) + 2.0 * torch.as_tensor(coa_phase, dtype=torch.float64, device=amp.device)
        cos_i = torch.cos(torch.as_tensor(inclination, dtype=torch.float64, device=amp.device))
        scale = amp * (self.rep.reference_distance / torch.as_tensor(distance, dtype=torch.float64, device=amp.device))
        return scale * (1.0 + cos_i**2) / 2.0 * torch.cos(phase), scale * cos_i * torch.sin(phase)

    def _generate_chunk(self, flat: np.ndarray, sample: bool, gen: torch.Generator | None) -> tuple[torch.Tensor, ...]:
        p = torch.as_tensor(flat, dtype=torch.float64, device=self.device)
        amp, freq = self.series(p[:, :4], sample=sample, generator=gen)
        hp, hc = self.polarisations(amp, freq, p[:, 4:5], p[:, 5:6], p[:, 6:7])
        peak = torch.argmax(amp, dim=1)
        return hp, hc, -peak.double() * self.delta_t


def report_domain(problems: list[str], extrapolate: bool) -> None:
    """Raise ValueError listing ``problems`` (or, with ``extrapolate``, warn); nothing if none."""
    if not problems:
        return
    if extrapolate:
        warnings.warn("extrapolating outside the trained domain: " + "; ".join(problems), stacklevel=4)
        return
    raise ValueError("; ".join(problems) + " (extrapolate=True, or --extrapolate, generates anyway with a warning)")


def apply_extrinsic(hplus_face_on: np.ndarray, hcross_face_on: np.ndarray, distance: float, inclination: float, coa_phase: float, reference_distance: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Face-on (2,2)-mode polarisations at ``reference_distance`` -> any distance, inclination
    and coa_phase (numpy, float64), by the formula of this module's docstring."""
    a = np.hypot(hplus_face_on, hcross_face_on) * reference_distance / distance
    ph = np.arctan2(hcross_face_on, hplus_face_on) + 2.0 * coa_phase
    c = math.cos(inclination)
    return a * (1 + c * c) / 2 * np.cos(ph), a * c * np.sin(ph)
