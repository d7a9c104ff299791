"""``wavae gw datagen`` and ``wavae gw info``."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    pass
