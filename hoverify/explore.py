"""The bounded explorer: every execution of a model for a small ``n``, breadth first.

``explore(model, n, rounds)`` enumerates the initial values (from the model's ``values``, or
``values=``), then round by round every environment choice: for each receiver every subset of the
processes that sent it a message (its HO set, completed by the processes that sent it nothing),
the crashes allowed by a ``CrashStop`` fault model, the corrupted messages allowed by
``ValueFaults`` (values from the value domain), and every option of each ``choose``/``coin``.
Choices that violate the model's HO predicate are skipped. Each state is checked against the model's
safety properties; the first violation found is a *shortest* one (BFS), returned as a concrete
:class:`~hoverify.trace.Trace` replayed through the executor's ``step`` code.

Reductions (exact for the properties checked):

* each receiver's successor local states are computed once per distinct outcome (many mailboxes
  lead to the same local state), and global successors are products of these outcome sets;
* states are deduplicated per round;
* **symmetry** over process ids, for models whose code never mentions process ids (no ``p.id``,
  ``coord``, ``send_to``, ``from_``, ``senders``, ``Proc`` locals) and whose HO predicate is
  id-independent: states are kept up to a permutation of processes, and receivers in the same
  local state take their outcomes as multisets.

The HO predicate is checked on the completed HO sets (a receiver's HO set contains every process
that sent it nothing), which is exact for predicates that are upward closed (no-split, kernel,
``|HO(p)| > k``, coordinator predicates) but not for ``Uniform``.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hoverify.adversary import NOMSG
from hoverify.dsl import Algorithm, Proc
from hoverify.errors import HoverifyError
from hoverify.executor import Engine, _decisions, _Sends, engine
from hoverify.faults import CrashStop, ValueFaults
from hoverify.ho import HOSets, bits
from hoverify.mailbox import order_key
from hoverify.properties import check_state, check_step
from hoverify.trace import RoundInput, RoundRecord, State, Trace, Violation


@dataclass(frozen=True)
class ExploreResult:
    """The outcome of a bounded exploration."""

    model: str
    n: int
    rounds: int
    states: int  # distinct states explored (up to symmetry)
    violation: Violation | None
    trace: Trace | None  # a shortest violating run, replayed through the executor
    complete: bool = True  # False if ``max_states`` stopped the search early
    symmetric: bool = False

    @property
    def ok(self) -> bool:
        return self.violation is None


_ID_NAMES = {"coord", "send_to"}
_ID_ATTRS = {"id", "from_", "senders"}


def _functions(model: type[Algorithm]) -> Iterator[Any]:
    yield model.init
    for rnd in model.rounds:
        yield rnd.send
        yield rnd.update


def is_symmetric(model: type[Algorithm]) -> bool:
    """Whether renaming processes maps runs of ``model`` to runs (see the module docstring)."""
    if any(d.base is Proc for d in model.locals_.values()):
        return False
    preds = [model.round_predicate(i) for i in range(len(model.rounds))]
    if any(p is not None and not p.symmetric for p in preds):
        return False
    for fn in _functions(model):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError, SyntaxError):
            return False
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in _ID_NAMES:
                return False
            if isinstance(node, ast.Attribute) and node.attr in _ID_ATTRS:
                return False
    return True


def _subsets(mask: int) -> Iterator[int]:
    """Every sub-mask of ``mask``."""
    sub = mask
    while True:
        yield sub
        if sub == 0:
            return
        sub = (sub - 1) & mask


def _arbitrary_values(payload: Any, domain: Sequence[Any]) -> list[Any]:
    if type(payload) is tuple:
        return [tuple(c) for c in itertools.product(
            *(_arbitrary_values(x, domain) for x in payload))]
    if payload is True or payload is False:
        return [False, True]
    ints = [v for v in domain if type(v) is int] or [0, 1]
    return [None, *ints] if payload is None else ints


class _Explorer:
    def __init__(self, model: type[Algorithm], n: int, values: Sequence[Any],
                 symmetric: bool, properties: Sequence[str] | None = None) -> None:
        self.model = model
        self.n = n
        self.eng: Engine = engine(model, n)
        self.values = tuple(values)
        self.symmetric = symmetric
        self.faults = model.faults()
        self.props = tuple(model.properties if properties is None else properties)

    # ---- canonical forms ------------------------------------------------------------------
    def canon(self, st: State) -> tuple[State, list[int]]:
        """``(c, sigma)`` with ``c.locals[i] == st.locals[sigma[i]]``."""
        if not self.symmetric:
            return st, list(range(st.n))

        def key(p: int) -> Any:
            return order_key((st.locals[p], st.inputs[p], p in st.crashed,
                              st.initial[p] if st.initial else ()))

        sigma = sorted(range(st.n), key=key)
        c = State(st.r, st.names, tuple(st.locals[p] for p in sigma),
                  tuple(st.inputs[p] for p in sigma),
                  frozenset(i for i, p in enumerate(sigma) if p in st.crashed),
                  tuple(st.initial[p] for p in sigma) if st.initial else ())
        return c, sigma

    # ---- one receiver ---------------------------------------------------------------------
    def outcomes(self, st: State, sends: _Sends, p: int, options: Iterable[int],
                 alive: int) -> dict[tuple[Any, ...], tuple[int, tuple[tuple[int, Any], ...],
                                                             tuple[Any, ...]]]:
        """Distinct post-locals of receiver ``p`` -> a witness (HO mask, corruption, choices)."""
        eng, n, phase = self.eng, self.n, st.r // self.eng.k
        pred = self.model.round_predicate(st.r % eng.k)
        senders_to_p = sends.bmask | _mask_of(sends.direct.get(p, {}))
        out: dict[tuple[Any, ...], tuple[int, tuple[tuple[int, Any], ...], tuple[Any, ...]]] = {}
        alpha = self.faults.bound(n) if isinstance(self.faults, ValueFaults) else 0
        for opt in options:
            ho = opt | (alive & ~senders_to_p)
            if pred is not None and pred.local and not pred.holds_at(p, ho, n, phase):
                continue
            for corrupt in self._corruptions(sends, p, opt, alpha):
                for row, choices in self._runs(st, sends, p, ho, dict(corrupt)):
                    if row not in out:
                        out[row] = (ho, corrupt, choices)
        return out

    def _corruptions(self, sends: _Sends, p: int, opt: int,
                     alpha: int) -> Iterator[tuple[tuple[int, Any], ...]]:
        yield ()
        if not alpha:
            return
        heard = list(bits(opt))
        for k in range(1, min(alpha, len(heard)) + 1):
            for qs in itertools.combinations(heard, k):
                pays = []
                for q in qs:
                    pl = sends.bpay[q]
                    if pl is NOMSG:
                        pl = sends.direct.get(p, {}).get(q, NOMSG)
                    pays.append([v for v in _arbitrary_values(pl, self.values) if v != pl])
                for vals in itertools.product(*pays):
                    yield tuple(zip(qs, vals, strict=True))

    def _runs(self, st: State, sends: _Sends, p: int, ho: int,
              corrupt: dict[int, Any]) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """Every (post-locals, choices) of ``p`` over all nondeterministic choices."""
        script: list[int] = []
        while True:
            chooser = _ScriptedChooser(script)
            row = self.eng.update_one(st, sends, p, ho, corrupt, chooser)
            yield row, tuple(chooser.taken)
            arities = chooser.arities
            script = [script[i] if i < len(script) else 0 for i in range(len(arities))]
            while script and script[-1] + 1 >= arities[len(script) - 1]:
                script.pop()
            if not script:
                return
            script[-1] += 1

    # ---- one state ------------------------------------------------------------------------
    def successors(
            self, st: State) -> Iterator[tuple[State, RoundInput, dict[int, tuple[Any, ...]]]]:
        eng, n = self.eng, self.n

        def no_choice(options: tuple[Any, ...]) -> Any:
            raise HoverifyError("the explorer does not support choose() in send")

        sends = eng.sends(st, no_choice)
        dead = _mask_of(st.crashed)
        alive = eng.full & ~dead
        pred = self.model.round_predicate(st.r % eng.k)
        phase = st.r // eng.k
        fm = self.faults
        crash_sets: list[frozenset[int]] = [frozenset()]
        if isinstance(fm, CrashStop):
            room = fm.bound(n) - len(st.crashed)
            live = [p for p in range(n) if p not in st.crashed]
            crash_sets = [frozenset(c) for k in range(0, max(room, 0) + 1)
                          for c in itertools.combinations(live, k)]
        for crash in crash_sets:
            kmask = _mask_of(crash)
            frozen = st.crashed | crash
            receivers = [p for p in range(n) if p not in frozen]
            per: list[list[tuple[tuple[Any, ...], tuple[int, Any, Any]]]] = []
            for p in receivers:
                to_p = (sends.bmask | _mask_of(sends.direct.get(p, {}))) & alive
                if isinstance(fm, CrashStop):
                    forced = to_p & ~kmask
                    options: Iterable[int] = (forced | s for s in _subsets(to_p & kmask))
                else:
                    options = _subsets(to_p)
                if pred is not None and not pred.local:
                    # keep every option: the predicate is checked on whole HO assignments
                    outs: list[tuple[tuple[Any, ...], tuple[int, Any, Any]]] = []
                    for opt in options:
                        o = self.outcomes(st, sends, p, [opt], alive)
                        outs.extend(o.items())
                    per.append(outs)
                else:
                    per.append(list(self.outcomes(st, sends, p, options, alive).items()))
            for combo in self._combine(st, receivers, per, pred):
                masks = [alive] * n
                rows = list(st.locals)
                choices: dict[int, tuple[Any, ...]] = {}
                corrupt: list[tuple[int, int, Any]] = []
                for p, (row, (ho, cor, ch)) in zip(receivers, combo, strict=True):
                    masks[p] = ho
                    rows[p] = row
                    if ch:
                        choices[p] = ch
                    corrupt.extend((p, q, pl) for q, pl in cor)
                hos = HOSets(tuple(masks))
                if pred is not None and not pred.local and not pred.holds(hos, phase):
                    continue
                succ = State(st.r + 1, st.names, tuple(rows), st.inputs, frozen, st.initial)
                yield succ, RoundInput(hos, crash, tuple(corrupt)), choices

    def _combine(self, st: State, receivers: list[int], per: list[list[Any]],
                 pred: Any) -> Iterator[tuple[Any, ...]]:
        if not self.symmetric or (pred is not None and not pred.local):
            yield from itertools.product(*per)
            return
        # receivers in the same state have the same outcomes: take multisets of them
        groups: dict[tuple[Any, Any], list[int]] = {}
        for i, p in enumerate(receivers):
            groups.setdefault((st.locals[p], st.inputs[p]), []).append(i)
        order = [i for g in groups.values() for i in g]
        parts = [list(itertools.combinations_with_replacement(per[g[0]], len(g)))
                 for g in groups.values()]
        for pick in itertools.product(*parts):
            flat = [x for part in pick for x in part]
            combo: list[Any] = [None] * len(receivers)
            for i, x in zip(order, flat, strict=True):
                combo[i] = x
            yield tuple(combo)

    # ---- search ---------------------------------------------------------------------------
    def initial_states(self) -> Iterator[State]:
        n = self.n
        gen: Iterable[tuple[Any, ...]] = (
            itertools.combinations_with_replacement(self.values, n) if self.symmetric
            else itertools.product(self.values, repeat=n))
        for inputs in gen:
            yield self.eng.initial(list(inputs))


class _ScriptedChooser:
    """Takes the options given by ``script`` (index per call; 0 past its end) and records the
    number of options of each call, to enumerate every choice sequence."""

    def __init__(self, script: list[int]) -> None:
        self.script = script
        self.arities: list[int] = []
        self.taken: list[Any] = []

    def __call__(self, options: tuple[Any, ...]) -> Any:
        i = len(self.arities)
        idx = self.script[i] if i < len(self.script) else 0
        self.arities.append(len(options))
        self.taken.append(options[idx])
        return options[idx]


class _Replay:
    """Replays recorded choices, in order."""

    def __init__(self, queue: list[Any]) -> None:
        self.queue = queue
        self.pos = 0

    def __call__(self, options: tuple[Any, ...]) -> Any:
        v = self.queue[self.pos]
        self.pos += 1
        if v not in options:
            raise HoverifyError(f"replay: choice {v!r} is not among {options!r}")
        return v


def _mask_of(procs: Iterable[int]) -> int:
    m = 0
    for q in procs:
        m |= 1 << q
    return m


def _permute_mask(mask: int, pi: Sequence[int]) -> int:
    return _mask_of(pi[j] for j in bits(mask))


def explore(model: type[Algorithm], n: int, rounds: int, values: Iterable[Any] | None = None,
            *, symmetry: bool | None = None, max_states: int = 1_000_000,
            properties: Sequence[str] | None = None) -> ExploreResult:
    """Explore every run of ``model`` with ``n`` processes for up to ``rounds`` rounds.

    ``properties`` restricts the checked properties (default: the model's). The result holds
    the number of distinct states explored and, if a property fails, a shortest violating trace.
    """
    model.check()
    if properties is not None:
        from hoverify.properties import PROPERTIES  # noqa: PLC0415
        unknown = [p for p in properties if p not in PROPERTIES]
        if unknown:
            raise HoverifyError(f"unknown properties: {', '.join(unknown)}")
    if not isinstance(n, int) or n < 1:
        raise HoverifyError(f"n must be a positive integer, not {n!r}")
    if n > 8:
        raise HoverifyError(f"the explorer enumerates every HO set: n = {n} is too large "
                            f"(at most 8)")
    if rounds < 0:
        raise HoverifyError(f"rounds must be >= 0, not {rounds}")
    vals = tuple(values) if values is not None else tuple(model.values)
    sym = is_symmetric(model) if symmetry is None else (symmetry and is_symmetric(model))
    ex = _Explorer(model, n, vals, sym, properties)
    parents: dict[State, tuple[State, RoundInput, dict[int, tuple[Any, ...]], list[int]] | None]
    parents = {}
    frontier: list[State] = []
    for st in ex.initial_states():
        c, _ = ex.canon(st)
        if c in parents:
            continue
        parents[c] = None
        v = check_state(ex.props, c, -1)
        if v is not None:
            return _result(ex, rounds, len(parents), v, [c], [])
        frontier.append(c)
    for _depth in range(rounds):
        nxt: list[State] = []
        for st in frontier:
            for succ, rinput, choices in ex.successors(st):
                v = check_step(ex.props, st, succ, st.r)
                if v is not None:
                    path = _path(parents, st)
                    return _result(ex, rounds, len(parents), v, path[0],
                                   [*path[1], (rinput, choices, None)])
                c, sigma = ex.canon(succ)
                if c not in parents:
                    parents[c] = (st, rinput, choices, sigma)
                    nxt.append(c)
                    if len(parents) >= max_states:
                        return ExploreResult(model.__name__, n, rounds, len(parents), None, None,
                                             complete=False, symmetric=sym)
        frontier = nxt
        if not frontier:
            break
    return ExploreResult(model.__name__, n, rounds, len(parents), None, None, symmetric=sym)


def _path(parents: dict[State, Any], last: State) -> tuple[list[State], list[Any]]:
    states = [last]
    edges: list[Any] = []
    cur = last
    while parents[cur] is not None:
        prev, rinput, choices, sigma = parents[cur]
        edges.append((rinput, choices, sigma))
        states.append(prev)
        cur = prev
    states.reverse()
    edges.reverse()
    return states, edges


def _result(ex: _Explorer, rounds: int, count: int, violation: Violation,
            states: list[State], edges: list[Any]) -> ExploreResult:
    trace = _replay(ex, states[0], edges, violation)
    return ExploreResult(ex.model.__name__, ex.n, rounds, count, trace.violation or violation,
                         trace, symmetric=ex.symmetric)


def _replay(ex: _Explorer, start: State, edges: list[Any], found: Violation) -> Trace:
    """Replay the path concretely through the executor (undoing the symmetry reduction)."""
    eng = ex.eng
    pi = list(range(ex.n))  # canonical index -> concrete process
    state = start
    records: list[RoundRecord] = []
    violation = check_state(ex.props, state, -1)
    total = 0
    for rinput, choices, sigma in edges:
        if violation is not None:
            break
        masks = [0] * ex.n
        for p, m in enumerate(rinput.ho.masks):
            masks[pi[p]] = _permute_mask(m, pi)
        concrete = RoundInput(HOSets(tuple(masks)), frozenset(pi[q] for q in rinput.crash),
                              tuple((pi[p], pi[q], pl) for p, q, pl in rinput.corrupt))
        chooser = _Replay([c for p in sorted(choices, key=lambda i: pi[i]) for c in choices[p]])

        sends = eng.sends(state, chooser)
        rin = eng.normalise(state, concrete)
        post, deliveries = eng.deliver(state, sends, rin, chooser)
        total += deliveries
        rnd = ex.model.rounds[state.r % eng.k]
        records.append(RoundRecord(state.r, state.r // eng.k, rnd.__name__, rin, state, post,
                                   deliveries, _decisions(eng.names, state, post)))
        violation = check_step(ex.props, state, post, state.r)
        state = post
        if sigma is not None:
            pi = [pi[s] for s in sigma]
    if violation is None:
        raise HoverifyError(f"internal error: the explorer's violation ({found}) did not replay")
    return Trace(ex.model.__name__, ex.n, None, "explore", start, tuple(records), violation,
                 state, total)


__all__ = ["explore", "ExploreResult", "is_symmetric"]
