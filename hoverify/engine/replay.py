"""Counterexample replay: a solver's model of a condition, run through the model's code.

A refuted verification condition comes back as a :class:`~logic.structure.Structure` over the
compiled signature (:mod:`hoverify.compiler`). This module decodes it into executor values — the
exact inverse of :meth:`CompiledModel.encode <hoverify.compiler.CompiledModel.encode>` — and
replays it:

* :func:`decode_state` reads a :class:`~hoverify.trace.State` from one version of the locals
  (``None``: the pre-state, ``"next"``: the post-state ``x'``, ``"init"``, ``"old"``): ``r`` from
  the constant ``r`` (``r + 1`` for ``next``, ``0`` for ``init``), the inputs from ``input``, each
  local ``x`` from ``x``/``x_def`` (``x_def`` false is ``None``; the raw value is then ignored),
  the crashed set from ``C``/``C'`` (crash-stop models);
* :func:`decode_round_input` reads the round's :class:`~hoverify.trace.RoundInput`: the HO sets
  from ``HO``, the crashes ``C' \\ C`` (crash-stop), and under value faults one corrupted message
  ``(p, q, payload)`` per ``q ∈ AHO(p)``, the payload read from the round's ``corrupt_*``
  symbols (sorted by receiver, then sender);
* :func:`replay_transition` runs the decoded pre-state and round input through the model's real
  code (:func:`hoverify.executor.step`; for a round with ``choose``/``coin``, every sequence of
  choices up to a bound, depth first), re-encodes pre-state, input and the code's post-state with
  ``encode``, adds the tables the encoding does not define (``init(x)``, ``old(x)``, ... — inputs
  of the condition) from the solver's structure, and evaluates the violated formula on the
  result. The counterexample is *confirmed* iff the formula holds there, the executor raised
  nothing, the round input respects the fault model and the round's HO predicate holds.
  :func:`replay_initial` does the same for the initial states (``init`` run on the decoded
  inputs), :func:`replay_state` for conditions over one state.

Decoding is strict about what the structure says and lenient about what it omits: a table that is
missing (or empty: the solver was not asked) takes a default value — the condition does not depend
on it — and is listed in :attr:`Replay.notes`; a table that lacks an entry another entry of it has,
or a value out of its sort's range, is a :class:`DecodeError`, which the ``replay_*`` functions
turn into ``confirmed=False``. The ``replay_*`` functions never raise (except on
``KeyboardInterrupt`` and the like): any error in the model's code, the evaluation or the
structure becomes ``confirmed=False`` with a reason.

The round input that is replayed (and reported in :attr:`Replay.rinput`) is the executor's
normalisation of the decoded one (:meth:`hoverify.executor.Engine.normalise`): under crash-stop,
crashed senders are dropped from HO sets and crashed receivers hear everybody; corrupted messages
from senders that sent nothing are dropped. For benign models it is the decoded input itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hoverify.adversary import NOMSG
from hoverify.compile_expr import LocalInfo
from hoverify.compile_mailbox import FaultSymbols
from hoverify.compiler import CompiledModel
from hoverify.errors import HoverifyError
from hoverify.executor import engine, ho_predicate_holds, initial_state, step
from hoverify.ho import HOSets
from hoverify.trace import RoundInput, State
from logic.evaluate import check_structure, holds
from logic.sorts import BOOL, PROC, FunctionSymbol, Sort, SortKind
from logic.structure import Structure
from logic.terms import Term

MAX_RUNS = 512
"""The default bound on the number of choice sequences tried for a nondeterministic round."""

_MAX_LISTED = 4


class DecodeError(HoverifyError):
    """The structure is no encoding of an executor state (value out of range, missing entry)."""


@dataclass(frozen=True)
class Replay:
    """The outcome of replaying a solver's counterexample through the model's code.

    ``confirmed``: the executor reproduces the violation. ``reason``: why not (empty iff
    ``confirmed``). ``pre``/``rinput``/``post``: the replayed pre-state, the (normalised) round
    input and the state the model's code computes (for :func:`replay_initial`: ``pre`` is the
    initial state ``init`` computes, ``rinput``/``post`` are ``None``; for :func:`replay_state`
    only ``pre`` is set). ``round``/``round_name``: the round number and round class replayed.
    ``solver_state``: the solver's version of the state the code computed (its post-state for a
    transition, its state for :func:`replay_initial`), if it decodes; ``matches_solver`` whether
    it equals the code's (``None`` if not applicable); ``differences`` the cells that differ
    (``"x'(p1): the model's code computes 3 but the solver's post-state has 2"``). ``notes``:
    defaults taken for tables the solver's structure does not give, and similar remarks.
    ``kind``: ``"transition"``, ``"initial"`` or ``"state"`` (which ``replay_*`` made it).
    """

    confirmed: bool
    reason: str
    pre: State | None
    rinput: RoundInput | None
    post: State | None
    round: int | None
    round_name: str | None
    solver_state: State | None = None
    matches_solver: bool | None = None
    differences: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    kind: str = "transition"


# ---- values ----------------------------------------------------------------------------------


def show_value(v: Any, sort: Sort | None = None) -> str:
    """A Python value of a local as the reports print it: ``?`` for ``None``, ``true``/``false``,
    ``p2`` for a process (if ``sort`` is ``Proc``), tuples in parentheses."""
    if v is None:
        return "?"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, tuple):
        return "(" + ", ".join(show_value(x) for x in v) + ")"
    if sort is PROC and isinstance(v, int):
        return f"p{int(v)}"
    return str(v)


def same_value(a: Any, b: Any) -> bool:
    """Equality of local values that tells ``None``, Booleans and ints apart."""
    if (a is None) != (b is None) or isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(same_value(x, y) for x, y in zip(a, b, strict=True)))
    return bool(a == b)


def _args_text(args: tuple[Any, ...]) -> str:
    return ", ".join(f"p{a}" if isinstance(a, int) and not isinstance(a, bool) else repr(a)
                     for a in args)


class _Reader:
    """Reads executor values out of a structure, collecting notes on defaults."""

    def __init__(self, compiled: CompiledModel, structure: Structure) -> None:
        self.cm = compiled
        self.s = structure
        n = structure.n
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise DecodeError(f"the solver's model has n = {n!r}, not a positive number of "
                              f"processes")
        self.n = int(n)
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- raw access
    def table(self, sym: FunctionSymbol | None) -> Mapping[tuple[Any, ...], Any] | None:
        if sym is None:
            return None
        t = self.s.functions.get(sym)
        return t if t else None

    def entry(self, sym: FunctionSymbol, table: Mapping[tuple[Any, ...], Any],
              args: tuple[Any, ...]) -> Any:
        try:
            return table[args]
        except (KeyError, TypeError):
            raise DecodeError(f"the solver's model gives {sym.display_name} no value at "
                              f"({_args_text(args)})") from None

    def value(self, sym: FunctionSymbol, args: tuple[Any, ...], v: Any, sort: Sort) -> Any:
        """The executor value of the logic value ``v`` of ``sym(args)`` of sort ``sort``."""
        where = f"{sym.display_name}({_args_text(args)})" if args else sym.display_name
        kind = sort.kind
        if kind is SortKind.BOOL:
            if not isinstance(v, bool):
                raise DecodeError(f"{where} = {v!r} is not a Boolean")
            return bool(v)
        if kind is SortKind.SET:
            if not isinstance(v, (frozenset, set)):
                raise DecodeError(f"{where} = {v!r} is not a set of processes")
            return frozenset(self.proc(where, x) for x in v)
        i = self.integer(where, v)
        if kind is SortKind.PROC:
            return self.proc(where, i)
        # a value sort's run-time values are any ints (``encode`` does not even put the values
        # of ``input`` into the domain): no domain check
        return i

    @staticmethod
    def integer(where: str, v: Any) -> int:
        if isinstance(v, int) and not isinstance(v, bool):
            return int(v)
        if isinstance(v, Fraction) and v.denominator == 1:
            return int(v.numerator)
        raise DecodeError(f"{where} = {v!r} is not an integer")

    def proc(self, where: str, v: Any) -> int:
        i = self.integer(where, v)
        if not 0 <= i < self.n:
            raise DecodeError(f"{where} names process {i}, which does not exist (n = {self.n})")
        return i

    def default(self, sort: Sort) -> Any:
        if sort.kind is SortKind.BOOL:
            return False
        if sort.kind is SortKind.VALUE:
            dom = self.s.domains.get(sort)
            return min(dom) if dom else 0
        return 0

    # -- the pieces of the encoding
    def round_number(self) -> int:
        if "r" not in self.s.constants:
            self.note("the solver's model does not give r; taken as 0")
            return 0
        r = self.integer("r", self.s.constants["r"])
        if r < 0:
            raise DecodeError(f"r = {r} is not a round number")
        return r

    def column(self, info: LocalInfo, version: str | None) -> tuple[Any, ...]:
        sym = info.sym.versioned(version)
        dsym = info.def_sym.versioned(version) if info.def_sym is not None else None
        t, dt = self.table(sym), self.table(dsym)
        sort = sym.codomain
        if t is None and dt is None:
            dflt = None if dsym is not None else self.default(sort)
            self.note(f"{sym.display_name} is not in the solver's model; taken as "
                      f"{show_value(dflt, sort)}")
            return (dflt,) * self.n
        col: list[Any] = []
        for p in range(self.n):
            if dsym is not None and dt is not None:
                defined = self.value(dsym, (p,), self.entry(dsym, dt, (p,)), BOOL)
                if not defined:
                    col.append(None)
                    continue
            if t is None:
                dflt = self.default(sort)
                self.note(f"{sym.display_name} is not in the solver's model; taken as "
                          f"{show_value(dflt, sort)} where defined")
                col.append(dflt)
            else:
                col.append(self.value(sym, (p,), self.entry(sym, t, (p,)), sort))
        return tuple(col)

    def inputs(self) -> tuple[Any, ...]:
        sym = self.cm.symbols.input
        t = self.table(sym)
        if t is None:
            values = tuple(getattr(self.cm.model, "values", ()) or ())
            dflt = values[0] if values else self.default(sym.codomain)
            self.note(f"input is not in the solver's model; taken as {show_value(dflt)}")
            return (dflt,) * self.n
        return tuple(self.value(sym, (p,), self.entry(sym, t, (p,)), sym.codomain)
                     for p in range(self.n))

    def crashed(self, version: str | None) -> frozenset[int]:
        csym = self.cm.symbols.crashed
        if csym is None:
            return frozenset()
        sym = csym.versioned(version)
        t = self.table(sym)
        if t is None:
            if version == "next":
                self.note("C' is not in the solver's model; taken as C (no crash in the round)")
                return self.crashed(None)
            if version is None:
                self.note("C is not in the solver's model; taken as {}")
            elif version != "init":
                self.note(f"{sym.display_name} is not in the solver's model; taken as {{}}")
            return frozenset()
        v: frozenset[int] = self.value(sym, (), self.entry(sym, t, ()), sym.codomain)
        return v

    def state(self, version: str | None) -> State:
        r = self.round_number()
        if version == "next":
            r += 1
        elif version == "init":
            r = 0
        names = self.cm.model.local_names()
        cols = [self.column(self.cm.locals[x], version) for x in names]
        rows = tuple(tuple(c[p] for c in cols) for p in range(self.n))
        return State(r, names, rows, self.inputs(), self.crashed(version))

    def round_input(self) -> RoundInput:
        syms = self.cm.symbols
        n = self.n
        t = self.table(syms.ho)
        if t is None:
            self.note("HO is not in the solver's model; taken as every process")
            masks = ((1 << n) - 1,) * n
        else:
            sets = [self.value(syms.ho, (p,), self.entry(syms.ho, t, (p,)), syms.ho.codomain)
                    for p in range(n)]
            masks = HOSets.from_sets(sets).masks
        crash: frozenset[int] = frozenset()
        if syms.crashed is not None:
            crash = self.crashed("next") - self.crashed(None)
        corrupt: list[tuple[int, int, Any]] = []
        if syms.aho is not None:
            at = self.table(syms.aho)
            if at is None:
                self.note("AHO is not in the solver's model; taken as {} (no corruption)")
            else:
                rr = self.cm.round_of(self.round_number())
                for p in range(n):
                    aho = self.value(syms.aho, (p,), self.entry(syms.aho, at, (p,)),
                                     syms.aho.codomain)
                    for q in sorted(aho):
                        if rr.fault_symbols is None:
                            self.note(f"AHO(p{p}) contains p{q} but round {rr.name} sends no "
                                      f"messages: ignored")
                            continue
                        corrupt.append((p, q, self.payload(rr.fault_symbols, p, q)))
        return RoundInput(HOSets(tuple(masks)), crash, tuple(corrupt))

    def payload(self, fs: FaultSymbols, p: int, q: int) -> Any:
        args = (p, q)
        if fs.tuple_def is not None and not self.flag(fs.tuple_def, args, True):
            return None
        leaves: list[Any] = []
        for vs, ds in zip(fs.values, fs.defs, strict=True):
            if vs is None:
                leaves.append(None)
                continue
            if ds is not None and not self.flag(ds, args, True):
                leaves.append(None)
                continue
            t = self.table(vs)
            if t is None:
                dflt = self.default(vs.codomain)
                self.note(f"{vs.display_name} is not in the solver's model; taken as "
                          f"{show_value(dflt)}")
                leaves.append(dflt)
            else:
                leaves.append(self.value(vs, args, self.entry(vs, t, args), vs.codomain))
        return tuple(leaves) if fs.is_tuple else leaves[0]

    def flag(self, sym: FunctionSymbol, args: tuple[Any, ...], dflt: bool) -> bool:
        t = self.table(sym)
        if t is None:
            self.note(f"{sym.display_name} is not in the solver's model; taken as "
                      f"{show_value(dflt)}")
            return dflt
        b: bool = self.value(sym, args, self.entry(sym, t, args), BOOL)
        return b


# ---- decoding --------------------------------------------------------------------------------


def decode_state(compiled: CompiledModel, structure: Structure,
                 version: str | None = None) -> State:
    """The executor state encoded by ``structure`` in the symbols of version ``version``
    (``None``: the pre-state, ``"next"``: the post-state, ``"init"``, ``"old"``).

    Raises :class:`DecodeError` if a value is out of range or a table lacks an entry."""
    return _Reader(compiled, structure).state(version)


def decode_round_input(compiled: CompiledModel, structure: Structure) -> RoundInput:
    """The round input encoded by ``structure``: HO sets, crashes ``C' \\ C``, corrupted
    messages (sorted by receiver, then sender). Raises :class:`DecodeError`."""
    return _Reader(compiled, structure).round_input()


# ---- replay ----------------------------------------------------------------------------------


def _merge(base: Structure, solver: Structure, extra: Mapping[FunctionSymbol,
           Mapping[tuple[Any, ...], Any]] | None = None) -> Structure:
    """``base`` plus ``extra`` plus every table and constant of ``solver`` that neither defines
    (the inputs of the condition the encoding does not cover: ``init(x)``, ``old(x)``, ...)."""
    funcs: dict[FunctionSymbol, Mapping[tuple[Any, ...], Any]] = dict(base.functions)
    funcs.update(extra or {})
    for f, t in solver.functions.items():
        funcs.setdefault(f, t)
    consts = dict(base.constants)
    for k, v in solver.constants.items():
        consts.setdefault(k, v)
    domains: dict[Sort, set[int]] = {s: set(d) for s, d in base.domains.items()}
    for s, d in solver.domains.items():
        domains.setdefault(s, set()).update(d)
    for f, t in funcs.items():  # values of copied tables belong to their sorts' domains
        sorts = [*(s for s in f.domain if s.is_value), f.codomain]
        for s in sorts:
            if not s.is_value:
                continue
            dom = domains.setdefault(s, {0})
            if s is f.codomain:
                dom.update(v for v in t.values() if isinstance(v, int) and not isinstance(v, bool))
            for args in t:
                for a, srt in zip(args, f.domain, strict=False):
                    if srt is s and isinstance(a, int) and not isinstance(a, bool):
                        dom.add(a)
    return Structure(base.n, {s: tuple(sorted(d)) for s, d in domains.items()}, funcs, consts)


def _int_range(compiled: CompiledModel, structure: Structure, r: int, n: int) -> range:
    """The integers ``coord`` is tabulated at: ``encode``'s default range, widened to the
    arguments the solver's structure has for ``coord``."""
    lo, hi = -2 * n - 2, max(r, 0) + 2 * n + 4
    for args in structure.functions.get(compiled.symbols.coord, {}):
        for a in args:
            if isinstance(a, int) and not isinstance(a, bool):
                lo, hi = min(lo, int(a)), max(hi, int(a) + 1)
    return range(lo, hi)


