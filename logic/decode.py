"""Decoding a solver's model of a reduction into a finite structure a person can read.

The final Venn layer defines the processes: one per equivalence class of named process terms, and
for every region with count ``l >= 1`` its witness plus ``l - 1`` copies of it (same local values,
same memberships). Function tables, set memberships and constants are read from the solver with
``get_value`` on ground Boolean and integer terms (the only reads that work on every backend).
The decoded structure is then checked against the original formula by :mod:`logic.evaluate`; a
model that fails the check is never reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from logic.normalize import is_skolem
from logic.sorts import BOOL, INT, PROC, FunctionSymbol, Sort, SortKind
from logic.structure import Structure, Value
from logic.terms import App, Op, Term, free_vars, subterms

if TYPE_CHECKING:
    from logic.reduce import Reduction
    from logic.venn import Layer

FNode = Any

MAX_MODEL_SIZE = 64
MAX_QUERIES = 40_000


class ModelTooLarge(Exception):
    pass


@dataclass
class QueryPlan:
    """Which ground terms to read from the solver, and how to interpret their values.

    Boolean and integer reads go in ``queries`` (keyed by ``index``). Terms of unordered value
    sorts cannot be read directly: they are collected in ``value_terms`` (key -> term) and their
    pairwise equalities are read instead.
    """

    reduction: Reduction
    queries: list[FNode] = field(default_factory=list)
    index: dict[Any, int] = field(default_factory=dict)
    value_terms: dict[Any, FNode] = field(default_factory=dict)
    value_pools: dict[Sort, list[FNode]] = field(default_factory=dict)

    def ask(self, key: Any, term: FNode) -> None:
        if key not in self.index:
            self.index[key] = len(self.queries)
            self.queries.append(term)

    def read(self, key: Any, sort: Sort, term: FNode) -> None:
        """Arrange to read the value of ``term`` (of ``sort``) under ``key``."""
        if sort.kind is SortKind.VALUE and not sort.ordered:
            self.value_terms[key] = term
            pool = self.value_pools.setdefault(sort, [])
            if term not in pool:
                pool.append(term)
        else:
            self.ask(key, term)


def _interpreted_symbols(formula: Term) -> tuple[list[FunctionSymbol], list[Term]]:
    funcs: set[FunctionSymbol] = set()
    for s in subterms(formula):
        if s.op is Op.APP and not is_skolem(s.payload):
            funcs.add(s.payload)
    consts = sorted(free_vars(formula), key=lambda v: str(v.payload))
    return sorted(funcs, key=lambda f: (f.display_name, str(f))), consts


def plan_queries(reduction: Reduction) -> QueryPlan:
    red = reduction.reducer
    layer = reduction.model_layer()
    m = red.mgr
    plan = QueryPlan(reduction)
    named = layer.named_smt
    for i in range(len(named)):
        for j in range(i):
            plan.ask(("eq", j, i), m.Equals(named[j], named[i]))
    for j, c in enumerate(layer.counts):
        plan.ask(("count", j), c)
        for i, b in enumerate(layer.bits[j]):
            if not b.is_bool_constant():
                plan.ask(("bit", j, i), b)
    plan.ask(("n",), red.n)
    elements = [*named, *layer.witness_smt]
    atom_index = {a: i for i, a in enumerate(layer.atoms)}
    funcs, consts = _interpreted_symbols(reduction.formula)
    for f in funcs:
        arg_pools: list[list[tuple[Any, FNode]]] = []
        for s in f.domain:
            if s is PROC:
                arg_pools.append([(("elem", e), t) for e, t in enumerate(elements)])
            else:
                pool = []
                for t in red.terms_by_sort.get(s, ()):
                    tt = red.translate(t)
                    plan.read(("tval", tt), s, tt)
                    pool.append((("tval", tt), tt))
                arg_pools.append(pool)
        combos = list(itertools.product(*arg_pools))
        width = len(elements) if (f.codomain.is_set or f.codomain is PROC) else 1
        cost = len(combos) * max(1, width)
        if f.codomain.kind is SortKind.VALUE and not f.codomain.ordered:
            # its values are read by their pairwise equalities, with the others of the sort's
            held = len(plan.value_pools.get(f.codomain, ()))
            cost += _pairs(held + len(combos)) - _pairs(held)
        if len(plan.queries) + _pending_pairs(plan) + cost > MAX_QUERIES:
            continue
        for combo in combos:
            keys = tuple(k for k, _ in combo)
            args = [t for _, t in combo]
            if f.codomain.is_set:
                atom = App(f) if not args else None
                for e, t in enumerate(elements):
                    bit = None if atom is None else _region_bit(red, layer, atom_index, atom, e)
                    plan.ask(("mem", f, keys, e),
                             _set_membership(red, f, args, t) if bit is None else bit)
                continue
            app = m.Function(red.function(f), args) if args else red.function(f)
            if f.codomain is PROC:
                for e, t in enumerate(elements):
                    plan.ask(("feq", f, keys, e), m.Equals(app, t))
            else:
                plan.read(("fval", f, keys), f.codomain, app)
    for c in consts:
        if c.sort.is_set:
            for e, el in enumerate(elements):
                bit = _region_bit(red, layer, atom_index, c, e)
                plan.ask(("cmem", c, e), red.membership(c, el) if bit is None else bit)
        elif c.sort is PROC:
            t = red.translate(c)
            for e, el in enumerate(elements):
                plan.ask(("ceq", c, e), m.Equals(t, el))
        else:
            plan.read(("cval", c), c.sort, red.translate(c))
    for uniq in plan.value_pools.values():
        for i in range(len(uniq)):
            for j in range(i):
                plan.ask(("veq", uniq[j], uniq[i]), m.Equals(uniq[j], uniq[i]))
    return plan


def _pairs(k: int) -> int:
    return k * (k - 1) // 2


def _pending_pairs(plan: QueryPlan) -> int:
    """The equality queries the value pools will add (see the end of :func:`plan_queries`)."""
    return sum(_pairs(len(pool)) for pool in plan.value_pools.values())


def _region_bit(red: Any, layer: Layer, atom_index: dict[Term, int], atom: Term,
                e: int) -> FNode | None:
    """For a witness ``e`` of a reduction without witness links, the region bit that says
    whether it is in the set atom ``atom`` (else None: its membership is read)."""
    j = e - len(layer.named)
    i = atom_index.get(atom)
    if red.witness_links or j < 0 or i is None:
        return None  # (a set the layer does not decompose constrains nothing: any value does)
    return layer.bits[j][i]


def _set_membership(red: Any, f: FunctionSymbol, args: Sequence[FNode], elem: FNode) -> FNode:
    from pysmt.typing import BOOL as PBOOL
    from pysmt.typing import FunctionType

    ftype = FunctionType(PBOOL, [*(red._type(s) for s in f.domain), red._type(PROC)])
    fn = red.symbol(f"{f.display_name}\u220b", ftype)
    return red.mgr.Function(fn, [*args, elem])


@dataclass(frozen=True)
class FiniteModel:
    """A validated finite model: the structure plus how the reduction's terms map onto it."""

    structure: Structure
    named: tuple[tuple[str, int], ...]
    regions: tuple[tuple[int, tuple[str, ...], tuple[int, ...]], ...]
    atoms: tuple[str, ...]

    @property
    def n(self) -> int:
        return self.structure.n

    def describe(self) -> str:
        s = self.structure
        lines = [f"n = {s.n}"]
        for name, value in sorted(s.constants.items()):
            lines.append(f"{name} = {_show(value)}")
        if self.regions:
            lines.append("regions (count: atoms containing it; processes):")
            for count, inside, procs in self.regions:
                lines.append(f"  {count}: {{{', '.join(inside) or '-'}}}; "
                             f"p{', p'.join(map(str, procs))}")
        for f, table in sorted(s.functions.items(), key=lambda kv: kv[0].display_name):
            cells = ", ".join(f"{f.display_name}({', '.join(_show(a) for a in args)}) = "
                              f"{_show(v)}" for args, v in sorted(table.items(), key=str))
            lines.append(cells)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def _show(v: Value) -> str:
    if isinstance(v, frozenset):
        return "{" + ", ".join(f"p{x}" for x in sorted(v)) + "}"
    return str(v)


