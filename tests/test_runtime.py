"""The asyncio runtime: replicas over UDP on loopback (in-process clusters; see
test_runtime_cli.py for the command line and the multi-process path)."""

from __future__ import annotations

import asyncio
import gc
import random
import socket
import sys
import warnings

import pytest
from conftest import MODELS as MODELS_DIR
from conftest import model, one_round_model, open_sockets

from hoverify.dsl import Broadcast, SendTo
from hoverify.executor import engine as lockstep_engine
from hoverify.executor import step
from hoverify.mailbox import Mailbox
from hoverify.runtime import (
    NetFaults,
    Replica,
    RoundPolicy,
    RuntimeConfig,
    check_decisions,
    run_cluster,
    value_for,
)
from hoverify.runtime.cluster import bind_sockets
from hoverify.runtime.replay import decided_rounds, ho_script, mismatches, replay
from hoverify.runtime.replica import Decision
from hoverify.runtime.schema import schema_of
from hoverify.runtime.streams import Streams, make_replica
from hoverify.runtime.wire import (
    HEADER,
    NOMSG,
    VERSION,
    EncodeError,
    Invalid,
    decode_data,
    encode_data,
    encode_decided,
    parse_header,
)

OTR = model("otr")
LV = model("lastvoting")
BENOR = model("benor")
DEADLINE = 60.0  # generous: only there so that a bug cannot hang the suite


@pytest.fixture(autouse=True)
def sockets_closed():
    """Every socket a test opens is closed at its end, and no ResourceWarning is emitted."""
    unraisable = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    before = open_sockets()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        yield
        gc.collect()
    sys.unraisablehook = old_hook
    assert not unraisable, [u.exc_value for u in unraisable]
    assert open_sockets() <= before


def cluster(model_, n, instances, *, faults=None, **kw):
    kw.setdefault("deadline", DEADLINE)
    return asyncio.run(run_cluster(model_, n, instances, faults=faults or NetFaults(), **kw))


def assert_safe_and_complete(res, lanes=1, live=None):
    verdict = check_decisions(res.model, res.n, res.instances,
                              {r.id: r.decisions for r in res.reports}, res.inputs, lanes)
    assert not res.errors()
    assert verdict.violations == []
    assert not res.timed_out
    assert verdict.undecided == []
    for r in res.reports:
        if live is None or r.id in live:
            assert r.finished, (r.id, r.stats)
            assert {d.instance for d in r.decisions} == set(range(res.instances))
    return verdict


# ---- wire format ------------------------------------------------------------------------------

def test_wire_round_trip_and_validation():
    sch = schema_of(LV, 3)
    collect, propose, ack, decide = sch.rounds
    assert collect.describe() == "(int, int)" and propose.describe() == "int?"
    assert ack.describe() == "bool" and sch.decision.describe() == "int?"
    pkt = encode_data(2, 7, 12, collect, [(5, -1)])
    assert parse_header(pkt) == (1, 2, 7, 12, 1)
    assert decode_data(pkt, collect, 1) == [(5, -1)]
    assert decode_data(encode_data(1, 0, 1, propose, [None]), propose, 1) == [None]
    assert decode_data(encode_data(1, 0, 0, collect, [NOMSG]), collect, 1) == [NOMSG]
    lanes = [(1, 2), NOMSG, (3, 4), NOMSG, NOMSG, NOMSG, NOMSG, NOMSG, (9, 9)]
    assert decode_data(encode_data(0, 1, 2, collect, lanes), collect, 9) == lanes
    # every validation failure is an Invalid with its reason
    def reason(data):
        try:
            _, _, _, _, lanes = parse_header(data)
            decode_data(data, collect, lanes)
        except Invalid as e:
            return e.reason
        return None

    assert reason(pkt) is None
    assert reason(pkt[:5]) == reason(pkt[:-1]) == reason(pkt + b"\0") == "size"
    assert reason(bytes([VERSION + 1]) + pkt[1:]) == "version"
    assert reason(pkt[:1] + b"\x07" + pkt[2:]) == "kind"
    bool_pkt = encode_data(0, 0, 2, ack, [True])
    with pytest.raises(Invalid, match="payload"):
        decode_data(bool_pkt[:-1] + b"\x02", ack, 1)
    with pytest.raises(Invalid, match="payload"):  # a lane bit beyond the lanes
        decode_data(pkt[:HEADER.size] + b"\x03" + pkt[HEADER.size + 1:], collect, 1)
    with pytest.raises(EncodeError):
        collect.encode((1, None))  # not optional
    with pytest.raises(EncodeError):
        collect.encode((1 << 70, 0))
    with pytest.raises(EncodeError):
        ack.encode(3)


