"""The bad-input matrix: every public method × every kind of bad input.

Each case expects either a correct result (the same as for the equivalent clean float32
tensor) or a clear ``TypeError``/``ValueError`` that names the argument, says what was
expected and what arrived. No torch-internal error may leak, and the weights must stay
finite (and unchanged when the call fails).
"""

from __future__ import annotations

import builtins
import copy
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from torchsom import SOM
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning

F = 3
_GEN = torch.Generator().manual_seed(5)
CLEAN = torch.randn(12, F, generator=_GEN)


@dataclass(frozen=True)
class Case:
    """One input: the value passed, and either its clean equivalent or the expected error."""

    value: Callable[[], Any]
    clean: Callable[[], torch.Tensor] | None = None  # None: an error is expected
    error: type[Exception] = ValueError
    message: str = ""


def _with(row: int, col: int, value: float) -> torch.Tensor:
    out = CLEAN.clone()
    out[row, col] = value
    return out


def _noncontiguous() -> torch.Tensor:
    wide = torch.zeros(F, 12)
    wide.copy_(CLEAN.T)
    return wide.T


DATA_CASES: dict[str, Case] = {
    "nan": Case(lambda: _with(3, 1, float("nan")), message=r"data contains 1 NaN.*row 3"),
    "inf": Case(lambda: _with(0, 0, float("inf")), message=r"data contains 1 inf.*row 0"),
    "neg_inf": Case(lambda: _with(11, 2, -float("inf")), message=r"data contains 1 inf.*row 11"),
    "wrong_features": Case(lambda: torch.randn(4, F + 1),
                           message=rf"data must have {F} features.*got shape \(4, {F + 1}\)"),
    "empty": Case(lambda: torch.empty(0, F), message=r"data is empty \(shape \(0, 3\)\)"),
    "empty_list": Case(lambda: [], message=r"data is empty \(shape \(0,\)\)"),
    "zero_features": Case(lambda: torch.empty(5, 0), message=r"data is empty"),
    "one_d_wrong": Case(lambda: torch.randn(F + 2),
                        message=rf"data must have {F} features.*got shape \(1, {F + 2}\)"),
    "three_d": Case(lambda: torch.randn(2, 4, F),
                    message=r"data must have shape \(n_samples, num_features\).*3-D"),
    "scalar": Case(lambda: torch.tensor(1.0), message=r"data must have shape.*0-D"),
    "bool": Case(lambda: CLEAN > 0,
                 error=TypeError, message=r"data must hold real numbers.*torch\.bool"),
    "bool_numpy": Case(lambda: CLEAN.numpy() > 0,
                 error=TypeError, message=r"data must hold real.*bool"),
    "object": Case(lambda: CLEAN.numpy().astype(object), error=TypeError,
                   message=r"data must hold real numbers.*object"),
    "complex": Case(lambda: CLEAN.to(torch.complex64), error=TypeError,
                    message=r"data must hold real numbers.*complex64"),
    "complex_numpy": Case(lambda: CLEAN.numpy().astype(np.complex128), error=TypeError,
                          message=r"data must hold real numbers.*complex128"),
    "strings": Case(lambda: [["a", "b", "c"]],
                 error=TypeError, message=r"data must hold real numbers"),
    "str": Case(lambda: "data.csv",
                 error=TypeError, message=r"data must be a torch.Tensor.*got str"),
    "none": Case(lambda: None,
                 error=TypeError, message=r"data must be a torch.Tensor.*got NoneType"),
    "dict": Case(lambda: {"a": 1},
                 error=TypeError, message=r"data must be a torch.Tensor.*got dict"),
    "ragged": Case(lambda: [[1.0, 2.0, 3.0], [1.0]],
                 error=ValueError, message=r"data must be a rectangular"),
    "sparse": Case(lambda: CLEAN.to_sparse(),
                 error=TypeError, message=r"data must be a dense tensor"),
    "meta": Case(lambda: torch.empty(4, F, device="meta"),
                 error=ValueError, message=r"data is a meta tensor"),
    "mixed_frame": Case(lambda: pd.DataFrame({"a": [1.0], "b": ["x"], "c": [2]}), error=TypeError,
                        message=r"data must hold real numbers.*object"),
    # accepted: the result must equal the one for the clean float32 tensor
    "int": Case(lambda: (CLEAN * 10).to(torch.int64), lambda: (CLEAN * 10).to(torch.int64).float()),
    "int_numpy": Case(lambda: (CLEAN * 10).to(torch.int32).numpy(),
                      lambda: (CLEAN * 10).to(torch.int32).float()),
    "uint8": Case(lambda: (CLEAN.abs() * 10).to(torch.uint8),
                  lambda: (CLEAN.abs() * 10).to(torch.uint8).float()),
    "uint32_numpy": Case(lambda: (CLEAN.abs() * 10).to(torch.int64).numpy().astype(np.uint32),
                         lambda: (CLEAN.abs() * 10).to(torch.int64).float()),
    "float64": Case(lambda: CLEAN.double(), lambda: CLEAN),
    "float16": Case(lambda: CLEAN.half(), lambda: CLEAN.half().float()),
    "numpy": Case(lambda: CLEAN.numpy().copy(), lambda: CLEAN),
    "numpy_float64_fortran": Case(lambda: np.asfortranarray(CLEAN.double().numpy()),
                                  lambda: CLEAN),
    "pandas": Case(lambda: pd.DataFrame(CLEAN.numpy(), columns=list("abc")), lambda: CLEAN),
    "list": Case(lambda: CLEAN.tolist(), lambda: CLEAN),
    "tuple": Case(lambda: tuple(map(tuple, CLEAN.tolist())), lambda: CLEAN),
    "noncontiguous": Case(_noncontiguous, lambda: CLEAN),
    "requires_grad": Case(lambda: CLEAN.clone().requires_grad_(True), lambda: CLEAN),
    "one_sample_2d": Case(lambda: CLEAN[:1].clone(), lambda: CLEAN[:1]),
}


