"""Persistence: save/load round trips, atomic writes, bad files, state_dict, pickle, .to()."""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import stat
import sys
import warnings
from pathlib import Path

import pytest
import torch

from torchsom import SOM
from torchsom import io as som_io
from torchsom.core import container
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.search import BMUSearchStrategy

DATA = torch.randn(60, 4, generator=torch.Generator().manual_seed(1))


def _trained(**kwargs) -> SOM:
    settings = dict(x=4, y=5, num_features=4, epochs=3, device="cpu")
    settings.update(kwargs)
    som = SOM(**settings)
    som.fit(DATA[:, : settings["num_features"]], verbose=False)
    return som


def _split(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def _rewrite(path: Path, header: dict, data: bytes, fix_checksum: bool = True) -> None:
    if fix_checksum:
        header["__metadata__"]["checksum"] = container.checksum(header, [data])
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + data)


def _assert_same_map(a: SOM, b: SOM) -> None:
    assert a.get_params() == b.get_params()
    assert a.weights.dtype == b.weights.dtype
    assert torch.equal(a.weights, b.weights)
    assert a.epochs_trained_ == b.epochs_trained_
    for left, right in ((a.quantization_errors_, b.quantization_errors_),
                        (a.topographic_errors_, b.topographic_errors_)):
        assert len(left) == len(right)
        assert all((math.isnan(u) and math.isnan(v)) or u == v for u, v in zip(left, right))
    assert torch.equal(a._generator.get_state(), b._generator.get_state())


# ---------------------------------------------------------------------------- round trips
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"topology": "hexagonal", "pbc": True, "x": 4, "neighborhood_order": 2},
        {"algorithm": "batch", "neighborhood_function": "bubble", "distance_function": "cosine"},
        {"distance_function": "manhattan", "lr_decay_function": "lr_linear_decay_to_zero",
         "sigma_decay_function": "sig_inverse_decay_to_one", "sigma": 2.0},
        {"random_seed": None, "initialization_mode": "pca", "batch_size": 7},
        {"x": 1, "y": 1},
    ],
)
def test_save_load_round_trip(tmp_path: Path, settings: dict) -> None:
    som = _trained(**settings)
    path = tmp_path / "map.som"
    som.save(path)
    loaded = SOM.load(path)
    _assert_same_map(som, loaded)
    assert torch.equal(loaded.identify_bmus(DATA), som.identify_bmus(DATA))
    # the generator state travels too: continuing gives the same weights
    som.fit(DATA, verbose=False)
    loaded.fit(DATA, verbose=False)
    assert torch.equal(loaded.weights, som.weights)
    assert loaded.epochs_trained_ == som.epochs_trained_


def test_save_accepts_str_and_overwrites(tmp_path: Path) -> None:
    first, second = _trained(), _trained(random_seed=7)
    path = str(tmp_path / "map.som")
    first.save(path)
    second.save(path)
    assert torch.equal(SOM.load(path).weights, second.weights)
    assert [p.name for p in tmp_path.iterdir()] == ["map.som"]


def test_file_is_standard_safetensors_with_metadata(tmp_path: Path) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    from safetensors import safe_open

    som = _trained()
    path = tmp_path / "map.som"
    som.save(path)
    tensors = safetensors_torch.load_file(str(path))
    assert set(tensors) == {"weights", "generator_state"}
    assert torch.equal(tensors["weights"], som.weights)
    with safe_open(str(path), "pt") as handle:
        meta = handle.metadata()
    assert meta["format"] == som_io.FORMAT_NAME
    assert meta["format_version"] == str(som_io.FORMAT_VERSION)
    assert meta["torchsom_version"]
    assert json.loads(meta["config"]) == {**som.get_params(), "device": "cpu"}
    history = json.loads(meta["history"])
    assert history["epochs_trained_"] == 3
    assert history["quantization_errors_"] == som.quantization_errors_


def test_read_metadata(tmp_path: Path) -> None:
    som = _trained(x=1, y=1)
    som.save(tmp_path / "m.som")
    info = som_io.read_metadata(tmp_path / "m.som")
    assert info["config"]["x"] == 1 and info["weights_shape"] == (1, 1, 4)
    assert info["format_version"] == som_io.FORMAT_VERSION
    assert info["class"] == "SOM"
    assert all(math.isnan(v) for v in info["history"]["topographic_errors_"])


