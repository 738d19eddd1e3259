"""Answers of the decision procedure, as values.

``Answer`` is what a satisfiability check returns; ``Verdict`` is what an entailment returns. Both
are ordered enums: the worst of several is their ``max``. An ``UNKNOWN`` always carries a reason.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from logic.decode import FiniteModel
    from logic.reduce import Reduction


class Answer(enum.IntEnum):
    """Satisfiability answer. ``UNSAT`` only from a solver's unsat on an over-approximation."""

    UNSAT = 0
    SAT = 1
    UNKNOWN = 2

    def __str__(self) -> str:
        return self.name.lower()


class Verdict(enum.IntEnum):
    """Validity verdict of ``hyps |= goal``: ``VALID`` iff ``hyps and not goal`` is unsat."""

    VALID = 0
    INVALID = 1
    UNKNOWN = 2

    def __str__(self) -> str:
        return self.name.lower()

    @staticmethod
    def of(answer: Answer) -> Verdict:
        return {Answer.UNSAT: Verdict.VALID, Answer.SAT: Verdict.INVALID,
                Answer.UNKNOWN: Verdict.UNKNOWN}[answer]


@dataclass(frozen=True)
class CheckResult:
    """The result of checking one formula for satisfiability.

    ``model`` is set exactly when ``answer`` is ``SAT``, and it has been validated against the
    original formula by the evaluator. ``reason`` is set when ``answer`` is ``UNKNOWN``.
    """

    answer: Answer
    backend: str
    seconds: float
    model: FiniteModel | None = None
    reason: str | None = None
    reduction: Reduction | None = field(default=None, repr=False, compare=False)
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.answer is Answer.UNKNOWN and not self.reason:
            raise ValueError("an unknown answer needs a reason")
        if self.answer is Answer.SAT and self.model is None:
            raise ValueError("a sat answer needs a validated model")
        if self.answer is not Answer.SAT and self.model is not None:
            raise ValueError("only a sat answer carries a model")

    @property
    def verdict(self) -> Verdict:
        """The verdict of the entailment whose negation was checked."""
        return Verdict.of(self.answer)

    @property
    def is_unsat(self) -> bool:
        return self.answer is Answer.UNSAT

    @property
    def is_sat(self) -> bool:
        return self.answer is Answer.SAT
