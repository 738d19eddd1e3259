"""The reference semantics of the cardinality logic: evaluate a term in a finite structure.

Every model a solver returns is validated here, so this module favours exactness over cleverness:

* ``/`` is exact rational division (``2*n/3`` at ``n = 4`` is ``Fraction(8, 3)``), ``//`` is
  Python's floor division (also on fractions); integers compare with fractions exactly. A quotient
  that happens to be whole is returned as an ``int``.
* ``Proc`` quantifiers and comprehensions range over ``0 .. n-1``; value-sort quantifiers over
  ``s.domains[sort]``; ``Bool`` over ``{False, True}``; ``Set(Proc)`` over all ``2^n`` subsets;
  ``Int`` quantifiers only over an explicit ``int_range`` (otherwise :class:`UnsupportedError`).
* ``<`` on an ordered value sort compares the ints that represent its values.
* A free variable is looked up in ``env`` first, then among the structure's constants by name;
  a missing variable, table, table entry or domain is an :class:`EvaluationError`.

A term is compiled once (cached) into nested closures, then run on any number of structures; this
is what makes brute-force search (:mod:`logic.bruteforce`) affordable. Within one evaluation, every
compound subterm under a binder whose free variables are not bound by an enclosing binder is
computed once (e.g. a cardinality inside a quantifier), and shared subterms of the term DAG are
computed once per assignment of the bound variables they depend on. Deep terms are fine: the
recursion limit is raised for the duration of a call on a term deeper than ~60 levels.

The evaluator trusts the values it reads from a structure; :func:`check_structure` checks that
they are in range (processes below ``n``, value-sort elements in their domain, ...).
"""

from __future__ import annotations

import functools
import itertools
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from logic.errors import LogicError, SortError, UnsupportedError
from logic.sorts import PROC, FunctionSymbol, Sort, SortKind
from logic.structure import Structure, Value
from logic.terms import BINDERS, Op, Term, constant_value, free_vars, subterms

__all__ = ["EvaluationError", "CompiledTerm", "check_structure", "compile_term", "evaluate",
           "holds"]


class EvaluationError(LogicError, KeyError):
    """The structure (or environment) does not interpret something the term needs.

    Raised for an unbound variable, a function the structure has no table for, an argument tuple
    missing from a table, and a value sort without a domain. It is a :class:`KeyError` too.
    """


class _Unset:
    """Marker for "this variable had no binding before the binder assigned it"."""


_UNSET: Any = _Unset()


class _Ctx:
    """The state of one evaluation.

    ``tables[k]`` is the structure's table of the ``k``-th function symbol of the compiled term
    (``None`` if it has none); ``vals[k]`` the current value of the ``k``-th bound variable;
    ``env`` the caller's bindings of free variables; ``memo`` the values computed so far.
    """

    __slots__ = ("s", "n", "tables", "vals", "constants", "env", "memo", "int_range", "_subsets")

    def __init__(self, s: Structure, symbols: tuple[FunctionSymbol, ...], nvars: int,
                 env: Mapping[Term, Value] | None, int_range: range | None) -> None:
        self.s = s
        self.n = s.n
        functions = s.functions
        self.tables = [functions.get(f) for f in symbols]
        self.vals: list[Any] = [_UNSET] * nvars
        self.constants = s.constants
        self.env: Mapping[Term, Value] = env if env is not None else {}
        self.memo: dict[Any, Value] = {}
        self.int_range = int_range
        self._subsets: tuple[frozenset[int], ...] | None = None

    def subsets(self) -> tuple[frozenset[int], ...]:
        if self._subsets is None:
            procs = range(self.n)
            self._subsets = tuple(frozenset(i for i in procs if mask >> i & 1)
                                  for mask in range(1 << self.n))
        return self._subsets


_Fn = Callable[[_Ctx], Any]
_Domain = Callable[[_Ctx], Iterable[Any]]


def _binder_text(t: Term) -> str:
    bound = ", ".join(f"{v.payload}: {v.sort}" for v in t.bound_vars)
    return f"{t.op.value} {bound}"


def _missing_entry(table: Mapping[tuple[Value, ...], Value] | None, f: FunctionSymbol,
                   args: tuple[Value, ...]) -> EvaluationError:
    if table is None:
        return EvaluationError(f"the structure does not interpret the function {f.display_name}")
    shown = ", ".join(repr(a) for a in args)
    return EvaluationError(f"the structure does not define {f.display_name}({shown})")


