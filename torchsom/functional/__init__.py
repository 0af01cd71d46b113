"""Pure tensor kernels: distances, neighbourhoods, schedules, search, metrics, training."""

from torchsom.functional.decay import DECAY_FUNCTIONS, LR_DECAY_FUNCTIONS, SIGMA_DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS, PAIRWISE_DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS

__all__ = [
    "DECAY_FUNCTIONS",
    "LR_DECAY_FUNCTIONS",
    "SIGMA_DECAY_FUNCTIONS",
    "DISTANCE_FUNCTIONS",
    "PAIRWISE_DISTANCE_FUNCTIONS",
    "NEIGHBORHOOD_FUNCTIONS",
]
