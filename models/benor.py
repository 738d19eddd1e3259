"""Ben-Or's randomized binary consensus, in the Heard-Of model.

Source: M. Ben-Or, "Another advantage of free choice: completely asynchronous agreement
protocols", PODC 1983; the HO formulation of PSync's examples (Drăgoi, Henzinger, Zufferey,
POPL'16).

Two rounds per phase, binary values 0/1.

* R1: broadcast ``x``; if more than ``n/2`` received values equal ``v``, ``vote := v``, else
  ``vote := ?``.
* R2: broadcast ``vote``; if more than ``n/2`` received votes equal ``v ≠ ?``, decide ``v``; if at
  least one vote ``v ≠ ?`` was received, ``x := v``; otherwise ``x :=`` a coin flip.

HO assumptions: ``∀p. |HO(p)| > n/2`` in every round (PSync; crash faults where a majority is
always heard): ``ho_predicate = HeardMoreThan("n/2")``. Liveness is probabilistic (not stated).

Safety properties: agreement, validity, irrevocability.

Invariant (with a round invariant after R1: ``∀p. vote(p) ≠ ? → |{i | x(i) = vote(p)}| > n/2``):
see ``invariants``.
"""

from hoverify import Algorithm, HeardMoreThan, Local, Round, broadcast, coin, n


class BenOr(Algorithm):
    x = Local(int)
    vote = Local(int | None)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    ho_predicate = HeardMoreThan("n/2")
    values = (0, 1)

    def init(p, v):
        p.x = 0 if v == 0 else 1  # binary consensus: any other input counts as 1

    class Report(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.count(0) > n / 2:
                p.vote = 0
            elif mbox.count(1) > n / 2:
                p.vote = 1
            else:
                p.vote = None

    class Propose(Round):
        def send(p):
            return broadcast(p.vote)

        def update(p, mbox):
            if mbox.count(0) > n / 2:
                p.decide(0)
            elif mbox.count(1) > n / 2:
                p.decide(1)
            if mbox.exists(lambda m: m is not None):
                p.x = mbox.max_by(lambda m: m is not None)
            else:
                p.x = coin()
            p.vote = None

    properties = ("agreement", "validity", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "validity": "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    invariants = [
        # once someone decided v, every x is v (the deciding phase's votes reach everyone);
        # stated per binary value, which the decision procedure handles without instantiating v
        "(forall i. not decided(i))"
        " or (forall i. x(i) = 0 and (decided(i) -> decision(i) = 0))"
        " or (forall i. x(i) = 1 and (decided(i) -> decision(i) = 1))",
        # values are binary
        "forall i. (x(i) = 0 or x(i) = 1) and (decided(i) -> decision(i) = 0 or decision(i) = 1)",
        "forall j. init(x)(j) = 0 or init(x)(j) = 1",
        # unanimous inputs stay unanimous (no coin is ever flipped); per binary value, as above
        "(forall j. init(x)(j) = 0) -> forall i. x(i) = 0 and (decided(i) -> decision(i) = 0)",
        "(forall j. init(x)(j) = 1) -> forall i. x(i) = 1 and (decided(i) -> decision(i) = 1)",
    ]
    round_invariants = {
        "Report": "(forall p. vote(p) != ? -> |{i | x(i) = vote(p)}| > n/2"
                  " and (vote(p) = 0 or vote(p) = 1))"
                  " and ((forall i. not decided(i)) or (forall i. x(i) = 0 and vote(i) = 0)"
                  " or (forall i. x(i) = 1 and vote(i) = 1))"
                  " and ((forall j. init(x)(j) = 0) -> forall i. vote(i) = 0)"
                  " and ((forall j. init(x)(j) = 1) -> forall i. vote(i) = 1)"
                  " and ((forall i. vote(i) = ? or vote(i) = 0)"
                  " or (forall i. vote(i) = ? or vote(i) = 1))",
    }
