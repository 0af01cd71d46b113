"""The tests mirror the package: every module of ``torchsom/`` has its own test file.

The rule, read from the package at test time (a new module is checked the day it lands):

* ``torchsom/<pkg>/<name>.py`` is tested in ``tests/unit/<pkg>/test_<name>.py``; a module at
  the top (``torchsom/<name>.py``) in ``tests/unit/test_<name>.py``. Underscores around
  the name are dropped (``_base.py`` → ``test_base.py``, ``__main__.py`` →
  ``test_main.py``), and a package's ``__init__.py`` is named ``package``.
* Test file names are unique across ``tests/`` (most test folders are not packages, so two
  files of the same name cannot both be imported). Where the short name is taken, the file
  carries its package's name too: ``test_<package>_<name>.py`` (``functional/metrics.py`` →
  ``tests/unit/functional/test_functional_metrics.py``; top-level modules use ``torchsom``).
* A module may have several test files, one per aspect: ``test_<name>_<aspect>.py``.
* A module that only re-exports (imports, ``__all__`` and aliases, nothing defined) needs
  no test file of its own: what it re-exports is tested where it is defined.
* Any other module without a test file is listed in :data:`NO_MIRROR` with its reason.

And the other way round: every ``tests/unit/**/test_*.py`` names a module of the package
it mirrors, or is listed in :data:`CROSS_MODULE_TESTS` with its reason.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "torchsom"
TESTS = ROOT / "tests"
UNIT = TESTS / "unit"

# ------------------------------------------------------------------ the lists to extend
#: modules (path relative to torchsom/) that have no mirror test file → why (one line)
NO_MIRROR: dict[str, str] = {
    "__main__.py": "only hands over to cli.main.main(); tests/unit/cli/test_main.py runs "
                   "`python -m torchsom`",
    "version.py": "reads the installed version from the package metadata; "
                  "tests/compat/test_public_api.py checks it",
}

#: test files under tests/unit/ (path relative to it) that test no single module → why
CROSS_MODULE_TESTS: dict[str, str] = {
    "sklearn/test_sklearn_estimator_checks.py": "scikit-learn's own estimator checks, run on "
                                                "the four estimators together",
}


# ------------------------------------------------------------------ reading the package
def _is_alias(value: ast.expr) -> bool:
    if isinstance(value, (ast.Name, ast.Attribute)):
        return True
    if isinstance(value, (ast.List, ast.Tuple)):  # __all__ = ["name", ...]
        return all(isinstance(item, ast.Constant) and isinstance(item.value, str)
                   for item in value.elts)
    return False


def _is_type_checking_block(node: ast.If) -> bool:
    test = node.test
    name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
    return name == "TYPE_CHECKING" and not node.orelse and all(
        isinstance(child, (ast.Import, ast.ImportFrom)) for child in node.body)


def only_reexports(source: str) -> bool:
    """Whether a module's top level holds nothing but its docstring, imports and aliases."""
    for index, node in enumerate(ast.parse(source).body):
        if (index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.If) and _is_type_checking_block(node):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                and _is_alias(node.value):
            continue
        return False
    return True


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _stem(name: str) -> str:
    return "package" if name == "__init__" else name.strip("_")


def _qualifier(package_parts: tuple[str, ...]) -> str:
    return package_parts[-1].lstrip("_") if package_parts else "torchsom"


def mirror_pattern(module: str) -> re.Pattern[str]:
    """File names (without folder) that count as tests of ``module`` (relative to torchsom/)."""
    rel = Path(module)
    stem, qualifier = _stem(rel.stem), _qualifier(rel.parent.parts)
    return re.compile(rf"test_(?:{re.escape(qualifier)}_)?{re.escape(stem)}(?:_\w+)?\.py")


def mirror_files(module: str) -> list[Path]:
    """The test files of ``module`` (a path relative to torchsom/) that exist."""
    folder = UNIT.joinpath(*Path(module).parent.parts)
    pattern = mirror_pattern(module)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("test_*.py") if pattern.fullmatch(p.name))


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


# ------------------------------------------------------------------ the checks
def test_every_module_has_a_mirror_test_or_a_reason() -> None:
    missing = []
    for path in _modules():
        module = _relative(path)
        if module in NO_MIRROR or only_reexports(path.read_text()):
            continue
        if not mirror_files(module):
            folder = Path("tests/unit", *Path(module).parent.parts)
            missing.append(f"torchsom/{module}: add {folder}/test_{_stem(path.stem)}.py "
                           f"(or test_{_qualifier(Path(module).parent.parts)}_"
                           f"{_stem(path.stem)}.py), or a reason in NO_MIRROR")
    assert not missing, "modules without tests:\n" + "\n".join(missing)


