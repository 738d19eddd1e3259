"""The lockstep executor: runs a model's own Python code for ``n`` processes, round by round.

``run(model, n, rounds, adversary, seed)`` executes a whole run and returns a :class:`Trace`;
``step(model, state, ho, r, rng)`` executes one round from an arbitrary pre-state with given HO
sets (the proof engine replays counterexamples through it; the explorer builds on it).

One round ``r`` (phase ``r // k``, round class ``rounds[r % k]``):

1. every live process (not in the crashed set) runs ``send`` on its pre-state;
2. the environment (adversary, or the caller of ``step``) chooses HO sets, the processes that crash
   in this round and the corrupted messages;
3. every process runs ``update`` with its mailbox: the messages sent to it by the senders in its
   HO set (a corrupted message carries the adversary's payload instead). Under a crash-stop fault
   model, crashed and crashing processes stop and keep their state, as the compiled relation says;
   in a benign HO model a crash only silences the process (nobody hears it from its crash round
   on) and it keeps running, which is what the Heard-Of semantics (and the relation) say.

The environment's choice is normalised and checked before use: HO sets never contain processes
crashed before the round (they send nothing); the model's fault model is enforced (crash-stop:
live processes hear every process that has not crashed, ``|C| <= f``; value faults: at most
``alpha`` corrupted messages per receiver); the model's HO predicate must hold — an adversary's
choice that violates it is redrawn, then repaired by adding HO edges, and if that fails the run
stops with an :class:`~hoverify.errors.AdversaryError`.

Mailboxes are built in bulk: per round one index from each distinct broadcast payload to the bit
mask of its senders, shared by every receiver; a receiver's mailbox is that index and its HO mask.
"""

from __future__ import annotations

import operator
import random
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hoverify.adversary import NOMSG, Adversary, AdversaryView, parse_adversary
from hoverify.dsl import (
    CTX,
    MISSING,
    Algorithm,
    Broadcast,
    Exact,
    Proc,
    RunConstant,
    SendTo,
    check_payload,
)
from hoverify.errors import AdversaryError, HoverifyError, ModelError
from hoverify.faults import CrashStop, ValueFaults
from hoverify.ho import HOSets
from hoverify.mailbox import Mailbox
from hoverify.properties import check_state, check_step
from hoverify.trace import RoundInput, RoundRecord, State, Trace, Violation

_PKG_DIR = str(Path(__file__).resolve().parent)
Chooser = Callable[[tuple[Any, ...]], Any]


_NO_ATTR = re.compile(r"'(\w+)' object has no attribute '(\w+)'")


def user_error(e: BaseException, model: type[Algorithm], what: str,
               fn: Any = None) -> ModelError:
    """Turn an exception raised by model code into a ``ModelError`` located in the model (at
    the failing line, else at the definition of ``fn``)."""
    file: str | None = None
    line: int | None = None
    for fr in reversed(traceback.extract_tb(e.__traceback__)):
        if not str(Path(fr.filename).resolve()).startswith(_PKG_DIR):
            file, line = fr.filename, fr.lineno
            break
    if file is None and fn is not None and hasattr(fn, "__code__"):
        file, line = fn.__code__.co_filename, fn.__code__.co_firstlineno
    match = _NO_ATTR.fullmatch(str(e)) if isinstance(e, AttributeError) else None
    if match and match.group(1) == model.process_class().__name__:
        name = match.group(2)
        if name in model.locals_:
            msg = f"local '{name}' is read before it is assigned (give it an initial value)"
        else:
            msg = (f"'{name}' is not a local of {model.__name__} (declared: "
                   f"{', '.join(model.locals_)})")
    elif isinstance(e, HoverifyError):
        msg = e.message
        file = e.file or file
        line = e.line or line
    else:
        msg = f"{type(e).__name__}: {e}"
    return ModelError(f"{what}: {msg}", file=file, line=line)