def test_lanes_round_trip_with_every_lane_some_or_none_present():
    """DATA packets of many lanes decode to what was encoded, whichever lanes are present (every
    lane present has its own decoding path), also for a layout of zero bytes (payload None); a
    bad payload in any lane is rejected."""
    from hoverify.runtime.wire import Layout

    rng = random.Random(11)
    sch = schema_of(LV, 3)
    collect, propose, ack, _ = sch.rounds
    nothing = Layout((), (), False, 3)
    draw = {collect: lambda: (rng.randrange(-9, 9), rng.randrange(-1, 5)),
            propose: lambda: rng.choice((None, rng.randrange(4))),
            ack: lambda: rng.random() < 0.5, nothing: lambda: None}
    for layout, value in draw.items():
        for lanes in (1, 2, 7, 8, 9, 16, 33):
            for p_present in (0.0, 0.5, 1.0):
                pls = [value() if rng.random() < p_present else NOMSG for _ in range(lanes)]
                pkt = encode_data(1, 2, 3, layout, pls)
                assert decode_data(pkt, layout, lanes) == pls, (layout, pls)
    full = encode_data(1, 2, 3, ack, [True] * 9)
    for lane in range(9):
        bad = bytearray(full)
        bad[-9 + lane] = 2
        with pytest.raises(Invalid, match="payload"):
            decode_data(bytes(bad), ack, 9)