def _domain(t: Term, v: Term) -> _Domain:
    """The range of the bound variable ``v`` of the binder ``t``, as a function of the context."""
    sort = v.sort
    kind = sort.kind
    if kind is SortKind.PROC:
        return lambda c: range(c.n)
    if kind is SortKind.BOOL:
        both = (False, True)
        return lambda c: both
    if kind is SortKind.SET:
        return lambda c: c.subsets()
    if kind is SortKind.VALUE:
        def value_domain(c: _Ctx) -> Iterable[Any]:
            dom = c.s.domains.get(sort)
            if dom is None:
                raise EvaluationError(f"the structure gives no domain for the value sort {sort}, "
                                      f"needed by '{_binder_text(t)}'")
            return dom
        return value_domain
    what = _binder_text(t)
    generic = _is_generic(t.args[0], v)
    ordered = None if generic else _order_generic(t.args[0], v)

    def int_domain(c: _Ctx) -> Iterable[Any]:
        if c.int_range is not None:
            return c.int_range
        if generic:
            return _active_ints(c)
        if ordered is not None:
            return _order_types(c, ordered)
        raise UnsupportedError(f"cannot evaluate the quantifier '{what}': a quantifier over "
                               f"Int needs a finite int_range")
    return int_domain


def _is_generic(body: Term, v: Term) -> bool:
    """Whether the integer variable ``v`` occurs in ``body`` only as one side of equations whose
    other side is a function application (or an if-then-else of them) not mentioning ``v``.

    Then every atom with ``v`` is false for every value of ``v`` outside the integers the
    structure mentions (the *active domain*: an application's value is in its table), so all
    such values give ``body`` the same truth value and one fresh integer stands for them all:
    the quantifier can be evaluated exactly over the active domain plus that one value.
    """
    stack: list[tuple[Term, Term | None]] = [(body, None)]
    while stack:
        node, parent = stack.pop()
        if node is v:
            if parent is None or parent.op is not Op.EQ:
                return False
            other = parent.args[1] if parent.args[0] is v else parent.args[0]
            if v in free_vars(other) or not _tabulated(other):
                return False
            continue
        if node.op in BINDERS and v in node.bound_vars:
            continue  # shadowed
        stack.extend((a, node) for a in node.args)
    return True


def _order_generic(body: Term, v: Term) -> frozenset[int] | None:
    """If the integer variable ``v`` occurs in ``body`` only as one side of comparisons (``=``,
    ``<``, ``<=``, ``>``, ``>=``) whose other side does not mention ``v`` and is a function
    application (or an if-then-else of them), an integer literal, or a variable bound outside
    ``body`` (whose value is known when ``v``'s range is chosen): the literals (else ``None``).

    Then each atom with ``v`` only depends on where ``v`` lies relative to the values of the
    other sides, which are in the active domain (or are the literals); every integer has the same
    order type as one of ``a - 1``, ``a``, ``a + 1`` for such a value ``a``, so the quantifier
    can be evaluated exactly over those (see :func:`_order_types`).
    """
    literals: set[int] = set()
    # (node, parent, variables bound between v's binder and node)
    stack: list[tuple[Term, Term | None, frozenset[Term]]] = [(body, None, frozenset())]
    while stack:
        node, parent, inner = stack.pop()
        if node is v:
            if parent is None or parent.op not in _ORDER_OPS:
                return None
            other = parent.args[1] if parent.args[0] is v else parent.args[0]
            if v in free_vars(other):
                return None
            if other.op is Op.INT_CONST:
                literals.add(other.payload)
            elif other.op is Op.VAR:
                if other in inner:
                    return None  # its values are not in the active domain when v is chosen
            elif not _tabulated(other):
                return None
            continue
        if node.op in BINDERS:
            if v in node.bound_vars:
                continue  # shadowed
            inner = inner | frozenset(node.bound_vars)
        stack.extend((a, node, inner) for a in node.args)
    return frozenset(literals)


_ORDER_OPS = frozenset({Op.EQ, Op.LT, Op.LE, Op.GT, Op.GE})


def _order_types(c: _Ctx, literals: frozenset[int]) -> list[int]:
    """One integer of each order type relative to the active domain and ``literals``."""
    values = set(_active_ints(c)[:-1]) | literals
    return sorted({a + d for a in values for d in (-1, 0, 1)}) or [0]


