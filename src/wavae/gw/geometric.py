"""Waveforms in geometric units: time in units of the total mass M, amplitude in units of
M / distance, over the intrinsic parameters (mass ratio q >= 1, spin1z, spin2z) only.

For a binary black hole in vacuum GR the (2,2) mode scales exactly with M:

    A(t; M, D) = (G M / c^2) / D * A_hat(t / M),      phase(t; M) = phase_hat(t / M),

so a model of (A_hat, phase_hat) on one time grid serves every total mass and distance.

The time grid (:class:`TimeGrid`) is measured from the amplitude peak (tau = 0), runs from
``tau_start`` (negative, the early inspiral) to ``tau_stop`` (the end of the ringdown) and is
uniform in u = (tau_stop + offset - tau)^(1/4): about ``peak_spacing`` M apart at the peak and
tens of M apart in the early inspiral, where the phase curves slowly. Its inverse map needs
only two square roots, so a batch of physical sample times is placed on it cheaply.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from wavae.gw.waveform import WaveformError, generate_polarisations

MTSUN_S = 4.925490947641267e-06  # G Msun / c^3 [s]
MRSUN_MPC = 1476.6250614046494 / 3.085677581491367e22  # G Msun / c^2 [Mpc]
INTRINSIC = ("mass_ratio", "spin1z", "spin2z")
CUBIC_SPAN = 1500.0  # M before the peak interpolated with cubic splines


@dataclass(frozen=True)
class TimeGrid:
    """Nodes tau_j [M], j = 0..n-1, increasing from ``tau_start`` to ``tau_stop``."""

    tau_start: float = -22000.0
    tau_stop: float = 250.0
    offset: float = 50.0
    peak_spacing: float = 0.8

    def __post_init__(self) -> None:
        if not (self.tau_start < 0.0 < self.tau_stop):
            raise ValueError(f"time grid: need tau_start < 0 < tau_stop [M], got [{self.tau_start}, {self.tau_stop}]")
        if not (self.offset > 0 and self.peak_spacing > 0):
            raise ValueError("time grid: offset and peak_spacing must be > 0 M")

    @property
    def u_first(self) -> float:
        return (self.tau_stop + self.offset - self.tau_start) ** 0.25

    @property
    def u_last(self) -> float:
        return self.offset**0.25

    @property
    def size(self) -> int:
        x_peak = self.tau_stop + self.offset
        du = self.peak_spacing / (4.0 * x_peak**0.75)
        return int(math.ceil((self.u_first - self.u_last) / du)) + 1

    @property
    def du(self) -> float:
        return (self.u_first - self.u_last) / (self.size - 1)

    def nodes(self) -> np.ndarray:
        """tau_j [M], float64, shape (size,)."""
        u = self.u_first - self.du * np.arange(self.size)
        tau = self.tau_stop + self.offset - u**4
        tau[0], tau[-1] = self.tau_start, self.tau_stop
        return tau

    def position(self, tau):  # numpy or torch, any shape
        """Fractional node index of tau [M] (0 at tau_start, size-1 at tau_stop); the inverse
        of :meth:`nodes`, linear in u. Works on numpy arrays and torch tensors alike."""
        x = (self.tau_stop + self.offset) - tau
        x = x.clamp_min(0.0) if hasattr(x, "clamp_min") else np.maximum(x, 0.0)
        return (self.u_first - (x**0.5) ** 0.5) * (1.0 / self.du)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class IntrinsicPrior:
    """Draws of (mass_ratio >= 1, spin1z of the heavier body, spin2z): a mixture of the uniform
    box (weight 1 - edge_fraction) and, per coordinate, the arcsine (Chebyshev) density that
    piles points at the box edges, where a regression is least constrained and SEOBNRv4 varies
    fastest (high spin, high mass ratio)."""

    mass_ratio: tuple[float, float] = (1.0, 10.0)
    spin1z: tuple[float, float] = (-0.99, 0.99)
    spin2z: tuple[float, float] = (-0.99, 0.99)
    edge_fraction: float = 0.25

    def validate(self) -> "IntrinsicPrior":
        lo, hi = self.mass_ratio
        if not (1.0 <= lo < hi):
            raise ValueError(f"--mass-ratio-min/--mass-ratio-max: need 1 <= min < max, got [{lo}, {hi}]")
        for name in ("spin1z", "spin2z"):
            lo, hi = getattr(self, name)
            if not (-1.0 < lo < hi < 1.0):
                raise ValueError(f"--{name}-min/--{name}-max: need -1 < min < max < 1, got [{lo}, {hi}]")
        if not 0.0 <= self.edge_fraction <= 1.0:
            raise ValueError(f"--edge-fraction: must be in [0, 1], got {self.edge_fraction}")
        return self

    def sample(self, n: int, seed: int, stream: int = 0) -> dict[str, np.ndarray]:
        """``n`` draws, float64 arrays of shape (n,), reproducible from ``seed``."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6E0, stream]))
        out = {}
        for name in INTRINSIC:
            lo, hi = getattr(self, name)
            u = rng.uniform(size=n)
            edge = rng.uniform(size=n) < self.edge_fraction
            u = np.where(edge, (1.0 - np.cos(math.pi * u)) / 2.0, u)
            out[name] = lo + (hi - lo) * u
        return out


