"""Analytic detector noise PSDs from lalsimulation, on the rfft frequency grid.

The grid of a real series of ``n`` samples spaced ``delta_t`` seconds is
``f_k = k * delta_f`` with ``delta_f = 1 / (n * delta_t)`` Hz, ``k = 0 .. n // 2``
(``numpy.fft.rfftfreq(n, delta_t)``). The PSD is one-sided, in strain^2 / Hz.

Excluded bins carry ``+inf`` so that a noise weight ``1 / psd`` is exactly zero there:
``f = 0``, every bin below ``kmin = int(f_lower / delta_f)`` (the convention of
``pycbc.filter.get_cutoff_indices``, so the bin at ``kmin`` itself is kept) and any bin
where lalsimulation returns zero, a negative value or NaN (for the series routines this
includes the Nyquist bin).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_PREFIX = "SimNoisePSD"
_SUFFIX = "Ptr"
# Noise components with extra arguments and the file reader: not PSD models by name.
_EXCLUDED = ("FromFile", "MirrorTherm", "Quantum", "Seismic", "Shot", "SuspTherm")


def available_psds() -> list[str]:
    """Names ``<name>`` for which lalsimulation has a usable ``SimNoisePSD<name>``, sorted."""
    import lalsimulation

    names = set()
    for attr in dir(lalsimulation):
        if attr.startswith(_PREFIX) and attr != _PREFIX and not attr.endswith(_SUFFIX):
            name = attr[len(_PREFIX):]
            if name not in _EXCLUDED:
                names.add(name)
    return sorted(names)


def psd_from_lalsimulation(
    name: str = "aLIGOZeroDetHighPower",
    *,
    n: int,
    delta_t: float,
    f_lower: float = 20.0,
) -> np.ndarray:
    """One-sided PSD ``SimNoisePSD<name>`` of lalsimulation on the rfft grid of ``n`` samples.

    Args:
        name: lalsimulation PSD name without the ``SimNoisePSD`` prefix,
            e.g. ``"aLIGOZeroDetHighPower"``, ``"aLIGODesignSensitivityT1800044"``.
        n: number of time samples (the transform length, padding included).
        delta_t: sample spacing [s].
        f_lower: lowest frequency kept [Hz]; bins below ``int(f_lower / delta_f)`` are ``inf``.

    Returns:
        Read-only float64 array, shape ``(n // 2 + 1,)`` [strain^2 / Hz], ``inf`` where excluded.
        Cached on ``(name, n, delta_t, f_lower)``.

    Raises:
        ValueError: unknown ``name`` (the message lists valid ones) or bad ``n``/``delta_t``/``f_lower``.
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"n: need at least 2 time samples, got {n}")
    if not delta_t > 0:
        raise ValueError(f"delta_t: must be > 0 seconds, got {delta_t}")
    if not f_lower >= 0:
        raise ValueError(f"f_lower: must be >= 0 Hz, got {f_lower}")
    return _psd_cached(str(name), n, float(delta_t), float(f_lower))


@lru_cache(maxsize=32)
def _psd_cached(name: str, n: int, delta_t: float, f_lower: float) -> np.ndarray:
    import lal
    import lalsimulation

    valid = available_psds()
    if name not in valid:
        some = ", ".join(v for v in ("aLIGOZeroDetHighPower", "aLIGODesignSensitivityT1800044",
                                     "aLIGOO3LowT1800545", "AdVDesignSensitivityP1200087",
                                     "KAGRADesignSensitivityT1600593", "CosmicExplorerP1600143",
                                     "EinsteinTelescopeP1600143") if v in valid)
        raise ValueError(
            f"psd: unknown lalsimulation PSD {name!r}; valid names include {some} "
            f"({len(valid)} in all, see wavae.gw.psd.available_psds())"
        )
    length = n // 2 + 1
    delta_f = 1.0 / (n * delta_t)
    series = lal.CreateREAL8FrequencySeries("psd", lal.LIGOTimeGPS(0), 0.0, delta_f,
                                            lal.DimensionlessUnit, length)
    series.data.data[:] = 0.0
    ptr = getattr(lalsimulation, _PREFIX + name + _SUFFIX, None)
    if ptr is not None:  # analytic f -> S(f); the f_lower cut is applied below, as pycbc does
        lalsimulation.SimNoisePSD(series, 0.0, ptr)
    else:  # series routine (tabulated noise curves)
        getattr(lalsimulation, _PREFIX + name)(series, 0.0)
    psd = np.array(series.data.data, dtype=np.float64)
    kmin = int(f_lower / delta_f) if f_lower else 1
    bad = ~np.isfinite(psd) | (psd <= 0.0)
    bad[: max(kmin, 1)] = True
    psd[bad] = np.inf
    psd.flags.writeable = False
    return psd
