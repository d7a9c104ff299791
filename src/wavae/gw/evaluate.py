"""Accuracy of a waveform surrogate against a dataset's stored waveforms (seed 000 §IV.1, §IV.3).

For every waveform of one split of a dataset file (``wavae gw datagen``):

- the mismatch of h+ and of hx separately (eq. 7), maximised over time and phase, with the
  ``psd`` noise weighting from ``f_lower`` (20 Hz), tapered by default (the first ``taper``
  seconds, 0.1 s, of both series get a half-Hann ramp) with the untapered numbers beside;
- the cosine distance (eq. 5) of the generated amplitude and frequency series to the stored ones.

Two latent draws of the surrogate are scored: the seeded draw from the conditional priors
(``sample=True, seed=42``, as in the paper: identical to one call of
``surrogate.generate(all evaluated points, seed=42)``) under the plain metric names
(``mismatch_hplus``), and the latent means (``sample=False``) under the ``mean_latent_`` prefix.
Optional lalsimulation baselines (``baseline_<APPROXIMANT>_`` prefix) are generated from each
waveform's stored f_lower and aligned by the amplitude peak (:func:`baseline_window`).

The latent-sampling uncertainty (§IV.3) draws ``latent_k`` generations of the same parameters
for ``latent_m`` random points of the split and records, per point, the mean and the sample
standard deviation (ddof=1) of the tapered mismatch.

Everything runs batched: the surrogate generates ``generation_chunk`` rows per call (the chunk
of ``Surrogate.generate``, so the draws match it), metrics are computed ``batch_size`` rows at a
time, in float64, on the surrogate's device. Only the lalsimulation baselines loop over
waveforms (one lalsimulation call each).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import h5py
import numpy as np
import torch

from wavae.gw.decompose import decompose
from wavae.gw.mismatch import DEFAULT_F_LOWER, DEFAULT_PSD, DEFAULT_TAPER, cosine_distance, mismatch
from wavae.gw.prior import PARAMETERS, chirp_mass, effective_spin
from wavae.gw.surrogate import DEFAULT_CHUNK

SPLITS = {"train": 0, "validation": 1, "test": 2}
STATISTICS = ("mean", "median", "best", "worst", "p90", "p99")
DEFAULT_RESTRICTED_CHI_EFF = (-0.5, 0.5)
DEFAULT_LATENT_K = 100
DEFAULT_LATENT_M = 50
DEFAULT_SEED = 42
DEFAULT_BATCH_SIZE = 512
_LATENT_ROWS = 1024  # rows (points x K) per latent-study batch
POLARISATIONS = ("hplus", "hcross")

Array = Any  # numpy array or torch tensor, (batch, time)


# ----------------------------------------------------------------------------- results


@dataclass
class EvaluationResult:
    """Per-waveform values and their summary.

    params: per-waveform columns, each shape (n,): ``row`` (row of the dataset file),
        ``index`` (prior draw), ``split``, mass1, mass2 [Msun], spin1z, spin2z, f_lower [Hz],
        total_mass [Msun], mass_ratio (>= 1), chi_eff, chirp_mass [Msun] (those known).
    metrics: per-waveform metric columns, each float64 (n,); NaN where undefined.
    summary: JSON-ready dict: settings, ``table`` (metric -> :func:`mismatch_table`),
        ``restricted_chi_eff``, ``latent_uncertainty``, ``tomography``, ``examples``.
    latent: per-point columns of the latent study, each (m,), or None when it was not run.
    examples: ``best``/``median``/``worst`` (by ``mismatch_hplus``) -> dict with ``row``,
        ``times`` [s, 0 at the stored amplitude peak], ``stored`` and ``generated`` h+ (N,).
    delta_t: sample spacing [s].
    """

    params: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]
    summary: dict[str, Any]
    latent: dict[str, np.ndarray] | None = None
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)
    delta_t: float = 1.0 / 8192

    @property
    def n(self) -> int:
        return len(next(iter(self.metrics.values()))) if self.metrics else 0


def mismatch_table(values: Any) -> dict[str, float | int]:
    """Summary statistics of per-waveform values (seed 000 Table 2), lower is better.

    Args:
        values: array-like of any shape; NaN and infinite entries are counted, then left out.

    Returns:
        ``n`` (finite values), ``n_invalid``, ``mean``, ``median``, ``best`` (min), ``worst``
        (max), ``p90``, ``p99`` (numpy's linear percentiles); NaN statistics when ``n`` is 0.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    ok = v[np.isfinite(v)]
    out: dict[str, float | int] = {"n": int(ok.size), "n_invalid": int(v.size - ok.size)}
    if ok.size == 0:
        out.update({k: float("nan") for k in STATISTICS})
        return out
    out.update(
        mean=float(np.mean(ok)),
        median=float(np.median(ok)),
        best=float(np.min(ok)),
        worst=float(np.max(ok)),
        p90=float(np.percentile(ok, 90)),
        p99=float(np.percentile(ok, 99)),
    )
    return out


def derived_parameters(mass1: Any, mass2: Any, spin1z: Any, spin2z: Any) -> dict[str, np.ndarray]:
    """total_mass [Msun], mass_ratio = max/min (>= 1), chi_eff (eq. 8), chirp_mass [Msun]."""
    m1, m2 = np.asarray(mass1, dtype=np.float64), np.asarray(mass2, dtype=np.float64)
    return {
        "total_mass": m1 + m2,
        "mass_ratio": np.maximum(m1, m2) / np.minimum(m1, m2),
        "chi_eff": effective_spin(m1, m2, spin1z, spin2z),
        "chirp_mass": chirp_mass(m1, m2),
    }


# ----------------------------------------------------------------------------- metrics


def _as_tensor(x: Any, device: torch.device) -> torch.Tensor:
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    return t.to(device=device, dtype=torch.float64)


def compare_waveforms(
    hplus: Array,
    hcross: Array,
    ref_hplus: Array,
    ref_hcross: Array,
    *,
    delta_t: float,
    f_lower: float = DEFAULT_F_LOWER,
    psd: str | Array = DEFAULT_PSD,
    taper: float | None = DEFAULT_TAPER,
    amplitude: Array | None = None,
    frequency: Array | None = None,
    ref_amplitude: Array | None = None,
    ref_frequency: Array | None = None,
) -> dict[str, np.ndarray]:
    """Every per-waveform metric of one batch of waveforms against references.

    Args:
        hplus, hcross: candidate polarisations, shape (batch, N), numpy or torch.
        ref_hplus, ref_hcross: reference polarisations, (batch, N).
        delta_t: sample spacing [s]; f_lower [Hz], psd, taper [s] as in
            :func:`wavae.gw.mismatch.mismatch` (``taper`` None or 0: no taper).
        amplitude, frequency: candidate amplitude (batch, N) and frequency [Hz] (batch, N-1);
            from :func:`wavae.gw.decompose.decompose` of (h+, hx) when not given (exact for
            face-on polarisations at coa_phase 0, as stored). ref_amplitude, ref_frequency: the same
            for the references.

    Returns:
        float64 numpy arrays (batch,): ``mismatch_hplus``, ``mismatch_hcross`` (with ``taper``),
        ``mismatch_hplus_untapered``, ``mismatch_hcross_untapered``, ``cosine_amplitude``,
        ``cosine_frequency``. The work runs on the device of the first torch input (CPU if none).
    """
    device = next((x.device for x in (hplus, hcross, ref_hplus, ref_hcross) if isinstance(x, torch.Tensor)), torch.device("cpu"))
    hp, hc = _as_tensor(hplus, device), _as_tensor(hcross, device)
    rp, rc = _as_tensor(ref_hplus, device), _as_tensor(ref_hcross, device)
    if hp.shape != rp.shape or hc.shape != rc.shape or hp.shape != hc.shape:
        raise ValueError(
            f"waveform shapes differ: hplus {tuple(hp.shape)}, hcross {tuple(hc.shape)}, "
            f"ref_hplus {tuple(rp.shape)}, ref_hcross {tuple(rc.shape)}"
        )
    kw = dict(delta_t=delta_t, f_lower=f_lower, psd=psd)
    out: dict[str, np.ndarray] = {}
    for pol, a, b in (("hplus", hp, rp), ("hcross", hc, rc)):
        tapered = mismatch(a, b, taper=taper, **kw)
        out[f"mismatch_{pol}"] = tapered.cpu().numpy()
        out[f"mismatch_{pol}_untapered"] = (mismatch(a, b, taper=None, **kw) if taper else tapered).cpu().numpy()
    if amplitude is None or frequency is None:
        dec = decompose(hp, hc, delta_t)
        amplitude, frequency = dec.amplitude, dec.frequency
    if ref_amplitude is None or ref_frequency is None:
        dec = decompose(rp, rc, delta_t)
        ref_amplitude, ref_frequency = dec.amplitude, dec.frequency
    out["cosine_amplitude"] = cosine_distance(_as_tensor(amplitude, device), _as_tensor(ref_amplitude, device)).cpu().numpy()
    out["cosine_frequency"] = cosine_distance(_as_tensor(frequency, device), _as_tensor(ref_frequency, device)).cpu().numpy()
    return out


# ----------------------------------------------------------------------------- dataset access


@dataclass
class _Split:
    path: str
    rows: np.ndarray
    params: dict[str, np.ndarray]
    delta_t: float
    n_samples: int
    approximant: str
    fingerprint: str | None
    extrinsic: dict[str, float]


def _read_split(data_path: str | os.PathLike[str], split: str, limit: int | None) -> _Split:
    path = Path(data_path)
    if not path.is_file():
        raise ValueError(f"--data: no dataset file at {path}")
    if split not in (*SPLITS, "all"):
        raise ValueError(f"--split: one of {', '.join((*SPLITS, 'all'))}, got {split!r}")
    if limit is not None and limit < 1:
        raise ValueError(f"--limit: must be a positive number of waveforms, got {limit}")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise ValueError(f"--data: {path} is not a readable HDF5 file ({err})") from None
    with f:
        missing = [k for k in ("split", "waveforms/hplus", "series/amplitude", *(f"params/{p}" for p in PARAMETERS)) if k not in f]
        if missing:
            raise ValueError(f"--data: {path} is not a wavae gravitational-wave dataset (missing {', '.join(missing)})")
        labels = f["split"][:]
        rows = np.flatnonzero(labels == SPLITS[split]) if split != "all" else np.arange(labels.size)
        if limit is not None:
            rows = rows[:limit]
        if rows.size == 0:
            raise ValueError(f"--split: {path} has no waveforms in the {split!r} split")
        params: dict[str, np.ndarray] = {"row": rows.astype(np.int64)}
        params["index"] = f["index"][:][rows] if "index" in f else rows.astype(np.int64)
        params["split"] = labels[rows].astype(np.int64)
        for k in (*PARAMETERS, "f_lower"):
            if f"params/{k}" in f:
                params[k] = f[f"params/{k}"][:][rows].astype(np.float64)
        params.update(derived_parameters(*(params[k] for k in PARAMETERS)))
        attrs = f.attrs
        return _Split(
            path=str(path),
            rows=rows,
            params=params,
            delta_t=float(attrs["delta_t"]),
            n_samples=int(f["waveforms/hplus"].shape[1]),
            approximant=str(attrs.get("approximant", "")),
            fingerprint=str(attrs["fingerprint"]) if "fingerprint" in attrs else None,
            extrinsic={k: float(attrs.get(k, d)) for k, d in (("distance", 1.0), ("inclination", 0.0), ("coa_phase", 0.0))},
        )


def _read_stored(f: h5py.File, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Stored hplus, hcross, amplitude (b, N) and frequency (b, N-1) of ascending ``rows``, float64."""
    keys = {"hplus": "waveforms/hplus", "hcross": "waveforms/hcross", "amplitude": "series/amplitude", "frequency": "series/frequency"}
    lo, hi = int(rows[0]), int(rows[-1]) + 1
    if hi - lo <= 2 * rows.size:  # a contiguous read is faster than a point selection
        return {k: np.asarray(f[v][lo:hi][rows - lo], dtype=np.float64) for k, v in keys.items()}
    return {k: np.asarray(f[v][rows], dtype=np.float64) for k, v in keys.items()}


# ----------------------------------------------------------------------------- surrogate


# ----------------------------------------------------------------------------- baselines


def baseline_window(
    mass1: float,
    mass2: float,
    spin1z: float,
    spin2z: float,
    *,
    approximant: str,
    f_lower: float,
    n_samples: int,
    peak_index: int,
    delta_t: float,
    distance: float = 1.0,
    inclination: float = 0.0,
    coa_phase: float = 0.0,
    max_attempts: int = 8,
    step: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """A lalsimulation approximant cut to a stored window, aligned by the amplitude peak.

    Generates from ``f_lower`` [Hz] (the stored one), finds the peak ``p`` of h+^2 + hx^2 and
    keeps samples ``[p - peak_index, p - peak_index + n_samples)``, so the peak lands at
    ``peak_index``, where it is in the stored window. For the dataset's own approximant this
    is exactly the stored window (its last ``n_samples``). If fewer than ``peak_index``
    samples precede the peak, f_lower is lowered by ``step`` and the call repeated (up to
    ``max_attempts``); samples missing after the end of the generated series are zeros.

    Returns h+, hx, float64 arrays (n_samples,). Raises :class:`wavae.gw.waveform.WaveformError`.
    """
    from wavae.gw.waveform import WaveformError, generate_polarisations

    f = float(f_lower)
    for _ in range(max_attempts):
        hp, hc, _epoch = generate_polarisations(
            mass1, mass2, spin1z, spin2z, f_lower=f, delta_t=delta_t, approximant=approximant,
            distance=distance, inclination=inclination, coa_phase=coa_phase,
        )  # fmt: skip
        peak = int(np.argmax(hp * hp + hc * hc))
        start = peak - int(peak_index)
        if start >= 0:
            out_p, out_c = np.zeros(n_samples), np.zeros(n_samples)
            m = min(n_samples, hp.shape[0] - start)
            out_p[:m], out_c[:m] = hp[start : start + m], hc[start : start + m]
            return out_p, out_c
        f *= step
    raise WaveformError(f"{approximant} has fewer than {peak_index} samples before its peak down to f_lower={f / step:.3g} Hz")


def _baseline_block(approximant: str, params: dict[str, np.ndarray], sel: np.ndarray, peaks: np.ndarray, n_samples: int,
                    delta_t: float, extrinsic: dict[str, float]) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """h+, hx (b, N) for rows ``sel`` of ``params``; zeros and a reason where lalsimulation fails."""
    from wavae.gw.waveform import WaveformError

    hp, hc = np.zeros((sel.size, n_samples)), np.zeros((sel.size, n_samples))
    failures: list[tuple[int, str]] = []
    for j, i in enumerate(sel):  # one lalsimulation call per waveform: there is no batched API
        try:
            hp[j], hc[j] = baseline_window(
                *(float(params[k][i]) for k in PARAMETERS), approximant=approximant, f_lower=float(params["f_lower"][i]),
                n_samples=n_samples, peak_index=int(peaks[j]), delta_t=delta_t, **extrinsic,
            )  # fmt: skip
        except WaveformError as err:
            failures.append((int(params["row"][i]), str(err)))
    return hp, hc, failures


# ----------------------------------------------------------------------------- evaluation


def _check_settings(f_lower: float, taper: float | None, psd: str, n_samples: int, delta_t: float, latent_k: int, latent_m: int,
                    restricted_chi_eff: Sequence[float], batch_size: int) -> None:
    from wavae.gw.psd import psd_from_lalsimulation

    nyquist = 0.5 / delta_t
    if not 0 <= f_lower < nyquist:
        raise ValueError(f"--f-lower: must be in [0, {nyquist:g}) Hz, got {f_lower}")
    if taper is not None and not 0 <= taper < n_samples * delta_t:
        raise ValueError(f"--taper: must be in [0, {n_samples * delta_t:g}) s (the window length), got {taper}")
    if isinstance(psd, str):
        try:
            psd_from_lalsimulation(psd, n=2 * n_samples, delta_t=delta_t, f_lower=f_lower)
        except ValueError as err:
            raise ValueError(f"--psd: {err}") from None
    if latent_k < 0 or latent_k == 1:
        raise ValueError(f"--latent-k: 0 (no latent study) or at least 2 generations per point, got {latent_k}")
    if latent_m < 0:
        raise ValueError(f"--latent-m: must be >= 0 points, got {latent_m}")
    if len(restricted_chi_eff) != 2 or not restricted_chi_eff[0] < restricted_chi_eff[1]:
        raise ValueError(f"--restricted-chi-eff: need LO < HI, got {list(restricted_chi_eff)}")
    if batch_size < 1:
        raise ValueError(f"--batch-size: must be >= 1, got {batch_size}")


def _check_baselines(baselines: Sequence[str]) -> list[str]:
    from wavae.gw.waveform import approximant_code

    out = []
    for name in baselines:
        try:
            approximant_code(name)
        except ValueError as err:
            raise ValueError(f"--baseline: {str(err).split(': ', 1)[-1]}") from None
        if name not in out:
            out.append(name)
    return out


def evaluate_surrogate(
    surrogate: Any,
    data_path: str | os.PathLike[str],
    *,
    split: str = "test",
    limit: int | None = None,
    f_lower: float = DEFAULT_F_LOWER,
    psd: str = DEFAULT_PSD,
    taper: float | None = DEFAULT_TAPER,
    seed: int = DEFAULT_SEED,
    latent_k: int = DEFAULT_LATENT_K,
    latent_m: int = DEFAULT_LATENT_M,
    restricted_chi_eff: Sequence[float] = DEFAULT_RESTRICTED_CHI_EFF,
    baselines: Sequence[str] = (),
    extrapolate: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    generation_chunk: int | None = None,
    tomography_bins: int = 8,
    progress: bool = False,
) -> EvaluationResult:
    """Score a :class:`wavae.gw.surrogate.Surrogate` on one split of a dataset file.

    Args:
        surrogate: a loaded surrogate (its device is used for everything but the baselines).
        data_path: HDF5 dataset written by ``wavae gw datagen`` with the surrogate's sampling.
        split: "test" (default), "validation", "train" or "all"; ``limit``: first N rows of it.
        f_lower [Hz], psd (lalsimulation name), taper [s]: mismatch conventions
            (:func:`compare_waveforms`).
        seed: seed of the latent draw (``sample=True``) and of the latent study.
        latent_k, latent_m: generations per point and points of the latent study (0: skip).
        restricted_chi_eff: (lo, hi) range of chi_eff for the restricted table.
        baselines: lalsimulation approximants scored against the same stored windows.
        extrapolate: generate even where the points leave the surrogate's trained domain.
        batch_size: rows per metric batch; generation_chunk: rows per generation call
            (default: the ``chunk`` of ``Surrogate.generate``, so the draws equal its).
        tomography_bins: bins of the binned medians over total mass, mass ratio and chi_eff.
        progress: show a progress bar.

    Returns:
        :class:`EvaluationResult`. Raises ValueError naming the bad option (CLI flag).
    """
    data = _read_split(data_path, split, limit)
    rep = surrogate.rep
    if rep.n_samples != data.n_samples or not math.isclose(rep.delta_t, data.delta_t, rel_tol=1e-12):
        raise ValueError(
            f"--data: {data.path} holds {data.n_samples} samples at delta_t={data.delta_t:g} s, the model "
            f"{rep.n_samples} samples at {rep.delta_t:g} s"
        )
    _check_settings(f_lower, taper, psd, data.n_samples, data.delta_t, latent_k, latent_m, restricted_chi_eff, batch_size)
    baselines = _check_baselines(baselines)
    chunk = int(generation_chunk or DEFAULT_CHUNK)
    flat = np.stack([data.params[k] for k in PARAMETERS], axis=1)
    try:
        surrogate.check_domain(flat, extrapolate)
    except ValueError as err:
        hint = "" if "--extrapolate" in str(err) else "; use --extrapolate (extrapolate=True) to evaluate them anyway"
        raise ValueError(f"--data: {data.path} has points outside the model's trained domain: {err}{hint}") from None
    incl, coa = data.extrinsic["inclination"], data.extrinsic["coa_phase"]
    n, dt = data.rows.size, data.delta_t
    deterministic = surrogate.deterministic  # no latent: one draw, no latent study
    if deterministic:
        latent_k = latent_m = 0
    kw = dict(delta_t=dt, f_lower=f_lower, psd=psd, taper=taper)

    metrics: dict[str, np.ndarray] = {}
    failures: dict[str, list[tuple[int, str]]] = {b: [] for b in baselines}
    gen = torch.Generator(device=surrogate.device)
    gen.manual_seed(int(seed))
    states: list[torch.Tensor] = []
    bar = _bar(progress, n, "evaluate")

    def put(prefix: str, start: int, values: dict[str, np.ndarray]) -> None:
        for k, v in values.items():
            col = metrics.setdefault(prefix + k, np.full(n, np.nan))
            col[start : start + v.size] = v

    with h5py.File(data.path, "r") as f:
        for g0 in range(0, n, chunk):
            g1 = min(g0 + chunk, n)
            states.append(gen.get_state())
            drawn = surrogate.series(flat[g0:g1], sample=True, generator=gen)
            means = None if deterministic else surrogate.series(flat[g0:g1], sample=False, generator=None)
            for b0 in range(g0, g1, batch_size):
                b1 = min(b0 + batch_size, g1)
                stored = _read_stored(f, data.rows[b0:b1])
                ref = {k: torch.as_tensor(v, device=surrogate.device) for k, v in stored.items()}
                refs = dict(ref_hplus=ref["hplus"], ref_hcross=ref["hcross"], ref_amplitude=ref["amplitude"], ref_frequency=ref["frequency"])
                for prefix, (amp, freq) in (("", drawn),) if means is None else (("", drawn), ("mean_latent_", means)):
                    amp, freq = amp[b0 - g0 : b1 - g0], freq[b0 - g0 : b1 - g0]
                    hp, hc = surrogate.polarisations(amp, freq, data.extrinsic["distance"], incl, coa)
                    put(prefix, b0, compare_waveforms(hp, hc, amplitude=amp, frequency=freq, **refs, **kw))
                peaks = np.argmax(stored["amplitude"], axis=1)
                for name in baselines:
                    sel = np.arange(b0, b1)
                    hp, hc, bad = _baseline_block(name, data.params, sel, peaks, data.n_samples, dt, data.extrinsic)
                    values = compare_waveforms(hp, hc, stored["hplus"], stored["hcross"], ref_amplitude=stored["amplitude"],
                                               ref_frequency=stored["frequency"], **kw)  # fmt: skip
                    failed = np.isin(data.params["row"][sel], [r for r, _ in bad])
                    for v in values.values():
                        v[failed] = np.nan
                    put(f"baseline_{name}_", b0, values)
                    failures[name].extend(bad)
                if bar is not None:
                    bar.update(b1 - b0)
            del drawn, means
        if bar is not None:
            bar.close()

        latent = None
        if latent_k and latent_m:
            latent = _latent_study(surrogate, f, data, flat, latent_k, latent_m, seed, incl, coa, kw, progress)

        examples = _pick_examples(metrics["mismatch_hplus"])
        shown: dict[str, dict[str, Any]] = {}
        for name, i in examples.items():
            g = i // chunk
            gen.set_state(states[g])
            amp, freq = surrogate.series(flat[g * chunk : min((g + 1) * chunk, n)], sample=True, generator=gen)
            hp, _ = surrogate.polarisations(amp[i - g * chunk : i - g * chunk + 1], freq[i - g * chunk : i - g * chunk + 1], data.extrinsic["distance"], incl, coa)
            stored = _read_stored(f, data.rows[i : i + 1])
            shown[name] = _example(i, data.params, dt, stored["hplus"][0], hp[0].cpu().numpy(), stored["amplitude"][0], metrics)

    settings = {
        "data": data.path,
        "data_fingerprint": data.fingerprint,
        "data_approximant": data.approximant,
        "model_dataset_fingerprint": getattr(surrogate, "fingerprint", None),
        "split": split,
        "limit": limit,
        "n_samples": data.n_samples,
        "delta_t": dt,
        "f_lower": f_lower,
        "psd": psd,
        "taper": taper,
        "pad": True,
        "seed": seed,
        "latent_draw": "none: the model is deterministic" if deterministic else
        f"sample=True from the conditional priors, torch generator seeded {seed} (as Surrogate.generate(..., seed={seed}))",
        "mean_latent_draw": "not computed (deterministic model)" if deterministic else "sample=False: latent means of the conditional priors",
        "latent_k": latent_k,
        "latent_m": latent_m,
        "generation_chunk": chunk,
        "device": str(surrogate.device),
        "extrinsic": data.extrinsic,
        "baselines": list(baselines),
        "baseline_alignment": "generated from the stored f_lower, amplitude peak placed at the stored peak index",
    }
    summary = summarise(data.params, metrics, latent=latent, restricted_chi_eff=restricted_chi_eff, settings=settings,
                        bins=tomography_bins)  # fmt: skip
    summary["examples"] = {k: {"row": v["row"], "mismatch_hplus": v["mismatch_hplus"]} for k, v in shown.items()}
    summary["baseline_failures"] = {k: [{"row": r, "reason": s} for r, s in v] for k, v in failures.items()}
    return EvaluationResult(params=data.params, metrics=metrics, summary=summary, latent=latent, examples=shown, delta_t=dt)


def _latent_study(surrogate: Any, f: h5py.File, data: _Split, flat: np.ndarray, k: int, m: int, seed: int,
                  incl: float, coa: float, kw: dict[str, Any], progress: bool) -> dict[str, np.ndarray]:
    """K seeded generations of each of M random points: mean and std (ddof=1) of the mismatch."""
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(data.rows.size, size=min(m, data.rows.size), replace=False))
    gen = torch.Generator(device=surrogate.device)
    gen.manual_seed(int(seed))
    per = max(1, _LATENT_ROWS // k)
    out = {f"{s}_{p}": np.full(pick.size, np.nan) for s in ("mean", "std") for p in POLARISATIONS}
    bar = _bar(progress, pick.size, "latent study")
    for c0 in range(0, pick.size, per):
        idx = pick[c0 : c0 + per]
        amp, freq = surrogate.series(np.repeat(flat[idx], k, axis=0), sample=True, generator=gen)
        hp, hc = surrogate.polarisations(amp, freq, data.extrinsic["distance"], incl, coa)
        stored = _read_stored(f, data.rows[idx])
        for pol, h in (("hplus", hp), ("hcross", hc)):
            ref = torch.as_tensor(np.repeat(stored[pol], k, axis=0), device=surrogate.device)
            mm = mismatch(h, ref, **kw).reshape(idx.size, k)
            out[f"mean_{pol}"][c0 : c0 + idx.size] = mm.mean(dim=1).cpu().numpy()
            out[f"std_{pol}"][c0 : c0 + idx.size] = mm.std(dim=1, correction=1).cpu().numpy()
        if bar is not None:
            bar.update(idx.size)
    if bar is not None:
        bar.close()
    cols = {name: data.params[name][pick] for name in ("row", "index", *PARAMETERS, "chi_eff") if name in data.params}
    cols.update(out)
    return cols


def _pick_examples(values: np.ndarray) -> dict[str, int]:
    """Positions of the best, median and worst finite values (median: lower middle)."""
    ok = np.flatnonzero(np.isfinite(values))
    if ok.size == 0:
        return {}
    order = ok[np.argsort(values[ok], kind="stable")]
    return {"best": int(order[0]), "median": int(order[(order.size - 1) // 2]), "worst": int(order[-1])}


def _example(i: int, params: dict[str, np.ndarray], delta_t: float, stored_hp: np.ndarray, generated_hp: np.ndarray,
             stored_amp: np.ndarray, metrics: dict[str, np.ndarray]) -> dict[str, Any]:
    """One overlay case: stored and generated h+ of position ``i`` on a time axis [s] with 0 at
    the stored amplitude peak."""
    peak = int(np.argmax(stored_amp))
    return {
        "row": int(params["row"][i]),
        "position": i,
        "times": (np.arange(stored_hp.size) - peak) * delta_t,
        "stored": np.asarray(stored_hp, dtype=np.float64),
        "generated": np.asarray(generated_hp, dtype=np.float64),
        "mismatch_hplus": float(metrics["mismatch_hplus"][i]),
        "params": {k: float(params[k][i]) for k in (*PARAMETERS, "chi_eff") if k in params},
    }


def evaluate_arrays(
    hplus: Array,
    hcross: Array,
    ref_hplus: Array,
    ref_hcross: Array,
    *,
    delta_t: float,
    params: dict[str, Any] | None = None,
    f_lower: float = DEFAULT_F_LOWER,
    psd: str = DEFAULT_PSD,
    taper: float | None = DEFAULT_TAPER,
    restricted_chi_eff: Sequence[float] = DEFAULT_RESTRICTED_CHI_EFF,
    batch_size: int = DEFAULT_BATCH_SIZE,
    tomography_bins: int = 8,
) -> EvaluationResult:
    """The evaluation of two waveform arrays (batch, N), e.g. any model's output against stored
    waveforms, through the same metrics, summary and report as :func:`evaluate_surrogate`
    (no latent study). ``params``: optional per-waveform columns (mass1, mass2, spin1z,
    spin2z, ...) for the CSV and the tomography."""
    hp, hc = np.asarray(hplus, dtype=np.float64), np.asarray(hcross, dtype=np.float64)
    n = hp.shape[0]
    if hp.ndim != 2:
        raise ValueError(f"hplus: expected shape (batch, time), got {hp.shape}")
    _check_settings(f_lower, taper, psd, hp.shape[1], delta_t, 0, 0, restricted_chi_eff, batch_size)
    cols: dict[str, np.ndarray] = {"row": np.arange(n)}
    for k, v in (params or {}).items():
        cols[k] = np.asarray(v)
    if all(k in cols for k in PARAMETERS) and "chi_eff" not in cols:
        cols.update(derived_parameters(*(cols[k] for k in PARAMETERS)))
    metrics: dict[str, np.ndarray] = {}
    kw = dict(delta_t=delta_t, f_lower=f_lower, psd=psd, taper=taper)
    for b0 in range(0, n, batch_size):
        sl = slice(b0, b0 + batch_size)
        values = compare_waveforms(hp[sl], hc[sl], np.asarray(ref_hplus)[sl], np.asarray(ref_hcross)[sl], **kw)
        for k, v in values.items():
            metrics.setdefault(k, np.full(n, np.nan))[sl] = v
    settings = {"delta_t": delta_t, "f_lower": f_lower, "psd": psd, "taper": taper, "pad": True, "n_samples": hp.shape[1]}
    summary = summarise(cols, metrics, restricted_chi_eff=restricted_chi_eff, settings=settings, bins=tomography_bins)
    refp = np.asarray(ref_hplus, dtype=np.float64)
    refa = decompose(refp, np.asarray(ref_hcross, dtype=np.float64), delta_t).amplitude
    shown = {k: _example(i, cols, delta_t, refp[i], hp[i], refa[i], metrics) for k, i in _pick_examples(metrics["mismatch_hplus"]).items()}
    summary["examples"] = {k: {"row": v["row"], "mismatch_hplus": v["mismatch_hplus"]} for k, v in shown.items()}
    return EvaluationResult(params=cols, metrics=metrics, summary=summary, latent=None, examples=shown, delta_t=delta_t)


# ----------------------------------------------------------------------------- summary


def _binned(x: np.ndarray, values: dict[str, np.ndarray], edges: np.ndarray) -> dict[str, Any]:
    """Count and median of each value column in bins [e_i, e_{i+1}) (last bin closed)."""
    which = np.clip(np.digitize(x, edges) - 1, 0, edges.size - 2)
    out: dict[str, Any] = {"edges": edges.tolist(), "count": []}
    for name in values:
        out[f"median_{name}"] = []
    for b in range(edges.size - 1):
        inside = which == b
        out["count"].append(int(inside.sum()))
        for name, v in values.items():
            sel = v[inside]
            sel = sel[np.isfinite(sel)]
            out[f"median_{name}"].append(float(np.median(sel)) if sel.size else float("nan"))
    return out


def summarise(
    params: dict[str, np.ndarray],
    metrics: dict[str, np.ndarray],
    *,
    latent: dict[str, np.ndarray] | None = None,
    restricted_chi_eff: Sequence[float] = DEFAULT_RESTRICTED_CHI_EFF,
    settings: dict[str, Any] | None = None,
    bins: int = 8,
) -> dict[str, Any]:
    """The JSON summary of per-waveform metrics: ``table`` (each metric's
    :func:`mismatch_table`, then ``latent_std_mismatch_*`` from the latent study),
    ``restricted_chi_eff`` (the same table over lo <= chi_eff <= hi), ``latent_uncertainty``
    (medians of the standard deviations) and ``tomography`` (binned medians of the tapered h+
    and hx mismatch over total mass, mass ratio and chi_eff)."""
    n = len(next(iter(metrics.values()))) if metrics else 0
    table = {k: mismatch_table(v) for k, v in metrics.items()}
    summary: dict[str, Any] = {"settings": dict(settings or {}), "n": n, "table": table}
    lo, hi = float(restricted_chi_eff[0]), float(restricted_chi_eff[1])
    if "chi_eff" in params:
        inside = (params["chi_eff"] >= lo) & (params["chi_eff"] <= hi)
        summary["restricted_chi_eff"] = {"range": [lo, hi], "n": int(inside.sum()),
                                         "table": {k: mismatch_table(v[inside]) for k, v in metrics.items()}}  # fmt: skip
    if latent is not None:
        for pol in POLARISATIONS:
            table[f"latent_std_mismatch_{pol}"] = mismatch_table(latent[f"std_{pol}"])
        summary["latent_uncertainty"] = {
            "m": int(len(latent[f"std_{POLARISATIONS[0]}"])),
            "k": (settings or {}).get("latent_k"),
            **{f"median_std_mismatch_{p}": table[f"latent_std_mismatch_{p}"]["median"] for p in POLARISATIONS},
            **{f"median_mean_mismatch_{p}": mismatch_table(latent[f"mean_{p}"])["median"] for p in POLARISATIONS},
        }
    if all(k in params for k in ("total_mass", "mass_ratio", "chi_eff")) and n and "mismatch_hplus" in metrics:
        cols = {f"mismatch_{p}": metrics[f"mismatch_{p}"] for p in POLARISATIONS}
        tomo = {}
        for name in ("total_mass", "mass_ratio", "chi_eff"):
            x = np.asarray(params[name], dtype=np.float64)
            a, b = float(np.min(x)), float(np.max(x))
            if name == "chi_eff":
                a, b = min(a, -1.0), max(b, 1.0)
            edges = np.linspace(a, b if b > a else a + 1.0, bins + 1)
            tomo[name] = _binned(x, cols, edges)
        summary["tomography"] = tomo
    return summary


def _bar(enabled: bool, total: int, desc: str) -> Any:
    if not enabled:
        return None
    import sys

    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="wf", file=sys.stderr)


# ----------------------------------------------------------------------------- report


def _jsonable(obj: Any) -> Any:
    """NaN/inf -> None, numpy -> Python, recursively (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


STAT_HEADERS = {"n": "n", "mean": "mean", "median": "median", "best": "best", "worst": "worst", "p90": "90th pct", "p99": "99th pct"}


def markdown_table(table: dict[str, dict[str, Any]]) -> str:
    """A Markdown table (one row per metric) of :func:`mismatch_table` dicts."""
    lines = ["| quantity | " + " | ".join(STAT_HEADERS.values()) + " |", "|---|" + "---:|" * len(STAT_HEADERS)]
    for name, row in table.items():
        cells = [str(row.get("n", ""))] + [_fmt(row.get(k)) for k in STAT_HEADERS if k != "n"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.3e}"


def _markdown(result: EvaluationResult) -> str:
    s = result.summary
    st = s.get("settings", {})
    out = ["# Surrogate evaluation", ""]
    if "data" in st:
        out.append(f"Data: `{st['data']}` (split `{st.get('split')}`, {s['n']} waveforms, fingerprint `{st.get('data_fingerprint')}`).")
    out.append(
        f"Mismatch of h+ and hx separately, maximised over time and phase; PSD {st.get('psd')}, "
        f"f_lower {st.get('f_lower')} Hz, taper {st.get('taper')} s (half-Hann at the start; `_untapered`: none), "
        "zero-padded to twice the length. Cosine distance (eq. 5) for the amplitude and frequency series."
    )
    if "latent_draw" in st:
        out.append(f"Plain names: latent draw {st['latent_draw']}; `mean_latent_`: {st['mean_latent_draw']}.")
    if st.get("baselines"):
        out.append(f"`baseline_<approximant>_`: lalsimulation {', '.join(st['baselines'])}, {st['baseline_alignment']}.")
    out += ["", "## All waveforms", "", markdown_table(s["table"]), ""]
    if "restricted_chi_eff" in s:
        r = s["restricted_chi_eff"]
        out += [f"## Restricted {r['range'][0]:g} <= chi_eff <= {r['range'][1]:g} ({r['n']} waveforms)", "", markdown_table(r["table"]), ""]
    if "latent_uncertainty" in s:
        lu = s["latent_uncertainty"]
        out += [
            f"## Latent-sampling uncertainty (K = {lu['k']} generations of M = {lu['m']} points)",
            "",
            f"Median standard deviation of the mismatch: h+ {_fmt(lu['median_std_mismatch_hplus'])}, "
            f"hx {_fmt(lu['median_std_mismatch_hcross'])} (rows `latent_std_mismatch_*` above).",
            "",
        ]
    if s.get("examples"):
        ex = ", ".join(f"{k} row {v['row']} ({_fmt(v['mismatch_hplus'])})" for k, v in s["examples"].items())
        out += [f"Overlays (overlays.png): {ex}.", ""]
    return "\n".join(out)


def _write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    import csv

    from wavae.io.atomic import atomic_path

    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    with atomic_path(path, ".csv") as tmp:
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            for i in range(n):
                w.writerow([_cell(columns[k][i]) for k in names])


def _cell(v: Any) -> str:
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    return repr(float(v))


def write_report(result: EvaluationResult, report_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the report files into ``report_dir`` (created) and return them by name:

    ``summary.json`` (the summary), ``summary.md`` (the tables), ``per_waveform.csv`` (one row
    per waveform: parameters then metrics), ``latent_uncertainty.csv`` (one row per point),
    and the figures ``mismatch_histogram.png`` (Fig. 6), ``overlays.png`` (Fig. 5),
    ``tomography_mass.png`` (Fig. 7), ``tomography_chi_eff.png`` (Fig. 8),
    ``tomography_binned.png`` (binned medians) and ``latent_uncertainty.png`` (Fig. 10).
    """
    from wavae.gw import report_plots
    from wavae.io.atomic import atomic_path, write_json

    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["summary.json"] = out / "summary.json"
    write_json(files["summary.json"], _jsonable(result.summary))
    files["summary.md"] = out / "summary.md"
    with atomic_path(files["summary.md"], ".md") as tmp:
        tmp.write_text(_markdown(result))
    files["per_waveform.csv"] = out / "per_waveform.csv"
    _write_csv(files["per_waveform.csv"], {**result.params, **result.metrics})
    if result.latent is not None:
        files["latent_uncertainty.csv"] = out / "latent_uncertainty.csv"
        _write_csv(files["latent_uncertainty.csv"], result.latent)
    files.update(report_plots.plot_report(result, out))
    return files


__all__ = [
    "EvaluationResult",
    "baseline_window",
    "compare_waveforms",
    "derived_parameters",
    "evaluate_arrays",
    "evaluate_surrogate",
    "markdown_table",
    "mismatch_table",
    "summarise",
    "write_report",
]
