"""Mutation test of the proof engine's soundness.

An automated mutator rewrites the code of every model in ``models/`` (its ``init``, ``send`` and
``update`` functions, never its specification strings):

* ``cmp``: a comparison operator flipped (``>`` to ``>=`` and ``<``, ``==`` to ``!=``, ``in`` to
  ``not in``, ``is`` to ``is not``, ...);
* ``threshold``: a quorum threshold over ``n`` (``2 * n / 3``, ``n / 2``, ...) replaced by another
  one (``n / 2``, ``n / 3``, ``2 * n / 3``, ``0``), and a small integer constant in a comparison
  moved by one;
* ``value``: the value chosen from a mailbox changed (``min``/``max``/``min_most_often``
  exchanged, the key of ``max_by`` or a tuple index changed, a boolean constant negated);
* ``bool``: ``and`` and ``or`` exchanged;
* ``drop``: an assignment (or a ``p.decide(...)`` call) dropped.

Each mutant is written to a temporary file and loaded and compiled as a user's model would be; a
mutant that does not load or compile is skipped (and counted). The bounded explorer runs every
compiling mutant on a small instance; when it finds a reachable violation of a property ``P``
(checked with the explorer one property at a time), the engine is run on ``P``'s VCs and on the
invariant VCs (``*invariant*``: invariants and round invariants) of the mutant. Soundness: the
engine must not prove all of them, since an inductive invariant that implies ``P`` rules out
every reachable violation of ``P``. A property the model does not state in ``safety`` (no VC)
cannot be claimed and is only counted.

The engine's verdicts are robust to the decision procedure getting stronger: more VCs proved and
fewer unknown can never make this test fail; only an unsound proof can.
"""

from __future__ import annotations

import ast
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import hoverify
from hoverify.engine.results import Status
from hoverify.explore import explore
from hoverify.loader import load_and_compile

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.py"))

#: how each model is explored: (n, rounds, max_states); n is raised to the model's min_n
EXPLORE = {
    "otr": (3, 3, 4000),
    "floodmin": (3, 2, 4000),
    "uniformvoting": (2, 4, 4000),  # its NoSplit predicate makes n = 3 slow
    "lastvoting": (3, 4, 4000),
    "ate": (3, 1, 1000),
    "benor": (3, 3, 4000),
    "twophasecommit": (3, 3, 4000),
}
DEFAULT_EXPLORE = (3, 2, 2000)

#: at most this many mutants with a violation are given to the engine (a deterministic choice
#: spread over models and kinds of mutation), and the engine's timeout per VC
MAX_CHECKED = 10
CHECK_TIMEOUT = 4.0

MIN_MUTANTS = 100

_CMP_FLIPS: dict[type, tuple[type, ...]] = {
    ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE), ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE), ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
}
_THRESHOLDS = ("n / 2", "n / 3", "2 * n / 3", "0")
_CHOICES = ("min", "max", "min_most_often")


@dataclass
class Mutant:
    model: str     # the stem of the model file
    kind: str      # cmp, threshold, value, bool, drop
    index: int     # the mutation's number in its model
    line: int
    what: str
    source: str


# ---- the mutator -------------------------------------------------------------------------------
Edit = Callable[[], None]


def _code_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """The nodes of the model class's functions (init, send, update), in a stable order."""
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for node in ast.walk(cls):
            if isinstance(node, ast.FunctionDef):
                yield from ast.walk(node)


def _mentions_n(node: ast.AST) -> bool:
    return any(isinstance(x, ast.Name) and x.id == "n" for x in ast.walk(node))


def _replace_expr(node: ast.AST, text: str) -> None:
    """Turn the expression node ``node`` into ``text`` in place."""
    repl = ast.parse(text, mode="eval").body
    node.__class__ = repl.__class__
    node.__dict__.clear()
    node.__dict__.update(repl.__dict__)


