#!/usr/bin/env python3
"""Scaling benchmark of the cardinality-logic decision procedure on random BAPA systems.

Instances
---------
A system over ``k`` free set variables ``S0 .. S{k-1}`` (``Var(f"S{i}", SET_PROC)``; pure BAPA: no
functions, no quantifiers) with ``m`` constraints, each a linear inequality (or, rarely, an
equation) over cardinalities of Boolean combinations of 1-3 sets, integer constants and ``n``::

    3*|S1 & S2| > 2*n + 1        |S4| + |S6 - S1| <= n - 2        |S3 | S4| - 2*|S7| >= 0

**Satisfiable by construction.** A concrete universe ``{0 .. n0-1}`` (``5 <= n0 <= 40``) and
concrete random subsets (each with its own density) are drawn first; then every constraint is
made true in that structure: either a random constraint without a constant term is drawn and kept
only if it holds, or the constant term is set from the concrete value of the left side plus or
minus a slack of 0-3 (slack 0 makes the constraint tight). The planted structure is the proof of
satisfiability (``Instance.structure()``, checked by ``tests/test_scaling_generator.py``).

**Unsatisfiable by construction.** ``m - p`` planted constraints as above plus a ``p``-constraint
contradiction over 2 or 3 randomly chosen sets, shuffled among them (all names are finally
permuted at random, so the pattern's sets are not recognisable by name). Every pattern is unsat
for every ``n >= 0`` and every choice of the integer ``t``; why:

* ``incl-excl``: ``|A| + |B| > n + |A & B|`` (one constraint), or split in two as ``|A| + t > n``
  and ``|B| - |B & A| > t``. Inclusion-exclusion gives ``|A | B| = |A| + |B| - |A & B|``, and
  ``|A | B| <= n``; the split form adds up to ``|A| + |B - A| = |A | B| > n``.
* ``subset``: ``|A & B| > |A|``; or ``|A & B| > t`` and ``|A| <= t``; or ``3*|A & B| >= n`` and
  ``3*|A| < n``. All contradict ``A & B`` being a subset of ``A`` (so ``|A & B| <= |A|``).
* ``quorum``: ``3*|A| > 2*n``, ``3*|B| > 2*n``, ``3*|C| > 2*n`` and ``|A & B & C| = 0``. The
  complements have fewer than ``n/3`` elements each, so their union has fewer than ``n``; hence
  some process is in none of the complements, i.e. in ``A & B & C``.
* ``disjoint``: ``3*|A| > n``, ``3*|B| > n``, ``3*|C| > n`` and ``|A & B| + |A & C| + |B & C| <=
  0`` (or, with room for 6 constraints, ``|A & B| = 0``, ``|A & C| = 0``, ``|B & C| = 0`` as three
  constraints, none of which mentions all three sets). The three sets are pairwise disjoint, so
  ``|A| + |B| + |C| = |A | B | C| <= n``, but the sum exceeds ``n``.

Measurements
------------
Per ``(k, m)``, ``--runs`` fresh sat and unsat instances (seeded by ``--seed``, ``k``, ``m``, the
run index and the kind, so every encoding sees the same instances), each decided end to end by

* ``full``: ``logic.decide.check(formula, backend=B, encoding="full")`` (only for
  ``k <= --full-max-k``; larger k print "skipped");
* ``sparse``: the same with ``encoding="sparse"``;
* ``cvc5-native``: cvc5's own theory of finite sets with cardinality (``import cvc5``): sets of
  an uninterpreted sort ``Proc``, ``n = set.card(U)`` for a set ``U`` with ``Si <= U`` (or
  ``set.universe`` with ``--cvc5-universe``, which needs cvc5's ``sets-exp`` option).

Every query runs in a forked child process that is killed at ``--timeout`` plus a grace period (so
a slow *reduction* is a timeout too, not a hang); times are measured inside the child around the
call (imports are warmed up in the parent before forking, and the child first answers three
instances of its own, untimed, by the same path: ``child_warm_up``; the parent's objects are frozen
before the fork, and the child collects no garbage, as ``hoverify check``'s workers). Inside that
child, ``check`` runs its solver calls in the same process (``isolate=False``), as cvc5 runs there:
the child is already the isolation ``check`` would otherwise add with a fork per solver call (7-9
ms each, as much as the whole answer on a contradiction among a few sets). Answers are checked
against the construction: a sat instance must be answered sat (``check`` validates its model;
cvc5's model is read back and validated with ``logic.evaluate.holds`` outside the timed region), an
unsat instance unsat. Anything else is printed as an ``ERROR`` line and excluded from the medians;
timeouts are counted (and count as infinitely slow in the medians, so a median that is a timeout
shows as ``>T``).

Columns: the median seconds of the sat and of the unsat instances (end to end, as the caller of
``check`` sees them); the medians over both kinds of ``stats["reduce_seconds"]`` (the reduction,
in Python), ``stats["solver_seconds"]`` (the solver calls before a model is decoded: with large
layers the relaxation without them first, then the query for a model with a small support, then
the full query; each with pysmt's conversion
to the solver, the search and, on sat, planning and reading the values) and of the rest (on sat:
the small-model second call, decoding and validating the model); the regions of the Venn layers
(``stats``), the layers (``74s`` = a sparse layer of 74 regions, ``16f`` = a full one), timeouts,
and ``OK`` or ``ERROR`` for the answers.

Usage::

    python benchmarks/logic_scaling.py                         # k = 4 .. 32, m = 8
    python benchmarks/logic_scaling.py --k 48 --m 16           # last line: the sparse median
    python benchmarks/logic_scaling.py --quick                 # smoke run, small k
    python benchmarks/logic_scaling.py --backend z3,yices --runs 5 --seed 1 --timeout 30
"""

