"""Choosing the number of clusters: elbow and BIC."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom.clustering import (
    bic_curve,
    default_max_k,
    elbow_curve,
    find_elbow,
    select_components_bic,
    select_k_elbow,
)


def test_find_elbow_picks_the_sharpest_bend() -> None:
    ks = list(range(1, 9))
    inertia = [1000, 550, 180, 115, 90, 80, 72, 66]
    assert find_elbow(ks, inertia) == 3


def test_find_elbow_can_choose_two_and_the_last_interior_point() -> None:
    assert find_elbow([1, 2, 3, 4], [100.0, 10.0, 9.0, 8.5]) == 2
    assert find_elbow([1, 2, 3, 4, 5], [100.0, 90.0, 80.0, 5.0, 4.5]) == 4


def test_find_elbow_is_scale_free() -> None:
    ks = [1, 2, 3, 4, 5]
    inertia = np.array([40.0, 30.0, 5.0, 4.0, 3.5])
    assert find_elbow(ks, inertia) == find_elbow(ks, inertia * 1e6) == 3


def test_find_elbow_repairs_a_non_monotone_curve() -> None:
    # k-means stuck at k=4 (inertia rises) must not create a fake bend
    assert find_elbow([1, 2, 3, 4, 5], [100.0, 50.0, 5.0, 6.0, 4.0]) == 3


def test_find_elbow_with_too_few_points() -> None:
    assert find_elbow([1, 2], [10.0, 1.0]) == 2
    assert find_elbow([1], [10.0]) == 1
    assert find_elbow([4, 5], [10.0, 1.0]) == 4


def test_find_elbow_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        find_elbow([1, 2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-empty"):
        find_elbow([], [])


def test_elbow_curve_starts_with_total_sum_of_squares(three_groups) -> None:
    points, _ = three_groups
    ks, inertia = elbow_curve(points, max_k=5)
    assert ks == [1, 2, 3, 4, 5]
    centred = points.double() - points.double().mean(0)
    assert inertia[0] == pytest.approx(float((centred**2).sum()))
    assert all(a >= b for a, b in zip(inertia, inertia[1:]))


def test_elbow_curve_clips_max_k_to_the_sample_count() -> None:
    ks, _ = elbow_curve(torch.rand(3, 2), max_k=10)
    assert ks == [1, 2, 3]


def test_select_k_elbow_finds_three_groups_and_reports_its_curve(three_groups) -> None:
    points, _ = three_groups
    found = select_k_elbow(points)
    assert found["criterion"] == "elbow"
    assert found["k"] == 3
    assert found["k_values"] == list(range(1, default_max_k(120) + 1))
    assert len(found["scores"]) == len(found["k_values"])


def test_default_max_k() -> None:
    assert default_max_k(375) == 10
    assert default_max_k(30) == 5
    assert default_max_k(3) == 2
    assert default_max_k(1000, max_k=8) == 8


def test_select_components_bic_finds_three_groups(three_groups) -> None:
    points, _ = three_groups
    found = select_components_bic(points)
    assert found["criterion"] == "bic"
    assert found["k"] == 3
    assert found["scores"][2] == min(found["scores"])


def test_bic_curve_scores_a_failed_fit_as_inf(monkeypatch, three_groups) -> None:
    import sklearn.mixture

    real = sklearn.mixture.GaussianMixture

    def flaky(n_components, **kwargs):
        if n_components == 2:
            raise ValueError("ill-defined covariance")
        return real(n_components=n_components, **kwargs)

    monkeypatch.setattr(sklearn.mixture, "GaussianMixture", flaky)
    ks, scores = bic_curve(three_groups[0], max_components=3)
    assert ks == [1, 2, 3]
    assert scores[1] == float("inf") and np.isfinite(scores[0]) and np.isfinite(scores[2])


def test_large_inputs_keep_sklearn_threads(monkeypatch, three_groups) -> None:
    from torchsom.clustering import selection

    monkeypatch.setattr(selection, "_SINGLE_THREAD_ROWS", 0)
    assert select_k_elbow(three_groups[0], max_k=4)["k"] == 3