def _som(**kwargs: Any) -> SOM:
    settings = dict(x=3, y=4, num_features=F, epochs=2, batch_size=4, device="cpu")
    settings.update(kwargs)
    som = SOM(**settings)
    som.initialize_weights(CLEAN)
    return som


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and bool(torch.equal(a, b))
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return a == b


def _fit(som: SOM, data: Any) -> Any:
    out = som.fit(data, verbose=False)
    return out, som.weights.detach().clone()


def _init(mode: str) -> Callable[[SOM, Any], Any]:
    def call(som: SOM, data: Any) -> Any:
        som.initialize_weights(data, mode=mode)
        return som.weights.detach().clone()

    return call


METHODS: dict[str, Callable[[SOM, Any], Any]] = {
    "fit": _fit,
    "initialize_weights_random": _init("random"),
    "initialize_weights_pca": _init("pca"),
    "identify_bmus": lambda som, data: som.identify_bmus(data),
    "quantization_error": lambda som, data: som.quantization_error(data),
    "topographic_error": lambda som, data: som.topographic_error(data),
}

# inputs that a method rejects for a documented reason although the type is fine
_SPECIAL_ERRORS = {
    ("initialize_weights_pca", "one_sample_2d"): (ValueError, r"PCA initialization needs at "
                                                  r"least 2 samples; data has 1"),
}


def _is_torchsom_error(exc: BaseException) -> bool:
    """The error is a builtin TypeError/ValueError or one of torchsom's own classes."""
    cls = type(exc)
    return isinstance(exc, (TypeError, ValueError)) and (
        cls.__module__ == builtins.__name__ or cls.__module__.startswith("torchsom")
    )


def _run_case(method: Callable[[SOM, Any], Any], case: Case, expected: tuple | None,
              make_som: Callable[[], SOM] = _som) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run_case_inner(method, case, expected, make_som)
    leaked = [w for w in caught if not issubclass(w.category, TorchSOMWarning)]
    assert not leaked, [str(w.message) for w in leaked]


def _run_case_inner(method: Callable[[SOM, Any], Any], case: Case, expected: tuple | None,
                    make_som: Callable[[], SOM]) -> None:
    som = make_som()
    before = som.weights.detach().clone()
    if case.clean is None or expected is not None:
        error, pattern = expected or (case.error, case.message)
        with pytest.raises(error) as info:
            method(som, case.value())
        assert _is_torchsom_error(info.value), repr(info.value)
        assert re.search(pattern, str(info.value)), str(info.value)
        assert torch.equal(som.weights, before), "a failed call changed the weights"
    else:
        result = method(som, case.value())
        reference = method(make_som(), case.clean())
        assert _same(result, reference)
    assert torch.isfinite(som.weights).all()


