"""The package's import layers point one way only (see docs/dev/contributing.md).

Every way a module can reach another is followed: ``import a.b``, ``from a import b``,
relative imports, names imported from the lazy package root (resolved through its export
table), and ``importlib.import_module("...")`` / ``__import__("...")`` with a literal name.
Imports inside functions count too: a layer violation hidden in a function body is still
a violation. ``utils/`` is the compatibility layer and may only re-export.
"""

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
    ("core", 4), ("configs", 4), ("io", 4), ("jitl", 4), ("_compat", 4),
    ("visualization", 5), ("sklearn", 5),
    ("cli", 6), ("__main__", 6),
]
# optional or heavy third-party packages, and the top-level modules allowed to import them
# (the command line, at the top, may use anything)
THIRD_PARTY_OWNERS = {"matplotlib": {"visualization", "cli"},
                      "sklearn": {"clustering", "jitl", "sklearn", "cli"}, "faiss": {"search"}}
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _layer(module: str) -> int | None:
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def _root_exports() -> tuple[dict[str, str], set[str]]:
    """The lazy root's export table (name → module) and its subpackage names."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    exports: dict[str, str] = {}
    subpackages: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if getattr(target, "id", None) == "_EXPORTS":
                exports = ast.literal_eval(node.value)
            elif getattr(target, "id", None) == "_SUBPACKAGES":
                subpackages = set(ast.literal_eval(node.value))
    return exports, subpackages


EXPORTS, SUBPACKAGES = _root_exports()


def _absolute(node: ast.ImportFrom, module: str, package: bool) -> str:
    """The absolute module an ``ImportFrom`` names, relative imports resolved."""
    if node.level == 0:
        return node.module or ""
    parts = ["torchsom", *module.split(".")] if module else ["torchsom"]
    if not package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _resolve_root_name(name: str) -> str:
    """``torchsom.X`` for a name read from the lazy root → the module that defines it."""
    head = name.split(".")[1] if name.count(".") >= 1 else ""
    if head in EXPORTS:
        return EXPORTS[head]
    return name


def _module_level(tree: ast.Module):
    """The nodes executed when the module is imported: everything outside function
    bodies (class bodies and conditional blocks included)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


