"""Output checks and writes that never leave partial files."""

from __future__ import annotations

import pytest

from torchsom.cli.errors import (
    CLIError,
    atomic_file,
    check_writable_file,
    check_writable_folder,
    staged_folder,
)


def test_atomic_file_replaces_only_when_complete(tmp_path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as handle:
            handle.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old" and sorted(tmp_path.iterdir()) == [target]
    with atomic_file(target) as handle:
        handle.write("new")
    assert target.read_text() == "new" and sorted(tmp_path.iterdir()) == [target]


def test_staged_folder_moves_files_in_at_the_end(tmp_path) -> None:
    out = tmp_path / "report"
    with pytest.raises(RuntimeError):
        with staged_folder(out) as stage:
            (stage / "index.html").write_text("half")
            raise RuntimeError("boom")
    assert not list(tmp_path.iterdir())
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    (out / "index.html").write_text("old")
    with staged_folder(out) as stage:
        (stage / "index.html").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "keep.txt"]
    assert (out / "index.html").read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_output_checks(tmp_path) -> None:
    assert check_writable_file(tmp_path / "m.som") == tmp_path / "m.som"
    with pytest.raises(CLIError, match="is a folder; give a file name"):
        check_writable_file(tmp_path)
    with pytest.raises(CLIError, match="the folder .* does not exist"):
        check_writable_file(tmp_path / "no" / "m.som")
    (tmp_path / "f").write_text("")
    with pytest.raises(CLIError, match="is not a folder"):
        check_writable_file(tmp_path / "f" / "m.som")
    assert check_writable_folder(tmp_path / "new") == tmp_path / "new"
    assert check_writable_folder(tmp_path) == tmp_path
    with pytest.raises(CLIError, match="is a file; give a folder"):
        check_writable_folder(tmp_path / "f", "--out")
    with pytest.raises(CLIError, match="does not exist"):
        check_writable_folder(tmp_path / "a" / "b")
