"""One interface over the SMT solvers z3, cvc5 and yices (through pysmt, see :mod:`logic.compat`).

:func:`solve` checks one pysmt formula on one backend and returns a :class:`SolverOutcome`: the
answer, the values of some ground Int/Bool terms on SAT, and a reason on UNKNOWN. It never raises
because of what a solver does; it raises :class:`~logic.errors.BackendError` only for a backend name
that is unknown or not available, and ``TypeError``/``ValueError`` for ill-typed arguments.

Time limits. Every query sets the solver's own limit: z3's ``timeout`` parameter, cvc5's
``tlimit-per`` option, and for yices (which has no time-limit option) a timer thread that calls
``yices_stop_search``. With ``isolate=True`` (the default) the query also runs in a forked child
process, and a child that has not answered ``timeout`` plus a small grace period after the fork is
killed: the limit holds even for a solver that ignores its own, and a solver crash cannot take the
caller down. With ``isolate=False`` the query runs in the calling process and **only the solver's
own limit applies: it is not enforced**, and a crash of the solver's native code ends the process.
``isolate=False`` is also not thread-safe (pysmt's formula manager is shared); ``isolate=True`` is
usable from several threads, but fork from a multi-threaded process is only as safe as the locks
other threads hold at that moment (a child stuck on one ends as a timeout).

Values. Read back with ``get_value`` on ground Int/Bool terms (``x(a)``, ``Equals(a, b)``), which
works on every backend; values of uninterpreted-sort terms cannot be read portably.
"""

from __future__ import annotations

import enum
import math
import os
import pickle
import select
import signal
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from logic.compat import pysmt_env, yices_problem
from logic.errors import BackendError
from logic.result import Answer

if TYPE_CHECKING:
    from pysmt.environment import Environment
    from pysmt.fnode import FNode

__all__ = ["BACKENDS", "SolverOutcome", "available_backends", "backend_version", "solve"]

BACKENDS: tuple[str, ...] = ("z3", "cvc5", "yices")

Value = int | bool
#: the terms whose values a SAT answer reads, or a function that makes them (see ``solve``)
Want = Sequence["FNode"] | Callable[[], Sequence["FNode"]]
# (answer, values, reason): what a query produces, as plain data that pickles cheaply.
_Raw = tuple[Answer, tuple[Value, ...] | None, str | None]

#: Test hook: called in the forked child before the query (e.g. to make the child die).
_child_hook: Callable[[], object] | None = None

_HEADER = struct.Struct("!Q")  # length prefix of the child's message
_POLL_SLICE = 0.05  # how often the parent checks for a dead child while waiting for its message


@dataclass(frozen=True)
class SolverOutcome:
    """What one solver said about one formula.

    ``values`` (the values of the ``want`` terms, in order) is set exactly on SAT; ``reason``
    exactly on UNKNOWN. ``seconds`` is the wall-clock time of the query, process fork included
    (not the one-time initialisation of the first call).
    """

    answer: Answer
    values: tuple[int | bool, ...] | None
    reason: str | None
    backend: str
    seconds: float

    def __post_init__(self) -> None:
        if (self.answer is Answer.UNKNOWN) != bool(self.reason):
            raise ValueError("an unknown answer needs a reason, and only an unknown answer has one")
        if (self.answer is Answer.SAT) != (self.values is not None):
            raise ValueError("values are given exactly with a sat answer")


# ---- availability ------------------------------------------------------------------------------

_avail_lock = threading.Lock()
_available: tuple[str, ...] | None = None
_unavailable_why: dict[str, str] = {}


def available_backends() -> tuple[str, ...]:
    """The backends that are installed and pass a smoke test (UF over an uninterpreted sort, a
    value read back), in the order of :data:`BACKENDS`. Computed once per process."""
    global _available
    if _available is not None:
        return _available
    with _avail_lock:
        if _available is None:
            env = pysmt_env()
            installed = env.factory.all_solvers()
            found = []
            for name in BACKENDS:
                if name not in installed:
                    why = yices_problem() if name == "yices" else None
                    _unavailable_why[name] = why or "not installed"
                    continue
                problem = _smoke_test(env, name)
                if problem is None:
                    found.append(name)
                else:
                    _unavailable_why[name] = problem
            _available = tuple(found)
        return _available