def _evaluate(violated: Term, s: Structure) -> str | None:
    """``None`` if ``violated`` holds on ``s``, else why not."""
    try:
        check_structure(violated, s)
        if holds(violated, s):
            return None
        return "the violated formula does not hold on the replayed structure"
    except Exception as e:  # noqa: BLE001 - evaluation errors of any kind are reported
        return f"the violated formula cannot be evaluated on the replayed structure: {e}"


def _differences(compiled: CompiledModel, code: State, solver: State, prime: str,
                 what: str) -> list[str]:
    out = []
    for p in range(min(code.n, solver.n)):
        for i, name in enumerate(code.names):
            a, b = code.locals[p][i], solver.locals[p][i]
            if not same_value(a, b):
                sort = compiled.locals[name].sym.codomain
                out.append(f"the model's code computes {name}{prime}(p{p}) = "
                           f"{show_value(a, sort)} but the solver's {what} has "
                           f"{show_value(b, sort)}")
    if code.crashed != solver.crashed:
        out.append(f"the model's code has C{prime} = {_set_text(code.crashed)} but the solver's "
                   f"{what} has {_set_text(solver.crashed)}")
    return out


def _set_text(s: frozenset[int]) -> str:
    return "{" + ", ".join(f"p{q}" for q in sorted(s)) + "}"


