"""The lazy package root: each public name imports its module on first use, once."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import torchsom


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("name", sorted(torchsom._EXPORTS))
def test_each_public_name_is_the_object_of_its_module(name: str) -> None:
    module = importlib.import_module(torchsom._EXPORTS[name])
    assert getattr(torchsom, name) is getattr(module, name)
    assert name in torchsom.__all__


def test_a_name_is_resolved_once_then_kept_in_the_module() -> None:
    # a fresh interpreter: nothing resolved yet, then the looked-up value is stored
    out = _run("import torchsom; before = 'SOM' in vars(torchsom); torchsom.SOM; "
               "print(before, 'SOM' in vars(torchsom), 'SOMVisualizer' in vars(torchsom))")
    assert out == "False True False"


@pytest.mark.parametrize("name", sorted(torchsom._SUBPACKAGES))
def test_subpackages_are_reachable_as_attributes(name: str) -> None:
    module = getattr(torchsom, name)
    assert module is importlib.import_module(f"torchsom.{name}")


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'torchsom' has no attribute 'Som'$"):
        torchsom.Som  # noqa: B018
    assert not hasattr(torchsom, "visualisation")


def test_dir_lists_public_names_and_subpackages() -> None:
    listed = dir(torchsom)
    assert listed == sorted(listed)
    assert set(torchsom.__all__) <= set(listed)
    assert set(torchsom._SUBPACKAGES) <= set(listed)


def test_every_name_in_all_can_be_imported_from_the_root() -> None:
    out = _run("from torchsom import *; import torchsom; "
               "print(all(n in globals() for n in torchsom.__all__))")
    assert out == "True"
