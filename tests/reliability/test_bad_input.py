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
        return (isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype
                and bool(((a == b) | (a.isnan() & b.isnan()) if a.is_floating_point()
                          else a == b).all()))
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


@dataclass(frozen=True)
class WithClean:
    """A method that also needs the clean float32 equivalent of its input, to build an
    index or a target that matches the data. The case gives it; it is never guessed."""

    call: Callable[[SOM, Any, torch.Tensor], Any]


#: what a method receives as the clean equivalent of an input it must reject: the call
#: fails on the data before it reads an index or target built from this
REJECTED_CLEAN = CLEAN


def _call(method: Callable[[SOM, Any], Any] | WithClean, som: SOM, value: Any,
          clean: torch.Tensor) -> Any:
    if isinstance(method, WithClean):
        return method.call(som, value, clean)
    return method(som, value)


def _run_case(method: Callable[[SOM, Any], Any] | WithClean, case: Case,
              expected: tuple | None, make_som: Callable[[], SOM] = _som) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run_case_inner(method, case, expected, make_som)
    leaked = [w for w in caught if not issubclass(w.category, TorchSOMWarning)]
    assert not leaked, [str(w.message) for w in leaked]


def _run_case_inner(method: Callable[[SOM, Any], Any] | WithClean, case: Case,
                    expected: tuple | None, make_som: Callable[[], SOM]) -> None:
    som = make_som()
    before = som.weights.detach().clone()
    if case.clean is None or expected is not None:
        error, pattern = expected or (case.error, case.message)
        with pytest.raises(error) as info:
            _call(method, som, case.value(), REJECTED_CLEAN)
        assert _is_torchsom_error(info.value), repr(info.value)
        assert re.search(pattern, str(info.value)), str(info.value)
        assert torch.equal(som.weights, before), "a failed call changed the weights"
    else:
        value = case.value()
        snapshot = copy.deepcopy(value)
        result = _call(method, som, value, case.clean())
        reference = _call(method, make_som(), case.clean(), case.clean())
        assert _same(result, reference)
        assert _unchanged(value, snapshot), "the call modified the caller's data"
    assert torch.isfinite(som.weights).all()


def _unchanged(value: Any, snapshot: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return _same(value.detach(), snapshot.detach())
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.equals(snapshot)
    if isinstance(value, np.ndarray):
        return bool(np.array_equal(value, snapshot))
    return value == snapshot


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
    ({"algorithm": "sgd"}, r"algorithm='sgd' is not valid; expected one of 'batch', "),
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
                           (1.5, r"neighborhood_order must be >= 1, got 1.5; expected an int")]:
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


# ---------------------------------------------------------------------------- maps and retrieval
def _target_of(data: torch.Tensor) -> torch.Tensor:
    return data[:, 0] * 2.0


def _data_and_target(method: Callable[[SOM, Any, Any], Any]) -> Callable[[SOM, Any], Any]:
    """Call ``method(som, data, target)`` with a target that fits the clean data."""

    def call(som: SOM, data: Any) -> Any:
        try:
            n = len(data)
        except TypeError:
            n = 12
        target = _target_of(CLEAN[:1]) if n == 1 and not _is_single(data) else _target_of(CLEAN)
        return method(som, data, target)

    return call


def _is_single(data: Any) -> bool:
    shape = getattr(data, "shape", None)
    return shape is not None and len(shape) == 1


def _hit(som: SOM, data: Any) -> Any:
    return som.build_map("hit", data=data)


def _bmus_data(som: SOM, data: Any) -> Any:
    return dict(som.build_map("bmus_data", data=data, return_indices=True))


def _retrieval(som: SOM, data: Any, clean: torch.Tensor) -> Any:
    index = som.build_map("bmus_data", data=clean, return_indices=True)
    return som.collect_samples(CLEAN[0], data, _target_of(clean), index,
                               min_buffer_threshold=5, return_indices=True)


MAP_METHODS: dict[str, Callable[[SOM, Any], Any] | WithClean] = {
    "build_map_hit": _hit,
    "build_map_bmus_data": _bmus_data,
    "build_map_metric": _data_and_target(
        lambda som, data, target: som.build_map("metric", data=data, target=target)),
    "build_map_classification": _data_and_target(
        lambda som, data, target: som.build_map("classification", data=data,
                                                target=target.long())),
    "collect_samples_history": WithClean(_retrieval),
}