def _listing(items: list[str]) -> str:
    head = "; ".join(items[:_MAX_LISTED])
    more = len(items) - _MAX_LISTED
    return head + (f"; and {more} more" if more > 0 else "")


def _choice_runs(limit: int) -> Iterator[tuple[Callable[[], Callable[[tuple[Any, ...]], Any]],
                                               list[int]]]:
    """Depth-first enumeration of chooser sequences: yields a factory of choosers that replay
    one prefix (choosing option 0 beyond it) and the list the run records its choice points in
    (number of options per call); the alternatives are explored after the caller ran it."""
    stack: list[tuple[int, ...]] = [()]
    runs = 0
    while stack and runs < limit:
        prefix = stack.pop()
        runs += 1
        calls: list[int] = []

        def factory(prefix: tuple[int, ...] = prefix,
                    calls: list[int] = calls) -> Callable[[tuple[Any, ...]], Any]:
            calls.clear()

            def chooser(options: tuple[Any, ...]) -> Any:
                i = len(calls)
                calls.append(len(options))
                k = prefix[i] if i < len(prefix) else 0
                return options[min(k, len(options) - 1)]

            return chooser

        yield factory, calls
        alts = []
        for i in range(len(prefix), len(calls)):
            for alt in range(1, calls[i]):
                alts.append(prefix + (0,) * (i - len(prefix)) + (alt,))
        stack.extend(reversed(alts))


