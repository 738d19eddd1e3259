"""The exception hierarchy of hoverify (the ``logic`` package has its own).

Every error a user can cause by a malformed model, a bad adversary specification or a bad
command-line value is a :class:`HoverifyError`. It carries, where known, the file, line and column
it refers to, and ``str()`` renders ``file:line:column: message`` so the CLI can print it as is,
never a traceback.
"""

from __future__ import annotations


class HoverifyError(Exception):
    """Base class of every error hoverify raises on bad input."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    @property
    def location(self) -> str | None:
        if self.file is None:
            return None
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.message}" if loc else self.message


class ModelError(HoverifyError):
    """A model cannot be loaded or misbehaves when run (wrong declarations, a failing round)."""


class CompileError(ModelError):
    """A model's ``init``/``send``/``update`` code is outside the supported subset."""


class AdversaryError(HoverifyError):
    """An adversary specification is malformed, or cannot respect the model's HO assumptions."""


__all__ = ["HoverifyError", "ModelError", "CompileError", "AdversaryError"]
