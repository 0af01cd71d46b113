"""The read-only name → callable registries and the option-name checks."""

from __future__ import annotations

import pytest

from torchsom._registry import Registry, check_choice, closest_match
from torchsom.exceptions import InvalidParameterError


def test_registry_is_a_read_only_mapping() -> None:
    registry = Registry("colour function", {"red": abs, "blue": round})
    assert repr(registry) == "Registry('colour function', ['blue', 'red'])"
    assert len(registry) == 2 and sorted(registry) == ["blue", "red"]
    assert registry["red"] is abs
    assert registry.resolve("colour", "blue") is round
    assert registry.resolve("colour", max) is max  # callables pass straight through
    with pytest.raises(InvalidParameterError, match=r"colour='rde' is not valid; expected one "
                       r"of 'blue', 'red'. Did you mean 'red'\?"):
        registry.resolve("colour", "rde")
    with pytest.raises(TypeError):
        registry["green"] = min  # type: ignore[index]


def test_choice_helpers() -> None:
    assert closest_match(3, ["a"]) is None
    assert closest_match("zzz", ["abc"]) is None
    with pytest.raises(InvalidParameterError, match=r"^Lead: mode=None is not valid"):
        check_choice("mode", None, ("a",), "Lead")
