"""The exception hierarchy of the logic package.

Every error a user can cause (bad notation, unknown symbols, sort errors, formulas outside the
decidable fragment) is a :class:`LogicError`; it carries an optional source location and says what
was expected. Nothing else is meant to escape the public entry points on malformed input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    """A 1-based line and column in a named source (a file, a model attribute, ``<string>``)."""

    line: int
    column: int
    source: str = "<string>"

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"


class LogicError(Exception):
    """Base class of every error raised by :mod:`logic` on bad input."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def with_location(self, location: SourceLocation) -> LogicError:
        """A copy of this error located at ``location`` (kept if already located)."""
        if self.location is not None:
            return self
        return type(self)(self.message, location)

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class ParseError(LogicError):
    """The text is not in the notation: says what was found and what was expected."""


class UnknownSymbolError(LogicError):
    """A name that the signature does not declare."""


class SortError(LogicError):
    """A term of the wrong sort: says which sort was expected and which was found."""


class UnsupportedError(LogicError):
    """A well-formed formula outside the fragment the decision procedure handles."""


class TooManyInstances(UnsupportedError):
    """The reduction needed more quantifier instances than allowed. ``before_layers``: it
    happened while the input's own terms were instantiated, before any Venn layer was built, so
    every reduction with the same depth and trigger settings (whatever its layers) overflows the
    same way."""

    def __init__(self, message: str, *, before_layers: bool) -> None:
        super().__init__(message)
        self.before_layers = before_layers


class BackendError(LogicError):
    """A backend is not installed or cannot be used (not a verdict: see ``Answer.UNKNOWN``)."""
