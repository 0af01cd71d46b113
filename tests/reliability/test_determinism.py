"""Determinism on CPU: the same seed gives bit-identical maps, in one process and across
processes; the global random states are never touched."""

from __future__ import annotations

import hashlib
import json
import pickle
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from torchsom import SOM

SETTINGS = [
    {},
    {"algorithm": "batch", "initialization_mode": "pca"},
    {"topology": "hexagonal", "pbc": True, "neighborhood_function": "bubble",
     "distance_function": "cosine"},
    {"distance_function": "manhattan", "batch_size": 1, "neighborhood_function": "mexican_hat"},
]

_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys, torch
    from torchsom import SOM
    results = []
    for settings in json.loads(sys.argv[1]):
        data = torch.randn(80, 5, generator=torch.Generator().manual_seed(3))
        som = SOM(6, 5, 5, epochs=4, device="cpu", random_seed=123, **settings)
        som.initialize_weights(data)
        q, t = som.fit(data, verbose=False)
        digest = hashlib.sha256(som.weights.detach().numpy().tobytes()).hexdigest()
        results.append([digest, q, t])
    print(json.dumps(results))
    """
)


def _train(settings: dict, seed: int = 123) -> tuple[str, list[float], list[float]]:
    data = torch.randn(80, 5, generator=torch.Generator().manual_seed(3))
    som = SOM(6, 5, 5, epochs=4, device="cpu", random_seed=seed, **settings)
    som.initialize_weights(data)
    q, t = som.fit(data, verbose=False)
    return hashlib.sha256(som.weights.detach().numpy().tobytes()).hexdigest(), q, t


@pytest.mark.parametrize("settings", SETTINGS)
def test_same_seed_twice_in_one_process(settings: dict) -> None:
    assert _train(settings) == _train(settings)
    if settings.get("algorithm") != "batch":  # the batch rule from PCA uses no randomness
        assert _train(settings)[0] != _train(settings, seed=124)[0]


def test_same_seed_across_processes() -> None:
    """Two fresh interpreters (started together) and this one agree bit for bit."""
    argument = json.dumps(SETTINGS)
    processes = [
        subprocess.Popen([sys.executable, "-c", _SCRIPT, argument], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True,
                         cwd=Path(__file__).resolve().parents[2])
        for _ in range(2)
    ]
    runs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        runs.append(json.loads(out.strip().splitlines()[-1]))
    assert runs[0] == runs[1]
    here = [list(_train(settings)) for settings in SETTINGS]
    assert runs[0] == here


def test_global_seed_does_not_matter() -> None:
    torch.manual_seed(0)
    first = _train(SETTINGS[0])
    torch.manual_seed(999)
    torch.rand(10)
    assert _train(SETTINGS[0]) == first


def test_random_seed_none_draws_fresh_maps() -> None:
    a = SOM(4, 4, 3, random_seed=None, device="cpu")
    b = SOM(4, 4, 3, random_seed=None, device="cpu")
    assert not torch.equal(a.weights, b.weights)


def _global_states() -> tuple:
    return (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].tobytes())


def _same_states(a: tuple, b: tuple) -> bool:
    return torch.equal(a[0], b[0]) and a[1] == b[1] and a[2] == b[2]


@pytest.mark.parametrize("settings", SETTINGS + [{"random_seed": None}])
def test_global_rng_states_untouched(settings: dict, tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal(size=(50, 5)).astype("float32")
    before = _global_states()
    som = SOM(4, 5, 5, epochs=2, device="cpu", **settings)
    for mode in ("random", "pca"):
        som.initialize_weights(data, mode=mode)
    som.fit(data, verbose=False)
    som.identify_bmus(data)
    som.quantization_error(data)
    som.topographic_error(data)
    som.save(tmp_path / "m.som")
    SOM.load(tmp_path / "m.som").fit(data, verbose=False)
    pickle.loads(pickle.dumps(som))
    assert _same_states(before, _global_states())


def test_batch_rule_is_order_free_and_repeatable() -> None:
    # the batch rule uses no randomness during training: any seed trains the same
    # codebook from the same start
    data = torch.randn(80, 5, generator=torch.Generator().manual_seed(3))
    maps = []
    for seed in (1, 2):
        som = SOM(6, 5, 5, epochs=4, device="cpu", random_seed=seed, algorithm="batch")
        som.initialize_weights(data, mode="pca")
        som.fit(data, verbose=False)
        maps.append(som.weights.clone())
    assert torch.equal(maps[0], maps[1])


def _rc_snapshot() -> dict:
    import matplotlib as mpl

    return {key: repr(value) for key, value in mpl.rcParams.items()}


def test_plots_leave_matplotlib_style_and_rng_alone(tmp_path: Path) -> None:
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from torchsom import SOMVisualizer, VisualizationConfig

    data = torch.randn(60, 4, generator=torch.Generator().manual_seed(8))
    som = SOM(4, 5, 4, epochs=2, device="cpu", topology="hexagonal")
    som.fit(data, verbose=False)
    style, backend, states = _rc_snapshot(), mpl.get_backend(), _global_states()
    config = VisualizationConfig(fontsize={"title": 20, "axis": 15, "legend": 12},
                                 fontweight={"title": "bold", "axis": "normal"}, dpi=20)
    viz = SOMVisualizer(som, config)
    assert _rc_snapshot() == style
    bmus = som.build_map("bmus_data", data=data)
    viz.plot_all(som.quantization_errors_, som.topographic_errors_, bmus, data, data[:, 0],
                 save_path=tmp_path, component_planes=False)
    viz.plot_component_planes(["first"], save_path=tmp_path)
    result = som.cluster(n_clusters=3, n_init=1)
    viz.plot_cluster_map(result, save_path=tmp_path)
    viz.plot_elbow_analysis(max_k=4, save_path=tmp_path)
    with pytest.warns(Warning):
        figure = viz.plot_distance_map()  # Agg: kept open, with a warning
    plt.close(figure)
    assert _rc_snapshot() == style
    assert mpl.get_backend() == backend
    assert _same_states(states, _global_states())
