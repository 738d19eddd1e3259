"""A_{T,E}'s liveness (issue 5): good rounds about corrupted messages (value faults), the proof
chain, the assumption's check, and the eventually-good adversary that keeps the assumption while
corrupting every message it may."""

from __future__ import annotations

import argparse
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

import hoverify
from hoverify import Algorithm, HeardMoreThan, Local, Round, broadcast, n
from hoverify.adversary import Stack, parse_adversary
from hoverify.adversary_ltl import EventuallyGood
from hoverify.commands import simulate
from hoverify.engine.results import Status, VCResult
from hoverify.engine.vcgen import (
    BY_STEP_LEMMA,
    LEMMA_BEFORE,
    ROUND_ALONE,
    UPDATES_AND_LEMMAS,
    VCKind,
    generate,
)
from hoverify.errors import AdversaryError, CompileError, HoverifyError
from hoverify.executor import run
from hoverify.ho import HOSets, bits
from hoverify.hopredicates import SafelyHeardMoreThan, UncorruptedKernel
from hoverify.loader import load_and_compile
from hoverify.trace import RoundInput, State
from logic.evaluate import holds

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
ATE_FILE = MODELS / "ate.py"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def ate():
    return load_and_compile(ATE_FILE)


def _aho(rinput: RoundInput, n_: int) -> tuple[int, ...]:
    aho = [0] * n_
    for p, q, _ in rinput.corrupt:
        aho[p] |= 1 << q
    return tuple(aho)


def _random_round(rng: random.Random, n_: int, alpha: int) -> tuple[HOSets, tuple[int, ...]]:
    full = (1 << n_) - 1
    style = rng.random()
    masks = []
    for _ in range(n_):
        if style < 0.3:  # mostly uniform, large HO sets: the kernel predicate is often true
            m = full & ~(1 << rng.randrange(n_)) if rng.random() < 0.5 else full
        else:
            m = rng.getrandbits(n_)
        masks.append(m)
    aho = []
    for m in masks:
        heard = list(bits(m))
        k = rng.randint(0, min(alpha, len(heard)))
        aho.append(sum(1 << q for q in rng.sample(heard, k)))
    return HOSets(tuple(masks)), tuple(aho)


# ---- the predicates: one definition, for the prover and for the adversary ---------------------

def test_good_round_formulas_agree_with_the_executor(ate) -> None:
    """Each good round's compiled formula, evaluated on the structure of a concrete round (HO
    sets and corrupted senders), agrees with the predicate's ``holds_with``."""
    model, cm = ate
    rng = random.Random(5)
    seen: dict[str, set[bool]] = {name: set() for name in model.good_rounds}
    for _ in range(400):
        n_ = rng.randint(5, 7)
        ho, aho = _random_round(rng, n_, rng.choice((1, 2)))
        if rng.random() < 0.5:  # often a good round, and then often barely one
            pred = rng.choice(list(model.good_rounds.values()))
            got = pred.repair_with(ho, aho, [(1 << n_) - 1] * n_, rng)
            assert got is not None
            ho, aho = got
            if rng.random() < 0.5:
                p, q = rng.randrange(n_), rng.randrange(n_)
                ho = HOSets(tuple(m & ~(1 << q) if i == p else m
                                  for i, m in enumerate(ho.masks)))
                aho = tuple(a & m for a, m in zip(aho, ho.masks, strict=True))
        corrupt = tuple((p, q, 7) for p in range(n_) for q in bits(aho[p]))
        state = State(0, model.local_names(), tuple((0, False, None) for _ in range(n_)),
                      tuple(range(n_)), frozenset())
        s = cm.encode(state, RoundInput(ho, frozenset(), corrupt))
        for name, pred in model.good_rounds.items():
            expected = pred.holds_with(ho, aho)
            assert holds(cm.liveness.good[name].formula, s) == expected, (name, ho, aho)
            seen[name].add(expected)
    assert all(v == {True, False} for v in seen.values()), seen


@pytest.mark.parametrize("pred", [UncorruptedKernel("2*(n + 2)/3 - 1", "2*(n + 2)/3"),
                                  SafelyHeardMoreThan("2*(n + 2)/3"),
                                  UncorruptedKernel(1, 2) & HeardMoreThan("n/2")])
def test_repair_adds_edges_and_drops_corruptions_until_it_holds(pred) -> None:
    rng = random.Random(11)
    for _ in range(300):
        n_ = rng.randint(5, 8)
        ho, aho = _random_round(rng, n_, 1)
        allowed = [(1 << n_) - 1] * n_
        got = pred.repair_with(ho, aho, allowed, rng)
        assert got is not None
        fixed, fixed_aho = got
        assert pred.holds_with(fixed, fixed_aho)
        for old, new, a_old, a_new in zip(ho.masks, fixed.masks, aho, fixed_aho, strict=True):
            assert old & ~new == 0            # only HO edges added
            assert a_new & ~a_old == 0        # only corruptions dropped
            assert a_new & ~new == 0          # AHO(p) ⊆ HO(p)


