"""Proof hints (``--hints DIR``, :mod:`hoverify.engine.hints`): the query that proved a VC in a
recorded baseline is asked first; verdicts never change, whatever the hints say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hoverify
from hoverify.cli import main
from hoverify.engine.baseline import record
from hoverify.engine.hints import HINT_MIN_SECONDS, Hint, read_hints
from hoverify.engine.results import Status
from hoverify.engine.runner import start_order

ROOT = Path(__file__).resolve().parent.parent
PROVED = str(ROOT / "tests" / "engine_models" / "flood_max.py")
REFUTED = str(ROOT / "tests" / "engine_models" / "ping_wrong.py")
OTR = str(ROOT / "models" / "otr.py")
#: a VC of OTR whose slices do not prove it (the VC itself does)
NOT_BY_SLICES = "invariant[1] Exchange"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(tmp_path / "cache"))


def _outcome(report: Any) -> list[tuple[str, Status, Any, Any]]:
    return [(r.name, r.status, r.stats.get("attempt"), r.stats.get("slice"))
            for r in report.results]


def test_hints_prove_each_vc_by_its_recorded_query_with_the_same_verdicts(
        tmp_path: Path) -> None:
    plain = hoverify.check(PROVED, cache=False)
    record(tmp_path, plain)
    hinted = hoverify.check(PROVED, cache=False, hints=tmp_path)
    assert _outcome(hinted) == _outcome(plain)
    assert {r.status for r in hinted.results} == {Status.PROVED}
    assert all(r.stats.get("hinted") is True for r in hinted.results)
    assert not any("hinted" in r.stats for r in plain.results)


def test_hints_claiming_proofs_of_false_vcs_prove_nothing(tmp_path: Path) -> None:
    """A baseline edited to say that the refuted VCs were proved, by the first reduction, on the
    VC itself: the hinted query is asked, is not unsat, and the VCs are refuted as without
    hints, with confirmed counterexamples."""
    plain = hoverify.check(REFUTED, cache=False)
    refuted = {r.name for r in plain.results if r.status is Status.REFUTED}
    assert len(refuted) == 2
    path = record(tmp_path, plain)
    doc = json.loads(path.read_text(encoding="utf-8"))
    for e in doc["vcs"]:
        e.update(status="proved", attempt="depth 0, triggers, anchored")
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert set(read_hints(tmp_path, REFUTED)) == {r.name for r in plain.results}
    hinted = hoverify.check(REFUTED, cache=False, hints=tmp_path)
    assert [(r.name, r.status) for r in hinted.results] == [(r.name, r.status)
                                                           for r in plain.results]
    for r in hinted.results:
        if r.name in refuted:
            assert r.counterexample is not None and "hinted" not in r.stats


@pytest.mark.parametrize("edit", [
    {"slice": "the round's lemmas"},          # a slice the VC has, too weak to prove it
    {"slice": "no slice of this name"},       # a slice it does not have
    {"attempt": "depth 9, nonsense"},         # not an attempt's label
    {"backend": "cvc5"},                      # recorded with another backend
])
def test_a_hint_that_does_not_decide_leaves_the_vc_to_the_usual_procedure(
        tmp_path: Path, edit: dict[str, str]) -> None:
    plain = hoverify.check(OTR, cache=False, only=NOT_BY_SLICES)
    path = record(tmp_path, plain)
    doc = json.loads(path.read_text(encoding="utf-8"))
    entry = next(e for e in doc["vcs"] if e["name"] == NOT_BY_SLICES)
    assert "slice" not in entry  # proved on the VC itself
    entry.update(edit)
    path.write_text(json.dumps(doc), encoding="utf-8")
    if "backend" in edit:  # said, as hints for another backend are of no use
        with pytest.warns(RuntimeWarning, match="were recorded with cvc5, and --backend z3 uses"):
            hinted = hoverify.check(OTR, cache=False, only=NOT_BY_SLICES, hints=tmp_path)
    else:
        hinted = hoverify.check(OTR, cache=False, only=NOT_BY_SLICES, hints=tmp_path)
    assert _outcome(hinted) == _outcome(plain)
    r = next(r for r in hinted.results if r.name == NOT_BY_SLICES)
    assert r.status is Status.PROVED and "hinted" not in r.stats


def test_a_missing_hints_file_is_said_and_changes_nothing(tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match="no proof hints for .*flood_max.py"):
        report = hoverify.check(PROVED, cache=False, hints=tmp_path)
    assert {r.status for r in report.results} == {Status.PROVED}
    with pytest.raises(ValueError, match="not one"):
        hoverify.check(PROVED, cache=False, hints=tmp_path / "none")


@pytest.mark.parametrize("text", ['{"vcs": ["not an entry"]}', '{"vcs": 3}', '[1, 2]',
                                  '{"vcs": [{"status": "proved", "attempt": "depth 0"}]}',
                                  "not json"])
def test_a_baseline_that_is_not_one_gives_no_hints_and_says_so(tmp_path: Path,
                                                               text: str) -> None:
    (tmp_path / "m.json").write_text(text, encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="no proof hints for models/m.py: cannot read"):
        assert read_hints(tmp_path, "models/m.py") == {}


def test_only_proved_vcs_that_name_their_query_give_hints(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(json.dumps({"vcs": [
        {"name": "a", "status": "proved", "backend": "z3", "seconds": 0.2,
         "attempt": "depth 0", "slice": "s"},
        {"name": "b", "status": "proved", "backend": "z3", "seconds": 0.1},  # older baseline
        {"name": "c", "status": "refuted", "backend": "z3", "seconds": 0.1, "attempt": "depth 0"},
        {"name": "d", "status": "proved", "backend": "z3", "seconds": -1, "attempt": "depth 1"},
        {"name": "e", "status": "proved", "backend": "z3", "seconds": 0.3, "attempt": "depth 0",
         "exact_layers": True},
    ]}), encoding="utf-8")
    assert read_hints(tmp_path, "models/m.py") == {
        "a": Hint("z3", "depth 0", "s", 0.2), "d": Hint("z3", "depth 1", None, 0.0),
        "e": Hint("z3", "depth 0", None, 0.3, exact=True)}
    assert Hint("z3", "depth 0", None, 0.01).budget(30.0) == HINT_MIN_SECONDS
    assert Hint("z3", "depth 0", None, 100.0).budget(30.0) == 15.0


def test_vcs_with_hints_start_after_the_others_longest_first() -> None:
    def hint(seconds: float) -> Hint:
        return Hint("z3", "depth 0", None, seconds)

    assert start_order([hint(0.1), None, hint(2.0), hint(0.5), None]) == [1, 4, 2, 3, 0]
    assert start_order([None, None]) == [0, 1]


def test_vcs_without_hints_start_by_tiers() -> None:
    """The VCs without hints in ``tiers[0]`` start first, then those in ``tiers[1]``, then the
    others, in order within each; VCs with hints and optional ones keep their places after them
    (the runner's tiers: the initiation VCs, then a proof chain's)."""
    hint = Hint("z3", "depth 0", None, 1.0)
    assert start_order([None] * 5, tiers=(frozenset({4}), frozenset({2, 3}))) == [4, 2, 3, 0, 1]
    assert start_order([None, hint, None, None], frozenset({0}),
                       (frozenset(), frozenset({0, 3}))) == [3, 2, 1, 0]


def test_a_chain_starts_after_the_initiation_vcs_and_before_the_others() -> None:
    """The runner starts One-Third Rule's initiation VCs first (its first result a person sees
    comes at once), then its liveness VCs, then the others (one worker: the order in which the
    results arrive is the order in which the VCs started)."""
    from hoverify.engine.results import VCResult
    from hoverify.engine.runner import Options, check_compiled
    from hoverify.engine.vcgen import VCKind
    from hoverify.loader import load_and_compile

    _, cm = load_and_compile("models/otr.py")
    arrived: list[VCResult] = []
    check_compiled(cm, "models/otr.py", Options(cache=False, jobs=1), progress=arrived.append)
    assert all(r.status.name == "PROVED" for r in arrived)
    tiers = [0 if r.kind is VCKind.INITIATION else 1 if r.kind.liveness else 2 for r in arrived]
    assert set(tiers) == {0, 1, 2} and tiers == sorted(tiers)


def test_hints_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--no-cache", "--record", str(tmp_path), PROVED]) == 0
    capsys.readouterr()
    assert main(["check", "--no-cache", "--json", "--hints", str(tmp_path), PROVED]) == 0
    doc = json.loads(capsys.readouterr().out)
    vcs = [vc for m in doc["models"] for vc in m["vcs"]]
    assert vcs and all(vc["reduction"]["hinted"] is True for vc in vcs)
    assert main(["check", "--hints", str(tmp_path / "none"), PROVED]) == 3
    assert "--hints" in capsys.readouterr().err
    assert main(["check", "--hints", str(tmp_path), str(ROOT / "paper_examples" /
                                                        "quorums.hol")]) == 3
    assert "--hints is for model files" in capsys.readouterr().err


def test_hints_of_another_backend_are_said_to_be_unused(tmp_path: Path) -> None:
    record(tmp_path, hoverify.check(PROVED, cache=False))  # z3
    with pytest.warns(RuntimeWarning, match="recorded with z3, and --backend yices uses none"):
        report = hoverify.check(PROVED, cache=False, backend="yices", hints=tmp_path)
    assert {r.status for r in report.results} == {Status.PROVED}
    assert not any("hinted" in r.stats for r in report.results)


def test_a_hint_recorded_with_the_full_decomposition_asks_it_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A VC proved with the full Venn decomposition after a slow sparse query (``exact_layers``
    in its baseline entry) is asked with the full one first, not the sparse one again."""
    import logic.decide
    from hoverify.engine.discharge import discharge
    from hoverify.engine.vcgen import generate
    from hoverify.loader import load_and_compile

    _, cm = load_and_compile(OTR)
    vc = next(vc for vc in generate(cm) if vc.name == NOT_BY_SLICES)
    encodings: list[str] = []
    real = logic.decide.check

    def check(*args: Any, **kw: Any) -> Any:
        encodings.append(kw.get("encoding", "auto"))
        return real(*args, **kw)

    monkeypatch.setattr(logic.decide, "check", check)
    for exact in (False, True):
        encodings.clear()
        hint = Hint("z3", "depth 0, triggers, anchored", None, 0.1, exact=exact)
        r = discharge(cm, vc, "z3", 30.0, isolate=False, hint=hint)
        assert r.status is Status.PROVED and r.stats.get("hinted") is True
        assert encodings[0] == ("full" if exact else "auto")
        assert r.stats.get("exact_layers", False) is exact