def test_float64_weights_round_trip(tmp_path: Path) -> None:
    som = _trained().double()
    som.save(tmp_path / "m.som")
    loaded = SOM.load(tmp_path / "m.som")
    assert loaded.weights.dtype == torch.float64 and loaded.xx.dtype == torch.float64
    assert torch.equal(loaded.weights, som.weights)
    assert torch.equal(loaded.identify_bmus(DATA), som.identify_bmus(DATA))


def test_registry_callables_are_stored_by_name(tmp_path: Path) -> None:
    som = SOM(3, 3, 4, device="cpu", distance_function=DISTANCE_FUNCTIONS["cosine"],
              lr_decay_function=DECAY_FUNCTIONS["lr_linear_decay_to_zero"])
    som.save(tmp_path / "m.som")
    loaded = SOM.load(tmp_path / "m.som")
    assert loaded.distance_function == "cosine"
    assert loaded.lr_decay_function == "lr_linear_decay_to_zero"
    assert torch.equal(loaded.identify_bmus(DATA), som.identify_bmus(DATA))


def test_subclass_is_rebuilt(tmp_path: Path) -> None:
    class MySOM(SOM):
        pass

    MySOM(2, 2, 4, device="cpu").save(tmp_path / "m.som")
    assert type(MySOM.load(tmp_path / "m.som")) is MySOM


# ---------------------------------------------------------------------------- refusing to save
def test_custom_callable_is_refused_by_name(tmp_path: Path) -> None:
    def my_distance(data, weights):
        return DISTANCE_FUNCTIONS["euclidean"](data, weights)

    som = SOM(2, 2, 4, device="cpu", distance_function=my_distance)
    with pytest.raises(InvalidParameterError, match="distance_function.*my_distance"):
        som.save(tmp_path / "m.som")
    assert not any(tmp_path.iterdir())