def _smoke_test(env: Environment, name: str) -> str | None:
    """``None`` if ``name`` answers a tiny query correctly in-process, else what went wrong.

    Running it in-process also performs the backend's lazy imports once, in the parent, so that
    forked children do not repeat them."""
    from pysmt.typing import INT, FunctionType

    mgr = env.formula_manager
    tm = env.type_manager
    sort = tm.Type("HoverifyProbeSort", 0)
    f = mgr.Symbol("hoverify_probe_f", FunctionType(INT, [sort]))
    a, b = mgr.Symbol("hoverify_probe_a", sort), mgr.Symbol("hoverify_probe_b", sort)
    fa = mgr.Function(f, [a])
    formula = mgr.And(mgr.GT(fa, mgr.Int(2)), mgr.LT(fa, mgr.Int(4)), mgr.Not(mgr.Equals(a, b)))
    answer, values, reason = _query(env, formula, name, 10.0, (fa, mgr.Equals(a, b)))
    if answer is Answer.SAT and values == (3, False):
        return None
    return f"smoke test failed: {answer} {values} {reason or ''}".strip()


def _require(name: str) -> None:
    available = available_backends()
    if name in available:
        return
    listed = ", ".join(available) or "none"
    if name in BACKENDS:
        raise BackendError(f"backend {name!r} is not available ({_unavailable_why.get(name)}); "
                           f"available: {listed}")
    raise BackendError(f"unknown backend {name!r}; available: {listed}")


def backend_version(name: str) -> str:
    """The backend's name and version as the solver itself reports it, e.g. ``"z3 5.4.0"``."""
    _require(name)
    if name == "z3":
        import z3

        version: Any = z3.get_version_string()
    elif name == "cvc5":
        import cvc5

        version = cvc5.Solver().getVersion()
    else:
        import yices_api

        version = yices_api.yices_version
    if isinstance(version, bytes):
        version = version.decode()
    return f"{name} {version}"


# ---- solving -----------------------------------------------------------------------------------


def solve(formula: FNode, backend: str, *, timeout: float = 10.0, want: Want = (),
          isolate: bool = True, prefer: FNode | None = None,
          logic: str | None = None, own_context: bool = False,
          seed: int | None = None) -> SolverOutcome:
    """Check ``formula`` for satisfiability on ``backend`` within ``timeout`` seconds.

    On SAT, ``values`` holds the values of the ground Int/Bool terms ``want``, in order. See the
    module docstring for what ``isolate`` guarantees. ``prefer`` is a model-search hint: if
    ``formula`` is satisfiable, the solver also checks ``formula and prefer`` (on a fresh solver)
    and answers with that model if there is one. The answer is always about ``formula``.

    ``logic`` declares the logic of ``formula``, ``prefer`` and ``want`` when the caller knows it
    (one of :data:`DECLARED_LOGICS`; it may name more theories than they use, never fewer).
    Without it the logic is detected by walking the formula, which on large reductions takes
    longer than the solver.

    ``want`` may also be a function returning the terms, called only on SAT (in the child
    process when isolated): for callers that read values from few of their queries and whose
    terms are costly to build. It needs a declared ``logic``.

    ``own_context`` (z3 only; the others make their terms anew for each query): the query in a z3
    context of its own. In the context z3's queries share (:func:`_z3_converter`: a term already
    translated for a query before is not translated again), z3's model depends on the order in
    which the context's terms were made, so on every query the process asked before; in a context
    of its own it depends on the formula alone, at the price of translating it again (3 ms for
    the context, and the formula). For the models a person reads: the same counterexample
    whether it is checked alone or after others.

    ``seed`` (z3 only; ignored by the others): z3's random seed for this query (else the
    process's, ``smt.random_seed``). Its search, and so its time, depends on it: a query that
    runs long with one seed may end at once with another (see :mod:`logic.decide`'s restarts).
    """
    _require(backend)  # the first call also initialises pysmt and smoke-tests the backends
    if logic is not None and logic not in DECLARED_LOGICS:
        raise ValueError(f"unknown declared logic {logic!r}; expected one of "
                         f"{', '.join(DECLARED_LOGICS)}")
    timeout = float(timeout)
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
    env = pysmt_env()
    if callable(want):
        if logic is None:
            raise ValueError("a want function needs a declared logic")
        _check_types(env, formula, ())
    else:
        want = tuple(want)
        _check_types(env, formula, want)
    if prefer is not None:
        _check_types(env, prefer, ())
    start = time.perf_counter()
    if isolate:
        answer, values, reason = _in_child(env, formula, backend, timeout, want, start, prefer,
                                           logic, own_context, seed)
    else:
        answer, values, reason = _query(env, formula, backend, timeout, want, prefer, logic,
                                        own_context, seed)
    return SolverOutcome(answer, values, reason, backend, time.perf_counter() - start)