def _tabulated(t: Term) -> bool:
    """Whether every value of ``t`` is a value of some table: an application, or an if-then-else
    of such terms."""
    if t.op is Op.APP:
        return True
    return t.op is Op.ITE and _tabulated(t.args[1]) and _tabulated(t.args[2])


def _active_ints(c: _Ctx) -> list[int]:
    """The integers the structure (and the current bindings) mention, plus one more."""
    found: set[int] = set()

    def add(x: Any) -> None:
        if type(x) is int:
            found.add(x)
        elif isinstance(x, tuple):
            for y in x:
                add(y)

    for table in c.s.functions.values():
        for args, res in table.items():
            add(args)
            add(res)
    for x in c.constants.values():
        add(x)
    for x in c.env.values():
        add(x)
    for x in c.vals:
        add(x)
    return sorted(found) + [max(found, default=0) + 1]


class _Compiler:
    """Turns a term into a closure ``fn(ctx) -> value``; one compiler per root term."""

    def __init__(self, parents: Counter[Term], height: dict[Term, int]) -> None:
        self.parents = parents
        self.height = height
        self.cache: dict[tuple[Term, frozenset[Term], bool], _Fn] = {}
        self.symbols: dict[FunctionSymbol, int] = {}   # function symbol -> index in ctx.tables
        self.slots: dict[Term, int] = {}               # bound variable -> index in ctx.vals

    def slot(self, v: Term) -> int:
        return self.slots.setdefault(v, len(self.slots))

    def compile(self, t: Term, scope: frozenset[Term], under: bool) -> _Fn:
        """``scope``: the variables bound by enclosing binders; ``under``: inside some binder."""
        bound = scope & free_vars(t) if scope else scope
        key = (t, bound, under)
        fn = self.cache.get(key)
        if fn is None:
            fn = self._memoised(t, bound, under, self._build(t, bound, under))
            self.cache[key] = fn
        return fn

    # ---- memoisation ------------------------------------------------------------------------
    def _memoised(self, t: Term, bound: frozenset[Term], under: bool, raw: _Fn) -> _Fn:
        if not t.args:
            return raw
        shared = self.parents[t] >= 2
        if not bound:
            if not (under or shared):
                return raw            # evaluated at most once per evaluation anyway

            def closed(c: _Ctx) -> Any:
                memo = c.memo
                v = memo.get(t, _UNSET)
                if v is _UNSET:
                    v = memo[t] = raw(c)
                return v
            return closed
        if not shared or self.height[t] < 3:
            return raw
        token = object()   # this closure's own memo entries: (token, values of the bound vars)
        idx = tuple(sorted(self.slot(v) for v in bound))

        def open_(c: _Ctx) -> Any:
            vals = c.vals
            k = (token, tuple([vals[i] for i in idx]))
            memo = c.memo
            v = memo.get(k, _UNSET)
            if v is _UNSET:
                v = memo[k] = raw(c)
            return v
        return open_

    # ---- one node ---------------------------------------------------------------------------
    def _build(self, t: Term, scope: frozenset[Term], under: bool) -> _Fn:
        op = t.op
        if op is Op.VAR:
            return self._bound_var(self.slot(t)) if t in scope else self._free_var(t)
        if op is Op.NPROCS:
            return lambda c: c.n
        if op is Op.INT_CONST or op is Op.BOOL_CONST:
            const = t.payload
            return lambda c: const
        if op is Op.EMPTY:
            empty: frozenset[int] = frozenset()
            return lambda c: empty
        if op is Op.FORALL or op is Op.EXISTS:
            return self._quantifier(t, scope)
        if op is Op.COMPREHENSION:
            return self._comprehension(t, scope)
        subs = [self.compile(a, scope, under) for a in t.args]
        if op is Op.APP:
            return self._app(t, subs)
        return _combine(t, subs)

    @staticmethod
    def _bound_var(k: int) -> _Fn:
        return lambda c: c.vals[k]

    @staticmethod
    def _free_var(v: Term) -> _Fn:
        name = v.payload

        def free(c: _Ctx) -> Any:
            x = c.env.get(v, _UNSET)
            if x is _UNSET:
                x = c.constants.get(name, _UNSET)
                if x is _UNSET:
                    raise EvaluationError(f"unbound variable {name!r} of sort {v.sort}: neither "
                                          f"in the environment nor a constant of the structure")
            return x
        return free

    def _app(self, t: Term, subs: list[_Fn]) -> _Fn:
        f: FunctionSymbol = t.payload
        k = self.symbols.setdefault(f, len(self.symbols))
        if len(subs) == 1:
            (a,) = subs

            def app1(c: _Ctx) -> Any:
                args = (a(c),)
                table = c.tables[k]
                try:
                    return table[args]  # type: ignore[index]
                except (KeyError, TypeError):
                    raise _missing_entry(table, f, args) from None
            return app1

        def app(c: _Ctx) -> Any:
            args = tuple([s(c) for s in subs])
            table = c.tables[k]
            try:
                return table[args]  # type: ignore[index]
            except (KeyError, TypeError):
                raise _missing_entry(table, f, args) from None
        return app

    def _quantifier(self, t: Term, scope: frozenset[Term]) -> _Fn:
        vs = t.bound_vars
        body = self.compile(t.args[0], scope | frozenset(vs), True)
        doms = [_domain(t, v) for v in vs]
        ks = [self.slot(v) for v in vs]
        forall = t.op is Op.FORALL
        if len(vs) == 1:
            k, dom = ks[0], doms[0]
            if forall:
                def forall1(c: _Ctx) -> bool:
                    vals = c.vals
                    old = vals[k]
                    try:
                        for x in dom(c):
                            vals[k] = x
                            if not body(c):
                                return False
                        return True
                    finally:
                        vals[k] = old
                return forall1

            def exists1(c: _Ctx) -> bool:
                vals = c.vals
                old = vals[k]
                try:
                    for x in dom(c):
                        vals[k] = x
                        if body(c):
                            return True
                    return False
                finally:
                    vals[k] = old
            return exists1

        def many(c: _Ctx) -> bool:
            vals = c.vals
            olds = [vals[k] for k in ks]
            try:
                for xs in itertools.product(*[d(c) for d in doms]):
                    for k, x in zip(ks, xs, strict=True):
                        vals[k] = x
                    if bool(body(c)) is not forall:
                        return not forall
                return forall
            finally:
                for k, old in zip(ks, olds, strict=True):
                    vals[k] = old
        return many

    def _comprehension(self, t: Term, scope: frozenset[Term]) -> _Fn:
        v: Term = t.payload
        body = self.compile(t.args[0], scope | {v}, True)
        k = self.slot(v)

        def comprehension(c: _Ctx) -> frozenset[int]:
            vals = c.vals
            old = vals[k]
            members = []
            try:
                for i in range(c.n):
                    vals[k] = i
                    if body(c):
                        members.append(i)
            finally:
                vals[k] = old
            return frozenset(members)
        return comprehension