def test_nan_weights_are_refused(tmp_path: Path) -> None:
    som = SOM(2, 2, 4, device="cpu")
    with torch.no_grad():
        som.weights[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        som.save(tmp_path / "m.som")
    assert not any(tmp_path.iterdir())


def test_invalid_changed_setting_is_refused(tmp_path: Path) -> None:
    som = SOM(2, 2, 4, device="cpu")
    som.sigma = -1.0
    with pytest.raises(InvalidParameterError, match="sigma"):
        som.save(tmp_path / "m.som")


@pytest.mark.parametrize(
    ("path", "error", "pattern"),
    [
        (123, TypeError, "path must be a str or os.PathLike; got 123 of type int"),
        (b"m.som", TypeError, "path must be a str"),
        (None, TypeError, "path must be a str"),
        ("", ValueError, "path must be a file name"),
    ],
)
def test_bad_path_arguments(path, error, pattern) -> None:
    som = SOM(2, 2, 4, device="cpu")
    with pytest.raises(error, match=pattern):
        som.save(path)
    with pytest.raises(error, match=pattern):
        SOM.load(path)


def test_save_into_missing_folder_or_onto_folder(tmp_path: Path) -> None:
    som = SOM(2, 2, 4, device="cpu")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        som.save(tmp_path / "missing" / "m.som")
    with pytest.raises(IsADirectoryError, match="folder"):
        som.save(tmp_path)


# ---------------------------------------------------------------------------- atomicity
@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch, failure, where) -> None:
    path = tmp_path / "map.som"
    _trained().save(path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(container.os, where, broken)
    with pytest.raises(type(failure)):
        _trained(random_seed=3).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["map.som"]  # no temporary left
    SOM.load(path)


def test_failed_first_write_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(container.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        _trained().save(tmp_path / "map.som")
    assert not any(tmp_path.iterdir())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_file_mode_follows_umask(tmp_path: Path) -> None:
    reference = tmp_path / "plain"
    reference.write_bytes(b"")
    SOM(2, 2, 4, device="cpu").save(tmp_path / "m.som")
    mode = stat.S_IMODE((tmp_path / "m.som").stat().st_mode)
    assert mode == stat.S_IMODE(reference.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")
def test_save_through_symlink_replaces_target(tmp_path: Path) -> None:
    real = tmp_path / "real.som"
    _trained().save(real)
    link = tmp_path / "link.som"
    link.symlink_to(real)
    som = _trained(random_seed=5)
    som.save(link)
    assert link.is_symlink()
    assert torch.equal(SOM.load(real).weights, som.weights)


# ---------------------------------------------------------------------------- bad files
@pytest.fixture()
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "map.som"
    _trained().save(path)
    return path


def _load_error(path: Path, pattern: str) -> None:
    with pytest.raises(som_io.SOMFileError, match=pattern) as info:
        SOM.load(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing.som"):
        SOM.load(tmp_path / "nothing.som")


@pytest.mark.parametrize("content", [b"", b"abc", b"hello world, not a map", b"\x00" * 64])
def test_foreign_or_tiny_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.som"
    path.write_bytes(content)
    _load_error(path, "truncated or not a map file|not a torchsom map file")


def test_pickle_file_is_rejected_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = tmp_path / "evil.som"
    path.write_bytes(pickle.dumps(Payload()))
    _load_error(path, "not a torchsom map file")
    torch_path = tmp_path / "state.pt"
    torch.save({"weights": torch.zeros(2, 2, 4), "evil": Payload()}, torch_path)
    _load_error(torch_path, "not a torchsom map file")
    assert not marker.exists()


def test_foreign_safetensors_file(saved: Path) -> None:
    header, data = _split(saved)
    header["__metadata__"] = {"format": "pt"}
    _rewrite(saved, header, data, fix_checksum=False)
    _load_error(saved, "holds no torchsom map")
    del header["__metadata__"]
    _rewrite(saved, header, data, fix_checksum=False)
    _load_error(saved, "holds no torchsom map")


@pytest.mark.parametrize("cut", [9, 40, -1, -200])
def test_truncated_files(saved: Path, cut: int) -> None:
    raw = saved.read_bytes()
    saved.write_bytes(raw[:cut])
    _load_error(saved, "truncated")


def test_trailing_garbage(saved: Path) -> None:
    saved.write_bytes(saved.read_bytes() + b"junk")
    _load_error(saved, "data section")


def test_flipped_data_byte_fails_checksum(saved: Path) -> None:
    raw = bytearray(saved.read_bytes())
    raw[-100] ^= 0x40
    saved.write_bytes(bytes(raw))
    _load_error(saved, "checksum")


@pytest.mark.parametrize(
    ("old", "new"),
    [(b'\\"sigma\\": 1.0', b'\\"sigma\\": 7.0'), (b'"weights"', b'"weighs_"'),
     (b'\\"epochs_trained_\\": 3', b'\\"epochs_trained_\\": 4')],
)
def test_edited_header_fails_checksum(saved: Path, old: bytes, new: bytes) -> None:
    raw = saved.read_bytes()
    assert raw.count(old) == 1
    saved.write_bytes(raw.replace(old, new))
    _load_error(saved, "checksum")


def test_missing_checksum(saved: Path) -> None:
    header, data = _split(saved)
    del header["__metadata__"]["checksum"]
    _rewrite(saved, header, data, fix_checksum=False)
    _load_error(saved, "checksum")


def test_damaged_header_json(saved: Path) -> None:
    raw = saved.read_bytes()
    saved.write_bytes(raw.replace(b'"weights":', b'"weights"#', 1))
    _load_error(saved, "not valid JSON")


def test_header_not_object(tmp_path: Path) -> None:
    path = tmp_path / "list.som"
    path.write_bytes((2).to_bytes(8, "little") + b"{}")
    _load_error(path, "holds no torchsom map")
    path.write_bytes((4).to_bytes(8, "little") + b"{} ]")
    _load_error(path, "not valid JSON")


@pytest.mark.parametrize(
    ("version", "pattern"),
    [("2", "format version 2.*Upgrade torchsom"), ("99", "Upgrade"), ("x", "not an integer"),
     ("0", "not valid")],
)
def test_format_versions(saved: Path, version: str, pattern: str) -> None:
    header, data = _split(saved)
    header["__metadata__"]["format_version"] = version
    _rewrite(saved, header, data)
    _load_error(saved, pattern)


def _edit_meta(path: Path, key: str, edit) -> None:
    header, data = _split(path)
    value = json.loads(header["__metadata__"][key])
    header["__metadata__"][key] = json.dumps(edit(value))
    _rewrite(path, header, data)


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda c: {**c, "colour": "red"}, "unknown settings \\['colour'\\]"),
        (lambda c: {k: v for k, v in c.items() if k != "x"}, "required setting 'x'"),
        (lambda c: {**c, "sigma": -1.0}, "configuration is not valid.*sigma"),
        (lambda c: {**c, "x": 5}, "shape"),
        (lambda c: [1, 2], "not a JSON object"),
    ],
)
def test_bad_configuration(saved: Path, edit, pattern: str) -> None:
    _edit_meta(saved, "config", edit)
    _load_error(saved, pattern)


def test_missing_optional_settings_take_defaults(saved: Path) -> None:
    _edit_meta(saved, "config", lambda c: {k: v for k, v in c.items() if k != "pbc"})
    assert SOM.load(saved).pbc is False


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda h: {**h, "quantization_errors_": "many"}, "quantization_errors_"),
        (lambda h: {**h, "topographic_errors_": [True]}, "topographic_errors_"),
        (lambda h: {**h, "epochs_trained_": -1}, "epochs_trained_"),
    ],
)
def test_bad_history(saved: Path, edit, pattern: str) -> None:
    _edit_meta(saved, "history", edit)
    _load_error(saved, pattern)


