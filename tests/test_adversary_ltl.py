"""The eventually-good adversary (hoverify.adversary_ltl): bad rounds, and the good rounds the
model's LTL assumption promises, drawn from the assumption's automaton."""

from __future__ import annotations

import argparse

import pytest
from conftest import MODELS

from hoverify import (
    Algorithm,
    CoordinatorHeard,
    CoordinatorHears,
    HeardMoreThan,
    Local,
    Round,
    Uniform,
    broadcast,
    n,
)
from hoverify.adversary import Stack, parse_adversary
from hoverify.adversary_ltl import EventuallyGood
from hoverify.commands import simulate
from hoverify.errors import AdversaryError
from hoverify.executor import run

UNIFORM = Uniform() & HeardMoreThan("2*n/3")


class OTR(Algorithm):
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
                if mbox.count(p.x) > 2 * n / 3:
                    p.decide(p.x)

    properties = ("agreement", "validity", "irrevocability")
    values = (0, 1, 2)
    good_rounds = {"uniform": UNIFORM}
    assumption = "always eventually uniform"


class OTROnce(OTR):
    assumption = "eventually (uniform and next uniform)"


class Typo(OTR):
    assumption = "always eventually unifrom"


class NoAssumption(OTR):
    good_rounds = {"uniform": UNIFORM}
    assumption = ""


GATHER = CoordinatorHears("n/2")
ANNOUNCE = CoordinatorHeard()


