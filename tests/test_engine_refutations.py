"""Refutations are right: the broken models of ``tests/broken_models/`` against the engine.

For each broken model the bounded explorer finds a reachable violation of a property ``P`` (n = 3;
the test asserts it). An inductive invariant that implies ``P`` excludes every reachable violation
of ``P``, so the engine must not prove ``P``'s VCs *and* every invariant VC (initiation and
consecution, round invariants included). Every ``refuted`` verdict carries a counterexample the
replay through the model's code confirmed.

The assertions only forbid unsound verdicts, so they keep holding when the decision procedure gets
stronger (more VCs proved, fewer unknown).

Observed verdicts (z3, timeout 4 s per VC, at the time of writing):

* ``otr_half.py`` (thresholds n/2): explorer: agreement and irrevocability violated after round 1,
  validity holds. Engine: invariant[0] Exchange (the agreement invariant) unknown or not inductive
  with a confirmed counterexample to induction (found by the random-state search), every other VC
  proved (agreement and irrevocability follow from the invariants), and the bounded search adds
  ``irrevocability (bounded search)``: violated in a reachable state. Exit code 1.
* ``lastvoting_anyvalue.py`` (the coordinator ignores timestamps): explorer: agreement and
  irrevocability violated after round 7 (second phase), validity holds. Engine: invariant[0] (the
  agreement invariant) unknown in every round; the other invariants, agreement, validity and
  irrevocability (every round) proved; ``irrevocability (bounded search)`` refuted. Exit code 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import hoverify
from hoverify.engine.render import exit_code
from hoverify.engine.results import ModelReport, Status, VCResult
from hoverify.engine.vcgen import VCKind
from hoverify.explore import explore
from hoverify.loader import load_model

BROKEN = Path(__file__).resolve().parent / "broken_models"

#: (file, rounds explored with n = 3, the properties the explorer must find violated)
CASES = [
    ("otr_half.py", 2, {"agreement", "irrevocability"}),
    ("lastvoting_anyvalue.py", 8, {"agreement"}),
]
TIMEOUT = 4.0


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(tmp_path / "cache"))


def _violated(model: type, rounds: int) -> dict[str, str]:
    """Each property of ``model`` the explorer violates (one search per property)."""
    out = {}
    for prop in model.properties:
        res = explore(model, 3, rounds, properties=(prop,))
        assert res.complete
        if res.violation is not None:
            assert res.trace is not None and res.trace.violation is not None
            out[prop] = str(res.violation)
    return out


def _claims(report: ModelReport, prop: str) -> tuple[list[VCResult], list[VCResult]]:
    """``prop``'s VCs and the invariant VCs of ``report``."""
    mine = [r for r in report.results
            if r.target == f"safety[{prop!r}]" and r.kind is not VCKind.REACHABLE]
    invariants = [r for r in report.results
                  if r.kind in (VCKind.INITIATION, VCKind.CONSECUTION)]
    return mine, invariants


@pytest.mark.parametrize("file, rounds, expected", CASES, ids=[c[0] for c in CASES])
def test_broken_model_is_never_proved(file: str, rounds: int, expected: set[str]) -> None:
    path = BROKEN / file
    model = load_model(path)
    violated = _violated(model, rounds)
    assert expected <= set(violated), violated

    report = hoverify.check(path, timeout=TIMEOUT, jobs=2)
    assert report.results
    for r in report.results:
        if r.status is Status.REFUTED:
            assert r.counterexample is not None
            assert r.counterexample.data["confirmed"] is True, r.name
        if r.kind is VCKind.REACHABLE:  # the engine's own bounded search: a real violation
            assert r.status is Status.REFUTED and r.counterexample is not None
            assert r.counterexample.data["property"] in violated
    for prop, violation in violated.items():
        mine, invariants = _claims(report, prop)
        assert mine, f"{file}: {prop} is violated ({violation}) but has no VC"
        assert invariants
        proved = all(r.status is Status.PROVED for r in [*mine, *invariants])
        assert not proved, (f"{file}: unsound: {violation}, yet {prop}'s VCs and every "
                            f"invariant VC are proved")
    # a model with a reachable violation is never reported as proved: exit code 1 or 2
    assert report.status is not Status.PROVED
    assert exit_code([report]) in (1, 2)