from __future__ import annotations

import argparse
import functools
import gc
import math
import os
import pickle
import random
import select
import signal
import statistics
import struct
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logic.sorts import SET_PROC  # noqa: E402
from logic.structure import Structure  # noqa: E402
from logic.terms import (  # noqa: E402
    Add,
    And,
    Card,
    Diff,
    Eq,
    Ge,
    Gt,
    IntConst,
    Inter,
    Le,
    Lt,
    Mul,
    N,
    Op,
    Sub,
    Term,
    Union_,
    Var,
)

DEFAULT_KS = (4, 8, 12, 16, 20, 24, 32)
QUICK_KS = (4, 8)
DEFAULT_M = 8
ENCODINGS = ("full", "sparse", "cvc5-native")

# ================================================================================================
# The generator
# ================================================================================================

# A set expression as data: ("var", i) | ("inter" | "union" | "diff", left, right).
SetExpr = tuple[Any, ...]

_RELATIONS = ("<", "<=", ">", ">=", "=")
_REL_CTOR: dict[str, Callable[[Term, Term], Term]] = {
    "<": Lt, "<=": Le, ">": Gt, ">=": Ge, "=": Eq,
}


def set_var(i: int) -> Term:
    return Var(f"S{i}", SET_PROC)


def _set_value(e: SetExpr, sets: Sequence[frozenset[int]]) -> frozenset[int]:
    op = e[0]
    if op == "var":
        return sets[e[1]]
    a, b = _set_value(e[1], sets), _set_value(e[2], sets)
    if op == "inter":
        return a & b
    if op == "union":
        return a | b
    return a - b


def _set_term(e: SetExpr, name: Callable[[int], Term]) -> Term:
    op = e[0]
    if op == "var":
        return name(e[1])
    a, b = _set_term(e[1], name), _set_term(e[2], name)
    return {"inter": Inter, "union": Union_, "diff": Diff}[op](a, b)


def _random_set_expr(rng: random.Random, k: int) -> SetExpr:
    size = min(k, rng.choices((1, 2, 3), weights=(30, 45, 25))[0])
    idx = rng.sample(range(k), size)
    leaves: list[SetExpr] = [("var", i) for i in idx]
    ops = ("inter", "diff", "union")
    if size == 1:
        return leaves[0]
    if size == 2:
        return (rng.choice(ops), leaves[0], leaves[1])
    inner = (rng.choice(ops), leaves[0], leaves[1])
    if rng.random() < 0.5:
        return (rng.choice(ops), inner, leaves[2])
    return (rng.choice(ops), leaves[2], inner)


def _linear(coeffs: Sequence[tuple[int, Term]]) -> Term:
    """``c1*t1 + c2*t2 - ...`` with the signs folded into ``+``/``-``."""
    acc: Term | None = None
    for c, t in coeffs:
        mag = t if abs(c) == 1 else Mul(IntConst(abs(c)), t)
        if acc is None:
            acc = mag if c > 0 else Mul(IntConst(c), t)
        else:
            acc = Add(acc, mag) if c > 0 else Sub(acc, mag)
    assert acc is not None
    return acc


def _rhs(a: int, b: int) -> Term:
    """``a*n + b``."""
    if a == 0:
        return IntConst(b)
    an = N if a == 1 else Mul(IntConst(a), N)
    if b == 0:
        return an
    return Add(an, IntConst(b)) if b > 0 else Sub(an, IntConst(-b))


def _holds_rel(lhs: int, rel: str, rhs: int) -> bool:
    return {"<": lhs < rhs, "<=": lhs <= rhs, ">": lhs > rhs, ">=": lhs >= rhs,
            "=": lhs == rhs}[rel]