def _check_types(env: Environment, formula: FNode, want: tuple[FNode, ...]) -> None:
    from pysmt.fnode import FNode

    if not isinstance(formula, FNode) or not env.stc.get_type(formula).is_bool_type():
        raise TypeError(f"formula must be a Bool-typed pysmt formula, not {formula!r}")
    for term in want:
        if not isinstance(term, FNode):
            raise TypeError(f"want terms must be pysmt terms, not {term!r}")
        tp = env.stc.get_type(term)
        if not (tp.is_int_type() or tp.is_bool_type()):
            raise TypeError(f"want term {term} has type {tp}; only Int and Bool values are read")


def _timeout_reason(timeout: float) -> str:
    return f"timeout after {timeout:.3g} s"


def is_timeout(reason: str | None) -> bool:
    """Whether an unknown answer's ``reason`` is that the query ran out of time."""
    return reason is not None and reason.startswith("timeout after ")


def _grace(timeout: float) -> float:
    """How long past its own limit a child may take to report before it is killed."""
    return min(2.0, 0.25 + 0.05 * timeout)


def _query(env: Environment, formula: FNode, backend: str, timeout: float,
           want: Want, prefer: FNode | None = None,
           declared: str | None = None, own_context: bool = False,
           seed: int | None = None) -> _Raw:
    """Run the query in this process; every exception becomes an UNKNOWN with its reason.

    With ``prefer``, ``formula`` is checked first; only if it is satisfiable is ``formula and
    prefer`` checked too, on a fresh solver (not push/pop: incremental mode disables much of z3's
    and cvc5's preprocessing), and its model is returned if it has one, else the first. Most
    queries are unsatisfiable: they are solved once (checking ``formula and prefer`` first solved
    them twice). The hint gets at most :data:`PREFER_SHARE` of the time the first answer took (and
    at least :data:`PREFER_MIN_SECONDS`), never more than what is left.
    """
    start = time.perf_counter()
    raw = _query_once(env, formula, backend, timeout, want, declared, own_context, seed)
    if prefer is None or raw[0] is not Answer.SAT:
        return raw
    spent = time.perf_counter() - start
    budget = min(timeout - spent, max(PREFER_MIN_SECONDS, PREFER_SHARE * spent))
    if budget <= 0.01:
        return raw
    better = _query_once(env, env.formula_manager.And(formula, prefer), backend, budget, want,
                         declared, own_context, seed)
    return better if better[0] is Answer.SAT else raw


#: the time the model-search hint of :func:`solve` gets, relative to the first answer's
PREFER_SHARE = 2.0
PREFER_MIN_SECONDS = 1.0


#: the most z3 terms :func:`_z3_converter` keeps before it starts a new table
MAX_Z3_TERMS = 2_000_000
_z3_converters = threading.local()


def _z3_converter(env: Environment, ctx: Any) -> Any:
    """The translator of pysmt terms to z3 terms of this thread, for the z3 context ``ctx``,
    kept from one query to the next: pysmt's terms are shared (one formula manager), so the
    invariants, the round's relation and every instance already translated for a query (for a
    slice, an attempt before, a VC before, in the same process) are not translated again. A new
    one when the context differs or the table has grown past :data:`MAX_Z3_TERMS`."""
    from logic.z3convert import FastZ3Converter

    conv = getattr(_z3_converters, "converter", None)
    if conv is None or conv.ctx is not ctx or len(conv.memoization) > MAX_Z3_TERMS:
        conv = FastZ3Converter(env, ctx)
        _z3_converters.converter = conv
    return conv