def test_repair_fails_when_too_few_processes_may_be_heard() -> None:
    rng = random.Random(0)
    ho = HOSets((0,) * 5)
    allowed = [0b00111] * 5  # only three processes may be heard
    assert UncorruptedKernel(2, 3).repair_with(ho, (0,) * 5, allowed, rng) is None
    assert SafelyHeardMoreThan(3).repair_with(ho, (0,) * 5, allowed, rng) is None


def test_corruption_predicates_need_the_corrupted_senders() -> None:
    ho = HOSets.full(5)
    for pred in (UncorruptedKernel(1, 2), SafelyHeardMoreThan(2),
                 SafelyHeardMoreThan(2) & HeardMoreThan(2)):
        assert pred.about_aho
        with pytest.raises(HoverifyError, match="about corrupted messages"):
            pred.holds(ho)
    assert not HeardMoreThan(2).about_aho
    # the witness form: more than `size` processes hear the same > `heard` ones, uncorrupted
    k = UncorruptedKernel(2, 3)
    s2 = 0b01111
    assert k.holds_with(HOSets((s2, s2, s2, 0, 0)), (0, 0, 0, 1, 1))
    assert not k.holds_with(HOSets((s2, s2, s2, 0, 0)), (0, 0, 1, 0, 0))
    assert not k.holds_with(HOSets((s2, s2, 0b00111, 0, 0)), (0,) * 5)
    assert not UncorruptedKernel(2, 4).holds_with(HOSets((s2, s2, s2, 0, 0)), (0,) * 5)
    safe = SafelyHeardMoreThan(3)
    assert safe.holds_with(HOSets.full(5), (1, 1, 1, 1, 1))
    assert not safe.holds_with(HOSets.full(5), (3, 1, 1, 1, 1))


# ---- compilation -------------------------------------------------------------------------------

def _variant(tmp_path: Path, source: Path, old: str, new: str, name: str) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def test_chain_vcs_of_ate(ate) -> None:
    _, cm = ate
    live = [vc for vc in generate(cm) if vc.kind.liveness]
    assert [vc.name for vc in live] == [
        "termination step 1 stable Exchange", "termination step 1 progress Exchange",
        "termination step 2 stable Exchange", "termination step 2 progress Exchange",
        "termination step 3 progress Exchange", "termination conclusion"]
    good = cm.liveness.good
    # each good round is a hypothesis of its own progress VC only
    for vc, name in zip(live[1:5:2] + [live[4]], ("clean", "heard", "safe"), strict=True):
        assert good[name].formula in vc.hypotheses
        assert all(good[other].formula not in vc.hypotheses for other in good if other != name)
    assert all(g.formula not in live[0].hypotheses for g in good.values())
    # the first step's lemmas are part of the liveness proof (its VCs, not the safety ones)
    steps = [vc.name for vc in generate(cm) if vc.liveness and not vc.kind.liveness]
    assert steps == [f"termination step 1 lemma[{k}] Exchange" for k in range(3)]


def test_a_safety_check_leaves_out_the_chain_steps_lemmas(tmp_path: Path) -> None:
    """A chain step's lemmas are checked with the liveness VCs, not with the safety ones (they
    used to be checked with both: 1.4 s of A_T,E's safety check)."""
    safety = hoverify.check(ATE_FILE, kinds="safety", cache=False, jobs=2, timeout=20)
    assert safety.results and not any("step" in r.name for r in safety.results)
    assert all(r.status is Status.PROVED for r in safety.results)


@pytest.mark.parametrize(("assumption", "message"), [
    ("eventually (heard and next eventually safe)",
     "step 1 needs a 'clean' round, but the assumption"),
    ("always eventually heard and always eventually safe",
     "step 1 needs a 'clean' round, but the assumption 'always eventually heard and always "
     "eventually safe' promises only infinitely many 'heard' rounds, infinitely many 'safe' "
     "rounds"),
    # the good rounds must come in order, in different rounds
    ("eventually (heard and next eventually (clean and next eventually safe))",
     "step 2 needs a 'heard' round after step 1's"),
    ("eventually (clean and eventually (heard and eventually safe))",
     "step 2 needs a 'heard' round after step 1's"),
])
def test_an_assumption_without_the_good_rounds_in_order_rejects_the_chain(
        tmp_path: Path, assumption: str, message: str) -> None:
    path = _variant(tmp_path, ATE_FILE,
                    'assumption = "eventually (clean and next eventually (heard and next '
                    'eventually safe))"', f"assumption = {assumption!r}", "ate_weak.py")
    with pytest.raises(CompileError) as e:
        load_and_compile(path)
    text = str(e.value)
    assert "progress['termination']" in text and message in text
    assert "ate_weak.py:" in text


