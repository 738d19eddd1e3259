"""The lockstep executor: termination under a reliable adversary, safety under faults, the
adversaries and their constraints, and step() on arbitrary pre-states."""

from __future__ import annotations

import json
import random

import pytest
from conftest import ROOT, model
from hypothesis import given, settings
from hypothesis import strategies as st

from hoverify import AdversaryError, HoverifyError, KernelSize, NoSplit, Uniform
from hoverify.adversary import bernoulli_mask, parse_adversary
from hoverify.executor import engine, initial_state, run, step
from hoverify.ho import HOSets
from hoverify.hopredicates import CoordinatorHeard, CoordinatorHears, HeardMoreThan
from hoverify.loader import load_model
from hoverify.trace import RoundInput

# (model, n values, the round by which a reliable run has decided)
RELIABLE_BOUNDS = [
    ("otr", (1, 2, 3, 4, 5, 7), 1),
    ("uniformvoting", (1, 2, 3, 4, 5), 3),
    ("lastvoting", (1, 2, 3, 4, 5), 3),
    ("benor", (1, 3, 5, 7), 1),  # odd n: a binary majority exists
    ("floodmin", (1, 2, 3, 5), 1),  # decides at round f + 1 (f = 1)
    ("ate", (5, 6, 7, 9), 1),
    ("twophasecommit", (1, 2, 3, 5), 2),
]


@pytest.mark.parametrize("name, ns, bound", RELIABLE_BOUNDS)
def test_reliable_decides_within_bound(name, ns, bound):
    m = model(name)
    for n in ns:
        for seed in range(15):
            t = run(m, n, bound + 1, "reliable", seed=seed)
            assert t.violation is None, (n, seed, t.violation)
            assert t.decided_round() is not None and t.decided_round() <= bound, (n, seed)
            decisions = set(t.final.column("decision"))
            assert len(decisions) == 1
            if name == "twophasecommit":
                assert decisions == {all(t.initial.inputs)}
            else:
                assert decisions <= set(t.initial.inputs)


def test_paper_figure3_decides_and_agrees():
    m = load_model(ROOT / "paper_examples" / "otr_figure3.py")
    for seed in range(20):
        t = run(m, 4, 2, "reliable", seed=seed)
        assert t.ok and t.decided_round() is not None and t.decided_round() <= 1
    assert m.safety["agreement"] and m.invariants


# (model, n, adversaries within the algorithm's fault assumptions, rounds)
FAULTY = [
    ("otr", (3, 4, 5, 6), ("omit:0.3", "omit:0.5+crash:1", "partition:2+good:every=5",
                           "omit:0.6+good:rounds=3/7"), 12),
    ("uniformvoting", (3, 4, 5), ("omit:0.4", "omit:0.3+crash:1", "partition:2"), 10),
    ("lastvoting", (3, 4, 5), ("omit:0.3", "omit:0.2+crash:1", "partition:2+good:from=8"), 16),
    ("benor", (3, 4, 5, 6), ("omit:0.3", "crash:1+omit:0.2"), 12),
    ("floodmin", (2, 3, 4, 6), ("crash:1", "omit:0.5+crash:1"), 4),
    ("ate", (5, 6, 7), ("value:1", "value:1+omit:0.1", "value:alpha=1,p=0.5+crash:1"), 10),
    ("twophasecommit", (2, 3, 4), ("omit:0.3", "crash:1", "omit:0.5+good:every=3"), 6),
]


@pytest.mark.parametrize("name, ns, adversaries, rounds", FAULTY)
def test_safety_under_faults_on_many_seeded_runs(name, ns, adversaries, rounds):
    m = model(name)
    runs = 0
    for n in ns:
        for adv in adversaries:
            for seed in range(40):
                t = run(m, n, rounds, adv, seed=seed, record=False)
                assert t.violation is None, (name, n, adv, seed, str(t.violation))
                runs += 1
    assert runs >= 240


def test_deterministic_under_seed():
    m = model("benor")
    a = run(m, 5, 12, "omit:0.3+crash:1", seed=7)
    b = run(m, 5, 12, "omit:0.3+crash:1", seed=7)
    assert a == b
    c = run(m, 5, 12, "omit:0.3+crash:1", seed=8)
    assert [r.ho for r in a.rounds] != [r.ho for r in c.rounds]


def test_round_structure_and_records():
    m = model("lastvoting")
    t = run(m, 3, 8, "reliable", seed=0)
    assert [(r.r, r.phase, r.round_name) for r in t.rounds[:5]] == [
        (0, 0, "Collect"), (1, 0, "Propose"), (2, 0, "Ack"), (3, 0, "Decide"), (4, 1, "Collect")]
    for rec in t.rounds:
        assert rec.pre.r == rec.r and rec.post.r == rec.r + 1
    # R1: only the coordinator receives, n messages; R2: the coordinator's broadcast
    assert t.rounds[0].deliveries == 3 and t.rounds[1].deliveries == 3
    assert t.rounds[3].decisions == ((0, t.rounds[3].post.get(0, "decision")),
                                     (1, t.rounds[3].post.get(0, "decision")),
                                     (2, t.rounds[3].post.get(0, "decision")))


