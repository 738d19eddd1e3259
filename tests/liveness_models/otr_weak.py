"""TOO WEAK an assumption on purpose: One-Third Rule whose good rounds are uniform with more than
n/2 processes (not 2n/3). A process needs more than 2n/3 messages to update, so such rounds need not
make progress: the chain's first progress VC must be refuted, and a simulation under this
assumption need not decide.
"""

from hoverify import Algorithm, HeardMoreThan, Local, Round, Uniform, broadcast, n


class OneThirdRuleWeakAssumption(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    def init(p, v):
        p.x = v

    class Exchange(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 2 * n / 3:
                p.x = mbox.min_most_often()
                if mbox.count(p.x) > 2 * n / 3:
                    p.decide(p.x)

    properties = ("agreement", "validity", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "validity": "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    invariants = [
        "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > 2*n/3"
        " and (forall i. decided(i) -> decision(i) = v)",
        "forall i. exists j. x(i) = init(x)(j)",
        "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
    ]
    # Termination: infinitely often a uniform round in which everyone hears the same > 2n/3
    # processes. The first such round makes every x equal (everyone picks the same value from the
    # same messages); the next one makes everyone decide it.
    liveness = {"termination": "eventually forall i. decided(i)"}
    good_rounds = {"uniform": Uniform() & HeardMoreThan("n/2")}  # TOO WEAK
    assumption = "always eventually uniform"
    progress = {
        "termination": [
            ("uniform", "forall i, j. x(i) = x(j)"),
            ("uniform", "forall i. decided(i)"),
        ],
    }
