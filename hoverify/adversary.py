"""Adversaries: the environment that chooses each round's HO sets, crashes and corrupted messages.

An adversary is a stack of *layers*; each layer transforms the previous layer's choice (the first
one starts from "everyone hears everyone"). The specification string joins layers with ``+``;
a layer is ``name``, ``name:value`` or ``name:key=value,key=value`` (lists separated by ``/``):

=============================  ===================================================================
``reliable``                   everyone hears every live process
``omit:P`` / ``omit:p=P``      every message is lost independently with probability ``P``
                               (``keep_self=1``: a process always hears itself)
``crash:F``                    ``F`` processes crash (``procs=0/3`` which, ``rounds=2/5`` when;
                               default: random processes at random rounds); a crashing process
                               reaches a random subset in its crash round, nobody after, and stops
                               updating
``partition:K``                processes are split into ``K`` random blocks (``sizes=3/2`` fixed
                               blocks of processes ``0..``); a process hears only its block;
                               ``until=R`` heals the partition from round ``R`` on
``value:A`` / ``value:alpha=A`` value faults: each receiver gets up to ``A`` corrupted messages
                               (default: the model's ``alpha``), with arbitrary values from the
                               model's value domain (``p=P``: each corruption happens with
                               probability ``P``)
``good:every=K``               good rounds: rounds ``r`` with ``r % K == K - 1`` (or
                               ``rounds=4/5``, or ``from=R``) are reliable
``eventually-good``            random bad rounds (``bad=P``: each message lost with probability
                               ``P``, default 0.5), and the good rounds the model's
                               ``assumption`` promises, from a random word of its automaton
                               (``delay=K``: up to about ``K`` bad rounds between them, default 5;
                               ``tight=1``: each good round as weak as its predicates allow;
                               under value faults up to ``alpha`` corrupted messages per
                               receiver, ``corrupt=P`` each with probability ``P``, default 1;
                               see :mod:`hoverify.adversary_ltl`)
``script:FILE.json``           HO sets read from a JSON file (see :class:`Scripted`)
=============================  ===================================================================

Example: ``omit:0.3+crash:1+good:every=4``. Adversaries are deterministic given the executor's
seeded generator. The executor then enforces the model's fault model and HO predicate on every
choice (see :func:`hoverify.executor.run`): it retries, repairs by adding HO edges, or reports
an :class:`~hoverify.errors.AdversaryError`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hoverify.errors import AdversaryError
from hoverify.ho import HOSets, bits
from hoverify.trace import RoundInput, State

NOMSG: Any = object()  # "no message" marker in payload arrays


class AdversaryView:
    """What an adversary sees when it chooses a round: the round, the pre-state, who is live, and
    the messages being sent (``message(q, p)``: what ``q`` sends to ``p``, or ``NOMSG``)."""

    __slots__ = ("n", "r", "phase", "state", "live", "rng", "model", "_bpay", "_direct")

    def __init__(self, n: int, r: int, phase: int, state: State, live: int, rng: random.Random,
                 model: Any, bpay: Sequence[Any], direct: dict[int, dict[int, Any]]) -> None:
        self.n = n
        self.r = r
        self.phase = phase
        self.state = state
        self.live = live  # mask of the processes not crashed before this round
        self.rng = rng
        self.model = model
        self._bpay = bpay
        self._direct = direct

    def message(self, q: int, p: int) -> Any:
        pl = self._bpay[q]
        if pl is not NOMSG:
            return pl
        d = self._direct.get(p)
        if d is not None and q in d:
            return d[q]
        return NOMSG


class Adversary:
    """A layer: ``choose(view, below)`` transforms the choice ``below`` of the layers under it."""

    spec = "?"

    def reset(self, n: int, rounds: int, rng: random.Random, model: Any) -> None:
        """Called once at the start of a run."""

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.spec


class Stack(Adversary):
    """Layers applied in order, starting from the reliable choice."""

    def __init__(self, layers: Sequence[Adversary], spec: str | None = None) -> None:
        self.layers = tuple(layers)
        self.spec = spec or "+".join(str(x) for x in self.layers) or "reliable"

    def reset(self, n: int, rounds: int, rng: random.Random, model: Any) -> None:
        for layer in self.layers:
            layer.reset(n, rounds, rng, model)

    def choose(self, view: AdversaryView,
               below: RoundInput | None = None) -> RoundInput:
        ri = below if below is not None else RoundInput(HOSets.full(view.n))
        for layer in self.layers:
            ri = layer.choose(view, ri)
        return ri


class Reliable(Adversary):
    spec = "reliable"

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        return RoundInput(HOSets.full(view.n), below.crash, below.corrupt)


_PRECISION = 24  # probabilities are rounded to multiples of 2**-24


def bernoulli_mask(n: int, q: float, rng: random.Random) -> int:
    """An ``n``-bit mask whose bits are independently 1 with probability ``q`` (rounded to a
    multiple of ``2**-24``), drawn with ``O(24)`` big-int operations instead of ``n`` draws."""
    k = round(q * (1 << _PRECISION))
    if k <= 0:
        return 0
    if k >= 1 << _PRECISION:
        return (1 << n) - 1
    steps = _PRECISION
    while not k & 1:  # trailing zero bits of the binary expansion keep m = 0: skip them
        k >>= 1
        steps -= 1
    m = 0
    for _ in range(steps):  # from the least significant bit: P(1) := (P(1) + bit) / 2
        x = rng.getrandbits(n)
        m = (m | x) if k & 1 else (m & x)
        k >>= 1
    return m


class Omission(Adversary):
    """Every message is lost independently with probability ``p``."""

    def __init__(self, p: float, keep_self: bool = False) -> None:
        if not 0 <= p <= 1:
            raise AdversaryError(f"omit: the loss probability must be in [0, 1], not {p}")
        self.p = p
        self.keep_self = keep_self
        self.spec = f"omit:{p:g}" + (",keep_self=1" if keep_self else "")

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        n, rng, q = view.n, view.rng, 1.0 - self.p
        masks = []
        for p, m in enumerate(below.ho.masks):
            keep = bernoulli_mask(n, q, rng)
            if self.keep_self:
                keep |= 1 << p
            masks.append(m & keep)
        return RoundInput(HOSets(tuple(masks)), below.crash, below.corrupt)


class Crash(Adversary):
    """``f`` processes crash (crash-stop), at chosen or random rounds."""

    def __init__(self, f: int | None = None, procs: Sequence[int] | None = None,
                 rounds: Sequence[int] | None = None) -> None:
        if procs is not None and f is not None and len(procs) != f:
            raise AdversaryError(f"crash: f={f} but {len(procs)} processes given")
        self.f = f if f is not None else (len(procs) if procs is not None else None)
        self.procs = tuple(procs) if procs is not None else None
        self.rounds = tuple(rounds) if rounds is not None else None
        parts = [] if self.f is None else [f"f={self.f}"]
        if self.procs is not None:
            parts.append("procs=" + "/".join(map(str, self.procs)))
        if self.rounds is not None:
            parts.append("rounds=" + "/".join(map(str, self.rounds)))
        self.spec = "crash" + (":" + ",".join(parts) if parts else "")
        self.schedule: dict[int, int] = {}

    def reset(self, n: int, rounds: int, rng: random.Random, model: Any) -> None:
        f = self.f
        if f is None:  # default: the model's bound (crash-stop), else a minority
            fm = model.faults() if model is not None else None
            f = fm.bound(n) if fm is not None and hasattr(fm, "f") else (n - 1) // 2
        if f > n:
            raise AdversaryError(f"crash: cannot crash {f} of {n} processes")
        procs = self.procs if self.procs is not None else tuple(rng.sample(range(n), f))
        for q in procs:
            if not 0 <= q < n:
                raise AdversaryError(f"crash: process {q} is not in 0..{n - 1}")
        if self.rounds is None:
            when = [rng.randrange(max(rounds, 1)) for _ in procs]
        elif len(self.rounds) == 1:
            when = list(self.rounds) * len(procs)
        elif len(self.rounds) == len(procs):
            when = list(self.rounds)
        else:
            raise AdversaryError(f"crash: {len(self.rounds)} rounds given for "
                                 f"{len(procs)} processes")
        self.schedule = dict(zip(procs, when, strict=True))

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        now = frozenset(q for q, when in self.schedule.items()
                        if when == view.r and (view.live >> q) & 1)
        if not now:
            return below
        masks = list(below.ho.masks)
        for q in sorted(now):
            bit = 1 << q
            reach = view.rng.getrandbits(view.n)  # the subset the crashing process reaches
            masks = [(m & ~bit) | (bit if (reach >> p) & 1 else 0) for p, m in enumerate(masks)]
        return RoundInput(HOSets(tuple(masks)), below.crash | now, below.corrupt)


class Partition(Adversary):
    """Processes split into blocks; a process hears only its own block (until ``until``)."""

    def __init__(self, parts: int | None = None, sizes: Sequence[int] | None = None,
                 until: int | None = None) -> None:
        if parts is None and sizes is None:
            parts = 2
        if parts is not None and parts < 1:
            raise AdversaryError("partition: at least one block")
        self.parts = parts
        self.sizes = tuple(sizes) if sizes is not None else None
        self.until = until
        spec = f"parts={parts}" if sizes is None else "sizes=" + "/".join(map(str, sizes))
        self.spec = f"partition:{spec}" + (f",until={until}" if until is not None else "")
        self.block_mask: list[int] = []

    def reset(self, n: int, rounds: int, rng: random.Random, model: Any) -> None:
        if self.sizes is not None:
            if sum(self.sizes) != n:
                raise AdversaryError(f"partition: block sizes {self.sizes} do not add up to "
                                     f"n = {n}")
            blocks, start = [], 0
            for s in self.sizes:
                blocks.append(list(range(start, start + s)))
                start += s
        else:
            assert self.parts is not None
            order = list(range(n))
            rng.shuffle(order)
            blocks = [order[i::self.parts] for i in range(self.parts)]
        self.block_mask = [0] * n
        for b in blocks:
            m = sum(1 << q for q in b)
            for q in b:
                self.block_mask[q] = m

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        if self.until is not None and view.r >= self.until:
            return below
        masks = tuple(m & self.block_mask[p] for p, m in enumerate(below.ho.masks))
        return RoundInput(HOSets(masks), below.crash, below.corrupt)


def arbitrary_like(payload: Any, rng: random.Random, domain: Sequence[Any]) -> Any:
    """An arbitrary payload of the same shape as ``payload``, values from ``domain``."""
    if type(payload) is tuple:
        return tuple(arbitrary_like(x, rng, domain) for x in payload)
    if payload is True or payload is False:
        return rng.random() < 0.5
    ints = [v for v in domain if type(v) is int] or [0, 1]
    if payload is None:
        return rng.choice([None, *ints])
    others = [v for v in ints if v != payload]
    return rng.choice(others or ints)


class ValueFault(Adversary):
    """Value faults: up to ``alpha`` messages per receiver carry arbitrary values."""

    def __init__(self, alpha: int | None = None, p: float = 1.0) -> None:
        self.alpha = alpha
        self.p = p
        self.spec = "value" + (f":alpha={alpha}" if alpha is not None else "") + (
            f",p={p:g}" if p != 1.0 else "")
        self.domain: tuple[Any, ...] = (0, 1)
        self._alpha = 0

    def reset(self, n: int, rounds: int, rng: random.Random, model: Any) -> None:
        from hoverify.faults import ValueFaults  # noqa: PLC0415
        fm = model.faults() if model is not None else None
        if not isinstance(fm, ValueFaults):
            name = getattr(model, "__name__", "the model")
            raise AdversaryError(f"value faults are outside {name}'s fault model (it does not "
                                 f"declare fault_model = ValueFaults(alpha))")
        bound = fm.bound(n)
        self._alpha = bound if self.alpha is None else self.alpha
        if self._alpha > bound:
            raise AdversaryError(f"value: alpha={self._alpha} exceeds the model's bound "
                                 f"alpha = {fm.alpha} = {bound}")
        self.domain = tuple(model.values)

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        rng = view.rng
        corrupt = list(below.corrupt)
        for p, m in enumerate(below.ho.masks):
            sent = [q for q in bits(m) if view.message(q, p) is not NOMSG]
            k = min(self._alpha, len(sent))
            for q in rng.sample(sent, k):
                if self.p >= 1.0 or rng.random() < self.p:
                    corrupt.append((p, q, arbitrary_like(view.message(q, p), rng, self.domain)))
        return RoundInput(below.ho, below.crash, tuple(corrupt))


class Good(Adversary):
    """Good rounds on a schedule: in them every process hears every live process."""

    def __init__(self, every: int | None = None, rounds: Sequence[int] | None = None,
                 start: int | None = None) -> None:
        if every is None and rounds is None and start is None:
            raise AdversaryError("good: give every=K, rounds=R1/R2/..., or from=R")
        if every is not None and every < 1:
            raise AdversaryError("good: every must be at least 1")
        self.every = every
        self.rounds = frozenset(rounds) if rounds is not None else None
        self.start = start
        parts = []
        if every is not None:
            parts.append(f"every={every}")
        if rounds is not None:
            parts.append("rounds=" + "/".join(map(str, rounds)))
        if start is not None:
            parts.append(f"from={start}")
        self.spec = "good:" + ",".join(parts)

    def is_good(self, r: int) -> bool:
        return ((self.every is not None and r % self.every == self.every - 1)
                or (self.rounds is not None and r in self.rounds)
                or (self.start is not None and r >= self.start))

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        if not self.is_good(view.r):
            return below
        return RoundInput(HOSets.full(view.n), below.crash, below.corrupt)


class Scripted(Adversary):
    """HO sets from a JSON file: ``{"rounds": [ROUND, ...], "then": "reliable"}`` or just
    ``[ROUND, ...]``, where ``ROUND`` is a list of ``n`` HO lists, or an object
    ``{"ho": [[...], ...], "crash": [q, ...], "corrupt": [[p, q, payload], ...]}`` (tuples as
    JSON lists). After the script: ``then`` (an adversary spec; default ``reliable``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.spec = f"script:{path}"
        try:
            data = json.loads(Path(path).read_text())
        except OSError as e:
            raise AdversaryError(f"script: cannot read {path}: {e.strerror}") from None
        except json.JSONDecodeError as e:
            raise AdversaryError(f"script: {path} is not JSON: {e.msg}", file=path,
                                 line=e.lineno, column=e.colno) from None
        if isinstance(data, list):
            data = {"rounds": data}
        if not isinstance(data, dict) or not isinstance(data.get("rounds"), list):
            raise AdversaryError(f"script: {path}: expected a list of rounds or an object with "
                                 f"'rounds'", file=path)
        self.script: list[dict[str, Any]] = []
        for i, rd in enumerate(data["rounds"]):
            if isinstance(rd, list):
                rd = {"ho": rd}
            if not isinstance(rd, dict) or not isinstance(rd.get("ho"), list) or not all(
                    isinstance(s, list) and all(type(q) is int for q in s) for s in rd["ho"]):
                raise AdversaryError(f"script: {path}: round {i}: expected 'ho' as a list of "
                                     f"lists of process ids", file=path)
            self.script.append(rd)
        self.then = parse_adversary(str(data.get("then", "reliable")))

    def reset(self, n: int, rounds: int, rng: random.Random, model: Any) -> None:
        for i, rd in enumerate(self.script):
            if len(rd["ho"]) != n or any(not 0 <= q < n for s in rd["ho"] for q in s):
                raise AdversaryError(f"script: {self.path}: round {i}: expected {n} HO sets "
                                     f"over processes 0..{n - 1}", file=self.path)
        self.then.reset(n, rounds, rng, model)

    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        if view.r >= len(self.script):
            return self.then.choose(view, below)
        rd = self.script[view.r]
        ho = HOSets.from_sets(rd["ho"])

        def tup(v: Any) -> Any:
            return tuple(tup(x) for x in v) if isinstance(v, list) else v

        crash = frozenset(rd.get("crash", ()))
        corrupt = tuple((int(p), int(q), tup(pl)) for p, q, pl in rd.get("corrupt", ()))
        return RoundInput(ho, below.crash | crash, below.corrupt + corrupt)


# ---- the specification language --------------------------------------------------------------

def _num(layer: str, key: str, v: str, conv: Callable[[str], Any]) -> Any:
    try:
        return conv(v)
    except ValueError:
        raise AdversaryError(f"adversary layer {layer!r}: {key}={v!r} is not a "
                             f"{'number' if conv is float else 'integer'}") from None


def _ints(layer: str, key: str, v: str) -> list[int]:
    return [_num(layer, key, x, int) for x in v.split("/") if x]


def _layer(text: str) -> Adversary:
    name, _, rest = text.partition(":")
    name = name.strip()
    args: dict[str, str] = {}
    positional: list[str] = []
    if rest:
        for item in rest.split(","):
            k, eq, v = item.partition("=")
            if eq:
                args[k.strip()] = v.strip()
            else:
                positional.append(k.strip())

    def take(allowed: Sequence[str], first: str | None = None) -> dict[str, str]:
        if positional:
            if first is None or len(positional) > 1 or first in args:
                raise AdversaryError(f"adversary layer {text!r}: unexpected {positional!r}")
            args[first] = positional[0]
        bad = set(args) - set(allowed)
        if bad:
            raise AdversaryError(f"adversary layer {text!r}: unknown parameter(s) "
                                 f"{', '.join(sorted(bad))}; expected {', '.join(allowed)}")
        return args

    if name == "reliable":
        take(())
        return Reliable()
    if name in ("omit", "omission", "omissions"):
        a = take(("p", "keep_self"), "p")
        if "p" not in a:
            raise AdversaryError(f"adversary layer {text!r}: give the loss probability, "
                                 f"e.g. omit:0.3")
        return Omission(_num(text, "p", a["p"], float),
                        keep_self=a.get("keep_self", "0") not in ("0", "false", "no"))
    if name == "crash":
        a = take(("f", "procs", "rounds"), "f")
        return Crash(f=_num(text, "f", a["f"], int) if "f" in a else None,
                     procs=_ints(text, "procs", a["procs"]) if "procs" in a else None,
                     rounds=_ints(text, "rounds", a["rounds"]) if "rounds" in a else None)
    if name == "partition":
        a = take(("parts", "sizes", "until"), "parts")
        return Partition(parts=_num(text, "parts", a["parts"], int) if "parts" in a else None,
                         sizes=_ints(text, "sizes", a["sizes"]) if "sizes" in a else None,
                         until=_num(text, "until", a["until"], int) if "until" in a else None)
    if name == "value":
        a = take(("alpha", "p"), "alpha")
        return ValueFault(alpha=_num(text, "alpha", a["alpha"], int) if "alpha" in a else None,
                          p=_num(text, "p", a["p"], float) if "p" in a else 1.0)
    if name == "good":
        a = take(("every", "rounds", "from"), "every")
        return Good(every=_num(text, "every", a["every"], int) if "every" in a else None,
                    rounds=_ints(text, "rounds", a["rounds"]) if "rounds" in a else None,
                    start=_num(text, "from", a["from"], int) if "from" in a else None)
    if name == "eventually-good":
        from hoverify.adversary_ltl import EventuallyGood  # noqa: PLC0415 (cycle)
        a = take(("bad", "delay", "tight", "corrupt"))
        return EventuallyGood(bad=_num(text, "bad", a["bad"], float) if "bad" in a else 0.5,
                              delay=_num(text, "delay", a["delay"], int) if "delay" in a else 5,
                              tight=bool(_num(text, "tight", a["tight"], int))
                              if "tight" in a else False,
                              corrupt=_num(text, "corrupt", a["corrupt"], float)
                              if "corrupt" in a else 1.0)
    if name == "script":
        if len(positional) != 1 or args:
            raise AdversaryError(f"adversary layer {text!r}: expected script:FILE.json")
        return Scripted(positional[0])
    raise AdversaryError(f"unknown adversary {name!r}; expected one of reliable, omit, crash, "
                         f"partition, value, good, eventually-good, script")


def parse_adversary(spec: str | Adversary) -> Adversary:
    """An adversary from its specification string (see the module docstring)."""
    if isinstance(spec, Adversary):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise AdversaryError("empty adversary specification; try 'reliable' or 'omit:0.2'")
    layers = [_layer(part) for part in spec.split("+")]
    return Stack(layers, spec)


__all__ = ["Adversary", "AdversaryView", "Stack", "Reliable", "Omission", "Crash", "Partition",
           "ValueFault", "Good", "Scripted", "parse_adversary", "bernoulli_mask", "NOMSG",
           "arbitrary_like"]