def test_ho_predicate_is_respected():
    m = model("uniformvoting")
    for seed in range(30):
        t = run(m, 5, 6, "partition:2+omit:0.3", seed=seed)
        assert all(NoSplit().holds(rec.ho) for rec in t.rounds)
    b = model("benor")
    for seed in range(30):
        t = run(b, 5, 6, "omit:0.6+crash:2", seed=seed)
        for rec in t.rounds:
            live = [p for p in range(5) if p not in rec.post.crashed]
            assert all(len(rec.ho[p]) > 5 / 2 for p in live)


def test_impossible_predicate_is_reported():
    with pytest.raises(AdversaryError, match="cannot respect"):
        run(model("benor"), 4, 6, "crash:2,rounds=0", seed=0)


def test_a_crash_silences_a_process_in_a_benign_model():
    """Heard-Of semantics: a crashed process is one nobody hears; it is not frozen (the compiled
    relation of a benign model lets it update too)."""
    m = model("otr")
    t = run(m, 5, 6, "crash:procs=1/3,rounds=1/2", seed=3)
    crashed_at = {1: 1, 3: 2}
    for rec in t.rounds:
        for q, when in crashed_at.items():
            if rec.r > when:
                assert all(q not in rec.ho[p] for p in range(5) if p != q)  # nobody hears it
            if rec.r == when:
                assert q in rec.input.crash
    assert t.final.crashed == frozenset({1, 3})


def test_crash_stop_processes_stop():
    m = model("floodmin")
    t = run(m, 4, 3, "crash:procs=2,rounds=0", seed=3)
    for rec in t.rounds:
        assert rec.post.locals[2] == rec.pre.locals[2]  # it does not update
        if rec.r > 0:
            assert all(2 not in rec.ho[p] for p in range(4) if p != 2)
    assert t.final.crashed == frozenset({2})


def test_crash_stop_fault_model_is_enforced():
    m = model("floodmin")
    t = run(m, 4, 3, "omit:0.9", seed=1)  # omissions are outside crash-stop: repaired away
    assert all(rec.ho == HOSets.full(4) for rec in t.rounds)
    with pytest.raises(AdversaryError, match="exceed"):
        run(m, 4, 3, "crash:2", seed=1)


def test_value_faults_are_bounded():
    m = model("ate")
    t = run(m, 6, 5, "value:1", seed=2)
    for rec in t.rounds:
        per = {}
        for p, q, _pl in rec.input.corrupt:
            assert q in rec.ho[p]
            per[p] = per.get(p, 0) + 1
        assert per and max(per.values()) <= 1
    with pytest.raises(AdversaryError, match="outside"):
        run(model("otr"), 4, 2, "value:1")
    with pytest.raises(AdversaryError, match="exceeds"):
        run(m, 6, 2, "value:2")


def test_corrupted_message_reaches_the_mailbox():
    m = model("ate")
    s0 = initial_state(m, [0] * 5)
    ho = HOSets.full(5)
    s1 = step(m, s0, RoundInput(ho, corrupt=((2, 0, 7),)))
    assert s1.column("x") == (0,) * 5  # one corrupted value cannot win
    s2 = step(m, s0, RoundInput(HOSets.from_sets([range(5)] * 5)), r=0)
    assert s2 == s1.replace(locals=s2.locals)


def test_scripted_adversary(tmp_path):
    f = tmp_path / "ho.json"
    f.write_text(json.dumps({"rounds": [[[0, 1], [0, 1], [2]], {"ho": [[0], [1], [2]],
                                                                  "crash": [2]}],
                             "then": "reliable"}))
    t = run(model("otr"), 3, 3, f"script:{f}", seed=0, inputs=[1, 2, 3])
    assert t.rounds[0].ho == HOSets.from_sets([[0, 1], [0, 1], [2]])
    assert t.rounds[1].input.crash == frozenset({2})
    assert t.rounds[2].ho == HOSets.from_sets([[0, 1]] * 2 + [[0, 1]])
    bad = tmp_path / "bad.json"
    bad.write_text("[[[0, 1]]]")
    with pytest.raises(AdversaryError, match="expected 3 HO sets"):
        run(model("otr"), 3, 1, f"script:{bad}")


@pytest.mark.parametrize("spec, match", [
    ("", "empty"), ("nope", "unknown adversary"), ("omit", "loss probability"),
    ("omit:2", r"\[0, 1\]"), ("omit:x", "not a number"), ("crash:f=1,when=2", "unknown param"),
    ("good", "every"), ("script:/nonexistent.json", "cannot read"),
])
def test_bad_adversary_specs(spec, match):
    with pytest.raises(AdversaryError, match=match):
        parse_adversary(spec)


def test_partition_blocks():
    t = run(model("otr"), 5, 2, "partition:sizes=3/2", seed=0)
    assert t.rounds[0].ho == HOSets.from_sets([[0, 1, 2]] * 3 + [[3, 4]] * 2)


