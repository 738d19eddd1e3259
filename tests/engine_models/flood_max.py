"""Test-only model (engine tests): one round per phase, every process adopts the largest value
it hears; it decides once it heard from everybody. Every VC is proved by the engine."""

from hoverify import Algorithm, Local, Round, broadcast, n


class FloodMax(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    def init(p, v):
        p.x = v

    class Flood(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 0:
                p.x = mbox.max()
            if mbox.size == n and not p.decided:
                p.decide(p.x)

    properties = ("validity",)
    safety = {"validity": "forall i. decided(i) -> exists j. decision(i) = init(x)(j)"}
    invariants = [
        "forall i. exists j. x(i) = init(x)(j)",
        "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
    ]
