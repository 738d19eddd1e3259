"""A_{T,E}: consensus tolerating corrupted communication (value faults).

Source: Biely, Widder, Charron-Bost, Gaillard, Hutle, Schiper, "Tolerating corrupted
communication", PODC 2007 (algorithm A_{T,E}); the Isabelle AFP entry Heard_Of.

One round per phase. Parameters ``n, T, E, α`` with ``α < n/4``, ``n > T >= 2(n + 2α - E)``,
``n > E >= n/2 + α``. This model fixes ``α = ALPHA = 1`` and ``T = E = 2(n + 2α)/3``, which
satisfies the constraints for every ``n > 4α`` (``min_n = 5``); with ``α = 0`` it is the
One-Third Rule.

* Round: broadcast ``x``; if more than ``T`` messages were received, ``x :=`` the smallest most
  often received value; if more than ``E`` received values equal ``v``, decide ``v``.

Fault model: value faults, ``HO(p) = SHO(p) ∪ AHO(p)``, ``|AHO(p)| <= α``, messages from
``AHO(p)`` arbitrary (``fault_model = ValueFaults(ALPHA)``). Liveness (three good rounds, in
order): (a) ``∃S1, S2. |S1| > E − α ∧ |S2| > T ∧ ∀p ∈ S1. HO(p) = SHO(p) = S2``;
(b) ``∀p. |HO(p)| > T``; (c) ``∀p. |SHO(p)| > E``.

Safety properties: agreement, validity (with ``α > 0`` only for values the environment cannot
invent: validity is checked against the initial values and may fail under value faults, so it is
not listed), irrevocability.

Invariant: ``(∀i. ¬decided(i)) ∨ ∃v. |{i | x(i) = v}| > E − α ∧ ∀i. decided(i) → decision(i) = v``.
"""

from hoverify import Algorithm, Local, Round, ValueFaults, broadcast, n

ALPHA = 1  # the bound on corrupted messages per receiver and round


class ATE(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    fault_model = ValueFaults(ALPHA)
    alpha = ALPHA
    min_n = 4 * ALPHA + 1

    def init(p, v):
        p.x = v

    class Exchange(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 2 * (n + 2 * ALPHA) / 3:
                p.x = mbox.min_most_often()
            if mbox.count(mbox.min_most_often()) > 2 * (n + 2 * ALPHA) / 3:
                p.decide(mbox.min_most_often())

    properties = ("agreement", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    invariants = [
        "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > 2*(n + 2*1)/3 - 1"
        " and (forall i. decided(i) -> decision(i) = v)",
    ]
