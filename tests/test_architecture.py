"""The package's import layers point one way only (see docs/dev/contributing.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "torchsom"

# module prefix (relative to torchsom) → layer; the first matching prefix wins
LAYERS = [
    ("exceptions", 0), ("_registry", 0), ("_validation", 0), ("_optional", 0), ("_typing", 0),
    ("version", 0),
    ("topology", 1),
    ("functional", 2),
    ("_engine", 3), ("search", 3), ("clustering", 3),
    ("core", 4), ("configs", 4), ("io", 4), ("jitl", 4),
    ("visualization", 5),
    ("cli", 6), ("__main__", 6),
]
# optional or heavy third-party packages, and the top-level modules allowed to import them
# (the command line, at the top, may use anything)
THIRD_PARTY_OWNERS = {"matplotlib": {"visualization", "cli"},
                      "sklearn": {"clustering", "jitl", "cli"}, "faiss": {"search"}}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _layer(module: str) -> int | None:
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_layers(path: Path) -> None:
    module = _module_name(path)
    if module == "" or module.startswith("utils"):
        return  # the package root re-exports lazily; utils/ is checked below
    own = _layer(module)
    assert own is not None, f"{module} is not assigned to a layer"
    top = module.split(".")[0]
    for name in _imports(path):
        root = name.split(".")[0]
        if root in THIRD_PARTY_OWNERS:
            assert top in THIRD_PARTY_OWNERS[root], f"{module} imports {root}"
        if root != "torchsom" or name == "torchsom":
            continue
        target = name[len("torchsom."):]
        if target.startswith("utils"):
            raise AssertionError(f"{module} imports the compatibility layer {name}")
        layer = _layer(target)
        if layer is None:
            continue  # a name imported from the package root, e.g. __version__
        assert layer <= own, f"{module} (layer {own}) imports {name} (layer {layer})"


def test_utils_only_reexports_low_layers() -> None:
    for path in sorted((PACKAGE / "utils").rglob("*.py")):
        for name in _imports(path):
            if name.startswith("torchsom."):
                layer = _layer(name[len("torchsom."):])
                assert layer is not None and layer <= 3, f"{path.name} imports {name}"


def _loaded_after(code: str) -> list[str]:
    probe = (f"import sys; {code}; print(' '.join(sorted(m for m in "
             "('torch', 'numpy', 'matplotlib', 'sklearn', 'faiss') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_package_import_is_lazy() -> None:
    assert _loaded_after("import torchsom; torchsom.__version__") == []


def test_engine_does_not_load_matplotlib_or_sklearn() -> None:
    assert _loaded_after("from torchsom import SOM") == ["numpy", "torch"]
    trained = _loaded_after("import torchsom; torchsom.SOM(3, 3, 2).fit([[0., 1.]] * 4, "
                            "verbose=False)")
    assert "matplotlib" not in trained and "sklearn" not in trained  # faiss may serve search


def test_plotting_names_load_matplotlib() -> None:
    assert "matplotlib" in _loaded_after("from torchsom import SOMVisualizer")


def test_root_exposes_names_and_subpackages() -> None:
    import torchsom

    assert {"SOM", "SOMVisualizer", "core", "utils"} <= set(dir(torchsom))
    assert torchsom.utils.__name__ == "torchsom.utils"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        torchsom.nope  # noqa: B018
