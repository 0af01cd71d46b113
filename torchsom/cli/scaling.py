"""Feature scaling done by ``torchsom fit`` and undone for reports: kept with the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from torchsom.cli.errors import CLIError

__all__ = ["SCALINGS", "Scaler"]

#: ``--scale`` choices
SCALINGS = ("standard", "minmax", "none")


@dataclass
class Scaler:
    """``(data - offset) / scale`` per feature.

    ``standard`` centres on the mean and divides by the standard deviation (ddof 0);
    ``minmax`` maps the smallest value to 0 and the largest to 1; ``none`` keeps the
    data. Constant features get a scale of 1.

    Attributes
    ----------
    method : {"standard", "minmax", "none"}
    offset, scale : numpy.ndarray
        Shape (n_features,), float64.
    """

    method: str
    offset: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, method: str, data: np.ndarray) -> Scaler:
        """The scaler of ``method`` for ``data`` of shape (n_rows, n_features)."""
        if method not in SCALINGS:
            raise CLIError(f"--scale {method!r} is not known; expected one of "
                           f"{', '.join(SCALINGS)}.")
        n_features = data.shape[1]
        if method == "standard":
            offset, scale = data.mean(axis=0), data.std(axis=0)
        elif method == "minmax":
            offset, scale = data.min(axis=0), data.max(axis=0) - data.min(axis=0)
        else:
            offset, scale = np.zeros(n_features), np.ones(n_features)
        scale = np.where(scale > 0, scale, 1.0)
        return cls(method, offset.astype(np.float64), scale.astype(np.float64))

    def transform(self, data: np.ndarray) -> np.ndarray:
        """Scaled copy of ``data`` (n_rows, n_features)."""
        return (data - self.offset) / self.scale

    def inverse_transform(self, data: np.ndarray) -> np.ndarray:
        """``data`` (…, n_features) back in the original units."""
        return data * self.scale + self.offset

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "offset": self.offset.tolist(),
                "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, stored: dict[str, Any], n_features: int) -> Scaler:
        """The scaler saved by :meth:`to_dict`.

        Raises
        ------
        CLIError
            If ``stored`` is malformed or not for ``n_features`` features.
        """
        try:
            offset = np.asarray(stored["offset"], dtype=np.float64)
            scale = np.asarray(stored["scale"], dtype=np.float64)
            method = str(stored["method"])
        except (KeyError, TypeError, ValueError):
            raise CLIError("the model file's scaler settings are malformed.") from None
        if offset.shape != (n_features,) or scale.shape != (n_features,) or not (
                np.isfinite(offset).all() and np.isfinite(scale).all() and (scale > 0).all()):
            raise CLIError(f"the model file's scaler does not fit its {n_features} features.")
        return cls(method, offset, scale)
