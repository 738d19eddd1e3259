"""logic.z3convert: the fast converter gives exactly pysmt's z3 terms (z3 shares equal terms, so
equal terms have equal ids), on every operator the reductions use and on real reductions."""

from __future__ import annotations

from typing import Any

import pytest
import z3
from pysmt.solvers.z3 import Z3Converter

from logic.backends import solve
from logic.compat import pysmt_env
from logic.result import Answer
from logic.z3convert import FastZ3Converter


def _both(formula: Any) -> tuple[Any, Any]:
    env = pysmt_env()
    ctx = z3.Context()
    return (Z3Converter(env, ctx).convert(formula), FastZ3Converter(env, ctx).convert(formula))


def _every_operator() -> list[Any]:
    from pysmt.typing import BOOL, INT, FunctionType

    env = pysmt_env()
    mgr = env.formula_manager
    proc = env.type_manager.Type("Proc", 0)
    x = mgr.Symbol("zc_x", FunctionType(INT, [proc]))
    d = mgr.Symbol("zc_d", FunctionType(BOOL, [proc]))
    a, b = mgr.Symbol("zc_a", proc), mgr.Symbol("zc_b", proc)
    n, m = mgr.Symbol("zc_n", INT), mgr.Symbol("zc_m", INT)
    p, q = mgr.Symbol("zc_p", BOOL), mgr.Symbol("zc_q", BOOL)
    xa, xb = mgr.Function(x, [a]), mgr.Function(x, [b])
    i = mgr.Symbol("zc_i", proc)
    return [
        mgr.And(p, q, mgr.Function(d, [a])),
        mgr.Or(mgr.Not(p), q, mgr.Equals(a, b)),
        mgr.Implies(p, mgr.Iff(q, mgr.Function(d, [b]))),
        mgr.LE(mgr.Plus(xa, xb, mgr.Int(-7)), mgr.Times(mgr.Int(3), n)),
        mgr.LT(mgr.Minus(n, m), mgr.Int(0)),
        mgr.Equals(mgr.Ite(p, xa, xb), m),           # an Int ite
        mgr.Ite(mgr.Equals(a, b), p, mgr.Not(q)),    # a Bool ite: rewritten as pysmt does
        mgr.Ite(p, mgr.TRUE(), mgr.FALSE()),
        mgr.GE(n, mgr.Int(10**30)),                  # big numerals
        mgr.ForAll([i], mgr.GT(mgr.Function(x, [i]), n)),  # no fast path: pysmt's method
    ]


@pytest.mark.parametrize("index", range(len(_every_operator())))
def test_same_terms_as_pysmt_on_every_operator(index: int) -> None:
    slow, fast = _both(_every_operator()[index])
    assert fast.get_id() == slow.get_id() and fast.eq(slow)
    assert type(fast) is type(slow)


def test_same_terms_on_the_reduction_of_a_verification_condition() -> None:
    from hoverify.engine.vcgen import generate
    from hoverify.loader import load_and_compile
    from logic.reduce import reduce_formula

    _, cm = load_and_compile("models/otr.py")
    vc = next(v for v in generate(cm) if v.name == "invariant[0] Exchange")
    red = reduce_formula(vc.negation, depth=0, encoding="sparse")
    slow, fast = _both(red.smt)
    assert fast.get_id() == slow.get_id()
    assert len(str(fast.sexpr())) > 10_000  # a reduction of some size, not a trivial one


def test_terms_are_shared_across_conversions_and_solve_uses_it() -> None:
    """A second formula reuses the first one's terms (one memo table per converter), and a z3
    query through logic.backends gives the answers it gave with pysmt's converter."""
    env = pysmt_env()
    conv = FastZ3Converter(env, z3.Context())
    first, second = _every_operator()[0], _every_operator()[2]
    conv.convert(first)
    before = len(conv.memoization)
    conv.convert(first)
    assert len(conv.memoization) == before
    conv.convert(second)
    assert len(conv.memoization) > before
    from pysmt.typing import INT

    mgr = env.formula_manager
    n, m = mgr.Symbol("zc_n", INT), mgr.Symbol("zc_m", INT)
    n_below_m = _every_operator()[4]  # n - m < 0
    assert solve(n_below_m, "z3", isolate=False).answer is Answer.SAT
    assert solve(mgr.And(n_below_m, mgr.LE(m, n)), "z3", isolate=False).answer is Answer.UNSAT


def test_queries_in_one_process_share_one_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The z3 queries of one process (its thread) keep one converter: a query translates only
    what no query before it did, and answers as before. Past ``MAX_Z3_TERMS`` (or in another z3
    context) a new converter starts an empty table."""
    from pysmt.typing import INT

    from logic import backends

    env = pysmt_env()
    mgr = env.formula_manager
    n, m = mgr.Symbol("zc_n", INT), mgr.Symbol("zc_m", INT)
    n_below_m = _every_operator()[4]  # n - m < 0
    assert solve(n_below_m, "z3", isolate=False).answer is Answer.SAT
    conv = backends._z3_converters.converter
    assert n_below_m in conv.memoization
    both = mgr.And(n_below_m, mgr.LE(m, n))
    assert solve(both, "z3", isolate=False).answer is Answer.UNSAT
    assert backends._z3_converters.converter is conv and both in conv.memoization
    assert backends._z3_converter(env, z3.Context()) is not conv
    assert backends._z3_converter(env, z3.main_ctx()) is not conv  # the table starts again
    monkeypatch.setattr(backends, "MAX_Z3_TERMS", 0)
    full = backends._z3_converter(env, z3.main_ctx())
    full.convert(n_below_m)
    assert backends._z3_converter(env, z3.main_ctx()) is not full
    assert solve(both, "z3", isolate=False).answer is Answer.UNSAT
