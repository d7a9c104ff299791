"""Gravitational waves: priors, lalsimulation back-end, amplitude/frequency decomposition,
dataset building, and (in further modules) surrogates, mismatch, evaluation and benchmarks.

lal/lalsimulation, torch, pycbc and bilby are imported lazily inside the functions that use them.
"""

from wavae.gw.dataset import DatasetSettings, DatasetSummary, calibrate_tau_constant, generate_dataset, read_settings
from wavae.gw.decompose import Decomposition, decompose, denormalise, normalise, phase_from_frequency, reconstruct
from wavae.gw.info import describe_dataset
from wavae.gw.prior import Prior, chirp_mass, effective_spin, split_labels
from wavae.gw.waveform import WaveformError, f_lower_for_duration, generate_polarisations, generate_window

from wavae.nn.base import declare_builtin

declare_builtin("wavae.gw.rom")  # the default model, geometric_rom, loads by name

__all__ = [
    "DatasetSettings",
    "DatasetSummary",
    "Decomposition",
    "Prior",
    "WaveformError",
    "calibrate_tau_constant",
    "chirp_mass",
    "decompose",
    "denormalise",
    "describe_dataset",
    "effective_spin",
    "f_lower_for_duration",
    "generate_dataset",
    "generate_polarisations",
    "generate_window",
    "normalise",
    "phase_from_frequency",
    "read_settings",
    "reconstruct",
    "split_labels",
]
