"""The CLI command modules: output and exit codes (0 ok, 1 violation, 3 bad input)."""

from __future__ import annotations

import argparse

import pytest
from conftest import BROKEN, MODELS

from hoverify.commands import explore, simulate


def _run(mod, argv):
    p = argparse.ArgumentParser()
    mod.add_arguments(p)
    return mod.run(p.parse_args(argv))


def test_simulate_ok(capsys):
    rc = _run(simulate, [str(MODELS / "otr.py"), "-n", "5", "--rounds", "4",
                         "--adversary", "omit:0.2", "--seed", "3"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "OneThirdRule" in out and "r0" in out and "|HO|" in out and "no violation" in out


def test_simulate_violation_exit_1(capsys):
    rc = _run(simulate, [str(BROKEN / "otr_half.py"), "-n", "3", "--rounds", "3",
                         "--inputs", "0,1,1", "--adversary", "script:" + str(_script()),
                         "--states"])
    out = capsys.readouterr().out
    assert rc == 1 and "VIOLATION" in out


def _script():
    import json
    import tempfile
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump([[[0, 1, 2], [0, 2], [0, 2]], [[0, 1, 2]] * 3], f)
    f.close()
    return f.name


@pytest.mark.parametrize("argv", [
    ["nonexistent.py", "-n", "3"],
    [str(MODELS / "otr.py"), "-n", "0"],
    [str(MODELS / "otr.py"), "-n", "3", "--adversary", "bogus"],
    [str(MODELS / "otr.py"), "-n", "3", "--inputs", "1,2"],
    [str(MODELS / "otr.py"), "-n", "3", "--adversary", "value:1"],
    [str(MODELS / "benor.py"), "-n", "4", "--adversary", "crash:2,rounds=0"],
])
def test_simulate_input_errors_exit_3(capsys, argv):
    assert _run(simulate, argv) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_simulate_broken_model_file_exit_3(tmp_path, capsys):
    f = tmp_path / "bad.py"
    f.write_text("from hoverify import Algorithm\nclass M(Algorithm):\n    while True: pass\n"
                 "    x = (\n")
    assert _run(simulate, [str(f), "-n", "3"]) == 3
    assert f"{f}:4" in capsys.readouterr().err


def test_explore_violation_and_none(capsys):
    rc = _run(explore, [str(BROKEN / "otr_half.py"), "-n", "3", "--rounds", "3",
                        "--property", "agreement"])
    out = capsys.readouterr().out
    assert rc == 1 and "agreement violated" in out and "HO: " in out
    rc = _run(explore, [str(MODELS / "otr.py"), "-n", "3", "--rounds", "2"])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("no violation up to 2 rounds (") and "states explored" in out


def test_explore_input_errors(capsys):
    assert _run(explore, [str(MODELS / "otr.py"), "-n", "20"]) == 3
    assert _run(explore, [str(MODELS / "otr.py"), "-n", "3", "--property", "nope"]) == 3
    assert _run(explore, [str(MODELS / "otr.py"), "-n", "3", "--values", "a,b"]) == 3
    assert _run(explore, [str(MODELS / "otr.py"), "-n", "2", "--max-states", "0"]) == 3


def test_explore_stopped_by_max_states_is_not_ok(capsys):
    """A search cut short is no claim about the states it did not reach: exit 2, as unknown
    verdicts are (it used to exit 0, the code of a complete search)."""
    rc = _run(explore, [str(MODELS / "otr.py"), "-n", "3", "--rounds", "3", "--max-states", "50"])
    out = capsys.readouterr().out
    assert rc == 2 and out.startswith("no violation found in 50 states") and "unexplored" in out


@pytest.mark.parametrize("argv", [
    ["check", "--no-cache", "--json", "tests/engine_models/flood_max.py"],
    ["simulate", "models/otr.py", "-n", "3", "--rounds", "3"],
])
def test_a_closed_output_pipe_is_an_error_without_a_traceback(argv):
    """``hoverify ... | head``: the reader goes away before the report is written."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "hoverify.cli", *argv], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # nobody reads: the first write fails
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 3
    assert "Traceback" not in err and "Exception ignored" not in err
    assert "broken pipe" in err
