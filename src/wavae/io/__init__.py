"""Domain-free storage: atomic writes, HDF5 helpers, checkpoint files (safetensors + JSON)."""