def _sites(tree: ast.Module) -> Iterator[tuple[str, int, str, Edit]]:
    """Every mutation of ``tree``: ``(kind, line, description, edit)``, in a stable order;
    ``edit()`` applies it to ``tree`` in place."""
    in_threshold: set[int] = set()
    for node in _code_nodes(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                for new in _CMP_FLIPS.get(type(op), ()):
                    def flip(node: ast.Compare = node, k: int = k, new: type = new) -> None:
                        node.ops[k] = new()
                    yield "cmp", line, f"{type(op).__name__} -> {new.__name__}", flip
            for comp in node.comparators:
                if isinstance(comp, ast.Constant) and type(comp.value) is int:
                    for moved in (comp.value + 1, comp.value - 1):
                        if moved < 0:
                            continue

                        def move(c: ast.Constant = comp, moved: int = moved) -> None:
                            c.value = moved
                        yield "threshold", line, f"constant {comp.value} -> {moved}", move
        if isinstance(node, ast.BinOp) and _mentions_n(node) and id(node) not in in_threshold:
            # the outermost arithmetic over n: a whole threshold
            in_threshold.update(id(x) for x in ast.walk(node))
            old = ast.unparse(node)
            for text in _THRESHOLDS:
                if text.replace(" ", "") != old.replace(" ", ""):
                    def threshold(node: ast.AST = node, text: str = text) -> None:
                        _replace_expr(node, text)
                    yield "threshold", line, f"{old} -> {text}", threshold
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if func.attr in _CHOICES and not node.args:
                for other in _CHOICES:
                    if other != func.attr:
                        def choose(func: ast.Attribute = func, other: str = other) -> None:
                            func.attr = other
                        yield "value", line, f"{func.attr}() -> {other}()", choose
            if func.attr == "max_by" and node.args and isinstance(node.args[0], ast.Lambda):
                def negate_key(lam: ast.Lambda = node.args[0]) -> None:
                    lam.body = ast.UnaryOp(ast.Not(), lam.body)
                yield "value", line, "max_by key negated", negate_key
        if (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                and node.slice.value in (0, 1)):
            def index(c: ast.Constant = node.slice) -> None:
                c.value = 1 - c.value
            yield "value", line, f"index [{node.slice.value}] -> [{1 - node.slice.value}]", index
        if isinstance(node, ast.Constant) and type(node.value) is bool:
            def negate(c: ast.Constant = node) -> None:
                c.value = not c.value
            yield "value", line, f"{node.value} -> {not node.value}", negate
        if isinstance(node, ast.BoolOp):
            def swap(b: ast.BoolOp = node) -> None:
                b.op = ast.Or() if isinstance(b.op, ast.And) else ast.And()
            yield "bool", line, "and <-> or", swap
        for attr in ("body", "orelse"):
            stmts = getattr(node, attr, None)
            if not isinstance(stmts, list):
                continue
            for k, st in enumerate(stmts):
                if isinstance(st, (ast.Assign, ast.AugAssign)) or (
                        isinstance(st, ast.Expr) and isinstance(st.value, ast.Call)
                        and isinstance(st.value.func, ast.Attribute)
                        and st.value.func.attr == "decide"):
                    def drop(stmts: list[ast.stmt] = stmts, k: int = k) -> None:
                        stmts[k] = ast.Pass()
                    yield "drop", st.lineno, f"drop `{ast.unparse(st)}`", drop


def mutants(path: Path) -> list[Mutant]:
    """Every mutant of the model file ``path``, in a stable order."""
    source = path.read_text(encoding="utf-8")
    count = sum(1 for _ in _sites(ast.parse(source)))
    out = []
    for index in range(count):
        tree = ast.parse(source)
        kind, line, what, edit = next(itertools.islice(_sites(tree), index, None))
        edit()
        ast.fix_missing_locations(tree)
        out.append(Mutant(path.stem, kind, index, line, what, ast.unparse(tree) + "\n"))
    return out


# ---- the test ------------------------------------------------------------------------------------
@dataclass
class Summary:
    mutants: int = 0
    compiled: int = 0
    not_compiled: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    explored: int = 0
    run_errors: int = 0
    violations: int = 0
    violated: Counter[str] = field(default_factory=Counter)
    unstated: int = 0
    checked: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    stopped_by: Counter[str] = field(default_factory=Counter)
    unsound: list[str] = field(default_factory=list)

    def text(self) -> str:
        def items(c: Counter[str]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"

        return "\n".join([
            f"mutation soundness: {self.mutants} mutants ({items(self.by_kind)}); "
            f"{self.compiled} compile, {self.not_compiled} skipped (do not load or compile)",
            f"  explorer: {self.explored} explored, {self.run_errors} fail at run time, "
            f"{self.violations} violate a property ({items(self.violated)}); "
            f"{self.unstated} of them a property without a VC",
            f"  engine: {self.checked} mutants checked; VC verdicts: {items(self.verdicts)}; "
            f"first VC not proved: {items(self.stopped_by)}",
            f"  unsound verdicts: {len(self.unsound)}",
        ])


def _explore_settings(stem: str, min_n: int) -> tuple[int, int, int]:
    n, rounds, cap = EXPLORE.get(stem, DEFAULT_EXPLORE)
    return max(n, min_n), rounds, cap


def test_mutator_makes_at_least_100_mutants_of_every_kind() -> None:
    counts = Counter(m.kind for path in MODELS for m in mutants(path))
    assert sum(counts.values()) >= MIN_MUTANTS
    assert set(counts) == {"cmp", "threshold", "value", "bool", "drop"}
    # a mutant differs from its model, and the mutants of a model differ from each other
    for path in MODELS:
        ms = mutants(path)
        original = ast.unparse(ast.parse(path.read_text(encoding="utf-8"))) + "\n"
        assert all(m.source != original for m in ms), path.name
        assert len({m.source for m in ms}) == len(ms), path.name


@dataclass
class Candidate:
    mutant: Mutant
    file: str
    prop: str            # the property the explorer violates
    vcs: list[str]       # P's VCs, then the invariant VCs, in the order they are checked
    violation: str


def _vc_order(cm: object, prop: str) -> list[str]:
    """The VCs whose proof would show ``prop``: its own VCs first (they are the cheapest), then
    the invariants' and round invariants' (initiation first)."""
    from hoverify.engine.vcgen import VCKind, generate

    vcs = generate(cm)  # type: ignore[arg-type]
    own = [vc.name for vc in vcs if vc.target == f"safety[{prop!r}]"]
    inv = [vc for vc in vcs if vc.kind in (VCKind.INITIATION, VCKind.CONSECUTION)]
    return own + [vc.name for vc in inv]


def test_no_mutant_with_a_reachable_violation_is_proved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # never the user's cache; a cache of our own makes VCs a mutation does not touch cheap
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    s = Summary()
    candidates: list[Candidate] = []
    folder = tmp_path / "mutants"
    folder.mkdir()
    for path in MODELS:
        for m in mutants(path):
            s.mutants += 1
            s.by_kind[m.kind] += 1
            file = folder / f"{m.model}_{m.index:03d}.py"
            file.write_text(f"# {m.model} mutant {m.index} ({m.kind}, line {m.line}): "
                            f"{m.what}\n{m.source}", encoding="utf-8")
            try:
                model, cm = load_and_compile(file)
            except Exception:  # noqa: BLE001 - any failure to load or compile: skipped
                s.not_compiled += 1
                continue
            s.compiled += 1
            n, rounds, cap = _explore_settings(m.model, model.min_n)
            s.explored += 1
            try:
                res = explore(model, n, rounds, max_states=cap)
            except Exception:  # noqa: BLE001 - the mutant's code fails at run time
                s.run_errors += 1
                continue
            if res.violation is None:
                continue
            prop = res.violation.property
            prop = "irrevocability" if prop == "integrity" else prop
            s.violations += 1
            s.violated[prop] += 1
            if prop not in cm.safety:
                s.unstated += 1
                continue
            candidates.append(Candidate(m, str(file), prop, _vc_order(cm, prop),
                                        str(res.violation)))
    assert s.compiled >= MIN_MUTANTS, s.text()
    assert s.violations > 0, s.text()

    for c in _pick(candidates, MAX_CHECKED):
        s.checked += 1
        # the claim "P holds" needs every one of these VCs: stop at the first that is not proved
        for name in c.vcs:
            report = hoverify.check(c.file, timeout=CHECK_TIMEOUT, jobs=2, only=name)
            results = [r for r in report.results if r.name == name]
            assert len(results) == 1, (c.file, name, [r.name for r in report.results])
            r = results[0]
            s.verdicts[str(r.status)] += 1
            if r.status is Status.REFUTED:
                assert r.counterexample is not None
                assert r.counterexample.data["confirmed"] is True
            if r.status is not Status.PROVED:
                s.stopped_by[f"{r.kind.value} {r.status}"] += 1
                break
        else:
            s.unsound.append(f"{c.mutant.model} mutant {c.mutant.index} ({c.mutant.what}, "
                             f"line {c.mutant.line}): the explorer finds `{c.violation}`, yet "
                             f"{len(c.vcs)} VCs are proved: {', '.join(c.vcs)}")
    with capsys.disabled():
        print("\n" + s.text())
    assert s.checked > 0
    assert not s.unsound, "unsound verdicts:\n" + "\n".join(s.unsound)


def _pick(candidates: list[Candidate], k: int) -> list[Candidate]:
    """At most ``k`` candidates, round robin over (model, kind of mutation), in a stable order."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in candidates:
        groups.setdefault((c.mutant.model, c.mutant.kind), []).append(c)
    order = sorted(groups)
    out: list[Candidate] = []
    while len(out) < k and any(groups.values()):
        for key in order:
            if groups[key] and len(out) < k:
                out.append(groups[key].pop(0))
    return out
