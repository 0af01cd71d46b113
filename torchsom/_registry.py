"""Read-only name → callable registries with helpful lookup errors."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from torchsom.exceptions import InvalidParameterError

__all__ = ["Registry", "closest_match", "check_choice"]


def closest_match(value: object, choices: list[str] | tuple[str, ...]) -> str | None:
    """Return the choice closest to ``value`` (for "did you mean" hints), or None."""
    if not isinstance(value, str):
        return None
    found = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def check_choice(
    parameter: str,
    value: object,
    choices: list[str] | tuple[str, ...],
    phrase: str | None = None,
) -> str:
    """Check that ``value`` is one of ``choices`` and return it.

    Parameters
    ----------
    parameter : str
        Name of the argument, used in the error message.
    value : object
        The value given by the user.
    choices : sequence of str
        The valid option names.
    phrase : str, optional
        A leading phrase kept for compatibility with older error messages.

    Raises
    ------
    InvalidParameterError
        If ``value`` is not one of ``choices``.
    """
    if isinstance(value, str) and value in choices:
        return value
    options = ", ".join(repr(c) for c in sorted(choices))
    hint = closest_match(value, choices)
    lead = f"{phrase}: " if phrase else ""
    message = f"{lead}{parameter}={value!r} is not valid; expected one of {options}."
    if hint is not None:
        message += f" Did you mean {hint!r}?"
    raise InvalidParameterError(message)


class Registry(Mapping[str, Callable[..., Any]]):
    """An immutable mapping from option names to functions.

    Parameters
    ----------
    kind : str
        What the entries are, e.g. ``"distance function"`` (used in messages).
    entries : Mapping[str, Callable]
        The named functions.
    """

    def __init__(self, kind: str, entries: Mapping[str, Callable[..., Any]]) -> None:
        self._kind = kind
        self._entries = dict(entries)

    def __getitem__(self, name: str) -> Callable[..., Any]:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self._kind!r}, {sorted(self._entries)})"

    def resolve(
        self, parameter: str, value: str | Callable[..., Any], phrase: str | None = None
    ) -> Callable[..., Any]:
        """Return the function for ``value``; a callable passes straight through.

        Raises
        ------
        InvalidParameterError
            If ``value`` is neither a callable nor a registered name.
        """
        if callable(value):
            return value
        return self._entries[check_choice(parameter, value, tuple(self._entries), phrase)]
