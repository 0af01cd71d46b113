"""Optional dependencies: availability checks and imports that explain themselves."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

__all__ = ["EXTRAS", "is_available", "import_optional"]

#: package import name → pip extra that installs it
EXTRAS = {"faiss": "faiss", "pyarrow": "parquet", "yaml": "yaml", "numba": "fast"}


def is_available(module: str) -> bool:
    """Return True when ``module`` can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def import_optional(module: str, feature: str) -> ModuleType:
    """Import ``module`` or raise an ImportError naming ``feature`` and the pip extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS.get(module, module)
        raise ImportError(
            f"{feature} needs the optional package '{module}', which is not installed. "
            f'Install it with: pip install "torchsom[{extra}]"'
        ) from None
