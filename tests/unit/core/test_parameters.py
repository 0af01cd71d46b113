"""The one table of hyperparameters (core/parameters.py) and everything derived from it:
the constructor's signature, docstring and checks, and the documentation page."""

from __future__ import annotations

import ast
import inspect
import re
import warnings
from pathlib import Path

import pytest
import torch

from torchsom import SOM
from torchsom.core import parameters
from torchsom.core.parameters import (
    DEFAULTS,
    KINDS,
    SOM_PARAMETERS,
    check_combinations,
    check_parameter,
    parameter_table,
    validate_parameters,
    validate_settings,
)
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning

DOCS = Path(__file__).resolve().parents[3] / "docs"

# one value each rule refuses and one it accepts (other than the default)
REFUSED = {
    "x": 0, "y": -1, "num_features": 1.5, "epochs": 0, "batch_size": True, "sigma": 0.0,
    "learning_rate": float("nan"), "neighborhood_order": 1_000_001, "topology": "ring",
    "lr_decay_function": "fast", "sigma_decay_function": 3, "neighborhood_function": "gauss",
    "distance_function": "euclidian", "initialization_mode": "zeros", "pbc": 1,
    "search_backend": "annoy", "device": "tpu", "random_seed": 2**64,
    "algorithm": "sgd", "missing_values": "drop", "max_missing_fraction": 1.5,
}
ACCEPTED = {
    "x": 3, "y": 2, "num_features": 4, "epochs": 1, "batch_size": 64, "sigma": 0.25,
    "learning_rate": 2.0, "neighborhood_order": 1_000_000, "topology": "hexagonal",
    "lr_decay_function": "lr_linear_decay_to_zero", "sigma_decay_function": "asymptotic_decay",
    "neighborhood_function": "bubble", "distance_function": "cosine",
    "initialization_mode": "pca", "pbc": True, "search_backend": "torch", "device": "cpu",
    "random_seed": None, "algorithm": "online", "missing_values": "ignore",
    "max_missing_fraction": 1,
}


def _values(**changes):
    values = {**DEFAULTS, "x": 4, "y": 3, "num_features": 2, **changes}
    return values


def test_every_parameter_has_a_known_kind_a_summary_and_cases_here() -> None:
    assert set(REFUSED) == set(ACCEPTED) == set(SOM_PARAMETERS)
    for name, rule in SOM_PARAMETERS.items():
        assert rule.kind in KINDS, name
        assert rule.summary, name
        assert rule.required == (name in ("x", "y", "num_features")), name


