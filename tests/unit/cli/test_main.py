"""The command line: ``torchsom demo`` runs the clustering workflow and writes figures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from torchsom.cli.main import build_parser, main

FIGURES = {
    "training_errors.png", "distance_map.png", "hit_map.png", "classification_map.png",
    "component_planes.png", "elbow_analysis.png", "cluster_map.png",
    "silhouette_analysis.png", "clustering_metrics_comparison.png",
    "clustering_comparison_grid.png",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["demo", "--out", str(out), "--epochs", "30", "--dpi", "30", "--quiet"])
    return code, buffer.getvalue(), out


def test_demo_writes_every_figure_and_the_html_report(demo) -> None:
    code, text, out = demo
    assert code == 0
    written = {p.name for p in out.iterdir() if p.is_file()}
    assert written == FIGURES
    assert sorted(p.name for p in (out / "component_planes").iterdir()) == [
        f"feature_{i}.png" for i in range(1, 5)]
    assert sorted(p.name for p in (out / "report").iterdir()) == ["index.html", "rows.csv"]
    page = (out / "report" / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 8  # the blob (target) map included
    assert 'alt="Target: blob"' in page and "blob: accuracy of the prediction" in page
    assert text.splitlines()[-1] == f"HTML report written to {out / 'report' / 'index.html'}"


def test_demo_prints_errors_k_and_metrics(demo) -> None:
    _, text, _ = demo
    lines = text.splitlines()
    assert lines[0] == "epoch  quantization_error  topographic_error_%"
    assert lines[1].split()[0] == "0" and lines[30].split()[0] == "29"
    assert "chosen k (elbow): 3" in text
    assert "kmeans: k chosen by elbow = 3" in text
    assert "gmm: k chosen by bic = " in text
    table = [line.split() for line in lines if line.split()[:1] in (["kmeans"], ["gmm"],
                                                                   ["hdbscan"])]
    assert [row[0] for row in table] == ["kmeans", "gmm", "hdbscan"]
    assert all(len(row) == 7 for row in table)
    assert "14 figures written to" in text


def test_library_errors_become_one_line_and_exit_code_2(tmp_path, capsys) -> None:
    code = main(["demo", "--out", str(tmp_path), "--epochs", "0", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("torchsom: error: ") and err.count("\n") == 1
    assert "epochs" in err


def test_parser_requires_a_command() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([])
    args = build_parser().parse_args(["demo"])
    assert (args.out, args.epochs, args.dpi, args.quiet) == ("demo-output", 100, 100, False)


def test_help_lists_every_command_with_examples() -> None:
    out = subprocess.run([sys.executable, "-m", "torchsom", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("demo", "fit", "report", "predict", "info"):
        assert f"    {command} " in out
        sub = subprocess.run([sys.executable, "-m", "torchsom", command, "--help"],
                             capture_output=True, text=True, check=True).stdout
        assert sub.startswith(f"usage: torchsom {command}")
        assert "example" in sub and f"torchsom {command}" in sub.split("example", 1)[1]


def test_fit_flags_come_from_the_parameter_table() -> None:
    from torchsom.core.parameters import SOM_PARAMETERS

    parser = build_parser()
    args = parser.parse_args(["fit", "d.csv", "--out", "m", "--topology", "hexagonal",
                              "--batch-size", "8", "--seed", "3", "--pbc"])
    assert (args.topology, args.batch_size, args.random_seed, args.pbc) == (
        "hexagonal", 8, 3, True)
    fit = parser._subparsers._group_actions[0].choices["fit"]
    topology = next(a for a in fit._actions if a.dest == "topology")
    assert tuple(topology.choices) == SOM_PARAMETERS["topology"].choices
    with pytest.raises(SystemExit):
        parser.parse_args(["fit", "d.csv", "--out", "m", "--algorithm", "fast"])


def test_python_dash_m_torchsom_help() -> None:
    out = subprocess.run([sys.executable, "-m", "torchsom", "demo", "--help"],
                         capture_output=True, text=True, check=True)
    assert "--out" in out.stdout and "HDBSCAN" in out.stdout


def test_version_flag_prints_the_version_without_loading_torch() -> None:
    code = ("import sys; from torchsom.cli.main import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit as stop:\n"
            "    print('torch' in sys.modules, stop.code)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    from torchsom import __version__

    assert out.stdout.split() == ["torchsom", __version__, "False", "0"]


def test_version_in_process(capsys) -> None:
    from torchsom import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out == f"torchsom {__version__}\n"


def test_interrupt_is_one_line_with_exit_code_130(monkeypatch, capsys) -> None:
    from torchsom.cli import commands

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(commands.COMMANDS, "info", interrupted)
    assert main(["info", "m.som"]) == 130
    assert capsys.readouterr().err == "torchsom: interrupted\n"
    with pytest.raises(KeyboardInterrupt):
        main(["info", "m.som", "--debug"])
