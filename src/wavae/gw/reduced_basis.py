"""Weighted reduced-order bases (SVD) for series on a time grid, and the mismatch weights.

With node weights w_j, the basis is orthonormal in the inner product <a, b> = sum_j w_j a_j b_j,
so the squared weighted error of a reconstruction equals the squared error of its
coefficients. The weights come from :func:`mismatch_weights`: to leading order in small
errors, a relative amplitude error e_A(tau) and a phase error e_phi(tau) cost the mismatch

    1 - O ~ 1/2 sum_j w_j (e_A,j^2 + e_phi,j^2),

(before the maximisation over time and phase, which can only lower it), where w_j is the
share of the squared signal-to-noise ratio that node j carries, averaged over total masses.
So a coefficient loss with these weights follows the mismatch itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wavae.gw.geometric import MTSUN_S


@dataclass
class ReducedBasis:
    """mean (G,), basis (K, G) with sum_j w_j basis_k,j basis_l,j = delta_kl, and the weighted
    singular values (K,) = root-sum-square of each coefficient over the fitting rows."""

    mean: np.ndarray
    basis: np.ndarray
    weights: np.ndarray
    singular_values: np.ndarray

    @property
    def rank(self) -> int:
        return self.basis.shape[0]

    def project(self, x: np.ndarray) -> np.ndarray:
        """(n, G) series -> (n, K) coefficients."""
        return ((x - self.mean) * self.weights) @ self.basis.T

    def reconstruct(self, coefficients: np.ndarray) -> np.ndarray:
        """(n, K) coefficients -> (n, G) series."""
        return self.mean + coefficients @ self.basis


def fit_basis(rows: np.ndarray, weights: np.ndarray, rank: int) -> ReducedBasis:
    """Weighted SVD of (n, G) ``rows`` (float64 recommended) keeping ``rank`` components."""
    if rows.ndim != 2 or rows.shape[1] != weights.shape[0]:
        raise ValueError(f"rows (n, G) and weights (G,) disagree: {rows.shape} and {weights.shape}")
    if not 1 <= rank <= min(rows.shape):
        raise ValueError(f"rank: must be in [1, {min(rows.shape)}], got {rank}")
    mean = rows.mean(axis=0)
    root = np.sqrt(weights)
    gram = np.zeros((rows.shape[1], rows.shape[1]))
    for lo in range(0, rows.shape[0], 4096):
        block = (rows[lo : lo + 4096] - mean) * root
        gram += block.T @ block
    values, vectors = np.linalg.eigh(gram)
    order = np.argsort(values)[::-1][:rank]
    basis = (vectors[:, order] / root[:, None]).T
    return ReducedBasis(mean, basis, weights.copy(), np.sqrt(np.maximum(values[order], 0.0)))


def mismatch_weights(
    tau: np.ndarray,
    amplitude: np.ndarray,
    omega: np.ndarray,
    total_masses: np.ndarray,
    *,
    duration: float = 1.0,
    f_lower: float = 20.0,
    psd: str = "aLIGOZeroDetHighPower",
    tau_end: float = 400.0,
    floor: float = 1e-6,
) -> np.ndarray:
    """Node weights w_j (G,) summing to 1: the mean over ``total_masses`` [Msun] of each node's
    share of rho^2 = int A^2 / S_n(f(t)) dt in a ``duration`` s window above ``f_lower`` Hz.

    ``floor`` (relative to the largest weight) is added everywhere. tau (G,) [M], amplitude (G,) and GW angular frequency omega (G,) [1/M] describe a
    representative waveform; between nodes the share is integrated with the node spacing.
    """
    from wavae.gw.psd import psd_from_lalsimulation

    n_psd = 1 << 16
    dt_psd = 1.0 / 16384.0
    table = psd_from_lalsimulation(psd, n=n_psd, delta_t=dt_psd, f_lower=f_lower)
    freqs = np.arange(table.size) / (n_psd * dt_psd)
    spacing = np.gradient(tau)
    total = np.zeros_like(tau)
    for mass in np.asarray(total_masses, dtype=float):
        f = np.abs(omega) / (2.0 * np.pi * mass * MTSUN_S)
        s = np.interp(f, freqs, table, right=np.inf)
        inside = tau >= tau_end - duration / (mass * MTSUN_S)
        density = np.where(inside & np.isfinite(s), amplitude**2 / np.where(np.isfinite(s), s, 1.0), 0.0) * spacing
        if density.sum() > 0:
            total += density / density.sum()
    if not total.sum() > 0:
        raise ValueError("mismatch_weights: no node falls inside the band for any total mass")
    total = total / total.sum()
    return total + floor * total.max()  # every node keeps some weight, so the basis stays finite