_MAP_SPECIAL = {
    ("build_map_hit", "none"): (ValueError, r"Map type 'hit' requires data"),
    ("build_map_bmus_data", "none"): (ValueError, r"Map type 'bmus_data' requires data"),
    ("build_map_metric", "none"): (ValueError, r"requires either data or bmus_data_map"),
    ("build_map_classification", "none"): (ValueError,
                                           r"requires either data or bmus_data_map"),
}
# the argument that receives the data, when it is not called ``data``
_ARGUMENT = {"collect_samples_history": "historical_samples"}


@pytest.mark.parametrize("case_name", sorted(DATA_CASES))
@pytest.mark.parametrize("method_name", sorted(MAP_METHODS))
def test_map_data_matrix(method_name: str, case_name: str) -> None:
    case = DATA_CASES[case_name]
    argument = _ARGUMENT.get(method_name)
    if argument and case.message.startswith("data"):
        case = Case(case.value, case.clean, case.error, argument + case.message[4:])
    _run_case(MAP_METHODS[method_name], case, _MAP_SPECIAL.get((method_name, case_name)))


TARGET_CASES: dict[str, tuple[Callable[[], Any], type[Exception] | None, str]] = {
    "short": (lambda: _target_of(CLEAN)[:5], ValueError,
              r"target has 5 entries but data has 12 samples"),
    "long": (lambda: torch.zeros(13), ValueError, r"target has 13 entries"),
    "empty": (lambda: torch.empty(0), ValueError, r"target has 0 entries"),
    "nan": (lambda: torch.full((12,), float("nan")), ValueError, r"target contains 12 NaN"),
    "inf": (lambda: torch.full((12,), float("inf")), ValueError, r"target contains 12 inf"),
    "two_columns": (lambda: torch.zeros(12, 2), ValueError,
                    r"target must have one value per sample.*got shape \(12, 2\)"),
    "three_d": (lambda: torch.zeros(12, 1, 1), ValueError, r"target must have shape"),
    "scalar": (lambda: torch.tensor(1.0), ValueError, r"target must have shape"),
    "bool": (lambda: torch.ones(12, dtype=torch.bool), TypeError,
             r"target must hold real numbers.*bool"),
    "complex": (lambda: torch.zeros(12, dtype=torch.complex64), TypeError,
                r"target must hold real numbers.*complex64"),
    "object": (lambda: np.array(["a"] * 12, dtype=object), TypeError,
               r"target must hold real numbers.*object"),
    "str": (lambda: "labels", TypeError, r"target must be a torch.Tensor.*got str"),
    # accepted
    "list": (lambda: _target_of(CLEAN).tolist(), None, ""),
    "numpy_float64": (lambda: _target_of(CLEAN).double().numpy(), None, ""),
    "pandas_series": (lambda: pd.Series(_target_of(CLEAN).numpy()), None, ""),
    "column": (lambda: _target_of(CLEAN)[:, None], None, ""),
    "noncontiguous": (lambda: torch.stack([_target_of(CLEAN)] * 2, 1)[:, 0], None, ""),
}

# metric maps keep the target's precision (float64 for float64 and int64 targets), so they
# are compared with the float32 reference in float32
TARGET_METHODS: dict[str, Callable[[SOM, Any], Any]] = {
    "metric": lambda som, t: som.build_map("metric", data=CLEAN, target=t).float(),
    "score": lambda som, t: som.build_map("score", data=CLEAN, target=t, total_samples=12),
    "rank": lambda som, t: som.build_map("rank", data=CLEAN, target=t),
    "metric_from_bmus_data_map": lambda som, t: som.build_map(
        "metric", target=t, bmus_data_map=som.build_map("bmus_data", data=CLEAN,
                                                        return_indices=True)).float(),
}


@pytest.mark.parametrize("case_name", sorted(TARGET_CASES))
@pytest.mark.parametrize("method_name", sorted(TARGET_METHODS))
def test_target_matrix(method_name: str, case_name: str) -> None:
    value, error, pattern = TARGET_CASES[case_name]
    if method_name == "metric_from_bmus_data_map" and case_name == "long":
        pytest.skip("without data, only the indices of the map bound the target length")
    if method_name == "metric_from_bmus_data_map" and error is ValueError and "entries" in \
            pattern:
        # without data the length is checked against the indices of the map
        pattern = r"bmus_data_map refers to sample index|target has \d+ entries"
    method = TARGET_METHODS[method_name]
    case = Case(value, None if error else (lambda: _target_of(CLEAN)), error or ValueError,
                pattern)
    _run_case(method, case, None)