def test_wire_decoder_never_raises_anything_else():
    rng = random.Random(5)
    sch = schema_of(LV, 3)
    good = encode_data(1, 3, 4, sch.rounds[0], [(1, 2)])
    for i in range(3000):
        if i % 2:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(40)))
        else:
            b = bytearray(good)
            for _ in range(rng.randrange(1, 4)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            data = bytes(b)
        try:
            _, _, _, rnd, lanes = parse_header(data)
            decode_data(data, sch.rounds[rnd % 4], lanes if lanes < 64 else 1)
        except Invalid:
            pass


# ---- the executor's per-process steps --------------------------------------------------------

def test_per_process_steps_match_the_lockstep_round():
    eng = lockstep_engine(LV, 3)
    st = eng.initial([4, 7, 5])
    for r in range(8):
        post = step(LV, st, [[0, 1, 2], [0, 2], [1, 2]], r=r)
        rows = []
        msgs = {p: eng.send_one(r, p, st.locals[p], None) for p in range(3)}
        for p, ho in enumerate([[0, 1, 2], [0, 2], [1, 2]]):
            box = {}
            for q in ho:
                m = msgs[q]
                if type(m) is Broadcast or (type(m) is SendTo and m.dest == p):
                    box[q] = m.payload
            rows.append(eng.update_from(r, p, st.locals[p], Mailbox.of(box), None))
        assert tuple(rows) == post.locals
        st = post
    assert eng.init_one(1, 7) == eng.initial([4, 7, 5]).locals[1]


# ---- agreement and validity under faults -------------------------------------------------------

FAULTS = [
    pytest.param(NetFaults(), 300, id="reliable"),
    pytest.param(NetFaults(drop=0.1), 80, id="drop10"),
    pytest.param(NetFaults(drop=0.3), 40, id="drop30"),
    pytest.param(NetFaults(duplicate=0.3, reorder=0.3), 100, id="dup-reorder"),
    pytest.param(NetFaults(drop=0.2, duplicate=0.2, reorder=0.2, delay=0.0005, jitter=0.001),
                 40, id="all"),
]


@pytest.mark.parametrize("faults,instances", FAULTS)
@pytest.mark.parametrize("m", [OTR, LV], ids=["otr", "lastvoting"])
def test_n5_agreement_validity_under_network_faults(m, faults, instances):
    cfg = RuntimeConfig(delay=faults.expected_delay, timeout=0.004 + 2 * faults.expected_delay,
                        seed=instances)
    res = cluster(m, 5, instances, faults=faults, config=cfg, values=(0, 1, 2, 3))
    assert_safe_and_complete(res)
    stats = [r.stats for r in res.reports]
    if faults.duplicate:
        assert sum(s.get("duplicate", 0) for s in stats) > 0
    if faults.drop:
        assert sum(s.get("timeout", 0) + s.get("catchup", 0) for s in stats) > 0
    assert sum(sum(s.get(k, 0) for k in ("size", "version", "payload", "sender"))
               for s in stats) == 0


@pytest.mark.parametrize("m,n,victim", [(OTR, 4, 3), (LV, 3, 0), (LV, 3, 2)],
                         ids=["otr-n4", "lastvoting-n3-coord0", "lastvoting-n3"])
def test_one_crashed_replica_the_rest_decide(m, n, victim):
    res = cluster(m, n, 30, crash={victim: 0.0}, config=RuntimeConfig(timeout=0.003))
    live = set(range(n)) - {victim}
    assert_safe_and_complete(res, live=live)
    assert res.reports[victim].decisions == []


def test_crash_in_the_middle_of_a_run():
    res = cluster(LV, 3, 300, crash={1: 0.05}, faults=NetFaults(drop=0.05),
                  config=RuntimeConfig(timeout=0.002))
    assert_safe_and_complete(res, live={0, 2})
    assert res.reports[1].crashed and 0 < len(res.reports[1].decisions) < 300


def test_restarted_replica_rejoins_later_instances():
    res = cluster(OTR, 4, 400, crash={2: 0.03}, restart={2: 0.08},
                  config=RuntimeConfig(timeout=0.003))
    assert_safe_and_complete(res, live={0, 1, 3})
    rep = res.reports[2]
    assert rep.crashed and rep.restarted and rep.stats.get("joined") == 1
    insts = sorted(d.instance for d in rep.decisions)
    # none while down, and the later ones after rejoining
    assert len(insts) < 400 and insts[-1] == 399


def test_batching_lanes_decide_independently():
    res = cluster(LV, 3, 60, faults=NetFaults(drop=0.1),
                  config=RuntimeConfig(batch=12, timeout=0.003), values=(0, 1, 2, 3, 4))
    verdict = assert_safe_and_complete(res, lanes=12)
    assert len({vals for per in verdict.decided.values() for vals in per.values()}) > 10


# ---- concurrent instances (streams) ------------------------------------------------------------

def _decision_spans(m, n, instances, concurrent, **kw):
    """Run a cluster; per replica, the (start, end) loop times of each instance it decided."""
    spans: dict[int, list[tuple[float, float]]] = {p: [] for p in range(n)}

    def on_decide(rep, dec):
        now = asyncio.get_running_loop().time()
        spans[rep.me].append((now - dec.latency, now))

    cfg = RuntimeConfig(concurrent=concurrent, timeout=0.003, seed=concurrent)
    res = cluster(m, n, instances, config=cfg, on_decide=on_decide, **kw)
    return res, spans


def _overlapping(spans):
    spans = sorted(spans)
    return sum(b[0] < a[1] for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("m", [OTR, LV], ids=["otr", "lastvoting"])
def test_concurrent_streams_decide_every_instance_under_faults(m):
    """``concurrent=4``: instances 0..89 in four streams (90 is not a multiple of 4) on one
    socket per replica, under drops, duplicates and reordering."""
    res, spans = _decision_spans(m, 5, 90, 4,
                                 faults=NetFaults(drop=0.2, duplicate=0.1, reorder=0.1))
    assert_safe_and_complete(res)
    assert sum(r.stats.get("duplicate", 0) for r in res.reports) > 0
    # instances really were in progress at the same time at a replica
    assert all(_overlapping(spans[p]) >= 20 for p in range(5))


def test_without_streams_a_replica_runs_one_instance_at_a_time():
    res, spans = _decision_spans(LV, 3, 60, 1)
    assert_safe_and_complete(res)
    assert all(_overlapping(spans[p]) == 0 for p in range(3))


def test_concurrent_streams_survive_a_crash_and_a_restart():
    cfg = RuntimeConfig(concurrent=3, timeout=0.003)
    res = cluster(LV, 3, 60, crash={0: 0.0}, config=cfg)
    assert_safe_and_complete(res, live={1, 2})
    res = cluster(OTR, 4, 400, crash={2: 0.03}, restart={2: 0.08}, config=cfg)
    assert_safe_and_complete(res, live={0, 1, 3})
    rep = res.reports[2]
    assert rep.crashed and rep.restarted
    assert rep.stats.get("joined") == 3  # every stream joined an instance of its own
    insts = sorted(d.instance for d in rep.after_restart)
    assert insts and {i % 3 for i in insts} == {0, 1, 2} and insts[-1] >= 397


def test_an_error_of_the_model_stops_every_stream(tmp_path):
    """One replica is one process of the model, however many instances it runs at once: an
    exception in the model's code in one stream (the first instance in which the replica starts
    with 7) stops all of them at once."""
    src = (MODELS_DIR / "otr.py").read_text()
    needle = "            return broadcast(p.x)"
    assert needle in src
    bad = tmp_path / "otr_bad.py"
    # 7 * 2**70 does not fit the wire's 64-bit integers: an error of the model's payload
    big = "1180591620717411303424"
    bad.write_text(src.replace(needle, f"            return broadcast(p.x * {big} if p.x == 7 "
                                       f"else p.x)"))
    m = model(str(bad))
    n, k, instances = 3, 4, 40
    vals = tuple(range(8))
    first7 = min(i for i in range(instances) for p in range(n) if value_for(0, vals, p, i) == 7)

    async def go():
        socks = bind_sockets(n)
        addrs = [s.getsockname()[:2] for s in socks]
        reps = [Streams(m, p, addrs, concurrent=k, until=instances,
                        inputs=lambda i, lane, p=p: value_for(0, vals, p, i),
                        config=RuntimeConfig(timeout=0.003)) for p in range(n)]
        try:
            for rep, sock in zip(reps, socks):
                await rep.start(sock)
            failing = [r for r in reps if r.error]
            for _ in range(1000):
                if failing:
                    break
                await asyncio.sleep(0.005)
                failing = [r for r in reps if r.error]
            return reps, failing
        finally:
            for r in reps:
                r.close()
            await asyncio.sleep(0)

    reps, failing = asyncio.run(go())
    assert failing, "no stream met the error"
    for rep in failing:
        assert "payload" in (rep.error or "") and rep.sock is None
        states = [s.state for s in rep.streams]
        assert states.count("failed") >= 1 and set(states) <= {"failed", "closed"}
        assert all(d.instance < first7 + k for d in rep.decisions)


def test_round_policy_by_message_count():
    # end each LastVoting round as soon as 2 of 3 are heard: safety is unaffected
    policy = {name: RoundPolicy(0.003, enough=2) for name in ("Collect", "Propose", "Ack",
                                                                "Decide")}
    res = cluster(LV, 3, 150, config=RuntimeConfig(rounds=policy))
    assert_safe_and_complete(res)
    with pytest.raises(Exception, match="unknown rounds"):
        RuntimeConfig(rounds={"Nope": RoundPolicy(1.0)}).policies(("Collect",))


def test_check_decisions_reports_violations():
    def inputs(p, i, lane):
        return p

    d = {0: [Decision(0, (0,), 1, False, 0.0)], 1: [Decision(0, (1,), 1, False, 0.0)],
         2: [Decision(1, (7,), 1, False, 0.0)]}
    v = check_decisions(OTR, 3, 3, d, inputs)
    assert any("agreement violated in instance 0" in s for s in v.violations)
    assert any("validity violated in instance 1" in s for s in v.violations)
    assert v.undecided == [2] and not v.ok
    assert value_for(1, (0, 1, 2), 2, 5) == value_for(1, (0, 1, 2), 2, 5)
    assert value_for(1, (0, 1, 2), 2, 5, fixed=(4, 5, 6)) == 6


def _decided(values, instance=0):
    """Every replica ``p`` decided ``values[p]`` (a tuple of lanes, or one value) in
    ``instance``."""
    return {p: [Decision(instance, v if isinstance(v, tuple) else (v,), 1, False, 0.0)]
            for p, v in enumerate(values)}


def test_validity_is_over_init_x_not_the_raw_inputs():
    """Ben-Or's ``init`` maps every input other than 0 to 1: with inputs 5, 5, 5 every ``x`` is
    1, so deciding 1 is valid (``init(x)``, the executor's and the prover's meaning) and
    deciding 5, an input but no process's initial ``x``, is not."""
    ok = check_decisions(BENOR, 3, 1, _decided([1, 1, 1]), lambda p, i, lane: 5)
    assert ok.violations == [] and ok.ok
    assert ok.properties == ("agreement", "validity") and ok.note is None
    bad = check_decisions(BENOR, 3, 1, _decided([5, 5, 5]), lambda p, i, lane: 5)
    assert bad.violations == ["validity violated in instance 0: p0 decided 5, not an initial "
                              "value (initial values of x [1])"]


def test_a_decision_no_process_started_with_is_a_validity_violation():
    d = _decided([1, 1, 1])  # instance 0: 1 is p1's input, valid
    for p in range(3):
        d[p].append(Decision(1, (7,), 1, False, 0.0))  # instance 1: 7 is nobody's
    v = check_decisions(LV, 3, 2, d, lambda p, i, lane: p)
    assert len(v.violations) == 1
    assert v.violations[0].startswith("validity violated in instance 1: p0 decided 7, not an "
                                      "initial value")
    assert v.undecided == [] and not v.ok


def test_agreement_across_replicas_per_lane():
    inputs = lambda p, i, lane: p % 2  # noqa: E731
    v = check_decisions(OTR, 3, 1, _decided([(0, 1), (0, 1), (0, 0)]), inputs, lanes=2)
    assert v.violations == ["agreement violated in instance 0: in lane 1, p0 decided 1, p2 "
                            "decided 0"]
    assert check_decisions(OTR, 3, 1, _decided([(0, 1)] * 3), inputs, lanes=2).ok


def test_validity_per_lane_uses_that_lanes_inputs():
    def inputs(p, i, lane):
        return 10 * lane + p

    assert check_decisions(OTR, 3, 1, _decided([(0, 12)] * 3), inputs, lanes=2).ok
    v = check_decisions(OTR, 3, 1, _decided([(12, 0)] * 3), inputs, lanes=2)
    assert [s.split(",")[0] for s in v.violations] == [
        "validity violated in instance 0: in lane 0", "validity violated in instance 0: in lane 1"]


TPC = model("twophasecommit")


def test_two_phase_commit_is_checked_with_commit_validity():
    """2PC decides commit (``True``) or abort (``False``) from yes/no votes: commit validity, not
    "the decision is an input" (an abort when everyone voted yes is allowed)."""
    everyone_yes = check_decisions(TPC, 3, 1, _decided([True] * 3), lambda p, i, lane: True)
    assert everyone_yes.ok and everyone_yes.properties == ("agreement", "commit_validity")
    one_no = check_decisions(TPC, 3, 1, _decided([True] * 3), lambda p, i, lane: p != 1)
    assert one_no.violations == ["commit_validity violated in instance 0: p0 decided commit but "
                                 "p1 voted no"]
    assert check_decisions(TPC, 3, 1, _decided([False] * 3), lambda p, i, lane: True).ok
    assert check_decisions(TPC, 3, 1, _decided([False] * 3), lambda p, i, lane: p != 1).ok


def test_only_the_declared_properties_are_checked():
    """ATE declares agreement and irrevocability, not validity: a value nobody proposed is no
    violation; a disagreement is."""
    ate = model("ate")
    v = check_decisions(ate, 5, 1, _decided([9] * 5), lambda p, i, lane: p)
    assert v.ok and v.properties == ("agreement",) and v.holds == "agreement holds"
    v = check_decisions(ate, 5, 1, _decided([9, 9, 9, 9, 8]), lambda p, i, lane: p)
    assert [s.split(":")[0] for s in v.violations] == ["agreement violated in instance 0"]


def test_a_model_without_properties_gets_agreement_and_a_note(tmp_path):
    f = tmp_path / "bare.py"
    f.write_text(one_round_model("Bare", "p.decide(p.x)"))
    bare = model(str(f))
    v = check_decisions(bare, 2, 1, _decided([7, 7]), lambda p, i, lane: p)
    assert v.ok and v.properties == ("agreement",)  # 7 is nobody's input: validity not declared
    assert v.note is not None and "Bare declares no properties" in v.note
    v = check_decisions(bare, 2, 1, _decided([0, 1]), lambda p, i, lane: p)
    assert v.violations == ["agreement violated in instance 0: p0 decided 0, p1 decided 1"]
    # declaring validity alone: agreement is checked too, and the note says why
    f.write_text(f.read_text().replace("Bare", "OnlyValid") + "    properties = ('validity',)\n")
    only_valid = model(str(f))
    v = check_decisions(only_valid, 2, 1, _decided([0, 1]), lambda p, i, lane: p)
    assert v.properties == ("agreement", "validity") and v.holds == "agreement and validity hold"
    assert v.note is not None and "OnlyValid does not declare agreement" in v.note
    assert [s.split(":")[0] for s in v.violations] == ["agreement violated in instance 0"]


def test_each_value_a_replica_decided_over_its_incarnations_is_checked():
    """Replica 2 decided 1 and, restarted, 7: an irrevocability violation, and 7 is checked too
    (not an initial value; it also disagrees with the others)."""
    d = _decided([1, 1, 1])
    d[2].append(Decision(0, (7,), 3, False, 0.0))
    v = check_decisions(OTR, 3, 1, d, lambda p, i, lane: p)
    assert v.decided[0] == {0: (1,), 1: (1,), 2: (7,)}
    assert [s.split(":")[0] for s in v.violations] == [
        "instance 0", "agreement violated in instance 0", "validity violated in instance 0"]
    assert "(irrevocability)" in v.violations[0]


def test_check_decisions_needs_the_model():
    with pytest.raises(TypeError, match="model class"):
        check_decisions(3, 3, {}, lambda p, i, lane: p, 1)  # the signature before the model


# ---- hostile input ----------------------------------------------------------------------------

async def _hostile_run(instances, concurrent):  # noqa: C901
    n = 3
    socks = bind_sockets(n)
    addrs = [s.getsockname()[:2] for s in socks]
    sch = schema_of(LV, n)
    reps = [make_replica(LV, p, addrs, inputs=lambda i, lane, p=p: (p + i) % 3, until=instances,
                         config=RuntimeConfig(timeout=0.003, concurrent=concurrent))
            for p in range(n)]
    for rep, s in zip(reps, socks):
        await rep.start(s)
    evil = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rng = random.Random(3)
    good = encode_data(1, 0, 0, sch.rounds[0], [(1, -1)])
    sent = {"garbage": 0}
    try:
        target = addrs[0]
        for _ in range(40):
            evil.sendto(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 30))), target)
            sent["garbage"] += 1
            evil.sendto(good[:9], target)  # truncated
            evil.sendto(good + bytes(2000), target)  # oversized
            evil.sendto(bytes([VERSION + 3]) + good[1:], target)  # wrong version
            evil.sendto(HEADER.pack(VERSION, 1, 77, 0, 0, 1) + good[HEADER.size:], target)
            evil.sendto(HEADER.pack(VERSION, 1, 1, instances - 1, 0xFFFFFF00, 1)
                        + good[HEADER.size:], target)  # far-future round
            evil.sendto(encode_decided(1, 5, sch.decision, [[1]]), target)  # spoofed sender
            evil.sendto(good[:1] + b"\x09" + good[2:], target)  # unknown kind
            await asyncio.sleep(0.002)
        await asyncio.wait_for(asyncio.gather(*(r.done for r in reps)), DEADLINE)
    finally:
        evil.close()
        for r in reps:
            r.close()
        await asyncio.sleep(0)
    return reps, sent