def _plain_z3_solver(ctx: Any, options: dict[str, Any]) -> Any:
    """z3's SMT core without a logic's tactic, for ``options`` (:func:`_native_options`).

    pysmt asks z3 for the solver of the declared logic (``SolverFor("QF_UFLIA")``), which runs
    the logic's preprocessing tactic before the search on every query. On the reductions here
    it does not pay: measured over the seven models (every VC one after another, in one
    process, z3 seeds 0-2), the six besides A_T,E took 6.1-6.4 s with the plain core against
    7.2-8.1 s; A_T,E 5.9-6.7 s against 7.1-11.7 s (seeds 0-3: its hardest round lemma, a
    heavy-tailed query, 1.0-2.1 s against 1.6-5.9 s); a small one (the relaxation of a system
    over 24 sets) 2-4 ms against 15-25 ms."""
    import z3

    plain = z3.SimpleSolver(ctx=ctx)
    plain.set(model=True, **options)
    return plain


def _query_once(env: Environment, formula: FNode, backend: str, timeout: float,
                want: Want, declared: str | None = None, own_context: bool = False,
                seed: int | None = None) -> _Raw:
    """One query on a new solver; for z3, in the process's shared context, or with
    ``own_context`` in a new one (see :func:`solve`)."""
    from pysmt.exceptions import NoLogicAvailableError, NoSolverAvailableError

    try:
        if declared is None:
            assert not callable(want)  # solve: a want function comes with a declared logic
            logic = _logic_of(env, formula, tuple(want), backend)
        else:
            logic = _declared_logic(declared, backend)
        options = _native_options(backend, timeout, logic)
        if seed is not None and backend == "z3":
            options["random_seed"] = seed
        solver = env.factory.Solver(name=backend, logic=logic, generate_models=True,
                                    incremental=False, solver_options=options)
    except (NoSolverAvailableError, NoLogicAvailableError) as exc:
        return Answer.UNKNOWN, None, f"{backend} does not support this formula: {exc}"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return Answer.UNKNOWN, None, f"{backend} failed: {type(exc).__name__}: {exc}"
    if backend == "z3":
        # pysmt's converter is slower than the search on large reductions (see logic.z3convert),
        # and a new one per solver translates again what the one before did
        if own_context:
            import z3

            from logic.z3convert import FastZ3Converter

            ctx = z3.Context()
            solver.converter = FastZ3Converter(env, ctx)
        else:
            ctx = solver.z3.ctx
            solver.converter = _z3_converter(env, ctx)
        solver.z3 = _plain_z3_solver(ctx, options)
    try:
        solver.add_assertion(formula)
        answer, reason = _CHECKS[backend](solver, timeout)
        values: tuple[Value, ...] | None = None
        if answer is Answer.SAT:
            try:
                terms = tuple(want() if callable(want) else want)
                values = (_z3_values(solver, terms) if backend == "z3"
                          else tuple(_python_value(solver.get_value(term)) for term in terms))
            except Exception as exc:  # noqa: BLE001
                return Answer.UNKNOWN, None, (f"{backend} answered sat but a value could not be "
                                              f"read: {type(exc).__name__}: {exc}")
        return answer, values, reason
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return Answer.UNKNOWN, None, f"{backend} failed: {type(exc).__name__}: {exc}"
    finally:
        _dispose(solver, backend)


