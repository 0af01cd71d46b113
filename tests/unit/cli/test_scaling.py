"""Feature scaling saved with the model."""

from __future__ import annotations

import numpy as np
import pytest

from torchsom.cli.errors import CLIError
from torchsom.cli.scaling import Scaler

DATA = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 5.0], [5.0, 20.0, 5.0]])


def test_standard_minmax_and_none() -> None:
    standard = Scaler.fit("standard", DATA)
    scaled = standard.transform(DATA)
    np.testing.assert_allclose(scaled[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled[:, :2].std(axis=0), 1)
    assert standard.scale[2] == 1.0 and (scaled[:, 2] == 0).all()  # constant feature
    minmax = Scaler.fit("minmax", DATA).transform(DATA)
    assert minmax[:, 0].tolist() == [0.0, 0.5, 1.0] and minmax[:, 1].tolist() == [0, 1, 0.5]
    np.testing.assert_array_equal(Scaler.fit("none", DATA).transform(DATA), DATA)
    with pytest.raises(CLIError, match="--scale 'log' is not known"):
        Scaler.fit("log", DATA)


def test_inverse_and_round_trip_through_a_dict() -> None:
    scaler = Scaler.fit("standard", DATA)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(DATA)), DATA)
    again = Scaler.from_dict(scaler.to_dict(), 3)
    np.testing.assert_array_equal(again.offset, scaler.offset)
    assert again.method == "standard"
    with pytest.raises(CLIError, match="does not fit its 2 features"):
        Scaler.from_dict(scaler.to_dict(), 2)
    with pytest.raises(CLIError, match="malformed"):
        Scaler.from_dict({"method": "standard"}, 3)
