"""The ``wavae`` command. Thin: it parses arguments and calls library functions.

Each domain registers its sub-commands from its own module (``cli/gw.py``, ``cli/sine.py``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from wavae import __version__


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except for required options and options without one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required or action.default is None or action.default is argparse.SUPPRESS or "(default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class UsageError(Exception):
    """A bad argument: printed as one line naming the argument, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    from wavae.cli import gw, sine

    parser = argparse.ArgumentParser(
        prog="wavae",
        description="Fast (variational) auto-encoder surrogates of physical signals.",
    )
    parser.add_argument("--version", action="version", version=f"wavae {__version__}")
    domains = parser.add_subparsers(dest="domain", metavar="DOMAIN", required=True)
    gw.register(domains)
    sine.register(domains)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError, FileNotFoundError) as err:
        print(f"wavae: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wavae: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
