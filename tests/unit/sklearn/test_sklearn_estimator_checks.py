"""scikit-learn's own estimator checks (``parametrize_with_checks``) on the four estimators.

Every check runs except the ones listed in ``SKIPPED``, each with the reason it cannot
apply; ``test_skipped_check_really_fails`` proves the list is not stale. (scikit-learn
itself skips its array-API checks unless ``SCIPY_ARRAY_API`` is set.)
"""

from __future__ import annotations

from functools import partial

import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from torchsom.sklearn import SOMClassifier, SOMClusterer, SOMRegressor, SOMTransformer

ESTIMATORS = [SOMTransformer(device="cpu"), SOMClusterer(device="cpu"),
              SOMClassifier(device="cpu"), SOMRegressor(device="cpu")]

#: check name -> why it cannot apply to a map
SKIPPED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "sample_weight weights each row's vote / target in the per-neuron labelling; the "
        "map itself is trained on the rows unweighted (the training engine takes no "
        "weights), so repeating a row moves the codebook while weighting it does not"
    ),
}


def _name(check) -> str:
    return check.func.__name__ if isinstance(check, partial) else check.__name__


@parametrize_with_checks(ESTIMATORS)
def test_estimator_passes_sklearn_check(estimator, check) -> None:
    if _name(check) in SKIPPED:
        pytest.skip(SKIPPED[_name(check)])
    check(estimator)


@pytest.mark.parametrize("estimator", [SOMClassifier(device="cpu"), SOMRegressor(device="cpu")],
                         ids=lambda e: type(e).__name__)
def test_skipped_check_really_fails(estimator) -> None:
    """The skip list is not stale: the sample-weight equivalence check does fail."""
    with pytest.raises(AssertionError, match="not equivalent to fitting with removed"):
        check_sample_weight_equivalence_on_dense_data(type(estimator).__name__, estimator)