class _Sends:
    """The messages of one round, in bulk."""

    __slots__ = ("bpay", "bmask", "index", "direct")

    def __init__(self, n: int) -> None:
        self.bpay: list[Any] = [NOMSG] * n  # broadcast payload by sender
        self.bmask = 0  # senders that broadcast
        self.index: dict[Any, int] = {}  # broadcast payload -> mask of its senders
        self.direct: dict[int, dict[int, Any]] = {}  # receiver -> {sender: payload} (send_to)


class Engine:
    """Runs rounds of one model for one ``n``. Holds one process object per process, loaded from
    the pre-state of each round (so any pre-state can be given)."""

    def __init__(self, model: type[Algorithm], n: int) -> None:
        model.check()
        if not isinstance(n, int) or n < 1:
            raise HoverifyError(f"n must be a positive integer, not {n!r}")
        self.model = model
        self.n = n
        self.names = model.local_names()
        self.decls = [model.locals_[k] for k in self.names]
        self.k = len(model.rounds)
        pc = model.process_class()
        self.procs = []
        for i in range(n):
            proc = pc()
            proc._id = Exact(i)
            self.procs.append(proc)
        get = operator.attrgetter(*self.names)
        self.getter: Callable[[Any], tuple[Any, ...]] = (
            get if len(self.names) > 1 else (lambda p: (get(p),)))
        self.properties = tuple(model.properties)
        self.faults = model.faults()
        self.full = (1 << n) - 1
        self._n = Exact(n)
        missing = _missing()
        self._initial = tuple((k, d.initial) for k, d in zip(self.names, self.decls)
                              if d.initial is not missing)
        self._no_initial = tuple(k for k, d in zip(self.names, self.decls)
                                 if d.initial is missing)
        # per local, the value types its declaration accepts whatever the value (``snapshot``
        # checks the others one by one)
        self._plain = tuple(_plain_types(d) for d in self.decls)

    # ---- context -------------------------------------------------------------------------
    def enter(self, r: int, chooser: Chooser | None) -> None:
        CTX.n = self._n
        CTX.r = Exact(r)
        CTX.phase = Exact(r // self.k)
        CTX.chooser = chooser

    @staticmethod
    def leave() -> None:
        CTX.n = CTX.r = CTX.phase = None
        CTX.chooser = None

    # ---- states --------------------------------------------------------------------------
    def load(self, state: State, skip: frozenset[int] = frozenset()) -> None:
        names = self.names
        for p, row in enumerate(state.locals):
            if p in skip:
                continue
            proc = self.procs[p]
            for name, v in zip(names, row, strict=True):
                setattr(proc, name, Exact(v) if type(v) is int else v)

    def snapshot(self, p: int) -> tuple[Any, ...]:
        proc = self.procs[p]
        row = self.getter(proc)
        if all(map(operator.contains, self._plain, map(type, row))):
            return row  # every value's type is one its local accepts whatever the value
        n = self.n
        for i, decl in enumerate(self.decls):
            v = row[i]
            if not decl.accepts(v, n):
                if type(v) is RunConstant:
                    fixed = list(row)
                    fixed[i] = v.value()
                    row = tuple(fixed)
                    if decl.accepts(row[i], n):
                        continue
                raise ModelError(f"p{p}.{decl.name} = {v!r}: expected a value of type "
                                 f"{decl.type_name}")
        return row

    def initial(self, inputs: Sequence[Any]) -> State:
        """The initial state for the given initial values (runs ``init``)."""
        n = self.n
        if len(inputs) != n:
            raise HoverifyError(f"{len(inputs)} initial values given for n = {n}")
        self.enter(0, None)
        try:
            rows = [self._init_proc(p, inputs[p]) for p in range(n)]
        finally:
            self.leave()
        return State(0, self.names, tuple(rows), tuple(inputs), frozenset(), tuple(rows))

    def _init_proc(self, p: int, v: Any) -> tuple[Any, ...]:
        """Run ``init`` for process ``p`` with initial value ``v`` (inside the run context)."""
        model = self.model
        init = model.init
        proc = self.procs[p]
        for name in self._no_initial:
            try:
                delattr(proc, name)
            except AttributeError:
                pass
        for name, value in self._initial:
            setattr(proc, name, value)
        try:
            init(proc, Exact(v) if type(v) is int else v)
        except Exception as e:
            raise user_error(e, model, f"init of p{p}", init) from None
        try:
            self.getter(proc)
        except AttributeError:
            for name in self.names:
                if not hasattr(proc, name):
                    raise ModelError(f"local '{name}' of {model.__name__} has no initial "
                                     f"value and init does not assign it",
                                     file=_file_of(model.init)) from None
        return self.snapshot(p)

    # ---- one process (the asyncio runtime's building blocks; same code as the rounds below) --
    def init_one(self, p: int, v: Any) -> tuple[Any, ...]:
        """The initial locals of process ``p`` alone for initial value ``v`` (runs ``init``)."""
        self.enter(0, None)
        try:
            return self._init_proc(p, v)
        finally:
            self.leave()

    def _load_row(self, p: int, row: Sequence[Any]) -> Any:
        proc = self.procs[p]
        if len(row) == len(self.names):
            try:
                if all(map(operator.is_, self.getter(proc), row)):
                    # it holds these very values already (the row it was last loaded with or
                    # snapshot to, unchanged since): loading would set each one to itself
                    return proc
            except AttributeError:  # a local not assigned yet
                pass
        for name, v in zip(self.names, row, strict=True):
            setattr(proc, name, Exact(v) if type(v) is int else v)
        return proc

    def send_one(self, r: int, p: int, row: Sequence[Any],
                 chooser: Chooser | None) -> Broadcast | SendTo | None:
        """The message process ``p`` sends in round ``r`` from its locals ``row`` (checked as in
        :meth:`sends`): a ``Broadcast``, a ``SendTo`` or ``None``."""
        rnd = self.model.rounds[r % self.k]
        send = rnd.send
        proc = self._load_row(p, row)
        self.enter(r, chooser)
        try:
            msg = send(proc)
            if msg is not None:
                _check_message(msg, self.n)
            return msg
        except Exception as e:
            raise user_error(e, self.model, f"{rnd.__name__}.send of p{p} in round {r}",
                             send) from None
        finally:
            self.leave()

    def update_from(self, r: int, p: int, row: Sequence[Any], mbox: Mailbox,
                    chooser: Chooser | None) -> tuple[Any, ...]:
        """The locals of process ``p`` after ``update`` in round ``r`` from the pre-round locals
        ``row`` with mailbox ``mbox`` (same code as :meth:`deliver`)."""
        rnd = self.model.rounds[r % self.k]
        proc = self._load_row(p, row)
        self.enter(r, chooser)
        try:
            rnd.update(proc, mbox)
            return self.snapshot(p)
        except Exception as e:
            raise user_error(e, self.model, f"{rnd.__name__}.update of p{p} in round {r}",
                             rnd.update) from None
        finally:
            self.leave()

    # ---- one round -----------------------------------------------------------------------
    def sends(self, state: State, chooser: Chooser | None) -> _Sends:
        """Load ``state`` and run ``send`` for every live process."""
        n, r = self.n, state.r
        rnd = self.model.rounds[r % self.k]
        send = rnd.send
        crashed = state.crashed
        self.load(state, crashed)
        self.enter(r, chooser)
        out = _Sends(n)
        bpay = out.bpay
        index = out.index
        bmask = 0
        p = -1
        try:
            for p, proc in enumerate(self.procs):
                if p in crashed:
                    continue
                msg = send(proc)
                if msg is None:
                    continue
                _check_message(msg, n)
                pl = msg.payload
                if type(msg) is Broadcast:
                    bpay[p] = pl
                    bit = 1 << p
                    index[pl] = index.get(pl, 0) | bit
                    bmask |= bit
                else:
                    out.direct.setdefault(msg.dest, {})[p] = pl
        except Exception as e:
            raise user_error(e, self.model, f"{rnd.__name__}.send of p{p} in round {r}",
                             send) from None
        finally:
            self.leave()
        out.bmask = bmask
        return out

    def deliver(self, state: State, sends: _Sends, rinput: RoundInput,
                chooser: Chooser | None) -> tuple[State, int]:
        """Run ``update`` for every live, non-crashing process; return the post-state and the
        number of messages delivered."""
        n, r = self.n, state.r
        rnd = self.model.rounds[r % self.k]
        update = rnd.update
        masks = rinput.ho.masks
        if len(masks) != n:
            raise HoverifyError(f"{len(masks)} HO sets given for n = {n}")
        frozen = (state.crashed | rinput.crash) if isinstance(self.faults, CrashStop) \
            else frozenset()
        corrupt: dict[int, dict[int, Any]] = {}
        for p, q, pl in rinput.corrupt:
            if not (masks[p] >> q) & 1 or (sends.bpay[q] is NOMSG
                                           and q not in sends.direct.get(p, {})):
                raise HoverifyError(f"corrupted message from p{q} to p{p}: p{q} is not in HO(p{p}) "
                                    f"or sent nothing to p{p}")
            corrupt.setdefault(p, {})[q] = pl
        index, bmask, bpay, direct = sends.index, sends.bmask, sends.bpay, sends.direct
        procs = self.procs
        self.load(state, frozen)  # send may not change the state: start from the pre-state
        deliveries = 0
        self.enter(r, chooser)
        p = -1
        try:
            for p in range(n):
                if p in frozen:
                    continue
                h = masks[p]
                dp = direct.get(p)
                cp = corrupt.get(p)
                if dp is None and cp is None:
                    m = h & bmask
                    mb = Mailbox(index, m, bpay)
                    deliveries += m.bit_count()
                else:
                    mb = _mailbox_with(index, h & bmask, bpay, h, dp, cp)
                    deliveries += len(mb)
                update(procs[p], mb)
            rows = tuple(state.locals[p] if p in frozen else self.snapshot(p) for p in range(n))
        except Exception as e:
            raise user_error(e, self.model, f"{rnd.__name__}.update of p{p} in round {r}",
                             update) from None
        finally:
            self.leave()
        post = State(r + 1, self.names, rows, state.inputs, state.crashed | rinput.crash,
                     state.initial)
        return post, deliveries

    def update_one(self, state: State, sends: _Sends, p: int, mask: int,
                   corrupt: Mapping[int, Any] | None, chooser: Chooser | None) -> tuple[Any, ...]:
        """The post-round locals of process ``p`` alone, for HO set ``mask`` and corrupted
        messages ``{sender: payload}`` (the explorer's building block; same code as
        ``deliver``)."""
        r = state.r
        rnd = self.model.rounds[r % self.k]
        proc = self.procs[p]
        for name, v in zip(self.names, state.locals[p], strict=True):
            setattr(proc, name, Exact(v) if type(v) is int else v)
        dp = sends.direct.get(p)
        if dp is None and not corrupt:
            mb = Mailbox(sends.index, mask & sends.bmask, sends.bpay)
        else:
            mb = _mailbox_with(sends.index, mask & sends.bmask, sends.bpay, mask, dp,
                               corrupt or None)
        self.enter(r, chooser)
        try:
            rnd.update(proc, mb)
            return self.snapshot(p)
        except Exception as e:
            raise user_error(e, self.model, f"{rnd.__name__}.update of p{p} in round {r}") \
                from None
        finally:
            self.leave()

    # ---- environment checks --------------------------------------------------------------
    def normalise(self, state: State, rinput: RoundInput) -> RoundInput:
        """Drop crashed senders, give crashed receivers every possible sender, enforce the fault
        model. Raises ``AdversaryError`` if the fault model's bound is exceeded."""
        n = self.n
        dead = 0
        for q in state.crashed:
            dead |= 1 << q
        alive = self.full & ~dead
        crash = rinput.crash - state.crashed
        fm = self.faults
        # crash-stop: crashed processes stop (their HO sets do not matter); benign HO models: a
        # crashed process is only silenced and keeps receiving
        frozen = state.crashed | crash if isinstance(fm, CrashStop) else frozenset()
        masks = [alive if p in frozen else m & alive for p, m in enumerate(rinput.ho.masks)]
        if isinstance(fm, CrashStop):
            bound = fm.bound(n)
            if len(state.crashed | crash) > bound:
                raise AdversaryError(f"round {state.r}: {len(state.crashed | crash)} crashed "
                                     f"processes exceed the model's bound f = {fm.f} = {bound}")
            steady = alive
            for q in crash:
                steady &= ~(1 << q)
            masks = [m | steady for m in masks]
        corrupt = rinput.corrupt
        if corrupt:
            if not isinstance(fm, ValueFaults):
                raise AdversaryError(f"corrupted messages are outside {self.model.__name__}'s "
                                     f"fault model")
            bound = fm.bound(n)
            per: dict[int, int] = {}
            kept = []
            for p, q, pl in corrupt:
                if (masks[p] >> q) & 1 and p not in frozen:
                    per[p] = per.get(p, 0) + 1
                    if per[p] > bound:
                        raise AdversaryError(f"round {state.r}: more than alpha = {bound} "
                                             f"corrupted messages to p{p}")
                    kept.append((p, q, pl))
            corrupt = tuple(kept)
        return RoundInput(HOSets(tuple(masks)), frozenset(crash), corrupt)

    def allowed(self, state: State) -> list[int]:
        dead = 0
        for q in state.crashed:
            dead |= 1 << q
        return [self.full & ~dead] * self.n

    def predicate_ok(self, r: int, ho: HOSets) -> bool:
        pred = self.model.round_predicate(r % self.k)
        return pred is None or pred.holds(ho, r // self.k)


def _check_message(msg: Any, n: int) -> None:
    """Raise ``ModelError`` unless ``msg`` (not ``None``) is a well-formed message for ``n``."""
    t = type(msg)
    if t is not Broadcast and t is not SendTo:
        raise ModelError(f"send returned {msg!r}: expected broadcast(...), send_to(...) or None")
    pl = msg.payload
    if not check_payload(pl):
        raise ModelError(f"payload {pl!r}: expected a value (int, bool, None) or a tuple of "
                         f"values")
    if t is SendTo and not 0 <= msg.dest < n:
        raise ModelError(f"send_to({msg.dest}, ...): no process {msg.dest} (n = {n})")


def _plain_types(decl: Any) -> frozenset[type]:
    """The types ``t`` such that ``decl.accepts(v, n)`` for every ``v`` of type exactly ``t``
    (so that :meth:`Engine.snapshot` skips the call for them); a ``Proc`` local has none, as its
    values are checked against ``n``."""
    types: set[type] = {type(None)} if decl.optional else set()
    if decl.base is bool:
        types.add(bool)
    elif decl.base is not Proc:  # int or a value type: any int but a bool
        types.update((int, Exact))
    return frozenset(t for t in types if _accepts_all(decl, t))


def _accepts_all(decl: Any, t: type) -> bool:
    """A check of ``_plain_types`` against ``accepts`` on sample values of type ``t``."""
    samples = {type(None): (None,), bool: (False, True), int: (-1, 0, 7),
               Exact: (Exact(-1), Exact(0), Exact(7))}[t]
    return all(decl.accepts(v, 8) for v in samples)


def _missing() -> Any:
    return MISSING


def _file_of(fn: Any) -> str | None:
    code = getattr(fn, "__code__", None)
    return code.co_filename if code is not None else None


def _mailbox_with(index: Mapping[Any, int], base: int, bpay: Sequence[Any], h: int,
                  dp: Mapping[int, Any] | None, cp: Mapping[int, Any] | None) -> Mailbox:
    """A receiver's own mailbox when it gets point-to-point or corrupted messages."""
    over: dict[int, Any] = {}
    if dp:
        for q, pl in dp.items():
            if (h >> q) & 1:
                over[q] = pl
    if cp:
        for q, pl in cp.items():
            over[q] = pl
            base &= ~(1 << q)
    idx: dict[Any, int] = {}
    if base:
        for pl, m in index.items():
            m &= base
            if m:
                idx[pl] = m
    mask = base
    for q, pl in over.items():
        bit = 1 << q
        idx[pl] = idx.get(pl, 0) | bit
        mask |= bit
    return Mailbox(idx, mask, bpay, over)


def _as_input(ho: Any, n: int) -> RoundInput:
    if isinstance(ho, RoundInput):
        return ho
    if isinstance(ho, HOSets):
        return RoundInput(ho)
    try:
        return RoundInput(HOSets.from_sets(list(ho)))
    except TypeError:
        raise HoverifyError("HO sets: expected a RoundInput, an HOSets, or one iterable of "
                            "process ids per process") from None


def _rng_chooser(rng: random.Random) -> Chooser:
    def choose(options: tuple[Any, ...]) -> Any:
        return options[rng.randrange(len(options))]

    return choose


_ENGINES: dict[tuple[type[Algorithm], int], Engine] = {}


def engine(model: type[Algorithm], n: int) -> Engine:
    """The (cached) engine for ``model`` and ``n``."""
    key = (model, n)
    eng = _ENGINES.get(key)
    if eng is None:
        if len(_ENGINES) > 64:
            _ENGINES.clear()
        eng = _ENGINES[key] = Engine(model, n)
    return eng


def initial_state(model: type[Algorithm], inputs: Sequence[Any]) -> State:
    """The initial state of ``model`` for one initial value per process."""
    return engine(model, len(inputs)).initial(list(inputs))


def step(model: type[Algorithm], state: State, ho: Any, r: int | None = None,
         rng: random.Random | None = None, *, chooser: Chooser | None = None,
         normalise: bool = True) -> State:
    """One round of ``model`` from ``state`` with the given HO sets; returns the post-state.

    ``ho`` is a :class:`RoundInput` (HO sets, crashes, corrupted messages), an :class:`HOSets`,
    or one iterable of process ids per process. ``r`` overrides the round number of ``state``.
    Nondeterministic choices come from ``chooser`` (a function of the tuple of options), else
    from ``rng`` (default: ``random.Random(0)``). ``normalise`` enforces the model's fault model
    on the input (crashed senders are never heard); the HO predicate is not checked here: see
    :func:`ho_predicate_holds`.
    """
    if r is not None and r != state.r:
        state = state.replace(r=r)
    eng = engine(model, state.n)
    rinput = _as_input(ho, state.n)
    if normalise:
        rinput = eng.normalise(state, rinput)
    if chooser is None:
        chooser = _rng_chooser(rng if rng is not None else random.Random(0))
    sends = eng.sends(state, chooser)
    post, _ = eng.deliver(state, sends, rinput, chooser)
    return post


def ho_predicate_holds(model: type[Algorithm], r: int, ho: HOSets) -> bool:
    """Whether ``ho`` satisfies the model's HO predicate for round ``r``."""
    return engine(model, ho.n).predicate_ok(r, ho)


def _decisions(names: tuple[str, ...], pre: State, post: State) -> tuple[tuple[int, Any], ...]:
    if "decided" not in names:
        return ()
    d, v = names.index("decided"), names.index("decision")
    return tuple((p, b[v]) for p, (a, b) in enumerate(zip(pre.locals, post.locals, strict=True))
                 if b[d] and not a[d])


def choose_input(eng: Engine, adversary: Adversary, state: State, sends: _Sends,
                 rng: random.Random, retries: int = 10) -> tuple[RoundInput, bool]:
    """The adversary's choice for the round, normalised, respecting the HO predicate (redrawn
    up to ``retries`` times, then repaired); ``(input, repaired)``."""
    n, r = eng.n, state.r
    dead = 0
    for q in state.crashed:
        dead |= 1 << q
    view = AdversaryView(n, r, r // eng.k, state, eng.full & ~dead, rng, eng.model,
                         sends.bpay, sends.direct)
    pred = eng.model.round_predicate(r % eng.k)
    rinput = eng.normalise(state, adversary.choose(view, RoundInput(HOSets.full(n))))
    if pred is None or pred.holds(rinput.ho, r // eng.k):
        return rinput, False
    for _ in range(retries):
        cand = eng.normalise(state, adversary.choose(view, RoundInput(HOSets.full(n))))
        if pred.holds(cand.ho, r // eng.k):
            return cand, False
    fixed = pred.repair(rinput.ho, eng.allowed(state), rng, r // eng.k)
    if fixed is not None:
        fixed_input = eng.normalise(state, RoundInput(fixed, rinput.crash, rinput.corrupt))
        if pred.holds(fixed_input.ho, r // eng.k):
            return fixed_input, True
    raise AdversaryError(f"round {r}: adversary '{adversary}' cannot respect the HO predicate "
                         f"{pred.formula} (crashed: {sorted(state.crashed)})")


def run(model: type[Algorithm], n: int, rounds: int, adversary: str | Adversary = "reliable",
        seed: int = 0, inputs: Sequence[Any] | None = None, *, values: Iterable[Any] | None = None,
        record: bool = True, stop_on_violation: bool = True) -> Trace:
    """Run ``model`` for ``rounds`` rounds with ``n`` processes against ``adversary``.

    Initial values are ``inputs``, or drawn from ``values`` (default: the model's ``values``)
    with the seeded generator. The run is a function of its arguments. The model's properties
    are checked on the initial state and after every round; the run stops at the first
    violation (unless ``stop_on_violation=False``). ``record=False`` keeps only the last round.
    """
    model.check()
    if not isinstance(n, int) or n < 1:
        raise HoverifyError(f"n must be a positive integer, not {n!r}")
    too_few = model.too_few_processes(n)
    if too_few is not None:
        raise HoverifyError(too_few)
    if rounds < 0:
        raise HoverifyError(f"rounds must be >= 0, not {rounds}")
    adv = parse_adversary(adversary)
    rng_inputs = random.Random(f"{seed}:inputs")
    rng_adv = random.Random(f"{seed}:adversary")
    rng_choice = random.Random(f"{seed}:choices")
    if inputs is None:
        domain = tuple(values) if values is not None else tuple(model.values)
        inputs = [domain[rng_inputs.randrange(len(domain))] for _ in range(n)]
    eng = engine(model, n)
    adv.reset(n, rounds, rng_adv, model)
    chooser = _rng_chooser(rng_choice)
    state = eng.initial(list(inputs))
    initial = state
    props = eng.properties
    violation: Violation | None = check_state(props, state, -1)
    records: list[RoundRecord] = []
    total = 0
    for r in range(rounds):
        if violation is not None and stop_on_violation:
            break
        rnd = model.rounds[r % eng.k]
        sends = eng.sends(state, chooser)
        rinput, repaired = choose_input(eng, adv, state, sends, rng_adv)
        post, deliveries = eng.deliver(state, sends, rinput, chooser)
        total += deliveries
        v = check_step(props, state, post, r)
        if violation is None:
            violation = v
        rec = RoundRecord(r, r // eng.k, rnd.__name__, rinput, state, post, deliveries,
                          _decisions(eng.names, state, post), repaired)
        if record or not records:
            records.append(rec)
        else:
            records[-1] = rec
        state = post
    return Trace(model.__name__, n, seed, str(adv), initial, tuple(records), violation, state,
                 total)


__all__ = ["run", "step", "initial_state", "engine", "Engine", "ho_predicate_holds",
           "choose_input", "user_error"]
