"""Uniform Voting consensus.

Source: Charron-Bost & Schiper, "The Heard-Of model: computing in distributed systems with benign
faults", Distributed Computing 22(1), 2009 (algorithm UniformVoting); the VMCAI'14 CL artifact
(Drăgoi, Henzinger, Veith, Widder, Zufferey) and the Isabelle AFP entry Heard_Of.

Two rounds per phase, no coordinator.

* Round 1: broadcast ``x``; ``x :=`` the smallest value received; if all received values are equal
  (to ``x``), ``vote := x``.
* Round 2: broadcast ``(x, vote)``; if some vote was received, ``x :=`` a received vote (the
  smallest), else ``x :=`` the smallest ``x`` received; if all received messages carry the same
  vote ``v ≠ ?``, decide ``v``; ``vote := ?``.

HO assumptions: safety needs the no-split predicate in every round,
``∀p, q. HO(p) ∩ HO(q) ≠ ∅`` (``ho_predicate = NoSplit()``). Liveness: one uniform round
``∃S. ∀p. HO(p) = S``; the following round decides.

Safety properties: agreement, validity, irrevocability.

Invariants (VMCAI'14 artifact): votes agree, and once a value is decided every ``x`` equals it. At
phase boundaries the second needs round-1 facts: the round invariant "a vote is the voter's new
``x``". The second is stated pointwise, ``∀i, j. decided(i) → x(j) = decision(i)``, which is
equivalent (``n ≥ 1``) to the artifact's ``(∀i. ¬decided(i)) ∨ ∃v. (∀i. x(i) = v) ∧ (∀i. decided(i)
→ decision(i) = v)``. The decision procedure proves the pointwise form over ``Vote`` in about a
second; the existential form stays unknown (its witness ``v`` would have to be instantiated with
the new decision, a term the instantiation bound does not reach).
"""

from hoverify import Algorithm, Local, NoSplit, Round, Uniform, broadcast


class UniformVoting(Algorithm):
    x = Local(int)
    vote = Local(int | None)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    ho_predicate = NoSplit()

    def init(p, v):
        p.x = v

    class Propose(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 0:
                p.x = mbox.min()
                if mbox.max() == p.x:
                    p.vote = p.x

    class Vote(Round):
        def send(p):
            return broadcast((p.x, p.vote))

        def update(p, mbox):
            if mbox.exists(lambda m: m[1] is not None):
                p.x = mbox.max_by(lambda m: m[1] is not None)[1]
            elif mbox.size > 0:
                p.x = mbox.min()[0]
            if mbox.size > 0 and mbox.forall(lambda m: m[1] is not None and m[1] == p.x):
                p.decide(p.x)
            p.vote = None

    properties = ("agreement", "validity", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "validity": "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    invariants = [
        "forall i, j. vote(i) != ? and vote(j) != ? -> vote(i) = vote(j)",
        # once a value is decided, every x equals it (pointwise; see the docstring)
        "forall i, j. decided(i) -> x(j) = decision(i)",
        "forall i. exists j. x(i) = init(x)(j)",
        "forall i. vote(i) != ? -> exists j. vote(i) = init(x)(j)",
        # votes are reset at the end of every phase (without it, invariant 0 is not inductive)
        "forall i. r = 2*phase -> vote(i) = ?",
    ]
    # after Propose a vote is the voter's new x
    round_invariants = {"Propose": "forall i. vote(i) != ? -> vote(i) = x(i)"}
    # Termination: one uniform round (everyone hears the same set), then the next round decides.
    liveness = {"termination": "eventually forall i. decided(i)"}
    good_rounds = {"uniform": Uniform()}
    assumption = "eventually uniform"
    progress = {
        "termination": [
            # the uniform round (Propose or Vote) gives everyone the same messages, hence the
            # same x; votes, if any, are for it
            ("uniform", "forall i, j. x(i) = x(j) and (vote(i) != ? -> vote(i) = x(j))"),
            # then any phase: everyone votes for x, and decides it
            ("any", {"Propose": "forall i, j. x(i) = x(j) and vote(i) = x(j)",
                     "Vote": "forall i. decided(i)"}),
        ],
    }
