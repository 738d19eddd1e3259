"""The proof engine through ``hoverify check`` and ``hoverify.check``: golden reports, exit codes,
JUnit, SMT-LIB, baselines, the cache, backends, ``--only`` and ``--jobs``.

Test-only models (``tests/engine_models/``): ``flood_max.py`` (every VC proved) and
``ping_wrong.py`` (an invariant false initially and a property it does not imply: two confirmed
counterexamples with n = 1, so the golden output does not depend on the solver's choices).

Every test runs with ``HOVERIFY_CACHE_DIR`` in a temporary folder: the user's cache is never read
or written. The assertions hold whatever the decision procedure proves on hard VCs: an unknown is
forced with a timeout of 0.01 s, never expected from a real timeout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import hoverify
from hoverify.cli import main
from hoverify.engine.results import Status

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
PROVED = "tests/engine_models/flood_max.py"     # relative to ROOT (tests chdir there)
REFUTED = "tests/engine_models/ping_wrong.py"
HARD = "models/uniformvoting.py"
HARD_VC = "invariant[1] Vote"                    # its slowest VC (about 1 s with a real timeout)
TINY = "0.01"                                    # a timeout no VC of HARD is decided in


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache and ROOT as the working directory (stable relative paths in reports)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(cache))
    monkeypatch.chdir(ROOT)
    return cache


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code, out, _ = _run([*args, "--json"], capsys)
    doc = json.loads(out)
    assert doc["schema"] == "hoverify-check" and doc["version"] == 1
    assert doc["exit_code"] == code
    return code, doc


def _vcs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [vc for m in doc["models"] for vc in m["vcs"]]


def _verdicts(doc: dict[str, Any]) -> dict[str, str]:
    return {vc["name"]: vc["status"] for vc in _vcs(doc)}


def _cache_entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.json")) if cache.exists() else []


# ---- golden reports ------------------------------------------------------------------------------
def _mask_text(text: str) -> str:
    """Times masked in place: the columns keep their widths (the padding is part of the golden)."""
    text = text.replace(str(ROOT) + os.sep, "")
    text = re.sub(r"\(\d+\.\d+ s\)", "(<T> s)", text)
    return re.sub(r" *\d+\.\d+s\b", lambda m: "<T>s".rjust(len(m.group())), text)


def _mask_json(doc: Any) -> Any:
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if k == "seconds":
                assert isinstance(v, (int, float)) and v >= 0
                out[k] = "<T>"
            elif k == "key":
                assert re.fullmatch(r"[0-9a-f]{64}", v), v
                out[k] = "<sha256>"
            elif k == "reduction":  # its size and attempt are the decision procedure's business
                from logic.decide import Attempt

                sizes = [v[x] for x in ("set_atoms", "regions", "instances") if x in v]
                assert all(isinstance(x, int) and x >= 0 for x in sizes), v
                assert "attempt" not in v or Attempt.from_label(v["attempt"]), v
                out[k] = sorted(v)
            else:
                out[k] = _mask_json(v)
        return out
    if isinstance(doc, list):
        return [_mask_json(x) for x in doc]
    if isinstance(doc, str):
        return doc.replace(str(ROOT) + os.sep, "")
    return doc


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if not path.exists():  # pragma: no cover - written once, then reviewed and committed
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("model, code, golden", [
    (PROVED, 0, "check_proved"),
    (REFUTED, 1, "check_model_refuted"),
])
def test_golden_text(model: str, code: int, golden: str,
                     capsys: pytest.CaptureFixture[str]) -> None:
    got, out, err = _run(["--no-cache", model], capsys)
    assert got == code, out + err
    _golden(f"{golden}.txt", _mask_text(out))


def test_golden_text_of_two_models_checked_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    """Two jobs check both models' VCs at the same time (one pool); the output is each model's
    section in turn, in the order given, as if they were checked one after the other."""
    got, out, err = _run(["--no-cache", "--jobs", "2", REFUTED, PROVED], capsys)
    assert got == 1, out + err
    _golden("check_two_models.txt", _mask_text(out))


def test_a_model_that_does_not_compile_stops_the_check_after_the_models_before_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Models are compiled in turn, while the VCs of the one before are checked: the models
    before a malformed one are checked and printed in full, then its located error, exit code 3,
    and nothing of the models after it."""
    bad = "tests/malformed_models/syntax_error.py"
    code, out, err = _run(["--no-cache", "--jobs", "2", PROVED, bad, REFUTED], capsys)
    assert code == 3
    assert out.startswith(f"{PROVED}: FloodMax (5 VCs)\n")
    assert len([line for line in out.splitlines() if line.startswith("  proved")]) == 5
    assert REFUTED not in out and "VCs:" not in out  # no summary: the input is in error
    assert err.startswith(f"error: {bad}:") and err.count("\n") == 1