@pytest.mark.parametrize("case_name", sorted(DATA_CASES))
@pytest.mark.parametrize("method_name", sorted(METHODS))
def test_data_matrix(method_name: str, case_name: str) -> None:
    _run_case(METHODS[method_name], DATA_CASES[case_name],
              _SPECIAL_ERRORS.get((method_name, case_name)))


def test_single_1d_sample() -> None:
    som = _som()
    sample = CLEAN[4]
    assert torch.equal(som.identify_bmus(sample), som.identify_bmus(CLEAN[4:5])[0])
    assert som.quantization_error(sample.tolist()) == som.quantization_error(CLEAN[4:5])
    assert som.topographic_error(sample.numpy()) == som.topographic_error(CLEAN[4:5])
    twin = copy.deepcopy(som)
    assert _same(_fit(som, sample), _fit(twin, CLEAN[4:5]))


# ---------------------------------------------------------------------------- the constructor
CONSTRUCTOR_CASES = [
    ({"x": 0}, r"x must be an int >= 1; got 0"),
    ({"y": -2}, r"y must be an int >= 1; got -2"),
    ({"x": 2.5}, r"x must be an int >= 1; got 2.5 of type float"),
    ({"y": "4"}, r"y must be an int >= 1; got '4' of type str"),
    ({"num_features": True}, r"num_features must be an int >= 1; got True of type bool"),
    ({"num_features": None}, r"num_features must be an int >= 1; got None"),
    ({"epochs": 0}, r"epochs must be an int >= 1; got 0"),
    ({"batch_size": np.float64(2)}, r"batch_size must be an int >= 1"),
    ({"sigma": float("nan")}, r"sigma must be a finite real number > 0; got nan"),
    ({"sigma": float("inf")}, r"sigma must be a finite real number > 0; got inf"),
    ({"sigma": 0}, r"sigma must be a finite real number > 0; got 0"),
    ({"learning_rate": -0.1}, r"learning_rate must be a finite real number > 0; got -0.1"),
    ({"learning_rate": "0.5"}, r"learning_rate must be a real number > 0; got '0.5'"),
    ({"learning_rate": 1 + 2j}, r"learning_rate must be a real number > 0"),
    ({"neighborhood_order": 0}, r"neighborhood_order must be an int >= 1; got 0"),
    ({"topology": "hex"}, r"topology='hex' is not valid; expected one of 'hexagonal', "),
    ({"topology": None}, r"topology=None is not valid"),
    ({"distance_function": "euclid"}, r"distance_function='euclid' is not valid.*Did you "
                                      r"mean 'euclidean'"),
    ({"neighborhood_function": 3}, r"neighborhood_function=3 is not valid; expected one of"),
    ({"lr_decay_function": "fast"}, r"lr_decay_function='fast' is not valid"),
    ({"sigma_decay_function": None}, r"sigma_decay_function=None is not valid"),
    ({"initialization_mode": "kmeans"}, r"initialization_mode='kmeans' is not valid"),
    ({"pbc": "yes"}, r"pbc must be True or False; got 'yes' of type str"),
    ({"pbc": 1}, r"pbc must be True or False; got 1 of type int"),
    ({"search_backend": "gpu"}, r"search_backend='gpu' is not valid; expected one of"),
    ({"device": "tpu"}, r"device must be None, 'cpu', 'cuda'.*got 'tpu'"),
    ({"device": 3.5}, r"device must be None.*got 3.5"),
    ({"random_seed": -1}, r"random_seed must be an int >= 0; got -1"),
    ({"random_seed": 2**64}, r"random_seed must be an int in \[0, 2\*\*64 - 1\]"),
    ({"random_seed": "42"}, r"random_seed must be an int >= 0; got '42'"),
    ({"algorithm": "online"}, r"algorithm='online' is not valid; expected one of 'batch', "),
    ({"algorithm": "batch", "neighborhood_function": "mexican_hat"},
     r"mexican_hat.*cannot be used with algorithm='batch'"),
    ({"topology": "hexagonal", "pbc": True, "x": 3}, r"even number of rows x, got x=3"),
]


