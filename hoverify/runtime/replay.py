"""Replaying a runtime run in the lockstep executor.

A replica started with ``RuntimeConfig(record=True)`` logs, per instance, the rounds it ran and
whom it heard in each (``ho_log[instance] = ((r, mask), ...)``). :func:`ho_script` turns the logs
of all replicas into the executor's scripted adversary (``script:FILE.json``, see
:class:`hoverify.adversary.Scripted`): in round ``r``, ``HO(p)`` is the set ``p`` heard if it ran
round ``r``, else empty (a replica that had left the instance, or not reached that round, heard
nobody). Under the lockstep semantics every replica that decided through the model must decide
the same value in the same round: :func:`replay` runs the executor and :func:`mismatches` lists
the differences.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hoverify.dsl import Algorithm
from hoverify.ho import bits
from hoverify.runtime.replica import Decision
from hoverify.trace import Trace

Log = Sequence[tuple[int, int]]


def ho_script(n: int, logs: Mapping[int, Log]) -> list[list[list[int]]]:
    """The HO sets of every round, as the scripted adversary's rounds."""
    rounds = 1 + max((r for log in logs.values() for r, _ in log), default=-1)
    script: list[list[list[int]]] = [[[] for _ in range(n)] for _ in range(rounds)]
    for p, log in logs.items():
        for r, mask in log:
            script[r][p] = list(bits(mask))
    return script


def replay(model: type[Algorithm], n: int, inputs: Sequence[Any], logs: Mapping[int, Log],
           workdir: str | Path) -> Trace:
    """Run the executor on the HO sets of ``logs`` from ``inputs`` (one per replica); the script
    is written to ``workdir`` (so ``hoverify simulate --adversary script:FILE`` replays it)."""
    from hoverify.executor import run  # noqa: PLC0415

    script = ho_script(n, logs)
    path = Path(workdir) / "ho_script.json"
    path.write_text(json.dumps({"rounds": script}))
    return run(model, n, len(script), f"script:{path}", inputs=list(inputs))


def mismatches(trace: Trace, decisions: Mapping[int, Decision], lane: int = 0) -> list[str]:
    """How the executor's run differs from the replicas' own decisions (``decisions[p]``: the
    decision of replica ``p`` in the replayed instance): a replica that decided through the model
    must have decided the same value in the same round; a replica that learned the decision from
    a peer must not have decided anything else."""
    decided_round: dict[int, int] = {}
    for rec in trace.rounds:
        for p, _ in rec.decisions:
            decided_round.setdefault(p, rec.r)
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
        elif got != want or decided_round.get(p) != dec.round:
            out.append(f"p{p}: decided {want!r} in round {dec.round}, the executor decides "
                       f"{got!r} in round {decided_round.get(p)}")
    if trace.violation is not None:
        out.append(f"executor: {trace.violation}")
    return out


__all__ = ["ho_script", "replay", "mismatches"]
