"""The parameter prior of seed 000: component masses uniform in [5, 75] solar masses with
mass ratio <= 10 (by rejection), aligned spins uniform in [-0.99, 0.99]."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

PARAMETERS = ("mass1", "mass2", "spin1z", "spin2z")


@dataclass(frozen=True)
class Prior:
    """Uniform box prior on (mass1, mass2) [solar masses] and (spin1z, spin2z) [dimensionless],
    with ``max(mass1, mass2) / min(mass1, mass2) <= max_mass_ratio`` enforced by rejection.

    Draws are not reordered: mass1 may be lighter than mass2, as in seed 000.
    """

    mass1: tuple[float, float] = (5.0, 75.0)
    mass2: tuple[float, float] = (5.0, 75.0)
    spin1z: tuple[float, float] = (-0.99, 0.99)
    spin2z: tuple[float, float] = (-0.99, 0.99)
    max_mass_ratio: float = 10.0

    def validate(self) -> "Prior":
        """Raise ValueError naming the bound that is inverted or outside physics."""
        for name in ("mass1", "mass2"):
            lo, hi = getattr(self, name)
            if not (0.0 < lo < hi):
                raise ValueError(
                    f"--{name}-min/--{name}-max: need 0 < min < max solar masses, got [{lo}, {hi}]"
                )
        for name in ("spin1z", "spin2z"):
            lo, hi = getattr(self, name)
            if not (-1.0 < lo < hi < 1.0):
                raise ValueError(f"--{name}-min/--{name}-max: need -1 < min < max < 1, got [{lo}, {hi}]")
        if not self.max_mass_ratio >= 1.0:
            raise ValueError(f"--max-mass-ratio: must be >= 1, got {self.max_mass_ratio}")
        lightest_ratio = max(self.mass1[0], self.mass2[0]) / min(self.mass1[1], self.mass2[1])
        if lightest_ratio > self.max_mass_ratio:
            raise ValueError(
                f"--max-mass-ratio: {self.max_mass_ratio} excludes every point of the mass box "
                f"mass1 in {list(self.mass1)}, mass2 in {list(self.mass2)}"
            )
        return self

    def sample(self, n: int, seed: int, stream: int = 0) -> dict[str, np.ndarray]:
        """Draw ``n`` points, float64 arrays of shape (n,), reproducibly from ``seed``;
        ``stream`` selects an independent sequence for the same seed."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED, stream]))
        out: dict[str, list[np.ndarray]] = {k: [] for k in PARAMETERS}
        have = 0
        while have < n:
            block = max(2 * (n - have), 64)
            m1 = rng.uniform(*self.mass1, size=block)
            m2 = rng.uniform(*self.mass2, size=block)
            s1 = rng.uniform(*self.spin1z, size=block)
            s2 = rng.uniform(*self.spin2z, size=block)
            keep = np.maximum(m1, m2) / np.minimum(m1, m2) <= self.max_mass_ratio
            for k, v in zip(PARAMETERS, (m1, m2, s1, s2)):
                out[k].append(v[keep])
            have += int(keep.sum())
        return {k: np.concatenate(v)[:n] for k, v in out.items()}

    def contains(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """Boolean mask of the points inside the prior's support."""
        m1, m2 = np.asarray(params["mass1"]), np.asarray(params["mass2"])
        ok = np.ones(np.broadcast(m1, m2).shape, dtype=bool)
        for k in PARAMETERS:
            lo, hi = getattr(self, k)
            v = np.asarray(params[k])
            ok &= (v >= lo) & (v <= hi)
        return ok & (np.maximum(m1, m2) / np.minimum(m1, m2) <= self.max_mass_ratio)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Prior":
        d = json.loads(text)
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def chirp_mass(mass1: np.ndarray | float, mass2: np.ndarray | float) -> np.ndarray:
    """Chirp mass (m1 m2)^(3/5) / (m1 + m2)^(1/5), in the units of the masses."""
    m1, m2 = np.asarray(mass1, dtype=float), np.asarray(mass2, dtype=float)
    return (m1 * m2) ** 0.6 / (m1 + m2) ** 0.2


def effective_spin(mass1, mass2, spin1z, spin2z) -> np.ndarray:
    """chi_eff = (m1 chi1z + m2 chi2z) / (m1 + m2) (seed 000 eq. 8)."""
    m1, m2 = np.asarray(mass1, dtype=float), np.asarray(mass2, dtype=float)
    return (m1 * np.asarray(spin1z) + m2 * np.asarray(spin2z)) / (m1 + m2)


def split_labels(n: int, seed: int, fractions: tuple[float, float, float] = (0.7, 0.1, 0.2)) -> np.ndarray:
    """Deterministic train/validation/test labels (0/1/2), shape (n,), int8, from ``seed``.

    Exactly round(0.7 n) train and round(0.1 n) validation points, the rest test, in a
    seeded random order.
    """
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    labels = np.full(n, 2, dtype=np.int8)
    labels[:n_train] = 0
    labels[n_train : n_train + n_val] = 1
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5B117]))
    return labels[rng.permutation(n)]
