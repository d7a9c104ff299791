"""``wavae gw ...``: gravitational-wave commands. Data commands live in ``gw_data``, model
commands (train, generate, evaluate, bench) in ``gw_model``."""

from __future__ import annotations

import argparse


def register(domains: argparse._SubParsersAction) -> None:
    parser = domains.add_parser(
        "gw",
        help="gravitational waves: datasets, surrogates, evaluation, benchmarks",
        description="Gravitational-wave surrogates of lalsimulation approximants (SEOBNRv4).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    from wavae.cli import gw_data

    gw_data.register(commands)
    from wavae.cli import gw_eval, gw_model

    gw_model.register(commands)
    gw_eval.register(commands)