def _logic_of(env: Environment, formula: FNode, want: tuple[FNode, ...], backend: str) -> Any:
    """The logic of the formula and the ``want`` terms, with difference logic widened to linear
    arithmetic (so that a solver's logic setting never rejects what pysmt classified narrowly)."""
    from pysmt.logics import Logic

    mgr = env.formula_manager
    probe = mgr.And(formula, *(mgr.EqualsOrIff(t, t) for t in want)) if want else formula
    theory = env.theoryo.get_theory(probe).copy()
    theory.integer_difference = False
    theory.real_difference = False
    if backend != "cvc5":
        # pysmt names a logic with uninterpreted sorts "QF_UFLIAt"; it passes the name on to z3 and
        # yices, which do not know it (yices warns and falls back to its default configuration,
        # z3 to its generic solver). Custom sorts are part of UF for both, so drop the "t".
        theory.custom_type = False
    quantifier_free = env.qfo.is_qf(probe)
    return Logic(name=_logic_name(quantifier_free, theory), description="detected by hoverify",
                 quantifier_free=quantifier_free, theory=theory)


#: the logics a caller may declare to :func:`solve` instead of having them detected
DECLARED_LOGICS = ("QF_LIA", "QF_UFLIA")


def _declared_logic(name: str, backend: str) -> Any:
    """The pysmt logic :func:`_logic_of` detects for a quantifier-free formula of linear integer
    arithmetic, with uninterpreted functions and sorts for ``QF_UFLIA``."""
    from pysmt.logics import Logic, Theory

    uf = name == "QF_UFLIA"
    theory = Theory(integer_arithmetic=True, linear=True, uninterpreted=uf,
                    custom_type=uf and backend == "cvc5")
    return Logic(name=name, description="declared to hoverify", quantifier_free=True,
                 theory=theory)


def _z3_values(solver: Any, want: tuple[FNode, ...]) -> tuple[Value, ...]:
    """The values of ``want`` in z3's model, as pysmt's ``get_value`` reads them (model
    completion on), through z3's C API: no Python wrapper per value, and no translation of each
    value back to a pysmt term (on large models both cost more than the search)."""
    from z3 import Z3_BOOL_SORT, Z3_INT_SORT, z3core
    from z3.z3 import Ast

    ctx = solver.z3.ctx.ref()
    model = solver.z3.model()
    convert = solver.converter.convert
    out = (Ast * 1)()
    values: list[Value] = []
    for term in want:
        if not z3core.Z3_model_eval(ctx, model.model, convert(term).as_ast(), True, out):
            raise ValueError(f"z3 cannot evaluate {term} in its model")
        ast = out[0]
        z3core.Z3_inc_ref(ctx, ast)
        try:
            kind = z3core.Z3_get_sort_kind(ctx, z3core.Z3_get_sort(ctx, ast))
            if kind == Z3_BOOL_SORT:
                truth = z3core.Z3_get_bool_value(ctx, ast)
                if truth == 0:
                    raise ValueError(f"z3 gives {term} no truth value")
                values.append(truth > 0)
            elif kind == Z3_INT_SORT and z3core.Z3_is_numeral_ast(ctx, ast):
                values.append(int(z3core.Z3_get_numeral_string(ctx, ast)))
            else:
                raise ValueError(f"not an Int or Bool constant: the value of {term}")
        finally:
            z3core.Z3_dec_ref(ctx, ast)
    return tuple(values)


def _logic_name(quantifier_free: bool, theory: Any) -> str:
    """An SMT-LIB-style name for messages, e.g. ``QF_UFLIA``, ``UFNIRA``."""
    arithmetic = "I" if theory.integer_arithmetic else ""
    arithmetic += "R" if theory.real_arithmetic else ""
    return "".join([
        "QF_" if quantifier_free else "",
        "A" if theory.arrays else "",
        "UF" if theory.uninterpreted else "",
        "BV" if theory.bit_vectors else "",
        "FP" if theory.floating_point else "",
        "S" if theory.strings else "",
        (("L" if theory.linear else "N") + arithmetic + "A") if arithmetic else "",
    ]) or ("QF_BOOL" if quantifier_free else "BOOL")


def _native_options(backend: str, timeout: float, logic: Any) -> dict[str, Any]:
    millis = max(1, min(2**32 - 1, math.ceil(timeout * 1000)))
    if backend == "z3":
        return {"timeout": millis}
    if backend == "cvc5":
        options: dict[str, Any] = {"tlimit-per": millis}
        if not logic.quantifier_free and logic.theory.custom_type:
            # quantified sat queries over uninterpreted sorts are otherwise always unknown
            options["finite-model-find"] = "true"
        return options
    return {}  # yices: no time-limit option; see _check_yices


