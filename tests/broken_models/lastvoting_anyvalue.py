"""BROKEN on purpose: LastVoting whose coordinator adopts any received value (here the smallest
x) instead of one with the highest timestamp.

Not a model: the explorer must find an agreement violation (smallest n: 3, two phases).
"""

from hoverify import Algorithm, Local, Round, broadcast, coord, n, phase, send_to


class LastVotingAnyValue(Algorithm):
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
                p.vote = mbox.min()[0]  # BROKEN: any received value, not the newest
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
    liveness = {"termination": "eventually forall i. decided(i)"}
