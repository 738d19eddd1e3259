"""Result values of the proof engine: one :class:`VCResult` per VC, one :class:`Report` per run.

``Status`` is ordered by severity; the exit code of ``hoverify check`` is a function of the worst
status (0 proved, 1 refuted with a confirmed counterexample, 2 unknown / timeout / solver error).
A refutation is only ever ``REFUTED`` after its counterexample was replayed through the model's
code; a counterexample the replay does not confirm makes the VC ``UNKNOWN`` with the reason.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from hoverify.engine.vcgen import VCKind


class Status(enum.IntEnum):
    PROVED = 0
    UNKNOWN = 1   # unknown, timeout, a reduction too large, an unconfirmed counterexample
    ERROR = 2     # the backends of a cross-check disagree
    REFUTED = 3   # a counterexample confirmed by replay

    def __str__(self) -> str:
        return self.name.lower()


#: how a refutation of each kind of VC is worded (never "false" for a consecution: a state that
#: breaks induction need not be reachable)
REFUTED_WORDING = {
    VCKind.INITIATION: "fails in an initial state",
    VCKind.CONSECUTION: "not inductive",
    VCKind.PROPERTY: "not implied by the invariants",
    VCKind.TRANSITION_PROPERTY: "not implied by the invariants over this round",
    VCKind.REACHABLE: "violated in a reachable state",
    VCKind.STABILITY: "not stable",
    VCKind.PROGRESS: "not established by the good round",
    VCKind.CONCLUSION: "does not imply the goal",
}


#: the short label of a refutation in the one-line-per-VC listing
REFUTED_LABEL = {
    VCKind.INITIATION: "FAILS INIT",
    VCKind.CONSECUTION: "NOT INDUCTIVE",
    VCKind.PROPERTY: "NOT IMPLIED",
    VCKind.TRANSITION_PROPERTY: "NOT IMPLIED",
    VCKind.REACHABLE: "VIOLATED",
    VCKind.STABILITY: "NOT STABLE",
    VCKind.PROGRESS: "NO PROGRESS",
    VCKind.CONCLUSION: "NOT IMPLIED",
}


@dataclass(frozen=True)
class Counterexample:
    """A confirmed counterexample: the report a person reads and its JSON form."""

    text: str
    data: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class VCResult:
    """The outcome of one VC on one backend configuration."""

    name: str
    kind: VCKind
    status: Status
    seconds: float
    backend: str
    file: str
    target: str
    target_line: int | None
    round_name: str | None = None
    round_line: int | None = None
    reason: str | None = None
    counterexample: Counterexample | None = None
    key: str = ""
    cached: bool = False
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.status is Status.REFUTED and self.counterexample is None:
            raise ValueError("a refutation needs a confirmed counterexample")
        if self.status in (Status.UNKNOWN, Status.ERROR) and not self.reason:
            raise ValueError("an unknown verdict needs a reason")
        if self.status is not Status.REFUTED and self.counterexample is not None:
            raise ValueError("only a refutation carries a counterexample")

    @property
    def verdict_text(self) -> str:
        if self.status is Status.REFUTED:
            return REFUTED_WORDING[self.kind]
        return str(self.status)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind.value, "status": str(self.status),
            "verdict": self.verdict_text, "seconds": round(self.seconds, 4),
            "backend": self.backend, "file": self.file, "target": self.target,
            "target_line": self.target_line, "round": self.round_name,
            "round_line": self.round_line, "reason": self.reason, "key": self.key,
            "cached": self.cached,
            "counterexample": self.counterexample.data if self.counterexample else None,
            # the reduction that decided the VC: its size, how to build it again as --smtlib
            # does (the attempt, the slice, the VC without lemmas, before the triggered rounds or
            # before the deeper values, with the full Venn decomposition after a slow sparse
            # query), whether a hint named it, and how often a slow query was restarted
            "reduction": {k: self.stats[k] for k in ("set_atoms", "regions", "instances",
                                                     "attempt", "slice", "without_lemmas",
                                                     "before_triggered_rounds",
                                                     "before_deeper_values", "exact_layers",
                                                     "restarts", "hinted")
                          if k in self.stats},
        }

    def _repr_html_(self) -> str:  # Jupyter: see hoverify.engine.notebook
        from hoverify.engine.notebook import result_html
        return result_html(self)


@dataclass(frozen=True)
class ModelReport:
    """The results of the VCs of one model file."""

    file: str
    model: str
    results: tuple[VCResult, ...]
    seconds: float
    error: str | None = None  # an input error (the model could not be loaded or compiled)

    @property
    def status(self) -> Status:
        return max((r.status for r in self.results), default=Status.PROVED)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "model": self.model, "status": str(self.status),
                "seconds": round(self.seconds, 4), "error": self.error,
                "vcs": [r.to_json() for r in self.results]}

    def _repr_html_(self) -> str:  # Jupyter: see hoverify.engine.notebook
        from hoverify.engine.notebook import report_html
        return report_html(self)


JSON_SCHEMA_VERSION = 1
