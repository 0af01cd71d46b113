"""SOM's estimator protocol: params, clone, repr, pipelines, first-fit PCA, feature names."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from torchsom import SOM  # noqa: E402
from torchsom.core.parameters import SOM_PARAMETERS  # noqa: E402
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning  # noqa: E402

GEN = torch.Generator().manual_seed(5)
DATA = torch.randn(120, 3, generator=GEN) * torch.tensor([3.0, 1.0, 0.2])


def _som(**kw) -> SOM:
    return SOM(**{"x": 5, "y": 4, "num_features": 3, "epochs": 3, "device": "cpu", **kw})


def test_get_params_takes_deep_and_lists_every_constructor_argument() -> None:
    som = _som(sigma=1.5)
    assert som.get_params(deep=True) == som.get_params(deep=False) == som.get_params()
    assert list(som.get_params()) == list(SOM_PARAMETERS)
    assert som.get_params()["sigma"] == 1.5


def test_set_params_keeps_the_trained_map_unless_the_grid_changes() -> None:
    som = _som()
    som.initialize_weights(DATA)
    som.fit(DATA, verbose=False)
    trained = som.weights.detach().clone()
    assert som.set_params(sigma=0.7, epochs=2, distance_function="manhattan") is som
    assert som.sigma == 0.7 and som.epochs == 2 and som.distance_fn_name == "manhattan"
    assert torch.equal(som.weights, trained) and som.epochs_trained_ == 3
    assert len(som.quantization_errors_) == 3
    som.fit(DATA, verbose=False)  # continues with the new settings
    assert som.epochs_trained_ == 5
    som.set_params(x=6)
    assert som.weights.shape == (6, 4, 3) and som.epochs_trained_ == 0
    assert som.quantization_errors_ == []
    assert torch.equal(som.weights, SOM(6, 4, 3, epochs=2, sigma=0.7, device="cpu",
                                        distance_function="manhattan").weights)


def test_set_params_rejects_bad_values_and_leaves_the_map_alone() -> None:
    som = _som().double()
    before = som.weights.detach().clone()
    with pytest.raises(InvalidParameterError, match="Invalid parameter 'colour' for SOM"):
        som.set_params(colour="red")
    with pytest.raises(InvalidParameterError, match="x must be"):
        som.set_params(x=0)
    assert som.x == 5 and torch.equal(som.weights, before)
    som.set_params(sigma=2.0)
    assert som.weights.dtype == torch.float64  # dtype kept
    assert som.set_params() is som


def test_clone_gives_an_untrained_map_with_the_same_settings() -> None:
    som = _som(neighborhood_function="bubble", random_seed=3)
    som.initialize_weights(DATA)
    twin = clone(som)
    assert twin is not som and twin.get_params() == som.get_params()
    assert torch.equal(twin.weights, _som(neighborhood_function="bubble",
                                          random_seed=3).weights)


def test_repr_shows_the_settings_that_differ_from_the_defaults() -> None:
    assert repr(_som(sigma=1.5)) == "SOM(x=5, y=4, num_features=3, epochs=3, sigma=1.5)"
    shown = repr(_som(distance_function=lambda d, w: torch.cdist(d, w.reshape(-1, 3))))
    assert "distance_function=<lambda>" in shown
    if not torch.cuda.is_available():
        assert "device" not in repr(_som())


def test_map_works_as_the_last_step_of_a_pipeline() -> None:
    X = DATA.numpy()
    pipe = make_pipeline(StandardScaler(), _som())
    pipe.fit(X, np.arange(120))  # Pipeline passes y positionally
    som = pipe[-1]
    assert som.epochs_trained_ == 3
    pipe.set_params(som__sigma=1.0)
    assert som.sigma == 1.0 and som.epochs_trained_ == 3
    assert clone(pipe)[-1].epochs_trained_ == 0


def test_second_positional_argument_bool_is_verbose_array_is_ignored(capsys) -> None:
    quiet = _som()
    quiet.fit(DATA, False)
    _som().fit(DATA, 0)
    assert "Training SOM" not in capsys.readouterr().err
    with_y = _som()
    with_y.fit(DATA, np.zeros(120), verbose=False)
    assert torch.equal(with_y.weights, quiet.weights)  # y changed nothing
    _som().fit(DATA, np.zeros(120))
    assert "Training SOM" in capsys.readouterr().err  # verbose stays on by default


def test_pca_map_is_pca_initialised_on_its_first_fit_only() -> None:
    auto = _som(initialization_mode="pca")
    auto.fit(DATA, verbose=False)
    manual = _som(initialization_mode="pca")
    manual.initialize_weights(DATA, mode="pca")
    manual.fit(DATA, verbose=False)
    assert torch.equal(auto.weights, manual.weights)
    again = auto.weights.detach().clone()
    assert not auto._weights_never_set()
    auto.fit(DATA, verbose=False)  # continues; no second PCA start
    assert not torch.equal(auto.weights, again)
    random_mode = _som()
    untouched = random_mode.weights.detach().clone()
    assert random_mode._weights_never_set()
    random_mode.fit(DATA[:1], verbose=False)
    assert not torch.equal(random_mode.weights, untouched)


def test_weights_set_any_way_are_not_replaced_by_pca() -> None:
    edited = _som(initialization_mode="pca")
    edited.weights.data[0, 0] = torch.tensor([9.0, 9.0, 9.0])
    assert not edited._weights_never_set()
    loaded = _som(initialization_mode="pca")
    loaded.load_state_dict(_som(initialization_mode="pca", random_seed=1).state_dict())
    assert not loaded._weights_never_set()
    assert _som(initialization_mode="pca").double()._weights_never_set()


def test_pca_first_fit_warns_when_pca_is_impossible() -> None:
    som = SOM(3, 3, 1, epochs=2, initialization_mode="pca", device="cpu")
    with pytest.warns(TorchSOMWarning, match="needs at least 2 samples and 2 features"):
        som.fit(torch.randn(20, 1), verbose=False)


def test_feature_names_are_kept_and_titled_on_component_planes(tmp_path) -> None:
    from torchsom import SOMVisualizer
    from torchsom.visualization.maps import plot_component_plane

    frame = pd.DataFrame(DATA.numpy(), columns=["height", "weight", "age"])
    som = _som()
    som.fit(frame, verbose=False)
    assert som.feature_names_in_.tolist() == ["height", "weight", "age"]
    fig = SOMVisualizer(som).plot_component_planes(save_path=tmp_path)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles[:3] == ["height", "weight", "age"]  # planes are titled on the left
    assert (tmp_path / "component_planes" / "weight.png").exists()
    plt.close(fig)
    som.set_params(sigma=0.8)
    assert som.feature_names_in_.tolist() == ["height", "weight", "age"]  # kept
    som.fit(frame.set_axis([0, 1, 2], axis=1), verbose=False)  # non-string names: none
    assert not hasattr(som, "feature_names_in_")
    som.fit(frame, verbose=False)
    som.fit(DATA, verbose=False)  # plain data: names dropped, as in scikit-learn
    assert not hasattr(som, "feature_names_in_")
    fig, ax = plt.subplots()
    assert plot_component_plane(som, 0, ax=ax).get_title() == "Component_1"
    plt.close(fig)


def test_assign_labels_gives_each_sample_its_neurons_label() -> None:
    som = _som(initialization_mode="pca")
    som.fit(DATA, verbose=False)
    neuron_labels = torch.arange(20) % 3
    bmus = som.identify_bmus(DATA)
    expected = neuron_labels[bmus[:, 0] * 4 + bmus[:, 1]]
    assert torch.equal(som.assign_labels(DATA, neuron_labels), expected)
    assert torch.equal(som.assign_labels(DATA, neuron_labels.reshape(5, 4)), expected)
    assert torch.equal(som.assign_labels(DATA, neuron_labels.numpy().tolist()), expected)
    result = som.cluster(method="kmeans", n_clusters=3, random_state=0)
    per_row = som.assign_labels(DATA, result)
    assert set(per_row.tolist()) <= set(result["labels"].tolist())
    with pytest.raises(ValueError, match=r"shape \(20,\) or \(5, 4\).*got shape \(19,\)"):
        som.assign_labels(DATA, torch.arange(19))
