"""The component-planes benchmark script runs and reports time and memory."""

from __future__ import annotations


def test_component_planes_script_reports_time_and_memory(capsys) -> None:
    from benchmarks import component_planes

    assert component_planes.main(["--features", "3", "--x", "3", "--y", "4", "--dpi", "20",
                                  "--repeats", "1", "--topology", "hexagonal"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "component planes: 3 features, 3x4 hexagonal, dpi 20"
    assert out[1].startswith("median time ") and "peak RSS growth" in out[2]
