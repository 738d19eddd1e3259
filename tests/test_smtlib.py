"""logic.smtlib: SMT-LIB scripts that z3's binary and cvc5's parser answer like the API."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from logic.backends import solve
from logic.compat import pysmt_env
from logic.result import Answer
from logic.smtlib import to_smtlib, z3_binary

ENV = pysmt_env()
MGR = ENV.formula_manager

from pysmt.typing import BOOL, INT, FunctionType  # noqa: E402

PROC = ENV.type_manager.Type("Proc", 0)
VAL = ENV.type_manager.Type("Val", 0)
X = MGR.Symbol("x", FunctionType(INT, [PROC]))
HO = MGR.Symbol("ho", FunctionType(BOOL, [PROC, PROC]))
V = MGR.Symbol("v", FunctionType(VAL, [PROC]))
A, B, C = (MGR.Symbol(name, PROC) for name in "abc")
ODD = MGR.Symbol("odd name x", PROC)  # needs quoting


def x(t: Any) -> Any:
    return MGR.Function(X, [t])


def ho(s: Any, t: Any) -> Any:
    return MGR.Function(HO, [s, t])


def v(t: Any) -> Any:
    return MGR.Function(V, [t])


shared = MGR.Plus(x(A), x(B))
SCRIPTS: dict[str, tuple[Any, str, Answer]] = {
    "uf-sat": (MGR.And(MGR.GT(x(A), MGR.Int(3)), MGR.Not(MGR.Equals(A, B)),
                       MGR.Equals(x(B), MGR.Int(-2)), ho(A, B), MGR.Not(ho(B, A))),
               "QF_UFLIA", Answer.SAT),
    "uf-unsat": (MGR.And(MGR.GT(x(A), MGR.Int(3)), MGR.Equals(A, B),
                         MGR.Equals(x(B), MGR.Int(0))), "QF_UFLIA", Answer.UNSAT),
    "two-sorts-unsat": (MGR.And(MGR.Equals(v(A), v(B)), MGR.Not(MGR.Equals(v(B), v(C))),
                                MGR.Equals(A, C)), "QF_UF", Answer.UNSAT),
    "shared-lia-sat": (MGR.And(MGR.LE(shared, MGR.Int(7)), MGR.GE(shared, MGR.Int(7)),
                               MGR.Equals(MGR.Times(MGR.Int(2), shared), MGR.Int(14)),
                               MGR.Equals(ODD, A), MGR.Iff(ho(ODD, C), MGR.TRUE())),
                       "QF_UFLIA", Answer.SAT),
    "ite-unsat": (MGR.And(MGR.Equals(MGR.Ite(MGR.Equals(A, B), x(A), MGR.Int(5)), MGR.Int(6)),
                          MGR.Equals(x(B), MGR.Int(4))), "QF_UFLIA", Answer.UNSAT),
    "quantified-unsat": (MGR.And(MGR.ForAll([C], MGR.GT(x(C), MGR.Int(0))),
                                 MGR.Equals(MGR.Plus(x(A), x(B)), MGR.Int(1))),
                         "UFLIA", Answer.UNSAT),
}


def check_sat_with_cvc5(script: str) -> str:
    """Run ``script`` through cvc5's own SMT-LIB parser; what its ``check-sat`` printed."""
    cvc5 = pytest.importorskip("cvc5")
    manager = cvc5.TermManager()
    solver = cvc5.Solver(manager)
    symbols = cvc5.SymbolManager(manager)
    parser = cvc5.InputParser(solver, symbols)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, script, "hoverify")
    output = []
    while True:
        command = parser.nextCommand()
        if command.isNull():
            break
        output.append(command.invoke(solver, symbols))
    return "".join(output).strip()


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_z3_binary_answers_like_the_api(name: str, tmp_path: Path) -> None:
    binary = z3_binary()
    if binary is None:
        pytest.skip("no z3 binary")
    formula, logic, expected = SCRIPTS[name]
    assert solve(formula, "z3").answer is expected
    path = tmp_path / f"{name}.smt2"
    path.write_text(to_smtlib(formula, logic=logic, comment=f"test {name}"))
    done = subprocess.run([binary, "-smt2", str(path)], capture_output=True, text=True, timeout=30)
    assert done.stderr == "" and done.returncode == 0, done.stdout
    assert done.stdout.strip() == str(expected)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_cvc5_parser_answers_like_the_api(name: str) -> None:
    formula, logic, expected = SCRIPTS[name]
    assert check_sat_with_cvc5(to_smtlib(formula, logic=logic)) == str(expected)


def test_script_shape() -> None:
    formula = SCRIPTS["shared-lia-sat"][0]
    script = to_smtlib(formula, comment="first line\nsecond line")
    lines = script.splitlines()
    assert lines[:4] == ["; first line", "; second line", "(set-info :smt-lib-version 2.6)",
                         "(set-logic QF_UFLIA)"]
    assert "(declare-sort Proc 0)" in lines
    assert "(declare-fun x (Proc) Int)" in lines
    assert "(declare-fun ho (Proc Proc) Bool)" in lines
    assert "(declare-fun |odd name x| () Proc)" in lines
    assert lines[-2:] == ["(check-sat)", "(exit)"] and script.endswith("(exit)\n")
    assert sum(line.startswith("(assert ") for line in lines) == 5  # one per conjunct
    assert "let" not in script  # nothing is shared within a conjunct
    within = MGR.Equals(MGR.Times(MGR.Int(2), shared), MGR.Plus(shared, MGR.Int(7)))
    assert "(assert (let ((_let0 (+ (x a) (x b)))) (= (* 2 _let0) (+ _let0 7))))" in \
        to_smtlib(within)
    assert "(- 2)" in to_smtlib(SCRIPTS["uf-sat"][0])  # negative constants


def test_sorts_only_in_signatures_are_declared() -> None:
    script = to_smtlib(MGR.Equals(v(A), v(B)))
    assert "(declare-sort Val 0)" in script and "(declare-fun v (Proc) Val)" in script


def test_let_names_avoid_the_formulas_symbols() -> None:
    clash = MGR.Symbol("_let0", INT)
    twice = MGR.Plus(clash, x(A))
    script = to_smtlib(MGR.And(MGR.GT(twice, MGR.Int(0)), MGR.LT(twice, MGR.Int(9))))
    assert "(let ((_let_0 (+ _let0 (x a))))" not in script  # each conjunct is its own unit
    formula = MGR.Equals(MGR.Plus(twice, twice), MGR.Int(4))
    script = to_smtlib(formula)
    assert "(let ((_let_0 (+ _let0 (x a)))) (= (+ _let_0 _let_0) 4))" in script
    assert check_sat_with_cvc5(script) == "sat"


def test_unspellable_names_and_non_formulas_are_rejected() -> None:
    with pytest.raises(ValueError):
        to_smtlib(MGR.Symbol("bad|name"))
    with pytest.raises(TypeError):
        to_smtlib(x(A))
    with pytest.raises(ValueError):
        to_smtlib(MGR.TRUE(), logic="QF UF")