def test_missing_metadata_entries(saved: Path) -> None:
    header, data = _split(saved)
    del header["__metadata__"]["config"]
    _rewrite(saved, header, data)
    _load_error(saved, "no 'config' entry")
    header["__metadata__"]["config"] = "{not json"
    _rewrite(saved, header, data)
    _load_error(saved, "'config' metadata is not valid JSON")


def test_bad_tensor_entries(saved: Path) -> None:
    header, data = _split(saved)
    good = copy.deepcopy(header)
    header["weights"]["dtype"] = "Q7"
    _rewrite(saved, header, data)
    _load_error(saved, "tensor 'weights' is malformed")
    header = copy.deepcopy(good)
    header["weights"]["shape"] = [4, 5, 3]
    _rewrite(saved, header, data)
    _load_error(saved, "tensor 'weights' is inconsistent")
    header = copy.deepcopy(good)
    header["generator_state"]["data_offsets"][1] += 8
    header["generator_state"]["shape"][0] += 8
    _rewrite(saved, header, data)
    _load_error(saved, "truncated")
    header = copy.deepcopy(good)
    del header["weights"]
    start = good["weights"]["data_offsets"][1]
    header["generator_state"]["data_offsets"] = [0, len(data) - start]
    _rewrite(saved, header, data[start:])
    _load_error(saved, "no 'weights' tensor")
    with pytest.raises(som_io.SOMFileError, match="no 'weights' tensor"):
        som_io.read_metadata(saved)


def test_non_finite_or_integer_weights_in_file(saved: Path) -> None:
    header, data = _split(saved)
    end = header["weights"]["data_offsets"][1]
    nan = torch.full((4, 5, 4), float("nan")).numpy().tobytes()
    _rewrite(saved, header, nan + data[end:])
    _load_error(saved, "NaN or inf")
    header["weights"]["dtype"] = "I64"
    header["weights"]["shape"] = [4, 5, 2]
    _rewrite(saved, header, data)
    _load_error(saved, "floating tensor of shape")


def test_bad_generator_state(saved: Path) -> None:
    header, data = _split(saved)
    start, end = header["generator_state"]["data_offsets"]
    header["generator_state"]["shape"] = [8]
    header["generator_state"]["data_offsets"] = [start, start + 8]
    _rewrite(saved, header, data[: start + 8])
    _load_error(saved, "generator_state")


