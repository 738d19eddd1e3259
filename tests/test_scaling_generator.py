"""The instance generator of benchmarks/logic_scaling.py: planted models and genuine contradictions.

* a sat instance's planted structure satisfies every constraint (``logic.evaluate.holds``);
* an unsat instance is its planted part (satisfied by the planted structure) plus a pattern whose
  constraints alone have no model: checked by brute force over every structure with ``n <= 4``
  (``n <= 3`` for the three-set patterns)
  and, for every ``n``, by the Venn decomposition of the (at most 3) sets the pattern mentions:
  their region counts are free non-negative integers summing to ``n``, every cardinality is a sum
  of region counts, and the resulting linear system has no integer solution (z3, no logic/ code).
"""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
from pathlib import Path

import pytest

from logic.evaluate import holds
from logic.sorts import SET_PROC
from logic.structure import Structure
from logic.terms import And, Op, Term, Var, free_vars

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "logic_scaling.py"
_spec = importlib.util.spec_from_file_location("logic_scaling", _PATH)
assert _spec is not None and _spec.loader is not None
ls = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("logic_scaling", ls)
_spec.loader.exec_module(ls)


def test_deterministic_under_a_seed() -> None:
    for unsat in (False, True):
        a = ls.generate(12, 8, 7, unsat=unsat)
        b = ls.generate(12, 8, 7, unsat=unsat)
        assert a.constraints == b.constraints  # interned terms: identical objects
        assert (a.n, a.sets, a.pattern) == (b.n, b.sets, b.pattern)
    assert ls.generate(12, 8, 7).constraints != ls.generate(12, 8, 8).constraints


@pytest.mark.parametrize("k,m", [(4, 8), (8, 8), (16, 8), (24, 16), (48, 16)])
def test_sat_instances_hold_in_the_planted_structure(k: int, m: int) -> None:
    for seed in range(6):
        inst = ls.generate(k, m, seed)
        assert inst.expected == "sat" and len(inst.constraints) == m
        assert 5 <= inst.n <= 40 and len(inst.sets) == k
        s = inst.structure()
        assert all(x in range(inst.n) for st in inst.sets for x in st)
        for c in inst.constraints:
            assert holds(c, s), f"planted structure violates {c}"
        assert holds(inst.formula, s)
        names = {v.payload for v in free_vars(inst.formula)}
        assert names <= {f"S{i}" for i in range(k)}


def test_unsat_instances_are_planted_part_plus_pattern() -> None:
    seen = set()
    for seed in range(12):
        for k, m in ((4, 8), (12, 8), (24, 3)):
            inst = ls.generate(k, m, seed, unsat=True)
            assert inst.expected == "unsat" and len(inst.constraints) == m
            assert set(inst.pattern_constraints) <= set(inst.constraints)
            seen.add(inst.pattern)
            s = inst.structure()
            for c in inst.constraints:
                if c not in inst.pattern_constraints:
                    assert holds(c, s)
            assert not holds(inst.formula, s)
            assert _venn_unsat(inst.pattern_constraints), inst.pattern
    assert seen == set(ls.UNSAT_PATTERNS)


# ---- the contradictions are genuine ------------------------------------------------------------

def _patterns_over_three_sets() -> list[tuple[str, list[Term]]]:
    """Every pattern in every variant, over S0, S1, S2, with small constants."""
    out = []
    sets = [Var(f"S{i}", SET_PROC) for i in range(3)]
    for name in ls.UNSAT_PATTERNS:
        variants: set[tuple[Term, ...]] = set()
        for seed in range(60):
            rng = random.Random(seed)
            cs = ls.unsat_pattern(name, rng, sets, n_hint=rng.randint(0, 4),
                                  room=rng.choice((1, 8)))
            variants.add(tuple(cs))
        out.extend((name, list(v)) for v in variants)
    return out


def test_patterns_have_no_model_up_to_n_4_brute_force() -> None:
    cases = _patterns_over_three_sets()
    assert len(cases) >= 8
    for name, cs in cases:
        formula = And(*cs)
        names = sorted({v.payload for v in free_vars(formula)})
        for n in range(1, 5 if len(names) <= 2 else 4):
            subsets = [frozenset(x for x in range(n) if mask >> x & 1) for mask in range(2 ** n)]
            for values in itertools.product(subsets, repeat=len(names)):
                s = Structure(n, constants=dict(zip(names, values, strict=True)))
                assert not holds(formula, s), f"{name}: model n={n} {values} of {formula}"


def test_patterns_unsat_for_every_n_by_venn_regions() -> None:
    for name, cs in _patterns_over_three_sets():
        assert _venn_unsat(cs), name