@pytest.mark.parametrize("name", list(SOM_PARAMETERS))
def test_each_rule_refuses_and_accepts(name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        check_parameter(name, REFUSED[name])
    check_parameter(name, ACCEPTED[name])
    if not SOM_PARAMETERS[name].required:
        check_parameter(name, DEFAULTS[name])


def test_constructor_signature_takes_the_table_defaults_in_table_order() -> None:
    params = dict(inspect.signature(SOM).parameters)
    assert list(params) == list(SOM_PARAMETERS)
    for name, rule in SOM_PARAMETERS.items():
        if rule.required:
            assert params[name].default is inspect.Parameter.empty, name
        else:
            assert params[name].default == rule.default, name
            assert type(params[name].default) is type(rule.default), name


_DOC_LINE = re.compile(r"^    (?P<names>\w+(?:, \w+)*) : (?P<type>.+?)"
                       r"(?:, default=(?P<default>.+)|, optional)?$")


def _documented() -> dict[str, tuple[str, str | None]]:
    section = SOM.__doc__.split("Parameters\n    ----------\n")[1].split("\n\n    Attr")[0]
    found = {}
    for line in section.splitlines():
        match = _DOC_LINE.match(line)
        if match:
            for name in match["names"].split(", "):
                found[name] = (match["type"], match["default"])
    return found


def test_constructor_docstring_states_the_table_types_and_defaults() -> None:
    documented = _documented()
    assert set(documented) == set(SOM_PARAMETERS)
    for name, rule in SOM_PARAMETERS.items():
        type_text, default = documented[name]
        if type_text.startswith("{"):
            assert rule.kind == "choice", name
            assert set(ast.literal_eval(type_text)) == set(rule.choices), name
        else:
            assert type_text == rule.type_text, name
        if rule.default is None:
            assert default is None, name
        else:
            assert ast.literal_eval(default) == rule.default, name


@pytest.mark.parametrize("name", [n for n in SOM_PARAMETERS if n != "num_features"])
def test_constructor_refuses_what_the_rule_refuses(name: str) -> None:
    args = {"x": 4, "y": 3, "num_features": 2, "device": "cpu", name: REFUSED[name]}
    with pytest.raises(InvalidParameterError, match=name):
        SOM(**args)


def test_combinations_are_checked_together() -> None:
    with pytest.raises(InvalidParameterError, match="even number of rows"):
        check_combinations(_values(x=3, topology="hexagonal", pbc=True))
    with pytest.raises(InvalidParameterError, match="needs distance_function='euclidean'"):
        check_combinations(_values(missing_values="ignore", distance_function="cosine"))
    with pytest.raises(InvalidParameterError, match="mexican_hat"):
        check_combinations(_values(neighborhood_function="mexican_hat", algorithm="batch"))
    with pytest.warns(TorchSOMWarning, match="sigma might be too high"):
        check_combinations(_values(sigma=10.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_combinations(_values(sigma=10.0), warn=False)
        check_combinations(_values(x=4, topology="hexagonal", pbc=True))


def test_validate_parameters_leaves_the_device_to_the_map() -> None:
    validate_parameters(_values(device="cuda:99"))  # resolved where the map is built
    with pytest.raises(InvalidParameterError, match="device"):
        SOM(x=2, y=2, num_features=1, device="cuda:99")


def test_the_documented_table_is_the_generated_one() -> None:
    page = (DOCS / "parameters.md").read_text(encoding="utf-8")
    start = page.index("<!-- parameter-table:start")
    body = page[page.index("-->", start) + 4 : page.index("<!-- parameter-table:end")]
    assert body == parameter_table(), (
        "docs/parameters.md is out of date: run python docs/scripts/parameter_table.py")


def test_generated_table_has_one_row_per_parameter_with_its_rule() -> None:
    rows = parameter_table().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == list(SOM_PARAMETERS)
    topology = rows[list(SOM_PARAMETERS).index("topology")]
    assert "`'rectangular'`, `'hexagonal'`" in topology
    assert "<= 1,000,000" in rows[list(SOM_PARAMETERS).index("neighborhood_order")]
    assert "| required |" in rows[0]
    assert "or a callable" in rows[list(SOM_PARAMETERS).index("distance_function")]


def test_table_script_rewrites_only_the_marked_block(tmp_path: Path, monkeypatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("parameter_table",
                                                  DOCS / "scripts" / "parameter_table.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    page = tmp_path / "parameters.md"
    page.write_text("intro\n<!-- parameter-table:start -->\nold\n"
                    "<!-- parameter-table:end -->\noutro\n", encoding="utf-8")
    monkeypatch.setattr(script, "PAGE", page)
    script.main()
    text = page.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("outro\n") and "old" not in text
    assert parameter_table() in text
    with pytest.raises(ValueError, match="markers"):
        script.rendered("no markers here")


def test_module_documents_where_the_table_is_used() -> None:
    assert "SOMConfig" in parameters.__doc__ and "docs/parameters.md" in parameters.__doc__


# ------------------------------------------------------------------ settings changed later
def _som(**kwargs) -> SOM:
    return SOM(**{"x": 4, "y": 3, "num_features": 2, "device": "cpu", **kwargs})


def test_settings_changed_to_valid_values_pass() -> None:
    som = _som()
    som.learning_rate, som.epochs, som.sigma = 0.1, 3, 2.0
    validate_settings(som)


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda som: setattr(som, "learning_rate", -0.5),
         r"^this SOM's settings were changed after construction to invalid values: "
         r"learning_rate must be a finite real number > 0; got -0.5"),
        (lambda som: setattr(som, "x", 5),
         r"^x, y and num_features are \(5, 3, 2\), but the weights have shape \(4, 3, 2\)"),
        (lambda som: setattr(som, "distance_function", "manhattan"),
         r"^distance_function was changed to 'manhattan' after construction, but the map "
         r"still uses 'euclidean_distance'"),
        (lambda som: setattr(som, "topology", "hexagonal"),
         r"^topology was changed to 'hexagonal' after construction, but the neuron "
         r"positions are those of the original grid"),
        (lambda som: setattr(som, "search_backend", "faiss"),
         r"^search_backend was changed to 'faiss' after construction, but the map still "
         r"searches with 'torch'"),
    ],
)
def test_settings_fixed_at_construction_are_checked(change, pattern: str) -> None:
    som = _som(search_backend="torch")
    change(som)
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_settings(som)


def test_a_resized_map_is_refused_by_fit() -> None:
    som = _som()
    som.num_features = 3
    with pytest.raises(InvalidParameterError, match=r"the size of a map cannot change"):
        som.fit(torch.zeros(5, 3), verbose=False)
