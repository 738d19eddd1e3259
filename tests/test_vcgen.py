"""VC generation, process renaming and the random search for counterexamples to induction."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

import hoverify
from hoverify.compiler import compile_model
from hoverify.engine.canon import canonical_processes
from hoverify.engine.discharge import (
    SLICE_INSTANCES,
    WIDER_SLICE_GROWTH,
    _next_slice,
    discharge,
)
from hoverify.engine.replay import replay_transition
from hoverify.engine.results import Status, VCResult
from hoverify.engine.runner import (
    Options,
    check_compiled,
    proof_premises,
    with_lemmas,
    without_lemmas,
)
from hoverify.engine.sample import search
from hoverify.engine.vcgen import (
    BY_LEMMAS,
    BY_STATE_LEMMAS,
    BY_STEP_LEMMA,
    FROM_LEMMAS,
    LEMMA_BEFORE,
    ROUND_ALONE,
    ROUND_AND_LEMMAS,
    UPDATES,
    UPDATES_AND_INVARIANTS,
    UPDATES_AND_LEMMAS,
    UPDATES_WITHOUT_INVARIANTS,
    WITHOUT_INVARIANTS,
    VCGenerator,
    VCKind,
    generate,
)
from hoverify.loader import load_and_compile, load_model
from logic.decide import Prepared
from logic.evaluate import holds
from logic.printer import to_text
from logic.structure import Structure
from logic.terms import symbols

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"


def _vcs(name: str) -> tuple[object, list]:
    _, cm = load_and_compile(ROOT / "models" / name)
    return cm, generate(cm)


def test_otr_vcs_are_named_after_what_they_prove() -> None:
    _, vcs = _vcs("otr.py")
    assert [vc.name for vc in vcs] == [
        "invariant[0] initiation", "invariant[1] initiation", "invariant[2] initiation",
        *(f"round_lemmas[Exchange][{k}]" for k in range(5)),
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


def test_every_vc_assumes_the_models_bound_on_n() -> None:
    """A_T,E assumes ``n >= 5`` (``min_n``): every VC and every slice has it as a hypothesis, as
    the executor and replay refuse smaller ``n``; a model without a bound gets no hypothesis."""
    cm, vcs = _vcs("ate.py")
    assert cm.model.min_n == 5
    for vc in vcs:
        premises = [vc.hypotheses, *(sl.hypotheses for sl in vc.slices)]
        assert all("n >= 5" in [to_text(h) for h in hyps] for hyps in premises), vc.name
    _, otr = _vcs("otr.py")
    assert not any(to_text(h).startswith("n >=") for vc in otr for h in vc.hypotheses)


def test_round_invariants_hold_after_their_round() -> None:
    _, vcs = _vcs("benor.py")
    names = [vc.name for vc in vcs]
    # a conjunction is proved conjunct by conjunct
    parts = [n for n in names if n.startswith("round_invariants[Report]")]
    assert parts == [f"round_invariants[Report][{k}] Report" for k in range(7)]
    # the round invariant after Report is a hypothesis of the Propose consecution only
    by_name = {vc.name: vc for vc in vcs}
    assert len(by_name["invariant[0] Propose"].hypotheses) == \
        len(by_name["invariant[0] Report"].hypotheses) + 7


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


def test_round_lemmas_stand_for_their_round() -> None:
    """A round lemma is a VC of its own (from the round and the lemmas before it), tried first
    from the lemma just before it alone (if it bears on it), from the updates of its locals and
    the lemmas before it that bear on it, and from the round alone, without the invariants.
    Every other VC over the round keeps the round's relation and not the lemmas, and is first
    tried from the lemmas that bear on its goal instead of the relation: that is how the seed
    paper's invariant is proved.
    A lemma bears on a goal if it is about a post-state local the goal mentions, or about one
    that such a lemma mentions in turn (or about no post-state local)."""
    cm, vcs = _vcs("otr.py")
    by_name = {vc.name: vc for vc in vcs}
    rr = cm.rounds[0]
    relation = rr.relation
    lemmas = [by_name[f"round_lemmas[Exchange][{k}]"] for k in range(5)]
    goals = {lm.goal for lm in lemmas}
    # 0, 3, 4 are about decisions, 1 and 2 about x: each bears on the ones about its locals
    near = [[lemmas[i].goal for i in ks] for ks in ([], [], [1], [0], [0, 3])]
    for k, lm in enumerate(lemmas):
        assert lm.kind is VCKind.TRANSITION_PROPERTY and lm.target_line
        assert lm.lemma_of == "Exchange"
        assert [h for h in lm.hypotheses if h in goals] == [x.goal for x in lemmas[:k]]
        assert list(VCGenerator.bearing_on(lm.goal, tuple(x.goal for x in lemmas[:k]))) == near[k]
        # the lemma just before alone if it bears on this one (the next step of a proof)
        first = [LEMMA_BEFORE] if k and lemmas[k - 1].goal in near[k] else []
        assert [sl.label for sl in lm.slices] == (
            [*first, UPDATES_AND_LEMMAS, ROUND_ALONE, ROUND_AND_LEMMAS] if near[k]
            else [UPDATES, ROUND_ALONE] if k
            else [UPDATES, ROUND_ALONE, UPDATES_AND_INVARIANTS])
        assert (LEMMA_BEFORE in [sl.label for sl in lm.slices]) == (k in (2, 4))
        assert [sl.extends for sl in lm.slices][-1] == (ROUND_ALONE if near[k] else None)
        updates = rr.updates(symbols(lm.goal))
        assert updates is not None and updates is not relation
        for sl in lm.slices:
            narrow = sl.label in (UPDATES, UPDATES_AND_LEMMAS, UPDATES_AND_INVARIANTS)
            assert (relation in sl.hypotheses) == (sl.label != LEMMA_BEFORE and not narrow)
            assert (updates in sl.hypotheses) == narrow
            # the invariants in the last one only: the VC with the updates for the relation
            if sl.label == UPDATES_AND_INVARIANTS:
                assert sl.hypotheses == tuple(updates if h is relation else h
                                              for h in lm.hypotheses)
                continue
            assert not set(cm.invariants) & set(sl.hypotheses)
            assert set(sl.hypotheses) - {updates} < set(lm.hypotheses)
            assert set(sl.hypotheses) & goals == (
                {lemmas[k - 1].goal} if sl.label == LEMMA_BEFORE
                else set(near[k]) if sl.label in (ROUND_AND_LEMMAS, UPDATES_AND_LEMMAS)
                else set())
    # lemma 1 is about who heard whom (|HO(i)| > 2n/3 ...): the others are about states
    heard = {lemmas[1].goal}
    decisions = {lemmas[i].goal for i in (0, 3, 4)}
    for name, bearing in (("invariant[0] Exchange", goals), ("irrevocability Exchange", decisions),
                          ("termination step 1 stable Exchange", goals - decisions),
                          ("termination step 2 progress Exchange", decisions)):
        vc = by_name[name]
        assert relation in vc.hypotheses and not goals & set(vc.hypotheses)
        # a progress VC: the round without invariants first; a stability VC: after the lemmas
        # about states and the updates of its locals; the lemmas about states only if some
        # lemma that bears on the goal is about who heard whom
        states = [BY_STATE_LEMMAS] if bearing & heard else []
        assert [sl.label for sl in vc.slices] == (
            [WITHOUT_INVARIANTS, *states, BY_LEMMAS] if vc.kind is VCKind.PROGRESS
            else [*states, UPDATES_WITHOUT_INVARIANTS, WITHOUT_INVARIANTS, BY_LEMMAS]
            if vc.kind is VCKind.STABILITY else [*states, BY_LEMMAS])
        if vc.kind is VCKind.STABILITY:
            bare, narrow = (next(sl for sl in vc.slices if sl.label == label).hypotheses
                            for label in (WITHOUT_INVARIANTS, UPDATES_WITHOUT_INVARIANTS))
            assert narrow == tuple(rr.updates(symbols(vc.goal)) if h is relation else h
                                   for h in bare)
        every = next(sl for sl in vc.slices if sl.label == BY_LEMMAS)
        assert relation not in every.hypotheses
        assert set(every.hypotheses) == (set(vc.hypotheses) - {relation}) | bearing
        if states:
            (only,) = (sl for sl in vc.slices if sl.label == BY_STATE_LEMMAS)
            assert relation not in only.hypotheses
            assert set(only.hypotheses) == (set(vc.hypotheses) - {relation}) | (bearing - heard)
    assert not by_name["agreement"].slices  # not over a round
    assert [vc.name for vc in vcs if vc.lemma_of is not None] == [lm.name for lm in lemmas]
    for vc in (lemmas[0], lemmas[4]):
        assert discharge(cm, vc, "z3", 20).status is Status.PROVED
    # the seed paper's invariant, from the lemmas about states, on z3 and on cvc5 (cvc5 did not
    # decide it in 60 s from every lemma, the one about HO sets included)
    for backend in ("z3", "cvc5"):
        seed = discharge(cm, by_name["invariant[0] Exchange"], backend, 30)
        assert seed.status is Status.PROVED and seed.stats["slice"] == BY_STATE_LEMMAS


def test_a_lemmas_slice_from_the_lemmas_before_goes_first_if_hardly_larger() -> None:
    """The slice from the round and the lemmas before extends the one from the round alone: it
    is tried first when its reduction is at most ``WIDER_SLICE_GROWTH`` times as large, and both
    reductions are kept for their turns; otherwise the round alone keeps its turn, with its
    reduction, and the wider one is not built beyond the bound."""
    benor, benor_vcs = _vcs("benor.py")
    same = next(vc for vc in benor_vcs if vc.name == "round_lemmas[Propose][1]")  # 201, 206
    larger = next(vc for vc in benor_vcs if vc.name == "round_lemmas[Propose][3]")  # 115, 247
    for cm, vc, first in ((benor, same, ROUND_AND_LEMMAS), (benor, larger, ROUND_ALONE)):
        pending = [sl for sl in vc.slices if sl.label in (ROUND_ALONE, ROUND_AND_LEMMAS)]
        prepared: dict[str, Prepared] = {}
        chosen = _next_slice(vc, pending, prepared, 10.0)
        assert chosen.label == first
        assert [sl.label for sl in pending] == (
            [ROUND_ALONE] if first == ROUND_AND_LEMMAS else [ROUND_AND_LEMMAS])
        assert set(prepared) == ({ROUND_ALONE, ROUND_AND_LEMMAS} if first == ROUND_AND_LEMMAS
                                 else {ROUND_ALONE})
        alone = prepared[ROUND_ALONE].instances
        if first == ROUND_AND_LEMMAS:
            assert prepared[first].instances <= WIDER_SLICE_GROWTH * alone
        # the comparison's bound is not the slice's: each may grow to a slice's limit
        assert {p.max_instances for p in prepared.values()} == {SLICE_INSTANCES}
        # the one set aside is taken next, with its reduction, and compared with nothing
        assert _next_slice(vc, pending, prepared, 10.0).label != first and not pending
        # with only these two slices, the first one taken proves it
        res = discharge(cm, replace(vc, slices=tuple(
            sl for sl in vc.slices if sl.label in (ROUND_ALONE, ROUND_AND_LEMMAS))), "z3", 20)
        assert res.status is Status.PROVED and res.stats["slice"] == first, res.reason


def test_a_chain_steps_lemmas_stand_for_the_round_in_its_progress_vc_only() -> None:
    """A_T,E's first step has lemmas over its round: each is a VC of its own, tried first from
    the lemma just before it; the last one joins the round's lemmas in the slice of the step's
    progress VC, and no other VC sees any of them. The runner waits for exactly the lemmas a
    VC rests on (its slice's lemmas, and theirs in turn), and ``--only`` brings them along."""
    cm, vcs = _vcs("ate.py")
    by_name = {vc.name: vc for vc in vcs}
    relation = cm.rounds[0].relation
    steps = [by_name[f"termination step 1 lemma[{k}] Exchange"] for k in range(3)]
    rounds = [by_name[f"round_lemmas[Exchange][{k}]"] for k in range(6)]
    for k, lm in enumerate(steps):
        assert lm.lemma_of == "Exchange" and lm.kind is VCKind.TRANSITION_PROPERTY
        assert lm.target == "progress['termination'] step 1"
        assert [h for h in lm.hypotheses if h in {x.goal for x in steps + rounds}] == [
            x.goal for x in steps[:k]]
    (narrow, first, *_), (before, *_) = steps[0].slices, steps[2].slices
    assert narrow.label == UPDATES and relation not in narrow.hypotheses
    assert first.label == ROUND_ALONE and relation in first.hypotheses
    assert before.label == LEMMA_BEFORE and relation not in before.hypotheses
    assert steps[1].goal in before.hypotheses and steps[0].goal not in before.hypotheses
    progress = by_name["termination step 1 progress Exchange"]
    step, sl = progress.slices[1], progress.slices[3]
    assert [s.label for s in progress.slices] == [
        WITHOUT_INVARIANTS, BY_STEP_LEMMA, BY_STATE_LEMMAS, BY_LEMMAS]
    assert sl.label == BY_LEMMAS and relation not in sl.hypotheses
    # the lemmas that bear on the step's invariant (about x): not those about decisions
    lemma_goals = {x.goal for x in rounds + steps}
    assert set(sl.hypotheses) & lemma_goals == {rounds[k].goal for k in (1, 2, 5)} | {
        steps[2].goal}
    assert not {steps[0].goal, steps[1].goal} & set(sl.hypotheses)
    # the step's lemmas alone: the last one's conclusion, and none of the round's lemmas
    assert set(step.hypotheses) == set(sl.hypotheses) - {x.goal for x in rounds}
    assert step.label in FROM_LEMMAS
    step_goals = {x.goal for x in steps}
    for vc in vcs:
        if vc is not progress:
            assert all(not step_goals & set(s.hypotheses) for s in vc.slices
                       if s.label in FROM_LEMMAS), vc.name
    # the step's last lemma, and the lemmas it is proved from in turn: if the first is refuted,
    # the progress VC proved from the last counts for nothing
    stable = by_name["termination step 1 stable Exchange"]
    assert [vc.name for vc in with_lemmas([stable], vcs)] == [
        *(x.name for x in rounds), stable.name]
    assert [vc.name for vc in with_lemmas([progress], vcs)] == [
        *(x.name for x in rounds), *(x.name for x in steps), progress.name]
    assert [vc.name for vc in with_lemmas([steps[1]], vcs)] == [steps[0].name, steps[1].name]


FALSE_LEMMA = ('    round_lemmas = {"Exchange": ['
               '"forall i. decided(i) <-> old(decided)(i)"]}\n'
               '    invariants = ["forall i. not decided(i)"]\n')


def _with_lemmas(tmp_path: Path, lemmas: str) -> Path:
    """One-Third Rule with ``lemmas`` (and its invariants) in place of its own."""
    text = (MODELS / "otr.py").read_text()
    start = text.index("    round_lemmas = {")
    end = text.index("    ]\n", text.index("    invariants = [")) + len("    ]\n")
    path = tmp_path / "otr_false_lemma.py"
    path.write_text(text[:start] + lemmas + text[end:])
    return path


def test_the_most_often_received_value_is_the_smallest_of_its_ties(tmp_path: Path) -> None:
    """``min_most_often``'s tie break holds over the values, not only the senders: a value heard
    as often as the chosen one is at least it. Proved from the round alone at depth 0 (the
    per-sender form would need the sender of ``v``, a Venn witness, that is depth 1): this is
    how two receivers' choices are compared (A_T,E's first chain step)."""
    path = _with_lemmas(tmp_path, (
        '    round_lemmas = {"Exchange": ['
        '"forall i, v. |HO(i)| > 2*n/3 and |{j | j in HO(i) and old(x)(j) = v}|'
        ' = |{j | j in HO(i) and old(x)(j) = x(i)}| -> x(i) <= v"]}\n'
        '    invariants = ["forall i. decided(i) -> decision_def(i)"]\n'))
    cm = compile_model(load_model(path))
    vc = next(v for v in generate(cm) if v.name == "round_lemmas[Exchange][0]")
    res = discharge(cm, vc, "z3", 20)
    assert res.status is Status.PROVED and res.stats["slice"] == ROUND_ALONE, res.reason


# a true lemma about HO sets (and decisions, so that it bears on the invariant) beside the false
# one: the invariant is proved from the lemmas about states (the false one alone)
FALSE_STATE_LEMMA = FALSE_LEMMA.replace(
    '"forall i. decided(i) <-> old(decided)(i)"]}',
    '"forall i. decided(i) <-> old(decided)(i)", '
    '"forall i. |HO(i)| = 0 -> (decided(i) <-> old(decided)(i))"]}')


@pytest.mark.parametrize("lemmas,slice_label", [(FALSE_LEMMA, BY_LEMMAS),
                                                 (FALSE_STATE_LEMMA, BY_STATE_LEMMAS)],
                         ids=["the-lemmas", "the-lemmas-about-states"])
def test_a_vc_proved_from_a_false_lemma_is_not_proved(tmp_path: Path, lemmas: str,
                                                      slice_label: str) -> None:
    """"Nobody decides" is not inductive, but it follows from the false lemma "decided does not
    change". The lemma is refuted, so the proof from it counts for nothing: the invariant's VC is
    checked again without the lemmas (not inductive), and ``only`` brings the lemma's VC along."""
    path = _with_lemmas(tmp_path, lemmas)
    assert FALSE_STATE_LEMMA != FALSE_LEMMA
    cm = compile_model(load_model(path))
    by_name = {vc.name: vc for vc in generate(cm)}
    # the slice alone would prove the invariant (from the false lemma)
    sliced = discharge(cm, by_name["invariant[0] Exchange"], "z3", 20)
    assert sliced.status is Status.PROVED and sliced.stats["slice"] == slice_label
    report = hoverify.check(path, only="invariant[0] Exchange", timeout=20, cache=False)
    verdicts = {r.name: r.status for r in report.results}
    assert verdicts["round_lemmas[Exchange][0]"] is Status.REFUTED
    assert verdicts["invariant[0] Exchange"] is Status.REFUTED  # not inductive, from the VC
    assert report.status is not Status.PROVED


def test_a_proof_rests_on_the_lemmas_it_used_only(tmp_path: Path) -> None:
    """One-Third Rule's lemmas, and after them a false lemma about HO sets: the invariant is
    proved from the lemmas about states, and that proof stands although the lemma about HO sets
    is refuted (a proof rests on the lemmas it used, and on theirs in turn, not on every lemma of
    the round)."""
    text = (MODELS / "otr.py").read_text()
    last = '        " -> |{j | old(x)(j) = decision(i)}| > 2*n/3",\n'
    assert last in text
    path = tmp_path / "otr_false_ho_lemma.py"
    false = '        "forall i. |HO(i)| > 2*n/3 -> decided(i)",\n'
    path.write_text(text.replace(last, last + false))
    report = hoverify.check(path, only="invariant[0] Exchange", timeout=20, cache=False)
    by_name = {r.name: r for r in report.results}
    inv = by_name["invariant[0] Exchange"]
    assert inv.status is Status.PROVED and inv.stats["slice"] == BY_STATE_LEMMAS
    cm = compile_model(load_model(path))
    vcs = generate(cm)
    i = next(k for k, vc in enumerate(vcs) if vc.name == "invariant[0] Exchange")
    results = {k: by_name[vc.name] for k, vc in enumerate(vcs) if vc.name in by_name}
    used = {vcs[k].name for k in proof_premises(vcs, results, i)}
    assert "round_lemmas[Exchange][5]" not in used and "round_lemmas[Exchange][4]" in used
    # the report has the VC asked for and the lemmas its proof used, every one proved; the
    # false lemma, which a proof of it could have used (it was brought along), is not among them
    assert set(by_name) == used | {inv.name}
    assert all(r.status is Status.PROVED for r in report.results)
    assert "round_lemmas[Exchange][5]" in {vc.name for vc in with_lemmas([vcs[i]], vcs)}
    false = hoverify.check(path, only="round_lemmas[Exchange][5]", timeout=20, cache=False)
    assert {r.name: r.status for r in false.results}["round_lemmas[Exchange][5]"] is (
        Status.REFUTED)


def test_verdicts_may_arrive_in_any_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Processes finish in any order: a lemma's verdict may come before the verdicts of the
    lemmas it was proved from, and a VC proved from lemmas before theirs. Every VC is reported
    once, with the verdicts of the runs in order (a regression: a lemma that arrived before the
    lemma it rested on stopped the run with a KeyError)."""
    import hoverify.engine.runner as runner
    from hoverify.engine.discharge import discharge as decide

    def backwards(sources, opts, tasks, refill):  # type: ignore[no-untyped-def]
        refill()
        while tasks.waiting():  # every task waiting, then their results, the last one first
            started = [tasks.pop() for _ in range(tasks.waiting())]
            done = []
            for t in started:
                cm, vcs, hints = sources[t.model]
                done.append((t, decide(cm, vcs[t.index], opts.backend, opts.timeout,
                                       hint=hints[t.index])))
            for t, r in reversed(done):
                tasks.finish(t)
                yield t, r

    monkeypatch.setattr(runner, "isolated", backwards)
    _, cm = load_and_compile(MODELS / "otr.py")
    opts = Options(backend="z3", timeout=20, jobs=1, only="Exchange", cache=False,
                   kinds="safety", search=False)
    reported: list[VCResult] = []
    report = check_compiled(cm, str(MODELS / "otr.py"), opts, reported.append)
    assert sorted(r.name for r in reported) == sorted(r.name for r in report.results)
    assert len(report.results) == 9 and all(r.status is Status.PROVED for r in report.results)


def test_every_vc_checked_again_without_false_lemmas_is_reported_once(tmp_path: Path) -> None:
    """Two VCs are proved from a false lemma and checked again without it: each final verdict
    reaches the progress callback (the CLI's lines) exactly once, as it does the report. The
    first verdicts of the VCs still waiting to be checked again used to hold them back: the
    CLI printed neither them nor any VC after them."""
    path = _with_lemmas(tmp_path, FALSE_LEMMA)  # irrevocability: vacuous from the invariant
    _, cm = load_and_compile(path)
    opts = Options(backend="z3", timeout=10, jobs=2, only="Exchange", cache=False,
                   kinds="safety", search=False)
    names: list[str] = []
    reported: list[VCResult] = []
    report = check_compiled(cm, str(path), opts, reported.append,
                            lambda ns, _: names.extend(ns))
    assert sorted(r.name for r in reported) == sorted(names) == sorted(
        r.name for r in report.results)
    final = {r.name: r.status for r in report.results}
    assert {r.name: r.status for r in reported} == final
    assert final["invariant[0] Exchange"] is Status.REFUTED
    assert final["irrevocability Exchange"] is Status.PROVED
    assert all(r.stats.get("slice") not in FROM_LEMMAS for r in report.results)
    # what each verdict is about, and so the script --smtlib writes for it: the VC without lemmas
    again = {r.name for r in report.results if r.stats.get("without_lemmas")}
    assert again == {"invariant[0] Exchange", "irrevocability Exchange"}
    z3 = pytest.importorskip("z3")
    from dataclasses import replace

    from hoverify.engine.render import write_smtlib

    both = replace(report, results=tuple(r for r in report.results if r.name in again))
    scripts = write_smtlib(tmp_path / "smt", path, both)
    assert sorted(p.stem for p in scripts) == ["invariant_0_Exchange", "irrevocability_Exchange"]
    for script in scripts:
        solver = z3.Solver()
        solver.add(z3.parse_smt2_file(str(script)))
        assert solver.check() == (z3.unsat if script.stem.startswith("irrev") else z3.sat)


# the false lemma, then one that follows from it but is false itself (nobody newly decides)
FALSE_THEN_IMPLIED = FALSE_LEMMA.replace(
    '"forall i. decided(i) <-> old(decided)(i)"]}',
    '"forall i. decided(i) <-> old(decided)(i)", "forall i. decided(i) -> old(decided)(i)"]}')


def test_a_lemma_proved_from_a_false_lemma_before_it_is_not_proved(tmp_path: Path) -> None:
    """A lemma's VC has the lemmas before it among its hypotheses. Proved from a refuted one, it
    proves nothing: it is checked again without them and refuted on its own (it used to read
    "proved" on its own line, though every VC resting on it was checked again)."""
    assert FALSE_THEN_IMPLIED != FALSE_LEMMA
    path = _with_lemmas(tmp_path, FALSE_THEN_IMPLIED)
    cm = compile_model(load_model(path))
    vcs = generate(cm)
    second = next(vc for vc in vcs if vc.name == "round_lemmas[Exchange][1]")
    first = next(vc for vc in vcs if vc.name == "round_lemmas[Exchange][0]")
    assert first.goal in second.hypotheses
    # from the lemma before it, its VC is proved
    assert discharge(cm, second, "z3", 20).status is Status.PROVED
    report = hoverify.check(path, only="round_lemmas[Exchange][1]", timeout=20, cache=False)
    verdicts = {r.name: r.status for r in report.results}
    assert verdicts == {"round_lemmas[Exchange][0]": Status.REFUTED,
                        "round_lemmas[Exchange][1]": Status.REFUTED}
    alone = without_lemmas(second, vcs)
    assert first.goal not in alone.hypotheses and not alone.slices
    assert set(alone.hypotheses) == set(second.hypotheses) - {first.goal}


def test_lemmas_wait_for_the_lemmas_before_them() -> None:
    """Every VC that may rest on a lemma waits for it: a lemma's VC for the lemmas before it
    (among its hypotheses) as well as a VC with a slice from the round's lemmas."""
    _, cm = load_and_compile(MODELS / "otr.py")
    vcs = generate(cm)
    first, second = (next(vc for vc in vcs if vc.name == f"round_lemmas[Exchange][{k}]")
                     for k in (0, 1))
    assert with_lemmas([second], vcs) == [first, second]
    assert with_lemmas([first], vcs) == [first]


def test_a_chain_step_is_tried_without_the_invariants() -> None:
    """Proof chains' VCs over a round get a slice without the model's invariants (the round,
    the chain's premises, the good round's predicate): One-Third Rule's termination steps hold
    of the round alone. A progress VC tries it first; a stability VC after the lemmas about
    states and the updates of its locals without the invariants. Safety VCs do not get it
    (they need the invariants)."""
    _, cm = load_and_compile(MODELS / "otr.py")
    vcs = generate(cm)
    invariants = set(cm.invariants)
    for vc in vcs:
        labels = [sl.label for sl in vc.slices]
        if vc.kind.liveness and vc.round is not None and not vc.lemma:
            # after the lemmas about states and the updates of its locals, without invariants
            where = 0 if vc.kind is VCKind.PROGRESS else 2
            assert labels[where] == WITHOUT_INVARIANTS, vc.name
            bare = vc.slices[where].hypotheses
            assert not invariants & set(bare) and set(bare) < set(vc.hypotheses)
            assert invariants <= set(vc.hypotheses)
        else:
            assert WITHOUT_INVARIANTS not in labels, vc.name
    step = next(vc for vc in vcs if vc.name == "termination step 2 progress Exchange")
    only = replace(step, slices=step.slices[:1])
    res = discharge(cm, only, "z3", 20)
    assert res.status is Status.PROVED and res.stats["slice"] == WITHOUT_INVARIANTS


def test_a_slice_that_extends_another_shares_its_time() -> None:
    """A round lemma's slices from the round alone and from the round and the lemmas before are
    one premise tried in either order: they share one part of the slices' time."""
    from hoverify.engine.discharge import shares

    _, vcs = _vcs("otr.py")
    lemma = next(vc for vc in vcs if vc.name == "round_lemmas[Exchange][4]")
    labels = [sl.label for sl in lemma.slices]
    assert labels == [LEMMA_BEFORE, UPDATES_AND_LEMMAS, ROUND_ALONE, ROUND_AND_LEMMAS]
    assert shares(list(lemma.slices)) == 3
    assert shares([sl for sl in lemma.slices if sl.label != ROUND_ALONE]) == 3
    assert shares([sl for sl in lemma.slices if sl.label == ROUND_AND_LEMMAS]) == 1
    assert shares([]) == 1