def component_masses(total_mass, mass_ratio) -> tuple[np.ndarray, np.ndarray]:
    """(mass1, mass2) with mass1 >= mass2, in the units of ``total_mass``."""
    m, q = np.asarray(total_mass, dtype=float), np.asarray(mass_ratio, dtype=float)
    return m * q / (1.0 + q), m / (1.0 + q)


def intrinsic_from_components(mass1, mass2, spin1z, spin2z) -> dict[str, Any]:
    """Physical (mass1, mass2, spin1z, spin2z) -> total_mass, mass_ratio >= 1 and the spins
    reordered so spin1z belongs to the heavier body (the (2,2) mode is symmetric under the swap).
    numpy in, float64 numpy out; torch tensors in, tensors out (same device)."""
    if all(type(v).__module__.startswith("torch") for v in (mass1, mass2, spin1z, spin2z)):
        import torch

        where, (m1, m2, s1, s2) = torch.where, (mass1, mass2, spin1z, spin2z)
    else:
        where = np.where
        m1, m2, s1, s2 = (np.asarray(v, dtype=float) for v in (mass1, mass2, spin1z, spin2z))
    swap = m2 > m1
    return {
        "total_mass": m1 + m2,
        "mass_ratio": where(swap, m2 / m1, m1 / m2),
        "spin1z": where(swap, s2, s1),
        "spin2z": where(swap, s1, s2),
    }


def newtonian_f_lower(mass_ratio: float, duration: float) -> float:
    """Dimensionless M f [1] at which the quadrupole inspiral lasts ``duration`` M to coalescence."""
    eta = mass_ratio / (1.0 + mass_ratio) ** 2
    return (duration * 256.0 * eta / 5.0) ** (-3.0 / 8.0) / math.pi


@dataclass
class GeometricSeries:
    """One waveform on a :class:`TimeGrid`: amplitude A_hat [M/D] and phase [rad] (zero at the
    peak), shape (size,); tau_end [M]: where lalsimulation's output ends after the peak."""

    amplitude: np.ndarray
    phase: np.ndarray
    tau_end: float
    f_lower: float
    attempts: int


def geometric_series(
    mass_ratio: float,
    spin1z: float,
    spin2z: float,
    grid: TimeGrid,
    *,
    approximant: str = "SEOBNRv4_opt",
    delta_tau: float = 0.5,
    reference_mass: float = 60.0,
    margin: float = 1500.0,
    max_attempts: int = 8,
) -> GeometricSeries:
    """Generate with lalsimulation at ``reference_mass`` [Msun] and sampling ``delta_tau`` [M],
    long enough to start ``margin`` M before the grid, and interpolate amplitude and unwrapped
    phase onto the grid, with tau = 0 at the sub-sample amplitude peak."""
    from scipy.interpolate import CubicSpline

    m1, m2 = component_masses(reference_mass, mass_ratio)
    seconds_per_m = reference_mass * MTSUN_S
    f = newtonian_f_lower(mass_ratio, -grid.tau_start + margin) / seconds_per_m
    for attempt in range(1, max_attempts + 1):
        hp, hc, _ = generate_polarisations(
            float(m1), float(m2), spin1z, spin2z, f_lower=f, delta_t=delta_tau * seconds_per_m, approximant=approximant
        )
        amp = np.hypot(hp, hc)
        k = int(np.argmax(amp))
        if k * delta_tau >= -grid.tau_start + 0.5 * margin and 0 < k < len(amp) - 1:
            break
        f *= 0.85
    else:
        raise WaveformError(f"{approximant} did not start {-grid.tau_start:g} M before its peak after {max_attempts} attempts")
    a0, a1, a2 = amp[k - 1], amp[k], amp[k + 1]
    shift = 0.5 * (a0 - a2) / (a0 - 2.0 * a1 + a2)  # parabolic sub-sample peak, in samples
    tau = (np.arange(len(amp)) - k - shift) * delta_tau
    raw = np.arctan2(hc, hp)
    defined = np.nonzero(amp > 0)[0]
    last = int(defined[-1])
    phase = np.unwrap(raw[: last + 1])
    nodes = grid.nodes()
    # cubic splines where the phase curves fast (the last ``CUBIC_SPAN`` M before the peak and
    # after it), linear interpolation in the slow early inspiral (error < 1e-5 rad there)
    first = max(int(np.searchsorted(tau, -CUBIC_SPAN)) - 8, 0)
    amp_spline = CubicSpline(tau[first : last + 1], amp[first : last + 1])
    phase_spline = CubicSpline(tau[first : last + 1], phase[first:])
    out_amp = np.zeros_like(nodes)
    out_phase = np.full_like(nodes, phase[-1])
    early = nodes < tau[first + 4]
    late = ~early & (nodes <= tau[last])
    out_amp[early] = np.interp(nodes[early], tau[: last + 1], amp[: last + 1])
    out_phase[early] = np.interp(nodes[early], tau[: last + 1], phase)
    out_amp[late] = np.maximum(amp_spline(nodes[late]), 0.0)
    out_phase[late] = phase_spline(nodes[late])
    out_phase -= phase_spline(0.0)
    scale = 1.0 / (reference_mass * MRSUN_MPC)  # lalsimulation's output is at 1 Mpc
    return GeometricSeries(out_amp * scale, out_phase, float(tau[-1]), f * seconds_per_m, attempt)