@pytest.mark.parametrize("concurrent", [1, 3])
def test_hostile_packets_are_counted_and_dropped(concurrent):
    instances = 300
    reps, sent = asyncio.run(_hostile_run(instances, concurrent))
    st = reps[0].stats
    assert all(r.error is None for r in reps)
    assert st["size"] >= 80  # truncated, oversized
    assert st["version"] >= 40 and st["sender"] >= 40 and st["round"] >= 40
    assert st["source"] >= 40  # well-formed but not from replica 1's address
    assert st["kind"] >= 40
    bad = sum(st[k] for k in ("size", "version", "kind", "sender", "round", "source", "payload",
                              "lanes", "instance"))
    assert bad >= 40 * 7 + sent["garbage"] - 5  # random bytes rarely parse as anything valid
    res = {r.me: r.decisions for r in reps}
    verdict = check_decisions(LV, 3, instances, res, lambda p, i, lane: (p + i) % 3)
    assert verdict.ok and all({d.instance for d in r.decisions} == set(range(instances))
                              for r in reps)
    assert sum(reps[1].stats[k] for k in ("size", "version", "sender", "source")) == 0


# ---- lockstep correspondence ---------------------------------------------------------------------

@pytest.mark.parametrize("m,concurrent", [(OTR, 1), (LV, 1), (LV, 3)],
                         ids=["otr", "lastvoting", "lastvoting-concurrent3"])
