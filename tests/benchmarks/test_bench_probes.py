"""benchmarks/probes.py: CPU model and flags, machine record, import footprint probe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import probes

X86 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme sse sse2 pni ssse3 fma avx avx2
processor\t: 1
model name\t: AMD EPYC 7B13
flags\t\t: fpu
"""
ARM = """processor\t: 0
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm
"""
LSCPU = """Architecture:            x86_64
Model name:              Intel(R) Xeon(R) Platinum 8488C
Flags:                   fpu sse sse2 avx512f amx_tile
"""


def test_parse_cpuinfo_takes_the_first_processor() -> None:
    assert probes.parse_cpuinfo(X86) == {
        "model": "AMD EPYC 7B13", "flags": "fpu vme sse sse2 pni ssse3 fma avx avx2".split()}
    assert probes.parse_cpuinfo(ARM) == {"model": None, "flags": ["fp", "asimd", "evtstrm"]}


def test_parse_lscpu() -> None:
    found = probes.parse_lscpu(LSCPU)
    assert found["model"] == "Intel(R) Xeon(R) Platinum 8488C" and "amx_tile" in found["flags"]


def test_cpu_info_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(X86)
    info = probes.cpu_info(path)
    assert info["model"] == "AMD EPYC 7B13" and info["source"] == str(path)
    assert info["denormal_flags"] == ["sse", "sse2", "pni"]


def test_machine_records_cpu_model_and_flags() -> None:
    m = probes.machine()
    assert m["cpu"] and isinstance(m["cpu_flags"], list) and m["cores"] >= 1
    if Path("/proc/cpuinfo").exists():
        assert m["cpu_flags"] and m["cpu_info_source"] == "/proc/cpuinfo"


def test_repo_state_names_a_commit() -> None:
    state = probes.repo_state()
    assert set(state) == {"commit", "engine_dirty"} and isinstance(state["engine_dirty"], bool)


def test_import_probe_reports_a_lazy_root() -> None:
    out = subprocess.run([sys.executable, str(probes.RUNNERS / "import_probe.py")],
                         capture_output=True, text=True, check=True)
    probe = json.loads(out.stdout)
    assert probe["modules_after_import"] == []
    assert "torch" in probe["modules_after_engine"]
    assert probe["start_mb"] <= probe["import_mb"] < probe["engine_mb"]


def test_micro_matmul_probe(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    subprocess.run([sys.executable, str(probes.RUNNERS / "micro.py"), "matmul", "1", str(out)],
                   check=True, capture_output=True, timeout=300)
    res = json.loads(out.read_text())
    assert res["threads"] == 1 and res["matmul"]["gflops"] > 0
    assert res["matmul"]["shape"] == [1024, 1024, 1024]
