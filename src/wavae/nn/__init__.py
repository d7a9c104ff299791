"""Domain-free models and losses. Knows nothing of gravitational waves or sine waves."""

from wavae.nn.base import (
    Batch,
    GenerativeModel,
    ModelOutput,
    build_model,
    declare_builtin,
    model_class,
    register_model,
    registered_models,
)

__all__ = [
    "Batch",
    "GenerativeModel",
    "ModelOutput",
    "build_model",
    "declare_builtin",
    "model_class",
    "register_model",
    "registered_models",
]

# Modules whose import registers the built-in models (imported on first lookup by name).
declare_builtin("wavae.nn.cvae")
declare_builtin("wavae.nn.models")
