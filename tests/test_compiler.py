"""Unit tests of the compiler (the conformance test checks the relations against the executor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MODELS

from hoverify.compiler import compile_model
from hoverify.errors import CompileError
from hoverify.executor import initial_state
from hoverify.loader import load_model
from logic import to_text
from logic.evaluate import holds
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol
from logic.terms import Op, conjuncts, subterms, symbols

HEADER = "from hoverify import Algorithm, Local, Round, broadcast, n\n"


def _model(tmp_path: Path, update: str, extra: str = "") -> type:
    f = tmp_path / "m.py"
    f.write_text(HEADER + f"""
class M(Algorithm):
    x = Local(int)
    y = Local(int | None)
{extra}
    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
{update}
""")
    return load_model(f)


def test_signature_of_otr() -> None:
    cm = compile_model(load_model(MODELS / "otr.py"))
    fs = cm.signature.functions
    assert fs["x"].domain == (PROC,) and fs["x"].codomain is INT
    assert fs["decided"].codomain is BOOL
    assert fs["decision_def"].codomain is BOOL and "x_def" not in fs
    assert fs["HO"].codomain is SET_PROC and fs["coord"].domain == (INT,)
    assert fs["input"].codomain is INT
    assert set(cm.signature.constants) == {"r", "phase"}
    assert set(cm.signature.versions) == {"next", "old", "init"}
    # post-state symbols are the "next" copies
    rel = cm.rounds[0].relation
    versions = {t.payload.version for t in subterms(rel) if t.op is Op.APP}
    assert versions == {None, "next"}
    assert compile_model(load_model(MODELS / "otr.py")) is not None


def test_compilation_is_cached() -> None:
    m = load_model(MODELS / "benor.py")
    assert compile_model(m) is compile_model(m)


def test_undefined_in_specs(tmp_path: Path) -> None:
    """``?`` is the undefined value of an optional local: ``y(p) != ?`` is ``y_def(p)``, and a
    comparison of an optional local with a value holds only where it is defined (inside a
    comprehension too)."""
    m = _model(tmp_path, "            p.y = mbox.min()", extra=(
        '    invariants = ["forall p. y(p) != ? -> |{i | x(i) = y(p)}| > n/2'
        ' and (y(p) = 0 or y(p) = 1)", "forall p. y(p) = ? or y(p) = 0"]\n'))
    first, second = compile_model(m).invariants
    assert to_text(first) == \
        "forall p. y_def(p) -> |{i | y_def(p) and x(i) = y(p)}| > n/2 and " \
        "(y_def(p) and y(p) = 0 or y_def(p) and y(p) = 1)"
    assert to_text(second) == "forall p. not y_def(p) or y_def(p) and y(p) = 0"
    cm = compile_model(load_model(MODELS / "benor.py"))
    first = conjuncts(cm.round_invariants["Report"])[0]
    assert to_text(first) == ("forall p. not vote_def(p) or vote_def(p) and vote(p) = 0 or "
                              "vote_def(p) and vote(p) = 1")
    # an optional local compared with a value is defined
    assert "decision_def(i) and decision(i) = init(x)(j)" in to_text(cm.safety["validity"])


def test_min_most_often_is_one_witness() -> None:
    """ATE calls min_most_often() three times: one witness, the same value each time."""
    cm = compile_model(load_model(MODELS / "ate.py"))
    rel = cm.rounds[0].relation
    exists = [t for t in subterms(rel) if t.op is Op.EXISTS]
    assert len(exists) == 1 and len(exists[0].bound_vars) == 1


def test_temporaries_are_ssa(tmp_path: Path) -> None:
    m = _model(tmp_path, """            c = mbox.count(p.x)
            p.x = c + 1
            c = c * 2
            p.y = c""")
    text = to_text(compile_model(m).rounds[0].relation)
    assert "x'(p) = |{q in HO(p) | x(q) = x(p)}| + 1" in text
    y = text[text.index("y'(p) = "):]
    assert y.startswith("y'(p) = |{q in HO(p) | x(q) = x(p)}|*2"), y


def test_a_stored_value_read_again_is_named_by_its_post_state_term(tmp_path: Path) -> None:
    """``p.x = mbox.min(); p.y = p.x + 1; p.decide(p.x)``: the later stores read ``x'(p)``, not
    a copy of the mailbox's minimum (with its witness constraints); a value stored twice is
    defined once and named once (no circular definition)."""
    m = _model(tmp_path, """            p.x = mbox.min() + 1
            p.y = p.x * 2
            if mbox.forall(lambda v: v == p.x):
                p.decide(p.x)""", extra="    decided = Local(bool, initial=False)\n"
                                           "    decision = Local(int | None)\n")
    text = to_text(compile_model(m).rounds[0].relation)
    assert text.count("+ 1") == 1, text
    assert "y'(p) = x'(p)*2" in text
    assert "= x'(p)" in text[text.index("decided'(p) <->"):], text
    m = _model(tmp_path, """            p.x = mbox.min() + 1
            p.z = p.x""", extra="    z = Local(int, initial=0)\n")
    text = to_text(compile_model(m).rounds[0].relation)
    assert "x'(p) = " in text and "+ 1" in text[text.index("x'(p) = "):], text
    assert "z'(p) = x'(p)" in text, text


def test_temporary_assigned_on_one_path(tmp_path: Path) -> None:
    m = _model(tmp_path, """            if mbox.size > 0:
                c = 1
            p.x = c""")
    with pytest.raises(CompileError, match="may be unassigned") as e:
        compile_model(m)
    assert e.value.line == 17


def test_exact_division_in_comparisons(tmp_path: Path) -> None:
    m = _model(tmp_path, "            p.y = 1 if mbox.count(p.x) / 3 > p.x / 4 else None")
    text = to_text(compile_model(m).rounds[0].relation)
    assert "x(p)/4 < |{q in HO(p) | x(q) = x(p)}|/3" in text


def test_float_division_of_constants(tmp_path: Path) -> None:
    update = "            p.x = p.x + 1 // 2\n            p.decided = mbox.size > 1 / 2"
    m = _model(tmp_path, update, "    decided = Local(bool, initial=False)\n")
    with pytest.raises(CompileError, match="float in Python"):
        compile_model(m)


def test_init_and_encoding(tmp_path: Path) -> None:
    cm = compile_model(load_model(MODELS / "lastvoting.py"))
    st = initial_state(cm.model, [3, 1, 2])
    s = cm.encode(st)
    vote = cm.locals["vote"]
    assert s.functions[vote.def_sym][(0,)] is False and s.functions[vote.sym][(0,)] == 0
    assert holds(cm.init, s)
    assert "ts(p) = -1" in to_text(cm.init)


def test_wellformedness_condition(tmp_path: Path) -> None:
    """Storing an optional value in an int local is an obligation, not a constraint."""
    m = _model(tmp_path, "            p.x = mbox.min()")
    rr = compile_model(m).rounds[0]
    assert "w in HO(p)" in to_text(rr.wellformed)
    assert "x'(p) = x(w)" in to_text(rr.relation)


def _post(cm: object, *names: str) -> set[FunctionSymbol]:
    syms = cm.symbols  # type: ignore[attr-defined]
    return {syms.locals[x].sym.versioned("next") for x in names}


@pytest.mark.parametrize("name", ["otr.py", "lastvoting.py", "floodmin.py", "ate.py"])
def test_a_rounds_relation_is_assembled_from_its_parts(name: str) -> None:
    """One definition: the relation is what its parts assemble to whole, and the updates of
    every local together, with the witnesses' constraints, are the relation again."""
    cm = compile_model(load_model(MODELS / name))
    for rr in cm.rounds:
        assert rr.parts is not None and rr.parts.assemble() is rr.relation
        every = frozenset(range(len(rr.parts.stores)))
        assert rr.parts.assemble(every) is rr.relation