def test_collect_samples_outputs_and_query() -> None:
    som = _som()
    index = som.build_map("bmus_data", data=CLEAN, return_indices=True)
    target = _target_of(CLEAN)
    with pytest.raises(ValueError, match=r"historical_outputs has 5 entries"):
        som.collect_samples(CLEAN[0], CLEAN, target[:5], index)
    with pytest.raises(ValueError, match=r"historical_outputs contains 12 NaN"):
        som.collect_samples(CLEAN[0], CLEAN, torch.full((12,), float("nan")), index)
    for query, error, pattern in [
        (torch.tensor([float("nan"), 0.0, 0.0]), ValueError, r"query_sample contains 1 NaN"),
        (torch.zeros(4), ValueError, r"query_sample must have 3 features"),
        (CLEAN, ValueError, r"query_sample must be one sample of shape \(3,\).*got shape"),
        ("q", TypeError, r"query_sample must be a torch.Tensor"),
        (torch.ones(3, dtype=torch.bool), TypeError, r"query_sample must hold real numbers"),
    ]:
        with pytest.raises(error, match=pattern):
            som.collect_samples(query, CLEAN, target, index)
    reference = som.collect_samples(CLEAN[0], CLEAN, target, index, min_buffer_threshold=5)
    for query in (CLEAN[0].tolist(), CLEAN[0].numpy(), CLEAN[:1], CLEAN[0].double()):
        got = som.collect_samples(query, CLEAN, target, index, min_buffer_threshold=5)
        assert _same(got, reference)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda som: som.build_map("hitt", data=CLEAN), ValueError, r"hitt.*hit"),
        (lambda som: som.build_map("hit", data=CLEAN, colour=1), TypeError, r"colour"),
        (lambda som: som.build_map("hit"), ValueError, r"'hit' requires data"),
        (lambda som: som.build_map("metric", data=CLEAN), ValueError, r"requires target"),
        (lambda som: som.build_map("metric", data=CLEAN, target=_target_of(CLEAN),
                                   reduction_parameter="avg"), ValueError,
         r"reduction_parameter='avg' is not valid"),
        (lambda som: som.build_map("distance", distance_metric="euclid"), ValueError,
         r"distance_metric='euclid' is not valid"),
        (lambda som: som.build_map("distance", scaling="max"), ValueError, r"scaling"),
        (lambda som: som.build_map("hit", data=CLEAN, batch_size=0), ValueError,
         r"batch_size must be an int >= 1; got 0"),
        (lambda som: som.build_map("score", data=CLEAN, target=_target_of(CLEAN),
                                   total_samples=0), ValueError, r"total_samples must be"),
        (lambda som: som.build_map("rank", target=_target_of(CLEAN),
                                   bmus_data_map={(9, 9): [0]}), ValueError,
         r"bmus_data_map has the key \(9, 9\), outside this 3x4 grid"),
        (lambda som: som.build_map("rank", target=_target_of(CLEAN),
                                   bmus_data_map=[1, 2]), TypeError,
         r"bmus_data_map must be a dict"),
        (lambda som: som.build_map("rank", target=_target_of(CLEAN),
                                   bmus_data_map={(0, 0): [40]}), ValueError,
         r"bmus_data_map refers to sample index 40"),
        (lambda som: som.collect_samples(CLEAN[0], CLEAN, _target_of(CLEAN), {},
                                         retrieval_mode="knn"), ValueError,
         r"retrieval_mode='knn' is not valid"),
        (lambda som: som.collect_samples(CLEAN[0], CLEAN, _target_of(CLEAN), {},
                                         min_buffer_threshold=-1), ValueError,
         r"min_buffer_threshold"),
        (lambda som: som.collect_samples(CLEAN[0], CLEAN, _target_of(CLEAN), {},
                                         return_indices="yes"), ValueError,
         r"return_indices must be True or False"),
    ],
)
def test_map_options(call, error, pattern) -> None:
    som = _som()
    before = som.weights.clone()
    with pytest.raises(error, match=pattern) as info:
        call(som)
    assert _is_torchsom_error(info.value), repr(info.value)
    assert torch.equal(som.weights, before)


