"""One-Third Rule (OTR) consensus.

Source: Charron-Bost & Schiper, "The Heard-Of model: computing in distributed systems with benign
faults", Distributed Computing 22(1), 2009 (algorithm OneThirdRule); also Figure 1 of Drăgoi,
Henzinger & Zufferey, SNAPL 2015, and the Isabelle AFP entry Heard_Of.

One round per phase, no coordinator, benign faults. Each round every process broadcasts ``x``; a
process that hears from more than ``2n/3`` processes sets ``x`` to the smallest most often
received value, and decides ``x`` if more than ``2n/3`` of the received values equal ``x``.

HO assumptions: safety needs none (any HO sets). Liveness: two rounds (not necessarily consecutive)
in which ``∃S. ∀p. HO(p) = S ∧ |S| > 2n/3`` (the first makes every ``x`` equal, the second decides).

Safety properties: agreement, validity, irrevocability (integrity).

Invariants (the seed paper's agreement invariant, and validity's): see ``invariants``. The
consecution of the paper's invariant is decomposed into round lemmas (``round_lemmas``), the steps
of its textbook proof: a process that decides has seen a ``2n/3`` quorum of its value; a process
that hears more than ``2n/3`` adopts the value of any ``2n/3`` quorum; so such a quorum survives
the round, and every new decision is its value.
"""

from hoverify import Algorithm, HeardMoreThan, Local, Round, Uniform, broadcast, n


class OneThirdRule(Algorithm):
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
    # each lemma is proved from the round (and the lemmas before it); the invariants' VCs over
    # the round are first tried from the lemmas instead of the round's relation
    round_lemmas = {"Exchange": [
        # a decision is never revised
        "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
        # a process that hears more than 2n/3 adopts the value of a quorum of more than 2n/3
        "forall i, v. |HO(i)| > 2*n/3 and |{j | old(x)(j) = v}| > 2*n/3 -> x(i) = v",
        # so such a quorum survives the round
        "forall v. |{j | old(x)(j) = v}| > 2*n/3 -> |{j | x(j) = v}| > 2*n/3",
        # and a process that decides in this round decides its value
        "forall i, v. |{j | old(x)(j) = v}| > 2*n/3 and decided(i) and not old(decided)(i)"
        " -> decision(i) = v",
        # a process that decides in this round saw a quorum of more than 2n/3 for its value
        "forall i. decided(i) and not old(decided)(i)"
        " -> |{j | old(x)(j) = decision(i)}| > 2*n/3",
    ]}
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
    good_rounds = {"uniform": Uniform() & HeardMoreThan("2*n/3")}
    assumption = "always eventually uniform"
    progress = {
        "termination": [
            ("uniform", "forall i, j. x(i) = x(j)"),
            ("uniform", "forall i. decided(i)"),
        ],
    }