def test_corruption_predicates_on_a_benign_model_are_located_errors(tmp_path: Path) -> None:
    path = _variant(tmp_path, MODELS / "otr.py",
                    'good_rounds = {"uniform": Uniform() & HeardMoreThan("2*n/3")}',
                    'good_rounds = {"uniform": Uniform() & SafelyHeardMoreThan("2*n/3")}',
                    "otr_aho.py")
    text = path.read_text().replace(
        "from hoverify import", "from hoverify.hopredicates import SafelyHeardMoreThan\n"
        "from hoverify import", 1)
    path.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "good_rounds = {" in s)
    with pytest.raises(CompileError) as e:
        load_and_compile(path)
    msg = str(e.value)
    assert f"otr_aho.py:{line}" in msg
    assert "good_rounds['uniform']" in msg and "SafelyHeardMoreThan('2*n/3')" in msg
    assert "fault_model = ValueFaults(alpha)" in msg and "Benign" in msg


class _BenignOTR(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    def init(p, v):
        p.x = v

    class Exchange(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 2 * n / 3:
                p.x = mbox.min_most_often()

    good_rounds = {"safe": SafelyHeardMoreThan("2*n/3")}
    assumption = "always eventually safe"


def test_the_adversary_refuses_corruption_predicates_without_value_faults() -> None:
    with pytest.raises(AdversaryError, match=r"good_rounds\['safe'\].*ValueFaults"):
        run(_BenignOTR, 4, 5, "eventually-good", seed=0)


# ---- verdicts ----------------------------------------------------------------------------------

def test_proved_liveness_vcs_of_ate() -> None:
    """The VC of the chain that needs no round: the conclusion."""
    report = hoverify.check(ATE_FILE, kinds="liveness", only="conclusion", timeout=20,
                            cache=False)
    assert [(r.name, r.status) for r in report.results] == [
        ("termination conclusion", Status.PROVED)], [
        (r.name, r.status, r.reason) for r in report.results]
    assert report.results[0].kind is VCKind.CONCLUSION


def _checked_in_a_new_process(path: Path, kinds: str) -> list[VCResult]:
    """``hoverify.check(path, kinds=kinds)``'s results, from a new Python process: as
    ``hoverify check`` runs, without the z3 terms the tests before made in this one (z3's search,
    and so which slice proves a heavy VC within its share of the time, depends on the order in
    which the terms of its context were made)."""
    code = ("import pickle, sys, hoverify; r = hoverify.check(sys.argv[1], kinds=sys.argv[2], "
            "timeout=60, cache=False); sys.stdout.buffer.write(pickle.dumps(list(r.results)))")
    out = subprocess.run([sys.executable, "-c", code, str(path), kinds], capture_output=True,
                         check=True, timeout=600)
    results: list[VCResult] = pickle.loads(out.stdout)
    return results


def test_every_liveness_vc_of_ate_is_proved() -> None:
    """The whole chain. Step 1 (the processes hearing the same more than T processes without
    corruption adopt one value) is proved from its lemmas, each from the one before: the first
    needs the tie break of the most often received value stated over the values (see
    hoverify.compile_mailbox). Step 3 needs that value's count bounded over the values."""
    results = _checked_in_a_new_process(ATE_FILE, "liveness")
    by_name = {r.name: r for r in results}
    assert [(r.name, r.status, r.reason) for r in results
            if r.status is not Status.PROVED] == []
    assert by_name["termination step 1 progress Exchange"].stats["slice"] == BY_STEP_LEMMA
    # each lemma after the first from the ones before it (the one just before alone, first)
    assert by_name["termination step 1 lemma[0] Exchange"].stats["slice"] == ROUND_ALONE
    assert {by_name[f"termination step 1 lemma[{k}] Exchange"].stats["slice"]
            for k in (1, 2)} <= {LEMMA_BEFORE, UPDATES_AND_LEMMAS}
    # with the lemmas their proofs rest on (the step's, and the round's as needed), no other
    lemmas = {r.name for r in results if not r.kind.liveness}
    steps = {f"termination step 1 lemma[{k}] Exchange" for k in range(3)}
    assert steps <= lemmas <= steps | {f"round_lemmas[Exchange][{k}]" for k in range(6)}


def _with_step_lemmas(tmp_path: Path, lemmas: str) -> Path:
    """A_T,E with ``lemmas`` in place of its first step's lemmas."""
    text = ATE_FILE.read_text()
    start = text.index('{"Exchange": [', text.index('("clean", "exists v.'))
    end = text.index("]}),", start) + len("]}")
    path = tmp_path / "ate_lemmas.py"
    path.write_text(text[:start] + lemmas + text[end:])
    return path


@pytest.mark.parametrize(("lemmas", "message"), [
    ('["forall i. x(i) = old(x)(i)"]',
     "step 1: the lemmas must be a dict from round names to lists of two-state formula"),
    ('{"Vote": ["forall i. x(i) = old(x)(i)"]}',
     "step 1: lemmas for 'Vote', which is not a round (Exchange)"),
    ('{"Exchange": []}', "the lemmas over 'Exchange' must be a non-empty list"),
    ('{"Exchange": ["forall i. x(i) = old(y)(i)"]}', "'y'"),
])
def test_malformed_step_lemmas_are_located_errors(tmp_path: Path, lemmas: str,
                                                  message: str) -> None:
    path = _with_step_lemmas(tmp_path, lemmas)
    with pytest.raises(CompileError) as e:
        load_and_compile(path)
    assert message in str(e.value) and "ate_lemmas.py:" in str(e.value), str(e.value)


# ---- simulation --------------------------------------------------------------------------------

def _layer(adv: object) -> EventuallyGood:
    assert isinstance(adv, Stack)
    layer = adv.layers[-1]
    assert isinstance(layer, EventuallyGood)
    return layer


@pytest.mark.parametrize("spec", ["eventually-good", "eventually-good:bad=1,tight=1",
                                  "value+eventually-good:bad=0.8,delay=3"])
def test_eventually_good_keeps_the_assumption_and_ate_decides(ate, spec: str) -> None:
    model, _ = ate
    rounds = 40
    for n_ in (5, 6, 8):
        for seed in range(8):
            adv = parse_adversary(spec)
            layer = _layer(adv)
            trace = run(model, n_, rounds, adv, seed=seed)
            assert trace.violation is None
            planned = [r for r in range(rounds) if layer.good(r)]
            assert [layer.good(r) for r in planned[:3]] == [("clean",), ("heard",), ("safe",)]
            for r in planned:
                rec = trace.rounds[r]
                for label in layer.good(r):
                    assert model.good_rounds[label].holds_with(
                        rec.input.ho, _aho(rec.input, n_), r), (spec, n_, seed, r, label)
            # every receiver gets alpha corrupted messages where no good round forbids it
            bad = [rec for rec in trace.rounds if not layer.good(rec.r)]
            assert all(len(rec.input.corrupt) == sum(1 for m in rec.input.ho.masks if m)
                       for rec in bad)
            when = trace.decided_round()
            assert when is not None and when <= planned[2], (spec, n_, seed, when, planned)


def test_corrupt_option(ate) -> None:
    model, _ = ate
    none = run(model, 5, 20, "eventually-good:corrupt=0", seed=1)
    assert all(not rec.input.corrupt for rec in none.rounds)
    assert none.decided_round() is not None
    with pytest.raises(AdversaryError, match="corrupt must be a probability"):
        parse_adversary("eventually-good:corrupt=2")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simulate_command_decides_ate(capsys: pytest.CaptureFixture[str], seed: int) -> None:
    args = argparse.Namespace(model=str(ATE_FILE), n=5, rounds=40, adversary="eventually-good",
                              seed=seed, inputs="0,1,2,0,1", values=None, states=False)
    assert simulate.run(args) == 0
    out = capsys.readouterr().out
    assert "corrupted" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("all live processes decided (")
    when = int(last.split("by round ")[1].split(";")[0])
    assert when <= 30


def test_chain_invariants_along_runs(ate) -> None:
    """The chain, checked on concrete runs (not a proof): once a step's invariant holds it keeps
    holding, and a planned good round establishes its step's invariant from the previous one."""
    model, cm = ate
    steps = cm.liveness.goals[0].steps
    for seed in range(6):
        adv = parse_adversary("eventually-good:bad=0.7")
        layer = _layer(adv)
        trace = run(model, 5, 25, adv, seed=seed, inputs=(0, 1, 2, 1, 0))
        states = [trace.initial] + [rec.post for rec in trace.rounds]
        truth = [[holds(s.invariant, cm.encode(st)) for s in steps] for st in states]
        for k in range(2):  # the stable ones
            for a, b in zip(truth, truth[1:]):
                assert b[k] or not a[k], (seed, k)
        for r in range(len(trace.rounds)):
            good = layer.good(r)
            for k, name in enumerate(("clean", "heard", "safe")):
                if name in good and (k == 0 or truth[r][k - 1]):
                    assert truth[r + 1][k], (seed, r, name)
        assert truth[-1][2]
