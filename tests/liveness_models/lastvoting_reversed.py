"""WRONG on purpose: LastVoting whose good phase has the direction of rounds 2 and 4 reversed (the
coordinator hears everyone, instead of everyone hears the coordinator), as in PSync's
specification. Processes that do not hear the coordinator do not adopt its vote nor decide: the
chain's progress VCs over Propose and Decide must be refuted.
"""

from hoverify import (
    Algorithm,
    CoordinatorHears,
    Local,
    Round,
    broadcast,
    coord,
    n,
    phase,
    send_to,
)


class LastVotingReversedGoodPhase(Algorithm):
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
    ]
    # Termination: one good phase with coordinator c = coord(phase): |HO(c)| > n/2 in rounds 1
    # and 3, and everyone hears c in rounds 2 and 4.
    liveness = {"termination": "eventually forall i. decided(i)"}
    # REVERSED: "the coordinator hears everyone" in rounds 2 and 4, instead of "everyone hears
    # the coordinator" (the mistake in PSync's specification)
    good_rounds = {"good": {"Collect": CoordinatorHears("n/2"),
                            "Propose": CoordinatorHears("n - 1"),
                            "Ack": CoordinatorHears("n/2"),
                            "Decide": CoordinatorHears("n - 1")}}
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
