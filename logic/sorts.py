"""Sorts and function symbols of the cardinality logic.

* ``PROC``: the finite set of processes, of size ``n`` (``n >= 1``);
* ``INT`` and ``BOOL``;
* value sorts: uninterpreted, optionally totally ordered (``value_sort("Val", ordered=True)``);
* ``SET_PROC``: sets of processes (the only set sort: comprehensions range over processes).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from logic.errors import SortError


class SortKind(enum.Enum):
    # members are singletons compared by identity: hash them so too (Enum's own __hash__ hashes
    # the member's name, in Python, on every use)
    __hash__ = object.__hash__

    PROC = "proc"
    INT = "int"
    BOOL = "bool"
    VALUE = "value"
    SET = "set"


@dataclass(frozen=True)
class Sort:
    """A sort. Value sorts are distinguished by name; ``ordered`` allows ``<`` on them."""

    name: str
    kind: SortKind
    ordered: bool = False
    # sorts key every term node (logic.terms): their hash is computed once
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.name, self.kind, self.ordered)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[Sort], tuple[str, SortKind, bool]]:
        # rebuilt, not restored: the cached hash belongs to the process that computed it
        return (Sort, (self.name, self.kind, self.ordered))

    def __str__(self) -> str:
        return self.name

    @property
    def is_arith(self) -> bool:
        return self.kind is SortKind.INT

    @property
    def is_bool(self) -> bool:
        return self.kind is SortKind.BOOL

    @property
    def is_set(self) -> bool:
        return self.kind is SortKind.SET

    @property
    def is_proc(self) -> bool:
        return self.kind is SortKind.PROC

    @property
    def is_value(self) -> bool:
        return self.kind is SortKind.VALUE

    @property
    def is_comparable(self) -> bool:
        """Whether ``<``, ``<=``, ... apply: integers and ordered value sorts."""
        return self.kind is SortKind.INT or (self.kind is SortKind.VALUE and self.ordered)


PROC = Sort("Proc", SortKind.PROC)
INT = Sort("Int", SortKind.INT)
BOOL = Sort("Bool", SortKind.BOOL)
SET_PROC = Sort("Set(Proc)", SortKind.SET)

_RESERVED = {"Proc", "Int", "Bool", "Set(Proc)", "Set"}


def value_sort(name: str, ordered: bool = False) -> Sort:
    """An uninterpreted value sort; ``ordered=True`` makes it totally ordered."""
    if not name.isidentifier() or name in _RESERVED:
        raise SortError(f"{name!r} cannot name a value sort: expected an identifier other than "
                        f"{', '.join(sorted(_RESERVED))}")
    return Sort(name, SortKind.VALUE, ordered)


@dataclass(frozen=True)
class FunctionSymbol:
    """An uninterpreted function ``name: domain -> codomain`` (``domain == ()`` for constants).

    ``version`` distinguishes copies of a state variable in a verification condition: ``None``
    for the current state, ``"old"`` and ``"init"`` for the pre-round and initial state,
    ``"next"`` for the post-state (printed ``x'``).
    """

    name: str
    domain: tuple[Sort, ...]
    codomain: Sort
    version: str | None = None
    # symbols key every application node (logic.terms): their hash is computed once
    _hash: int = field(init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[FunctionSymbol],
                                  tuple[str, tuple[Sort, ...], Sort, str | None]]:
        # rebuilt, not restored: the cached hash belongs to the process that computed it
        return (FunctionSymbol, (self.name, self.domain, self.codomain, self.version))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash",
                           hash((self.name, self.domain, self.codomain, self.version)))
        if self.codomain.is_set and self.domain != (PROC,) and self.domain != ():
            dom = ", ".join(map(str, self.domain))
            raise SortError(f"function {self.name}: a set-valued function must take one process "
                            f"(like HO: Proc -> Set(Proc)), not ({dom})")
        for s in self.domain:
            if s.is_set:
                raise SortError(f"function {self.name}: arguments of sort {s} are not supported; "
                                f"expected Proc, Int, Bool or a value sort")

    @property
    def arity(self) -> int:
        return len(self.domain)

    def versioned(self, version: str | None) -> FunctionSymbol:
        """The same symbol for another copy of the state (``old``, ``init``, ``next``)."""
        return FunctionSymbol(self.name, self.domain, self.codomain, version)

    @property
    def display_name(self) -> str:
        if self.version is None:
            return self.name
        if self.version == "next":
            return self.name + "'"
        return f"{self.version}({self.name})"

    def __str__(self) -> str:
        dom = " x ".join(map(str, self.domain)) if self.domain else "()"
        return f"{self.display_name}: {dom} -> {self.codomain}"
