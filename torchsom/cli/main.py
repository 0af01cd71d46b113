"""Argument parsing and dispatch for the ``torchsom`` command.

``torchsom --version`` answers without importing torch; the sub-commands import what
they need when they run.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from torchsom.version import __version__

__all__ = ["main", "build_parser"]

_DESCRIPTION = """\
Self-organizing maps from the command line: train a map on a table, look at it in an
HTML report, and map new rows onto it.

DATA is a .csv (header row; .tsv for tabs), .parquet or .npy file. Results go to stdout
or to files; progress bars and messages go to stderr. Errors are one line on stderr and
exit code 2 (--debug shows the traceback)."""

_EPILOG = """\
examples:
  torchsom fit wine.csv --x 12 --y 16 --target class --out wine.som
  torchsom report wine.som wine.csv --out wine-report
  torchsom predict wine.som new-wines.csv --out predictions.csv
  torchsom info wine.som
  torchsom demo --out demo-output

run 'torchsom COMMAND --help' for the options of each command."""

_FIT_EPILOG = """\
examples:
  torchsom fit data.csv --out model.som
  torchsom fit data.csv --x 10 --y 15 --out model.som
  torchsom fit data.csv --x 20 --y 20 --topology hexagonal --epochs 50 --drop id \\
      --target species --out model.som
  torchsom fit data.parquet --config settings.toml --out model.som

--config reads the same settings from a .toml or .yaml file (flags win), e.g.
  x = 20
  y = 20
  topology = "hexagonal"
  drop = ["id"]

Without --x and --y the map size is chosen from the scaled features: about
5*sqrt(rows) neurons, the sides in the ratio of the data's two main spreads
(torchsom.suggest_map_size); with one of them given, the other makes about as many
neurons. The size chosen is printed and saved with the model.

The scaler, the feature names, the neurons' clusters and (with --target) a value for
every neuron are saved with the model."""


def _fit_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from torchsom.cli.scaling import SCALINGS
    from torchsom.cli.settings import add_som_flags

    fit = sub.add_parser(
        "fit", parents=[common], help="train a map on a data file and save it",
        description="Train a self-organizing map on the numeric columns of DATA and save "
        "it, with its scaler and column names, to --out.",
        epilog=_FIT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    fit.add_argument("data", metavar="DATA", help="training data (.csv, .parquet, .npy)")
    fit.add_argument("--out", required=True, metavar="MODEL", help="model file to write")
    fit.add_argument("--config", metavar="FILE", help="settings file (.toml, .yaml)")
    columns = fit.add_argument_group("data")
    columns.add_argument("--columns", action="append", metavar="A,B,...",
                         help="feature columns (default: every column but --drop and "
                         "--target)")
    columns.add_argument("--drop", action="append", metavar="A,B,...",
                         help="columns to leave out (e.g. ids, text)")
    columns.add_argument("--target", metavar="COL",
                         help="a column to predict: classes, or numbers (never a feature)")
    columns.add_argument("--scale", choices=SCALINGS, default=None,
                         help="feature scaling (default: standard)")
    add_som_flags(fit)


def build_parser() -> argparse.ArgumentParser:
    """The ``torchsom`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="torchsom", description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"torchsom {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="no progress bars")
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", parents=[common], help="the clustering workflow on built-in blobs data",
        description="Train a 25x15 map on 300 samples of 3 blobs, print the per-epoch "
        "errors, the number of clusters chosen by the elbow and the metrics of k-means, "
        "GMM and HDBSCAN, and write every figure and the HTML report to --out.",
        epilog="example:\n  torchsom demo --out demo-output",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--out", default="demo-output", help="folder for the figures")
    demo.add_argument("--epochs", type=int, default=100, help="training epochs")
    demo.add_argument("--dpi", type=int, default=100, help="resolution of the figures")

    _fit_parser(sub, common)

    report = sub.add_parser(
        "report", parents=[common], help="write an HTML report of a model on data",
        description="Write DIR/index.html (one self-contained page: settings, training "
        "curves, U-matrix, hit map, target map, component planes, clusters, quality) and "
        "DIR/rows.csv (each row's best-matching neuron, distance and cluster).",
        epilog="example:\n  torchsom report model.som data.csv --out report\n"
        "  then open report/index.html in a browser",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("model", metavar="MODEL", help="model file written by 'fit'")
    report.add_argument("data", metavar="DATA", help="data with the model's columns")
    report.add_argument("--target", metavar="COL",
                        help="column to show on the map (default: the model's target)")
    report.add_argument("--out", required=True, metavar="DIR", help="report folder")
    report.add_argument("--dpi", type=int, default=100,
                        help="resolution of the figures (default: 100, for screens)")

    predict = sub.add_parser(
        "predict", parents=[common], help="map rows onto a model: BMU, cluster, prediction",
        description="For each row of DATA: the grid position of its best-matching neuron, "
        "the distance to it, its cluster and, for a model trained with --target, the "
        "prediction. CSV to --out, or to stdout.",
        epilog="examples:\n  torchsom predict model.som new.csv --out predictions.csv\n"
        "  torchsom predict model.som new.csv | head",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    predict.add_argument("model", metavar="MODEL", help="model file written by 'fit'")
    predict.add_argument("data", metavar="DATA", help="data with the model's columns")
    predict.add_argument("--out", metavar="FILE", help="CSV file to write (default: stdout)")

    info = sub.add_parser(
        "info", parents=[common], help="settings, history and columns of a model file",
        description="Print what a model file holds, without loading its map.",
        epilog="examples:\n  torchsom info model.som\n  torchsom info model.som --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    info.add_argument("model", metavar="MODEL", help="model file")
    info.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _show_warning(message: Warning | str, *_: object, **__: object) -> None:
    """Warnings as one line on stderr (no file name and source line)."""
    print(f"torchsom: warning: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input or output)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--version"]:  # answered before the parser, which imports torch
        print(f"torchsom {__version__}")
        raise SystemExit(0)
    args = build_parser().parse_args(argv)
    from torchsom.cli import commands
    from torchsom.cli.errors import CLIError
    from torchsom.exceptions import InvalidParameterError

    expected = (CLIError, InvalidParameterError, ValueError, TypeError, ImportError, OSError,
                FloatingPointError)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return commands.COMMANDS[args.command](args)
        except KeyboardInterrupt:
            if args.debug:
                raise
            print("torchsom: interrupted", file=sys.stderr)
            return 130
        except expected as exc:
            if args.debug:
                raise
            print(f"torchsom: error: {_one_line(exc)}", file=sys.stderr)
            return 2
