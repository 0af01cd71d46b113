"""The small map that the training tests share: 5×4, 4 features, 3 epochs, batches of 16."""

from __future__ import annotations

from torchsom import SOM

F = 4


def small_som(**settings) -> SOM:
    """``SOM(x=5, y=4, num_features=4, epochs=3, batch_size=16, random_seed=1, device="cpu")``
    with ``settings`` replacing any of these."""
    values = dict(x=5, y=4, num_features=F, epochs=3, batch_size=16, random_seed=1,
                  device="cpu")
    values.update(settings)
    return SOM(**values)
