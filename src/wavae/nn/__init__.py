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
