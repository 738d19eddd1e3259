"""The corpus of formulas with known verdicts, decided on every installed backend.

``tests/corpus/cardinality.hol`` states each goal's verdict by its kind (``prove``: valid,
``unsat``, ``sat``). Every goal must get that verdict on every backend (so the backends agree),
and every sat answer carries a model that satisfies the formula.
"""

from __future__ import annotations

from pathlib import Path

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