def _make(confirmed: bool, reason: str, **kw: Any) -> Replay:
    fields: dict[str, Any] = {"pre": None, "rinput": None, "post": None, "round": None,
                              "round_name": None}
    fields.update(kw)
    return Replay(confirmed, reason, **fields)


def _failed(reason: str, **kw: Any) -> Replay:
    return _make(False, reason, **kw)


def replay_transition(compiled: CompiledModel, structure: Structure, violated: Term, *,
                      max_runs: int = MAX_RUNS) -> Replay:
    """Replay a counterexample to a transition condition (see the module docstring).

    ``violated`` is a closed formula over the pre-state, ``next`` and ``init`` symbols (e.g.
    ``Inv ∧ Safe ∧ ¬Inv'``) that holds in ``structure``; the counterexample is confirmed iff it
    holds on the re-encoding of the decoded pre-state, the round input and the post-state the
    model's code computes from them for round ``r`` (for a nondeterministic round: for some
    sequence of choices among the first ``max_runs``). Never raises."""
    try:
        return _replay_transition(compiled, structure, violated, max_runs)
    except Exception as e:  # noqa: BLE001 - the contract: never raise
        return _failed(f"internal error while replaying: {type(e).__name__}: {e}")


def _replay_transition(compiled: CompiledModel, structure: Structure, violated: Term,
                       max_runs: int) -> Replay:
    model = compiled.model
    try:
        reader = _Reader(compiled, structure)
        pre = reader.state(None)
        raw_input = reader.round_input()
    except DecodeError as e:
        return _failed(f"the solver's model is no executor state: {e.message}")
    r, n = pre.r, pre.n
    rr = compiled.round_of(r)
    info: dict[str, Any] = {"pre": pre, "rinput": raw_input, "round": r, "round_name": rr.name}
    solver_post: State | None = None
    try:
        solver_post = reader.state("next")
    except DecodeError as e:
        reader.note(f"the solver's post-state does not decode: {e.message}")
    k = len(compiled.rounds)
    if "phase" in structure.constants and structure.constants["phase"] != r // k:
        reader.note(f"the solver's model has phase = {structure.constants['phase']!r}, but "
                    f"round {r} is in phase {r // k}; replayed with phase = {r // k}")
    notes = tuple(reader.notes)
    info["notes"] = notes
    info["solver_state"] = solver_post
    too_few = model.too_few_processes(n)
    if too_few is not None:
        return _failed(too_few, **info)
    eng = engine(model, n)
    try:
        rinput = eng.normalise(pre, raw_input)
    except HoverifyError as e:
        return _failed(f"the round input violates the fault model: {e.message}", **info)
    info["rinput"] = rinput
    pred = model.round_predicate(rr.index)
    pred_ok = ho_predicate_holds(model, r, rinput.ho)
    ints = _int_range(compiled, structure, r, n)

    first_error: str | None = None
    first_fail: tuple[State, str] | None = None
    found: tuple[State, bool] | None = None  # (post, matches the solver's)
    tried = 0
    for factory, _calls in _choice_runs(max_runs):
        tried += 1
        run_input = rinput
        try:
            if rinput.corrupt:
                sends = eng.sends(pre, factory())
                run_input = RoundInput(rinput.ho, rinput.crash, tuple(
                    (p, q, pl) for p, q, pl in rinput.corrupt
                    if sends.bpay[q] is not NOMSG or q in sends.direct.get(p, {})))
            post = step(model, pre, run_input, chooser=factory(), normalise=False)
        except Exception as e:  # noqa: BLE001 - the model's code may raise anything
            if first_error is None:
                first_error = f"the model's code raises an error in round {r} ({rr.name}): {e}"
            continue
        s = _merge(compiled.encode(pre, run_input, post, extra_ints=ints), structure)
        why = _evaluate(violated, s)
        matches = solver_post is not None and not _differences(compiled, post, solver_post,
                                                                "'", "post-state")
        if why is None:
            if found is None or (matches and not found[1]):
                found = (post, matches)
                info["rinput"] = run_input
            if matches or solver_post is None:
                break
        elif first_fail is None or matches:
            first_fail = (post, why)
    if found is not None:
        post, matches = found
        diffs = () if solver_post is None else tuple(
            _differences(compiled, post, solver_post, "'", "post-state"))
        common = {**info, "post": post, "matches_solver": None if solver_post is None
                  else not diffs, "differences": diffs}
        if not pred_ok:
            return Replay(False, f"the HO sets violate the HO predicate of round {rr.name}: "
                                 f"{getattr(pred, 'formula', pred)}", **common)
        return Replay(True, "", **common)
    if first_fail is None:
        reason = first_error or "no run of the model's code completed"
        if tried >= max_runs:
            reason += f" (tried {tried} sequences of nondeterministic choices)"
        return _failed(reason, **info)
    post, why = first_fail
    diffs = () if solver_post is None else tuple(
        _differences(compiled, post, solver_post, "'", "post-state"))
    reason = why
    if diffs:
        reason += ": " + _listing(list(diffs))
    if tried > 1:
        reason += f" (for any of the {tried} sequences of nondeterministic choices tried)"
    if not pred_ok:
        reason += f"; and the HO sets violate the HO predicate of round {rr.name}"
    return Replay(False, reason, **{**info, "post": post, "matches_solver": (
        None if solver_post is None else not diffs), "differences": diffs})