# ---------------------------------------------------------------------------- clustering
@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"method": "kmean"}, ValueError, r"method='kmean' is not valid.*'kmeans'"),
        ({"method": None}, ValueError, r"method=None is not valid"),
        ({"n_clusters": 0}, ValueError, r"n_clusters must be None or an int >= 1; got 0"),
        ({"n_clusters": 2.5}, ValueError, r"n_clusters must be None or an int >= 1; got 2.5"),
        ({"n_clusters": "3"}, ValueError, r"n_clusters must be None or an int >= 1; got '3'"),
        ({"feature_space": "pixels"}, ValueError, r"feature_space='pixels' is not valid"),
        ({"method": "gmm", "n_clusters": True}, ValueError, r"must be None or an int >= 1"),
        ({"method": "hdbscan", "min_cluster_size": 0}, ValueError, r"min_cluster_size"),
    ],
)
def test_cluster_options(kwargs: dict, error: type, pattern: str) -> None:
    som = _som()
    before = som.weights.clone()
    with pytest.raises(error, match=pattern) as info:
        som.cluster(**kwargs)
    assert _is_torchsom_error(info.value), repr(info.value)
    assert torch.equal(som.weights, before)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:HDBSCAN found no clusters:torchsom.exceptions.TorchSOMWarning")
@pytest.mark.filterwarnings("ignore:k-means was asked for:torchsom.exceptions.TorchSOMWarning")
def test_cluster_works_on_degenerate_maps() -> None:
    som = SOM(3, 3, F, device="cpu")
    with torch.no_grad():
        som.weights.zero_()  # every neuron identical
    for method in ("kmeans", "gmm", "hdbscan"):
        result = som.cluster(method=method)
        assert result["labels"].shape == (9,)
    assert torch.isfinite(som.weights).all()


def test_cluster_too_many_clusters_is_not_silent() -> None:
    som = SOM(3, 4, F, device="cpu")  # 12 distinct random neurons
    # k-means needs fewer clusters than samples: the count is capped, with a warning
    with pytest.warns(TorchSOMWarning, match=r"^n_clusters=12 is too many for 12 samples "
                      r"\(at most 11\); using n_clusters=11\.$"):
        result = som.cluster(n_clusters=12)
    assert result["n_clusters"] == 11
    assert len(set(result["labels"].tolist())) == 11


# ---------------------------------------------------------------------------- plots
@pytest.fixture()
def viz(tmp_path: Path):
    """A visualizer of a small map; figures are closed afterwards."""
    import matplotlib.pyplot as plt

    from torchsom import SOMVisualizer

    som = _som()
    som.fit(CLEAN, verbose=False)
    yield SOMVisualizer(som), tmp_path
    plt.close("all")


def _plot(draw: Callable[[Any, Any], Any]) -> Callable[[SOM, Any], Any]:
    """Adapt ``draw(visualizer, value)`` to the matrix: returns None when it draws."""

    def call(som: SOM, value: Any) -> Any:
        import matplotlib.pyplot as plt

        from torchsom import SOMVisualizer

        try:
            draw(SOMVisualizer(som), value)
        finally:
            plt.close("all")
        return None

    return call


def _plot_metric_map(som: SOM, data: Any, clean: torch.Tensor) -> Any:
    return _plot(lambda v, value: v.plot_metric_map(None, value, _target_of(clean)))(som, data)


PLOT_DATA_METHODS: dict[str, Callable[[SOM, Any], Any] | WithClean] = {
    "plot_hit_map": _plot(lambda v, data: v.plot_hit_map(data)),
    "plot_metric_map": WithClean(_plot_metric_map),
}


@pytest.mark.parametrize("case_name", sorted(DATA_CASES))
@pytest.mark.parametrize("method_name", sorted(PLOT_DATA_METHODS))
def test_plot_data_matrix(method_name: str, case_name: str) -> None:
    special = None
    if case_name == "none":
        special = (ValueError, r"requires (either )?data")
    _run_case(PLOT_DATA_METHODS[method_name], DATA_CASES[case_name], special)


