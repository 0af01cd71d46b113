"""Argument parsing and dispatch for the ``torchsom`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from torchsom.exceptions import InvalidParameterError
from torchsom.version import __version__

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The ``torchsom`` argument parser."""
    parser = argparse.ArgumentParser(prog="torchsom", description="Self-Organizing Maps.")
    parser.add_argument("--version", action="version", version=f"torchsom {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="the clustering workflow on built-in blobs data",
        description="Train a 25x15 map on 300 samples of 3 blobs, print the per-epoch "
        "errors, the number of clusters chosen by the elbow and the metrics of k-means, "
        "GMM and HDBSCAN, and write every figure to --out.")
    demo.add_argument("--out", default="demo-output", help="folder for the figures")
    demo.add_argument("--epochs", type=int, default=100, help="training epochs")
    demo.add_argument("--dpi", type=int, default=150, help="resolution of the figures")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for a library error)."""
    args = build_parser().parse_args(argv)
    from torchsom.cli import commands

    try:
        return commands.COMMANDS[args.command](args)
    except (InvalidParameterError, ValueError, TypeError, ImportError) as exc:
        print(f"torchsom: error: {exc}", file=sys.stderr)
        return 2
