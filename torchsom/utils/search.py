"""Compatibility path: ``torchsom.utils.search`` *is* :mod:`torchsom.search`.

The module object itself is replaced, so reading or patching ``FAISS_AVAILABLE`` or
``faiss`` through either path changes the same globals.
"""

import sys

import torchsom.search as _search

sys.modules[__name__] = _search
