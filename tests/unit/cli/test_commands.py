"""``torchsom fit / report / predict / info`` end to end, and their answers to bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from cli_fixtures import FEATURES, KINDS, make_rows, run, write_csv


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_fit_saves_scaler_columns_clusters_and_target(model_file) -> None:
    from torchsom.cli.model_file import FittedModel

    model = FittedModel.load(model_file)
    assert model.feature_names == FEATURES
    assert (model.som.x, model.som.y, model.som.topology) == (4, 5, "hexagonal")
    assert model.som.epochs_trained_ == 5 and model.scaler.method == "standard"
    assert model.scaler.offset[4] > 500  # proline's mean, in the data's units
    assert model.clusters is not None and model.clusters.shape == (20,)
    assert model.target is not None and model.target.classes == sorted(KINDS)
    assert model.training["rows"] == 60 and model.training["dropped"] == ["id", "score"]


def test_fit_prints_a_summary_and_the_progress_goes_to_stderr(data_dir, tmp_path) -> None:
    out = tmp_path / "m.som"
    code, stdout, stderr = run("fit", str(data_dir / "wines.csv"), "--x", "3", "--y", "3",
                               "--epochs", "2", "--columns", "alcohol,hue",
                               "--scale", "minmax", "--out", str(out))
    assert code == 0
    assert stdout.splitlines()[0] == f"model written to {out}"
    assert "features: alcohol, hue" in stdout and "scaling: minmax" in stdout
    assert "Training SOM" in stderr and "Training SOM" not in stdout


def test_report_writes_one_self_contained_page_and_a_row_file(model_file, data_dir,
                                                              tmp_path) -> None:
    out = tmp_path / "report"
    code, stdout, _ = run("report", str(model_file), str(data_dir / "wines.csv"), "--out",
                          str(out), "--quiet")
    assert code == 0 and f"report written to {out / 'index.html'}" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "rows.csv"]
    page = (out / "index.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 8
    for section in ("quality", "settings", "training", "maps", "planes", "clusters",
                    "rows"):
        assert f'<section id="{section}">' in page
    for name in FEATURES:
        assert name in page
    assert "kind: accuracy of the prediction" in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    rows = _read_csv(out / "rows.csv")
    assert len(rows) == 60
    assert list(rows[0]) == ["row", "bmu_row", "bmu_col", "distance", "cluster",
                             "prediction", "kind"]
    assert all(0 <= int(r["bmu_row"]) < 4 and 0 <= int(r["bmu_col"]) < 5 for r in rows)
    assert {r["prediction"] for r in rows} <= set(KINDS)


def test_predict_matches_the_maps_own_bmus(model_file, data_dir, tmp_path) -> None:
    import torch

    from torchsom.cli.model_file import FittedModel
    from torchsom.cli.tables import feature_matrix, read_table

    out = tmp_path / "p.csv"
    code, stdout, _ = run("predict", str(model_file), str(data_dir / "new.csv"), "--out",
                          str(out))
    assert code == 0 and stdout.strip() == f"9 rows written to {out}"
    rows = _read_csv(out)
    model = FittedModel.load(model_file)
    raw, _ = feature_matrix(read_table(data_dir / "new.csv"), columns=FEATURES)
    bmus = model.som.identify_bmus(torch.tensor(model.scaler.transform(raw),
                                                dtype=torch.float32))
    assert [(int(r["bmu_row"]), int(r["bmu_col"])) for r in rows] == [
        tuple(b) for b in bmus.tolist()]
    flat = bmus[:, 0] * 5 + bmus[:, 1]
    assert [int(r["cluster"]) for r in rows] == model.clusters[flat.numpy()].tolist()
    assert list(rows[0]) == ["row", "bmu_row", "bmu_col", "distance", "cluster",
                             "prediction"]


def test_predict_without_out_writes_csv_to_stdout(model_file, data_dir) -> None:
    code, stdout, _ = run("predict", str(model_file), str(data_dir / "new.csv"))
    lines = stdout.splitlines()
    assert code == 0 and lines[0] == "row,bmu_row,bmu_col,distance,cluster,prediction"
    assert len(lines) == 10


def test_info_reads_the_metadata(model_file) -> None:
    code, stdout, _ = run("info", str(model_file))
    assert code == 0
    assert "map: 4x5 hexagonal, 5 features" in stdout
    assert f"features: {', '.join(FEATURES)}" in stdout
    assert "history: 5 epochs trained" in stdout
    assert "target: kind (classes barbera, barolo, grignolino)" in stdout
    code, stdout, _ = run("info", str(model_file), "--json")
    info = json.loads(stdout)
    assert info["cli"]["feature_names"] == FEATURES and info["config"]["x"] == 4


def test_info_on_a_map_saved_by_the_library(tmp_path) -> None:
    import torch

    from torchsom import SOM

    som = SOM(x=2, y=3, num_features=2, epochs=1, device="cpu")
    som.fit(torch.rand(10, 2), verbose=False)
    som.save(tmp_path / "plain.som")
    code, stdout, _ = run("info", str(tmp_path / "plain.som"))
    assert code == 0 and "no command-line metadata" in stdout
    code, _, stderr = run("predict", str(tmp_path / "plain.som"), str(tmp_path / "x.csv"))
    assert code == 2 and "was not written by 'torchsom fit'" in stderr


def test_fit_reads_a_settings_file_and_flags_win(data_dir, tmp_path) -> None:
    from torchsom.cli.model_file import FittedModel

    settings = tmp_path / "s.toml"
    settings.write_text('x = 3\ny = 4\nepochs = 2\ntopology = "hexagonal"\n'
                        'drop = ["id", "kind"]\nscale = "none"\n')
    out = tmp_path / "m.som"
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--config", str(settings),
                       "--y", "6", "--out", str(out), "--quiet")
    assert code == 0, err
    model = FittedModel.load(out)
    assert (model.som.x, model.som.y, model.som.topology) == (3, 6, "hexagonal")
    assert model.scaler.method == "none" and model.feature_names == [*FEATURES, "score"]


def test_fit_without_x_and_y_chooses_the_size_from_the_scaled_features(data_dir,
                                                                      tmp_path) -> None:
    from torchsom import suggest_map_size
    from torchsom.cli.model_file import FittedModel
    from torchsom.cli.scaling import Scaler
    from torchsom.cli.tables import feature_matrix, read_table

    out = tmp_path / "m.som"
    code, stdout, err = run("fit", str(data_dir / "wines.csv"), "--epochs", "2", "--drop",
                            "id,kind", "--out", str(out), "--quiet")
    assert code == 0, err
    raw, _ = feature_matrix(read_table(data_dir / "wines.csv"), drop=["id", "kind"])
    x, y = suggest_map_size(Scaler.fit("standard", raw).transform(raw))
    model = FittedModel.load(out)
    assert (model.som.x, model.som.y) == (x, y)
    assert model.som.sigma == max(x, y) / 4  # the default width follows the chosen size
    assert f"map: {x}x{y} rectangular" in stdout
    assert (f"map size: x and y chosen from the 60 training rows "
            f"(torchsom.suggest_map_size): {x}x{y}; --x and --y set it by hand") in stdout
    code, stdout, _ = run("info", str(out))
    assert code == 0 and f"map: {x}x{y} rectangular" in stdout


def test_fit_chooses_a_long_map_for_long_data_and_completes_one_given_side(tmp_path) -> None:
    from torchsom import suggest_map_size
    from torchsom.cli.model_file import FittedModel

    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 3)) * [6.0, 1.0, 0.3]  # spread 6 : 1 along the axes
    path = tmp_path / "long.csv"
    write_csv(path, data.round(6).tolist(), header=["a", "b", "c"])
    out = tmp_path / "m.som"
    code, _, err = run("fit", str(path), "--scale", "none", "--epochs", "1",
                       "--topology", "hexagonal", "--out", str(out), "--quiet")
    assert code == 0, err
    model = FittedModel.load(out)
    grid = (model.som.x, model.som.y)
    assert grid == suggest_map_size(data.round(6), topology="hexagonal")
    assert grid[0] > 3 * grid[1]  # long data, long map
    code, stdout, err = run("fit", str(path), "--y", "4", "--epochs", "1", "--out",
                            str(out), "--quiet")
    assert code == 0, err
    units = 5 * 200**0.54321  # 88.9 neurons for 200 rows
    assert (FittedModel.load(out).som.x, FittedModel.load(out).som.y) == (round(units / 4), 4)
    assert "map size: x chosen from the 200 training rows" in stdout
    assert "--x set it by hand" in stdout


def test_fit_with_a_numeric_target_predicts_numbers(data_dir, tmp_path) -> None:
    out = tmp_path / "m.som"
    code, _, _ = run("fit", str(data_dir / "wines.csv"), "--x", "3", "--y", "3",
                     "--epochs", "3", "--drop", "id,kind", "--target", "score",
                     "--out", str(out), "--quiet")
    assert code == 0
    code, stdout, _ = run("predict", str(out), str(data_dir / "new.csv"))
    predictions = [float(line.split(",")[-1]) for line in stdout.splitlines()[1:]]
    assert all(20 < p < 30 for p in predictions)  # score = 2 × alcohol


def test_fit_reads_npy_and_parquet(data_dir, tmp_path) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = np.array([r[1:6] for r in make_rows()], dtype=np.float64)
    np.save(tmp_path / "d.npy", rows)
    code, _, err = run("fit", str(tmp_path / "d.npy"), "--x", "3", "--y", "3", "--epochs",
                       "2", "--target", "4", "--out", str(tmp_path / "n.som"), "--quiet")
    assert code == 0, err
    table = pa.table({name: rows[:, i] for i, name in enumerate(FEATURES)}
                     | {"kind": [r[6] for r in make_rows()]})
    pq.write_table(table, tmp_path / "d.parquet")
    code, _, err = run("fit", str(tmp_path / "d.parquet"), "--x", "3", "--y", "3",
                       "--epochs", "2", "--target", "kind", "--out",
                       str(tmp_path / "p.som"), "--quiet")
    assert code == 0, err
    code, stdout, _ = run("info", str(tmp_path / "p.som"))
    assert "target: kind (classes barbera, barolo, grignolino)" in stdout


# ------------------------------------------------------------------ bad input
def _assert_one_line_error(code: int, stderr: str, *needles: str) -> None:
    assert code == 2
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("torchsom: error: "), stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_text_column_not_dropped(data_dir, tmp_path) -> None:
    out = tmp_path / "m.som"
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--x", "3", "--y", "3",
                       "--out", str(out), "--quiet")
    _assert_one_line_error(code, err, "column 'kind'", "is not numeric", "'barolo'",
                           "line 2", "--drop 'kind'")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_empty_and_header_only_files(tmp_path) -> None:
    (tmp_path / "empty.csv").write_text("")
    code, _, err = run("fit", str(tmp_path / "empty.csv"), "--x", "2", "--y", "2",
                       "--out", str(tmp_path / "m.som"))
    _assert_one_line_error(code, err, "empty.csv", "the file is empty")
    (tmp_path / "head.csv").write_text("a,b\n")
    code, _, err = run("fit", str(tmp_path / "head.csv"), "--x", "2", "--y", "2",
                       "--out", str(tmp_path / "m.som"))
    _assert_one_line_error(code, err, "no data rows")
    assert not (tmp_path / "m.som").exists()


def test_missing_target_column(data_dir, tmp_path) -> None:
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--x", "3", "--y", "3",
                       "--drop", "id,kind", "--target", "knd", "--out",
                       str(tmp_path / "m.som"))
    _assert_one_line_error(code, err, "--target", "no column 'knd'", "Did you mean 'kind'?")
    code, _, err = run("report", str(tmp_path / "none.som"), str(data_dir / "wines.csv"),
                       "--out", str(tmp_path / "r"))
    _assert_one_line_error(code, err, "MODEL", "no such file")
    assert not list(tmp_path.iterdir())


def test_report_target_column_missing_leaves_no_report(model_file, data_dir,
                                                       tmp_path) -> None:
    out = tmp_path / "r"
    code, _, err = run("report", str(model_file), str(data_dir / "wines.csv"),
                       "--target", "colour", "--out", str(out), "--quiet")
    _assert_one_line_error(code, err, "--target", "no column 'colour'")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_model_from_another_feature_set(model_file, tmp_path) -> None:
    other = write_csv(tmp_path / "other.csv", [[1, 2.0, 3.0]], ["id", "alcohol", "ash"])
    for command in (["predict", str(model_file), str(other), "--out",
                     str(tmp_path / "p.csv")],
                    ["report", str(model_file), str(other), "--out", str(tmp_path / "r")]):
        code, _, err = run(*command)
        _assert_one_line_error(code, err, "does not fit the model", "lacks 4 of the model's 5",
                               "'malic_acid'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.csv"]


def test_unwritable_out(model_file, data_dir, tmp_path, monkeypatch) -> None:
    missing = tmp_path / "no" / "such" / "m.som"
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--x", "2", "--y", "2",
                       "--drop", "id,kind", "--out", str(missing))
    _assert_one_line_error(code, err, "--out", "does not exist")
    locked = tmp_path / "locked"
    locked.mkdir()
    # root may write anywhere, so the folder is made read-only through os.access
    monkeypatch.setattr("torchsom.cli.errors.os.access",
                        lambda path, mode: Path(path) != locked)
    code, _, err = run("predict", str(model_file), str(data_dir / "new.csv"), "--out",
                       str(locked / "p.csv"))
    _assert_one_line_error(code, err, "not writable")
    assert not list(locked.iterdir())
    code, _, err = run("report", str(model_file), str(data_dir / "new.csv"), "--out",
                       str(data_dir / "wines.csv"))
    _assert_one_line_error(code, err, "is a file")


def test_unwritable_out_as_root_is_caught_at_write_time(model_file, data_dir, tmp_path,
                                                        monkeypatch) -> None:
    """Even when the checks pass, a failing write leaves nothing behind."""
    from torchsom.cli import report

    def broken(*_args, **_kwargs):
        raise PermissionError("[Errno 13] Permission denied: 'rows.csv'")

    monkeypatch.setattr(report, "render_html", broken)
    out = tmp_path / "r"
    code, _, err = run("report", str(model_file), str(data_dir / "new.csv"), "--out",
                       str(out), "--quiet")
    _assert_one_line_error(code, err, "Permission denied")
    assert not list(tmp_path.iterdir())


def test_bad_map_setting_and_bad_config(data_dir, tmp_path) -> None:
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--x", "0", "--y", "3",
                       "--drop", "id,kind", "--out", str(tmp_path / "m.som"))
    _assert_one_line_error(code, err, "x must be an int >= 1")
    (tmp_path / "s.toml").write_text("x = 3\ny = 3\nepoch = 4\n")
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--config",
                       str(tmp_path / "s.toml"), "--out", str(tmp_path / "m.som"))
    _assert_one_line_error(code, err, "unknown setting 'epoch'", "Did you mean 'epochs'?")
    (tmp_path / "s.toml").write_text('y = "wide"\n')
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--config",
                       str(tmp_path / "s.toml"), "--drop", "id,kind", "--out",
                       str(tmp_path / "m.som"))
    _assert_one_line_error(code, err, "y must be an int >= 1, or None to choose it from the "
                           "data; got 'wide'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_report_dpi_is_checked(model_file, data_dir, tmp_path) -> None:
    code, _, err = run("report", str(model_file), str(data_dir / "new.csv"), "--out",
                       str(tmp_path / "r"), "--dpi", "5000")
    _assert_one_line_error(code, err, "--dpi must be between 10 and 600; got 5000")
    assert not list(tmp_path.iterdir())


def test_debug_shows_the_traceback(tmp_path) -> None:
    from torchsom.cli.errors import CLIError

    with pytest.raises(CLIError, match="the file is empty"):
        (tmp_path / "e.csv").write_text("")
        run("fit", str(tmp_path / "e.csv"), "--x", "2", "--y", "2", "--out",
            str(tmp_path / "m.som"), "--debug")


def test_warnings_are_one_line_on_stderr(data_dir, tmp_path) -> None:
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--x", "2", "--y", "2",
                       "--sigma", "9", "--epochs", "1", "--drop", "id,kind", "--out",
                       str(tmp_path / "m.som"), "--quiet")
    assert code == 0
    assert "torchsom: warning: sigma=9.0 is larger than the map diagonal" in err
    assert ".py:" not in err
