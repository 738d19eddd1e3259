"""Liveness: assumptions, proof chains, their VCs and verdicts (issue 5)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

import hoverify
from hoverify.engine.results import Status
from hoverify.engine.vcgen import FROM_LEMMAS, VCKind, generate
from hoverify.errors import CompileError
from hoverify.liveness.ltl import LtlError, mismatch_message, parse_ltl, supplies
from hoverify.loader import load_and_compile

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
FIXTURES = Path(__file__).resolve().parent / "liveness_models"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(tmp_path / "cache"))


# ---- assumptions -------------------------------------------------------------------------------

def _holds(word: tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]],
           recurring: set[str], once: set[str]) -> bool:
    prefix, loop = word
    return all(any(x in letter for letter in loop) for x in recurring) and all(
        any(x in letter for letter in prefix + loop) for x in once)


def _embeds(word: tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]],
            seq: list[str]) -> bool:
    prefix, loop = word
    letters = list(prefix) + list(loop) * (len(seq) + 1)
    i = 0
    for letter in letters:
        if i < len(seq) and seq[i] in letter:
            i += 1
    return i == len(seq)


@pytest.mark.parametrize(("text", "recurring", "once"), [
    ("always eventually a", {"a"}, set()),
    ("eventually a", set(), {"a"}),
    ("G F a and F b", {"a"}, {"b"}),
    ("eventually a and eventually b", set(), {"a", "b"}),
    ("[] <> a & <> b", {"a"}, {"b"}),
    ("always eventually a and always eventually b", {"a", "b"}, set()),
])
def test_supplies_agrees_with_brute_force_over_lasso_words(text: str, recurring: set[str],
                                                           once: set[str]) -> None:
    """The automaton's answer against all short lasso words over {a, b} that satisfy the
    assumption (stated here directly by its recurring and eventual atoms)."""
    a = parse_ltl(text, ["a", "b"])
    letters = [frozenset(s) for k in range(3) for s in itertools.combinations("ab", k)]
    words = [(tuple(p), tuple(lp)) for pn in range(3) for p in itertools.product(letters, repeat=pn)
             for ln in (1, 2) for lp in itertools.product(letters, repeat=ln)]
    models = [w for w in words if _holds(w, recurring, once)]
    assert models
    for k in range(4):
        for seq in itertools.product("ab", repeat=k):
            expected = all(_embeds(w, list(seq)) for w in models)
            assert supplies(a, list(seq)) == expected, (text, seq)


def test_assumption_messages() -> None:
    once = parse_ltl("eventually uniform", ["uniform"])
    assert supplies(once, ["uniform"]) and not supplies(once, ["uniform", "uniform"])
    msg = mismatch_message(once, ["uniform", "uniform"])
    assert msg is not None and "step 2" in msg and "one 'uniform' round" in msg
    with pytest.raises(LtlError, match="uniformly"):
        parse_ltl("always eventually uniformly", ["uniform"])


# ---- compilation -------------------------------------------------------------------------------

def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (MODELS / "otr.py").read_text()
    assert old in text
    path = tmp_path / "otr_variant.py"
    path.write_text(text.replace(old, new))
    return path


def test_chain_asking_more_than_the_assumption_promises_is_an_error(tmp_path: Path) -> None:
    path = _variant(tmp_path, 'assumption = "always eventually uniform"',
                    'assumption = "eventually uniform"')
    with pytest.raises(CompileError) as e:
        load_and_compile(path)
    text = str(e.value)
    assert "step 2 needs a second 'uniform' round after step 1's" in text
    assert "otr_variant.py:" in text


def test_chain_naming_an_unknown_good_round_is_an_error(tmp_path: Path) -> None:
    path = _variant(tmp_path, '("uniform", "forall i. decided(i)")',
                    '("uniformly", "forall i. decided(i)")')
    with pytest.raises(CompileError, match="'uniformly', which good_rounds does not name"):
        load_and_compile(path)


def test_unsupported_goal_shape_is_an_error(tmp_path: Path) -> None:
    path = _variant(tmp_path, '"eventually forall i. decided(i)"',
                    '"always forall i. decided(i)"')
    with pytest.raises(CompileError, match="'eventually P' or 'eventually always P'"):
        load_and_compile(path)


def test_chain_vcs_of_one_third_rule() -> None:
    _, cm = load_and_compile(MODELS / "otr.py")
    live = [vc for vc in generate(cm) if vc.kind.liveness]
    assert [vc.name for vc in live] == [
        "termination step 1 stable Exchange", "termination step 1 progress Exchange",
        "termination step 2 progress Exchange", "termination conclusion"]
    progress = live[1]
    # the good round's predicate is a hypothesis of the progress VC, not of the stability VC
    good = cm.liveness.good["uniform"].formula
    assert good in progress.hypotheses and good not in live[0].hypotheses


def test_good_phase_vcs_chain_the_rounds_of_the_phase() -> None:
    _, cm = load_and_compile(MODELS / "lastvoting.py")
    live = [vc for vc in generate(cm) if vc.kind.liveness]
    assert [vc.name for vc in live] == [
        "termination step 1 progress Collect", "termination step 1 progress Propose",
        "termination step 1 progress Ack", "termination step 1 progress Decide",
        "termination conclusion"]
    step = cm.liveness.goals[0].steps[0]
    # round j's hypothesis is what round j-1 established
    assert step.after["Collect"] in live[1].hypotheses
    assert step.after["Ack"] in live[3].hypotheses


# ---- verdicts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["otr.py", "lastvoting.py", "twophasecommit.py"])
def test_termination_is_proved(model: str) -> None:
    report = hoverify.check(MODELS / model, kinds="liveness", timeout=20, cache=False)
    assert report.results
    # and the round lemmas (safety VCs) that a liveness VC's proof rests on, if any
    assert all(r.kind.liveness or r.target.startswith("round_lemmas[") for r in report.results)
    assert any(r.kind.liveness for r in report.results)
    assert [r.name for r in report.results if r.status is not Status.PROVED] == []
    if any(r.target.startswith("round_lemmas[") for r in report.results):
        assert any(r.stats.get("slice") in FROM_LEMMAS for r in report.results)


def test_lemmas_no_proof_rests_on_are_neither_waited_for_nor_reported() -> None:
    """One-Third Rule's liveness VCs may rest on the round's five lemmas, which a liveness-only
    check brings along; its proofs use none of them, so the report has none (a lemma checked
    while a process was free is dropped). With everything checked, they are all reported."""
    from hoverify.loader import load_and_compile  # noqa: PLC0415

    _, cm = load_and_compile(MODELS / "otr.py")
    live = {vc.name for vc in generate(cm) if vc.kind.liveness}
    report = hoverify.check(MODELS / "otr.py", kinds="liveness", timeout=20, cache=False,
                            jobs=2)
    assert {r.name for r in report.results} == live
    assert all(r.status is Status.PROVED and r.stats.get("slice") not in FROM_LEMMAS
               for r in report.results)
    whole = hoverify.check(MODELS / "otr.py", timeout=20, cache=False, jobs=2)
    assert sum(r.target.startswith("round_lemmas[") for r in whole.results) == 5


def test_too_weak_assumption_is_refuted_with_a_confirmed_counterexample() -> None:
    report = hoverify.check(FIXTURES / "otr_weak.py", kinds="liveness", timeout=12, cache=False)
    by_name = {r.name: r for r in report.results}
    step1 = by_name["termination step 1 progress Exchange"]
    assert step1.status is Status.REFUTED and step1.kind is VCKind.PROGRESS
    assert step1.counterexample is not None
    assert "confirmed" in step1.counterexample.text
    assert all(r.status is not Status.PROVED for r in report.results
               if r.kind is VCKind.PROGRESS)


def test_reversed_good_phase_is_refuted() -> None:
    """PSync's mistake: 'the coordinator hears everyone' where 'everyone hears the coordinator'
    is needed. The rounds the coordinator must reach lose the progress, with a counterexample
    replayed through the model's code."""
    report = hoverify.check(FIXTURES / "lastvoting_reversed.py", kinds="liveness", timeout=6,
                            only="progress", cache=False)
    by_name = {r.name: r for r in report.results}
    for rnd in ("Propose", "Decide"):
        r = by_name[f"termination step 1 progress {rnd}"]
        assert r.status is Status.REFUTED, (rnd, r.reason)
        assert r.counterexample is not None and "confirmed" in r.counterexample.text
    # the rounds whose direction is right still make progress
    assert by_name["termination step 1 progress Collect"].status is Status.PROVED
    assert by_name["termination step 1 progress Ack"].status is Status.PROVED