# ---- operators that just combine their arguments' values ------------------------------------

def _add(t: Term, s: list[_Fn]) -> _Fn:
    if len(s) == 2:
        a, b = s
        return lambda c: a(c) + b(c)

    def add(c: _Ctx) -> Any:
        total = s[0](c)
        for f in s[1:]:
            total = total + f(c)
        return total
    return add


def _divisor(t: Term) -> Fraction | int:
    d = constant_value(t.args[1])
    if d is None or d == 0:  # pragma: no cover - the constructors reject these
        raise SortError("the divisor must be a non-zero integer constant")
    return d.numerator if d.denominator == 1 else d


def _div(t: Term, s: list[_Fn]) -> _Fn:
    a = s[0]
    d = _divisor(t)

    def div(c: _Ctx) -> Any:
        q = Fraction(a(c)) / d
        return q.numerator if q.denominator == 1 else q
    return div


def _floordiv(t: Term, s: list[_Fn]) -> _Fn:
    a = s[0]
    d = _divisor(t)
    return lambda c: a(c) // d


def _and(t: Term, s: list[_Fn]) -> _Fn:
    if len(s) == 2:
        a, b = s
        return lambda c: bool(a(c)) and bool(b(c))

    def and_(c: _Ctx) -> bool:
        for f in s:
            if not f(c):
                return False
        return True
    return and_


def _or(t: Term, s: list[_Fn]) -> _Fn:
    if len(s) == 2:
        a, b = s
        return lambda c: bool(a(c)) or bool(b(c))

    def or_(c: _Ctx) -> bool:
        for f in s:
            if f(c):
                return True
        return False
    return or_


