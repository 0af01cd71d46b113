"""Reading data files (CSV, Parquet, .npy) into named columns, and picking the features.

A :class:`Table` holds one NumPy array per column: float64 for numeric columns (missing
values as NaN) and ``object`` arrays of strings for text columns. CSV files need a
header row; their cells ``""``, ``NA``, ``NaN``, ``null``, ``None`` and ``n/a`` (any case)
are missing values. The columns of a ``.npy`` array are named ``"0"``, ``"1"``, …
"""

from __future__ import annotations

import csv
import difflib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from torchsom.cli.errors import CLIError

__all__ = ["Table", "read_table", "feature_matrix", "target_values", "check_columns",
           "SUFFIXES"]

#: file name endings read by :func:`read_table`
SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".npy")
_MISSING = {"", "na", "nan", "null", "none", "n/a"}


@dataclass
class Table:
    """Named columns read from a data file.

    Attributes
    ----------
    path : Path
        The file.
    columns : list of str
        Column names, in file order.
    data : dict of str to numpy.ndarray
        Shape (n_rows,) each: float64 (NaN = missing) or object (str, None = missing).
    first_line : int or None
        Line number of the first data row for text files (for messages), None otherwise.
    """

    path: Path
    columns: list[str]
    data: dict[str, np.ndarray]
    first_line: int | None = None

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.data.values()))) if self.data else 0

    def is_numeric(self, name: str) -> bool:
        return self.data[name].dtype.kind == "f"

    def where(self, index: int) -> str:
        """Where data row ``index`` (0-based) is in the file, for messages."""
        if self.first_line is not None:
            return f"line {index + self.first_line}"
        return f"row {index + 1}"


def _fail(path: Path, problem: str) -> CLIError:
    return CLIError(f"cannot read DATA {str(path)!r}: {problem}")


def read_table(path: str | os.PathLike[str]) -> Table:
    """Read a CSV/TSV, Parquet or ``.npy`` file.

    Raises
    ------
    CLIError
        If the file is missing, empty, of an unknown kind, malformed, or has duplicate
        column names; the message names the file and the problem.
    ImportError
        For Parquet files when pyarrow is not installed.
    """
    source = Path(path)
    if not source.exists():
        raise _fail(source, "no such file")
    if source.is_dir():
        raise _fail(source, "it is a folder")
    suffix = source.suffix.lower()
    if suffix not in SUFFIXES:
        raise _fail(source, f"unknown file type {suffix or '(none)'!r}; expected one of "
                    f"{', '.join(SUFFIXES)}")
    if source.stat().st_size == 0:
        raise _fail(source, "the file is empty")
    if suffix == ".npy":
        table = _read_npy(source)
    elif suffix in (".parquet", ".pq"):
        table = _read_parquet(source)
    else:
        table = _read_text(source, "\t" if suffix == ".tsv" else None)
    if table.n_rows == 0:
        raise _fail(source, "it has a header but no data rows")
    return table


def _unique_names(path: Path, names: list[str]) -> list[str]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not name:
            raise _fail(path, f"column {i + 1} has no name in the header")
        if name in seen:
            raise _fail(path, f"the column name {name!r} appears twice in the header")
        seen.add(name)
    return names


def _column(values: list[str]) -> np.ndarray:
    """Numbers as float64 (missing → NaN) if every present cell is a number, else text."""
    missing = [v.strip().lower() in _MISSING for v in values]
    try:
        return np.array([np.nan if m else float(v) for v, m in zip(values, missing)],
                        dtype=np.float64)
    except ValueError:
        return np.array([None if m else v.strip() for v, m in zip(values, missing)],
                        dtype=object)


def _read_text(path: Path, delimiter: str | None) -> Table:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, f"it is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise _fail(path, "the file is empty")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
    header = _unique_names(path, [name.strip() for name in rows[0]])
    body = rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise _fail(path, f"line {number} has {len(row)} fields but the header has "
                        f"{len(header)}")
    columns = list(zip(*body)) if body else [() for _ in header]
    data = {name: _column(list(cells)) for name, cells in zip(header, columns)}
    return Table(path, header, data, first_line=2)


