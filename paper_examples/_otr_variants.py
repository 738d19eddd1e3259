"""Invariant variants of the One-Third Rule, for the notebook ``one_third_rule.ipynb``.

Each class is ``models/otr.py``'s ``OneThirdRule`` with a different ``invariants`` list (the code
and the HO assumptions are unchanged), and only the property the seed paper is about, agreement:

* :class:`AgreementOnly`: agreement itself used as the invariant. It holds in every reachable
  state, but it is **not inductive**: a state where nobody decided yet but the ``x`` values are
  split can lead to two different decisions in one round.
* :class:`HalfThreshold`: the seed paper's invariant with the threshold ``2n/3`` lowered to
  ``n/2``. It also holds (it is weaker than the paper's), but a majority of ``> n/2`` processes
  holding ``v`` does not survive a round: it is **not inductive** either.
* :class:`AllSameX`: "every process holds the same ``x``": false (it fails in an initial state with
  two different inputs).
* :class:`DecisionIsX`: "a decided process holds its decision in ``x``": it holds, but on its own
  it is too weak to imply agreement.
* :class:`SeedInvariant`: the seed paper's invariant (Drăgoi, Henzinger & Zufferey, SNAPL 2015):
  ``∀i. ¬decided(i) ∨ ∃v. |{i. x(i) = v}| > 2n/3 ∧ ∀i. decided(i) ⇒ decision(i) = v``, alone.

The classes live in a file rather than in a notebook cell because the compiler reads the
specification's source lines with :mod:`inspect`, which cannot see classes defined in a kernel.
"""

from __future__ import annotations

from pathlib import Path

from hoverify import Algorithm
from hoverify.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
OTR_FILE = ROOT / "models" / "otr.py"

OneThirdRule: type[Algorithm] = load_model(OTR_FILE)

AGREEMENT = "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)"

SEED_INVARIANT = ("(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > 2*n/3"
                  " and (forall i. decided(i) -> decision(i) = v)")

HALF_INVARIANT = ("(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > n/2"
                  " and (forall i. decided(i) -> decision(i) = v)")


class AgreementOnly(OneThirdRule):  # type: ignore[misc, valid-type]
    properties = ("agreement",)
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    }
    invariants = [
        "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    ]


class HalfThreshold(OneThirdRule):  # type: ignore[misc, valid-type]
    properties = ("agreement",)
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    }
    invariants = [
        "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > n/2"
        " and (forall i. decided(i) -> decision(i) = v)",
    ]


class AllSameX(OneThirdRule):  # type: ignore[misc, valid-type]
    properties = ("agreement",)
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    }
    invariants = [
        "forall i, j. x(i) = x(j)",
    ]


class DecisionIsX(OneThirdRule):  # type: ignore[misc, valid-type]
    properties = ("agreement",)
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    }
    invariants = [
        "forall i. decided(i) -> decision(i) = x(i)",
    ]


class SeedInvariant(OneThirdRule):  # type: ignore[misc, valid-type]
    properties = ("agreement",)
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    }
    invariants = [
        "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > 2*n/3"
        " and (forall i. decided(i) -> decision(i) = v)",
    ]


__all__ = ["AGREEMENT", "HALF_INVARIANT", "OTR_FILE", "SEED_INVARIANT", "AgreementOnly",
           "AllSameX", "DecisionIsX", "HalfThreshold", "OneThirdRule", "SeedInvariant"]