def decode(plan: QueryPlan, values: Sequence[Any]) -> FiniteModel:
    """The finite structure described by the solver's ``values`` for ``plan.queries``."""
    layer = plan.reduction.model_layer()
    idx = plan.index

    def val(key: Any) -> Any:
        return values[idx[key]]

    named = layer.named
    n_elements = len(named) + len(layer.witnesses)
    # classes of named process terms, numbered in order of first appearance
    rep: list[int] = []
    for i in range(len(named)):
        rep.append(next((rep[j] for j in range(i) if val(("eq", j, i))), i))
    class_ids: dict[int, int] = {}
    for i, r in enumerate(rep):
        if r == i:
            class_ids[i] = len(class_ids)
    # processes: named classes, then each non-empty region's witness and its copies
    counts = [int(val(("count", j))) for j in range(len(layer.counts))]
    n = len(class_ids) + sum(counts)
    if n > MAX_MODEL_SIZE:
        raise ModelTooLarge(f"the candidate model has n = {n} processes, more than "
                            f"{MAX_MODEL_SIZE} can be validated")
    if n != int(val(("n",))):
        raise AssertionError(f"decoded n = {n} but the solver says n = {val(('n',))}")
    procs_of: dict[int, list[int]] = {}   # element (query numbering) -> processes it stands for
    proc_of: dict[int, int] = {}          # element -> one process (its representative)
    for i in range(len(named)):
        proc_of[i] = class_ids[rep[i]]
        if rep[i] == i:
            procs_of[i] = [class_ids[i]]
    nxt = len(class_ids)
    regions: list[tuple[int, tuple[str, ...], tuple[int, ...]]] = []
    atom_names = tuple(_readable(str(a)) for a in layer.atoms)
    for j, c in enumerate(counts):
        if c <= 0:
            continue
        e = len(named) + j
        procs = list(range(nxt, nxt + c))
        nxt += c
        procs_of[e] = procs
        proc_of[e] = procs[0]
        inside = tuple(atom_names[i] for i in range(len(layer.atoms)) if _bit(layer, j, i, val))
        regions.append((c, inside, tuple(procs)))

    # values of unordered value sorts: equality classes numbered 0, 1, ...
    value_id: dict[FNode, int] = {}
    domains: dict[Sort, tuple[int, ...]] = {}
    for s, uniq in plan.value_pools.items():
        ids: list[int] = []
        for i in range(len(uniq)):
            same = next((ids[j] for j in range(i) if val(("veq", uniq[j], uniq[i]))), None)
            ids.append((max(ids) + 1 if ids else 0) if same is None else same)
            value_id[uniq[i]] = ids[-1]
        domains[s] = tuple(range(max(ids) + 1 if ids else 1))

    def read(key: Any, sort: Sort) -> Value:
        if key in plan.value_terms:
            return value_id[plan.value_terms[key]]
        return _coerce(sort, val(key))

    ordered_values: dict[Sort, set[int]] = {}

    def note(sort: Sort, v: Value) -> Value:
        if sort.kind is SortKind.VALUE and sort.ordered:
            ordered_values.setdefault(sort, set()).add(v)
        return v

    funcs, consts = _interpreted_symbols(plan.reduction.formula)
    tables: dict[FunctionSymbol, dict[tuple[Value, ...], Value]] = {}
    keysets: dict[FunctionSymbol, set[tuple[Any, ...]]] = {}
    for key in [*idx, *plan.value_terms]:
        if key[0] in ("mem", "feq", "fval"):
            keysets.setdefault(key[1], set()).add(key[2])
    for f in funcs:
        table: dict[tuple[Value, ...], Value] = {}
        for keys in keysets.get(f, ()):
            pools: list[list[Value]] = []
            for k, s in zip(keys, f.domain):
                if k[0] == "elem":
                    pools.append(list(procs_of.get(k[1], ())))
                else:
                    pools.append([note(s, read(k, s))])
            if any(not pl for pl in pools):
                continue
            if f.codomain.is_set:
                result: Value = frozenset(p for e in range(n_elements)
                                          if val(("mem", f, keys, e)) for p in procs_of.get(e, ()))
            elif f.codomain is PROC:
                hits = [proc_of[e] for e in range(n_elements)
                        if e in proc_of and val(("feq", f, keys, e))]
                result = hits[0] if hits else 0
            else:
                result = note(f.codomain, read(("fval", f, keys), f.codomain))
            for args in itertools.product(*pools):
                table.setdefault(tuple(args), result)
        tables[f] = table
    constants: dict[str, Value] = {}
    for cvar in consts:
        name = str(cvar.payload)
        if cvar.sort is PROC:
            hits = [proc_of[e] for e in range(n_elements)
                    if e in proc_of and val(("ceq", cvar, e))]
            constants[name] = hits[0] if hits else 0
        elif cvar.sort.is_set:
            constants[name] = frozenset(p for e in range(n_elements)
                                        if val(("cmem", cvar, e)) for p in procs_of.get(e, ()))
        else:
            constants[name] = note(cvar.sort, read(("cval", cvar), cvar.sort))
    for s, vs in ordered_values.items():
        domains[s] = tuple(sorted(vs))
    _complete_tables(tables, n, domains)
    named_map = tuple((str(t), proc_of[i]) for i, t in enumerate(named))
    structure = Structure(n, domains, tables, constants)
    return FiniteModel(structure, named_map, tuple(regions), atom_names)