def test_replaying_the_runtime_ho_sets_in_the_executor_gives_the_same_decisions(m, concurrent,
                                                                                tmp_path):
    n, instances = 5, 40
    res = cluster(m, n, instances, faults=NetFaults(drop=0.25, duplicate=0.1, reorder=0.2),
                  config=RuntimeConfig(record=True, timeout=0.003, seed=11,
                                       concurrent=concurrent), values=(0, 1, 2))
    assert_safe_and_complete(res)
    by_model = 0
    for i in range(instances):
        logs = {r.id: r.ho_log[i] for r in res.reports if i in r.ho_log}
        decs = {r.id: d for r in res.reports for d in r.decisions if d.instance == i}
        trace = replay(m, n, [res.inputs(p, i, 0) for p in range(n)], logs, tmp_path)
        assert mismatches(trace, decs) == [], (i, ho_script(n, logs))
        by_model += sum(not d.learned for d in decs.values())
        assert len(trace.rounds) == len(ho_script(n, logs))
    assert by_model >= instances  # every instance has at least one decision by the model
    # not all rounds were reliable: the replay really exercised partial HO sets
    full = (1 << n) - 1
    assert any(mask != full for r in res.reports for log in r.ho_log.values()
               for _, mask in log)



@pytest.mark.parametrize("batch", [1, 2], ids=["one-lane", "two-lanes"])
def test_replaying_a_randomized_model_with_its_recorded_choices(batch, tmp_path):
    """Ben-Or flips coins: the replay gives every process the values its own coin flips had in
    the runtime (per instance, round, lane and step) and reaches the same decisions.

    The runtime does not enforce Ben-Or's HO predicate (a majority heard in every round): a round
    ended by its timeout or by catching up may hear fewer, and then Ben-Or itself is not safe (an
    agreement or irrevocability violation, rare here). Such an instance is not a mismatch: the
    executor must find a violation there too."""
    n, instances = 4, 40
    # mixed inputs: coins are flipped in most instances
    res = cluster(BENOR, n, instances, faults=NetFaults(drop=0.25, duplicate=0.1, reorder=0.1),
                  config=RuntimeConfig(record=True, timeout=0.003, seed=5, batch=batch),
                  fixed=(0, 1, 1, 0))
    verdict = check_decisions(BENOR, n, instances, {r.id: r.decisions for r in res.reports},
                              res.inputs, batch)
    assert not res.errors() and not res.timed_out and verdict.undecided == []
    unsafe = {int(v.split("instance ")[1].split(":")[0]) for v in verdict.violations}
    flips = without = 0
    for i in range(instances):
        logs = {r.id: r.ho_log[i] for r in res.reports if i in r.ho_log}
        choices = {r.id: r.choice_log[i] for r in res.reports if i in r.choice_log}
        decs = {r.id: d for r in res.reports for d in r.decisions if d.instance == i}
        assert any(not d.learned for d in decs.values())
        inputs = [res.inputs(p, i, 0) for p in range(n)]
        last: dict[int, int] = {}
        violated = False
        for lane in range(batch):
            trace = replay(BENOR, n, inputs, logs, tmp_path, choices, lane=lane)
            flips += sum(len(v) for ch in choices.values() for k, v in ch.items()
                         if k[1] == lane)
            if trace.violation is not None:
                violated = True
                continue
            assert mismatches(trace, decs, lane) == [], (i, lane, ho_script(n, logs), choices)
            assert len(trace.rounds) == len(ho_script(n, logs))
            for p, r in decided_rounds(trace).items():
                last[p] = max(last.get(p, -1), r)
            # the choices matter: without them (every coin 0) the replay often goes elsewhere
            without += bool(mismatches(replay(BENOR, n, inputs, logs, tmp_path), decs, lane))
        if i in unsafe:  # what the runtime shows unsafe, the executor does too
            assert violated, (i, verdict.violations)
        if not violated:
            # the instance ended at a replica in the round its last lane decided
            for p, d in decs.items():
                if not d.learned:
                    assert last.get(p) == d.round, (i, p)
    assert len(unsafe) <= instances // 4
    assert flips >= instances * batch
    assert without >= 1