PLOT_TARGET_METHODS: dict[str, Callable[[SOM, Any], Any]] = {
    "plot_rank_map": _plot(lambda v, t: v.plot_rank_map(
        v.som.build_map("bmus_data", data=CLEAN, return_indices=True), t)),
    "plot_score_map": _plot(lambda v, t: v.plot_score_map(
        v.som.build_map("bmus_data", data=CLEAN, return_indices=True), t, 12)),
    "plot_classification_map": _plot(lambda v, t: v.plot_classification_map(None, CLEAN, t)),
}


@pytest.mark.parametrize("case_name", sorted(TARGET_CASES))
@pytest.mark.parametrize("method_name", sorted(PLOT_TARGET_METHODS))
def test_plot_target_matrix(method_name: str, case_name: str) -> None:
    value, error, pattern = TARGET_CASES[case_name]
    if method_name != "plot_classification_map" and error is ValueError and \
            "entries" in pattern:
        pattern = r"bmus_data_map refers to sample index|target has \d+ entries"
        if case_name == "long":
            pytest.skip("without data, only the indices of the map bound the target length")
    case = Case(value, None if error else (lambda: _target_of(CLEAN)), error or ValueError,
                pattern)
    _run_case(PLOT_TARGET_METHODS[method_name], case, None)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda v: v.plot_distance_map(distance_metric="euclid"), ValueError,
         r"distance_metric='euclid' is not valid"),
        (lambda v: v.plot_distance_map(scaling="max"), ValueError, r"scaling"),
        (lambda v: v.plot_distance_map(neighborhood_order="2"), ValueError,
         r"neighborhood_order must be an int >= 1; got '2'"),
        (lambda v: v.plot_hit_map(CLEAN, batch_size=0), ValueError, r"batch_size"),
        (lambda v: v.plot_metric_map(None, CLEAN, _target_of(CLEAN), "avg"), ValueError,
         r"reduction_parameter='avg' is not valid"),
        (lambda v: v.plot_score_map(v.som.build_map("bmus_data", data=CLEAN),
                                    _target_of(CLEAN), 0), ValueError,
         r"total_samples must be an int >= 1; got 0"),
        (lambda v: v.plot_rank_map([1, 2], _target_of(CLEAN)), TypeError,
         r"bmus_data_map must be a dict"),
        (lambda v: v.plot_rank_map({"a": [1]}, _target_of(CLEAN)), ValueError,
         r"bmus_data_map keys must be \(row, col\) tuples"),
        (lambda v: v.plot_rank_map({(0, 0): [-1]}, _target_of(CLEAN)), ValueError,
         r"bmus_data_map holds a negative sample index"),
        (lambda v: v.plot_component_planes(["a"] * 4), ValueError,
         r"component_names has 4 names but the map has 3 features"),
        (lambda v: v.plot_component_planes([]), ValueError, r"component_names is empty"),
        (lambda v: v.plot_grid(torch.zeros(12), "t", "c", "f"), ValueError,
         r"a map must have shape \(x, y\); got shape \(12,\)"),
        (lambda v: v.plot_grid(torch.zeros(3, 4), "t", "c", "f", colour=1), TypeError,
         r"plot_grid\(\) got unexpected keyword argument\(s\) \['colour'\]"),
        (lambda v: v.plot_grid(torch.zeros(3, 4), "t", "c", "f", cmap="nocmap"), ValueError,
         r"cmap='nocmap' is not a matplotlib colormap"),
        (lambda v: v.plot_training_errors([], []), ValueError, r"quantization_errors is empty"),
        (lambda v: v.plot_elbow_analysis(max_k=1), ValueError, r"max_k >= 2"),
        (lambda v: v.plot_elbow_analysis(feature_space="pixels"), ValueError,
         r"feature_space='pixels' is not valid"),
        (lambda v: v.plot_cluster_quality_comparison([]), ValueError, r"results_list is empty"),
        (lambda v: v.plot_clustering_comparison_grid([]), ValueError, r"results_list is empty"),
        (lambda v: v.plot_cluster_map({**v.som.cluster(n_clusters=2),
                                       "labels": torch.zeros(3)}), ValueError,
         r"cluster_result has 3 labels but the map has 3×4 = 12 neurons"),
    ],
)
def test_plot_options(viz, call, error, pattern) -> None:
    visualizer, _ = viz
    before = visualizer.som.weights.clone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        with pytest.raises(error, match=pattern) as info:
            call(visualizer)
    assert _is_torchsom_error(info.value), repr(info.value)
    assert torch.equal(visualizer.som.weights, before)