def _combine(t: Term, s: list[_Fn]) -> _Fn:
    """The closure of an operator that combines its arguments' values (no binding, no table)."""
    op = t.op
    if op is Op.ADD:
        return _add(t, s)
    if op is Op.AND:
        return _and(t, s)
    if op is Op.OR:
        return _or(t, s)
    if op is Op.DIV:
        return _div(t, s)
    if op is Op.FLOORDIV:
        return _floordiv(t, s)
    if op is Op.ITE:
        cond, then, other = s
        return lambda c: then(c) if cond(c) else other(c)
    if len(s) == 1:
        (a,) = s
        if op is Op.NEG:
            return lambda c: -a(c)
        if op is Op.NOT:
            return lambda c: not a(c)
        if op is Op.CARD:
            return lambda c: len(a(c))
    else:
        a, b = s
        if op is Op.SUB or op is Op.DIFF:
            return lambda c: a(c) - b(c)
        if op is Op.MUL:
            return lambda c: a(c) * b(c)
        if op is Op.EQ:
            return lambda c: a(c) == b(c)
        if op is Op.LT:
            return lambda c: a(c) < b(c)
        if op is Op.LE or op is Op.SUBSET:
            return lambda c: a(c) <= b(c)
        if op is Op.GT:
            return lambda c: a(c) > b(c)
        if op is Op.GE:
            return lambda c: a(c) >= b(c)
        if op is Op.IMPLIES:
            return lambda c: (not a(c)) or bool(b(c))
        if op is Op.IFF:
            return lambda c: bool(a(c)) == bool(b(c))
        if op is Op.MEMBER:
            return lambda c: a(c) in b(c)
        if op is Op.UNION:
            return lambda c: a(c) | b(c)
        if op is Op.INTER:
            return lambda c: a(c) & b(c)
    raise SortError(f"cannot evaluate a {op.value} term")  # pragma: no cover - all ops handled


# Python frames a compiled term (or the compiler) may need per level of nesting: the node's
# closure, its memo wrapper, a list comprehension over the arguments, and a margin. Below
# _SAFE_HEIGHT the recursion limit is left alone.
_FRAMES_PER_LEVEL = 4
_SAFE_HEIGHT = 60


class _DeepStack:
    """Temporarily raises the recursion limit by what a term of the given height needs."""

    __slots__ = ("extra", "old")

    def __init__(self, height: int) -> None:
        self.extra = _FRAMES_PER_LEVEL * height + 200 if height > _SAFE_HEIGHT else 0
        self.old = 0

    def __enter__(self) -> None:
        if self.extra:
            self.old = sys.getrecursionlimit()
            sys.setrecursionlimit(self.old + self.extra)

    def __exit__(self, *exc: object) -> None:
        if self.extra:
            sys.setrecursionlimit(self.old)


class CompiledTerm:
    """A term compiled for repeated evaluation (see :func:`compile_term`)."""

    __slots__ = ("term", "height", "_fn", "_symbols", "_nvars")

    def __init__(self, term: Term) -> None:
        if not isinstance(term, Term):
            raise SortError(f"expected a term to evaluate, found {type(term).__name__}")
        self.term = term
        parents: Counter[Term] = Counter()
        height: dict[Term, int] = {}
        for node in subterms(term):  # children first: iterative, and fills free_vars bottom-up
            free_vars(node)
            height[node] = 1 + max((height[a] for a in node.args), default=0)
            parents.update(node.args)
        self.height = height[term]
        compiler = _Compiler(parents, height)
        with _DeepStack(self.height):
            self._fn = compiler.compile(term, frozenset(), False)
        self._symbols = tuple(compiler.symbols)
        self._nvars = len(compiler.slots)

    def evaluate(self, s: Structure, env: Mapping[Term, Value] | None = None, *,
                 int_range: range | None = None) -> Value:
        """The value of the term in ``s`` under ``env`` (see :func:`evaluate`)."""
        ctx = _Ctx(s, self._symbols, self._nvars, env, int_range)
        with _DeepStack(self.height):
            return self._fn(ctx)

    def holds(self, s: Structure, env: Mapping[Term, Value] | None = None, *,
              int_range: range | None = None) -> bool:
        """Whether the (Boolean) term is true in ``s`` under ``env``."""
        if not self.term.is_formula:
            raise SortError(f"holds needs a formula, found a term of sort {self.term.sort}")
        return bool(self.evaluate(s, env, int_range=int_range))