def _venn_unsat(constraints: tuple[Term, ...] | list[Term]) -> bool:
    """The constraints (over at most 3 free sets) have no model of any size ``n``: the exact
    Venn-region encoding over their sets is infeasible in integer arithmetic."""
    import z3

    names = sorted({v.payload for c in constraints for v in free_vars(c)})
    assert len(names) <= 3
    regions = list(itertools.product((False, True), repeat=len(names)))
    count = {r: z3.Int(f"r{''.join('1' if b else '0' for b in r)}") for r in regions}
    n = z3.Int("n")

    def member(e: Term, r: tuple[bool, ...]) -> bool:
        if e.op is Op.VAR:
            return r[names.index(e.payload)]
        a, b = member(e.args[0], r), member(e.args[1], r)
        return {Op.UNION: a or b, Op.INTER: a and b, Op.DIFF: a and not b}[e.op]

    def arith(t: Term) -> z3.ArithRef:
        if t.op is Op.CARD:
            return z3.Sum([count[r] for r in regions if member(t.args[0], r)] + [z3.IntVal(0)])
        if t.op is Op.NPROCS:
            return n
        if t.op is Op.INT_CONST:
            return z3.IntVal(t.payload)
        a = [arith(x) for x in t.args]
        return {Op.ADD: lambda: z3.Sum(a), Op.SUB: lambda: a[0] - a[1],
                Op.MUL: lambda: a[0] * a[1], Op.NEG: lambda: -a[0]}[t.op]()

    def formula(t: Term) -> z3.BoolRef:
        a, b = arith(t.args[0]), arith(t.args[1])
        return {Op.LT: a < b, Op.LE: a <= b, Op.GT: a > b, Op.GE: a >= b, Op.EQ: a == b}[t.op]

    solver = z3.Solver()
    solver.add(*[c >= 0 for c in count.values()], n == z3.Sum(list(count.values())), n >= 0)
    solver.add(*[formula(c) for c in constraints])
    return solver.check() == z3.unsat


def test_large_layers_are_relaxed_first_and_the_relaxation_is_part_of_the_reduction() -> None:
    """``check`` first tries the reduction without its Venn layers when they are large: the
    benchmark's unsat instances (a contradiction among 2-3 of 24 sets) are refuted there; the sat
    ones go on to the full reduction and a validated model. The relaxation is a subset of the
    reduction's conjuncts (so implied by it: its unsat is the reduction's).

    Without quantifiers, the relaxation is a stage of its own, before the layer is built
    (``Reducer.run``): the staged reduction is the relaxation, and ``extend`` adds the layer,
    which makes the whole reduction; the stage that refuted a formula is built again by
    ``reduction_of``."""
    from logic.decide import Attempt, _layers_dominate, check, reduction_of
    from logic.reduce import reduce_formula
    from logic.result import Answer

    relaxed = {"unsat": 0, "sat": 0}
    for run in range(3):
        for unsat in (True, False):
            inst = ls.generate(24, 8, f"relax-{run}", unsat=unsat)
            red = reduce_formula(inst.formula, encoding="sparse")
            assert set(red.relaxation.args()) <= set(red.smt.args())
            assert len(red.relaxation.args()) < len(red.smt.args())
            staged = reduce_formula(inst.formula, encoding="sparse", staged=True)
            result = check(inst.formula, encoding="sparse", timeout=60)
            assert result.answer is (Answer.UNSAT if unsat else Answer.SAT), result.reason
            if not unsat:
                assert result.model is not None and holds(inst.formula, result.model.structure)
            if _layers_dominate(red):
                assert staged.reducer.pending and staged.final_layer is None
                assert staged.smt == red.relaxation
                whole = staged.reducer.extend()
                assert whole is not None and not whole.reducer.pending
                assert whole.smt == red.smt and whole.final_layer is not None
                assert result.stats["relaxation"] == ("unsat" if unsat else "sat")
                assert result.stats.get("before_layers") is (True if unsat else None)
                # a sat instance has a model with a small support, found before the full query
                assert result.stats.get("small_support") == (None if unsat else "sat")
                if unsat:
                    again = reduction_of(inst.formula, Attempt(0, anchored=True), result.stats)
                    assert again.final_layer is None and again.smt == red.relaxation
                relaxed["unsat" if unsat else "sat"] += 1
            else:
                assert not staged.reducer.pending and staged.smt == red.smt
                assert "relaxation" not in result.stats and "small_support" not in result.stats
    assert relaxed["unsat"] >= 1 and relaxed["sat"] >= 1  # both paths taken