def test_every_vc_of_the_report_is_printed_even_if_its_progress_never_came(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI prints VC lines in VC order as results come; at the end it prints, from the
    report, every line still owed (a result that never reached the progress callback must not
    take its line, and those after it, with it)."""
    import io

    from hoverify.commands.check import _Stream

    report = hoverify.check(PROVED, cache=False)
    names = [r.name for r in report.results]
    assert len(names) >= 3
    whole, partial = io.StringIO(), io.StringIO()
    for out, given in ((whole, report.results), (partial, report.results[2:])):
        stream = _Stream(out, None, PROVED, report.model, False)
        stream.start(names)
        for r in given:
            stream.result(r)
        if out is partial:
            assert names[2] not in out.getvalue()  # held back behind the missing first two
        stream.finish(report.results)
    assert partial.getvalue() == whole.getvalue()
    lines = whole.getvalue().splitlines()
    assert [n for n in names if any(n in ln for ln in lines)] == names


@pytest.mark.parametrize("model, code, golden", [
    (PROVED, 0, "check_proved"),
    (REFUTED, 1, "check_model_refuted"),
])
def test_golden_json(model: str, code: int, golden: str,
                     capsys: pytest.CaptureFixture[str]) -> None:
    got, doc = _json(["--no-cache", model], capsys)
    assert got == code
    for vc in _vcs(doc):
        if vc["status"] == "refuted":
            assert vc["counterexample"]["confirmed"] is True
        else:
            assert vc["counterexample"] is None
    _golden(f"{golden}.json", json.dumps(_mask_json(doc), indent=2) + "\n")


# ---- exit codes ---------------------------------------------------------------------------------
def _subprocess(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOVERIFY_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "hoverify.cli", "check", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_exit_codes_of_the_command(_isolated: Path) -> None:
    """The real command, in its own process: 0, 1, 2, 3, and never a traceback."""
    for args, code in [
        ([PROVED], 0),
        ([REFUTED], 1),
        (["--timeout", TINY, "--no-search", "--only", HARD_VC, HARD], 2),
        (["no/such/model.py"], 3),
        (["tests/malformed_models/syntax_error.py"], 3),
        (["--jobs", "0", PROVED], 3),
    ]:
        proc = _subprocess(*args, cache=_isolated)
        assert proc.returncode == code, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stdout + proc.stderr, args
        if code == 3:
            assert proc.stderr.startswith("error: ") and proc.stdout == ""


def test_unknown_is_exit_2_never_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--timeout", TINY, "--only", HARD_VC, HARD], capsys)
    assert code == 2
    assert re.search(rf"UNKNOWN +{re.escape(HARD_VC)} ", out)
    assert "reason: " in out and "1 VCs: 0 proved, 0 refuted, 1 unknown" in out
    code, doc = _json(["--timeout", TINY, "--no-search", "--only", HARD_VC, HARD], capsys)
    assert code == 2 and _verdicts(doc) == {HARD_VC: "unknown"}
    assert doc["summary"]["unknown"] == 1 and doc["models"][0]["status"] == "unknown"


def test_no_search_skips_the_bounded_search_and_nothing_else(
        capsys: pytest.CaptureFixture[str]) -> None:
    """OTR with n/2 thresholds: its agreement invariant is not decided in TINY, and the bounded
    search finds a reachable violation (exit 1). ``--no-search`` leaves the VC's verdict as it
    is and adds no search result (exit 2)."""
    args = ["--no-cache", "--timeout", TINY, "--only", "invariant[0] Exchange",
            "tests/broken_models/otr_half.py"]
    code, doc = _json(args, capsys)
    assert code == 1 and "(bounded search)" in " ".join(_verdicts(doc)), doc
    code, doc = _json(["--no-search", *args], capsys)
    assert code == 2 and _verdicts(doc) == {"invariant[0] Exchange": "unknown"}, doc


def test_a_refutation_wins_over_an_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(["--no-cache", REFUTED, "--only", "quiet"], capsys)
    assert code == 1 and _verdicts(doc) == {"quiet": "refuted"}


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "malformed_models").glob("*.py")),
                         ids=lambda p: p.stem)
def test_malformed_model_is_an_input_error(path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["--no-cache", str(path.relative_to(ROOT))], capsys)
    assert code == 3
    assert out == ""
    assert err.startswith("error: ") and path.name in err


@pytest.mark.parametrize("args", [
    ["no/such/model.py"],
    ["--jobs", "0", PROVED],
    ["--timeout", "0", PROVED],
    [PROVED, "no/such/model.py"],
])
def test_input_errors_exit_3(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(args, capsys)
    assert code == 3 and err.startswith("error: ")


def test_outputs_that_cannot_be_written_are_refused_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A report path in no folder, a folder given for a file or a file for a folder: exit 3
    before any VC is checked (they used to end in a traceback after the run, with exit 1, the
    code of a refutation)."""
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for args, says in [(["--junit", str(tmp_path / "no" / "x.xml")], "no folder"),
                       (["--junit", str(tmp_path)], "is a folder"),
                       (["--smtlib", str(a_file / "sub")], "is a file; expected a folder"),
                       (["--record", str(a_file)], "is a file; expected a folder")]:
        code, out, err = _run(["--no-cache", *args, PROVED], capsys)
        assert (code, out) == (3, ""), args
        assert err.startswith("error: ") and says in err, err


def test_an_output_the_file_system_refuses_is_an_error_after_the_verdicts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import hoverify.engine.baseline as baseline

    def full(root: Path, report: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(root / "flood_max.json"))

    monkeypatch.setattr(baseline, "record", full)
    code, out, err = _run(["--no-cache", "--record", str(tmp_path), PROVED], capsys)
    assert code == 3 and "proved" in out
    assert err.startswith(f"error: cannot write {tmp_path / 'flood_max.json'}: No space left")

    def nameless(root: Path, report: object) -> Path:  # a failed write names no file
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(baseline, "record", nameless)
    code, out, err = _run(["--no-cache", "--record", str(tmp_path), PROVED], capsys)
    assert code == 3
    assert err.startswith("error: cannot write the files asked for: Input/output error")


def test_a_cache_that_cannot_be_written_is_said_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The verdicts are the same without the cache; the CLI says once that nothing is cached
    (it used to say nothing)."""
    a_file = tmp_path / "not_a_folder"
    a_file.write_text("")
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(a_file))
    code, out, err = _run([PROVED, REFUTED], capsys)
    assert code == 1
    assert err.count("warning: the result cache at") == 1 and "--no-cache" in err


# ---- JUnit, SMT-LIB -----------------------------------------------------------------------------
def test_junit_has_a_test_case_per_vc(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "report.xml"
    code, doc = _json(["--no-cache", "--junit", str(junit), PROVED, REFUTED], capsys)
    assert code == 1
    cases = _junit_cases(junit)
    assert [(m, n) for m, n, _ in cases] == [(m["file"], vc["name"]) for m in doc["models"]
                                             for vc in m["vcs"]]
    expected = {"proved": None, "refuted": "failure", "unknown": "error", "error": "error"}
    assert [tag for _, _, tag in cases] == [expected[vc["status"]] for vc in _vcs(doc)]
    assert "failure" in [tag for _, _, tag in cases]

    junit2 = tmp_path / "unknown.xml"
    code, doc = _json(["--timeout", TINY, "--no-search", "--only", HARD_VC, "--junit",
                       str(junit2), HARD],
                      capsys)
    assert code == 2
    assert [tag for _, _, tag in _junit_cases(junit2)] == ["error"]


def _junit_cases(path: Path) -> list[tuple[str, str, str | None]]:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    out = []
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(c.find("failure") is not None
                                                       for c in cases)
        assert int(suite.get("errors", "-1")) == sum(c.find("error") is not None for c in cases)
        for c in cases:
            children = [x.tag for x in c]
            assert len(children) <= 1
            out.append((c.get("classname", ""), c.get("name", ""),
                        children[0] if children else None))
    return out


def test_smtlib_files_are_accepted_by_z3(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Each VC's script is the reduction that decided it: Uniform Voting's VCs are proved by
    several attempts (membership triggers, anchors, slices), and a script of another attempt can
    be sat for a proved VC (it was, for two of them, before the attempt was read in full)."""
    z3 = pytest.importorskip("z3")
    out_dir = tmp_path / "smt"
    code, doc = _json(["--no-cache", "--smtlib", str(out_dir), PROVED, REFUTED,
                       "models/uniformvoting.py"], capsys)
    assert code == 1
    for m in doc["models"]:
        folder = out_dir / Path(m["file"]).stem
        files = sorted(folder.glob("*.smt2"))
        assert len(files) == len(m["vcs"])
        for vc in m["vcs"]:
            path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", vc["name"]).strip("_") + ".smt2")
            assert path in files, (path, files)
            solver = z3.Solver()
            solver.add(z3.parse_smt2_file(str(path)))
            answer = solver.check()
            # the reduction over-approximates the VC's negation: unsat proves it; a refuted VC
            # was refuted through a model of this very reduction
            if vc["status"] == "proved":
                assert answer == z3.unsat, path.name
            elif vc["status"] == "refuted":
                assert answer == z3.sat, path.name


def test_the_smtlib_file_of_a_vc_proved_before_the_triggered_rounds_is_that_reduction(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """LastVoting's invariant 0 over Collect is proved by its reduction before the deeper values
    and the triggered rounds (logic.decide): the JSON says so, and its script is that reduction
    (1,763 instances, not the 2,811 before the triggered rounds nor the 7,417 of the whole one),
    unsat."""
    z3 = pytest.importorskip("z3")
    from hoverify.engine.vcgen import generate
    from hoverify.loader import load_and_compile
    from logic.decide import Attempt
    from logic.reduce import reduce_formula

    out_dir = tmp_path / "smt"
    name = "invariant[0] Collect"
    code, doc = _json(["--no-cache", "--no-search", "--only", name, "--smtlib", str(out_dir),
                       "models/lastvoting.py"], capsys)
    assert code == 0
    (vc_doc,) = _vcs(doc)
    reduction = vc_doc["reduction"]
    assert reduction["before_triggered_rounds"] is True and "slice" not in reduction
    assert reduction["before_deeper_values"] is True
    _, cm = load_and_compile("models/lastvoting.py")
    (vc,) = [v for v in generate(cm) if v.name == name]
    at = Attempt.from_label(reduction["attempt"])

    def rebuilt(staged: bool) -> Any:
        return reduce_formula(vc.negation, depth=at.depth, triggers=at.triggers,
                              witness_terms=at.witness_terms, anchored=at.anchored,
                              member_triggers=at.member_triggers, staged=staged)

    early, whole = rebuilt(True), rebuilt(False)
    assert early.reducer.pending_deep_values
    assert reduction["instances"] == len(early.instances) < len(rebuilt(True).reducer.extend(
        ).instances) < len(whole.instances)
    text = (out_dir / "lastvoting" / "invariant_0_Collect.smt2").read_text(encoding="utf-8")
    assert text == early.smtlib() != whole.smtlib()
    solver = z3.Solver()
    solver.add(z3.parse_smt2_string(text))
    assert solver.check() == z3.unsat


# ---- baselines ----------------------------------------------------------------------------------
def test_record_then_baseline_round_trip(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    proofs = tmp_path / "proofs"
    code, _, _ = _run(["--no-cache", "--record", str(proofs), PROVED], capsys)
    assert code == 0
    doc = json.loads((proofs / "flood_max.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "hoverify-baseline" and doc["model"] == "FloodMax"
    assert {e["status"] for e in doc["vcs"]} == {"proved"} and len(doc["vcs"]) == 5
    code, out, _ = _run(["--no-cache", "--baseline", str(proofs), PROVED], capsys)
    assert code == 0
    assert "REGRESSION" not in out and "changed" not in out


def test_a_proof_lost_since_the_baseline_is_a_regression(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proofs = tmp_path / "proofs"
    args = ["--timeout", TINY, "--no-search", "--only", HARD_VC, HARD]
    assert _run([*args, "--record", str(proofs)], capsys)[0] == 2
    path = proofs / "uniformvoting.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [e["status"] for e in doc["vcs"]] == ["unknown"]
    doc["vcs"][0]["status"] = "proved"  # the baseline claims a proof the run does not make
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = _run([*args, "--baseline", str(proofs)], capsys)
    assert code != 0
    lines = [ln for ln in out.splitlines() if ln.startswith("REGRESSION")]
    assert len(lines) == 1 and HARD_VC in lines[0]
    code, doc = _json([*args, "--baseline", str(proofs)], capsys)
    assert code != 0 and any(b.startswith("REGRESSION") for b in doc["baseline"])


def test_missing_baseline_is_a_regression(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--no-cache", "--baseline", str(tmp_path / "none"), PROVED], capsys)
    assert code != 0 and "REGRESSION" in out


# ---- the cache ----------------------------------------------------------------------------------
def test_second_run_is_cached_with_the_same_verdicts(_isolated: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code1, first = _json([PROVED, REFUTED], capsys)
    decided = [vc for vc in _vcs(first) if vc["status"] in ("proved", "refuted")]
    assert len(_cache_entries(_isolated)) == len(decided) == len(_vcs(first))
    assert not any(vc["cached"] for vc in _vcs(first))
    code2, second = _json([PROVED, REFUTED], capsys)
    assert code2 == code1 == 1
    assert _verdicts(second) == _verdicts(first)
    assert all(vc["cached"] for vc in _vcs(second))
    for a, b in zip(_vcs(first), _vcs(second), strict=True):
        assert a["key"] == b["key"] and a["counterexample"] == b["counterexample"]
    code3, out, _ = _run([PROVED], capsys)
    assert code3 == 0
    lines = [ln for ln in out.splitlines() if ln.startswith("  proved")]
    assert len(lines) == 5 and all(ln.endswith("(cached)") for ln in lines)


def test_a_key_is_the_vcs_content_and_printing_each_formula_once_changes_none() -> None:
    """Every VC of LastVoting has a key of its own; keeping the printed formulas from one key
    to the next gives the same keys; and whatever changes the question changes the key: the
    mode, the kind, a hypothesis, the goal, a slice, the grouping of hypotheses."""
    from dataclasses import replace

    from hoverify.engine.cache import vc_key
    from hoverify.engine.vcgen import VCKind, generate
    from hoverify.loader import load_and_compile
    from logic.terms import And, Not

    _, cm = load_and_compile(Path(__file__).parent.parent / "models" / "lastvoting.py")
    vcs = generate(cm)
    texts: dict[Any, str] = {}
    keys = [vc_key(vc, "z3", texts) for vc in vcs]
    assert len(set(keys)) == len(vcs) and keys == [vc_key(vc, "z3") for vc in vcs]
    vc = next(v for v in vcs if len(v.hypotheses) >= 2 and v.slices)
    first, second, *rest = vc.hypotheses
    variants = [
        vc_key(vc, "cvc5", texts),
        vc_key(replace(vc, kind=VCKind.PROPERTY), "z3", texts),
        vc_key(replace(vc, hypotheses=vc.hypotheses[1:]), "z3", texts),
        vc_key(replace(vc, goal=Not(vc.goal)), "z3", texts),
        vc_key(replace(vc, slices=vc.slices[1:]), "z3", texts),
        vc_key(replace(vc, slices=(replace(vc.slices[0], label="another"), *vc.slices[1:])),
               "z3", texts),
        vc_key(replace(vc, hypotheses=(And(first, second), *rest)), "z3", texts),
    ]
    assert len({keys[vcs.index(vc)], *variants}) == 1 + len(variants)
    # formulas that print as the words between the parts: without the lengths before each list,
    # these two VCs hashed the same parts (A, goal, goal, slice, slice, p, A)
    from hoverify.engine.vcgen import Slice
    from logic.sorts import BOOL
    from logic.terms import Var

    word_goal, word_slice, word_p = (Var(w, BOOL) for w in ("goal", "slice", "p"))
    one = replace(vc, hypotheses=(first, word_goal), goal=word_slice,
                  slices=(Slice("p", (first,)),))
    other = replace(vc, hypotheses=(first,), goal=word_goal,
                    slices=(Slice("slice", (word_p, first)),))
    assert vc_key(one, "z3") != vc_key(other, "z3")


def test_unknown_is_never_cached(_isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run([PROVED], capsys)[0] == 0
    assert len(_cache_entries(_isolated)) == 5
    code, doc = _json(["--timeout", TINY, "--no-search", "--only", "Vote", HARD], capsys)
    assert code == 2
    decided = [vc for vc in _vcs(doc) if vc["status"] in ("proved", "refuted")]
    entries = _cache_entries(_isolated)
    assert len(entries) == 5 + len(decided)
    for e in entries:
        assert json.loads(e.read_text(encoding="utf-8"))["status"] in ("PROVED", "REFUTED")
    # and an unknown is decided again, not read back
    code, doc = _json(["--timeout", TINY, "--no-search", "--only", HARD_VC, HARD], capsys)
    assert code == 2 and not any(vc["cached"] for vc in _vcs(doc))


def test_no_cache_neither_reads_nor_writes(_isolated: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--no-cache", PROVED], capsys)[0] == 0
    assert _cache_entries(_isolated) == []
    assert _run([PROVED], capsys)[0] == 0
    assert len(_cache_entries(_isolated)) == 5
    _, doc = _json(["--no-cache", PROVED], capsys)
    assert not any(vc["cached"] for vc in _vcs(doc))


# ---- backends, --only, --jobs (the Python API) -------------------------------------------------
def _statuses(report: Any) -> list[tuple[str, Status]]:
    return [(r.name, r.status) for r in report.results]


def test_portfolio_and_cross_check_agree_with_z3() -> None:
    z3 = hoverify.check(PROVED, backend="z3", cache=False)
    assert {s for _, s in _statuses(z3)} == {Status.PROVED}
    for mode in ("portfolio", "cross-check"):
        report = hoverify.check(PROVED, backend=mode, cache=False)
        assert _statuses(report) == _statuses(z3), mode
        assert all(r.backend.startswith(mode) for r in report.results)


def test_backends_never_contradict_a_refutation() -> None:
    z3 = dict(_statuses(hoverify.check(REFUTED, backend="z3", cache=False)))
    cross = hoverify.check(REFUTED, backend="cross-check", cache=False)
    for r in cross.results:
        assert r.status is not Status.ERROR, r.reason
        assert {r.status, z3[r.name]} != {Status.PROVED, Status.REFUTED}, r.name
        if r.status is Status.REFUTED:
            assert r.counterexample is not None and r.counterexample.data["confirmed"]


@pytest.mark.parametrize("only, names", [
    ("*Flood", ["invariant[0] Flood", "invariant[1] Flood"]),
    ("invariant*initiation", ["invariant[0] initiation", "invariant[1] initiation"]),
    ("initiation", ["invariant[0] initiation", "invariant[1] initiation"]),
    ("validity", ["validity"]),
    ("invariant[1] Flood", ["invariant[1] Flood"]),  # a name as printed selects that VC
])
def test_only_selects_by_glob_and_substring(only: str, names: list[str]) -> None:
    report = hoverify.check(PROVED, only=only, cache=False)
    assert [r.name for r in report.results] == names
    assert all(r.status is Status.PROVED for r in report.results)


def test_only_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(["--no-cache", "--only", "*Flood", PROVED], capsys)
    assert code == 0 and list(_verdicts(doc)) == ["invariant[0] Flood", "invariant[1] Flood"]


def test_parallel_jobs_give_the_same_verdicts() -> None:
    for model in (PROVED, REFUTED):
        one = hoverify.check(model, jobs=1, cache=False)
        two = hoverify.check(model, jobs=2, cache=False)
        assert _statuses(one) == _statuses(two)


def test_api_accepts_a_model_class() -> None:
    from hoverify.loader import load_model

    cls = load_model(ROOT / REFUTED)
    report = hoverify.check(cls, cache=False, only="quiet")
    assert report.model == "PingWrong"
    assert _statuses(report) == [("quiet", Status.REFUTED)]
    cex = report.results[0].counterexample
    assert cex is not None and cex.data["confirmed"] is True and cex.data["n"] == 1
    for bad, says in [({"backend": "nope"}, "unknown backend"),
                      ({"kinds": "some"}, "unknown kinds"),
                      ({"timeout": float("nan")}, "timeout must be"), ({"timeout": 0}, "timeout"),
                      ({"jobs": 0}, "jobs must be at least 1")]:
        with pytest.raises(ValueError, match=says):
            hoverify.check(cls, **bad)  # type: ignore[arg-type]


def test_solvers_are_initialised_once_before_the_vc_processes_are_forked() -> None:
    """Each VC is decided in a forked process; the parent initialises pysmt and the solvers first
    (their smoke tests, the lazy imports), so that no VC process repeats it (0.3 s each)."""
    code = ("import hoverify, logic.backends as b\n"
            "assert b._available is None\n"
            "r = hoverify.check('models/twophasecommit.py', only='initiation', cache=False)\n"
            "print(b._available is not None, len(r.results))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    initialised, count = out.stdout.split()
    assert initialised == "True" and int(count) >= 1


def test_default_jobs_is_one_per_usable_cpu_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --jobs, hoverify check runs one VC per CPU it may use, at most four (each VC's
    process may take 8 GiB); the output is in VC order either way."""
    from hoverify.commands import check as check_command

    for cpus, expected in ((1, 1), (2, 2), (3, 3), (16, check_command.MAX_DEFAULT_JOBS)):
        monkeypatch.setattr(check_command.os, "sched_getaffinity",
                            lambda _pid, c=cpus: set(range(c)))
        assert check_command.default_jobs() == expected


# ---- the VC's process is the isolation -----------------------------------------------------------
# VCs run in forked worker processes, one at a time each, and their solver queries run in that
# process (not in a child each): what the per-query isolation of logic.backends guaranteed must
# hold per VC, and a VC that takes its worker down takes no other VC's verdict with it.
def _solver_check_does(monkeypatch: pytest.MonkeyPatch, action: Any) -> None:
    from hoverify.engine import pool
    from logic import backends

    backends.available_backends()  # the smoke tests run in this process: before the action
    monkeypatch.setattr(pool, "HARD_GRACE", 1.0)
    monkeypatch.setitem(backends._CHECKS, "z3", action)  # seen by the forked VC processes


def _check_without_search(only: str, timeout: float = 30.0, backend: str = "z3") -> Any:
    from hoverify.engine.runner import Options, check_compiled
    from hoverify.loader import load_and_compile

    _, cm = load_and_compile(PROVED)
    return check_compiled(cm, PROVED, Options(backend=backend, timeout=timeout, only=only,
                                              cache=False, search=False))


def test_a_solver_that_ignores_its_time_limit_is_an_unknown_never_a_verdict(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    _solver_check_does(monkeypatch, lambda solver, timeout: time.sleep(60))
    start = time.perf_counter()
    report = _check_without_search("invariant[0] Flood", timeout=0.5)
    assert _statuses(report) == [("invariant[0] Flood", Status.UNKNOWN)]
    assert "timed out: no answer after 2 s" in (report.results[0].reason or "")
    assert time.perf_counter() - start < 30  # killed at its hard deadline, not after 60 s


def test_a_solver_that_kills_its_process_is_an_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    _solver_check_does(monkeypatch, lambda solver, timeout: os.kill(os.getpid(), signal.SIGKILL))
    report = _check_without_search("invariant[1] Flood")
    assert _statuses(report) == [("invariant[1] Flood", Status.UNKNOWN)]
    assert "died" in (report.results[0].reason or "")


@pytest.mark.parametrize("fault,reason", [("kill", "died"), ("memory", "ran out of memory")])
def test_a_worker_that_dies_takes_only_its_vc_with_it(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path, fault: str,
                                                      reason: str) -> None:
    """The first solver query (in whichever worker) kills its process, or runs out of memory
    (the worker reports it and ends); the VCs after it, in that worker's place or the other's,
    get their verdicts, one worker at a time or two."""
    import signal

    token = tmp_path / "killed"

    def first() -> bool:
        try:
            os.close(os.open(token, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return False
        return True

    def once(solver: Any, timeout: float) -> Any:
        if fault == "kill" and first():
            os.kill(os.getpid(), signal.SIGKILL)
        return real(solver, timeout)

    def decide_once(*args: Any, **kwargs: Any) -> Any:
        if fault == "memory" and first():  # the solver's own faults are its answers
            raise MemoryError
        return real_decide(*args, **kwargs)

    from hoverify.engine import discharge
    from logic import backends

    real, real_decide = backends._CHECKS["z3"], discharge._decide
    _solver_check_does(monkeypatch, once)
    monkeypatch.setattr(discharge, "_decide", decide_once)
    from hoverify.engine.runner import Options, check_compiled
    from hoverify.loader import load_and_compile

    _, cm = load_and_compile(PROVED)
    for jobs in (1, 2):
        token.unlink(missing_ok=True)
        report = check_compiled(cm, PROVED, Options(timeout=30.0, jobs=jobs, cache=False,
                                                    search=False))
        died = [r for r in report.results if r.status is Status.UNKNOWN]
        assert len(died) == 1 and reason in (died[0].reason or ""), _statuses(report)
        assert len(report.results) >= 4
        assert all(r.status is Status.PROVED for r in report.results if r is not died[0])


def test_a_result_that_cannot_be_sent_is_an_unknown(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """A VC whose result cannot be sent back (it does not pickle) is unknown with the reason;
    its worker goes on with the next VCs."""
    from dataclasses import replace

    from hoverify.engine import discharge
    from hoverify.engine.runner import Options, check_compiled
    from hoverify.loader import load_and_compile

    token = tmp_path / "once"
    real = discharge.discharge

    def unsendable(*args: Any, **kwargs: Any) -> Any:
        r = real(*args, **kwargs)
        try:
            os.close(os.open(token, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return r
        return replace(r, stats={**r.stats, "bad": lambda: None})

    monkeypatch.setattr(discharge, "discharge", unsendable)
    _, cm = load_and_compile(PROVED)
    report = check_compiled(cm, PROVED, Options(timeout=30.0, jobs=1, cache=False,
                                                search=False))
    bad = [r for r in report.results if r.status is not Status.PROVED]
    assert len(bad) == 1 and bad[0].status is Status.UNKNOWN, _statuses(report)
    assert "internal error while sending" in (bad[0].reason or "")
    assert len(report.results) >= 4


def test_a_worker_checks_vc_after_vc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The VCs' solver queries run in as many processes as jobs, not one per VC: what a worker
    memoizes for one VC serves the next."""
    log = tmp_path / "pids"

    def logged(solver: Any, timeout: float) -> Any:
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        return real(solver, timeout)

    from logic import backends

    real = backends._CHECKS["z3"]
    _solver_check_does(monkeypatch, logged)
    from hoverify.engine.runner import Options, check_compiled
    from hoverify.loader import load_and_compile

    _, cm = load_and_compile(PROVED)
    for jobs in (1, 2):
        log.unlink(missing_ok=True)
        report = check_compiled(cm, PROVED, Options(timeout=30.0, jobs=jobs, cache=False,
                                                    search=False))
        assert len(report.results) >= 4
        assert all(r.status is Status.PROVED for r in report.results)
        pids = set(log.read_text().split())
        assert 1 <= len(pids) <= jobs and str(os.getpid()) not in pids


def test_in_a_portfolio_a_backend_that_crashes_leaves_the_others_their_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With several backends each query keeps a process of its own: z3 killing its process
    ends as z3's unknown, and cvc5 still proves the VC."""
    import signal

    _solver_check_does(monkeypatch, lambda solver, timeout: os.kill(os.getpid(), signal.SIGKILL))
    report = _check_without_search("invariant[1] Flood", backend="portfolio")
    assert _statuses(report) == [("invariant[1] Flood", Status.PROVED)]
    assert report.results[0].backend == "portfolio:cvc5"


def test_the_hard_deadline_covers_every_backend_of_a_cross_check() -> None:
    from hoverify.engine.pool import HARD_GRACE, hard_deadline
    from hoverify.engine.runner import Options

    assert hard_deadline(Options(timeout=30.0)) == 60.0 + HARD_GRACE
    assert hard_deadline(Options(backend="cross-check", timeout=30.0)) == 180.0 + HARD_GRACE


# ---- interrupts ----------------------------------------------------------------------------------
def _processes_running(marker: str) -> list[int]:
    """The pids of the processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
                state = (entry / "stat").read_text().split(") ")[-1][:1]
            except OSError:
                continue
            if marker in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


def _start_on_copy_of_ate(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    """``hoverify check`` on a copy of A_T,E (19 VCs, about 10 s) whose path marks its
    processes, once the first VC line is out (with ``--json``, after a second)."""
    import time

    model = tmp_path / "ate_interrupted.py"
    model.write_text((ROOT / "models" / "ate.py").read_text())
    env = {**os.environ, "HOVERIFY_CACHE_DIR": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hoverify.cli", "check", "--jobs", "1",
                             *options, str(model), PROVED], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    if "--json" in options:
        time.sleep(1.0)
        return proc, str(model)
    for line in proc.stdout:
        if line.startswith("  proved"):
            break
    return proc, str(model)


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_an_interrupt_reports_what_was_checked_and_what_was_not(tmp_path: Path, how: str) -> None:
    """A CI job's timeout (SIGTERM to hoverify) ends the check as Ctrl-C (SIGINT to the whole
    process group, VC processes included) does: every VC of the model is listed, with its
    verdict or as ``not checked``; the message says how many were not checked; the exit code is
    2; no traceback; no VC process is left running."""
    import signal

    proc, marker = _start_on_copy_of_ate(tmp_path)
    if how == "sigterm":
        proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    lines = [line for line in out.splitlines() if line.startswith("  ") and line[2] != " "]
    skipped = [line for line in lines if line.startswith("  not checked")]
    assert len(lines) == 18 and skipped  # every VC but the first, printed before the signal
    assert f"interrupted: {len(skipped)} VCs of {marker} not checked, nor 1 more model file" in err
    summary = f"19 VCs: {19 - len(skipped)} proved, 0 refuted, {len(skipped)} unknown"
    assert summary in out
    assert PROVED not in out  # the second model was not started
    assert _processes_running(marker) == []


def test_an_interrupt_while_two_models_are_checked_lists_both(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """With one pool for every model, an interrupt may leave two models partly checked: each is
    printed in full (verdicts, then ``not checked``), in order, and the message counts both and
    the models not started."""
    from hoverify.engine import runner
    from hoverify.engine.results import ModelReport, VCResult
    from hoverify.engine.vcgen import VCKind

    def vc(file: str, name: str, status: Status, reason: str | None = None) -> VCResult:
        return VCResult(name=name, kind=VCKind.INITIATION, status=status, seconds=0.0,
                        backend="z3", file=file, target="invariant[0]", target_line=1,
                        reason=reason)

    def interrupted(models, opts, progress, on_start, on_report):  # type: ignore[no-untyped-def]
        reports = []
        for m in range(2):
            models[m][0]()  # compiled in turn (the command makes its stream)
            file = models[m][1]
            on_start(m, ["a", "b"], False)
            progress(m, vc(file, "a", Status.PROVED))
            reports.append(ModelReport(file, f"M{m}", (
                vc(file, "a", Status.PROVED),
                vc(file, "b", Status.UNKNOWN, runner.NOT_CHECKED)), 0.1))
        raise runner.Interrupted((*reports, None))

    monkeypatch.setattr(runner, "check_models", interrupted)
    code, out, err = _run(["--no-cache", PROVED, REFUTED, "models/otr.py"], capsys)
    assert code == 2
    lines = out.splitlines()
    assert [line.split()[0] for line in lines if not line.startswith(" ")][:2] == [
        f"{PROVED}:", f"{REFUTED}:"]
    assert [line.split()[0:2] for line in lines if line.startswith("  ")] == [
        ["proved", "a"], ["not", "checked"]] * 2
    assert err.strip().endswith(f"interrupted: 1 VCs of {PROVED} and 1 VCs of {REFUTED} not "
                                f"checked, nor 1 more model file; they are reported as unknown, "
                                f"and no baseline was compared or recorded")


def test_an_interrupt_is_acted_on_once_and_not_again_later() -> None:
    """An interrupt noted in a polled block is raised at its end, once; after the command (whose
    handlers are put back) nothing of it is left to stop a later check in the same process (a
    notebook, a test run): the request used to stay set, and every later ``hoverify.check``
    raised KeyboardInterrupt as its first wait ended."""
    import signal
    import time

    from hoverify import interrupt

    restore = interrupt.install()
    try:
        with pytest.raises(KeyboardInterrupt):
            with interrupt.polled():
                os.kill(os.getpid(), signal.SIGINT)  # only noted here
                time.sleep(0.05)
        with interrupt.polled():  # used up: nothing raised
            pass
        interrupt._interrupt(signal.SIGTERM, None)  # noted outside a polled block: raises,
    except KeyboardInterrupt:  # and the command stops there
        pass
    finally:
        restore()
    interrupt.check()  # nothing left over
    with interrupt.polled():
        pass


def test_an_interrupt_still_writes_the_json_report(tmp_path: Path) -> None:
    """With --json the report so far is written: exit code 2, ``interrupted``, every VC of the
    interrupted model (those without a verdict unknown, "not checked"), the files not started."""
    import signal

    proc, marker = _start_on_copy_of_ate(tmp_path, "--json")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    doc = json.loads(out)
    assert doc["exit_code"] == 2 and doc["interrupted"] is True
    assert doc["not_started"] == [PROVED]
    (model,) = doc["models"]
    assert model["file"] == marker and len(model["vcs"]) == 19
    skipped = [vc for vc in model["vcs"] if vc["reason"] == "not checked: interrupted"]
    assert skipped and all(vc["status"] == "unknown" for vc in skipped)
    assert f"interrupted: {len(skipped)} VCs of {marker} not checked" in err


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc (Linux)")
def test_vc_processes_die_with_a_killed_check(tmp_path: Path) -> None:
    """SIGKILL gives hoverify no chance to stop its VC processes: the kernel kills them (they
    asked for it when they started), so a solver that ignores its own time limit does not run
    on forever."""
    import signal
    import time

    proc, marker = _start_on_copy_of_ate(tmp_path)
    deadline = time.monotonic() + 10
    children: list[int] = []
    while not children and time.monotonic() < deadline:  # the next VC's process
        children = [pid for pid in _processes_running(marker) if pid != proc.pid]
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert children, "no VC process was running: the test proves nothing"
    deadline = time.monotonic() + 10
    while _processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_running(marker) == []


def test_the_header_counts_the_selected_vcs_and_says_if_lemmas_may_follow() -> None:
    """``--only`` a VC that may rest on lemmas: the header counts it alone and says that the
    lemmas its proof rests on are checked too; their lines come as they are needed."""
    import io

    from hoverify.commands.check import _Stream

    for names, premises, header in (
            (["invariant[0] Exchange"], True, "(1 VC, with the lemmas its proof rests on)"),
            (["a", "b"], True, "(2 VCs, with the lemmas their proofs rest on)"),
            (["a", "b"], False, "(2 VCs)")):
        out = io.StringIO()
        _Stream(out, None, "m.py", "M", False).start(names, premises)
        assert out.getvalue() == f"m.py: M {header}\n"