def test_visualizer_needs_a_map() -> None:
    from torchsom import SOMVisualizer

    with pytest.raises(ValueError, match=r"topology 'rectangular' or 'hexagonal'.*None"):
        SOMVisualizer(None)


# Inputs of the wrong kind for the plot methods: the error names the argument, what was
# expected and what arrived.
_PLOT_CHECKS = [
    ("training_errors_strings", lambda v: v.plot_training_errors("abc", "abc"),
     TypeError, r"^quantization_errors must hold real numbers; got a str\.$"),
    ("training_errors_2d", lambda v: v.plot_training_errors(torch.zeros(3, 3),
                                                            torch.zeros(3, 3)),
     ValueError, r"^quantization_errors must be one value per epoch, shape \(epochs,\); "
                 r"got shape \(3, 3\)\.$"),
    ("component_names_string", lambda v: v.plot_component_planes("abc"),
     TypeError, r"^component_names must be a list of strings, .*; got str\.$"),
    ("grid_strings", lambda v: v.plot_grid("abc", "t", "c", "f"),
     TypeError, r"^map must hold real numbers; got a str\.$"),
    ("grid_complex", lambda v: v.plot_grid(torch.zeros(3, 4, dtype=torch.complex64), "t",
                                           "c", "f"),
     TypeError, r"^map must hold real numbers; got dtype complex64\.$"),
    ("cluster_map_empty_dict", lambda v: v.plot_cluster_map({}),
     ValueError, r"^cluster_result lacks the key\(s\) \['labels'\]; pass the dict returned "
                 r"by som\.cluster\(\)\.$"),
    ("cluster_map_none", lambda v: v.plot_cluster_map(None),
     TypeError, r"^cluster_result must be the dict returned by som\.cluster\(\); "
                r"got NoneType\.$"),
    ("silhouette_empty_dict", lambda v: v.plot_silhouette_analysis({}),
     ValueError, r"^cluster_result lacks the key\(s\) \['labels', 'original_data'\]"),
    ("silhouette_string", lambda v: v.plot_silhouette_analysis("x"),
     TypeError, r"^cluster_result must be the dict returned by som\.cluster\(\); got str\.$"),
    ("comparison_grid_empty_result", lambda v: v.plot_clustering_comparison_grid([{}]),
     ValueError, r"^results_list\[0\] lacks the key\(s\) \['labels'\]"),
    ("quality_comparison_empty_result", lambda v: v.plot_cluster_quality_comparison([{}]),
     ValueError, r"^results_list\[0\] lacks the key\(s\) \['metrics'\]"),
    ("elbow_max_k_string", lambda v: v.plot_elbow_analysis(max_k="a"),
     InvalidParameterError, r"^max_k must be an int >= 1; got 'a' of type str\.$"),
    ("save_path_int", lambda v: v.plot_distance_map(save_path=3),
     TypeError, r"^save_path must be a folder path \(str or pathlib\.Path\) or None; "
                r"got int\.$"),
    ("score_total_below_samples", lambda v: v.plot_score_map(
        v.som.build_map("bmus_data", data=CLEAN, return_indices=True), _target_of(CLEAN), 5),
     ValueError, r"^total_samples=5 is smaller than the 12 samples held by bmus_data_map"),
    ("config_string", lambda v: type(v)(v.som, config="x").plot_distance_map(),
     TypeError, r"^config must be a VisualizationConfig or None; got str\.$"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), [c[1:] for c in _PLOT_CHECKS],
                         ids=[c[0] for c in _PLOT_CHECKS])
def test_plot_input_checks(viz, call, error: type[Exception], pattern: str) -> None:
    visualizer, _ = viz
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(error, match=pattern) as info:
            call(visualizer)
    assert _is_torchsom_error(info.value), repr(info.value)
    leaked = [w for w in caught if not issubclass(w.category, TorchSOMWarning)]
    assert not leaked, [str(w.message) for w in leaked]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [({"save_format": "xyz"}, r"^save_format='xyz' is not a format matplotlib can write; "
                              r"expected one of .*\bpng\b"),
     ({"dpi": -1}, r"^dpi must be a finite number >= 0; got -1\.$")],
)
def test_visualization_config_validates(kwargs: dict, pattern: str) -> None:
    from torchsom import VisualizationConfig

    with pytest.raises(InvalidParameterError, match=pattern):
        VisualizationConfig(**kwargs)
