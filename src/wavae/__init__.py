"""wavae: fast (variational) auto-encoder surrogates of physical signals.

The flagship is a surrogate of the SEOBNRv4 gravitational waveform (``wavae.gw``); the
domain-free core (``wavae.nn``, ``wavae.train``, ``wavae.io``, ``wavae.stream``) serves
every other signal.
"""

__version__ = "0.1.0"
