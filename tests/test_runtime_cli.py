"""``hoverify run`` and ``hoverify replica``: exit codes, output, the multi-process path."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import MODELS, ROOT, one_round_model, open_sockets

from hoverify.commands import replica as replica_cmd
from hoverify.commands import run as run_cmd


def _run(mod, argv):
    p = argparse.ArgumentParser()
    mod.add_arguments(p)
    return mod.run(p.parse_args(argv))


def test_run_inprocess_ok(capsys):
    rc = _run(run_cmd, [str(MODELS / "otr.py"), "-n", "5", "--instances", "20", "--inprocess",
                        "--drop", "0.1", "--duplicate", "0.1", "--timeout", "3"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "instance 19: decided" in out and "20/20 instances decided" in out


def test_run_inprocess_with_a_crash(capsys):
    rc = _run(run_cmd, [str(MODELS / "lastvoting.py"), "-n", "3", "--instances", "10",
                        "--inprocess", "--crash", "1", "--timeout", "3"])
    out = capsys.readouterr().out
    assert rc == 0 and "crash=p2" in out and "p2" not in out.split("faults:")[1].split("\n", 1)[1]


def test_run_violation_exits_1(tmp_path, capsys):
    f = tmp_path / "selfish.py"
    f.write_text(one_round_model("Selfish", "p.decide(p.x)", ("agreement", "validity")))
    rc = _run(run_cmd, [str(f), "-n", "3", "--values", "0,1,2", "--inprocess"])
    out = capsys.readouterr().out
    assert rc == 1 and "VIOLATION: agreement violated in instance 0" in out


def test_run_checks_validity_over_init_x(capsys):
    """Ben-Or's ``init`` maps the input 5 to ``x = 1``: every replica decides 1, which is valid
    (``init(x)``), though no replica's input is 1."""
    rc = _run(run_cmd, [str(MODELS / "benor.py"), "-n", "3", "--values", "5", "--instances", "3",
                        "--inprocess", "--timeout", "3"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "instance 2: decided 1 by" in out and "VIOLATION" not in out
    assert "3/3 instances decided; agreement and validity hold" in out


def test_run_two_phase_commit_checks_commit_validity(capsys):
    rc = _run(run_cmd, [str(MODELS / "twophasecommit.py"), "-n", "3", "--values",
                        "true,false,true", "--instances", "3", "--inprocess", "--timeout", "3"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "instance 0: decided F by" in out  # p1 voted no: abort
    assert "3/3 instances decided; agreement and commit_validity hold" in out


BARE = one_round_model("Bare", "p.decide(p.x + 100)")


@pytest.mark.parametrize("values,rc,last", [
    ("4", 0, "1/1 instances decided; agreement holds"),  # 104 is nobody's input: not checked
    ("0,1,2", 1, "VIOLATION: agreement violated in instance 0: p0 decided 100, p1 decided 101"),
])
def test_run_a_model_without_properties_says_only_agreement_is_checked(tmp_path, capsys, values,
                                                                       rc, last):
    f = tmp_path / "bare.py"
    f.write_text(BARE)
    code = _run(run_cmd, [str(f), "-n", "3", "--values", values, "--inprocess"])
    out = capsys.readouterr().out
    assert code == rc, out
    assert ("note: Bare declares no properties: only agreement across replicas is checked"
            in out)
    assert out.rstrip().splitlines()[-1] == last


@pytest.mark.parametrize("values,violated", [("0,1,2", True), ("4", False)])
def test_run_says_when_a_violation_may_lie_outside_the_ho_predicate(tmp_path, capsys, values,
                                                                    violated):
    """The runtime does not enforce a model's HO predicate (rounds end on a timeout): a violation
    comes with a note saying the proof assumed it; a run without violation gets no such note."""
    f = tmp_path / "nosplit.py"
    f.write_text(one_round_model("Bare", "p.decide(p.x + 100)", ("agreement",),
                                 extra="    ho_predicate = NoSplit()\n")
                 .replace("from hoverify import", "from hoverify import NoSplit,"))
    code = _run(run_cmd, [str(f), "-n", "3", "--values", values, "--inprocess"])
    out = capsys.readouterr().out
    assert code == (1 if violated else 0), out
    note = ("note: Bare's safety is proved under its HO predicate (forall p, q. exists k. k in "
            "HO(p) and k in HO(q)); the runtime ends a round on a timeout and does not enforce it")
    assert (note in out) is violated


def test_which_models_assume_more_of_the_network_than_the_runtime_gives():
    from hoverify.loader import load_model
    from hoverify.runtime.checks import unenforced_assumption

    notes = {m: unenforced_assumption(load_model(MODELS / f"{m}.py"))
             for m in ("otr", "lastvoting", "ate", "twophasecommit", "floodmin", "uniformvoting",
                       "benor")}
    assert {m for m, note in notes.items() if note is None} == {
        "otr", "lastvoting", "ate", "twophasecommit"}
    assert "crash-stop fault model (|C| <= 1 and forall p, q." in str(notes["floodmin"])
    assert "HO predicate (forall p. |HO(p)| > n/2)" in str(notes["benor"])


def test_run_nobody_decides_exits_2(capsys):
    # OTR needs more than 2n/3 messages: with 2 of 3 replicas crashed nobody can decide
    rc = _run(run_cmd, [str(MODELS / "otr.py"), "-n", "3", "--crash", "2", "--inprocess",
                        "--deadline", "0.5", "--timeout", "5"])
    out = capsys.readouterr().out
    assert rc == 2 and "instance 0: undecided" in out and "0/1 instances decided" in out


@pytest.mark.parametrize("argv", [
    ["nonexistent.py", "-n", "3"],
    [str(MODELS / "otr.py"), "-n", "0"],
    [str(MODELS / "otr.py"), "-n", "3", "--drop", "1.5"],
    [str(MODELS / "otr.py"), "-n", "3", "--delay", "-1"],
    [str(MODELS / "otr.py"), "-n", "3", "--values", "a,b"],
    [str(MODELS / "otr.py"), "-n", "3", "--crash", "4"],
    [str(MODELS / "otr.py"), "-n", "3", "--instances", "0"],
    [str(MODELS / "otr.py"), "-n", "3", "--batch", "0"],
    [str(MODELS / "otr.py"), "-n", "3", "--concurrent", "0"],
    [str(MODELS / "otr.py"), "-n", "3", "--concurrent", "5000"],
    [str(MODELS / "otr.py"), "-n", "3", "--timeout", "0"],
    [str(MODELS / "otr.py"), "-n", "3", "--deadline", "nan"],
    [str(MODELS / "otr.py"), "-n", "3", "--restart-at", "1"],  # nothing crashes
    [str(MODELS / "otr.py"), "-n", "3", "--crash", "1", "--crash-at", "2", "--restart-at", "1"],
    [str(MODELS / "otr.py"), "-n", "3", "--crash", "1", "--crash-at", "1", "--restart-at", "1"],
    [str(MODELS / "otr.py"), "-n", "3", "--crash", "1", "--restart-at", "nan"],
    [str(MODELS / "otr.py"), "-n", "3", "--crash", "1", "--restart-at", "-1"],
])
def test_run_input_errors_exit_3(capsys, argv):
    assert _run(run_cmd, argv) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_run_values_of_the_wrong_type_exit_3(capsys):
    rc = _run(run_cmd, [str(MODELS / "otr.py"), "-n", "3", "--values", "true,false,true",
                        "--inprocess", "--deadline", "5"])
    err = capsys.readouterr().err
    assert rc == 3 and "error: replica" in err and "Traceback" not in err


def test_replica_input_errors_exit_3(tmp_path, capsys):
    peers = tmp_path / "peers.txt"
    peers.write_text("127.0.0.1:1\nnot an address\n")
    assert _run(replica_cmd, ["--id", "0", "--peers", str(peers), str(MODELS / "otr.py")]) == 3
    assert ":2: expected host:port" in capsys.readouterr().err
    peers.write_text("127.0.0.1:40001\n127.0.0.1:40002\n")
    assert _run(replica_cmd, ["--id", "5", "--peers", str(peers), str(MODELS / "otr.py")]) == 3
    assert _run(replica_cmd, ["--id", "0", "--peers", str(tmp_path / "none"),
                              str(MODELS / "otr.py")]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "cannot read the peers file" in err


@pytest.mark.parametrize("concurrent", ["1", "4"])
def test_run_with_one_os_process_per_replica(concurrent):
    """The default path: ``hoverify run`` starts ``hoverify replica`` processes (with
    ``--concurrent 4``: four instances in progress at once in each)."""
    cmd = [sys.executable, "-m", "hoverify.cli", "run", str(MODELS / "lastvoting.py"), "-n", "3",
           "--instances", "30", "--drop", "0.05", "--timeout", "4", "--deadline", "60",
           "--concurrent", concurrent]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "replicas: processes" in proc.stdout
    assert ("concurrent=4" in proc.stdout) == (concurrent == "4")
    assert "30/30 instances decided; agreement and validity hold" in proc.stdout
    for i in range(30):
        assert f"instance {i}: decided " in proc.stdout
    assert "Traceback" not in proc.stderr


# ---- restart ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode,crash_at,restart_at,instances", [
    pytest.param(["--inprocess"], "0.4", "0.9", "40", id="inprocess"),
    # the children need a second or two to load the model: crash and restart later
    pytest.param([], "1.5", "2.5", "120", id="processes"),
])
def test_run_restarted_replica_decides_later_instances(capsys, mode, crash_at, restart_at,
                                                       instances):
    # 10 ms per packet: about 25 instances a second with everyone up, 8 with p2 down, so the
    # others are still running when p2 comes back and it decides the instances after that
    before = open_sockets()
    t0 = time.monotonic()
    rc = _run(run_cmd, [str(MODELS / "lastvoting.py"), "-n", "3", "--instances", instances,
                        "--crash", "1", "--crash-at", crash_at, "--restart-at", restart_at,
                        "--delay", "10", "--deadline", "40", *mode])
    elapsed = time.monotonic() - t0
    cap = capsys.readouterr()
    out = cap.out
    assert rc == 0, out + cap.err
    assert f"{instances}/{instances} instances decided; agreement and validity hold" in out
    assert "VIOLATION" not in out and "Traceback" not in cap.err
    assert f"crash=p2@{crash_at}s restart@{restart_at}s" in out
    m = re.search(r"p2 restarted at \S+ s, decided (\d+) instance\(s\) after rejoining, from "
                  r"instance (\d+) on", out)
    assert m, out
    count, first = int(m.group(1)), int(m.group(2))
    assert count >= 1 and first + count <= int(instances)
    if mode:  # in-process the others decided ~10 instances before the crash (processes: the
        # children's start-up time varies too much to say)
        assert first > 0
    # p2 decided an instance after its restart (its lines in the per-instance output)
    assert re.search(rf"instance {int(instances) - 1}: decided .*p2", out), out
    assert elapsed < 60
    if os.path.isdir("/proc/self/fd"):
        assert open_sockets() <= before


def test_run_restart_after_the_run_is_over(capsys):
    rc = _run(run_cmd, [str(MODELS / "otr.py"), "-n", "4", "--instances", "3", "--crash", "1",
                        "--crash-at", "0.01", "--restart-at", "5", "--timeout", "3",
                        "--inprocess"])
    out = capsys.readouterr().out
    assert rc == 0 and "3/3 instances decided" in out
    assert "p3 not restarted: the run was over at 5 s" in out


def test_replica_stops_on_sigterm_and_prints_its_summary(tmp_path):
    """``hoverify run`` stops a restarted replica that outlived the others with SIGTERM."""
    import json
    import signal
    import socket

    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        peers = tmp_path / "peers.txt"
        peers.write_text("".join(f"127.0.0.1:{s.getsockname()[1]}\n" for s in socks))
    finally:
        for s in socks:
            s.close()
    cmd = [sys.executable, "-m", "hoverify.cli", "replica", "--id", "0", "--peers", str(peers),
           "--json", "--join", "--instances", "5", "--deadline", "30", str(MODELS / "otr.py")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        time.sleep(2.0)  # loaded, joining, hearing nobody
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2, err
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["replica"] == 0 and summary["decided"] == 0 and not summary["finished"]
