"""Exhaustive search over small structures: the ground truth for soundness tests.

:func:`structures` enumerates *every* interpretation of a signature's functions and constants at a
given number of processes ``n``:

* processes are ``0 .. n-1``; each value sort gets the domain ``range(domain_size)`` (an ordered
  sort is ordered as the ints);
* Int-valued functions and constants range over ``int_values``, Bool-valued ones over both
  truth values, Proc-valued ones over the processes, Set(Proc)-valued ones (``HO``) over all
  ``2^n`` subsets;
* arguments of sort Proc range over the processes, of a value sort over its domain, of sort Bool
  over both truth values, and of sort **Int over** ``int_values`` **only**: a function with an Int
  argument is interpreted on ``int_values`` alone, and evaluating it elsewhere raises
  :class:`~logic.evaluate.EvaluationError`.

The number of structures is the product, over every table entry and constant, of the size of its
range (:func:`count_structures` computes it without enumerating). :func:`find_model` searches
``n = 1 .. max_n`` for a model of a formula, enumerating only the symbols and free variables the
formula mentions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from logic.errors import SortError
from logic.evaluate import compile_term
from logic.signature import Signature
from logic.sorts import FunctionSymbol, Sort, SortKind
from logic.structure import Structure, Value
from logic.terms import Op, Term, free_vars, subterms

__all__ = ["structures", "count_structures", "find_model", "search_size", "SearchLimitExceeded"]


class SearchLimitExceeded(RuntimeError):
    """:func:`find_model` reached its ``limit`` of structures without finding a model.

    Not a verdict: the formula may or may not have a model in the searched space.
    """


def _subsets(n: int) -> tuple[frozenset[int], ...]:
    return tuple(frozenset(i for i in range(n) if mask >> i & 1) for mask in range(1 << n))


@dataclass(frozen=True)
class _Space:
    """The interpretations of some functions and constants at ``n`` processes.

    Every table entry and every constant is a *cell* with a finite range of values; a structure
    is one choice per cell.
    """

    n: int
    domains: Mapping[Sort, tuple[int, ...]]
    functions: tuple[tuple[FunctionSymbol, tuple[tuple[Value, ...], ...]], ...]  # (f, arg tuples)
    constants: tuple[str, ...]
    cells: tuple[tuple[Value, ...], ...]  # the ranges: function entries first, then constants

    @staticmethod
    def build(n: int, functions: Iterable[FunctionSymbol], constants: Mapping[str, Sort],
              value_sorts: Iterable[Sort], domain_size: int,
              int_values: Sequence[int]) -> _Space:
        if n < 1:
            raise ValueError(f"the number of processes must be at least 1, not {n}")
        if domain_size < 1:
            raise ValueError(f"a value sort needs at least one element, not {domain_size}")
        if any(isinstance(v, bool) or not isinstance(v, int) for v in int_values):
            raise ValueError(f"int_values must be ints, found {tuple(int_values)!r}")
        ints = tuple(dict.fromkeys(int_values))
        domain = tuple(range(domain_size))
        subsets: tuple[frozenset[int], ...] | None = None
        funcs = sorted(functions, key=lambda f: (f.name, f.version or ""))
        consts = sorted(constants.items())
        sorts = {s for s in value_sorts if s.is_value}
        for f in funcs:
            sorts.update(s for s in (*f.domain, f.codomain) if s.is_value)
        sorts.update(s for _, s in consts if s.is_value)

        def values(sort: Sort) -> tuple[Value, ...]:
            nonlocal subsets
            kind = sort.kind
            if kind is SortKind.PROC:
                return tuple(range(n))
            if kind is SortKind.BOOL:
                return (False, True)
            if kind is SortKind.INT:
                return ints
            if kind is SortKind.VALUE:
                return domain
            if subsets is None:
                subsets = _subsets(n)
            return subsets

        tables: list[tuple[FunctionSymbol, tuple[tuple[Value, ...], ...]]] = []
        cells: list[tuple[Value, ...]] = []
        for f in funcs:
            args = tuple(itertools.product(*[values(s) for s in f.domain]))
            tables.append((f, args))
            cells.extend(values(f.codomain) for _ in args)
        cells.extend(values(s) for _, s in consts)
        return _Space(n, {s: domain for s in sorted(sorts, key=lambda s: s.name)}, tuple(tables),
                      tuple(name for name, _ in consts), tuple(cells))

    def count(self) -> int:
        total = 1
        for c in self.cells:
            total *= len(c)
        return total

    def __iter__(self) -> Iterator[Structure]:
        slices: list[tuple[FunctionSymbol, tuple[tuple[Value, ...], ...], int, int]] = []
        at = 0
        for f, args in self.functions:
            slices.append((f, args, at, at + len(args)))
            at += len(args)
        names = self.constants
        for choice in itertools.product(*self.cells):
            yield Structure(
                self.n, self.domains,
                {f: dict(zip(args, choice[lo:hi], strict=True)) for f, args, lo, hi in slices},
                dict(zip(names, choice[at:], strict=True)))


def _signature_space(signature: Signature, n: int, domain_size: int, int_values: Sequence[int],
                     constants: Mapping[str, Sort] | None) -> _Space:
    consts = {**signature.constants, **(constants or {})}
    return _Space.build(n, signature.functions.values(), consts, signature.sorts.values(),
                        domain_size, int_values)


def structures(signature: Signature, n: int, *, domain_size: int = 2,
               int_values: Sequence[int] = (0, 1),
               constants: Mapping[str, Sort] | None = None) -> Iterator[Structure]:
    """Every interpretation of ``signature`` (its functions and constants) at ``n`` processes.

    ``constants`` declares further constants to interpret (overriding the signature's sorts).
    Only the declared functions are interpreted, not their versioned copies (``old(x)``, ``x'``);
    :func:`find_model` interprets exactly what a formula mentions. See the module docstring for
    the ranges; the order is deterministic.
    """
    return iter(_signature_space(signature, n, domain_size, int_values, constants))


def count_structures(signature: Signature, n: int, *, domain_size: int = 2,
                     int_values: Sequence[int] = (0, 1),
                     constants: Mapping[str, Sort] | None = None) -> int:
    """How many structures :func:`structures` yields for the same arguments (computed)."""
    return _signature_space(signature, n, domain_size, int_values, constants).count()


def _vocabulary(formula: Term, signature: Signature
                ) -> tuple[list[FunctionSymbol], dict[str, Sort], set[Sort]]:
    """The function symbols, free variables (as constants) and value sorts ``formula`` uses.

    A symbol the signature declares (by name) must agree with the declaration; symbols and
    variables the signature does not declare are interpreted all the same.
    """
    functions: dict[FunctionSymbol, None] = {}
    sorts: set[Sort] = set()
    for t in subterms(formula):
        sorts.update(s for s in (t.sort, *(v.sort for v in t.bound_vars)) if s.is_value)
        if t.op is Op.APP:
            f: FunctionSymbol = t.payload
            declared = signature.functions.get(f.name)
            if declared is not None and declared != f.versioned(None):
                raise SortError(f"{f.display_name} is used as {f} but declared as {declared}")
            functions[f] = None
    constants: dict[str, Sort] = {}
    for v in sorted(free_vars(formula), key=lambda v: (v.payload, v.sort.name)):
        if v.payload in constants:
            raise SortError(f"the free variable {v.payload!r} is used with two sorts: "
                            f"{constants[v.payload]} and {v.sort}")
        constants[v.payload] = v.sort
    return list(functions), constants, sorts


def _formula_space(formula: Term, signature: Signature, n: int, domain_size: int,
                   int_values: Sequence[int]) -> _Space:
    functions, constants, sorts = _vocabulary(formula, signature)
    return _Space.build(n, functions, constants, sorts, domain_size, int_values)


def search_size(formula: Term, signature: Signature, *, max_n: int = 4, domain_size: int = 2,
                int_values: Sequence[int] = (0, 1, 2)) -> int:
    """How many structures :func:`find_model` examines at most for the same arguments."""
    return sum(_formula_space(formula, signature, n, domain_size, int_values).count()
               for n in range(1, max_n + 1))


def find_model(formula: Term, signature: Signature, *, max_n: int = 4, domain_size: int = 2,
               int_values: Sequence[int] = (0, 1, 2), limit: int | None = None,
               int_range: range | None = None) -> Structure | None:
    """The first structure (``n = 1 .. max_n`` in order) in which ``formula`` holds, else ``None``.

    Only the function symbols (versioned copies included) and free variables of ``formula`` are
    interpreted, over the ranges described in the module docstring. ``None`` means: no model in
    this finite space (not: unsatisfiable). ``limit`` caps the number of structures examined; on
    reaching it without a model :class:`SearchLimitExceeded` is raised (never a silent ``None``).
    ``int_range`` is passed to the evaluator for quantifiers over Int.
    """
    if not formula.is_formula:
        raise SortError(f"find_model needs a formula, found a term of sort {formula.sort}")
    program = compile_term(formula)
    examined = 0
    for n in range(1, max_n + 1):
        for s in _formula_space(formula, signature, n, domain_size, int_values):
            if limit is not None and examined >= limit:
                raise SearchLimitExceeded(f"no model among the first {limit} structures "
                                          f"(reached n = {n})")
            examined += 1
            if program.holds(s, int_range=int_range):
                return s
    return None
