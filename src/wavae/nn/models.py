"""Importing this module registers the built-in domain-free models (``vae``, ``beta_vae``).

``wavae.nn`` declares it with ``declare_builtin("wavae.nn.models")`` so that
:func:`wavae.nn.build_model` finds these models by name without an explicit import.
"""

from wavae.nn.vae import VAE, BetaVAE

__all__ = ["VAE", "BetaVAE"]
