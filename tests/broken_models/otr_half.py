"""BROKEN on purpose: the One-Third Rule with both thresholds lowered from 2n/3 to n/2.

Not a model: the explorer must find an agreement violation (smallest n: 3, two rounds).
"""

from hoverify import Algorithm, Local, Round, broadcast, n


class OneThirdRuleHalf(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    def init(p, v):
        p.x = v

    class Exchange(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > n / 2:
                p.x = mbox.min_most_often()
                if mbox.count(p.x) > n / 2:
                    p.decide(p.x)

    properties = ("agreement", "validity", "irrevocability")
