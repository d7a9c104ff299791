"""The surrogate front end of a :class:`~wavae.gw.rom.GeometricROM` (the default model).

Same calls as :class:`~wavae.gw.surrogate.Surrogate` (``generate``, ``series``,
``polarisations``, ``check_domain``); differences:

- deterministic: ``sample`` and ``seed`` are accepted and ignored;
- the domain is (mass ratio, spins) of the training set and any total mass whose window fits
  the time grid: M >= duration / (|tau_start| G Msun / c^3), about 9.2 Msun for 1 s;
- h+ and hx come back in float32 (their relative precision, ~1e-7, is far below the model's
  error), built straight from the packed bases (:mod:`wavae.gw.synthesis`).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from wavae.gw.decompose import decompose
from wavae.gw.geometric import MTSUN_S, TimeGrid, intrinsic_from_components
from wavae.gw.prior import Prior
from wavae.gw.surrogate import Surrogate, report_domain
from wavae.gw.synthesis import extrinsic_factors, fused_kernel, kernel_arguments, node_positions, peak_offset, render


@dataclass
class RomSampling:
    """What evaluation and benchmarks read off a surrogate: the window it generates."""

    n_samples: int
    delta_t: float
    reference_distance: float = 1.0
    prior: dict[str, Any] = field(default_factory=lambda: json.loads(Prior().to_json()))  # where benchmarks draw


class RomSurrogate(Surrogate):
    """A loaded geometric ROM, ready to generate on one device."""

    def __init__(self, model: torch.nn.Module, info: dict[str, Any], device: torch.device) -> None:
        self.model = model
        self.info = info
        self.device = device
        meta = info.get("metadata") or {}
        self.rep = RomSampling(int(meta["n_samples"]), float(meta["delta_t"]), float(meta.get("reference_distance", 1.0)))
        self.fingerprint = meta.get("dataset_fingerprint")
        self.grid: TimeGrid = model.config.time_grid
        self.rep.prior = json.loads(self._benchmark_prior().to_json())
        self._kernel = None
        self.compiled = False

    def compile(self, enabled: bool = True) -> "RomSurrogate":
        """Fuse the per-sample work with ``torch.compile`` (CPU only; ~8x faster at batch 1000).
        The first call afterwards compiles (tens of seconds; cached on disk by torch for later
        processes). If compilation is impossible here (no C++ compiler), warn and stay eager."""
        if not enabled or self.device.type != "cpu":
            self._kernel, self.compiled = None, False
            return self
        kernel = torch.compile(fused_kernel, dynamic=True)
        try:
            with torch.inference_mode():
                args = kernel_arguments(torch.zeros(2), torch.full((2,), 60.0), self.grid, 64, self.rep.delta_t)
                kernel(torch.zeros(2, self.grid.size, 2), cross_ratio=torch.ones(2, 1), **args)
        except Exception as err:  # noqa: BLE001 - any backend failure means: run eagerly
            warnings.warn(f"torch.compile is unavailable here ({type(err).__name__}: {err}); generating without it", stacklevel=2)
            self._kernel, self.compiled = None, False
            return self
        self._kernel, self.compiled = kernel, True
        return self

    def _benchmark_prior(self) -> Prior:
        """The seed-000 prior narrowed to this model's domain (mass ratio, spins, and component
        masses of at least half the lightest total mass), for benchmarks and demos."""
        c, base = self.model.config, Prior()
        spin = (max(c.spin1z[0], c.spin2z[0], base.spin1z[0]), min(c.spin1z[1], c.spin2z[1], base.spin1z[1]))
        low = max(base.mass1[0], 0.51 * self.min_total_mass)
        return Prior(mass1=(low, base.mass1[1]), mass2=(low, base.mass2[1]), spin1z=spin, spin2z=spin,
                     max_mass_ratio=min(base.max_mass_ratio, c.mass_ratio[1]))  # fmt: skip

    deterministic = True

    @property
    def min_total_mass(self) -> float:
        """Lightest total mass [Msun] whose window of n_samples * delta_t fits the grid."""
        return self.rep.n_samples * self.rep.delta_t / (-self.grid.tau_start * MTSUN_S)

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        """mass_ratio (>= 1), spin1z (heavier body), spin2z, and total_mass [Msun] (no upper bound)."""
        c = self.model.config
        return {"mass_ratio": tuple(c.mass_ratio), "spin1z": tuple(c.spin1z), "spin2z": tuple(c.spin2z),
                "total_mass": (self.min_total_mass, float("inf"))}  # fmt: skip

    def check_domain(self, params: np.ndarray, extrapolate: bool = False) -> None:
        """Refuse (or, with ``extrapolate``, warn about) points outside the trained domain;
        params (B, 4) = (mass1, mass2, spin1z, spin2z)."""
        intr = intrinsic_from_components(params[:, 0], params[:, 1], params[:, 2], params[:, 3])
        problems = []
        if (params[:, :2] <= 0).any():
            raise ValueError("mass1, mass2: must be > 0 solar masses")
        for k, (lo, hi) in self.domain.items():
            v = intr[k]
            bad = (v < lo * (1 - 1e-9) - 1e-9) | (v > hi * (1 + 1e-9) + 1e-9)
            if bad.any():
                name = {"spin1z": "spin1z of the heavier body", "spin2z": "spin2z of the lighter body"}.get(k, k)
                hi_text = f"{hi:g}" if np.isfinite(hi) else "inf"
                problems.append(f"{name}={v[bad][0]:.4g} is outside the trained range [{lo:.4g}, {hi_text}]")
        report_domain(problems, extrapolate)

    def _face(self, params: Any, distance: Any = 1.0, inclination: Any = 0.0, coa_phase: Any = 0.0) -> tuple[torch.Tensor, ...]:
        with torch.inference_mode():
            p = torch.as_tensor(params, dtype=torch.float64, device=self.device)
            intr = intrinsic_from_components(p[:, 0], p[:, 1], p[:, 2], p[:, 3])
            mass, q, s1, s2 = (intr[k] for k in ("total_mass", "mass_ratio", "spin1z", "spin2z"))
            plus, cross_ratio, shift = extrinsic_factors(mass, distance, inclination, coa_phase, mass.shape[0], self.device)
            values, tau_end = self.model.nodes(q, s1, s2, amplitude_scale=plus, phase_shift=shift)
            if self._kernel is not None:
                kw = kernel_arguments(tau_end, mass, self.grid, self.rep.n_samples, self.rep.delta_t)
                hp, hc = self._kernel(values, cross_ratio=cross_ratio.float().reshape(-1, 1), **kw)
            else:
                positions = node_positions(tau_end, mass, self.grid, self.rep.n_samples, self.rep.delta_t)
                hp, hc = render(values, positions, cross_ratio)
            return hp, hc, peak_offset(tau_end, mass, self.rep.n_samples, self.rep.delta_t)

    def series(self, params: Any, *, sample: bool = True, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(batch, 4) physical parameters -> face-on amplitude (batch, N) at the reference
        distance and frequency [Hz] (batch, N-1), float64 (for evaluation; ``generate`` is faster)."""
        hp, hc, _ = self._face(params, self.rep.reference_distance)
        dec = decompose(hp.double(), hc.double(), self.rep.delta_t)
        return dec.amplitude, dec.frequency

    def _generate_chunk(self, flat: np.ndarray, sample: bool, gen: torch.Generator | None) -> tuple[torch.Tensor, ...]:
        p = torch.as_tensor(flat, dtype=torch.float64, device=self.device)
        return self._face(p[:, :4], p[:, 4], p[:, 5], p[:, 6])
