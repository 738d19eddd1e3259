"""The corpus of formulas with known verdicts, decided on every installed backend.

``tests/corpus/cardinality.hol`` states each goal's verdict by its kind (``prove``: valid,
``unsat``, ``sat``). Every goal must get that verdict on every backend (so the backends agree),
and every sat answer carries a model that satisfies the formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from logic import Answer, Not, available_backends, check
from logic.evaluate import holds
from logic.parser import Goal, parse_problem

CORPUS = Path(__file__).parent / "corpus" / "cardinality.hol"
PROBLEM = parse_problem(CORPUS.read_text(encoding="utf-8"), source=str(CORPUS))


def test_corpus_is_large_enough() -> None:
    kinds = {g.kind for g in PROBLEM.goals}
    assert len(PROBLEM.goals) >= 40 and kinds == {"prove", "sat", "unsat"}


@pytest.mark.parametrize("backend", available_backends())
@pytest.mark.parametrize("goal", PROBLEM.goals, ids=lambda g: g.name)
def test_goal_has_its_known_verdict(goal: Goal, backend: str) -> None:
    formula = Not(goal.formula) if goal.kind == "prove" else goal.formula
    result = check(formula, backend=backend, timeout=60)
    expected = Answer.SAT if goal.kind == "sat" else Answer.UNSAT
    assert result.answer is expected, f"{goal.name} on {backend}: {result.answer} {result.reason}"
    if result.answer is Answer.SAT:
        assert result.model is not None and holds(formula, result.model.structure)


def _false(smt: Any) -> bool:
    """Whether a reduction is false outright (a conjunct is)."""
    return bool(smt.is_false() or (smt.is_and() and any(a.is_false() for a in smt.args())))


@pytest.mark.parametrize("anchored", [False, True], ids=["counted", "anchored"])
def test_declared_logic_covers_the_detected_one(anchored: bool) -> None:
    """``check`` declares each reduction's logic to the solvers instead of having pysmt walk the
    formula (and its value reads) to detect it. On every corpus goal the declared logic is the
    detected one, for every backend's way of naming it, except that it may add uninterpreted
    functions and sorts a reduction declared but did not use (never the other way round)."""
    from logic.backends import BACKENDS, _declared_logic, _logic_of
    from logic.decode import plan_queries
    from logic.reduce import reduce_formula

    wider = []
    for goal in PROBLEM.goals:
        formula = Not(goal.formula) if goal.kind == "prove" else goal.formula
        red = reduce_formula(formula, anchored=anchored)
        want = tuple(plan_queries(red).queries)
        for backend in BACKENDS:
            detected = _logic_of(red.reducer.env, red.smt, want, backend)
            declared = _declared_logic(red.logic, backend)
            if (declared.name, detected.name) == ("QF_UFLIA", "QF_LIA"):
                # pure arithmetic: the reduction made symbols (a Venn witness) it did not use,
                # or it is false outright (a member of a set stated empty: logic.emptysets)
                assert red.stats["set_atoms"] == 0 or _false(red.smt), goal.name
                wider.append(goal.name)
                continue
            assert (declared.name, declared.theory, declared.quantifier_free) == (
                detected.name, detected.theory, detected.quantifier_free), goal.name
    assert len(set(wider)) < len(PROBLEM.goals) // 2  # most goals: exactly the detected logic
