"""Reading CSV, TSV, .npy and Parquet files into named columns; choosing the features."""

from __future__ import annotations

import numpy as np
import pytest

from torchsom.cli.errors import CLIError
from torchsom.cli.tables import feature_matrix, read_table, target_values


def test_csv_numbers_text_and_missing_values(tmp_path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("\ufeffa, b ,name\n1,2.5,x\n3,NA,y\n-1e3,,z\n\n")
    table = read_table(path)
    assert table.columns == ["a", "b", "name"] and table.n_rows == 3
    np.testing.assert_array_equal(table.data["a"], [1.0, 3.0, -1000.0])
    assert np.isnan(table.data["b"][1:]).all() and table.is_numeric("b")
    assert table.data["name"].tolist() == ["x", "y", "z"] and not table.is_numeric("name")
    assert table.where(0) == "line 2"


def test_delimiters_are_sniffed_and_tsv_uses_tabs(tmp_path) -> None:
    (tmp_path / "semi.csv").write_text("a;b\n1;2\n3;4\n")
    assert read_table(tmp_path / "semi.csv").columns == ["a", "b"]
    (tmp_path / "t.tsv").write_text("a\tb\n1\t2\n")
    assert read_table(tmp_path / "t.tsv").data["b"].tolist() == [2.0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.csv", "", "the file is empty"),
        ("blank.csv", "\n\n", "the file is empty"),
        ("h.csv", "a,b\n", "a header but no data rows"),
        ("dup.csv", "a,a\n1,2\n", "'a' appears twice"),
        ("noname.csv", "a,\n1,2\n", "column 2 has no name"),
        ("short.csv", "a,b\n1,2\n3\n", "line 3 has 1 fields but the header has 2"),
        ("d.xlsx", "x", "unknown file type '.xlsx'"),
        ("bad.npy", "not numpy", "not a NumPy .npy array"),
    ],
)
def test_unreadable_files_are_named(tmp_path, name, content, message) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(CLIError, match=message) as caught:
        read_table(tmp_path / name)
    assert name in str(caught.value)


def test_missing_file_folder_and_non_utf8(tmp_path) -> None:
    with pytest.raises(CLIError, match="no such file"):
        read_table(tmp_path / "none.csv")
    with pytest.raises(CLIError, match="it is a folder"):
        read_table(tmp_path)
    (tmp_path / "latin.csv").write_bytes("é,b\n1,2\n".encode("latin-1"))
    with pytest.raises(CLIError, match="not UTF-8 text"):
        read_table(tmp_path / "latin.csv")


def test_npy_arrays(tmp_path) -> None:
    np.save(tmp_path / "a.npy", np.arange(6).reshape(3, 2))
    table = read_table(tmp_path / "a.npy")
    assert table.columns == ["0", "1"] and table.data["1"].tolist() == [1.0, 3.0, 5.0]
    assert table.where(1) == "row 2"
    np.save(tmp_path / "v.npy", np.arange(3))
    with pytest.raises(CLIError, match=r"must be 2-D .* shape \(3,\)"):
        read_table(tmp_path / "v.npy")
    np.save(tmp_path / "s.npy", np.array([["a", "b"]]))
    with pytest.raises(CLIError, match="must hold numbers"):
        read_table(tmp_path / "s.npy")


def test_parquet(tmp_path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [1.0, None, 3.0], "n": [1, 2, 3], "s": ["a", "b", None]}),
                   tmp_path / "d.parquet")
    table = read_table(tmp_path / "d.parquet")
    assert table.columns == ["x", "n", "s"]
    assert np.isnan(table.data["x"][1]) and table.data["n"].tolist() == [1.0, 2.0, 3.0]
    assert table.data["s"].tolist() == ["a", "b", None]
    (tmp_path / "bad.parquet").write_text("nope")
    with pytest.raises(CLIError, match="not a readable Parquet file"):
        read_table(tmp_path / "bad.parquet")


def test_parquet_without_pyarrow_says_which_extra(tmp_path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes "import pyarrow" fail
    (tmp_path / "d.parquet").write_text("x")
    with pytest.raises(ImportError, match=r'Reading Parquet files .*torchsom\[parquet\]'):
        read_table(tmp_path / "d.parquet")


def _table(tmp_path, text):
    (tmp_path / "d.csv").write_text(text)
    return read_table(tmp_path / "d.csv")


def test_feature_matrix_picks_columns(tmp_path) -> None:
    table = _table(tmp_path, "id,a,b,c,t\n1,1,2,3,x\n2,4,5,6,y\n")
    matrix, names = feature_matrix(table, drop=["id"], target="t")
    assert names == ["a", "b", "c"] and matrix.shape == (2, 3)
    matrix, names = feature_matrix(table, columns=["c", "a", "t"], target="t")
    assert names == ["c", "a"] and matrix[:, 0].tolist() == [3.0, 6.0]


def test_feature_matrix_errors_say_which_column_and_where(tmp_path) -> None:
    table = _table(tmp_path, "a,b,c,d\n1,2,x,5\n3,,y,6\n4,inf,z,seven\n")
    with pytest.raises(CLIError, match=r"column 'd' .* \('seven' on line 4\)"):
        feature_matrix(table, columns=["a", "d"])
    with pytest.raises(CLIError, match=r"column 'c' .* not numeric \('x' on line 2\); "
                                       r"leave it out with --drop 'c'"):
        feature_matrix(table, drop=["b", "d"])
    with pytest.raises(CLIError, match=r"column 'b' .* 2 missing or infinite value\(s\), "
                                       r"the first \(missing\) on line 3"):
        feature_matrix(table, drop=["c", "d"])
    with pytest.raises(CLIError, match=r"--columns: .* no column 'e'.*Its columns: a, b, c, d"):
        feature_matrix(table, columns=["a", "e"])
    with pytest.raises(CLIError, match=r"--drop: .* no column 'cc'. Did you mean 'c'\?"):
        feature_matrix(table, drop=["cc"])
    with pytest.raises(CLIError, match="no feature column left"):
        feature_matrix(table, drop=["a", "b", "d"], target="c")


def test_target_values(tmp_path) -> None:
    table = _table(tmp_path, "a,t,u\n1,x,1\n2,,2\n3,z,nan\n")
    with pytest.raises(CLIError, match=r"--target column 't' .* 1 missing value\(s\), the "
                                       r"first on line 3"):
        target_values(table, "t")
    with pytest.raises(CLIError, match="first on line 4"):
        target_values(table, "u")
    assert target_values(table, "a").tolist() == [1.0, 2.0, 3.0]