def test_cli_liveness_and_safety_only(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hoverify.cli", "check", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)

    live = run(str(MODELS / "otr.py"), "--liveness-only", "--no-cache")
    assert live.returncode == 0, live.stdout + live.stderr
    assert "termination step 2 progress Exchange" in live.stdout
    assert "invariant[0]" not in live.stdout
    safety = run(str(MODELS / "twophasecommit.py"), "--safety-only", "--only", "agreement",
                 "--no-cache")
    assert "termination" not in safety.stdout
    text = (MODELS / "otr.py").read_text()
    start = text.index("    progress = {")
    end = text.index("    }\n", start) + len("    }\n")
    unchained = tmp_path / "otr_unchained.py"
    unchained.write_text(text[:start] + text[end:])
    none = run(str(unchained), "--liveness-only", "--no-cache")
    assert none.returncode == 3
    assert "has no proof chain" in none.stdout
    assert "no liveness VCs" in none.stderr


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simulation_under_a_too_weak_assumption_need_not_decide(seed: int) -> None:
    """The weakest network the assumption allows (every good round shrunk to a minimal one,
    nothing delivered otherwise): One-Third Rule decides under its own assumption, and does not
    within 50 rounds under good rounds of only > n/2."""
    from hoverify.executor import run
    from hoverify.loader import load_model

    adversary = "eventually-good:bad=1,tight=1"
    good = run(load_model(MODELS / "otr.py"), 3, 50, adversary, seed=seed, inputs=(0, 1, 1))
    weak = run(load_model(FIXTURES / "otr_weak.py"), 3, 50, adversary, seed=seed,
               inputs=(0, 1, 1))
    assert good.decided_round() is not None
    assert weak.decided_round() is None and len(weak.rounds) == 50
    uniform = [rec for rec in weak.rounds if len(set(rec.input.ho.masks)) == 1
               and rec.input.ho.masks[0]]
    assert uniform and all(bin(rec.input.ho.masks[0]).count("1") == 2 for rec in uniform)
