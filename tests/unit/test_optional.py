"""Optional packages: a cheap availability check, and an import that names the extra
to install when the package is missing."""

from __future__ import annotations

import pytest

from torchsom._optional import import_optional, is_available


def test_is_available() -> None:
    assert is_available("json")
    assert not is_available("torchsom_no_such_module")
    assert not is_available(".relative")  # find_spec raises: reported as unavailable


def test_import_optional() -> None:
    assert import_optional("json", "JSON output").dumps([1]) == "[1]"
    with pytest.raises(ImportError, match=r"Fancy plots needs the optional package "
                       r"'torchsom_no_such_module'.*pip install "
                       r"\"torchsom\[torchsom_no_such_module\]\""):
        import_optional("torchsom_no_such_module", "Fancy plots")


@pytest.mark.skipif(is_available("faiss"), reason="needs a machine without faiss")
def test_import_optional_names_the_extra() -> None:
    with pytest.raises(ImportError, match=r'pip install "torchsom\[faiss\]"'):
        import_optional("faiss", "The FAISS backend")
