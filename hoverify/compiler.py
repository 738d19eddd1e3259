"""The compiler: a model's own ``init``/``send``/``update`` source to logic formulas.

``compile_model(Model) -> CompiledModel`` reads the source of ``init`` and of each round's
``send`` and ``update`` (``inspect`` + ``ast``) and produces

* ``signature``: one function symbol ``x: Proc -> S`` per local (``Int`` for int locals — values
  are ordered ints —, ``Bool``, ``Proc``, or the value sort of a ``ValueType``) plus, for an
  optional local ``T | None``, a companion ``x_def: Proc -> Bool`` (false where the local is
  ``None``, the undefined value ``?``); ``HO: Proc -> Set(Proc)``; ``coord: Int -> Proc`` (the
  coordinator of a phase: uninterpreted in the logic, ``phase mod n`` in the executor);
  ``proc: Int -> Proc`` (the process with a given integer id: ``COORD = 0`` in code is
  ``proc(0)``); ``input: Proc -> S`` (the ``v`` of ``init(p, v)``); constants ``r`` and
  ``phase``; under crash-stop the crashed set ``C: Set(Proc)`` (a 0-ary function, so ``C'`` is
  the crashed set after the round); under value faults ``AHO: Proc -> Set(Proc)`` and, per round,
  ``corrupt_<Round><i>: Proc x Proc -> S`` (the arbitrary value of component ``i`` of the message
  from ``q ∈ AHO(p)`` to ``p``). State copies ``next`` (``x'``), ``old`` and ``init``.
* ``init``: ``r = 0 ∧ phase = 0 (∧ C = ∅) ∧ ∀p. x(p) = <value after init> ∧ ...``.
* ``rounds``: per ``Round`` a :class:`RoundRelation`: ``relation`` over the pre-state (version
  ``None``), the post-state (``next``), ``HO``, ``r`` and ``phase``::

      phase = r // k ∧ r - k*phase = j ∧ r >= 0 ∧ ∀p. ∃w̄ b̄. witnesses(w̄) ∧ x'(p) = e_x ∧ ...

  where ``e_x`` is ``x``'s value at the end of ``update`` (SSA: each assignment yields a new
  expression; ``if`` merges with if-then-else; unassigned locals keep their value); ``w̄`` are
  the witness senders of ``min``/``max``/``max_by``/``min_most_often`` and ``b̄`` the Boolean
  choices of ``choose``/``coin`` (option ``i`` is taken iff ``b_1..b_{i-1}`` are false and
  ``b_i`` true). A compound value stored in ``x'(p)`` that a later store repeats (``p.x = ...;
  p.decide(p.x)``) appears there as ``x'(p)``, once defined (:func:`_stored_values`); an
  optional local's value is stated under ``x_def'(p)``. See :mod:`hoverify.compile_mailbox`
  for the mailbox. Under crash-stop,
  ``C ⊆ C'``, processes in ``C'`` keep their state and crashed senders send nothing.
  ``safety`` is the round's HO predicate; ``wellformed`` collects the conditions under which the
  executor raises no run-time error (e.g. no ``None`` stored in a non-optional local).
* ``faults``: the fault model's assumption on one round (``None`` for benign faults).
* ``safety``, ``invariants``, ``round_invariants``, ``round_lemmas``: the model's specification
  strings, parsed
  against the signature (see :mod:`hoverify.compile_spec` for ``?`` and optional locals).

:meth:`CompiledModel.encode` interprets the signature by an executor state (and a round's input
and successor): the one definition of the encoding, used by the conformance test and by
counterexample replay. ``None`` is ``x_def = false`` with the raw value ``0`` (``False`` for
Booleans, process 0 for process ids).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import weakref
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hoverify.compile_expr import (
    Body,
    Fresh,
    FunctionSource,
    LocalInfo,
    Symbols,
    _Mbox,
    _Proc,
    _Unset,
)
from hoverify.compile_liveness import Liveness, compile_liveness
from hoverify.compile_mailbox import FaultSymbols, MailboxModel, Messages, corrupt_symbols
from hoverify.compile_spec import SpecSource, compile_spec
from hoverify.compile_values import (
    BOOL_T,
    INT_T,
    PROC_T,
    Ty,
    TypeClash,
    Val,
    mk_and,
    mk_eq,
    mk_iff,
    mk_implies,
    mk_not,
    unify,
)
from hoverify.dsl import MISSING, Algorithm, Proc, Round, ValueType
from hoverify.errors import CompileError
from hoverify.faults import CrashStop, ValueFaults
from hoverify.ho import bits
from hoverify.trace import RoundInput, State
from logic.signature import Signature
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, Sort, value_sort
from logic.structure import Structure
from logic.terms import (
    FALSE,
    TRUE,
    App,
    Card,
    Eq,
    Exists,
    FloorDiv,
    Forall,
    Ge,
    IntConst,
    Member,
    Mul,
    Op,
    Sub,
    Subset,
    Term,
    Var,
    free_vars,
    substitute,
    symbols,
)

VERSIONS = ("next", "old", "init")
RESERVED = ("HO", "coord", "proc", "input", "C", "AHO", "r", "phase", "n")


@dataclass(frozen=True)
class RelationParts:
    """The pieces of a round's relation (see the module docstring), from which
    :meth:`assemble` builds it: whole, or restricted to the updates of some locals.

    ``globals``: the conjuncts about ``r`` and ``phase`` (and ``C ⊆ C'``); ``receiver``: the
    process ``p`` of ``∀p``; ``evars``: the witness senders and choices bound by ``∃`` under it;
    ``witnesses``: the witnesses' constraints; ``stores``: per local, the post-state symbols it
    defines (``x'``, ``x_def'``) and its store; ``crashed``: under crash-stop, ``p ∈ C'`` and
    each local's frame (in the order of ``stores``)."""

    globals: tuple[Term, ...]
    receiver: Term
    evars: tuple[Term, ...]
    witnesses: tuple[Term, ...]
    stores: tuple[tuple[frozenset[FunctionSymbol], Term], ...]
    crashed: tuple[Term, tuple[Term, ...]] | None = None

    def assemble(self, keep: frozenset[int] | None = None, witnesses: bool = True) -> Term:
        """The relation with the stores of the locals numbered ``keep`` (all if ``None``) and,
        if ``witnesses``, the witnesses' constraints. Each restriction only drops conjuncts
        under the quantifiers, so the result is implied by the whole relation."""
        picked = [i for i in range(len(self.stores)) if keep is None or i in keep]
        body = mk_and(*(self.witnesses if witnesses else ()),
                      *[self.stores[i][1] for i in picked])
        used = free_vars(body)
        evars = [v for v in self.evars if v in used]
        if evars:
            body = Exists(evars, body)
        if self.crashed is not None:
            in_post, frames = self.crashed
            body = mk_and(mk_implies(in_post, mk_and(*[frames[i] for i in picked])),
                          mk_implies(mk_not(in_post), body))
        return mk_and(*self.globals, Forall(self.receiver, body))

    def updates(self, wanted: Collection[FunctionSymbol]) -> Term | None:
        """The relation restricted to the stores that define a symbol of ``wanted`` (and the
        stores those mention, transitively: a store may name another local's post-state value),
        without the witnesses' constraints (the choices of ``min``, ``max``, ``max_by`` and
        ``min_most_often`` become arbitrary senders); ``None`` if that drops nothing."""
        keep: set[int] = set()
        todo = set(wanted)
        while todo:
            new = {i for i, (defined, _) in enumerate(self.stores)
                   if i not in keep and defined & todo}
            keep |= new
            todo = set().union(*(symbols(self.stores[i][1]) for i in new)) if new else set()
        if len(keep) == len(self.stores) and not self.witnesses:
            return None
        return self.assemble(frozenset(keep), witnesses=False)


@dataclass(frozen=True)
class RoundRelation:
    """The transition relation of one round of the phase (see the module docstring)."""

    name: str
    index: int
    file: str
    line: int
    relation: Term
    safety: Term | None
    wellformed: Term
    deterministic: bool
    messages: Messages = field(repr=False, compare=False)
    fault_symbols: FaultSymbols | None = field(default=None, repr=False, compare=False)
    #: the pieces ``relation`` is built from (:meth:`RelationParts.assemble`)
    parts: RelationParts | None = field(default=None, repr=False, compare=False)

    def updates(self, wanted: Collection[FunctionSymbol]) -> Term | None:
        """:meth:`RelationParts.updates` of this round (``None`` without parts)."""
        return None if self.parts is None else self.parts.updates(wanted)


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A model compiled to logic (see the module docstring)."""

    model: type[Algorithm]
    signature: Signature
    init: Term
    init_wellformed: Term
    rounds: tuple[RoundRelation, ...]
    faults: Term | None
    safety: Mapping[str, Term]
    invariants: tuple[Term, ...]
    round_invariants: Mapping[str, Term]
    locals: Mapping[str, LocalInfo] = field(repr=False)
    symbols: Symbols = field(repr=False, compare=False)
    #: the source line of each specification string: ``(attribute, key) -> line``, e.g.
    #: ``("invariants", 0)``, ``("safety", "agreement")``, ``("round_invariants", "Report")``
    spec_lines: Mapping[tuple[str, object], int] = field(default_factory=dict, repr=False,
                                                         compare=False)
    #: the file of the model class (where ``spec_lines`` point)
    file: str = "<unknown>"
    #: goals, good rounds, assumption and proof chains (``None``: no liveness goal)
    liveness: Liveness | None = field(default=None, repr=False)
    #: per round, two-state lemmas about its transition (``old(x)`` the pre-state), proved in
    #: order and then assumed by every other VC over that round
    round_lemmas: Mapping[str, tuple[Term, ...]] = field(default_factory=dict, repr=False)

    def round_of(self, r: int) -> RoundRelation:
        """The relation of round number ``r`` (``rounds[r % k]``)."""
        return self.rounds[r % len(self.rounds)]

    # ---- the encoding of executor states as structures -----------------------------------------
    def raw(self, info: LocalInfo, v: Any) -> Any:
        """The value of the symbol ``x`` for the Python value ``v`` of local ``x``."""
        if v is None:
            return False if info.ty.kind == "bool" else 0
        if info.ty.kind == "bool":
            return bool(v)
        return int(v)

    def encode(self, pre: State, rinput: RoundInput | None = None, post: State | None = None,
               *, extra_ints: range | None = None) -> Structure:
        """The structure interpreting the pre-state ``pre`` (version ``None``), the round input
        (HO sets, crashes, corrupted messages) and the successor ``post`` (version ``next``)."""
        n = pre.n
        syms = self.symbols
        funcs: dict[FunctionSymbol, dict[tuple[Any, ...], Any]] = {}
        domains: dict[Sort, set[int]] = {}

        def put(state: State, version: str | None) -> None:
            for name, info in self.locals.items():
                col = state.column(name)
                sym = info.sym.versioned(version)
                funcs[sym] = {(p,): self.raw(info, v) for p, v in enumerate(col)}
                if info.def_sym is not None:
                    funcs[info.def_sym.versioned(version)] = {
                        (p,): v is not None for p, v in enumerate(col)}
                if info.ty.kind == "value":
                    domains.setdefault(info.ty.sort, {0}).update(
                        self.raw(info, v) for v in col)

        put(pre, None)
        if post is not None:
            put(post, "next")
        in_info = LocalInfo("input", None, syms.input_ty, syms.input, None)
        funcs[syms.input] = {(p,): self.raw(in_info, v) for p, v in enumerate(pre.inputs)}
        hi = max(pre.r, 0) + 2 * n + 4
        ints = range(-2 * n - 2, hi) if extra_ints is None else extra_ints
        funcs[syms.coord] = {(k,): k % n for k in ints}
        funcs[syms.proc] = {(k,): k for k in range(n)}
        if syms.crashed is not None:
            funcs[syms.crashed] = {(): frozenset(pre.crashed)}
            after = post.crashed if post is not None else pre.crashed | (
                rinput.crash if rinput is not None else frozenset())
            funcs[syms.crashed.versioned("next")] = {(): frozenset(after)}
        if rinput is not None:
            funcs[syms.ho] = {(p,): frozenset(bits(m)) for p, m in enumerate(rinput.ho.masks)}
            if syms.aho is not None:
                aho: dict[int, set[int]] = {p: set() for p in range(n)}
                bad: dict[tuple[int, int], Any] = {}
                for p, q, pl in rinput.corrupt:
                    aho[p].add(q)
                    bad[(p, q)] = pl
                funcs[syms.aho] = {(p,): frozenset(s) for p, s in aho.items()}
                fs = self.round_of(pre.r).fault_symbols
                if fs is not None:
                    _encode_corrupt(funcs, fs, bad, n)
        return Structure(n, {s: tuple(sorted(d)) for s, d in domains.items()}, funcs,
                         {"r": pre.r, "phase": pre.r // len(self.rounds)})


def _encode_corrupt(funcs: dict[FunctionSymbol, dict[tuple[Any, ...], Any]], fs: FaultSymbols,
                    bad: Mapping[tuple[int, int], Any], n: int) -> None:
    k = len(fs.values)
    tables_v: list[dict[tuple[Any, ...], Any]] = [{} for _ in range(k)]
    tables_d: list[dict[tuple[Any, ...], Any]] = [{} for _ in range(k)]
    tdef: dict[tuple[Any, ...], Any] = {}
    for p in range(n):
        for q in range(n):
            pl = bad.get((p, q))
            tdef[(p, q)] = pl is not None
            if fs.is_tuple:
                parts = tuple(pl) if isinstance(pl, tuple) else (None,) * k
            else:
                parts = (pl,)
            for i in range(k):
                sym = fs.values[i]
                if sym is None:
                    continue
                v = parts[i] if i < len(parts) else None
                tables_v[i][(p, q)] = (False if sym.codomain is BOOL else 0) if v is None else (
                    bool(v) if sym.codomain is BOOL else int(v))
                tables_d[i][(p, q)] = v is not None
    for i in range(k):
        vs, ds = fs.values[i], fs.defs[i]
        if vs is not None:
            funcs[vs] = tables_v[i]
        if ds is not None:
            funcs[ds] = tables_d[i]
    if fs.tuple_def is not None:
        funcs[fs.tuple_def] = tdef


# ---- compilation --------------------------------------------------------------------------------

_CACHE: weakref.WeakKeyDictionary[type, CompiledModel] = weakref.WeakKeyDictionary()


def compile_model(model: type[Algorithm]) -> CompiledModel:
    """Compile ``model`` (cached per class); raises a located :class:`CompileError` on code
    outside the supported subset or specification strings that do not type-check."""
    hit = _CACHE.get(model)
    if hit is not None:
        return hit
    model.check()
    res = _Compiler(model).run()
    _CACHE[model] = res
    return res


def _local_ty(decl: Any, vsorts: dict[str, Sort]) -> Ty:
    b = decl.base
    if b is int:
        ty = INT_T
    elif b is bool:
        ty = BOOL_T
    elif b is Proc:
        ty = PROC_T
    elif isinstance(b, ValueType):
        s = vsorts.setdefault(b.name, value_sort(b.name, b.ordered))
        ty = Ty("value", False, (), s)
    else:  # pragma: no cover - Local rejects other types
        raise TypeError(b)
    return ty.opt() if decl.optional else ty


#: the values that are stored under a name of their own: atoms are left as they are
_ATOMS = (Op.VAR, Op.APP, Op.INT_CONST, Op.BOOL_CONST, Op.NPROCS, Op.EMPTY)


def _stored_values(syms: Symbols, env: Mapping[str, Val], pre: Mapping[str, Val],
                   p: Term) -> dict[Term, Term]:
    """Each compound value that the update of ``p`` stores unconditionally, mapped to the
    post-state term that holds it (``x'(p)`` or ``x_def'(p)``; the first local if several
    store the same value).

    An update that reads a local after assigning it (``p.x = mbox.min(); p.decide(p.x)``)
    repeats the assigned value in every later store. Since ``x'(p) = v`` is a conjunct of the
    same update, writing ``x'(p)`` for those copies of ``v`` is an equivalence; it spares the
    decision procedure one copy of ``v``'s quantifiers and witnesses per use."""
    named: dict[Term, Term] = {}
    for x, info in syms.locals.items():
        v = env[x]
        if v is pre[x]:
            continue
        if info.def_sym is not None and v.defined.op not in _ATOMS:
            named.setdefault(v.defined, App(info.def_sym.versioned("next"), p))
        if (v.term is not None and v.term.op not in _ATOMS
                and (info.def_sym is None or v.defined is TRUE)):
            named.setdefault(v.term, App(info.sym.versioned("next"), p))
    return named


def _fn(owner: type, name: str) -> Any:
    fn = inspect.getattr_static(owner, name)
    if isinstance(fn, (staticmethod, classmethod)):
        fn = fn.__func__
    return fn


class _Compiler:
    def __init__(self, model: type[Algorithm]) -> None:
        self.model = model
        self.fresh = Fresh()
        try:
            self.file = inspect.getsourcefile(model) or "<unknown>"
        except (OSError, TypeError):  # e.g. a class defined in a notebook cell
            self.file = "<unknown>"
        try:
            self.class_line = inspect.getsourcelines(model)[1]
        except (OSError, TypeError):
            self.class_line = 0

    def error(self, msg: str, line: int | None = None) -> CompileError:
        return CompileError(msg, file=self.file, line=line or self.class_line or None)

    # ---- symbols -----------------------------------------------------------------------------
    def symbols(self) -> Symbols:
        model = self.model
        vsorts: dict[str, Sort] = {}
        infos: dict[str, LocalInfo] = {}
        names = set(model.locals_)
        for name, decl in model.locals_.items():
            if name in RESERVED:
                raise self.error(f"the local '{name}' clashes with a reserved symbol of the logic "
                                 f"({', '.join(RESERVED)}); rename it")
            ty = _local_ty(decl, vsorts)
            sym = FunctionSymbol(name, (PROC,), ty.sort)
            dsym = None
            if decl.optional:
                dname = f"{name}_def"
                if dname in names:
                    raise self.error(f"the local '{dname}' clashes with the definedness symbol of "
                                     f"the optional local '{name}'; rename it")
                dsym = FunctionSymbol(dname, (PROC,), BOOL)
            infos[name] = LocalInfo(name, decl, ty, sym, dsym)
        self.vsorts = vsorts
        input_ty = self.input_type(infos)
        crash = isinstance(model.faults(), CrashStop)
        vf = isinstance(model.faults(), ValueFaults)
        return Symbols(
            model=model, locals=infos,
            ho=FunctionSymbol("HO", (PROC,), SET_PROC),
            coord=FunctionSymbol("coord", (INT,), PROC),
            proc=FunctionSymbol("proc", (INT,), PROC),
            input=FunctionSymbol("input", (PROC,), input_ty.sort),
            input_ty=input_ty,
            crashed=FunctionSymbol("C", (), SET_PROC) if crash else None,
            aho=FunctionSymbol("AHO", (PROC,), SET_PROC) if vf else None,
            r=Var("r", INT), phase=Var("phase", INT))

    def input_type(self, infos: dict[str, LocalInfo]) -> Ty:
        """The type of ``v`` in ``init(p, v)``: the type of the local it is assigned to, else
        the type of the model's ``values``."""
        init = _fn(self.model, "init")
        try:
            src = FunctionSource.of(init, f"{self.model.__name__}.init")
        except CompileError:
            src = None
        if src is not None and len(src.tree.args.args) == 2:
            pname, vname = (a.arg for a in src.tree.args.args)
            for node in ast.walk(src.tree):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    t = node.targets[0]
                    if isinstance(node.value, ast.Name) and node.value.id == vname and \
                            isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and \
                            t.value.id == pname and t.attr in infos:
                        ty = infos[t.attr].ty.strict()
                        if ty.kind != "none":
                            return ty
        vals = self.model.values
        if all(v is True or v is False for v in vals):
            return BOOL_T
        if all(type(v) is int for v in vals):
            return INT_T
        raise self.error(f"{self.model.__name__}.values must be all ints or all Booleans, "
                         f"found {vals!r}")

    def signature(self, syms: Symbols, fault_syms: list[FaultSymbols]) -> Signature:
        funcs: list[FunctionSymbol] = []
        for info in syms.locals.values():
            funcs.append(info.sym)
            if info.def_sym is not None:
                funcs.append(info.def_sym)
        funcs += [syms.ho, syms.coord, syms.proc, syms.input]
        if syms.crashed is not None:
            funcs.append(syms.crashed)
        if syms.aho is not None:
            funcs.append(syms.aho)
        for fs in fault_syms:
            funcs += [s for s in (*fs.values, *fs.defs, fs.tuple_def) if s is not None]
        return Signature.build(sorts=self.vsorts.values(), constants={"r": INT, "phase": INT},
                               functions=funcs, versions=VERSIONS)

    # ---- values of the locals ------------------------------------------------------------------
    def pre_env(self, syms: Symbols, me: Term) -> dict[str, Val | _Unset]:
        key = me
        cache = self._pre.setdefault(key, {})
        for name, info in syms.locals.items():
            if name not in cache:
                d = App(info.def_sym, me) if info.def_sym is not None else TRUE
                cache[name] = Val(info.ty, App(info.sym, me), d)
        return dict(cache)

    def store(self, info: LocalInfo, v: Val, p: Term, version: str | None,
              pre: Val | None, named: Mapping[Term, Term] | None = None) -> Term:
        """``x^version(p)`` (and ``x_def``) equal the value ``v``; a frame if ``v`` is ``pre``.

        ``named`` maps values stored by the same update to the post-state terms that hold them
        (:func:`_stored_values`); each occurrence of one inside ``v``, except ``v`` itself, is
        replaced by its name."""
        sym = info.sym.versioned(version)
        dsym = info.def_sym.versioned(version) if info.def_sym is not None else None
        if pre is not None and v is pre:
            parts = [mk_eq(App(sym, p), App(info.sym, p))]
            if dsym is not None and info.def_sym is not None:
                parts.append(mk_iff(App(dsym, p), App(info.def_sym, p)))
            return mk_and(*parts)

        def by_name(t: Term, own: Term) -> Term:
            if not named:
                return t
            return substitute(t, {k: name for k, name in named.items() if name is not own})

        parts = []
        if dsym is not None:
            parts.append(mk_iff(App(dsym, p), by_name(v.defined, App(dsym, p))))
        if v.term is not None:
            value = mk_eq(App(sym, p), by_name(v.term, App(sym, p)))
            if dsym is not None and v.defined is not TRUE:
                # the value where it is defined: x_def(p) is ``v.defined`` by the part before
                value = mk_implies(App(dsym, p), value)
            parts.append(value)
        return mk_and(*parts)

    def frame(self, syms: Symbols, p: Term, local: str | None = None) -> Term:
        """``x'(p) = x(p)`` for every local (for ``local`` only, if given)."""
        env = self.pre_env(syms, p)
        return mk_and(*[self.store(info, env[x], p, "next", env[x])  # type: ignore[arg-type]
                        for x, info in syms.locals.items() if local in (None, x)])

    # ---- the pieces ----------------------------------------------------------------------------
    def run(self) -> CompiledModel:
        model = self.model
        self._pre: dict[Term, dict[str, Val]] = {}
        syms = self.symbols()
        self.syms = syms
        init, init_wf = self.compile_init(syms)
        rounds = []
        fault_syms = []
        k = len(model.rounds)
        prelim = []
        for j, rnd in enumerate(model.rounds):
            prelim.append(self.compile_round(syms, j, rnd, k))
        for rr in prelim:
            if rr.fault_symbols is not None:
                fault_syms.append(rr.fault_symbols)
        sig = self.signature(syms, fault_syms)
        specs = _SpecCompiler(self, sig, syms)
        for rr, rnd in zip(prelim, model.rounds, strict=True):
            pred = model.round_predicate(rr.index)
            ho_pred = specs.ho_predicate(pred, rnd) if pred is not None else None
            rounds.append(replace(rr, safety=ho_pred))
        faults = self.fault_formula(syms, specs)
        min_n = model.min_n
        if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
            # every VC assumes n >= min_n (hoverify.engine.vcgen): it must be a number of processes
            raise self.error(f"{model.__name__}.min_n must be a whole number of processes, at "
                             f"least 1, not {min_n!r}", specs.attr_lines.get("min_n"))
        safety = {name: specs.attr("safety", name, text) for name, text in model.safety.items()}
        invariants = tuple(specs.attr("invariants", i, text)
                           for i, text in enumerate(model.invariants))
        rinv_src = getattr(model, "round_invariants", {}) or {}
        if not isinstance(rinv_src, Mapping):
            raise self.error(f"{model.__name__}.round_invariants must map round names to "
                             f"formula strings")
        round_names = [r.__name__ for r in model.rounds]
        rinv = {}
        for name, text in rinv_src.items():
            if name not in round_names:
                raise self.error(f"round_invariants: {name!r} is not a round of "
                                 f"{model.__name__} ({', '.join(round_names)})")
            rinv[name] = specs.attr("round_invariants", name, text)
        lemma_src = getattr(model, "round_lemmas", {}) or {}
        if not isinstance(lemma_src, Mapping):
            raise self.error(f"{model.__name__}.round_lemmas must map round names to lists of "
                             f"two-state formula strings")
        lemmas: dict[str, tuple[Term, ...]] = {}
        for name, texts in lemma_src.items():
            if name not in round_names:
                raise self.error(f"round_lemmas: {name!r} is not a round of {model.__name__} "
                                 f"({', '.join(round_names)})")
            items = [texts] if isinstance(texts, str) else list(texts)
            lemmas[name] = tuple(specs.attr("round_lemmas", (name, k), text)
                                 for k, text in enumerate(items))
        liveness = compile_liveness(model, round_names, specs.attr, specs.good_round,
                                    specs.line_of, self.file)
        return CompiledModel(model, sig, init, init_wf, tuple(rounds), faults, safety,
                             invariants, rinv, syms.locals, syms, dict(specs.lines_of),
                             self.file, liveness, lemmas)

    def compile_init(self, syms: Symbols) -> tuple[Term, Term]:
        model = self.model
        fn = _fn(model, "init")
        src = FunctionSource.of(fn, f"{model.__name__}.init")
        p = Var("p", PROC)
        env: dict[str, Val | _Unset] = {}
        for name, info in syms.locals.items():
            env[name] = self.initial_val(info, src)
        pname, vname = (a.arg for a in src.tree.args.args)
        body = Body(syms, src, "init", p, self.fresh, env,
                    {pname: _Proc(p), vname: Val(syms.input_ty, App(syms.input, p))})
        body.run()
        parts = []
        for name, info in syms.locals.items():
            v = body.env[name]
            if isinstance(v, _Unset):
                how = "on some paths of init only" if v.maybe else "nowhere"
                raise src.error(None, f"local '{name}' has no initial value: it is assigned "
                                      f"{how}; give it one with Local(..., initial=...) or "
                                      f"assign it in init")
            parts.append(self.store(info, v, p, None, None))
        glob = [Eq(syms.r, IntConst(0)), Eq(syms.phase, IntConst(0))]
        if syms.crashed is not None:
            q = self.fresh("q", PROC)
            glob.append(Forall(q, mk_not(Member(q, App(syms.crashed)))))
        init = mk_and(*glob, Forall(p, mk_and(*parts)))
        wf = Forall(p, mk_and(*[c for c, _ in body.obligations])) if body.obligations else TRUE
        return init, wf

    def initial_val(self, info: LocalInfo, src: FunctionSource) -> Val | _Unset:
        init = info.decl.initial
        if init is MISSING:
            return _Unset(info.name, False)
        if init is None:
            return Val(info.ty, None, FALSE)
        if init is True or init is False:
            return Val(info.ty, TRUE if init else FALSE)
        if info.ty.kind == "proc":
            return Val(info.ty, App(self.syms.proc, IntConst(int(init))))
        if info.ty.kind == "value":
            raise self.error(f"local '{info.name}': an initial value of the uninterpreted value "
                             f"sort {info.ty.sort} is not supported; assign it in init")
        return Val(info.ty, IntConst(int(init)))

    def compile_round(self, syms: Symbols, j: int, rnd: type, k: int) -> RoundRelation:
        model = self.model
        qual = f"{model.__name__}.{rnd.__name__}"
        send_src = FunctionSource.of(_fn(rnd, "send"), f"{qual}.send")
        upd_src = FunctionSource.of(_fn(rnd, "update"), f"{qual}.update")
        # messages: send on a symbolic sender s
        s = self.fresh("s", PROC)
        (sp,) = (a.arg for a in send_src.tree.args.args)
        sb = Body(syms, send_src, "send", s, self.fresh, self.pre_env(syms, s), {sp: _Proc(s)})
        sb.run()
        ty: Ty | None = None
        for c in sb.cases:
            try:
                ty = c.payload.ty if ty is None else unify(ty, c.payload.ty)
            except TypeClash as e:
                raise send_src.error(None, f"{qual}.send sends payloads of different types: "
                                           f"{e}") from None
        messages = Messages(s, tuple(sb.cases), ty)
        fs = None
        if syms.aho is not None and ty is not None:
            fs = corrupt_symbols(f"corrupt_{rnd.__name__}", ty, syms.aho)
        # the update of a receiver p
        p = Var("p", PROC)
        witnesses: list[tuple[Term, Term]] = []
        crashed_pre = App(syms.crashed) if syms.crashed is not None else None
        mb = MailboxModel(messages, p, syms.ho, crashed_pre, fs, self.fresh,
                          lambda v, c: witnesses.append((v, c)))
        pname, mname = (a.arg for a in upd_src.tree.args.args)
        ub = Body(syms, upd_src, "update", p, self.fresh, self.pre_env(syms, p),
                  {pname: _Proc(p), mname: _Mbox()}, mb)
        ub.run()
        pre = self.pre_env(syms, p)
        named = _stored_values(syms, ub.env, pre, p)  # type: ignore[arg-type]
        stores = [self.store(info, ub.env[x], p, "next", pre[x], named)  # type: ignore[arg-type]
                  for x, info in syms.locals.items()]
        wit = [c for _, c in witnesses]
        evars = [v for v, _ in witnesses] + ub.choices
        wf_upd = mk_and(*wit, *[c for c, _ in ub.obligations]) if ub.obligations else TRUE
        if evars and wf_upd is not TRUE:
            wf_upd = Exists(evars, wf_upd)
        wf_send = mk_and(*[c for c, _ in sb.obligations])
        glob = []
        if k > 1:
            glob.append(Eq(syms.phase, FloorDiv(syms.r, IntConst(k))))
            glob.append(Eq(Sub(syms.r, Mul(IntConst(k), syms.phase)), IntConst(j)))
        else:
            glob.append(Eq(syms.phase, syms.r))
        glob.append(Ge(syms.r, IntConst(0)))
        crashed: tuple[Term, tuple[Term, ...]] | None = None
        if syms.crashed is not None:
            c_pre, c_post = App(syms.crashed), App(syms.crashed.versioned("next"))
            glob.append(Subset(c_pre, c_post))
            in_post = Member(p, c_post)
            crashed = in_post, tuple(self.frame(syms, p, x) for x in syms.locals)
            wf_upd = mk_implies(mk_not(in_post), wf_upd)
            wf_send = mk_implies(mk_not(Member(s, c_pre)), wf_send)
        defined = [frozenset(sym.versioned("next") for sym in (info.sym, info.def_sym)
                             if sym is not None) for info in syms.locals.values()]
        parts = RelationParts(tuple(glob), p, tuple(evars), tuple(wit),
                              tuple(zip(defined, stores, strict=True)), crashed)
        relation = parts.assemble()
        wf = mk_and(Forall(s, wf_send) if wf_send is not TRUE else TRUE,
                    Forall(p, wf_upd) if wf_upd is not TRUE else TRUE)
        line = upd_src.tree.lineno + upd_src.line_off
        return RoundRelation(rnd.__name__, j, upd_src.file, line, relation, None, wf,
                             not ub.choices, messages, fs, parts)

    def fault_formula(self, syms: Symbols, specs: _SpecCompiler) -> Term | None:
        fm = self.model.faults()
        p, q = Var("p", PROC), Var("q", PROC)
        if isinstance(fm, CrashStop):
            assert syms.crashed is not None
            c_post = App(syms.crashed.versioned("next"))
            bound = specs.nexpr(str(fm.f))
            from logic.terms import Le

            return mk_and(Le(Card(c_post), bound),
                          Forall([p, q], mk_implies(mk_not(Member(q, c_post)),
                                                    Member(q, App(syms.ho, p)))))
        if isinstance(fm, ValueFaults):
            assert syms.aho is not None
            from logic.terms import Le

            bound = specs.nexpr(str(fm.alpha))
            return Forall(p, mk_and(Le(Card(App(syms.aho, p)), bound),
                                    Subset(App(syms.aho, p), App(syms.ho, p))))
        return None


class _SpecCompiler:
    """Locates and compiles the specification strings of the model class."""

    def __init__(self, comp: _Compiler, sig: Signature, syms: Symbols) -> None:
        self.comp = comp
        self.sig = sig
        self.syms = syms
        self.nodes: dict[tuple[str, object], ast.expr] = {}
        self.attr_lines: dict[str, int] = {}
        self.lines: tuple[str, ...] = ()
        self.lines_of: dict[tuple[str, object], int] = {}
        self.line_off = self.col_off = 0
        try:
            lines, start = inspect.getsourcelines(comp.model)
            text = textwrap.dedent("".join(lines))
            tree = ast.parse(text)
        except (OSError, TypeError, SyntaxError):
            return
        self.lines = tuple(text.splitlines(keepends=True))
        self.line_off = start - 1
        self.col_off = len(lines[0]) - len(lines[0].lstrip())
        cls = tree.body[0] if tree.body and isinstance(tree.body[0], ast.ClassDef) else None
        if cls is None:
            return
        self.scan(cls, "")
        for node in cls.body:
            if isinstance(node, ast.ClassDef):
                self.scan(node, node.name + ".")

    def scan(self, cls: ast.ClassDef, prefix: str) -> None:
        for node in cls.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name):
                name = prefix + node.targets[0].id
                self.attr_lines[name] = node.lineno + self.line_off
                v = node.value
                if isinstance(v, ast.Dict):
                    for key, val in zip(v.keys, v.values, strict=True):
                        if isinstance(key, ast.Constant):
                            self.nodes[(name, key.value)] = val
                elif isinstance(v, (ast.List, ast.Tuple)):
                    for i, val in enumerate(v.elts):
                        self.nodes[(name, i)] = val
                else:
                    self.nodes[(name, None)] = v

    def source(self, attr: str, key: object, label: str) -> SpecSource:
        node = self.nodes.get((attr, key))
        line = self.attr_lines.get(attr)
        if node is not None:
            line = node.lineno + self.line_off
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            node = None
        return SpecSource(label, self.comp.file, line or self.comp.class_line or None, node,
                          self.line_off, self.col_off, self.lines)

    def attr(self, attr: str, key: object, text: Any) -> Term:
        label = f"{attr}[{key!r}]" if not isinstance(key, int) else f"{attr}[{key}]"
        src = self.source(attr, key, label)
        if src.line is not None:
            self.lines_of[(attr, key)] = src.line
        if not isinstance(text, str):
            raise CompileError(f"{label} must be a formula string, found {type(text).__name__}",
                               file=src.file, line=src.line)
        return compile_spec(text, self.sig, self.syms.locals, src)

    def ho_predicate(self, pred: Any, rnd: type[Round]) -> Term:
        formula = getattr(pred, "formula", None)
        attr = f"{rnd.__name__}.ho_predicate" if rnd.ho_predicate is not None else "ho_predicate"
        label = f"the HO predicate {pred!r}"
        src = SpecSource(label, self.comp.file, self.attr_lines.get(attr) or self.comp.class_line)
        if not isinstance(formula, str):
            raise CompileError(f"{label} has no formula string", file=src.file, line=src.line)
        return compile_spec(formula, self.sig, self.syms.locals, src)

    def good_round(self, pred: Any, label: str) -> Term:
        """The formula of an HO predicate of ``good_rounds``."""
        formula = getattr(pred, "formula", None)
        src = SpecSource(label, self.comp.file, self.attr_lines.get("good_rounds")
                         or self.comp.class_line)
        if not isinstance(formula, str):
            raise CompileError(f"{label} must be an HO predicate (hoverify.hopredicates), found "
                               f"{pred!r}", file=src.file, line=src.line)
        return compile_spec(formula, self.sig, self.syms.locals, src)

    def line_of(self, attr: str, key: object) -> int | None:
        return self.source(attr, key, attr).line

    def nexpr(self, text: str) -> Term:
        from logic.parser import parse

        return parse(text, self.sig, expected=INT)


__all__ = ["compile_model", "CompiledModel", "RoundRelation", "VERSIONS"]
