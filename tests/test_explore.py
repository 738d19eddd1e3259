"""The bounded explorer: it finds the deliberate bugs at the smallest n, with concrete traces
that replay through step(), and finds nothing in the correct models."""

from __future__ import annotations

import pytest
from conftest import BROKEN, model

from hoverify.executor import step
from hoverify.explore import explore, is_symmetric
from hoverify.loader import load_model


def _replays(m, trace):
    for rec in trace.rounds:
        assert step(m, rec.pre, rec.input) == rec.post


@pytest.mark.parametrize("file, depth, smallest_n, length", [
    ("otr_half.py", 3, 3, 2),
    ("lastvoting_anyvalue.py", 8, 3, 8),
])
def test_broken_models_violate_agreement_at_smallest_n(file, depth, smallest_n, length):
    m = load_model(BROKEN / file)
    for n in range(1, smallest_n):
        res = explore(m, n, depth, values=(0, 1), properties=("agreement",))
        assert res.ok and res.complete, (n, res.violation)
    res = explore(m, smallest_n, depth, values=(0, 1), properties=("agreement",))
    assert res.violation is not None and res.violation.property == "agreement"
    trace = res.trace
    assert trace is not None and len(trace.rounds) == length  # BFS: a shortest one
    assert trace.violation == res.violation
    a, b = res.violation.processes
    final = trace.final
    assert final.get(a, "decided") and final.get(b, "decided")
    assert final.get(a, "decision") != final.get(b, "decision")
    _replays(m, trace)


def test_symmetry_reduction_preserves_the_result():
    m = load_model(BROKEN / "otr_half.py")
    assert is_symmetric(m)
    with_sym = explore(m, 3, 3, values=(0, 1), properties=("agreement",))
    without = explore(m, 3, 3, values=(0, 1), properties=("agreement",), symmetry=False)
    assert len(with_sym.trace.rounds) == len(without.trace.rounds) == 2
    assert with_sym.states < without.states
    full_sym = explore(model("otr"), 3, 3, values=(0, 1))
    full = explore(model("otr"), 3, 3, values=(0, 1), symmetry=False)
    assert full_sym.ok and full.ok and full_sym.states < full.states


def test_default_properties_find_the_first_violation():
    res = explore(load_model(BROKEN / "otr_half.py"), 3, 3)
    assert res.violation is not None and res.violation.round == 1  # shortest: after round 1


@pytest.mark.parametrize("name, n, depth", [
    ("otr", 3, 3), ("otr", 4, 2), ("uniformvoting", 3, 4), ("lastvoting", 3, 8),
    ("benor", 3, 4), ("floodmin", 3, 3), ("twophasecommit", 3, 3),
])
def test_correct_models_have_no_violation(name, n, depth):
    m = model(name)
    res = explore(m, n, depth, values=(0, 1) if name != "twophasecommit" else None)
    assert res.ok and res.complete, res.violation
    assert res.states > 1


def test_value_faults_explored():
    res = explore(model("ate"), 5, 1, values=(0, 1))
    assert res.ok and res.states > 1


def test_symmetry_detection():
    assert is_symmetric(model("otr")) and is_symmetric(model("benor"))
    assert not is_symmetric(model("lastvoting")) and not is_symmetric(model("twophasecommit"))


def test_floodmin_needs_crash_stop():
    # FloodMin is only safe under crash-stop; the explorer enumerates crashes (|C| <= 1) and
    # finds nothing; as a benign-fault algorithm (arbitrary HO sets) it is wrong.
    m = model("floodmin")
    assert explore(m, 3, 2, values=(0, 1)).ok

    class Benign(m):
        fault_model = None

    res = explore(Benign, 3, 2, values=(0, 1))
    assert res.violation is not None and res.violation.property == "agreement"


def test_explore_stays_small_for_the_broken_lastvoting():
    # the state space, not the clock: reduction by symmetry and deduplication keep it small
    res = explore(load_model(BROKEN / "lastvoting_anyvalue.py"), 3, 8, values=(0, 1))
    assert res.violation is not None and res.states < 50_000
