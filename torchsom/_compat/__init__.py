"""Adapters that keep code written for earlier releases working.

Anything here has behaviour of its own (a different calling convention forwarded to the
current API); ``torchsom.utils`` re-exports it under the old module paths and holds no
logic itself (the architecture test checks both).

* :mod:`~torchsom._compat.maps`: ``MAP_FUNCTIONS`` and the ``build_*_map`` functions
  (the map first);
* :mod:`~torchsom._compat.metrics`: the ``calculate_*`` quality functions;
* :mod:`~torchsom._compat.clustering`: ``extract_clustering_features`` and the
  ``_determine_optimal_*`` helpers;
* :mod:`~torchsom._compat.grid`: ``create_mesh_grid``, ``adjust_meshgrid_topology``;
* :mod:`~torchsom._compat.hexagonal`: the hexagonal coordinate helpers and the drawing
  geometry of ``torchsom.visualization.hexagonal_utils`` (whose matplotlib patch builders
  stay in the visualization layer);
* :mod:`~torchsom._compat.som_methods`: the bodies of ``SOM._vectorized_neighborhood``
  and ``SOM._update_weights``.

Elsewhere, compatibility is a signature rather than code: ``SOM.fit(data, verbose)``,
the error classes that are also the exceptions older code caught
(:mod:`torchsom.exceptions`), the 1.x wording kept at the start of error messages.
"""
