"""Metric, score, rank and classification maps on hand-made assignments."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.exceptions import InvalidParameterError

NAN = math.nan


def _close(actual: torch.Tensor, expected) -> None:
    # metric and classification maps are float64 for float64 or int64 targets (exact labels)
    assert actual.dtype in (torch.float32, torch.float64)
    torch.testing.assert_close(actual, torch.tensor(expected, dtype=actual.dtype),
                               equal_nan=True)


# A 2x2 map (values irrelevant: the assignment is given by hand).
# (0,0) holds targets [1, 2, 3], (0,1) holds [4], (1,0) holds [0, 10], (1,1) is empty.
ASSIGN = {(0, 0): [0, 1, 2], (0, 1): [3], (1, 0): [4, 5]}
TARGET = torch.tensor([1.0, 2.0, 3.0, 4.0, 0.0, 10.0])


@pytest.fixture()
def grid2(make_som):
    return make_som(2, 2, torch.zeros(2, 2, 1))


# ---------------------------------------------------------------------------- metric
def test_metric_map_defaults_to_mean(grid2):
    _close(grid2.build_map("metric", target=TARGET, bmus_data_map=ASSIGN),
           [[2.0, 4.0], [5.0, NAN]])


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        ("mean", [[2.0, 4.0], [5.0, NAN]]),
        ("std", [[1.0, 1e-8], [math.sqrt(50.0), NAN]]),
        ("median", [[2.0, 4.0], [5.0, NAN]]),
        ("min", [[1.0, 4.0], [0.0, NAN]]),
        ("max", [[3.0, 4.0], [10.0, NAN]]),
    ],
)
def test_metric_map_reductions(grid2, reduction, expected):
    out = grid2.build_map("metric", target=TARGET, bmus_data_map=ASSIGN,
                          reduction_parameter=reduction)
    assert out.dtype == torch.float32
    _close(out, expected)


def test_metric_map_median_of_even_count_averages_the_middle(grid2):
    out = grid2.build_map("metric", target=[5.0, 1.0, 3.0, 100.0],
                          bmus_data_map={(1, 1): [0, 1, 2, 3]}, reduction_parameter="median")
    _close(out, [[NAN, NAN], [NAN, 4.0]])


def test_metric_map_rejects_unknown_reduction_by_name(grid2):
    with pytest.raises(InvalidParameterError,
                       match=r"reduction_parameter='average' is not valid.*'mean'"):
        grid2.build_map("metric", target=TARGET, bmus_data_map=ASSIGN,
                        reduction_parameter="average")


def test_metric_map_integer_target_and_2d_column(grid2):
    out = grid2.build_map("metric", target=torch.tensor([[1], [2], [3], [4], [0], [10]]),
                          bmus_data_map=ASSIGN)
    _close(out, [[2.0, 4.0], [5.0, NAN]])
    with pytest.raises(ValueError, match=r"one value per sample.*\(6, 2\)"):
        grid2.build_map("metric", target=torch.zeros(6, 2), bmus_data_map=ASSIGN)


def test_supervised_map_checks_indices_against_target(grid2):
    with pytest.raises(ValueError, match="sample index 5 but target has 3 rows"):
        grid2.build_map("metric", target=[1.0, 2.0, 3.0], bmus_data_map=ASSIGN)


def test_supervised_map_checks_target_length_against_data(corners_som, corners_data):
    with pytest.raises(ValueError, match="target has 2 entries but data has 5"):
        corners_som.build_map("metric", data=corners_data, target=[1.0, 2.0])


# ---------------------------------------------------------------------------- score
def test_score_map_exact_values(grid2):
    out = grid2.build_map("score", target=TARGET, bmus_data_map=ASSIGN)
    # total_samples defaults to the 6 samples in the map
    expected = [
        [1.0 / math.sqrt(3) * math.log(6 / 3), 1e-8],
        [math.sqrt(50.0) / math.sqrt(2) * math.log(6 / 2), NAN],
    ]
    _close(out, expected)


def test_score_map_total_samples_and_floor(grid2):
    out = grid2.build_map("score", target=TARGET, bmus_data_map=ASSIGN, total_samples=12)
    _close(out, [[1.0 / math.sqrt(3) * math.log(4), 1e-8],
                 [math.sqrt(25.0) * math.log(6), NAN]])
    # one neuron holding every sample: ln(n / n) = 0 is floored at 1e-8
    whole = grid2.build_map("score", target=TARGET, bmus_data_map={(0, 0): list(range(6))})
    assert float(whole[0, 0]) == pytest.approx(1e-8)


def test_score_map_rejects_total_below_mapped_count(grid2):
    with pytest.raises(ValueError, match=r"total_samples must be at least the number of "
                       r"mapped samples \(6\); got 3"):
        grid2.build_map("score", target=TARGET, bmus_data_map=ASSIGN, total_samples=3)


def test_score_map_total_samples_defaults_to_len_data(corners_som, corners_data):
    target = torch.tensor([1.0, 7.0, 3.0, 5.0, 5.0])  # (0,0) holds rows 0 and 2
    out = corners_som.build_map("score", data=corners_data, target=target)
    _close(out, [[math.sqrt(2.0) / math.sqrt(2) * math.log(5 / 2), 1e-8], [1e-8, 1e-8]])


# ---------------------------------------------------------------------------- rank
def test_rank_map_rank_one_is_the_largest_spread(grid2):
    out = grid2.build_map("rank", target=TARGET, bmus_data_map=ASSIGN)
    # std: (0,0) 1, (0,1) single sample -> 0, (1,0) sqrt(50)
    _close(out, [[2.0, 3.0], [1.0, NAN]])


def test_rank_map_breaks_ties_in_row_major_order(make_som):
    som = make_som(2, 3, torch.zeros(2, 3, 1))
    assignment = {(1, 2): [0, 1], (0, 1): [2, 3], (1, 0): [4, 5], (0, 0): [6]}
    target = [0.0, 2.0, 5.0, 7.0, 1.0, 3.0, 9.0]  # three neurons with std sqrt(2)
    _close(som.build_map("rank", target=target, bmus_data_map=assignment),
           [[4.0, 1.0, NAN], [2.0, NAN, 3.0]])


# ---------------------------------------------------------------------------- classification
def test_classification_majority_and_label_zero(grid2):
    out = grid2.build_map("classification", target=[0, 0, 1, 2, 2, 2],
                          bmus_data_map={(0, 0): [0, 1, 2], (1, 1): [3, 4, 5]})
    _close(out, [[0.0, NAN], [NAN, 2.0]])


def test_classification_tie_uses_neighbour_votes_among_own_labels_only(make_som):
    som = make_som(2, 3, torch.zeros(2, 3, 1))
    assignment = {
        (0, 1): [0, 1],          # labels 1, 2: a tie
        (0, 2): [2, 3, 4],       # 2, 2, 2 -> neighbours vote 2 three times
        (0, 0): [5],             # 1 -> one vote for 1
        (1, 0): [6, 7, 8, 9],    # 0 x4: most voted around (0,1), but not one of its labels
    }
    target = [1, 2, 2, 2, 2, 1, 0, 0, 0, 0]
    _close(som.build_map("classification", target=target, bmus_data_map=assignment),
           [[1.0, 2.0, 2.0], [0.0, NAN, NAN]])


def test_classification_unresolved_tie_takes_the_smallest_label(make_som):
    som = make_som(2, 3, torch.zeros(2, 3, 1))
    # (1,2): labels 5 and 3 tie, no neighbour holds either -> 3
    # (0,0): labels 4 and 6 tie, neighbour (0,1) holds one of each -> 4
    assignment = {(1, 2): [0, 1], (0, 0): [2, 3], (0, 1): [4, 5]}
    target = torch.tensor([5, 3, 6, 4, 6, 4])
    _close(som.build_map("classification", target=target, bmus_data_map=assignment),
           [[4.0, 4.0, NAN], [NAN, NAN, 3.0]])


def test_classification_is_deterministic(make_som):
    som = make_som(3, 3, torch.zeros(3, 3, 1))
    assignment = {(r, c): [3 * (3 * r + c) + k for k in range(3)]
                  for r in range(3) for c in range(3)}
    target = torch.tensor([0, 1, 2] * 9)
    first = som.build_map("classification", target=target, bmus_data_map=assignment)
    for _ in range(3):
        assert torch.equal(
            som.build_map("classification", target=target, bmus_data_map=assignment), first)
    assert torch.equal(first, torch.zeros(3, 3))


def test_classification_tie_break_respects_pbc(make_som):
    # (0,0) ties 1 vs 7; inside the grid no neighbour holds either, across the wrap (0,2)
    # and (2,0) hold 7.
    assignment = {(0, 0): [0, 1], (0, 2): [2], (2, 0): [3], (2, 2): [4]}
    target = [1, 7, 7, 7, 9]
    flat = make_som(3, 3, torch.zeros(3, 3, 1))
    torus = make_som(3, 3, torch.zeros(3, 3, 1), pbc=True)
    assert flat.build_map("classification", target=target, bmus_data_map=assignment)[0, 0] == 1
    assert torus.build_map("classification", target=target, bmus_data_map=assignment)[0, 0] == 7


def test_classification_tie_break_uses_odd_r_hexagonal_neighbours(make_som):
    # row 0 is even: its lower neighbours are (1, c-1) and (1, c) in odd-r
    som = make_som(2, 3, torch.zeros(2, 3, 1), topology="hexagonal")
    assignment = {(0, 1): [0, 1], (1, 0): [2], (1, 2): [3, 4]}
    target = [1, 2, 2, 1, 1]  # (1,2) is a neighbour only under the other convention
    out = som.build_map("classification", target=target, bmus_data_map=assignment)
    assert out[0, 1] == 2


def test_classification_neighbourhood_order_zero_disables_votes(make_som):
    som = make_som(1, 3, torch.zeros(1, 3, 1))
    assignment = {(0, 0): [0, 1], (0, 1): [2]}
    out = som.build_map("classification", target=[3, 8, 8], bmus_data_map=assignment,
                        neighborhood_order=0)
    assert out[0, 0] == 3
    out = som.build_map("classification", target=[3, 8, 8], bmus_data_map=assignment)
    assert out[0, 0] == 8


def test_classification_float_labels(grid2):
    out = grid2.build_map("classification", target=[0.5, 0.5, 2.5],
                          bmus_data_map={(1, 0): [0, 1, 2]})
    _close(out, [[NAN, NAN], [0.5, NAN]])


# ---------------------------------------------------------------------------- forms
@pytest.mark.parametrize("map_type", ["metric", "score", "rank", "classification"])
def test_supervised_maps_accept_every_bmus_form(corners_som, corners_data, map_type):
    target = torch.tensor([1, 2, 1, 0, 2])
    default = corners_som.build_map("bmus_data", data=corners_data)
    expected = corners_som.build_map(map_type, data=corners_data, target=target)
    for form, data in [
        (default, None),
        (default, corners_data),
        (corners_som.build_map("bmus_data", data=corners_data, return_indices=True), None),
        ({k: list(v) for k, v in default.indices.items()}, None),
        (dict(default), corners_data),  # rows only: matched against data
    ]:
        out = corners_som.build_map(map_type, data=data, target=target, bmus_data_map=form)
        torch.testing.assert_close(out, expected, equal_nan=True)


def test_tutorial_pattern_classification_from_default_bmus_map(blobs):
    from torchsom import SOM

    features, labels = blobs
    som = SOM(6, 6, 4, epochs=3, neighborhood_order=3, device="cpu", search_backend="torch")
    som.initialize_weights(features, mode="pca")
    som.fit(features, verbose=False)
    bmus_map = som.build_map("bmus_data", data=features)
    out = som.build_map("classification", data=features, target=labels,
                        bmus_data_map=bmus_map, neighborhood_order=som.neighborhood_order)
    hits = som.build_map("hit", data=features)
    assert torch.equal(torch.isnan(out), hits == 0)
    assert set(out[~torch.isnan(out)].tolist()) <= {0.0, 1.0, 2.0}