def test_specialised_payload_decoders_agree_with_the_general_one():
    from hoverify.runtime.wire import Layout

    rng = random.Random(9)
    layouts = [Layout(k, o, t, 5) for k, o, t in [
        (("int",), (False,), False), (("int",), (True,), False), (("bool",), (False,), False),
        (("bool",), (True,), False), (("proc",), (False,), False), (("proc",), (True,), False),
        (("int", "int"), (False, False), True), (("int", "bool"), (False, True), True),
        (("int", "int", "int"), (False, False, False), True), ((), (), False)]]
    for lay in layouts:
        for i in range(3000):
            buf = bytes(rng.choice((0, 1, 2, 255)) if i % 2 else rng.getrandbits(8)
                        for _ in range(lay.size + 2))

            def outcome(dec, buf=buf):
                try:
                    v = dec(buf, 1)
                    return ("ok", v, type(v), tuple(map(type, v)) if type(v) is tuple else ())
                except Invalid as e:
                    return ("invalid", e.reason)

            assert outcome(lay.decode) == outcome(lay._decode), (lay, buf)


@pytest.mark.parametrize("kinds, optional, is_tuple", [
    (("int",), (False,), False), (("int",), (True,), False), (("bool",), (False,), False),
    (("bool",), (True,), False), (("proc",), (False,), False),
    (("int", "int"), (False, False), True), (("int", "bool"), (False, True), True),
    (("int", "int", "int"), (False,) * 3, True), ((), (), False)])