def _check_z3(solver: Any, timeout: float) -> tuple[Answer, str | None]:
    start = time.perf_counter()
    result = str(solver.z3.check())
    if result == "sat":
        return Answer.SAT, None
    if result == "unsat":
        return Answer.UNSAT, None
    why = str(solver.z3.reason_unknown())
    # z3 says "canceled" both for its timer and for an interrupt (Ctrl-C): tell them apart
    if why == "timeout" or (why == "canceled" and time.perf_counter() - start >= 0.9 * timeout):
        return Answer.UNKNOWN, _timeout_reason(timeout)
    return Answer.UNKNOWN, f"z3 returned unknown: {why or 'no reason given'}"


def _check_cvc5(solver: Any, timeout: float) -> tuple[Answer, str | None]:
    result = solver.cvc5.checkSat()
    if result.isSat():
        return Answer.SAT, None
    if result.isUnsat():
        return Answer.UNSAT, None
    why = result.getUnknownExplanation()
    name = str(getattr(why, "name", why))
    if name == "TIMEOUT":
        return Answer.UNKNOWN, _timeout_reason(timeout)
    return Answer.UNKNOWN, f"cvc5 returned unknown: {name.lower().replace('_', ' ')}"


_YICES_STATUS_SAT, _YICES_STATUS_UNSAT, _YICES_STATUS_INTERRUPTED = 3, 4, 5


def _check_yices(solver: Any, timeout: float) -> tuple[Answer, str | None]:
    # Calls yices directly rather than pysmt's solve(), which asserts the status is one of
    # sat/unsat/unknown (and so would read "interrupted" as unsat under ``python -O``).
    import yices_api

    timer = threading.Timer(timeout, yices_api.yices_stop_search, (solver.yices,))
    timer.daemon = True
    timer.start()
    try:
        status = yices_api.yices_check_context(solver.yices, solver.yices_params)
    finally:
        timer.cancel()
        timer.join()
    if status == _YICES_STATUS_SAT:
        solver.model = yices_api.yices_get_model(solver.yices, 1)
        return Answer.SAT, None
    if status == _YICES_STATUS_UNSAT:
        return Answer.UNSAT, None
    if status == _YICES_STATUS_INTERRUPTED:
        return Answer.UNKNOWN, _timeout_reason(timeout)
    detail = yices_api.yices_error_string() if status != 2 else "no reason given"
    return Answer.UNKNOWN, f"yices returned unknown (status {status}): {detail}"


_CHECKS: dict[str, Callable[[Any, float], tuple[Answer, str | None]]] = {
    "z3": _check_z3, "cvc5": _check_cvc5, "yices": _check_yices,
}


def _dispose(solver: Any, backend: str) -> None:
    try:
        if backend == "yices" and getattr(solver, "model", None) is not None:
            import yices_api

            yices_api.yices_free_model(solver.model)
            solver.model = None
        solver.exit()
    except Exception:  # noqa: BLE001, S110 - cleanup only
        pass


def _python_value(node: Any) -> Value:
    if node.is_bool_constant():
        return bool(node.constant_value())
    if node.is_int_constant():
        return int(node.constant_value())
    raise ValueError(f"not an Int or Bool constant: {node}")


# ---- isolation in a forked child ---------------------------------------------------------------

_unreaped_lock = threading.Lock()
_unreaped: list[int] = []  # children that have answered or been killed, not yet waited for