def _read_npy(path: Path) -> Table:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise _fail(path, f"it is not a NumPy .npy array ({exc})") from None
    if array.ndim != 2:
        raise _fail(path, f"the array must be 2-D (rows, features); it has shape "
                    f"{array.shape}")
    if array.dtype.kind not in "biuf":
        raise _fail(path, f"the array must hold numbers; its dtype is {array.dtype}")
    names = [str(i) for i in range(array.shape[1])]
    values = array.astype(np.float64)
    return Table(path, names, {name: values[:, i] for i, name in enumerate(names)})


def _read_parquet(path: Path) -> Table:
    from torchsom._optional import import_optional

    import_optional("pyarrow", "Reading Parquet files")
    import pyarrow.parquet as parquet

    try:
        arrow = parquet.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types
        raise _fail(path, f"it is not a readable Parquet file ({exc})") from None
    names = _unique_names(path, [str(name) for name in arrow.column_names])
    data = {}
    for name, column in zip(names, arrow.columns):
        values = column.to_pylist()
        if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
               for v in values):
            data[name] = np.array([np.nan if v is None else v for v in values],
                                  dtype=np.float64)
        else:
            data[name] = np.array([None if v is None else str(v) for v in values],
                                  dtype=object)
    return Table(path, names, data)


def check_columns(table: Table, names: Sequence[str], flag: str) -> None:
    """Every name in ``names`` is a column of ``table``.

    Raises
    ------
    CLIError
        Naming the flag, the missing column, the closest column name and the columns.
    """
    for name in names:
        if name not in table.data:
            close = difflib.get_close_matches(name, table.columns, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            shown = ", ".join(table.columns[:20]) + (" …" if len(table.columns) > 20 else "")
            raise CLIError(f"{flag}: DATA {str(table.path)!r} has no column {name!r}.{hint} "
                           f"Its columns: {shown}.")


def feature_matrix(
    table: Table,
    columns: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    target: str | None = None,
) -> tuple[np.ndarray, list[str]]:
    """The feature columns as one float64 matrix.

    Parameters
    ----------
    table : Table
        The data.
    columns : sequence of str, optional
        The features, in this order; every column except ``drop`` and ``target`` by
        default.
    drop : sequence of str
        Columns left out.
    target : str, optional
        A column that is never a feature.

    Returns
    -------
    features : numpy.ndarray
        Shape (n_rows, n_features), float64, all finite.
    names : list of str
        The feature names.

    Raises
    ------
    CLIError
        For an unknown column, a text column, a missing or infinite value, or no
        feature left; the message says which column and where.
    """
    check_columns(table, drop, "--drop")
    if target is not None:
        check_columns(table, [target], "--target")
    if columns:
        check_columns(table, columns, "--columns")
        names = [c for c in columns if c not in drop and c != target]
    else:
        names = [c for c in table.columns if c not in drop and c != target]
    if not names:
        raise CLIError(f"no feature column left in DATA {str(table.path)!r} after --drop "
                       "and --target; keep at least one numeric column.")
    for name in names:
        values = table.data[name]
        if not table.is_numeric(name):
            first = next(i for i, v in enumerate(values)
                         if v is not None and not _is_number(v))
            raise CLIError(
                f"column {name!r} of DATA {str(table.path)!r} is not numeric ({values[first]!r} "
                f"on {table.where(first)}); leave it out with --drop {name!r}, or choose "
                "the features with --columns."
            )
        bad = ~np.isfinite(values)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            kind = "missing" if np.isnan(values[first]) else "infinite"
            raise CLIError(
                f"column {name!r} of DATA {str(table.path)!r} has {int(bad.sum())} missing or "
                f"infinite value(s), the first ({kind}) on {table.where(first)}; a map "
                "cannot train on them: fill them in or remove those rows."
            )
    return np.stack([table.data[name] for name in names], axis=1), list(names)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def target_values(table: Table, name: str) -> np.ndarray:
    """The target column: float64 numbers, or an object array of strings.

    Raises
    ------
    CLIError
        If the column is missing or has missing values.
    """
    check_columns(table, [name], "--target")
    values = table.data[name]
    missing = np.array([v is None for v in values]) if values.dtype == object else \
        ~np.isfinite(values)
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise CLIError(
            f"--target column {name!r} of DATA {str(table.path)!r} has {int(missing.sum())} "
            f"missing value(s), the first on {table.where(first)}; fill them in or remove "
            "those rows."
        )
    return values