def test_the_fast_encoding_path_agrees_with_the_checking_one(kinds, optional, is_tuple):
    """Every layout's (possibly specialised) encoder gives the checking encoder's bytes, or its
    error, for valid and invalid payloads alike (ints that hash like bools, out-of-range ints,
    None where a field is not optional, wrong types)."""
    from hoverify.dsl import Exact
    from hoverify.runtime.wire import Layout

    rng = random.Random(4)
    lay = Layout(kinds, optional, is_tuple, 3)
    pool = [0, 1, 2, -1, True, False, None, 1 << 63, (1 << 63) - 1, -(1 << 63), -(1 << 63) - 1,
            Exact(5), Exact(1), Exact(0), Exact(-(1 << 63)), "x", 2.0, 1.0, ()]
    for _ in range(2000):
        k = rng.choice((1, 2, 2, 2, 3))
        pl = tuple(rng.choice(pool) for _ in range(k)) if rng.random() < 0.5 else rng.choice(pool)

        def outcome(enc, pl=pl):
            try:
                return enc(pl)
            except EncodeError as e:
                return str(e)

        assert outcome(lay.encode) == outcome(lay._encode), (lay, pl)


def test_round_timeouts_of_different_lengths_each_fire_on_time():
    """A long round followed by short ones: the short rounds still end on their own timeouts
    (the round timer is shared between rounds and moved when a round needs it earlier)."""
    policy = {"Collect": RoundPolicy(0.2), "Propose": RoundPolicy(0.002),
              "Ack": RoundPolicy(0.002), "Decide": RoundPolicy(0.002)}

    async def go():
        socks = bind_sockets(3)
        addrs = [s.getsockname()[:2] for s in socks]
        # replica 2 is down: every round ends on its timeout
        socks[2].close()
        reps = [Replica(LV, p, addrs, inputs=lambda i, lane: 1, until=3,
                        config=RuntimeConfig(rounds=policy)) for p in range(2)]
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for rep, s in zip(reps, socks):
            await rep.start(s)
        try:
            await asyncio.wait_for(asyncio.gather(*(r.done for r in reps)), DEADLINE)
        finally:
            for r in reps:
                r.close()
            await asyncio.sleep(0)
        return reps, loop.time() - t0

    reps, took = asyncio.run(go())
    assert all(r.error is None and len(r.decisions) == 3 for r in reps)
    # per instance about one long round (0.2 s) and three short ones: far below 4 x 0.2 s
    rounds = sum(d.round + 1 for d in reps[0].decisions)
    assert took < 0.2 * rounds / 4 + 0.5, (took, rounds)