def replay_initial(compiled: CompiledModel, structure: Structure, violated: Term) -> Replay:
    """Replay a counterexample to an initiation condition (``init ⇒ Inv``): run ``init`` on the
    inputs the structure gives, and evaluate ``violated`` on the encoding of the initial state
    (with ``init(x)`` tables equal to it). Never raises."""
    try:
        return _replay_initial(compiled, structure, violated)
    except Exception as e:  # noqa: BLE001 - the contract: never raise
        return _failed(f"internal error while replaying: {type(e).__name__}: {e}",
                       kind="initial")


def _init_tables(compiled: CompiledModel, enc: Structure) -> dict[FunctionSymbol, Any]:
    out: dict[FunctionSymbol, Any] = {}
    csym = compiled.symbols.crashed
    if csym is not None and csym in enc.functions:
        out[csym.versioned("init")] = enc.functions[csym]
    for info in compiled.locals.values():
        for sym in (info.sym, info.def_sym):
            if sym is not None and sym in enc.functions:
                out[sym.versioned("init")] = enc.functions[sym]
    return out


def _replay_initial(compiled: CompiledModel, structure: Structure, violated: Term) -> Replay:
    model = compiled.model
    try:
        reader = _Reader(compiled, structure)
        inputs = reader.inputs()
        solver_state = reader.state(None).replace(r=0)
    except DecodeError as e:
        return _failed(f"the solver's model is no executor state: {e.message}", kind="initial")
    info: dict[str, Any] = {"round": None, "round_name": None, "notes": tuple(reader.notes),
                            "solver_state": solver_state, "kind": "initial"}
    n = reader.n
    too_few = model.too_few_processes(n)
    if too_few is not None:
        return _failed(too_few, **info)
    try:
        s0 = initial_state(model, inputs)
    except Exception as e:  # noqa: BLE001 - the model's code may raise anything
        return _failed(f"the model's init raises an error: {e}", **info)
    info["pre"] = s0
    enc = compiled.encode(s0, extra_ints=_int_range(compiled, structure, 0, n))
    s = _merge(enc, structure, _init_tables(compiled, enc))
    diffs = tuple(_differences(compiled, s0, solver_state, "", "state"))
    info["matches_solver"] = not diffs
    info["differences"] = diffs
    why = _evaluate(violated, s)
    if why is None:
        return _make(True, "", **info)
    return _failed(why + (": " + _listing(list(diffs)) if diffs else ""), **info)