def imported_modules(source: str, module: str, package: bool = False,
                     at_import_only: bool = False) -> list[str]:
    """Every module ``source`` (the text of ``torchsom.<module>``) imports.

    Returns absolute dotted names; names taken from the lazy package root are resolved to
    their defining modules. Imports inside functions count unless ``at_import_only``.
    """
    found: list[str] = []
    tree = ast.parse(source)
    for node in (_module_level(tree) if at_import_only else ast.walk(tree)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, package)
            found.append(base)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append(_resolve_root_name(full) if base == "torchsom" else full)
        elif isinstance(node, ast.Call):
            func = node.func
            called = getattr(func, "id", None) or getattr(func, "attr", None)
            if (called in IMPORT_FUNCTIONS and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.append(node.args[0].value)
    return [name for name in found if name]


def layer_violations(source: str, module: str, package: bool = False) -> list[str]:
    """Imports of ``torchsom.<module>`` that run up a layer or reach a foreign package."""
    if module == "" or module.startswith("utils"):
        return []  # the lazy root re-exports by design; utils/ is checked separately
    own = _layer(module)
    if own is None:
        return [f"{module} is not assigned to a layer"]
    top = module.split(".")[0]
    problems = []
    for name in imported_modules(source, module, package):
        root = name.split(".")[0]
        if root in THIRD_PARTY_OWNERS and top not in THIRD_PARTY_OWNERS[root]:
            problems.append(f"{module} imports {root}")
        if root != "torchsom" or name == "torchsom":
            continue
        target = name[len("torchsom."):]
        if target.startswith("utils"):
            problems.append(f"{module} imports the compatibility layer {name}")
            continue
        layer = _layer(target)
        if layer is None and target.split(".")[0] not in ("version", "__version__"):
            if target.split(".")[0] in SUBPACKAGES or target in EXPORTS:
                problems.append(f"{module} imports {name}, which has no layer")
            continue
        if layer is not None and layer > own:
            problems.append(f"{module} (layer {own}) imports {name} (layer {layer})")
    return problems


def utils_violations(source: str, name: str) -> list[str]:
    """``utils/`` may only re-export: imports, ``__all__``, aliases and docstrings.

    Compatibility adapters with behaviour of their own live in ``torchsom._compat``."""
    problems = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            problems.append(f"utils/{name} defines {node.name}: logic belongs below utils/")
        elif isinstance(node, (ast.For, ast.While, ast.With, ast.Try, ast.If)):
            problems.append(f"utils/{name} runs a {type(node).__name__} statement")
    for imported in imported_modules(source, f"utils.{name}"):
        if imported.startswith("torchsom."):
            layer = _layer(imported[len("torchsom."):])
            if layer is None or layer > 4:
                problems.append(f"utils/{name} imports {imported}")
    return problems


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles in a module → imported-modules graph (each reported once)."""
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                if sorted(cycle[:-1]) not in [sorted(c[:-1]) for c in cycles]:
                    cycles.append(cycle)
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = {_module_name(p): p for p in SOURCES}


def _package_graph() -> dict[str, set[str]]:
    """torchsom module → torchsom modules it imports when it is imported (package
    ``__init__`` re-exports excluded: a package importing its own children is not a
    cycle; imports inside functions run later and cannot deadlock an import)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        if module == "" or module.startswith("utils") or _is_package(path):
            continue
        targets = set()
        for name in imported_modules(path.read_text(), module, False, at_import_only=True):
            if not name.startswith("torchsom."):
                continue
            parts = name[len("torchsom."):].split(".")
            for cut in range(len(parts), 0, -1):  # the longest prefix that is a module
                candidate = ".".join(parts[:cut])
                if candidate in MODULES and not _is_package(MODULES[candidate]):
                    targets.add(candidate)
                    break
        targets.discard(module)
        graph[module] = targets
    return graph


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_layers(path: Path) -> None:
    module = _module_name(path)
    assert layer_violations(path.read_text(), module, _is_package(path)) == []


def test_utils_only_reexports_low_layers() -> None:
    problems = []
    for path in sorted((PACKAGE / "utils").rglob("*.py")):
        problems += utils_violations(path.read_text(), path.name)
    assert problems == []


def test_no_import_cycles_between_modules() -> None:
    assert import_cycles(_package_graph()) == []


# --------------------------------------------------------------------- the checks have teeth
@pytest.mark.parametrize(("module", "package", "snippet"), [
    ("functional.bmu", False, "from ..core import som"),  # relative, up a layer
    ("functional", True, "from .. import core"),  # relative from a package
    ("functional.bmu", False, "from torchsom import SOM"),  # the lazy root's export
    ("topology.grid", False, "from torchsom import core"),  # a subpackage via the root
    ("functional.bmu", False, "import importlib\nimportlib.import_module('torchsom.core.som')"),
    ("search", False, "def later():\n    __import__('torchsom.visualization')"),
    ("functional.maps", False, "def later():\n    from torchsom.core import som"),
    ("core.som", False, "import matplotlib.pyplot"),
    ("core.som", False, "from torchsom.utils import maps"),
])
def test_layer_check_catches_each_way_in(module, package, snippet) -> None:
    assert layer_violations(snippet, module, package) != []


def test_layer_check_accepts_imports_down_the_layers() -> None:
    snippet = ("from torchsom.functional.bmu import topk_bmus\nfrom .. import exceptions\n"
               "from torchsom import __version__")
    assert layer_violations(snippet, "core.som") == []


@pytest.mark.parametrize("snippet", [
    "def build_hit_map(som):\n    return som.build_map('hit')",
    "class Adapter:\n    pass",
    "for name in ('a', 'b'):\n    globals()[name] = 1",
    "from torchsom.visualization import SOMVisualizer",
])
def test_utils_check_catches_logic_and_high_imports(snippet) -> None:
    assert utils_violations(snippet, "snippet.py") != []


def test_utils_check_accepts_plain_reexports() -> None:
    snippet = '"""Old names."""\nfrom torchsom.functional.decay import DECAY_FUNCTIONS\n' \
              'OLD_NAME = DECAY_FUNCTIONS\n__all__ = ["OLD_NAME"]'
    assert utils_violations(snippet, "snippet.py") == []


def test_import_time_imports_skip_function_bodies() -> None:
    snippet = "import torchsom.io\ndef later():\n    import torchsom.core.som\n"
    assert imported_modules(snippet, "x", at_import_only=True) == ["torchsom.io"]
    assert "torchsom.core.som" in imported_modules(snippet, "x")


def test_cycle_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c", "a"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


# --------------------------------------------------------------------- what loads when
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