@pytest.mark.parametrize(("kwargs", "pattern"), CONSTRUCTOR_CASES)
def test_constructor_matrix(kwargs: dict, pattern: str) -> None:
    settings = dict(x=4, y=4, num_features=F, device="cpu")
    settings.update(kwargs)
    with pytest.raises(InvalidParameterError, match=pattern):
        SOM(**settings)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_constructor_unavailable_cuda() -> None:
    with pytest.raises(InvalidParameterError, match="CUDA is not available"):
        SOM(2, 2, F, device="cuda")


def test_constructor_accepts_numpy_scalars() -> None:
    som = SOM(np.int64(3), np.int32(2), np.int16(F), sigma=np.float32(1.5),
              learning_rate=np.float64(0.3), pbc=np.bool_(True), device="cpu")
    assert (som.x, som.y, som.num_features, som.pbc) == (3, 2, F, True)
    som.fit(CLEAN, verbose=False)
    assert torch.isfinite(som.weights).all()


def test_unknown_keyword_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'topolgy'"):
        SOM(2, 2, F, topolgy="hexagonal")
    som = _som()
    with pytest.raises(TypeError, match="unexpected keyword argument 'epochs'"):
        som.fit(CLEAN, epochs=3)


# ---------------------------------------------------------------------------- option arguments
def test_unknown_initialization_mode() -> None:
    som = _som()
    before = som.weights.clone()
    with pytest.raises(InvalidParameterError, match=r"mode='pcaa' is not valid.*'pca'"):
        som.initialize_weights(CLEAN, mode="pcaa")
    with pytest.raises(InvalidParameterError, match=r"mode=5 is not valid"):
        som.initialize_weights(CLEAN, mode=5)
    assert torch.equal(som.weights, before)


def test_pca_needs_two_features() -> None:
    som = SOM(2, 2, 1, device="cpu")
    with pytest.raises(ValueError, match="PCA initialization needs at least 2 features"):
        som.initialize_weights(torch.randn(5, 1), mode="pca")


@pytest.mark.parametrize(
    ("attribute", "value", "pattern"),
    [("epochs", 0, r"epochs must be an int >= 1; got 0"),
     ("batch_size", 2.0, r"batch_size must be an int >= 1; got 2.0 of type float")],
)
def test_fit_rechecks_changed_settings(attribute: str, value: Any, pattern: str) -> None:
    som = _som()
    before = som.weights.clone()
    setattr(som, attribute, value)
    with pytest.raises(InvalidParameterError, match=pattern):
        som.fit(CLEAN, verbose=False)
    assert torch.equal(som.weights, before)


def test_set_neighborhood_order_rejects_bad_values() -> None:
    som = _som()
    for value, pattern in [(0, r"neighborhood_order must be (an int )?>= 1, got 0"),
                           (1.5, r"neighborhood_order must be an int >= 1; got 1.5")]:
        with pytest.raises(ValueError, match=pattern):
            som.set_neighborhood_order(value)
    som.set_neighborhood_order(2)
    assert som.neighborhood_order == 2


# ---------------------------------------------------------------------------- save and load
@pytest.mark.parametrize(
    ("path", "error", "pattern"),
    [(None, TypeError, r"path must be a str or os.PathLike; got None of type NoneType"),
     (3, TypeError, r"path must be a str or os.PathLike; got 3 of type int"),
     (["m.som"], TypeError, r"path must be a str or os.PathLike"),
     ("", ValueError, r"path must be a file name; got an empty string")],
)
def test_save_load_bad_paths(path: Any, error: type, pattern: str) -> None:
    som = _som()
    with pytest.raises(error, match=pattern):
        som.save(path)
    with pytest.raises(error, match=pattern):
        SOM.load(path)


def test_load_bad_map_location(tmp_path: Path) -> None:
    _som().save(tmp_path / "m.som")
    for location in ("tpu", 2.5, "cuda:x"):
        with pytest.raises(InvalidParameterError, match=r"map_location must be"):
            SOM.load(tmp_path / "m.som", map_location=location)


def test_no_warning_or_error_leaks_for_clean_float64(recwarn) -> None:
    warnings.simplefilter("always")
    som = _som()
    som.fit(CLEAN.double().numpy(), verbose=False)
    assert not [w for w in recwarn if "torch" in str(w.filename)]