def test_every_unit_test_file_names_its_module() -> None:
    modules = [_relative(p) for p in _modules()]
    orphans = []
    for test_file in sorted(UNIT.rglob("test_*.py")):
        rel = test_file.relative_to(UNIT)
        if rel.as_posix() in CROSS_MODULE_TESTS:
            continue
        siblings = [m for m in modules if Path(m).parent == rel.parent]
        if not any(mirror_pattern(m).fullmatch(test_file.name) for m in siblings):
            orphans.append(f"tests/unit/{rel.as_posix()}")
    assert not orphans, ("test files that mirror no module (rename them after the module "
                         "they test, or give a reason in CROSS_MODULE_TESTS):\n"
                         + "\n".join(orphans))


def test_test_file_names_are_unique() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    clashes = sorted(name for name, count in names.items() if count > 1)
    assert not clashes, f"test file names used more than once under tests/: {clashes}"


@pytest.mark.parametrize("table", [NO_MIRROR, CROSS_MODULE_TESTS],
                         ids=["NO_MIRROR", "CROSS_MODULE_TESTS"])
def test_reasons_are_one_line(table: dict[str, str]) -> None:
    for entry, reason in table.items():
        assert reason.strip() and "\n" not in reason, entry


def test_no_mirror_entries_are_current() -> None:
    for module in NO_MIRROR:
        assert (PACKAGE / module).is_file(), f"NO_MIRROR lists {module}, which is gone"
        assert not mirror_files(module), f"{module} has a test file now: drop it from NO_MIRROR"
        assert not only_reexports((PACKAGE / module).read_text()), (
            f"{module} only re-exports: it needs no entry in NO_MIRROR")


def test_cross_module_entries_are_current() -> None:
    for test_file in CROSS_MODULE_TESTS:
        assert (UNIT / test_file).is_file(), f"CROSS_MODULE_TESTS lists {test_file}: gone"


# ------------------------------------------------------------------ the rule itself
@pytest.mark.parametrize(
    ("module", "accepted", "refused"),
    [
        ("io.py", ["test_io.py", "test_torchsom_io.py", "test_io_atomic.py"],
         ["test_iox.py", "test_jitl.py", "test_core_io.py"]),
        ("core/som.py", ["test_som.py", "test_som_training.py", "test_core_som.py"],
         ["test_somx.py", "test_clustering_som.py", "test_sklearn_som.py"]),
        ("sklearn/_base.py", ["test_base.py", "test_sklearn_base.py"], ["test__base.py"]),
        ("sklearn/__init__.py", ["test_sklearn_package.py"], ["test_sklearn.py"]),
        ("_engine/masked.py", ["test_masked.py", "test_engine_masked.py"],
         ["test__engine_masked.py"]),
        ("__main__.py", ["test_main.py", "test_torchsom_main.py"], ["test___main__.py"]),
    ],
)
def test_mirror_names(module: str, accepted: list[str], refused: list[str]) -> None:
    pattern = mirror_pattern(module)
    assert all(pattern.fullmatch(name) for name in accepted)
    assert not any(pattern.fullmatch(name) for name in refused)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"""Doc."""\nfrom a import b\n__all__ = ["b"]\n', True),
        ("import sys\nimport a as _a\nsys.modules[__name__] = _a\n", True),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a import b\n"
         "from c import d\nOld = d\n", True),
        ('"""Doc."""\ndef f():\n    return 1\n', False),
        ("class A:\n    pass\n", False),
        ("from a import b\nTABLE = {'x': b}\n", False),
        ("try:\n    from a import b\nexcept ImportError:\n    b = None\n", False),
        ("import sys\nsys.exit(0)\n", False),
        ('"""Doc."""\n"""Second string: a statement, not a docstring."""\n', False),
    ],
)
def test_only_reexports_reads_the_top_level(source: str, expected: bool) -> None:
    assert only_reexports(source) is expected


def test_a_module_without_tests_is_reported(tmp_path: Path, monkeypatch) -> None:
    package, unit = tmp_path / "torchsom", tmp_path / "tests" / "unit"
    (package / "core").mkdir(parents=True)
    (unit / "core").mkdir(parents=True)
    (package / "core" / "__init__.py").write_text("from torchsom.core.a import f\n")
    (package / "core" / "a.py").write_text("def f():\n    return 1\n")
    (package / "core" / "b.py").write_text("def g():\n    return 2\n")
    (unit / "core" / "test_a.py").write_text("")
    (unit / "core" / "test_c.py").write_text("")
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "PACKAGE", package)
    monkeypatch.setattr(this, "UNIT", unit)
    with pytest.raises(AssertionError, match=r"torchsom/core/b.py: add tests/unit/core/test_b"):
        test_every_module_has_a_mirror_test_or_a_reason()
    with pytest.raises(AssertionError, match=r"tests/unit/core/test_c.py"):
        test_every_unit_test_file_names_its_module()