def test_bernoulli_mask_statistics():
    rng = random.Random(1)
    for q in (0.0, 0.1, 0.5, 0.7, 1.0):
        ones = sum(bernoulli_mask(1000, q, rng).bit_count() for _ in range(50))
        assert abs(ones / 50000 - q) < 0.01


def test_step_from_arbitrary_pre_state():
    m = model("otr")
    s = initial_state(m, [0, 1, 1, 1])
    # an arbitrary (unreachable) pre-state: p0 already decided 5
    s = s.with_locals(0, decided=True, decision=5).replace(r=17)
    post = step(m, s, [[1, 2, 3]] * 4)
    assert post.r == 18
    assert post.column("x") == (1, 1, 1, 1)
    assert post.column("decided") == (True, True, True, True)
    assert post.get(0, "decision") == 1  # re-decided: step runs the code, it does not judge
    # a process that hears too little keeps its state
    post2 = step(m, s, [[0], [1, 2, 3], [1, 2, 3], [1, 2, 3]])
    assert post2.locals[0] == s.locals[0]


def test_step_nondeterministic_choice_and_crashed():
    m = model("benor")
    s = initial_state(m, [0, 1, 0, 1, 0]).replace(r=1)  # round 2 of the phase: votes all ?
    outs = {step(m, s, HOSets.full(5), rng=random.Random(seed)).column("x") for seed in range(30)}
    assert len(outs) > 1  # coins
    forced = step(m, s, HOSets.full(5), chooser=lambda opts: opts[-1])
    assert forced.column("x") == (1,) * 5
    s2 = s.replace(crashed=frozenset({4}))
    post = step(m, s2, HOSets.full(5), chooser=lambda opts: opts[0])
    assert post.locals[4] == s2.locals[4]


def test_step_rejects_bad_input():
    m = model("otr")
    s = initial_state(m, [0, 1, 1])
    with pytest.raises(HoverifyError):
        step(m, s, [[0, 1, 5]] * 3)
    with pytest.raises(HoverifyError):
        step(m, s, [[0]] * 2)


# ---- HO predicates: the networkx evaluation and the per-receiver one agree -----------------

ho_sets = st.integers(1, 6).flatmap(
    lambda k: st.lists(st.frozensets(st.integers(0, k - 1)), min_size=k, max_size=k))


@settings(max_examples=200, deadline=None)
@given(ho_sets, st.integers(0, 10))
def test_local_predicates_agree_with_graph_evaluation(sets, phase):
    ho = HOSets.from_sets(sets)
    for pred in (HeardMoreThan("n/2"), HeardMoreThan("2*n/3"), CoordinatorHeard(),
                 CoordinatorHears("n/2"), HeardMoreThan(1) & CoordinatorHeard()):
        per = all(pred.holds_at(p, ho.masks[p], ho.n, phase) for p in range(ho.n))
        assert pred.holds(ho, phase) == per


@settings(max_examples=200, deadline=None)
@given(ho_sets)
def test_predicates_on_definitions(sets):
    ho = HOSets.from_sets(sets)
    n = ho.n
    assert NoSplit().holds(ho) == all(ho[p] & ho[q] for p in range(n) for q in range(n))
    assert Uniform().holds(ho) == all(ho[p] == ho[0] for p in range(n))
    kernel = frozenset.intersection(*[ho[p] for p in range(n)])
    assert KernelSize(0).holds(ho) == (len(kernel) > 0)
    rng = random.Random(0)
    for pred in (NoSplit(), Uniform(), KernelSize(1), HeardMoreThan("n/2")):
        fixed = pred.repair(ho, [(1 << n) - 1] * n, rng)
        if fixed is not None:
            assert pred.holds(fixed)
            assert all(a & b == a for a, b in zip(ho.masks, fixed.masks, strict=True))


def test_engine_cache_and_formulas():
    m = model("otr")
    assert engine(m, 4) is engine(m, 4)
    assert NoSplit().formula == "forall p, q. exists k. k in HO(p) and k in HO(q)"
    assert HeardMoreThan("n/2").formula == "forall p. |HO(p)| > n/2"


def test_validity_is_about_init_x_as_the_prover_states_it() -> None:
    """``validity`` says ``decision(i) = init(x)(j)``: ``x`` of some process in the initial
    state, after ``init``, which the prover reads the same way. Ben-Or's ``init`` counts any
    input other than 0 as 1: with inputs 5, 5, 5 every process starts with x = 1 and decides 1,
    which is valid. (The executor used to compare decisions with the inputs, a second meaning of
    the same formula: it called this run a violation while the prover proved validity.)"""
    t = run(model("benor"), 3, 6, "reliable", seed=0, inputs=[5, 5, 5])
    assert t.violation is None
    assert t.final.initial == t.initial.locals and t.final.inputs == (5, 5, 5)
    d = t.final.names.index("decision")
    assert {row[d] for row in t.final.locals} == {1}
