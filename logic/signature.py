"""Signatures: the sorts, constants and function symbols a formula may mention.

A signature is what the parser type-checks against and what the evaluator and the model decoder
interpret. It is immutable; ``extend`` returns a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from logic.errors import SortError, UnknownSymbolError
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, Sort, SortKind, value_sort
from logic.terms import Term, Var

BUILTIN_SORTS: Mapping[str, Sort] = MappingProxyType(
    {"Proc": PROC, "Int": INT, "Bool": BOOL, "Set(Proc)": SET_PROC})


@dataclass(frozen=True)
class Signature:
    """Named value sorts, constants (free variables) and function symbols.

    ``versions`` lists the state-copy tags the notation accepts, e.g. ``("old", "init")`` lets a
    formula write ``old(x)(i)`` and ``init(x)(i)`` for any declared function ``x``; ``"next"``
    lets it write ``x'(i)``.
    """

    sorts: Mapping[str, Sort] = field(default_factory=dict)
    constants: Mapping[str, Sort] = field(default_factory=dict)
    functions: Mapping[str, FunctionSymbol] = field(default_factory=dict)
    versions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sorts", MappingProxyType(dict(self.sorts)))
        object.__setattr__(self, "constants", MappingProxyType(dict(self.constants)))
        object.__setattr__(self, "functions", MappingProxyType(dict(self.functions)))
        clash = set(self.constants) & set(self.functions)
        if clash:
            raise SortError(f"names declared both as constant and function: {sorted(clash)}")
        for name, s in self.sorts.items():
            if s.kind is not SortKind.VALUE or s.name != name:
                raise SortError(f"sort {name!r}: only value sorts are declared by name")
        if "n" in self.constants or "n" in self.functions:
            raise SortError("'n' is reserved for the number of processes")

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.sorts.items())), tuple(sorted(self.constants.items())),
                     tuple(sorted(self.functions.items())), self.versions))

    # ---- construction ---------------------------------------------------------------------
    @staticmethod
    def build(*, sorts: Iterable[Sort] = (), constants: Mapping[str, Sort] | None = None,
              functions: Iterable[FunctionSymbol] = (), versions: Iterable[str] = ()) -> Signature:
        return Signature({s.name: s for s in sorts}, dict(constants or {}),
                         {f.name: f for f in functions}, tuple(versions))

    def extend(self, *, sorts: Iterable[Sort] = (), constants: Mapping[str, Sort] | None = None,
               functions: Iterable[FunctionSymbol] = (),
               versions: Iterable[str] = ()) -> Signature:
        return Signature({**self.sorts, **{s.name: s for s in sorts}},
                         {**self.constants, **(constants or {})},
                         {**self.functions, **{f.name: f for f in functions}},
                         tuple(dict.fromkeys((*self.versions, *versions))))

    # ---- look-ups -------------------------------------------------------------------------
    def sort(self, name: str) -> Sort:
        if name in BUILTIN_SORTS:
            return BUILTIN_SORTS[name]
        s = self.sorts.get(name)
        if s is None:
            known = ", ".join([*BUILTIN_SORTS, *self.sorts])
            raise UnknownSymbolError(f"unknown sort {name!r}; expected one of: {known}")
        return s

    def constant(self, name: str) -> Term:
        s = self.constants.get(name)
        if s is None:
            raise UnknownSymbolError(f"unknown constant {name!r}")
        return Var(name, s)

    def function(self, name: str, version: str | None = None) -> FunctionSymbol:
        f = self.functions.get(name)
        if f is None:
            raise UnknownSymbolError(f"unknown function {name!r}")
        if version is not None:
            if version not in self.versions:
                allowed = ", ".join(self.versions) or "none"
                raise UnknownSymbolError(f"{version}({name}) is not available here; state "
                                         f"copies allowed: {allowed}")
            return f.versioned(version)
        return f

    def names(self) -> list[str]:
        return sorted([*self.constants, *self.functions])


def ho_signature(*extra: FunctionSymbol, values: Iterable[Sort] = (),
                 constants: Mapping[str, Sort] | None = None,
                 versions: Iterable[str] = ()) -> Signature:
    """A convenience signature with ``HO: Proc -> Set(Proc)`` plus the given symbols."""
    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    return Signature.build(sorts=values, constants=constants, functions=(ho, *extra),
                           versions=versions)


__all__ = ["Signature", "ho_signature", "BUILTIN_SORTS", "value_sort"]
