"""Errors of the command line and outputs that are never left half-written.

Every file the command line writes goes to a temporary name in the destination folder
first and is renamed over the destination only once it is complete, so a failure at any
point leaves no partial output behind (and any earlier file intact).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["CLIError", "check_writable_file", "check_writable_folder", "atomic_file",
           "staged_folder"]


class CLIError(Exception):
    """A problem with the command's input or output; shown as one line, exit code 2."""


def _folder_problem(folder: Path, flag: str, target: Path) -> str | None:
    if not folder.exists():
        return f"{flag} {str(target)!r}: the folder {str(folder)!r} does not exist"
    if not folder.is_dir():
        return f"{flag} {str(target)!r}: {str(folder)!r} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{flag} {str(target)!r}: the folder {str(folder)!r} is not writable"
    return None


def check_writable_file(path: str | os.PathLike[str], flag: str = "--out") -> Path:
    """``path`` as a Path, after checking that a file can be written there.

    Raises
    ------
    CLIError
        If the folder is missing or not writable, or ``path`` is a folder.
    """
    target = Path(path)
    if target.is_dir():
        raise CLIError(f"{flag} {str(target)!r} is a folder; give a file name.")
    problem = _folder_problem(target.parent if str(target.parent) else Path("."), flag, target)
    if problem:
        raise CLIError(problem + ".")
    return target


def check_writable_folder(path: str | os.PathLike[str], flag: str = "--out") -> Path:
    """``path`` as a Path, after checking that the folder can be made or written into.

    Raises
    ------
    CLIError
        If ``path`` is a file, or it (or, when it does not exist yet, its parent) is not
        a writable folder.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise CLIError(f"{flag} {str(target)!r} is a file; give a folder for the report.")
    folder = target if target.exists() else target.parent
    problem = _folder_problem(folder if str(folder) else Path("."), flag, target)
    if problem:
        raise CLIError(problem + ".")
    return target


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w", **kwargs: object) -> Iterator[IO]:
    """Open a temporary file beside ``path``; it replaces ``path`` when the block ends.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    """
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        with open(temporary, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def staged_folder(path: Path) -> Iterator[Path]:
    """A temporary folder beside ``path``; its files move into ``path`` when the block ends.

    ``path`` is created if needed; files already in it with other names are kept. If the
    block raises, the temporary folder is removed and ``path`` is untouched.
    """
    parent = path.parent if str(path.parent) else Path(".")
    stage = parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    stage.mkdir()
    try:
        yield stage
        path.mkdir(exist_ok=True)
        for item in sorted(stage.iterdir()):
            os.replace(item, path / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
