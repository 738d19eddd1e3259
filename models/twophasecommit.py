"""Two-phase commit, in the Heard-Of model.

Source: J. Gray, "Notes on data base operating systems", 1978; the HO formulation of the VMCAI'14
CL artifact and PSync's examples.

Three rounds per phase, one fixed coordinator ``COORD = 0``. The initial value of a process is its
vote (``True`` = yes). ``decision`` is ``True`` for commit, ``False`` for abort.

* R1 (Prepare): the coordinator broadcasts "prepare"; a process that receives it is ``prepared``.
* R2 (Vote): prepared processes send their vote to the coordinator; the coordinator (if not yet
  decided) decides commit iff it heard all ``n`` votes and all are yes, else abort.
* R3 (Outcome): a decided coordinator broadcasts its decision; a receiver adopts it.

HO assumptions: safety needs none. Liveness: the coordinator hears all and is heard by all in the
phase.

Safety properties: agreement, commit validity (commit only if all voted yes), irrevocability.

Invariant: ``(∀p. decided(p) ∧ decision(p) → ∀q. vote(q)) ∧ agreement`` (see ``invariants``).
"""

from hoverify import (
    Algorithm,
    CoordinatorHeard,
    CoordinatorHears,
    Local,
    Round,
    broadcast,
    n,
    send_to,
)

COORD = 0


class TwoPhaseCommit(Algorithm):
    vote = Local(bool)
    prepared = Local(bool, initial=False)
    decided = Local(bool, initial=False)
    decision = Local(bool | None)

    values = (True, False)

    def init(p, v):
        p.vote = v

    class Prepare(Round):
        def send(p):
            if p.id == COORD:
                return broadcast(True)

        def update(p, mbox):
            p.prepared = COORD in mbox.senders

    class Vote(Round):
        def send(p):
            if p.prepared:
                return send_to(COORD, p.vote)

        def update(p, mbox):
            if p.id == COORD and not p.decided:
                if mbox.size == n and mbox.forall(lambda m: m):
                    p.decide(True)
                else:
                    p.decide(False)

    class Outcome(Round):
        def send(p):
            if p.id == COORD and p.decided:
                return broadcast(p.decision)

        def update(p, mbox):
            if COORD in mbox.senders:
                p.decide(mbox.from_(COORD))

    properties = ("agreement", "commit_validity", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "commit_validity": "forall i. decided(i) and decision(i) -> forall j. vote(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    # Termination: one phase in which the coordinator is heard by everyone (Prepare, Outcome)
    # and hears everyone (Vote).
    liveness = {"termination": "eventually forall i. decided(i)"}
    good_rounds = {"good": {"Prepare": CoordinatorHeard(of=COORD),
                            "Vote": CoordinatorHears("n - 1", of=COORD),
                            "Outcome": CoordinatorHeard(of=COORD)}}
    assumption = "eventually good"
    progress = {
        "termination": [
            ("good", {"Prepare": "forall i. prepared(i)",
                      "Vote": "decided(proc(0))",
                      "Outcome": "forall i. decided(i)"}),
        ],
    }
    invariants = [
        "forall p. decided(p) and decision(p) -> forall q. vote(q)",
        "forall p, q. decided(p) and decided(q) -> decision(p) = decision(q)",
        "forall p. decided(p) and not (p = proc(0)) -> decided(proc(0))"
        " and decision(p) = decision(proc(0))",
    ]