def _planted_constraint(rng: random.Random, k: int, n: int, sets: Sequence[frozenset[int]],
                        name: Callable[[int], Term]) -> Term:
    """One random constraint that holds in the planted structure ``(n, sets)``."""
    width = rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
    exprs = [_random_set_expr(rng, k) for _ in range(width)]
    coeffs = [rng.choice((1, 1, 1, 2, 3)) * (-1 if (j > 0 and rng.random() < 0.25) else 1)
              for j in range(width)]
    value = sum(c * len(_set_value(e, sets)) for c, e in zip(coeffs, exprs, strict=True))
    lhs = _linear([(c, Card(_set_term(e, name))) for c, e in zip(coeffs, exprs, strict=True)])
    # either a constant-free ratio constraint (like 3*|A & B| > 2*n), kept if true ...
    if rng.random() < 0.3:
        for _ in range(8):
            rel = rng.choice(("<", "<=", ">", ">="))
            a = rng.choice((0, 1, 2))
            if _holds_rel(value, rel, a * n) and a != 0:
                return _REL_CTOR[rel](lhs, _rhs(a, 0))
    # ... or the constant term set from the planted value, with a slack of 0-3
    rel = rng.choices(_RELATIONS, weights=(20, 25, 20, 25, 10))[0]
    a = rng.choice((0, 1, 1, 2))
    slack = rng.choice((0, 0, 1, 2, 3))
    v = value - a * n
    b = {"<": v + 1 + slack, "<=": v + slack, ">": v - 1 - slack, ">=": v - slack, "=": v}[rel]
    c = _REL_CTOR[rel](lhs, _rhs(a, b))
    return c


# ---- unsat patterns ----------------------------------------------------------------------------
# Each takes (rng, A, B, C, n_hint) with A, B, C distinct set terms and returns the constraints.
# Why each is unsat: see the module docstring.

def _card(s: Term) -> Term:
    return Card(s)


def _inter(rng: random.Random, a: Term, b: Term) -> Term:
    return Inter(a, b) if rng.random() < 0.5 else Inter(b, a)