def _complete_tables(tables: dict[FunctionSymbol, dict[tuple[Value, ...], Value]], n: int,
                     domains: dict[Sort, tuple[int, ...]]) -> None:
    """Entries the reduction never mentioned (``AHO(p)`` of a process no instance was about)
    get a default value (the empty set, process 0, false, 0, the first value), so that the
    evaluator can judge the model instead of failing on a missing entry. Any completion is
    sound: the model is validated against the formula afterwards. Only finite argument sorts."""
    def finite(s: Sort) -> Sequence[Value] | None:
        if s is PROC:
            return range(n)
        if s is BOOL:
            return (False, True)
        if s.kind is SortKind.VALUE:
            return domains.get(s, (0,))
        return None

    for f, table in tables.items():
        pools = [finite(s) for s in f.domain]
        if any(p is None for p in pools):
            continue
        c = f.codomain
        default: Value = (frozenset() if c.is_set else False if c is BOOL
                          else domains.get(c, (0,))[0] if c.kind is SortKind.VALUE else 0)
        for args in itertools.product(*pools):  # type: ignore[arg-type]
            table.setdefault(tuple(args), default)


def _bit(layer: Any, j: int, i: int, val: Any) -> bool:
    b = layer.bits[j][i]
    if b.is_bool_constant():
        return bool(b.constant_value())
    return bool(val(("bit", j, i)))


def _coerce(s: Sort, v: Any) -> Value:
    if s is BOOL:
        return bool(v)
    if s is INT or s.kind is SortKind.VALUE:
        return int(v)
    return v


def _readable(text: str) -> str:
    """A set atom as a person reads it: the canonical bound variables of comprehensions
    (``c!1``, see :mod:`logic.normalize`) are shown as ``q1``."""
    import re

    return re.sub(r"\bc!(\d+)\b", r"q\1", text)