def test_a_learned_decision_keeps_the_lanes_the_replica_decided_itself(tmp_path):
    """Two lanes: lane 0 decides at once through the model, lane 1 never does; a peer's DECIDED
    packet then ends the instance. Lane 0 keeps the replica's own decision (irrevocable: a
    different one from the peer is an agreement violation to report, not to paper over)."""
    from conftest import model as load

    f = tmp_path / "ifone.py"
    f.write_text(one_round_model("IfOne", "if p.x == 1:\n    p.decide(p.x)",
                                 ("agreement", "validity")))
    m = load(str(f))
    sch = schema_of(m, 3)

    async def go():
        socks = bind_sockets(3)
        addrs = [s.getsockname()[:2] for s in socks]
        peer1 = socks[1]
        socks[2].close()
        rep = Replica(m, 0, addrs, inputs=lambda i, lane: 1 - lane, until=1,
                      config=RuntimeConfig(batch=2, timeout=0.02))
        try:
            await rep.start(socks[0])
            await asyncio.sleep(0.1)  # a few rounds on timeouts: lane 0 decided 1 in round 0
            assert not rep.decisions and rep.rows[0][rep.decided_at]
            peer1.sendto(encode_decided(1, 0, sch.decision, [[0, 0]]), addrs[0])
            await asyncio.wait_for(rep.done, DEADLINE)
        finally:
            rep.close()
            peer1.close()
            await asyncio.sleep(0)
        return rep

    rep = asyncio.run(go())
    assert rep.error is None and rep.stats["learned"] == 1
    [dec] = rep.decisions
    assert dec.learned and dec.values == (1, 0)
    verdict = check_decisions(m, 3, 1,
                              {0: rep.decisions, 1: [Decision(0, (0, 0), 0, False, 0.0)]},
                              lambda p, i, lane: 1 - lane, lanes=2)
    assert any("agreement violated in instance 0" in v for v in verdict.violations)
