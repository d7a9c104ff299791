"""Noise-weighted mismatch (wavae.gw.mismatch) against pycbc.filter.match on SEOBNRv4_opt waveforms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

lal = pytest.importorskip("lal")
lalsimulation = pytest.importorskip("lalsimulation")
pycbc_filter = pytest.importorskip("pycbc.filter")
pycbc_psd = pytest.importorskip("pycbc.psd")
pycbc_types = pytest.importorskip("pycbc.types")

from wavae.gw.mismatch import (  # noqa: E402
    cosine_distance,
    mismatch,
    overlap,
    polarisation_mismatch,
    taper_start,
)
from wavae.gw.psd import available_psds, psd_from_lalsimulation  # noqa: E402

DELTA_T = 1.0 / 8192
N = 8192
F_LOWER = 20.0

# (mass1, mass2, spin1z, spin2z, f_lower of the generation) -- all give >= 1 s + margin at 8192 Hz
CASES = {
    "equal_30_25": (30.0, 25.0, 0.3, -0.2, 20.0),
    "near_32_24": (32.0, 24.0, 0.2, 0.0, 20.0),
    "light_12_10": (12.0, 10.0, 0.0, 0.0, 20.0),
    "heavy_50_40_spins": (50.0, 40.0, -0.5, 0.5, 12.0),
    "high_spin_20_15": (20.0, 15.0, 0.8, 0.5, 20.0),
}


def _generate(mass1: float, mass2: float, spin1z: float, spin2z: float, f_lower: float) -> tuple[np.ndarray, np.ndarray]:
    hp, hc = lalsimulation.SimInspiralChooseTDWaveform(
        mass1 * lal.MSUN_SI, mass2 * lal.MSUN_SI, 0, 0, spin1z, 0, 0, spin2z,
        1e6 * lal.PC_SI, 0, 0, 0, 0, 0, DELTA_T, f_lower, f_lower, lal.CreateDict(),
        lalsimulation.GetApproximantFromString("SEOBNRv4_opt"),
    )
    return hp.data.data.copy(), hc.data.data.copy()


@pytest.fixture(scope="module")
def full() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Whole waveforms (longer than 1 s), keyed by case."""
    out = {k: _generate(*v) for k, v in CASES.items()}
    for k, (hp, _) in out.items():
        assert len(hp) >= N + 64, k
    return out


