"""Command-line interface (``torchsom ...`` and ``python -m torchsom ...``)."""
