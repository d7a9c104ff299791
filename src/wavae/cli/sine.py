"""``wavae sine ...``: the sine-wave VAE (seed 001)."""

from __future__ import annotations

import argparse


def register(domains: argparse._SubParsersAction) -> None:
    parser = domains.add_parser("sine", help="sine-wave VAE: train, sample, stream")
    parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
