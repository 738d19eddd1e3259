"""LastVoting: Paxos in the Heard-Of model.

Source: Charron-Bost & Schiper, "The Heard-Of model: computing in distributed systems with benign
faults", Distributed Computing 22(1), 2009 (algorithm LastVoting); PSync's LastVoting example
(Drăgoi, Henzinger, Zufferey, POPL'16) and the Isabelle AFP entry Heard_Of.

Four rounds per phase ``φ``, rotating coordinator ``coord(φ) = φ mod n``. ``ts`` is the phase of
the last update of ``x`` (``-1``: never; phases are numbered from 0).

* R1 (Collect): everyone sends ``(x, ts)`` to the coordinator; a coordinator that receives more
  than ``n/2`` messages sets ``vote :=`` an ``x`` with the largest ``ts`` and ``commit := true``.
* R2 (Propose): a committed coordinator broadcasts ``vote``; a receiver sets ``x := vote``,
  ``ts := φ``.
* R3 (Ack): processes with ``ts = φ`` send an ack to the coordinator; with more than ``n/2``
  acks the coordinator sets ``ready := true``.
* R4 (Decide): a ready coordinator broadcasts ``vote``; a receiver decides it; the coordinator
  resets ``commit`` and ``ready``.

HO assumptions: safety needs none. Liveness: a good phase with coordinator ``c``: ``|HO(c)| > n/2``
in R1 and R3, ``c ∈ HO(p)`` for every ``p`` in R2 and R4 (AFP; PSync states R2/R4 the wrong way
round).

Safety properties: agreement, validity, irrevocability.

Invariant (PSync, VMCAI'14), at phase boundaries; round invariants inside the phase are left to the
proof engine issue: see ``invariants``.
"""

from hoverify import (
    Algorithm,
    CoordinatorHeard,
    CoordinatorHears,
    Local,
    Round,
    broadcast,
    coord,
    n,
    phase,
    send_to,
)


class LastVoting(Algorithm):
    x = Local(int)
    ts = Local(int, initial=-1)
    vote = Local(int | None)
    commit = Local(bool, initial=False)
    ready = Local(bool, initial=False)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    def init(p, v):
        p.x = v

    class Collect(Round):
        def send(p):
            return send_to(coord(phase), (p.x, p.ts))

        def update(p, mbox):
            if p.id == coord(phase) and mbox.size > n / 2:
                p.vote = mbox.max_by(lambda m: m[1])[0]
                p.commit = True

    class Propose(Round):
        def send(p):
            if p.id == coord(phase) and p.commit:
                return broadcast(p.vote)

        def update(p, mbox):
            if coord(phase) in mbox.senders:
                p.x = mbox.from_(coord(phase))
                p.ts = phase

    class Ack(Round):
        def send(p):
            if p.ts == phase:
                return send_to(coord(phase), True)

        def update(p, mbox):
            if p.id == coord(phase) and mbox.size > n / 2:
                p.ready = True

    class Decide(Round):
        def send(p):
            if p.id == coord(phase) and p.ready:
                return broadcast(p.vote)

        def update(p, mbox):
            if coord(phase) in mbox.senders:
                p.decide(mbox.from_(coord(phase)))
            if p.id == coord(phase):
                p.commit = False
                p.ready = False

    properties = ("agreement", "validity", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "validity": "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    invariants = [
        "(forall i. not decided(i) and not ready(i)) or exists v, t."
        " |{i | ts(i) >= t}| > n/2 and t <= phase"
        " and (forall i. ts(i) >= t -> x(i) = v)"
        " and (forall i. decided(i) -> decision(i) = v)"
        " and (forall i. commit(i) -> vote(i) = v)"
        " and (forall i. ready(i) -> vote(i) = v)"
        " and (forall i. ts(i) = phase -> commit(coord(phase)))",
        "forall i. exists j. x(i) = init(x)(j)",
        "forall i. vote(i) != ? -> exists j. vote(i) = init(x)(j)",
        "forall i. commit(i) -> vote(i) != ?",
        # a timestamp of the current phase was set by its coordinator's proposal (without these,
        # invariant 0 is not inductive over Ack: a process with ts = phase and no commit)
        "forall i. ts(i) <= phase and (r = 4*phase -> ts(i) < phase)",
        "forall i. ts(i) = phase -> commit(coord(phase))",
        # only the current coordinator is committed or ready, and a timestamp of the current
        # phase carries its vote (without these, invariant 0 is not inductive over Ack: a process
        # with ts = phase and another x, or a stale committed process from an earlier phase)
        "forall i. ts(i) = phase -> x(i) = vote(coord(phase))",
        "forall i. (commit(i) or ready(i)) -> i = coord(phase)",
    ]
    # the Ack round in three facts (each proved from the round alone): only ``ready`` changes; a
    # process becomes ready only as the coordinator with acks from a majority of the phase's
    # timestamps; ready stays. The VCs over Ack are first tried from these (invariant 0's
    # consecution: 0.9 s instead of 5 s)
    round_lemmas = {"Ack": [
        "forall i. x(i) = old(x)(i) and ts(i) = old(ts)(i) and vote(i) = old(vote)(i)"
        " and commit(i) = old(commit)(i) and decided(i) = old(decided)(i)"
        " and decision(i) = old(decision)(i)",
        "forall i. ready(i) and not old(ready)(i)"
        " -> i = coord(phase) and |{j | old(ts)(j) = phase}| > n/2",
        "forall i. old(ready)(i) -> ready(i)",
    ]}
    # Termination: one good phase with coordinator c = coord(phase): |HO(c)| > n/2 in rounds 1
    # and 3, and everyone hears c in rounds 2 and 4.
    liveness = {"termination": "eventually forall i. decided(i)"}
    good_rounds = {"good": {"Collect": CoordinatorHears("n/2"), "Propose": CoordinatorHeard(),
                            "Ack": CoordinatorHears("n/2"), "Decide": CoordinatorHeard()}}
    assumption = "eventually good"
    progress = {
        "termination": [
            ("good", {
                "Collect": "commit(coord(phase))",
                "Propose": "commit(coord(phase)) and forall i. ts(i) = phase",
                "Ack": "ready(coord(phase))",
                "Decide": "forall i. decided(i)",
            }),
        ],
    }
