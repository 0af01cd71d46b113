"""scikit-learn estimators built on the self-organizing map.

``SOMTransformer`` (map coordinates, distances or soft activations as features),
``SOMClusterer`` (two-level clustering), ``SOMClassifier`` and ``SOMRegressor``
(supervised maps). They follow the scikit-learn estimator contract (``get_params``,
``set_params``, ``clone``, pipelines, grid search, ``set_output``) and train a
:class:`torchsom.SOM` in float64, kept in ``som_``.

This package is ``torchsom.sklearn``; inside torchsom every import is absolute, so
``import sklearn`` always means scikit-learn itself.
"""

from torchsom.sklearn.classifier import SOMClassifier
from torchsom.sklearn.clusterer import SOMClusterer
from torchsom.sklearn.regressor import SOMRegressor
from torchsom.sklearn.transformer import SOMTransformer

__all__ = ["SOMTransformer", "SOMClusterer", "SOMClassifier", "SOMRegressor"]