@functools.lru_cache(maxsize=512)
def compile_term(t: Term) -> CompiledTerm:
    """``t`` compiled once for evaluation in many structures (cached for recent terms)."""
    return CompiledTerm(t)


def evaluate(t: Term, s: Structure, env: Mapping[Term, Value] | None = None, *,
             int_range: range | None = None) -> Value:
    """The value of ``t`` in the structure ``s``.

    ``env`` binds free variables (it is consulted before ``s.constants``); ``int_range`` is the
    range of quantifiers over ``Int`` (without it they raise :class:`UnsupportedError`).
    Values: ``int`` or ``Fraction`` for Int, ``bool``, ``int`` for processes and value-sort
    elements, ``frozenset[int]`` for sets of processes.
    """
    return compile_term(t).evaluate(s, env, int_range=int_range)


def holds(formula: Term, s: Structure, env: Mapping[Term, Value] | None = None, *,
          int_range: range | None = None) -> bool:
    """Whether ``formula`` is true in ``s`` (see :func:`evaluate`)."""
    return compile_term(formula).holds(s, env, int_range=int_range)


def _in_sort(value: Value, sort: Sort, s: Structure) -> bool:
    kind = sort.kind
    if kind is SortKind.BOOL:
        return isinstance(value, bool)
    if kind is SortKind.INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is SortKind.PROC:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < s.n
    if kind is SortKind.SET:
        return isinstance(value, frozenset) and all(_in_sort(p, PROC, s) for p in value)
    return value in s.domains.get(sort, ()) and not isinstance(value, bool)


def check_structure(t: Term, s: Structure, env: Mapping[Term, Value] | None = None) -> None:
    """Check that ``s`` is a well-formed interpretation of what ``t`` mentions.

    :func:`evaluate` trusts the values it reads; a decoded model that puts ``x(0) = 7`` outside
    the domain of ``x``'s sort, or a process ``5`` when ``n = 3``, would be evaluated as given.
    This raises :class:`EvaluationError` on the first such value: ``n < 1``; a value sort used
    by ``t`` without a domain (or with repeated elements); a table entry of a function of ``t``
    whose arguments or result are out of their sorts' ranges; a free variable of ``t`` bound
    (by ``env``, else by ``s.constants``) to a value out of its sort's range. Missing tables,
    entries and variables are not errors here (evaluation reports those it actually needs).
    """
    if s.n < 1:
        raise EvaluationError(f"a structure needs at least one process, not n = {s.n}")
    symbols: set[FunctionSymbol] = set()
    sorts: set[Sort] = set()
    for node in subterms(t):
        sorts.update(x.sort for x in (node, *node.bound_vars))
        if node.op is Op.APP:
            symbols.add(node.payload)
            sorts.update(node.payload.domain)
    for sort in sorts:
        if sort.is_value:
            dom = s.domains.get(sort)
            if dom is None:
                raise EvaluationError(f"the structure gives no domain for the value sort {sort}")
            if len(set(dom)) != len(dom) or not all(isinstance(e, int) for e in dom):
                raise EvaluationError(f"the domain of {sort} must be distinct ints, not {dom!r}")
    for f in sorted(symbols, key=str):
        for args, result in s.functions.get(f, {}).items():
            ok_args = (isinstance(args, tuple) and len(args) == f.arity
                       and all(_in_sort(a, srt, s) for a, srt in zip(args, f.domain, strict=True)))
            if not ok_args:
                raise EvaluationError(f"the table of {f} has an entry for {args!r}, which is no "
                                      f"argument tuple of {f.display_name} at n = {s.n}")
            if not _in_sort(result, f.codomain, s):
                raise EvaluationError(f"{f.display_name}{args!r} = {result!r} is not a value of "
                                      f"sort {f.codomain} at n = {s.n}")
    bindings = env or {}
    for var in sorted(free_vars(t), key=lambda x: (x.payload, x.sort.name)):
        value = bindings.get(var, s.constants.get(var.payload, _UNSET))
        if value is not _UNSET and not _in_sort(value, var.sort, s):
            raise EvaluationError(f"the variable {var.payload!r} is {value!r}, not a value of "
                                  f"sort {var.sort} at n = {s.n}")
