"""SOM.internals: the one internal surface other modules use, and nobody reaches past it."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest
import torch

import torchsom
from torchsom import SOM
from torchsom._engine import FitPlan
from torchsom.core.som import SOMInternals
from torchsom.functional.smoothing import GridIndex

PACKAGE = Path(torchsom.__file__).resolve().parent
DATA = torch.rand(30, 3, generator=torch.Generator().manual_seed(2))


def _som(**kw) -> SOM:
    return SOM(4, 3, 3, epochs=2, device="cpu", search_backend="torch", **kw)


def test_check_data_converts_and_refuses_like_the_public_methods() -> None:
    som = _som().double()
    checked = som.internals.check_data(DATA.tolist(), "X")
    assert checked.dtype == torch.float64 and checked.shape == (30, 3)
    holes = DATA.clone()
    holes[3, 1] = float("nan")
    with pytest.raises(ValueError, match="X"):
        som.internals.check_data(holes, "X")
    ignoring = _som(missing_values="ignore")
    assert torch.isnan(ignoring.internals.check_data(holes, missing=True)).sum() == 1
    with pytest.raises(ValueError, match="NaN"):
        ignoring.internals.check_data(holes)  # missing values only where asked for


def test_search_and_cross_distance_agree_with_the_public_answers() -> None:
    som = _som()
    som.fit(DATA, verbose=False)
    dist, idx = som.internals.search(DATA, k=2)
    coords = som.identify_bmus(DATA)
    assert torch.equal(idx[:, 0], coords[:, 0] * som.y + coords[:, 1])
    codebook = som.weights.detach().reshape(12, 3)
    full = som.internals.cross_distance(DATA, codebook)
    assert torch.allclose(dist, full.gather(1, idx), atol=1e-5)
    assert float(dist[:, 0].mean()) == pytest.approx(som.quantization_error(DATA), rel=1e-5)


def test_weights_changed_rebuilds_the_search_index(monkeypatch) -> None:
    som = _som()
    rebuilt = []
    monkeypatch.setattr(som._search_strategy, "rebuild_index", rebuilt.append)
    som.internals.weights_changed()
    assert rebuilt == [som.weights]


def test_generator_and_the_never_set_test() -> None:
    som = _som()
    assert som.internals.generator is som._generator
    assert som.internals.initial_generator_state is not None
    assert som.internals.weights_never_set()
    som.fit(DATA, verbose=False)
    assert not som.internals.weights_never_set()


def test_training_hooks_for_partial_fit() -> None:
    som = _som()
    assert isinstance(som.internals.fit_plan(), FitPlan)
    assert isinstance(som.internals.grid_index(), GridIndex)
    assert som.internals.partial_run is None
    som.partial_fit(DATA[:10], n_samples=30)
    assert som.internals.partial_run is not None
    som.fit(DATA, verbose=False)
    assert som.internals.partial_run is None  # a fit starts a new schedule


def test_the_view_follows_its_map_through_set_params_and_pickling() -> None:
    som = _som()
    view = som.internals
    assert isinstance(view, SOMInternals) and view is not som.internals  # made per access
    som.set_params(sigma=0.5)
    assert view.generator is som._generator
    restored = pickle.loads(pickle.dumps(som))
    assert torch.equal(restored.internals.search(DATA)[1], som.internals.search(DATA)[1])


# ---------------------------------------------------------------------------- no reach-ins
def _som_private_names() -> set[str]:
    """Private attributes and methods a SOM has (from core/som.py)."""
    names = set()
    for node in ast.walk(ast.parse((PACKAGE / "core" / "som.py").read_text())):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self"):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def reach_ins(source: str, private: set[str]) -> list[str]:
    """``x._name`` for a SOM private ``_name`` on anything but ``self``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and node.attr in private
                and not (isinstance(node.value, ast.Name) and node.value.id == "self")):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_but_core_som_reads_a_maps_private_state() -> None:
    private = _som_private_names()
    assert {"_check_data", "_search_strategy", "_generator", "_cross_distance"} <= private
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != PACKAGE / "core" / "som.py":
            rel = path.relative_to(PACKAGE)
            problems += [f"{rel}:{hit}" for hit in reach_ins(path.read_text(), private)]
    assert problems == []


@pytest.mark.parametrize("snippet", [
    "def f(som):\n    return som._check_data(x)",
    "def f(self):\n    return self.som_._search_strategy",
    "state = fresh._generator.get_state()",
])
def test_the_reach_in_check_catches_each_form(snippet) -> None:
    assert reach_ins(snippet, _som_private_names()) != []
