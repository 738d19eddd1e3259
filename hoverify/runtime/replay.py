"""Replaying a runtime run in the lockstep executor.

A replica started with ``RuntimeConfig(record=True)`` logs, per instance, the rounds it ran and
whom it heard in each (``ho_log[instance] = ((r, mask), ...)``), and the values its
``choose``/``coin`` calls returned (``choice_log[instance][(r, lane, step)]``, step 0: ``send``,
1: ``update``, in call order). :func:`ho_script` turns the HO logs of all replicas into the
rounds of the executor's scripted adversary (``script:FILE.json``, see
:class:`hoverify.adversary.Scripted`): in round ``r``, ``HO(p)`` is the set ``p`` heard if it ran
round ``r``, else empty (a replica that had left the instance, or not reached that round, heard
nobody).

:func:`replay` runs the executor's lockstep rounds (:meth:`hoverify.executor.Engine.sends`,
``normalise`` and ``deliver``, the code of :func:`hoverify.executor.run`) on those HO sets, with
every process's choices replayed from the choice logs: the executor asks for choices process by
process in a fixed order, so each round's recorded choices are laid out in that order (a choice
the runtime never made, by a replica that had left the instance or skipped a round's ``send``
while catching up, takes the first option; nobody heard those processes then, so it changes no
decision) and handed to the engine as one chooser. The model's HO predicate is not enforced: the
HO sets are what the network produced. Under the lockstep semantics every replica that decided
through the model must decide the same value in the same round: :func:`mismatches` lists the
differences.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hoverify.dsl import Algorithm
from hoverify.errors import HoverifyError
from hoverify.ho import HOSets, bits
from hoverify.runtime.replica import Decision
from hoverify.trace import RoundInput, RoundRecord, Trace

Log = Sequence[tuple[int, int]]
#: one replica's choices in one instance: ``(round, lane, step) -> values`` (step 0: send)
Choices = Mapping[tuple[int, int, int], Sequence[Any]]


def ho_script(n: int, logs: Mapping[int, Log]) -> list[list[list[int]]]:
    """The HO sets of every round, as the scripted adversary's rounds."""
    rounds = 1 + max((r for log in logs.values() for r, _ in log), default=-1)
    script: list[list[list[int]]] = [[[] for _ in range(n)] for _ in range(rounds)]
    for p, log in logs.items():
        for r, mask in log:
            script[r][p] = list(bits(mask))
    return script


class _Scripted:
    """A chooser that returns ``script`` in order, then the first option; ``taken`` is what it
    returned. A scripted value that is not among the options is a divergence: it raises."""

    __slots__ = ("script", "taken")

    def __init__(self, script: Sequence[Any]) -> None:
        self.script = script
        self.taken: list[Any] = []

    def __call__(self, options: tuple[Any, ...]) -> Any:
        i = len(self.taken)
        if i < len(self.script):
            v = self.script[i]
            if v not in options:
                raise HoverifyError(f"replay: recorded choice {v!r} is not among {options!r}")
        else:
            v = options[0]
        self.taken.append(v)
        return v


def replay(model: type[Algorithm], n: int, inputs: Sequence[Any], logs: Mapping[int, Log],
           workdir: str | Path, choices: Mapping[int, Choices] | None = None,
           lane: int = 0) -> Trace:
    """Run the executor on the HO sets of ``logs`` from ``inputs`` (one per replica), replaying
    the choices ``choices[p]`` of lane ``lane``; the HO sets and choices are written to
    ``workdir/ho_script.json`` (``hoverify simulate --adversary script:FILE`` replays the HO sets
    of a model without choices)."""
    from hoverify.executor import _decisions, engine  # noqa: PLC0415
    from hoverify.properties import check_state, check_step  # noqa: PLC0415

    script = ho_script(n, logs)
    choices = choices or {}
    path = Path(workdir) / "ho_script.json"
    path.write_text(json.dumps({"rounds": script, "choices": {
        str(p): [[*k, list(v)] for k, v in ch.items() if k[1] == lane]
        for p, ch in choices.items()}}, default=repr))
    eng = engine(model, n)
    state = eng.initial(list(inputs))
    initial = state
    props = eng.properties
    violation = check_state(props, state, -1)
    records: list[RoundRecord] = []
    total = 0
    empty: tuple[Any, ...] = ()
    for r, sets in enumerate(script):
        if violation is not None:
            break
        # each process's choices, in the order the engine asks for them (process by process)
        queue: list[Any] = []
        for p in range(n):
            probe = _Scripted(choices.get(p, {}).get((r, lane, 0), empty))
            eng.send_one(r, p, state.locals[p], probe)
            queue.extend(probe.taken)
        chooser = _Scripted(queue)
        sends = eng.sends(state, chooser)
        if len(chooser.taken) != len(queue):  # pragma: no cover - the same code ran twice
            raise HoverifyError(f"replay: round {r}: send made other choices the second time")
        rinput = eng.normalise(state, RoundInput(HOSets.from_sets(sets)))
        queue = []
        for p in range(n):
            probe = _Scripted(choices.get(p, {}).get((r, lane, 1), empty))
            eng.update_one(state, sends, p, rinput.ho.masks[p], None, probe)
            queue.extend(probe.taken)
        chooser = _Scripted(queue)
        post, deliveries = eng.deliver(state, sends, rinput, chooser)
        if len(chooser.taken) != len(queue):  # pragma: no cover
            raise HoverifyError(f"replay: round {r}: update made other choices the second time")
        total += deliveries
        violation = check_step(props, state, post, r)
        records.append(RoundRecord(r, r // eng.k, model.rounds[r % eng.k].__name__, rinput,
                                   state, post, deliveries, _decisions(eng.names, state, post)))
        state = post
    return Trace(model.__name__, n, None, f"script:{path}", initial, tuple(records), violation,
                 state, total)


def decided_rounds(trace: Trace) -> dict[int, int]:
    """The round in which each process decided in the executor's run."""
    out: dict[int, int] = {}
    for rec in trace.rounds:
        for p, _ in rec.decisions:
            out.setdefault(p, rec.r)
    return out


def mismatches(trace: Trace, decisions: Mapping[int, Decision], lane: int = 0) -> list[str]:
    """How the executor's run differs from the replicas' own decisions (``decisions[p]``: the
    decision of replica ``p`` in the replayed instance): a replica that decided through the model
    must have decided the same value in the same round; a replica that learned the decision from
    a peer must not have decided anything else. With several lanes an instance ends at a replica
    when its last lane decides (``Decision.round``): a lane must then have decided by that round
    (:func:`decided_rounds` of every lane's replay give the exact rounds)."""
    decided_round = decided_rounds(trace)
    final = trace.final
    out = []
    for p, dec in decisions.items():
        want = dec.values[lane]
        got_decided = final.get(p, "decided")
        got = final.get(p, "decision")
        if dec.learned:
            if got_decided and got != want:
                out.append(f"p{p}: learned {want!r} but the executor decides {got!r}")
            continue
        if not got_decided:
            out.append(f"p{p}: decided {want!r} in round {dec.round}, undecided in the executor")
        elif got != want or (decided_round.get(p) != dec.round if len(dec.values) == 1
                             else decided_round.get(p, dec.round + 1) > dec.round):
            out.append(f"p{p}: decided {want!r} in round {dec.round}, the executor decides "
                       f"{got!r} in round {decided_round.get(p)}")
    if trace.violation is not None:
        out.append(f"executor: {trace.violation}")
    return out


__all__ = ["ho_script", "replay", "mismatches", "decided_rounds"]
