"""Conformance: the compiled transition relations agree with the executor (issue 3).

For every model in ``models/`` and the paper's Figure 3, on random pre-states, HO sets (and
crashed sets, corrupted messages for the models with those fault models), random round numbers
and ``n <= 6``:

* the executor's successor (``executor.step`` on exactly those HO sets) satisfies the round's
  relation, interpreted by :meth:`CompiledModel.encode`;
* the relation admits no other successor: for every process ``p``, the rows of ``p`` that the
  executor can produce (every option of every nondeterministic choice, enumerated) are admitted,
  and changing any one local of such a row to another value from a finite candidate set (the
  values in the pre- and post-state, ``None``, the Booleans, ``0..n``) gives a row the relation
  rejects unless the executor can produce it too;
* the well-formedness conditions hold iff the executor raises no error (for deterministic rounds;
  for nondeterministic ones: they hold when it raises none);
* ``init`` holds on the executor's initial states, and only on them (per local).

This test is the contract between the two semantics: a failure is fixed in the compiler or the
executor, never by loosening the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hoverify.adversary import NOMSG
from hoverify.compiler import CompiledModel, compile_model
from hoverify.errors import ModelError
from hoverify.executor import engine, initial_state, step
from hoverify.faults import CrashStop, ValueFaults
from hoverify.ho import HOSets
from hoverify.loader import load_model
from hoverify.trace import RoundInput, State
from logic.evaluate import holds

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "models").glob("*.py")) + [
    "paper_examples/otr_figure3.py"]
# test-only models that exercise the rest of the compiled subset (send_to to non-coordinators,
# None in the payload order, value faults on tuples, ...)
FILES += sorted(str(p.relative_to(ROOT)) for p in
                (ROOT / "tests" / "conformance_models").glob("*.py"))

_MODELS: dict[str, tuple[Any, CompiledModel]] = {}


def compiled(file: str) -> tuple[Any, CompiledModel]:
    hit = _MODELS.get(file)
    if hit is None:
        model = load_model(ROOT / file)
        hit = _MODELS[file] = (model, compile_model(model))
    return hit


def _cases() -> list[tuple[str, int]]:
    out = []
    for f in FILES:
        model, _ = compiled(f)
        out += [(f, j) for j in range(len(model.rounds))]
    return out


CASES = _cases()
SETTINGS = settings(derandomize=True, deadline=None, max_examples=30, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- random states ------------------------------------------------------------------------------


def int_domain(model: Any, phase: int) -> list[int]:
    vals = {v for v in model.values if type(v) is int}
    return sorted(vals | {-1, 0, 1, 2, phase - 1, phase})


def value_of(data: Any, decl: Any, n: int, ints: list[int], none_ok: bool = True) -> Any:
    from hoverify.dsl import Proc

    b = decl.base
    if b is bool:
        base = st.booleans()
    elif b is Proc:
        base = st.integers(0, n - 1)
    else:
        base = st.sampled_from(ints)
    strat = st.one_of(st.none(), base) if decl.optional and none_ok else base
    return data.draw(strat)


def ho_mask(data: Any, n: int) -> int:
    full = (1 << n) - 1
    return data.draw(st.one_of(
        st.just(full),
        st.integers(0, n - 1).map(lambda i: full & ~(1 << i)),
        st.integers(0, full)))


def draw_subset(data: Any, candidates: list[int], k: int) -> frozenset[int]:
    if k <= 0 or not candidates:
        return frozenset()
    return frozenset(data.draw(st.lists(st.sampled_from(candidates), max_size=k, unique=True)))


def draw_round(data: Any, file: str, j: int) -> tuple[Any, CompiledModel, State, RoundInput]:
    model, cm = compiled(file)
    k = len(model.rounds)
    n = data.draw(st.integers(max(model.min_n, 1), 6), label="n")
    phase = data.draw(st.integers(0, 3), label="phase")
    r = k * phase + j
    ints = int_domain(model, phase)
    if data.draw(st.booleans(), label="narrow"):
        # few distinct values, so that thresholds (count(v) > 2n/3, ...) are reached
        pool = sorted({v for v in model.values if type(v) is int}) or ints
        ints = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
    names = model.local_names()
    none_ok = {x: data.draw(st.booleans(), label=f"{x} may be None") for x in names}
    rows = tuple(tuple(value_of(data, model.locals_[x], n, ints, none_ok[x]) for x in names)
                 for _ in range(n))
    inputs = tuple(data.draw(st.sampled_from(model.values)) for _ in range(n))
    fm = model.faults()
    crashed: frozenset[int] = frozenset()
    crash: frozenset[int] = frozenset()
    if isinstance(fm, CrashStop):
        bound = fm.bound(n)
        crashed = draw_subset(data, list(range(n)), bound)
        crash = draw_subset(data, [p for p in range(n) if p not in crashed],
                            bound - len(crashed))
    state = State(r, names, rows, inputs, crashed)
    masks = tuple(ho_mask(data, n) for _ in range(n))
    corrupt: tuple[tuple[int, int, Any], ...] = ()
    if isinstance(fm, ValueFaults):
        eng = engine(model, n)
        sends = eng.sends(state, lambda opts: opts[0])
        out = []
        for p in range(n):
            sent = [q for q in range(n) if (masks[p] >> q) & 1
                    and (sends.bpay[q] is not NOMSG or q in sends.direct.get(p, {}))]
            for q in draw_subset(data, sent, fm.bound(n)):
                original = sends.bpay[q] if sends.bpay[q] is not NOMSG else sends.direct[p][q]
                out.append((p, q, data.draw(arbitrary(original, ints))))
        corrupt = tuple(out)
    rinput = engine(model, n).normalise(state, RoundInput(HOSets(masks), crash, corrupt))
    return model, cm, state, rinput


def arbitrary(payload: Any, ints: list[int]) -> Any:
    """Any payload of the shape of ``payload`` (values from ``ints``; None where None was)."""
    if type(payload) is tuple:
        return st.tuples(*[arbitrary(x, ints) for x in payload])
    if payload is True or payload is False:
        return st.booleans()
    if payload is None:
        return st.one_of(st.none(), st.sampled_from(ints))
    return st.sampled_from(ints)


# ---- the checks ---------------------------------------------------------------------------------


def with_row(state: State, p: int, row: tuple[Any, ...]) -> State:
    locs = list(state.locals)
    locs[p] = row
    return state.replace(locals=tuple(locs))


def candidates(model: Any, name: str, n: int, pre: State, post: State) -> list[Any]:
    decl = model.locals_[name]
    pool: list[Any] = [None, False, True, *range(n + 1)]
    for s in (pre, post):
        pool += [v for row in s.locals for v in row if not isinstance(v, tuple)]
    out: list[Any] = []
    for v in pool:
        if v is not None and not isinstance(v, (bool, int)):
            continue
        key = (type(v) is bool, v)
        if decl.accepts(v, n) and key not in {(type(x) is bool, x) for x in out}:
            out.append(v if isinstance(v, bool) or v is None else int(v))
    return out


def executor_rows(model: Any, state: State, rinput: RoundInput, p: int) -> set[tuple[Any, ...]]:
    """Every row of ``p`` after the round the executor can produce (all choice options)."""
    if p in state.crashed | rinput.crash:
        return {state.locals[p]}
    eng = engine(model, state.n)
    sends = eng.sends(state, lambda opts: opts[0])
    corrupt = {q: pl for (pp, q, pl) in rinput.corrupt if pp == p}
    results: set[tuple[Any, ...]] = set()
    stack: list[tuple[int, ...]] = [()]
    while stack:
        prefix = stack.pop()
        calls: list[int] = []

        def chooser(options: tuple[Any, ...], prefix: tuple[int, ...] = prefix,
                    calls: list[int] = calls) -> Any:
            i = len(calls)
            calls.append(len(options))
            return options[prefix[i] if i < len(prefix) else 0]

        results.add(tuple(eng.update_one(state, sends, p, rinput.ho.masks[p], corrupt, chooser)))
        for i in range(len(prefix), len(calls)):
            for alt in range(1, calls[i]):
                stack.append(prefix + (0,) * (i - len(prefix)) + (alt,))
    return results


def describe(state: State, rinput: RoundInput, post: State | None = None) -> str:
    lines = [f"r={state.r} n={state.n} names={state.names} crashed={sorted(state.crashed)} "
             f"crash={sorted(rinput.crash)} corrupt={rinput.corrupt}"]
    for p in range(state.n):
        ho = sorted(q for q in range(state.n) if (rinput.ho.masks[p] >> q) & 1)
        after = f" -> {post.locals[p]}" if post is not None else ""
        lines.append(f"  p{p}: {state.locals[p]}{after}  HO={ho}")
    return "\n".join(lines)


def check_round(model: Any, cm: CompiledModel, state: State, rinput: RoundInput) -> None:
    rr = cm.round_of(state.r)
    n = state.n
    try:
        post = step(model, state, rinput, chooser=lambda opts: opts[0])
    except ModelError:
        s = cm.encode(state, rinput)
        if rr.deterministic:
            assert not holds(rr.wellformed, s), (
                "the executor raised an error but the well-formedness conditions hold\n"
                + describe(state, rinput))
        return
    s = cm.encode(state, rinput, post)
    assert holds(rr.wellformed, s), ("the executor ran but the well-formedness conditions "
                                     "fail\n" + describe(state, rinput, post))
    assert holds(rr.relation, s), (f"{rr.name}: the executor's successor violates the "
                                   f"relation\n" + describe(state, rinput, post))
    names = state.names
    for p in range(n):
        possible = executor_rows(model, state, rinput, p)
        assert post.locals[p] in possible
        for row in possible:
            base = with_row(post, p, row)
            assert holds(rr.relation, cm.encode(state, rinput, base)), (
                f"{rr.name}: the relation rejects p{p}'s executor option {row}\n"
                + describe(state, rinput, base))
            for i, name in enumerate(names):
                for c in candidates(model, name, n, state, post):
                    if c == row[i] and (type(c) is bool) == (type(row[i]) is bool) \
                            and (c is None) == (row[i] is None):
                        continue
                    alt = row[:i] + (c,) + row[i + 1:]
                    if alt in possible:
                        continue
                    other = with_row(post, p, alt)
                    assert not holds(rr.relation, cm.encode(state, rinput, other)), (
                        f"{rr.name}: the relation also admits {name}'(p{p}) = {c!r} (executor: "
                        f"{row[i]!r})\n" + describe(state, rinput, other))


@pytest.mark.parametrize("file, j", CASES, ids=[f"{Path(f).stem}-{j}" for f, j in CASES])
@SETTINGS
@given(data=st.data())
def test_round_conforms(file: str, j: int, data: Any) -> None:
    model, cm, state, rinput = draw_round(data, file, j)
    check_round(model, cm, state, rinput)


@pytest.mark.parametrize("file", FILES, ids=[Path(f).stem for f in FILES])
@settings(derandomize=True, deadline=None, max_examples=15, database=None)
@given(data=st.data())
def test_init_conforms(file: str, data: Any) -> None:
    model, cm = compiled(file)
    n = data.draw(st.integers(max(model.min_n, 1), 6))
    inputs = [data.draw(st.sampled_from(model.values)) for _ in range(n)]
    state = initial_state(model, inputs)
    assert holds(cm.init, cm.encode(state)), describe(state, RoundInput(HOSets.full(n)))
    for p in range(n):
        for i, name in enumerate(state.names):
            for c in candidates(model, name, n, state, state):
                v = state.locals[p][i]
                if c == v and (type(c) is bool) == (type(v) is bool) and \
                        (c is None) == (v is None):
                    continue
                other = with_row(state, p, state.locals[p][:i] + (c,) + state.locals[p][i + 1:])
                assert not holds(cm.init, cm.encode(other)), (
                    f"init also admits {name}(p{p}) = {c!r}")


def test_every_model_is_covered() -> None:
    stems = {Path(f).stem for f in FILES}
    assert {"otr", "uniformvoting", "lastvoting", "benor", "floodmin", "ate",
            "twophasecommit", "otr_figure3"} <= stems


def test_nondeterminism_is_exercised() -> None:
    """Ben-Or's coin: both outcomes are executor options and both are admitted."""
    model, cm = compiled("models/benor.py")
    n = 3
    names = model.local_names()
    row = dict(zip(names, (0, None, False, None), strict=True))
    state = State(1, names, tuple(tuple(row.values()) for _ in range(n)), (0,) * n)
    rinput = RoundInput(HOSets.full(n))
    rows = executor_rows(model, state, rinput, 0)
    assert {r[names.index("x")] for r in rows} == {0, 1}
    check_round(model, cm, state, rinput)