# ---------------------------------------------------------------------------- devices
def test_map_location_choices(saved: Path) -> None:
    assert SOM.load(saved, map_location="cpu").weights.device.type == "cpu"
    assert SOM.load(saved, map_location=torch.device("cpu")).device == "cpu"
    with pytest.raises(InvalidParameterError, match="map_location.*'tpu'"):
        SOM.load(saved, map_location="tpu")
    with pytest.raises(InvalidParameterError, match="map_location"):
        SOM.load(saved, map_location={"cuda:0": "cpu"})


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_saved_device_falls_back_to_cpu(saved: Path) -> None:
    _edit_meta(saved, "config", lambda c: {**c, "device": "cuda:0"})
    with pytest.warns(TorchSOMWarning, match="not available here"):
        som = SOM.load(saved)
    assert som.device == "cpu"
    with pytest.raises(InvalidParameterError, match="map_location"):
        SOM.load(saved, map_location="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SOM.load(saved, map_location="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_round_trip(tmp_path: Path) -> None:  # pragma: no cover - GPU only
    som = _trained(device="cuda")
    som.save(tmp_path / "m.som")
    on_gpu = SOM.load(tmp_path / "m.som")
    assert on_gpu.weights.is_cuda
    on_cpu = SOM.load(tmp_path / "m.som", map_location="cpu")
    assert torch.equal(on_cpu.weights, som.weights.cpu())
    assert torch.equal(on_cpu.identify_bmus(DATA), som.identify_bmus(DATA).cpu())


# ---------------------------------------------------------------------------- other round trips
class _CachingSearch(BMUSearchStrategy):
    """A search backend with an index: a snapshot of the weights taken by rebuild_index."""

    name = "caching"

    def __init__(self) -> None:
        self.snapshot: torch.Tensor | None = None

    def rebuild_index(self, weights: torch.Tensor) -> None:
        self.snapshot = weights.detach().clone()

    def search(self, data, weights, k=1):
        codebook = self.snapshot.reshape(-1, self.snapshot.shape[-1])
        dist = torch.cdist(data, codebook)
        values, idx = dist.topk(k, dim=1, largest=False)
        return values, idx


def test_load_state_dict_refreshes_search_index() -> None:
    trained = _trained()
    fresh = SOM(4, 5, 4, device="cpu", random_seed=9)
    fresh._search_strategy = _CachingSearch()
    fresh._search_strategy.rebuild_index(fresh.weights)
    fresh.load_state_dict(trained.state_dict())
    assert torch.equal(fresh.weights, trained.weights)
    assert torch.equal(fresh._search_strategy.snapshot, trained.weights)
    assert torch.equal(fresh.identify_bmus(DATA), trained.identify_bmus(DATA))


def test_state_dict_holds_only_the_weights() -> None:
    som = _trained()
    assert list(som.state_dict()) == ["weights"]
    with pytest.raises(RuntimeError, match="size mismatch for weights"):
        SOM(2, 2, 4, device="cpu").load_state_dict(som.state_dict())


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda s: pickle.loads(pickle.dumps(s))])
@pytest.mark.parametrize(
    "settings",
    [{}, {"distance_function": "chebyshev", "topology": "hexagonal"}, {"algorithm": "batch"}],
)
def test_pickle_and_deepcopy(clone, settings: dict) -> None:
    som = _trained(**settings)
    twin = clone(som)
    _assert_same_map(som, twin)
    assert twin.weights.data_ptr() != som.weights.data_ptr()
    assert torch.equal(twin.identify_bmus(DATA), som.identify_bmus(DATA))
    assert twin.quantization_error(DATA) == som.quantization_error(DATA)
    twin.fit(DATA, verbose=False)
    som.fit(DATA, verbose=False)
    assert torch.equal(twin.weights, som.weights)  # the generator was copied too


def test_deepcopy_keeps_custom_callables() -> None:
    def distance(data, weights):
        return DISTANCE_FUNCTIONS["manhattan"](data, weights)

    som = SOM(3, 3, 4, device="cpu", distance_function=distance)
    twin = copy.deepcopy(som)
    assert twin.distance_function is distance
    assert torch.equal(twin.identify_bmus(DATA), som.identify_bmus(DATA))


def test_to_moves_every_tensor() -> None:
    som = _trained()
    som.to("meta")
    assert som.device == "meta"
    tensors = dict(som.named_buffers()) | dict(som.named_parameters())
    assert {"weights", "xx", "yy", "_positions"} <= set(tensors)
    assert all(t.device.type == "meta" for t in tensors.values())


def test_to_dtype_converts_and_still_works() -> None:
    som = _trained().to(torch.float64)
    assert som.weights.dtype == torch.float64
    assert som.identify_bmus(DATA).shape == (60, 2)
    som.fit(DATA, verbose=False)
    assert torch.isfinite(som.weights).all()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_to_cuda_moves_every_buffer() -> None:  # pragma: no cover - GPU only
    som = _trained().to("cuda")
    assert som.device.startswith("cuda")
    assert all(t.is_cuda for t in list(som.buffers()) + list(som.parameters()))
    som.fit(DATA, verbose=False)


def test_file_permissions_env_independent_of_cwd(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    SOM(2, 2, 4, device="cpu").save("relative.som")
    assert os.path.exists(tmp_path / "relative.som")
    assert SOM.load("relative.som").x == 2