def replay_state(compiled: CompiledModel, structure: Structure, violated: Term) -> Replay:
    """Replay a counterexample to a condition over one state (``Inv ⇒ P``): decode the state,
    re-encode it (with the structure's ``init(x)`` tables) and evaluate ``violated``. Never
    raises."""
    try:
        try:
            reader = _Reader(compiled, structure)
            pre = reader.state(None)
        except DecodeError as e:
            return _failed(f"the solver's model is no executor state: {e.message}",
                           kind="state")
        info: dict[str, Any] = {"pre": pre, "round": None, "round_name": None,
                                "notes": tuple(reader.notes), "kind": "state"}
        too_few = compiled.model.too_few_processes(pre.n)
        if too_few is not None:
            return _failed(too_few, **info)
        enc = compiled.encode(pre, extra_ints=_int_range(compiled, structure, pre.r, pre.n))
        # encode also tabulates C' (= C): a state condition has no successor, leave it out
        csym = compiled.symbols.crashed
        drop = {csym.versioned("next")} if csym is not None else set()
        enc = Structure(enc.n, enc.domains,
                        {f: t for f, t in enc.functions.items() if f not in drop}, enc.constants)
        why = _evaluate(violated, _merge(enc, structure))
        return _make(why is None, why or "", **info)
    except Exception as e:  # noqa: BLE001 - the contract: never raise
        return _failed(f"internal error while replaying: {type(e).__name__}: {e}", kind="state")


__all__ = ["MAX_RUNS", "DecodeError", "Replay", "decode_round_input", "decode_state",
           "replay_initial", "replay_state", "replay_transition", "same_value", "show_value"]
