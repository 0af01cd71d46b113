"""benchmarks/report_sections.py: the small section builders."""

from __future__ import annotations

from bench_fakes import CPU, fake_doc

from benchmarks import report_sections as sections
from benchmarks.report_results import Results


def test_header_names_cpu_flags_and_the_single_command() -> None:
    lines = sections.header(Results(fake_doc()), "Benchmarks", "x.json")
    text = "\n".join(lines)
    assert lines[0] == "# Benchmarks" and f"**{CPU}**" in text
    assert "flags include sse3, avx2, fma" in text and "the run took 30 min" in text
    assert text.count("# the run that produced this file") == 1


def test_noise_lists_every_cpu_flag() -> None:
    text = "\n".join(sections.noise(Results(fake_doc())))
    assert "CPU flags (/proc/cpuinfo): fpu sse3 avx2 fma" in text


def test_configuration_tables() -> None:
    text = "\n".join(sections.configurations(Results(fake_doc())))
    assert "### `tutorial`: 300×4, 25×15 map, 100 epochs" in text
    assert "### `grid-16000x300`" in text and "| torchsom131-mb16 |" in text


def test_sections_without_data_are_empty_or_say_so() -> None:
    res = Results(fake_doc())
    assert sections.memory(res) == [] and sections.bmu(res) == []
    assert "Not profiled in this run" in "\n".join(sections.profiles(res))
    assert any("minisom-online on tutorial: because" in x for x in sections.not_measured(res))


def test_profiles_come_from_the_document() -> None:
    doc = fake_doc()
    doc["profiles"] = {"tutorial-mb16": {"rule": "minibatch", "fit_seconds_unprofiled": 0.06,
                                         "top_ops": [{"op": "aten::addmm", "share": 0.3}]},
                       "sweep-x": {"point": "x", "rule": "batch", "top_ops": []}}
    text = "\n".join(sections.profiles(Results(doc)))
    assert "**tutorial-mb16**" in text and "`aten::addmm` 30%" in text and "sweep-x" not in text


def test_method_and_parameters() -> None:
    assert any("interleaved" in x for x in sections.method(Results(fake_doc())))
    assert any("XPySom" in x for x in sections.parameters())
