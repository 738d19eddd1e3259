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

Invariant (with a round invariant after R1: votes are binary, and a vote for ``v`` means that more
than ``n/2`` processes hold ``v``): see ``invariants``; the consecution over R2 is decomposed into
round lemmas (``round_lemmas``).
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
    # the steps of invariant 0's consecution over Propose, each proved from the round (without
    # them, that VC took 7 s of the model's 8 s); stated per binary value, as the invariants
    round_lemmas = {"Propose": [
        # a decision is never revised
        "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
        # a process that decides in this round saw a majority of votes for its value
        "forall i. decided(i) and not old(decided)(i) ->"
        " (decision(i) = 0 and |{j | old(vote)(j) = 0}| > n/2)"
        " or (decision(i) = 1 and |{j | old(vote)(j) = 1}| > n/2)",
        # a majority voted v and nobody voted otherwise: everyone hears a vote, and adopts v
        "|{j | old(vote)(j) = 0}| > n/2 and (forall j. old(vote)(j) = ? or old(vote)(j) = 0)"
        " -> forall i. x(i) = 0",
        "|{j | old(vote)(j) = 1}| > n/2 and (forall j. old(vote)(j) = ? or old(vote)(j) = 1)"
        " -> forall i. x(i) = 1",
    ]}
    # votes are binary, and a vote for v means a majority holds v: stated per binary value (as
    # "forall p. vote(p) != ? -> |{i | x(i) = vote(p)}| > n/2", it makes a set per process, and
    # Propose's VCs took 3 to 4 times as long)
    round_invariants = {
        "Report": "(forall p. vote(p) = ? or vote(p) = 0 or vote(p) = 1)"
                  " and ((exists p. vote(p) = 0) -> |{i | x(i) = 0}| > n/2)"
                  " and ((exists p. vote(p) = 1) -> |{i | x(i) = 1}| > n/2)"
                  " and ((forall i. not decided(i)) or (forall i. x(i) = 0 and vote(i) = 0)"
                  " or (forall i. x(i) = 1 and vote(i) = 1))"
                  " and ((forall j. init(x)(j) = 0) -> forall i. vote(i) = 0)"
                  " and ((forall j. init(x)(j) = 1) -> forall i. vote(i) = 1)"
                  " and ((forall i. vote(i) = ? or vote(i) = 0)"
                  " or (forall i. vote(i) = ? or vote(i) = 1))",
    }