def test_the_updates_of_some_locals_keep_what_they_mention(tmp_path: Path) -> None:
    """One-Third Rule: the updates of ``x`` alone drop the decision's stores and the choice of
    the most often received value (an arbitrary sender's ``x``). A store that names another
    local's post-state value (``p.z = p.x``: ``z'(p) = x'(p)``) keeps that local's update."""
    m = _model(tmp_path, """            p.x = mbox.min() + 1
            p.z = p.x""", extra="    z = Local(int, initial=0)\n")
    named = compile_model(m)
    z_only = named.rounds[0].updates(_post(named, "z"))
    assert z_only is not None and _post(named, "x", "z") <= symbols(z_only)
    assert not _post(named, "y") & symbols(z_only)
    cm = compile_model(load_model(MODELS / "otr.py"))
    (rr,) = cm.rounds
    x, decided, decision = (_post(cm, v) for v in ("x", "decided", "decision"))
    only_x = rr.updates(x)
    assert only_x is not None
    kept = symbols(only_x)
    assert x <= kept and not (decided | decision) & kept
    # no witness constraint: no quantifier but the receiver's and its witness's
    assert sorted(t.op.name for t in subterms(only_x) if t.op in (Op.FORALL, Op.EXISTS)) == [
        "EXISTS", "FORALL"]
    with_decision = rr.updates(decision)
    assert with_decision is not None and decision <= symbols(with_decision)
    assert not (x | decided) & symbols(with_decision)
    # every local wanted: nothing to drop but the witnesses' constraints, if any
    lv = compile_model(load_model(MODELS / "lastvoting.py"))
    every = _post(lv, *lv.symbols.locals)
    assert [r.parts is not None and bool(r.parts.witnesses) for r in lv.rounds] == [
        True, False, False, False]
    assert [r.updates(every) is None for r in lv.rounds] == [False, True, True, True]


@pytest.mark.parametrize("name", ["otr.py", "floodmin.py"])
def test_the_relation_implies_the_updates_of_each_local(name: str) -> None:
    """Each restriction is implied by the relation (the decision procedure proves it), so a
    VC proved from it is proved; under crash-stop (FloodMin) too, with each local's frame."""
    from logic.decide import check  # noqa: PLC0415
    from logic.result import Answer  # noqa: PLC0415
    from logic.terms import And, Not  # noqa: PLC0415

    cm = compile_model(load_model(MODELS / name))
    for rr in cm.rounds:
        for local in cm.symbols.locals:
            updates = rr.updates(_post(cm, local))
            assert updates is not None and updates is not rr.relation
            res = check(And(rr.relation, Not(updates)), timeout=20)
            assert res.answer is Answer.UNSAT, (rr.name, local, res.reason)
