"""The seed paper's Figure 1 / Figure 3: the One-Third Rule, as written there.

Source: Drăgoi, Henzinger, Zufferey, "The Need for Language Support for Fault-tolerant
Distributed Systems", SNAPL 2015, Figure 1 (pseudo-code) and Figure 3 (the Scala DSL):

    Send:   send x to all processes
    Update: if received more than 2n/3 messages then
              x := the smallest most often received value
              if more than 2n/3 received values are equal to x then
                decide(x)

As in Figure 3, ``x`` starts at 0 before ``init`` sets it to the initial value, ``decision`` starts
at -1 and ``decided`` at false (the verification-only variables). Figure 3's ``terminate`` after
deciding is not modelled: a decided process keeps running the round, which the algorithm
tolerates (its state no longer changes the decision).

HO assumptions: none for safety. The paper's liveness condition: two rounds with
``∃P. ∀p. HO(p) = P ∧ |P| > 2n/3``.

Safety property (the paper): agreement. Its invariant (the paper's, first thing hoverify must
prove): ``∀i. ¬decided(i) ∨ ∃v. |{i. x(i) = v}| > 2n/3 ∧ ∀i. decided(i) ⇒ decision(i) = v``.
"""

from hoverify import Algorithm, Local, Round, broadcast, n


class OTRFigure3(Algorithm):
    x = Local(int, initial=0)
    decision = Local(int, initial=-1)  # used by the verification
    decided = Local(bool, initial=False)  # used by the verification

    def init(p, v):
        p.x = v
        p.decided = False

    class Round1(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 2 * n / 3:
                p.x = mbox.min_most_often()
                if mbox.count(p.x) > 2 * n / 3:
                    p.decided = True
                    p.decision = p.x

    properties = ("agreement", "validity", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    }
    invariants = [
        "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > 2*n/3"
        " and (forall i. decided(i) -> decision(i) = v)",
    ]
