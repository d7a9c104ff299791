"""Saving matplotlib figures: laid out, written atomically, closed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wavae.io.atomic import atomic_path


def save_figure(fig: Any, path: str | os.PathLike[str], *, dpi: int = 110) -> Path:
    """``tight_layout``, write ``path`` (format from its suffix, PNG by default) under a
    temporary name and rename it, creating parent folders, then close the figure."""
    import matplotlib.pyplot as plt

    path = Path(path)
    suffix = path.suffix or ".png"
    fig.tight_layout()
    with atomic_path(path, suffix) as tmp:
        fig.savefig(tmp, format=suffix[1:], dpi=dpi)
    plt.close(fig)
    return path
