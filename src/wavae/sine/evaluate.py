"""Are generated waves sine waves? Least-squares fits at the training frequency.

Each wave is fitted with ``A sin(2 pi f t + phi) + c`` (linear least squares in
``a sin + b cos + c``; ``A = hypot(a, b)``, ``phi = atan2(b, a)``), and scored by the fraction
of its variance the fit explains (R^2). Seed 001's acceptance criteria: R^2 >= 0.95 for at least
95 % of the samples, the amplitude within 10 % of the training amplitude, and phases spread over
the training range (Kolmogorov-Smirnov test against uniform, p > 0.01).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wavae.sine.spec import SineSpec


def fit_sines(waves: Any, times: np.ndarray, frequency: float) -> dict[str, np.ndarray]:
    """Fit ``A sin(2 pi f t + phi) + c`` to each row of ``waves`` (shape ``(n, length)``).

    times: seconds, shape ``(length,)``; frequency: Hz. Accepts numpy or torch (moved to CPU).
    Returns float64 arrays of shape ``(n,)``: ``amplitude``, ``phase`` (rad, in [-pi, pi]),
    ``offset`` and ``r2`` (1 - residual / total sum of squares about the mean; 0 for a flat row).
    """
    if hasattr(waves, "detach"):
        waves = waves.detach().cpu().numpy()
    y = np.asarray(waves, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != len(times):
        raise ValueError(f"waves: expected shape (n, {len(times)}), got {y.shape}")
    w = 2 * np.pi * frequency * np.asarray(times, dtype=np.float64)
    design = np.stack([np.sin(w), np.cos(w), np.ones_like(w)], axis=1)  # (length, 3)
    coef, *_ = np.linalg.lstsq(design, y.T, rcond=None)  # (3, n)
    fitted = (design @ coef).T
    ss_res = ((y - fitted) ** 2).sum(axis=1)
    ss_tot = ((y - y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, 0.0)
    a, b, c = coef
    return {"amplitude": np.hypot(a, b), "phase": np.arctan2(b, a), "offset": c, "r2": r2}


@dataclass
class SineFitReport:
    """Summary of :func:`evaluate_samples` (all numbers plain Python floats/ints).

    n: waves evaluated; r2_*: explained-variance statistics; fraction_r2_ok: share with
    R^2 >= r2_threshold; amplitude_*: fitted amplitude statistics; fraction_amplitude_ok: share
    within ``amplitude_tolerance`` (relative) of the training amplitude; ks_statistic, ks_pvalue:
    KS test of the fitted phases against uniform on the training phase range; passed: each
    criterion and ``all``.
    """

    n: int
    r2_threshold: float
    fraction_r2_ok: float
    r2_median: float
    r2_min: float
    amplitude_target: float
    amplitude_tolerance: float
    amplitude_mean: float
    amplitude_std: float
    amplitude_min: float
    amplitude_max: float
    fraction_amplitude_ok: float
    ks_statistic: float
    ks_pvalue: float
    phase_range: tuple[float, float]
    passed: dict[str, bool] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["phase_range"] = list(self.phase_range)
        return d

    def summary(self) -> str:
        p = self.passed
        ok = lambda key: "ok" if p.get(key) else "FAIL"  # noqa: E731
        return "\n".join([
            f"{self.n} waves, sine fit at the training frequency:",
            f"  R^2 >= {self.r2_threshold:g}: {100 * self.fraction_r2_ok:.1f} % of waves "
            f"(median R^2 {self.r2_median:.4f}, min {self.r2_min:.4f})  [{ok('r2')}]",
            f"  amplitude: mean {self.amplitude_mean:.4f} +/- {self.amplitude_std:.4f} "
            f"(range {self.amplitude_min:.4f}..{self.amplitude_max:.4f}); within "
            f"{100 * self.amplitude_tolerance:.0f} % of {self.amplitude_target:g}: "
            f"{100 * self.fraction_amplitude_ok:.1f} %  [{ok('amplitude')}]",
            f"  phase vs uniform on [{self.phase_range[0]:.4g}, {self.phase_range[1]:.4g}]: "
            f"KS D = {self.ks_statistic:.4f}, p = {self.ks_pvalue:.3g}  [{ok('phase')}]",
        ])


def evaluate_samples(
    waves: Any,
    spec: SineSpec,
    *,
    r2_threshold: float = 0.95,
    min_fraction: float = 0.95,
    amplitude_tolerance: float = 0.10,
    ks_alpha: float = 0.01,
) -> SineFitReport:
    """Score generated ``waves`` (shape ``(n, spec.length)``) against the seed's criteria.

    Criteria (each in ``report.passed``): ``r2``: at least ``min_fraction`` of the waves have
    R^2 >= ``r2_threshold``; ``amplitude``: at least ``min_fraction`` of the fitted amplitudes
    are within ``amplitude_tolerance`` (relative) of ``spec.amplitude``; ``phase``: the KS test
    of the fitted phases (wrapped into ``[phase_min, phase_min + 2 pi)`` when the training
    range is the full circle) against uniform on the training range has p > ``ks_alpha``.
    """
    from scipy import stats

    fit = fit_sines(waves, spec.times(), spec.frequency)
    n = int(fit["r2"].shape[0])
    if n == 0:
        raise ValueError("waves: need at least one wave")
    lo, hi = spec.phase_min, spec.phase_max
    phase = fit["phase"]
    if hi - lo >= 2 * np.pi - 1e-9:
        phase = lo + np.mod(phase - lo, 2 * np.pi)
    if hi > lo:
        ks = stats.kstest(phase, stats.uniform(loc=lo, scale=hi - lo).cdf)
        ks_d, ks_p = float(ks.statistic), float(ks.pvalue)
    else:  # a single training phase: the spread test does not apply
        ks_d, ks_p = float("nan"), float("nan")
    amp = fit["amplitude"]
    frac_r2 = float(np.mean(fit["r2"] >= r2_threshold))
    frac_amp = float(np.mean(np.abs(amp - spec.amplitude) <= amplitude_tolerance * spec.amplitude))
    passed = {
        "r2": frac_r2 >= min_fraction,
        "amplitude": frac_amp >= min_fraction,
        "phase": bool(ks_p > ks_alpha) if hi > lo else True,
    }
    passed["all"] = all(passed.values())
    return SineFitReport(
        n=n,
        r2_threshold=r2_threshold,
        fraction_r2_ok=frac_r2,
        r2_median=float(np.median(fit["r2"])),
        r2_min=float(np.min(fit["r2"])),
        amplitude_target=spec.amplitude,
        amplitude_tolerance=amplitude_tolerance,
        amplitude_mean=float(np.mean(amp)),
        amplitude_std=float(np.std(amp)),
        amplitude_min=float(np.min(amp)),
        amplitude_max=float(np.max(amp)),
        fraction_amplitude_ok=frac_amp,
        ks_statistic=ks_d,
        ks_pvalue=ks_p,
        phase_range=(lo, hi),
        passed=passed,
    )