def _pattern_incl_excl(rng: random.Random, a: Term, b: Term, c: Term, n: int,
                       room: int) -> list[Term]:
    if room >= 2 and rng.random() < 0.6:
        t = rng.randint(0, max(1, n // 2))
        # |A| + t > n  and  |B| - |B & A| > t
        return [Gt(Add(Card(a), IntConst(t)), N),
                Gt(Sub(Card(b), Card(_inter(rng, a, b))), IntConst(t))]
    if rng.random() < 0.5:
        return [Gt(Add(Card(a), Card(b)), Add(N, Card(_inter(rng, a, b))))]
    return [Gt(Sub(Add(Card(a), Card(b)), Card(_inter(rng, a, b))), N)]


def _pattern_subset(rng: random.Random, a: Term, b: Term, c: Term, n: int,
                    room: int) -> list[Term]:
    r = rng.random() if room >= 2 else 0.0
    if r < 0.3:
        return [Gt(Card(_inter(rng, a, b)), Card(a))]
    if r < 0.65:
        t = rng.randint(0, max(1, n // 2))
        return [Gt(Card(_inter(rng, a, b)), IntConst(t)), Le(Card(a), IntConst(t))]
    return [Ge(Mul(IntConst(3), Card(_inter(rng, a, b))), N), Lt(Mul(IntConst(3), Card(a)), N)]


def _pattern_quorum(rng: random.Random, a: Term, b: Term, c: Term, n: int,
                    room: int) -> list[Term]:
    two_n = Mul(IntConst(2), N)
    abc = Inter(_inter(rng, a, b), c) if rng.random() < 0.5 else Inter(c, _inter(rng, a, b))
    return [Gt(Mul(IntConst(3), Card(s)), two_n) for s in (a, b, c)] + [Eq(Card(abc), IntConst(0))]


def _pattern_disjoint(rng: random.Random, a: Term, b: Term, c: Term, n: int,
                      room: int) -> list[Term]:
    big = [Gt(Mul(IntConst(3), Card(s)), N) for s in (a, b, c)]
    pairs = [_inter(rng, a, b), _inter(rng, a, c), _inter(rng, b, c)]
    if room >= 6 and rng.random() < 0.5:
        # no constraint mentions all three sets: refuting it needs their joint Venn regions
        return big + [Eq(Card(p), IntConst(0)) for p in pairs]
    return big + [Le(Add(*(Card(p) for p in pairs)), IntConst(0))]


#: name -> (builder, minimal number of constraints, number of sets)
UNSAT_PATTERNS: dict[str, tuple[Callable[..., list[Term]], int, int]] = {
    "incl-excl": (_pattern_incl_excl, 1, 2),
    "subset": (_pattern_subset, 1, 2),
    "quorum": (_pattern_quorum, 4, 3),
    "disjoint": (_pattern_disjoint, 4, 3),
}


def unsat_pattern(name: str, rng: random.Random, sets: Sequence[Term], n_hint: int,
                  room: int = 8) -> list[Term]:
    """The constraints of pattern ``name`` over ``sets`` (2 or 3 set terms); ``n_hint`` sizes
    its constant ``t``; ``room`` caps the number of constraints where a pattern has variants."""
    build, _, arity = UNSAT_PATTERNS[name]
    a, b = sets[0], sets[1]
    c = sets[2] if arity == 3 else sets[1]
    return build(rng, a, b, c, n_hint, room)


@dataclass(frozen=True)
class Instance:
    """A generated system. ``n`` and ``sets`` are the planted structure: a model of every
    constraint of a sat instance, and of the planted (non-pattern) constraints of an unsat one."""

    k: int
    m: int
    seed: str
    expected: str  # "sat" or "unsat"
    n: int
    sets: tuple[frozenset[int], ...]  # sets[i] is the planted value of S{i}
    constraints: tuple[Term, ...]
    pattern: str | None = None
    pattern_constraints: tuple[Term, ...] = ()

    @property
    def formula(self) -> Term:
        return And(*self.constraints)

    def structure(self) -> Structure:
        return Structure(self.n, constants={f"S{i}": s for i, s in enumerate(self.sets)})


def instance_seed(base: int | str, k: int, m: int, run: int, kind: str) -> str:
    return f"{base}/k{k}/m{m}/r{run}/{kind}"


def generate(k: int, m: int, seed: int | str, unsat: bool = False) -> Instance:
    """A random instance, deterministic in ``(k, m, seed, unsat)``."""
    if k < 3 or m < 1:
        raise ValueError("need k >= 3 sets and m >= 1 constraints")
    rng = random.Random(f"{seed}|{k}|{m}|{'unsat' if unsat else 'sat'}")
    n = rng.randint(5, 40)
    raw: list[frozenset[int]] = []
    for _ in range(k):
        p = rng.uniform(0.1, 0.9)
        raw.append(frozenset(x for x in range(n) if rng.random() < p))
    perm = list(range(k))
    rng.shuffle(perm)  # internal index i is named S{perm[i]}
    sets: list[frozenset[int]] = [frozenset()] * k
    for i, s in enumerate(raw):
        sets[perm[i]] = s

    def name(i: int) -> Term:
        return set_var(perm[i])

    pattern: str | None = None
    pattern_cs: list[Term] = []
    if unsat:
        fitting = [p for p, (_, need, _) in UNSAT_PATTERNS.items() if need <= m]
        pattern = rng.choice(fitting)
        arity = UNSAT_PATTERNS[pattern][2]
        chosen = [name(i) for i in rng.sample(range(k), arity)]
        pattern_cs = unsat_pattern(pattern, rng, chosen, n, room=m)
    planted = [_planted_constraint(rng, k, n, raw, name) for _ in range(m - len(pattern_cs))]
    constraints = planted + pattern_cs
    rng.shuffle(constraints)
    return Instance(k, m, str(seed), "unsat" if unsat else "sat", n, tuple(sets),
                    tuple(constraints), pattern, tuple(pattern_cs))


# ================================================================================================
# cvc5's native theory of finite sets with cardinality
# ================================================================================================

def _cvc5_solve(inst: Instance, timeout: float, universe: bool) -> dict[str, Any]:
    """Decide ``inst`` with cvc5's set theory; on sat, read the model back (untimed) and
    validate it with ``logic.evaluate.holds``."""
    import cvc5
    from cvc5 import Kind

    start = time.perf_counter()
    tm = cvc5.TermManager()
    s = cvc5.Solver(tm)
    s.setLogic("ALL")  # QF_UFLIAFS is much slower here (timeouts where ALL answers)
    s.setOption("produce-models", "true")
    s.setOption("tlimit-per", str(max(1, int(timeout * 1000))))
    if universe:
        s.setOption("sets-exp", "true")
    proc = tm.mkUninterpretedSort("Proc")
    set_sort = tm.mkSetSort(proc)
    names = {f"S{i}": tm.mkConst(set_sort, f"S{i}") for i in range(inst.k)}
    if universe:
        u = tm.mkUniverseSet(set_sort)
    else:
        u = tm.mkConst(set_sort, "U")
        for v in names.values():
            s.assertFormula(tm.mkTerm(Kind.SET_SUBSET, v, u))
    n = tm.mkTerm(Kind.SET_CARD, u)
    s.assertFormula(tm.mkTerm(Kind.GEQ, n, tm.mkInteger(1)))
    kinds = {Op.UNION: Kind.SET_UNION, Op.INTER: Kind.SET_INTER, Op.DIFF: Kind.SET_MINUS,
             Op.ADD: Kind.ADD, Op.SUB: Kind.SUB, Op.MUL: Kind.MULT, Op.NEG: Kind.NEG,
             Op.LT: Kind.LT, Op.LE: Kind.LEQ, Op.GT: Kind.GT, Op.GE: Kind.GEQ,
             Op.EQ: Kind.EQUAL, Op.AND: Kind.AND, Op.OR: Kind.OR, Op.NOT: Kind.NOT,
             Op.CARD: Kind.SET_CARD}
    memo: dict[Term, Any] = {}

    def tr(t: Term) -> Any:
        hit = memo.get(t)
        if hit is not None:
            return hit
        if t.op is Op.VAR:
            r = names[t.payload]
        elif t.op is Op.NPROCS:
            r = n
        elif t.op is Op.INT_CONST:
            r = tm.mkInteger(t.payload)
        elif t.op in kinds:
            r = tm.mkTerm(kinds[t.op], *(tr(a) for a in t.args))
        else:
            raise ValueError(f"no cvc5 translation for {t.op}")
        memo[t] = r
        return r

    for c in inst.constraints:
        s.assertFormula(tr(c))
    result = s.checkSat()
    seconds = time.perf_counter() - start
    if result.isUnsat():
        return {"answer": "unsat", "seconds": seconds}
    if not result.isSat():
        why = str(result.getUnknownExplanation())
        return {"answer": "timeout" if "TIMEOUT" in why.upper() else "unknown",
                "seconds": seconds, "reason": f"cvc5 unknown: {why}"}
    # validate the model (not timed)
    elements: dict[str, int] = {}

    def members(term: Any) -> frozenset[int]:
        out = set()
        for e in s.getValue(term).getSetValue():
            key = str(e)
            out.add(elements.setdefault(key, len(elements)))
        return frozenset(out)

    sets = {name: members(v) for name, v in names.items()}
    size = int(s.getValue(n).getIntegerValue())
    if not universe:
        members(u)  # U holds every element of the Si: number them all
    if len(elements) > size:
        return {"answer": "unknown", "seconds": seconds,
                "reason": f"cvc5 model: n = {size} but the sets hold {len(elements)} elements"}
    # processes 0 .. size-1: the elements seen, then (set.universe) elements in no Si
    structure = Structure(size, constants=sets)
    from logic.evaluate import holds

    if not holds(inst.formula, structure):
        return {"answer": "unknown", "seconds": seconds,
                "reason": "cvc5 said sat but its model does not satisfy the formula"}
    return {"answer": "sat", "seconds": seconds}


# ================================================================================================
# Running one query in a child process
# ================================================================================================

_HEADER = struct.Struct("!Q")


def _in_child(fn: Callable[[], dict[str, Any]], deadline: float,
              warm_up: Callable[[], object] | None = None) -> dict[str, Any]:
    """``fn()`` in a forked child, killed at ``deadline`` (perf_counter time); ``warm_up()`` runs
    first in the child, untimed (its answer is dropped)."""
    read_end, write_end = os.pipe()
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            gc.disable()
            os.close(read_end)
            try:
                if warm_up is not None:
                    warm_up()
                out = fn()
            except BaseException as exc:  # noqa: BLE001
                out = {"answer": "crash", "seconds": math.nan,
                       "reason": f"{type(exc).__name__}: {exc}",
                       "trace": traceback.format_exc(limit=6)}
            payload = pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
            view = memoryview(_HEADER.pack(len(payload)) + payload)
            while view:
                view = view[os.write(write_end, view):]
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(write_end)
    buf = bytearray()
    need: int | None = None
    status: int | None = None
    try:
        while need is None or len(buf) < need:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            ready, _, _ = select.select([read_end], [], [], min(remaining, 0.05))
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            buf += chunk
            if need is None and len(buf) >= _HEADER.size:
                need = _HEADER.size + _HEADER.unpack_from(buf)[0]
    finally:
        os.close(read_end)
        if need is not None and len(buf) >= need:
            _, status = os.waitpid(pid, 0)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(pid, 0)
    if need is not None and len(buf) >= need:
        return pickle.loads(bytes(buf[_HEADER.size:need]))  # type: ignore[no-any-return]
    if time.perf_counter() >= deadline:
        return {"answer": "timeout", "seconds": math.inf, "reason": "killed at the deadline"}
    return {"answer": "crash", "seconds": math.nan,
            "reason": f"child died (status {status}) without answering"}


def as_constant_symbols(formula: Term) -> Term:
    """``formula`` with every free set variable ``Si`` replaced by the application of a 0-ary
    function symbol ``Si: () -> Set(Proc)``: the same formula to the decision procedure (a free
    variable is a constant), through another path of the model decoder (``--sets app``)."""
    from logic.sorts import FunctionSymbol
    from logic.terms import App, free_vars, substitute

    mapping = {v: App(FunctionSymbol(str(v.payload), (), SET_PROC))
               for v in free_vars(formula) if v.sort == SET_PROC}
    return substitute(formula, mapping)


def _check_query(inst: Instance, backend: str, encoding: str, timeout: float,
                 depth: int | None, sets: str = "var") -> dict[str, Any]:
    from logic.decide import check
    from logic.result import Answer

    formula = inst.formula if sets == "var" else as_constant_symbols(inst.formula)
    start = time.perf_counter()
    # isolate=False: this runs in a child killed at its deadline (see _in_child)
    r = check(formula, backend=backend, encoding=encoding, timeout=timeout, depth=depth,
              isolate=False)
    seconds = time.perf_counter() - start
    st = r.stats
    layers = st.get("layers", [])
    out = {"answer": str(r.answer), "seconds": seconds,
           "reduce": st.get("reduce_seconds"), "solver": st.get("solver_seconds"),
           "regions": st.get("regions"),
           "layers": "+".join(f"{ly['regions']}{ly['encoding'][0]}" for ly in layers),
           "reason": r.reason}
    if r.answer is Answer.UNKNOWN and r.reason and r.reason.startswith("timeout"):
        out["answer"] = "timeout"
    return out


# ================================================================================================
# The benchmark
# ================================================================================================

@dataclass
class Cell:
    """The runs of one (k, m, encoding, backend) on one kind of instance (sat or unsat)."""

    times: list[float] = field(default_factory=list)   # correct answers and timeouts (inf)
    reduce: list[float] = field(default_factory=list)
    solver: list[float] = field(default_factory=list)
    other: list[float] = field(default_factory=list)  # seconds - reduce - solver (decode, ...)
    regions: list[int] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    timeouts: int = 0
    errors: int = 0

    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None


def _fmt(x: float | None, timeout: float) -> str:
    if x is None:
        return "-"
    if math.isinf(x):
        return f">{timeout:g}"
    return f"{x:.3f}"


def _median_or_none(xs: Sequence[float]) -> float | None:
    return statistics.median(xs) if xs else None


@dataclass
class Config:
    ks: tuple[int, ...]
    m: int
    runs: int
    seed: str
    backends: tuple[str, ...]
    encodings: tuple[str, ...]
    timeout: float
    full_max_k: int
    depth: int | None
    cvc5_universe: bool
    verbose: bool
    sets: str = "auto"


def _warm_up(cfg: Config) -> None:
    """Import everything (pysmt, the solvers, cvc5) in the parent, before forking children."""
    from logic.backends import available_backends
    from logic.decide import check

    available = available_backends()
    for b in cfg.backends:
        if b not in available:
            sys.exit(f"backend {b!r} is not available (available: {', '.join(available)})")
    tiny = generate(3, 2, "warm-up")
    if cfg.sets == "auto":
        probe = And(*(Ge(Card(set_var(i)), 1) for i in range(2)))
        try:
            check(probe, backend=cfg.backends[0], timeout=cfg.timeout)
            cfg.sets = "var"
        except Exception as exc:  # noqa: BLE001
            cfg.sets = "app"
            print(f"WARNING: logic.decide.check fails on free set variables ({type(exc).__name__}:"
                  f" {exc}); passing the sets to check as 0-ary function symbols instead "
                  f"(--sets app)", flush=True)
    if cfg.sets == "app":
        tiny = Instance(tiny.k, tiny.m, tiny.seed, tiny.expected, tiny.n, tiny.sets,
                        (as_constant_symbols(tiny.formula),))
    for b in cfg.backends:
        for enc in ("full", "sparse"):
            try:
                # as the children call it (the solvers' state is then made before the fork)
                check(tiny.formula, backend=b, encoding=enc, timeout=cfg.timeout, isolate=False)
            except Exception:  # noqa: BLE001 - reported when it matters, per query
                pass
    if "cvc5-native" in cfg.encodings:
        import cvc5  # noqa: F401


def child_warm_up(k: int, m: int) -> tuple[Instance, ...]:
    """Solved in every child before its timed query, by the same path (encoding and backend, or
    cvc5): a satisfiable and an unsatisfiable system over 4 sets, and an unsatisfiable one of the
    timed query's size (another seed). A forked child's first queries otherwise pay for copying,
    page by page, the parent's memory they write to (reference counts of the interpreter's and
    the libraries' objects; more of it for more sets): about 2,000 page faults, 13 ms of a 20 ms
    answer on an unsat system over 24 sets, 6 ms in a warm process. After the two small systems
    alone, 11-12 ms (z3) and 12-13 ms (cvc5's sets); with the third, 7-9 ms and 13-15 ms."""
    return (generate(4, 4, "child-warm-up"), generate(4, 4, "child-warm-up", unsat=True),
            generate(k, m, "child-warm-up", unsat=True))


def _run_all(fns: Sequence[Callable[[], object]]) -> None:
    for fn in fns:
        fn()


def _record(cell: Cell, out: dict[str, Any], expected: str, label: str,
            errors: list[str]) -> None:
    answer = out["answer"]
    if answer == expected:
        cell.times.append(out["seconds"])
        if out.get("reduce") is not None:
            cell.reduce.append(out["reduce"])
        if out.get("solver") is not None:
            cell.solver.append(out["solver"])
        if out.get("reduce") is not None and out.get("solver") is not None:
            cell.other.append(max(0.0, out["seconds"] - out["reduce"] - out["solver"]))
        if out.get("regions") is not None:
            cell.regions.append(out["regions"])
        if out.get("layers"):
            cell.layers.append(out["layers"])
        return
    if answer == "timeout":
        cell.timeouts += 1
        cell.times.append(math.inf)
        return
    cell.errors += 1
    line = (f"ERROR {label}: expected {expected}, got {answer}"
            f"{' (' + str(out.get('reason')) + ')' if out.get('reason') else ''}")
    errors.append(line)
    print(line, flush=True)
    if out.get("trace"):
        print(out["trace"], flush=True)


def run(cfg: Config) -> list[str]:
    _warm_up(cfg)
    rows: list[str] = []
    errors: list[str] = []
    header = (f"{'k':>3} {'m':>3}  {'encoding':<11} {'backend':<7} {'sat[s]':>8} {'unsat[s]':>8}"
              f" {'reduce[s]':>9} {'solver[s]':>9} {'other[s]':>8}  {'regions':<12} {'layers':<10}"
              f" {'t/o':>5}  answers")
    how = "free variables" if cfg.sets == "var" else "0-ary function symbols"
    print(f"# sets passed to check as: {how}")
    print(header, flush=True)
    sparse_all: list[float] = []
    for k in cfg.ks:
        insts = [(generate(k, cfg.m, instance_seed(cfg.seed, k, cfg.m, r, "sat")),
                  generate(k, cfg.m, instance_seed(cfg.seed, k, cfg.m, r, "unsat"), unsat=True))
                 for r in range(cfg.runs)]
        for enc in cfg.encodings:
            for backend in (cfg.backends if enc != "cvc5-native" else ("cvc5",)):
                label0 = f"k={k} m={cfg.m} {enc} {backend}"
                if enc == "full" and k > cfg.full_max_k:
                    row = (f"{k:>3} {cfg.m:>3}  {enc:<11} {backend:<7} skipped "
                           f"(k > {cfg.full_max_k})")
                    print(row, flush=True)
                    rows.append(row)
                    continue
                cells = {"sat": Cell(), "unsat": Cell()}

                def query(inst: Instance, enc: str = enc,
                          backend: str = backend) -> Callable[[], dict[str, Any]]:
                    if enc == "cvc5-native":
                        return functools.partial(_cvc5_solve, inst, cfg.timeout,
                                                 cfg.cvc5_universe)
                    return functools.partial(_check_query, inst, backend, enc, cfg.timeout,
                                             cfg.depth, cfg.sets)

                warm_up = functools.partial(_run_all,
                                            [query(w) for w in child_warm_up(k, cfg.m)])
                for r, pair in enumerate(insts):
                    for inst in pair:
                        deadline = time.perf_counter() + cfg.timeout + 5.0
                        out = _in_child(query(inst), deadline, warm_up)
                        label = (f"{label0} run={r} {inst.expected}"
                                 f"{' pattern=' + inst.pattern if inst.pattern else ''}"
                                 f" seed={inst.seed}")
                        if cfg.verbose:
                            print(f"  {label}: {out.get('answer')} {out.get('seconds'):.3f}s "
                                  f"reduce={out.get('reduce')} solver={out.get('solver')} "
                                  f"layers={out.get('layers')}", flush=True)
                        _record(cells[inst.expected], out, inst.expected, label, errors)
                sat, uns = cells["sat"], cells["unsat"]
                red = _median_or_none(sat.reduce + uns.reduce)
                sol = _median_or_none(sat.solver + uns.solver)
                other = _median_or_none(sat.other + uns.other)
                regs = sorted(set(sat.regions + uns.regions))
                regions = ("-" if not regs else str(regs[0]) if len(regs) == 1
                           else f"{regs[0]}-{regs[-1]}")
                lays = sorted(set(sat.layers + uns.layers))
                layers = "-" if not lays else lays[0] if len(lays) == 1 else f"{lays[0]}.."
                tos = sat.timeouts + uns.timeouts
                errs = sat.errors + uns.errors
                answers = "OK" if errs == 0 else f"ERROR ({errs} wrong of {2 * cfg.runs})"
                row = (f"{k:>3} {cfg.m:>3}  {enc:<11} {backend:<7}"
                       f" {_fmt(sat.median(), cfg.timeout):>8} {_fmt(uns.median(), cfg.timeout):>8}"
                       f" {_fmt(red, cfg.timeout):>9} {_fmt(sol, cfg.timeout):>9}"
                       f" {_fmt(other, cfg.timeout):>8}  {regions:<12} {layers:<10} {tos:>5}"
                       f"  {answers}")
                print(row, flush=True)
                rows.append(row)
                if enc == "sparse" and backend == cfg.backends[0]:
                    sparse_all = sat.times + uns.times
    if errors:
        print(f"\n{len(errors)} ERROR(S): wrong or missing answers (excluded from the medians):")
        for e in errors:
            print("  " + e)
    if len(cfg.ks) == 1 and "sparse" in cfg.encodings and sparse_all:
        med = statistics.median(sparse_all)
        tos = sum(1 for t in sparse_all if math.isinf(t))
        if math.isinf(med):  # timeouts counted as exactly the limit give a lower bound
            low = statistics.median([min(t, cfg.timeout) for t in sparse_all])
            print(f"sparse median k={cfg.ks[0]} m={cfg.m}: {low:.3f} s "
                  f"(a lower bound: {tos} of {len(sparse_all)} runs timed out)")
        else:
            print(f"sparse median k={cfg.ks[0]} m={cfg.m}: {med:.3f} s")
    return errors


def logic_fingerprint() -> str:
    """Which version of logic/ is measured: a hash of its sources and the newest change."""
    import datetime
    import hashlib

    import logic

    root = Path(logic.__file__).resolve().parent
    files = sorted(root.glob("*.py"))
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    newest = max(f.stat().st_mtime for f in files)
    when = datetime.datetime.fromtimestamp(newest, datetime.UTC)
    return f"sha256 {digest.hexdigest()[:12]}, newest change {when:%Y-%m-%d %H:%M:%S} UTC"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, help="a single number of set variables")
    ap.add_argument("--m", type=int, default=DEFAULT_M, help="constraints per instance (8)")
    ap.add_argument("--runs", type=int, default=5, help="instances per kind (5); medians")
    ap.add_argument("--seed", default="0", help="base seed (0)")
    ap.add_argument("--backend", default="z3,yices",
                    help="comma-separated backends for full/sparse: z3, yices (z3,yices); the "
                         "first is the one of the final 'sparse median' line")
    ap.add_argument("--encodings", default=",".join(ENCODINGS),
                    help=f"comma-separated subset of {', '.join(ENCODINGS)}")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-query seconds (30)")
    ap.add_argument("--full-max-k", type=int, default=12,
                    help="largest k for the full encoding (12); larger k print 'skipped'")
    ap.add_argument("--depth", type=int, default=None,
                    help="instantiation depth passed to check (default: check's default)")
    ap.add_argument("--cvc5-universe", action="store_true",
                    help="cvc5: n = card(set.universe) (option sets-exp) instead of a set U")
    ap.add_argument("--sets", choices=("auto", "var", "app"), default="auto",
                    help="how check receives the sets: free variables (var), 0-ary function "
                         "symbols (app), or var unless check fails on a probe (auto)")
    ap.add_argument("--quick", action="store_true", help="smoke run: k = 4, 8, 2 runs")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every query")
    args = ap.parse_args(argv)
    encodings = tuple(e.strip() for e in args.encodings.split(",") if e.strip())
    for e in encodings:
        if e not in ENCODINGS:
            ap.error(f"unknown encoding {e!r}")
    backends = tuple(b.strip() for b in args.backend.split(",") if b.strip())
    if args.k is not None:
        ks: tuple[int, ...] = (args.k,)
    else:
        ks = QUICK_KS if args.quick else DEFAULT_KS
    runs = 2 if args.quick and args.runs == 5 else args.runs
    cfg = Config(ks, args.m, runs, str(args.seed), backends, encodings, args.timeout,
                 args.full_max_k, args.depth, args.cvc5_universe, args.verbose, args.sets)
    print(f"# logic/ sources: {logic_fingerprint()}", flush=True)
    print(f"# logic_scaling: k={','.join(map(str, ks))} m={cfg.m} runs={runs} seed={cfg.seed} "
          f"backends={','.join(backends)} encodings={','.join(encodings)} "
          f"timeout={cfg.timeout:g}s depth={cfg.depth if cfg.depth is not None else 'default'}"
          f" cvc5-n={'set.universe' if cfg.cvc5_universe else 'card(U), Si <= U'}", flush=True)
    errors = run(cfg)  # prints "sets=..." once decided by the warm-up
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