def _in_child(env: Environment, formula: FNode, backend: str, timeout: float,
              want: Want, start: float, prefer: FNode | None = None,
              declared: str | None = None, own_context: bool = False,
              seed: int | None = None) -> _Raw:
    _reap_finished()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe and leave without any cleanup
        code = 0
        try:
            os.close(read_end)
            try:
                if _child_hook is not None:
                    _child_hook()
                raw = _query(env, formula, backend, timeout, want, prefer, declared,
                             own_context, seed)
            except BaseException as exc:  # noqa: BLE001
                raw = (Answer.UNKNOWN, None, f"solver process failed: {type(exc).__name__}: {exc}")
            payload = pickle.dumps((int(raw[0]), raw[1], raw[2]), pickle.HIGHEST_PROTOCOL)
            _write_all(write_end, _HEADER.pack(len(payload)) + payload)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    os.close(write_end)
    outcome, status = _Receipt.TIMED_OUT, None
    try:
        outcome, message, status = _receive(read_end, pid, start + timeout + _grace(timeout))
    finally:
        os.close(read_end)
        if status is None:  # not reaped yet
            if outcome is _Receipt.TIMED_OUT:  # also when interrupted: no child outlives its query
                _kill(pid)
                _wait(pid, 0)
            else:
                _reap_later(pid)  # it is exiting: do not wait the few ms that takes
    if outcome is _Receipt.TIMED_OUT:
        return Answer.UNKNOWN, None, _timeout_reason(timeout)
    if outcome is _Receipt.DIED:
        return Answer.UNKNOWN, None, _death_reason(status)
    try:
        answer, values, reason = pickle.loads(message)
        return Answer(answer), values, reason
    except Exception as exc:  # noqa: BLE001
        return Answer.UNKNOWN, None, f"solver process sent garbage: {type(exc).__name__}"


class _Receipt(enum.Enum):
    ANSWERED = "answered"
    DIED = "died"
    TIMED_OUT = "timed out"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int, pid: int, deadline: float) -> tuple[_Receipt, bytes, int | None]:
    """Read the child's length-prefixed message until ``deadline``.

    Returns how it ended, the message (when ANSWERED) and the child's wait status if it has been
    reaped (always when DIED). The end of the message is known from its length, not from end of
    file, so that a copy of the pipe's write end in another process forked meanwhile (from another
    thread) cannot delay the answer; a child that dies quietly is noticed by polling every
    ``_POLL_SLICE`` s."""
    buffer = bytearray()
    needed: int | None = None
    while True:
        if needed is not None and len(buffer) >= needed:
            return _Receipt.ANSWERED, bytes(buffer[_HEADER.size:needed]), None
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return _Receipt.TIMED_OUT, b"", None
        ready, _, _ = select.select([fd], [], [], min(remaining, _POLL_SLICE))
        if ready:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                buffer += chunk
                if needed is None and len(buffer) >= _HEADER.size:
                    needed = _HEADER.size + _HEADER.unpack_from(buffer)[0]
                continue
            # end of file: the child closed its end by exiting, without a complete message
            return _Receipt.DIED, b"", _wait(pid, 0)
        status = _wait(pid, os.WNOHANG)  # quiet: has the child gone?
        if status is not None:
            # it may have written its message just after select() looked: drain the pipe
            while select.select([fd], [], [], 0)[0] and (chunk := os.read(fd, 1 << 16)):
                buffer += chunk
            if len(buffer) >= _HEADER.size:
                needed = _HEADER.size + _HEADER.unpack_from(buffer)[0]
                if len(buffer) >= needed:
                    return _Receipt.ANSWERED, bytes(buffer[_HEADER.size:needed]), status
            return _Receipt.DIED, b"", status


def _wait(pid: int, flags: int) -> int | None:
    """The wait status of child ``pid`` if it has ended (-1 if someone else reaped it)."""
    try:
        done, status = os.waitpid(pid, flags)
    except ChildProcessError:  # reaped elsewhere (e.g. SIGCHLD ignored)
        return -1
    return status if done else None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap_later(pid: int) -> None:
    if _wait(pid, os.WNOHANG) is None:
        with _unreaped_lock:
            _unreaped.append(pid)


def _reap_finished() -> None:
    """Wait for the children left by earlier calls that have ended since."""
    with _unreaped_lock:
        _unreaped[:] = [pid for pid in _unreaped if _wait(pid, os.WNOHANG) is None]


def _death_reason(status: int | None) -> str:
    if status is None or status < 0:
        return "solver crashed (exit status unknown)"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = f": {signal.Signals(number).name}"
        except ValueError:
            name = ""
        return f"solver crashed (signal {number}{name})"
    return f"solver crashed (exit status {os.waitstatus_to_exitcode(status)})"
