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
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "validity": "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    # One-Third Rule's invariants with the thresholds of this variant: not inductive
    invariants = [
        "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > n/2"
        " and (forall i. decided(i) -> decision(i) = v)",
        "forall i. exists j. x(i) = init(x)(j)",
        "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
    ]
