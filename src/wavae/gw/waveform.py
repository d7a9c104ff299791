"""lalsimulation back-end: time-domain (2,2)-mode polarisations by approximant name, the
dynamic low-frequency cut-off of seed 000 §II.2, and fixed-length windows.

lal/lalsimulation are imported inside the functions, so importing this module is cheap and
worker processes load them once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from wavae.gw.prior import chirp_mass

MPC_IN_M = 3.085677581491367e22
MSUN_IN_KG = 1.988409870698051e30
# Newtonian (quadrupole) time to coalescence: tau = C * Mc^(-5/3) * f^(-8/3), Mc in solar
# masses, f in Hz, tau in s. Only used to sanity-check the calibrated constant.
NEWTONIAN_TAU_CONSTANT = 5.0 / 256.0 * math.pi ** (-8.0 / 3.0) * (4.925490947641267e-06) ** (-5.0 / 3.0)


class WaveformError(RuntimeError):
    """lalsimulation rejected a parameter point; the message is its reason."""


@lru_cache(maxsize=None)
def approximant_code(name: str) -> int:
    """lalsimulation's enum value for a time-domain approximant; ValueError if unknown or not TD."""
    import lalsimulation as ls

    if name not in approximant_names():
        raise ValueError(f"--approximant: {name!r} is not a lalsimulation approximant (e.g. SEOBNRv4_opt, SEOBNRv4, IMRPhenomXAS)")
    code = ls.GetApproximantFromString(name)
    if not ls.SimInspiralImplementedTDApproximants(code):
        raise ValueError(f"--approximant: {name!r} has no time-domain implementation in lalsimulation")
    return code


@lru_cache(maxsize=1)
def approximant_names() -> frozenset[str]:
    """Names of every approximant lalsimulation knows."""
    import lalsimulation as ls

    import lal

    names = set()
    level = lal.GetDebugLevel()
    lal.ClobberDebugLevel(0)  # probing non-approximant constants: keep lalsimulation quiet
    try:
        names = _probe_names(ls)
    finally:
        lal.ClobberDebugLevel(level)
    return frozenset(names)


def _probe_names(ls) -> set[str]:
    names = set()
    for attr in dir(ls):  # the enum is exposed as integer module constants named like the approximant
        value = getattr(ls, attr)
        if isinstance(value, int) and 0 <= value < ls.NumApproximants and not attr.startswith("_"):
            try:
                if ls.GetStringFromApproximant(value) == attr:
                    names.add(attr)
            except RuntimeError:
                continue
    return names


def lalsuite_version() -> str:
    import lalsimulation as ls

    return f"lalsuite (lal {__import__('lal').__version__}, lalsimulation {ls.__version__})"


def generate_polarisations(
    mass1: float,
    mass2: float,
    spin1z: float,
    spin2z: float,
    *,
    f_lower: float,
    delta_t: float,
    approximant: str = "SEOBNRv4_opt",
    distance: float = 1.0,
    inclination: float = 0.0,
    coa_phase: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, float]:
    """h+, hx (float64, shape (N,)) and the epoch [s] of the first sample, as lalsimulation's
    ``SimInspiralChooseTDWaveform`` returns them (no conditioning, no padding).

    Masses in solar masses, distance in Mpc, angles in rad, f_lower in Hz (also the reference
    frequency), delta_t in s. Raises :class:`WaveformError` with lalsimulation's reason.
    """
    import lal
    import lalsimulation as ls

    code = approximant_code(approximant)
    try:
        hp, hc = ls.SimInspiralChooseTDWaveform(
            mass1 * lal.MSUN_SI, mass2 * lal.MSUN_SI,
            0.0, 0.0, spin1z, 0.0, 0.0, spin2z,
            distance * 1e6 * lal.PC_SI, inclination, coa_phase,
            0.0, 0.0, 0.0, delta_t, f_lower, f_lower, lal.CreateDict(), code,
        )  # fmt: skip
    except RuntimeError as err:
        raise WaveformError(f"lalsimulation {approximant}: {err}") from None
    return np.array(hp.data.data), np.array(hc.data.data), float(hp.epoch)


def final_frequency(mass1: float, mass2: float, spin1z: float, spin2z: float, approximant: str) -> float:
    """Ringdown (final) frequency [Hz] lalsimulation gives for the system, for sample-rate checks."""
    import lal
    import lalsimulation as ls

    args = (mass1 * lal.MSUN_SI, mass2 * lal.MSUN_SI, 0.0, 0.0, spin1z, 0.0, 0.0, spin2z)
    for name in (approximant, "SEOBNRv4"):
        try:
            return float(ls.SimInspiralGetFinalFreq(*args, ls.GetApproximantFromString(name)))
        except RuntimeError:
            continue
    raise WaveformError(f"no final-frequency estimate for {approximant}")


def f_lower_for_duration(
    mass1: np.ndarray | float, mass2: np.ndarray | float, duration: float, tau_constant: float, reduction: float = 0.2
) -> np.ndarray:
    """Low-frequency cut-off [Hz] so the signal lasts ``duration`` s (seed 000 §II.2):
    solve tau = C Mc^(-5/3) f^(-8/3) for f, then lower it by ``reduction`` (20 %) to leave room
    for merger and ringdown."""
    mc = chirp_mass(mass1, mass2)
    return (tau_constant * mc ** (-5.0 / 3.0) / duration) ** (3.0 / 8.0) * (1.0 - reduction)


@dataclass
class Window:
    """The last ``duration`` seconds of a waveform: hplus, hcross (N,), float64; the f_lower
    [Hz] it was generated from; epoch [s] of its first sample relative to lalsimulation's
    reference time (the amplitude peak for SEOBNRv4); attempts = calls to lalsimulation."""

    hplus: np.ndarray
    hcross: np.ndarray
    f_lower: float
    epoch: float
    attempts: int


def generate_window(
    mass1: float,
    mass2: float,
    spin1z: float,
    spin2z: float,
    *,
    n_samples: int,
    delta_t: float,
    f_lower: float,
    approximant: str,
    max_attempts: int = 8,
    step: float = 0.8,
) -> Window:
    """Generate from ``f_lower`` and keep the last ``n_samples``; if lalsimulation returns
    fewer, lower f_lower by the factor ``step`` and retry (never zero-pad)."""
    f = float(f_lower)
    for attempt in range(1, max_attempts + 1):
        hp, hc, epoch = generate_polarisations(
            mass1, mass2, spin1z, spin2z, f_lower=f, delta_t=delta_t, approximant=approximant
        )
        if hp.shape[0] >= n_samples:
            start = hp.shape[0] - n_samples
            return Window(hp[start:], hc[start:], f, epoch + start * delta_t, attempt)
        f *= step
    raise WaveformError(
        f"{approximant} gave fewer than {n_samples} samples after {max_attempts} attempts down to f_lower={f / step:.3g} Hz"
    )
