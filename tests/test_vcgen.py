"""VC generation, process renaming and the random search for counterexamples to induction."""

from __future__ import annotations

import sys
from pathlib import Path

from hoverify.compiler import compile_model
from hoverify.engine.canon import canonical_processes
from hoverify.engine.discharge import discharge
from hoverify.engine.replay import replay_transition
from hoverify.engine.results import Status
from hoverify.engine.sample import search
from hoverify.engine.vcgen import VCKind, generate
from hoverify.loader import load_and_compile, load_model
from logic.evaluate import holds
from logic.printer import to_text
from logic.structure import Structure

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"


def _vcs(name: str) -> tuple[object, list]:
    _, cm = load_and_compile(ROOT / "models" / name)
    return cm, generate(cm)


def test_otr_vcs_are_named_after_what_they_prove() -> None:
    _, vcs = _vcs("otr.py")
    assert [vc.name for vc in vcs] == [
        "invariant[0] initiation", "invariant[1] initiation", "invariant[2] initiation",
        "invariant[0] Exchange", "invariant[1] Exchange", "invariant[2] Exchange",
        "agreement", "validity", "irrevocability Exchange",
        "termination step 1 stable Exchange", "termination step 1 progress Exchange",
        "termination step 2 progress Exchange", "termination conclusion"]
    kinds = {vc.name: vc.kind for vc in vcs}
    assert kinds["agreement"] is VCKind.PROPERTY
    assert kinds["irrevocability Exchange"] is VCKind.TRANSITION_PROPERTY
    assert all(vc.target_line for vc in vcs)


def test_consecution_goals_are_over_the_post_state() -> None:
    cm, vcs = _vcs("lastvoting.py")
    by_name = {vc.name: vc for vc in vcs}
    # the last round of the phase advances the phase, the others keep it
    decide = to_text(by_name["invariant[0] Decide"].goal)
    collect = to_text(by_name["invariant[0] Collect"].goal)
    assert "phase + 1" in decide and "phase + 1" not in collect
    assert "ts'(" in collect and "ts(" not in collect.replace("ts'(", "")
    # every round of the phase has a consecution VC per invariant
    rounds = {vc.round_name for vc in vcs if vc.kind is VCKind.CONSECUTION}
    assert rounds == {"Collect", "Propose", "Ack", "Decide"}


def test_round_invariants_hold_after_their_round() -> None:
    _, vcs = _vcs("benor.py")
    names = [vc.name for vc in vcs]
    # a conjunction is proved conjunct by conjunct
    parts = [n for n in names if n.startswith("round_invariants[Report]")]
    assert parts == [f"round_invariants[Report][{k}] Report" for k in range(5)]
    # the round invariant after Report is a hypothesis of the Propose consecution only
    by_name = {vc.name: vc for vc in vcs}
    assert len(by_name["invariant[0] Propose"].hypotheses) == \
        len(by_name["invariant[0] Report"].hypotheses) + 5


def test_process_renaming_makes_proc_mean_the_executor_id() -> None:
    cm, _ = _vcs("twophasecommit.py")
    proc = cm.symbols.proc
    s = Structure(3, {}, {proc: {(0,): 2}, cm.symbols.ho: {(0,): frozenset({2}),
                                                           (1,): frozenset(),
                                                           (2,): frozenset({0, 2})}}, {})
    t = canonical_processes(cm, s)
    assert t.functions[proc][(0,)] == 0
    # HO(2) = {0, 2} became HO(0) = {0, new id of old 0}: the same graph, renamed
    sizes = sorted(len(v) for v in t.functions[cm.symbols.ho].values())
    assert sizes == [0, 1, 2] and t.functions[cm.symbols.ho][(0,)] >= {0}


def test_random_states_find_a_confirmed_counterexample_to_induction() -> None:
    sys.path.insert(0, str(ROOT / "paper_examples"))
    try:
        import _otr_variants as variants  # noqa: PLC0415
    finally:
        sys.path.pop(0)
    cm = compile_model(variants.AgreementOnly)
    vc = next(v for v in generate(cm) if v.name == "invariant[0] Exchange")
    found = search(cm, vc)
    assert found is not None and holds(vc.negation, found)
    assert replay_transition(cm, found, vc.negation).confirmed


def test_random_states_find_nothing_for_an_inductive_invariant() -> None:
    cm, vcs = _vcs("otr.py")
    vc = next(v for v in vcs if v.name == "invariant[1] Exchange")
    assert search(cm, vc, samples=300, seconds=2.0) is None


def test_round_lemmas_are_proved_first_then_assumed(tmp_path: Path) -> None:
    """A round lemma is a VC of its own (from the transition and the lemmas before it), and a
    hypothesis of every other VC over its round, never of its own."""
    text = (MODELS / "otr.py").read_text()
    lemma = ('    round_lemmas = {"Exchange": ["forall i. |HO(i)| <= 2*n/3 -> x(i) = old(x)(i)",'
             ' "forall i. |HO(i)| <= 2*n/3 -> not decided(i) or old(decided)(i)"]}\n')
    path = tmp_path / "otr_lemmas.py"
    path.write_text(text.replace("    invariants = [", lemma + "    invariants = [", 1))
    cm = compile_model(load_model(path))
    vcs = generate(cm)
    by_name = {vc.name: vc for vc in vcs}
    first, second = by_name["round_lemmas[Exchange][0]"], by_name["round_lemmas[Exchange][1]"]
    assert first.kind is VCKind.TRANSITION_PROPERTY and first.target_line
    assert first.goal in second.hypotheses and first.goal not in first.hypotheses
    assert second.goal not in second.hypotheses
    for name in ("invariant[0] Exchange", "irrevocability Exchange"):
        assert {first.goal, second.goal} <= set(by_name[name].hypotheses)
    for vc in (first, second):
        assert discharge(cm, vc, "z3", 20).status is Status.PROVED