@pytest.fixture(scope="module")
def wf(full) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The last 1 s (8192 samples) of h+ and hx."""
    return {k: (hp[-N:], hc[-N:]) for k, (hp, hc) in full.items()}


def pycbc_mismatch(a: np.ndarray, b: np.ndarray, subsample: bool = False) -> float:
    """1 - pycbc.filter.match on exactly these arrays, PSD built independently by pycbc."""
    n = len(a)
    delta_f = 1.0 / (n * DELTA_T)
    psd = pycbc_psd.from_string("aLIGOZeroDetHighPower", n // 2 + 1, delta_f, F_LOWER)
    m, _ = pycbc_filter.match(
        pycbc_types.TimeSeries(a, delta_t=DELTA_T), pycbc_types.TimeSeries(b, delta_t=DELTA_T),
        psd=psd, low_frequency_cutoff=F_LOWER, subsample_interpolation=subsample,
    )
    return 1.0 - float(m)


def as_pycbc_input(h: np.ndarray, taper: float | None, pad: bool) -> np.ndarray:
    """The arrays wavae compares internally: tapered at the start, then zero-padded to 2N."""
    x = taper_start(h, DELTA_T, taper) if taper else np.array(h)
    return np.pad(x, (0, len(x))) if pad else x


# ----------------------------------------------------------------------------- PSD


def test_psd_matches_pycbc_and_excludes_low_bins():
    for n in (N, 2 * N):
        ours = psd_from_lalsimulation("aLIGOZeroDetHighPower", n=n, delta_t=DELTA_T, f_lower=F_LOWER)
        delta_f = 1.0 / (n * DELTA_T)
        ref = pycbc_psd.from_string("aLIGOZeroDetHighPower", n // 2 + 1, delta_f, F_LOWER).numpy()
        kmin = int(F_LOWER / delta_f)
        assert ours.shape == (n // 2 + 1,)
        assert np.all(np.isinf(ours[:kmin]))
        assert np.all(np.isfinite(ours[kmin:-1])) and np.all(ours[kmin:-1] > 0)
        np.testing.assert_allclose(ours[kmin:-1], ref[kmin:-1], rtol=1e-12)
    # cached and read-only
    again = psd_from_lalsimulation("aLIGOZeroDetHighPower", n=N, delta_t=DELTA_T, f_lower=F_LOWER)
    assert again is psd_from_lalsimulation(n=N, delta_t=DELTA_T, f_lower=F_LOWER)
    assert not again.flags.writeable


def test_psd_other_names_and_unknown_name():
    assert "aLIGOZeroDetHighPower" in available_psds()
    s = psd_from_lalsimulation("aLIGODesignSensitivityT1800044", n=N, delta_t=DELTA_T, f_lower=10.0)
    assert np.isfinite(s[10:4000]).all()
    with pytest.raises(ValueError, match="psd.*aLIGOZeroDetHighPower"):
        psd_from_lalsimulation("NoSuchDetector", n=N, delta_t=DELTA_T, f_lower=F_LOWER)
    with pytest.raises(ValueError, match="psd"):
        mismatch(np.ones(N), np.ones(N), delta_t=DELTA_T, psd="NoSuchDetector")


# ----------------------------------------------------------------------------- pycbc agreement


PAIRS = [
    ("equal_30_25", "near_32_24"),
    ("light_12_10", "high_spin_20_15"),
    ("heavy_50_40_spins", "equal_30_25"),
    ("high_spin_20_15", "near_32_24"),
]


@pytest.mark.parametrize("taper", [None, 0.1])
@pytest.mark.parametrize("pad", [False, True])
def test_matches_pycbc_different_parameters(wf, taper, pad):
    diffs = []
    for k1, k2 in PAIRS:
        for pol in (0, 1):
            a, b = wf[k1][pol], wf[k2][pol]
            ours = float(mismatch(a, b, delta_t=DELTA_T, taper=taper, pad=pad))
            ref = pycbc_mismatch(as_pycbc_input(a, taper, pad), as_pycbc_input(b, taper, pad))
            diffs.append(abs(ours - ref))
            assert ours == pytest.approx(ref, abs=1e-6), (k1, k2, pol)
    print(f"taper={taper} pad={pad}: max |wavae - pycbc| = {max(diffs):.1e}")
    assert max(diffs) < 1e-9


@pytest.mark.parametrize("taper", [None, 0.1])
@pytest.mark.parametrize("shift", [3, 17])
def test_matches_pycbc_shifted_window(full, taper, shift):
    hp = full["light_12_10"][0]
    a, b = hp[-N:], hp[-N - shift : -shift]
    for pad in (False, True):
        ours = float(mismatch(a, b, delta_t=DELTA_T, taper=taper, pad=pad))
        ref = pycbc_mismatch(as_pycbc_input(a, taper, pad), as_pycbc_input(b, taper, pad))
        assert ours == pytest.approx(ref, abs=1e-6)


def test_matches_pycbc_subsample_interpolation(wf):
    a = wf["equal_30_25"][0]
    f = np.fft.rfftfreq(N, DELTA_T)
    b = np.fft.irfft(np.fft.rfft(a) * np.exp(-2j * np.pi * f * 0.5 * DELTA_T), N)  # half-sample delay
    for pad in (False, True):
        coarse = float(mismatch(a, b, delta_t=DELTA_T, pad=pad))
        fine = float(mismatch(a, b, delta_t=DELTA_T, pad=pad, subsample_interpolation=True))
        ref = pycbc_mismatch(as_pycbc_input(a, 0.1, pad), as_pycbc_input(b, 0.1, pad), subsample=True)
        assert fine == pytest.approx(ref, abs=1e-6)
        assert fine < coarse / 10


def test_polarisations_and_f_upper_against_pycbc(wf):
    (hp1, hc1), (hp2, hc2) = wf["equal_30_25"], wf["near_32_24"]
    got = polarisation_mismatch(hp1, hc1, hp2, hc2, delta_t=DELTA_T)
    assert set(got) == {"hplus", "hcross"}
    assert float(got["hplus"]) == pytest.approx(pycbc_mismatch(as_pycbc_input(hp1, 0.1, True), as_pycbc_input(hp2, 0.1, True)), abs=1e-6)
    assert float(got["hcross"]) == pytest.approx(pycbc_mismatch(as_pycbc_input(hc1, 0.1, True), as_pycbc_input(hc2, 0.1, True)), abs=1e-6)
    # f_upper: same band cut as pycbc's high_frequency_cutoff
    psd = pycbc_psd.from_string("aLIGOZeroDetHighPower", N + 1, 0.5, F_LOWER)
    x, y = as_pycbc_input(hp1, 0.1, True), as_pycbc_input(hp2, 0.1, True)
    ref = 1 - pycbc_filter.match(pycbc_types.TimeSeries(x, DELTA_T), pycbc_types.TimeSeries(y, DELTA_T), psd=psd,
                                 low_frequency_cutoff=F_LOWER, high_frequency_cutoff=300.0)[0]
    assert float(mismatch(hp1, hp2, delta_t=DELTA_T, f_upper=300.0)) == pytest.approx(ref, abs=1e-6)


# ----------------------------------------------------------------------------- invariances


def test_identical_is_zero(wf):
    for hp, hc in wf.values():
        for taper in (None, 0.1):
            for pad in (False, True):
                assert abs(float(mismatch(hp, hp, delta_t=DELTA_T, taper=taper, pad=pad))) < 1e-12
                assert abs(float(mismatch(hc, 3.7 * hc, delta_t=DELTA_T, taper=taper, pad=pad))) < 1e-12


def test_phase_rotation_is_zero(wf):
    hp, hc = wf["equal_30_25"]
    f = np.fft.rfftfreq(2 * N, DELTA_T)
    x = np.pad(taper_start(hp, DELTA_T), (0, N))
    for phi0 in (0.3, 1.2, 2.5):
        # exact constant phase rotation of every positive-frequency bin
        rotated = np.fft.irfft(np.fft.rfft(x) * np.exp(1j * phi0), 2 * N)
        assert abs(float(mismatch(x, rotated, delta_t=DELTA_T, taper=None, pad=False))) < 1e-12
        # the physical one: rotate the orbital phase of the (2,2) mode, h+ cos + hx sin
        physical = hp * np.cos(phi0) + hc * np.sin(phi0)
        assert float(mismatch(hp, physical, delta_t=DELTA_T)) < 1e-6


def test_time_shift_inside_padded_window(wf):
    hp = taper_start(wf["high_spin_20_15"][0], DELTA_T)
    x = np.pad(hp, (0, N))
    for shift in (1, 40, 1000, N - 1):  # content stays inside the 2N window: no wrap
        y = np.roll(x, shift)
        assert abs(float(mismatch(x, y, delta_t=DELTA_T, taper=None, pad=False))) < 1e-12
        assert abs(float(mismatch(x, y, delta_t=DELTA_T, taper=None, pad=True))) < 1e-12
    # on the 1 s window: a copy delayed by a few samples, ringdown tail (zeros) pushed out
    y = np.concatenate([np.zeros(5), hp[:-5]])
    assert float(mismatch(hp, y, delta_t=DELTA_T, taper=None)) < 1e-6


def test_issue_numbers_shifted_windows(full):
    """Two 1 s windows of one SEOBNRv4 waveform whose starts are a few samples apart."""
    lines = []
    for key in ("light_12_10", "high_spin_20_15", "equal_30_25"):
        hp = full[key][0]
        for shift in (2, 4, 8):
            a, b = hp[-N:], hp[-N - shift : -shift]
            raw = float(mismatch(a, b, delta_t=DELTA_T, taper=None))
            tap = float(mismatch(a, b, delta_t=DELTA_T))
            lines.append(f"{key} shift={shift}: untapered {raw:.1e}, tapered(0.1 s) {tap:.1e}")
            assert tap < raw
    print("\n".join(lines))
    hp = full["high_spin_20_15"][0]
    raw = float(mismatch(hp[-N:], hp[-N - 4 : -4], delta_t=DELTA_T, taper=None))
    tap = float(mismatch(hp[-N:], hp[-N - 4 : -4], delta_t=DELTA_T))
    assert 1e-5 < raw < 1e-2
    assert tap < raw / 30


def test_issue_numbers_regenerated_windows():
    """The same system generated at f_lower 0.01 Hz apart, last 1 s of each: the windows are offset
    by a non-integer number of samples. The taper removes the start-edge artefact; the rest is
    mostly the discrete time search, which sub-sample interpolation removes."""
    lines = []
    for (m1, m2, s1, s2, fl) in [(12.0, 10.0, 0.0, 0.0, 20.0), (40.0, 30.0, 0.0, 0.0, 15.0), (70.0, 50.0, 0.0, 0.0, 10.0)]:
        a = _generate(m1, m2, s1, s2, fl)[0][-N:]
        b = _generate(m1, m2, s1, s2, fl + 0.01)[0][-N:]
        raw = float(mismatch(a, b, delta_t=DELTA_T, taper=None))
        tap = float(mismatch(a, b, delta_t=DELTA_T))
        sub = float(mismatch(a, b, delta_t=DELTA_T, subsample_interpolation=True))
        lines.append(f"{m1:g}+{m2:g}: untapered {raw:.1e}, tapered {tap:.1e}, tapered+subsample {sub:.1e}")
        assert sub < tap
    print("\n".join(lines))


# ----------------------------------------------------------------------------- batching and kinds


def test_batch_equals_rows_and_broadcast(wf):
    keys = list(CASES)
    A = np.stack([wf[k][0] for k in keys])
    B = np.stack([wf[k][1] for k in keys[1:] + keys[:1]])
    batch = mismatch(A, B, delta_t=DELTA_T)
    rows = np.array([float(mismatch(a, b, delta_t=DELTA_T)) for a, b in zip(A, B)])
    assert isinstance(batch, np.ndarray) and batch.shape == (len(keys),) and batch.dtype == np.float64
    np.testing.assert_allclose(batch, rows, rtol=0, atol=1e-13)
    np.testing.assert_allclose(mismatch(A, B, delta_t=DELTA_T, chunk_size=2), batch, rtol=0, atol=1e-13)
    # one reference against a batch, either side, 1-D or (1, time)
    ref = A[0]
    one = mismatch(ref, B, delta_t=DELTA_T)
    rows = np.array([float(mismatch(ref, b, delta_t=DELTA_T)) for b in B])
    np.testing.assert_allclose(one, rows, rtol=0, atol=1e-13)
    np.testing.assert_allclose(mismatch(B, ref[None], delta_t=DELTA_T, chunk_size=2), rows, rtol=0, atol=1e-12)


def test_kinds_and_devices(wf):
    a, b = wf["equal_30_25"][0], wf["near_32_24"][0]
    m_np = mismatch(a, b, delta_t=DELTA_T)
    assert isinstance(m_np, np.floating) and np.ndim(m_np) == 0
    m_t = mismatch(torch.from_numpy(a), torch.from_numpy(b), delta_t=DELTA_T)
    assert isinstance(m_t, torch.Tensor) and m_t.shape == () and m_t.dtype == torch.float64
    assert float(m_t) == pytest.approx(float(m_np), abs=1e-14)
    m_mixed = mismatch(a, torch.from_numpy(np.stack([b, a])).float(), delta_t=DELTA_T)
    assert isinstance(m_mixed, torch.Tensor) and m_mixed.shape == (2,)
    assert float(m_mixed[0]) == pytest.approx(float(m_np), abs=1e-6)  # float32 input, float64 inside
    o = overlap(torch.from_numpy(np.stack([a, b])), torch.from_numpy(b), delta_t=DELTA_T)
    assert o.device == torch.device("cpu") and o.shape == (2,) and float(o[1]) == pytest.approx(1.0, abs=1e-12)


def test_differentiable(wf):
    a = torch.from_numpy(wf["equal_30_25"][0]).requires_grad_(True)
    b = torch.from_numpy(wf["near_32_24"][0])
    m = mismatch(a, b, delta_t=DELTA_T)
    m.backward()
    assert a.grad is not None and torch.isfinite(a.grad).all()


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"h1 and h2.*\(100,\).*\(99,\)"):
        mismatch(np.ones(100), np.ones(99), delta_t=DELTA_T, taper=None, f_lower=None)
    with pytest.raises(ValueError, match=r"h1 and h2.*\(3, 100\).*\(2, 100\)"):
        mismatch(np.ones((3, 100)), np.ones((2, 100)), delta_t=DELTA_T, taper=None, f_lower=None)
    with pytest.raises(ValueError, match=r"h1.*\(2, 3, 100\)"):
        mismatch(np.ones((2, 3, 100)), np.ones(100), delta_t=DELTA_T)
    with pytest.raises(ValueError, match="psd"):
        mismatch(np.ones(N), np.ones(N), delta_t=DELTA_T, psd=np.ones(N // 2 + 1))  # padded grid is 2N
    with pytest.raises(ValueError, match="delta_t"):
        mismatch(np.ones(N), np.ones(N), delta_t=0.0)
    with pytest.raises(ValueError, match=r"a and b.*\(5,\).*\(4,\)"):
        cosine_distance(np.ones(5), np.ones(4))


def test_array_psd_equals_named_psd(wf):
    a, b = wf["equal_30_25"][0], wf["near_32_24"][0]
    psd = psd_from_lalsimulation(n=2 * N, delta_t=DELTA_T, f_lower=F_LOWER)
    assert float(mismatch(a, b, delta_t=DELTA_T, psd=torch.from_numpy(psd.copy()))) == pytest.approx(
        float(mismatch(a, b, delta_t=DELTA_T)), abs=1e-14
    )


# ----------------------------------------------------------------------------- taper and cosine distance


def test_taper_start():
    h = np.ones((2, 2000), dtype=np.float32)
    out = taper_start(h, 1e-3, 0.1)  # 100-sample ramp
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == h.shape
    i = np.arange(100)
    np.testing.assert_allclose(out[0, :100], np.sin(0.5 * np.pi * i / 100) ** 2, rtol=1e-6)
    assert out[0, 0] == 0 and np.all(out[:, 100:] == 1) and np.all(h == 1)  # input untouched
    t = taper_start(torch.ones(3, 2000, dtype=torch.float64), 1e-3, 0.1)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    np.testing.assert_allclose(t[1].numpy(), out[1], rtol=1e-6)
    np.testing.assert_array_equal(taper_start(h, 1e-3, None), h)
    with pytest.raises(ValueError, match="duration"):
        taper_start(np.ones(10), 1e-3, 0.1)


def test_cosine_distance():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 50)), rng.normal(size=(4, 50))
    got = cosine_distance(a, b)
    want = 1 - np.sum(a * b, -1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert abs(float(cosine_distance(a[0], 2.5 * a[0]))) < 1e-15
    assert float(cosine_distance(np.array([1.0, 0]), np.array([0, 1.0]))) == pytest.approx(1.0)
    t = cosine_distance(torch.from_numpy(a), torch.from_numpy(b[0]))
    assert isinstance(t, torch.Tensor) and t.shape == (4,)
    np.testing.assert_allclose(t.numpy(), cosine_distance(a, b[0]), rtol=1e-12)