class Phased(Algorithm):
    """Three rounds per phase; the good phase constrains the first and the last."""

    x = Local(int)

    def init(p, v):
        p.x = v

    class Gather(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            pass

    class Middle(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            pass

    class Announce(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            pass

    good_rounds = {"good": {"Gather": GATHER, "Announce": ANNOUNCE}, "uniform": Uniform()}
    assumption = "always eventually good and eventually uniform"


def _adversary(spec: str = "eventually-good") -> EventuallyGood:
    adv = parse_adversary(spec)
    assert isinstance(adv, Stack) and len(adv.layers) == 1
    layer = adv.layers[0]
    assert isinstance(layer, EventuallyGood)
    return layer


@pytest.mark.parametrize("seed", range(6))
def test_good_rounds_hold_and_otr_decides(seed):
    adv = _adversary("eventually-good:bad=0.6,delay=4")
    rounds = 30
    trace = run(OTR, 4, rounds, adv, seed=seed)
    assert trace.violation is None
    planned = [r for r in range(rounds) if adv.good(r)]
    assert all(adv.good(r) == ("uniform",) for r in planned)
    for r in planned:
        assert UNIFORM.holds(trace.rounds[r].ho, r), f"round {r} should be uniform"
    # infinitely many good rounds, spaced by at most about `delay` bad ones
    assert len(planned) >= rounds // 6
    assert max(b - a for a, b in zip([-1, *planned], planned)) <= 4 + 2
    # at least the planned good rounds happen (a bad round may be good by chance)
    assert sum(UNIFORM.holds(rec.ho, rec.r) for rec in trace.rounds) >= len(planned)
    # two uniform rounds decide
    when = trace.decided_round()
    assert when is not None and when <= planned[1]


@pytest.mark.parametrize("seed", range(4))
def test_bad_rounds_lose_messages(seed):
    adv = _adversary("eventually-good:bad=0.9")
    trace = run(OTR, 6, 30, adv, seed=seed)
    bad = [rec for rec in trace.rounds if not adv.good(rec.r)]
    assert bad
    full = 6 * 6
    assert sum(rec.deliveries for rec in bad) < 0.5 * full * len(bad)


def test_a_once_assumption_gets_two_consecutive_good_rounds():
    for seed in range(5):
        adv = _adversary()
        trace = run(OTROnce, 4, 25, adv, seed=seed)
        planned = [r for r in range(25) if adv.good(r)]
        assert len(planned) == 2 and planned[1] == planned[0] + 1
        assert all(UNIFORM.holds(trace.rounds[r].ho, r) for r in planned)
        assert trace.decided_round() is not None


def test_same_seed_same_run():
    def hos(seed):
        return [rec.ho for rec in run(OTR, 4, 20, "eventually-good", seed=seed).rounds]
    assert hos(3) == hos(3)
    assert hos(3) != hos(4)


def test_good_rounds_survive_crashes_below():
    for seed in range(4):
        adv = _adversary()
        trace = run(OTR, 5, 25, Stack([parse_adversary("crash:1"), adv]), seed=seed)
        for rec in trace.rounds:
            if adv.good(rec.r):
                assert UNIFORM.holds(rec.ho, rec.r)


@pytest.mark.parametrize("seed", range(5))
def test_a_good_phase_is_respected_round_by_round(seed):
    adv = _adversary("eventually-good:delay=3")
    rounds = 45
    trace = run(Phased, 4, rounds, adv, seed=seed)
    starts = [r for r in range(rounds) if "good.Gather" in adv.good(r)]
    assert len(starts) >= 3
    for r in starts:
        assert r % 3 == 0  # a good phase starts at a phase boundary
        assert GATHER.holds(trace.rounds[r].ho, r // 3)
        assert adv.good(r + 1) in ((), ("uniform",))  # Middle is not constrained by the phase
        assert "good.Announce" in adv.good(r + 2)
        if r + 2 < rounds:
            assert ANNOUNCE.holds(trace.rounds[r + 2].ho, r // 3)
    assert all("good" not in label or r % 3 != 1
               for r in range(rounds) for label in adv.good(r))
    uniform = [r for r in range(rounds) if "uniform" in adv.good(r)]
    assert uniform and all(Uniform().holds(trace.rounds[r].ho) for r in uniform)


def test_coordinator_heard_fails_when_the_coordinator_crashed():
    class Fixed(Phased):
        good_rounds = {"good": {"Announce": CoordinatorHeard(of=0)}}
        assumption = "always eventually good"

    with pytest.raises(AdversaryError, match=r"cannot make the round a 'good.Announce' round"):
        run(Fixed, 3, 30, "crash:procs=0,rounds=0+eventually-good", seed=0)


def test_unknown_atom_in_the_assumption_is_an_error():
    with pytest.raises(AdversaryError) as e:
        run(Typo, 4, 5, "eventually-good")
    msg = str(e.value)
    assert "Typo.assumption" in msg and "'unifrom'" in msg and "known: 'uniform'" in msg
    assert e.value.column == 19


def test_missing_assumption_is_an_error():
    with pytest.raises(AdversaryError, match="NoAssumption has no 'assumption'"):
        run(NoAssumption, 4, 5, "eventually-good")


def test_unsatisfiable_assumption_is_an_error():
    class Impossible(OTR):
        assumption = "always uniform and eventually not uniform"

    with pytest.raises(AdversaryError, match="unsatisfiable"):
        run(Impossible, 4, 5, "eventually-good")


def test_good_rounds_must_be_predicates():
    class Wrong(OTR):
        good_rounds = {"uniform": "forall p, q. HO(p) = HO(q)"}

    with pytest.raises(AdversaryError, match=r"good_rounds\['uniform'\] is .* not an HO predicate"):
        run(Wrong, 4, 5, "eventually-good")


@pytest.mark.parametrize("spec, message", [
    ("eventually-good:bad=2", "bad must be a probability"),
    ("eventually-good:delay=-1", "delay must be at least 0"),
    ("eventually-good:delay=x", "not a integer"),
    ("eventually-good:every=3", "unknown parameter"),
    ("eventually-good:0.3", "unexpected"),
])
def test_spec_errors(spec, message):
    with pytest.raises(AdversaryError, match=message):
        parse_adversary(spec)


def test_spec_options():
    adv = _adversary("eventually-good:bad=0.2,delay=3")
    assert (adv.bad, adv.delay, adv.spec) == (0.2, 3, "eventually-good:bad=0.2,delay=3")
    assert _adversary().spec == "eventually-good"


def test_simulate_command(capsys):
    p = argparse.ArgumentParser()
    simulate.add_arguments(p)
    rc = simulate.run(p.parse_args([str(MODELS / "otr.py"), "-n", "4", "--adversary",
                                    "eventually-good"]))
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "adversary=eventually-good" in out and "all live processes decided" in out
