"""Venn-region layers: cardinalities of set atoms as sums of region counts, with witnesses.

A layer decomposes the universe of processes into the *named* processes (the ground process terms
known when the layer is built, counted once per equivalence class) and *anonymous* processes,
grouped into regions. A region has a membership bit per set atom and a count ``l >= 0``; the counts
of the named classes and of the regions sum to ``n``; the cardinality of every set expression over
the atoms is the number of named classes in it plus the counts of the regions whose bits satisfy
it. A region with ``l >= 1`` has a *witness* process, distinct from every named process, whose
memberships are the region's bits: the reducer instantiates the universal facts on it.

A layer may instead take *anchors*: process terms not counted as classes of their own, only
required to lie in a non-empty region (sound: each lies in its own region of the true model; for
the sparse bound each anchor is a non-emptiness test, one more protected region). The
solver then needs no case split on which named processes are equal, at the price of models that
rarely decode (a named process need not be any region's witness).

Two encodings:

* **full**: one region per bit vector (``2^k`` regions, constant bits). Exact, exponential.
* **sparse**: ``N`` generic regions with Boolean bit variables, the non-empty ones first and
  strictly decreasing in lexicographic order (symmetry breaking; the order is left out, with the
  witnesses' memberships, when the witnesses stand for no process of the formula, see
  ``Reducer.needs_witness_links``). Sound because of the sparse-solution theorem for
  integer cones (Eisenbrand & Shmonin 2006; used for BAPA by Kuncak & Rinard, CADE'07): if the
  region counts of a model solve the layer's linear system of ``d`` quantities (``n`` and the
  layer's cardinalities), then counts supported on at most ``N(d) = max{N : 2^N <= (N+1)^d}`` of
  the model's non-empty regions solve it too. Proof sketch: with more than ``N(d)`` non-empty
  region vectors, two distinct subsets have equal sums (there are ``2^N`` subsets and at most
  ``(N+1)^d`` sums); moving the smallest count of one side to the other keeps every sum and
  empties a region. The witnesses of the remaining regions are elements of the original model, so
  every instance on them still holds. Every layer records its ``d`` and ``N``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from logic.errors import UnsupportedError
from logic.terms import Op, Term

if TYPE_CHECKING:
    from logic.reduce import Reducer

FNode = Any

MAX_FULL_ATOMS = 16
#: ``auto`` takes the full decomposition while it has at most this many times the sparse
#: encoding's regions: its membership bits are constants, so z3 searches none, and a few more
#: regions (witnesses, instances on them) cost less than that search. Every VC of six models one
#: after another in one process (z3 seeds 0-2, medians of 3, two rounds), against 1 (full only
#: when it is not larger): FloodMin 0.55-0.68 -> 0.27-0.36 s (its invariant[0] over Flood: 5
#: atoms, 32 regions against 30), Ben-Or 1.37-1.72 -> 1.17-1.79 s, One-Third Rule 0.38-0.46 ->
#: 0.37-0.38 s (its step-1 progress slice: 6 atoms, 64 regions against 55, solved in 0.11-0.16
#: s against 0.20-0.25 s), A_T,E 5.8-6.0 -> 5.8-6.2 s (the same within the noise)
FULL_OVER_SPARSE = 2
#: a sparse Venn layer with this many generic regions is large (see ``logic.decide``: the
#: reduction without such layers is asked first)
LARGE_LAYER_REGIONS = 32


def sparse_bound(d: int) -> int:
    """``max{N : 2^N <= (N+1)^d}``: enough generic regions for ``d`` linear quantities."""
    if d < 1:
        raise ValueError("d must be at least 1")
    n = 1
    while 2 ** (n + 1) <= (n + 2) ** d:
        n += 1
    return n


@dataclass(frozen=True)
class LayerPlan:
    encoding: str  # "full" or "sparse"
    regions: int
    atoms: int
    cards: int
    bound: int  # the sparse bound N(d) + b for d = big cardinalities + 1, b = non-emptiness tests


def plan_layer(atoms: int, big: int, nonzero: int, encoding: str) -> LayerPlan:
    """Regions for a layer over ``atoms`` set atoms whose cardinalities are used as ``big``
    linear quantities and ``nonzero`` non-emptiness tests (emptiness tests need nothing)."""
    cards = big + nonzero
    bound = sparse_bound(big + 1) + nonzero
    full = 2 ** atoms if atoms <= 60 else None
    if encoding == "full" or (encoding == "auto" and full is not None
                              and full <= FULL_OVER_SPARSE * bound):
        if atoms > MAX_FULL_ATOMS:
            raise UnsupportedError(f"the full Venn decomposition of {atoms} sets needs 2^{atoms} "
                                   f"regions; use the sparse encoding (encoding='sparse' or "
                                   f"'auto')")
        assert full is not None
        return LayerPlan("full", full, atoms, cards, bound)
    regions = bound if full is None else min(bound, full)
    return LayerPlan("sparse", regions, atoms, cards, bound)


@dataclass
class Layer:
    index: int
    plan: LayerPlan
    atoms: list[Term]
    cards: list[Term]
    named: list[Term]
    named_smt: list[FNode]
    witnesses: list[Term]
    witness_smt: list[FNode]
    counts: list[FNode]
    bits: list[list[FNode]]
    final: bool
    assumed: dict[Term, int] = field(default_factory=dict)
    anchors: Sequence[Term] = ()
    constraints: list[FNode] = field(default_factory=list, repr=False)
    #: "a non-empty region's witness has the region's memberships": what ties the regions to the
    #: processes of the formula. Kept apart: a reduction whose processes are the witnesses alone
    #: (a formula over set constants) leaves them out, and reads the witnesses' memberships from
    #: the bits (see ``Reducer.needs_witness_links``)
    witness_links: list[FNode] = field(default_factory=list, repr=False)
    #: sparse layers: the non-empty generic regions in strictly decreasing order of their bits.
    #: Symmetry breaking, so optional; kept apart with the witness links: measured, it speeds the
    #: solvers up on layers whose witnesses meet instances, and slows them down on set constants
    #: alone (benchmarks/logic_scaling.py: k = 24, m = 8 with z3, 0.59 s with it, 0.26 s without)
    lex_order: list[FNode] = field(default_factory=list, repr=False)
    card_constraints: dict[Term, FNode] = field(default_factory=dict, repr=False)

    def drop_card(self, c: Term) -> None:
        """Forget the equation of ``c`` (sound: only weakens this layer)."""
        eq = self.card_constraints.pop(c, None)
        if eq is not None:
            self.constraints.remove(eq)

    def describe(self) -> dict[str, Any]:
        return {"index": self.index, "encoding": self.plan.encoding, "atoms": len(self.atoms),
                "cards": len(self.cards), "regions": self.plan.regions,
                "sparse_bound": self.plan.bound, "named": len(self.named), "final": self.final}

    def queries(self) -> list[FNode]:
        return [*self.counts, *(b for row in self.bits for b in row)]


def set_formula(mgr: Any, e: Term, atom_formula: Any) -> FNode:
    """Membership in the set expression ``e`` given membership formulas of its atoms."""
    op = e.op
    if op is Op.UNION:
        return mgr.Or(set_formula(mgr, e.args[0], atom_formula),
                      set_formula(mgr, e.args[1], atom_formula))
    if op is Op.INTER:
        return mgr.And(set_formula(mgr, e.args[0], atom_formula),
                       set_formula(mgr, e.args[1], atom_formula))
    if op is Op.DIFF:
        return mgr.And(set_formula(mgr, e.args[0], atom_formula),
                       mgr.Not(set_formula(mgr, e.args[1], atom_formula)))
    if op is Op.EMPTY:
        return mgr.FALSE()
    return atom_formula(e)


def region_mask(e: Term, masks: Mapping[Term, int]) -> int:
    """The regions inside the set expression ``e`` as a bit set (bit ``b``: region ``b``), given
    each atom's regions ``masks``: :func:`set_formula` on every region of an exact decomposition
    at once, with the bits of integers for its Boolean constants."""
    op = e.op
    if op is Op.UNION:
        return region_mask(e.args[0], masks) | region_mask(e.args[1], masks)
    if op is Op.INTER:
        return region_mask(e.args[0], masks) & region_mask(e.args[1], masks)
    if op is Op.DIFF:
        return region_mask(e.args[0], masks) & ~region_mask(e.args[1], masks)
    if op is Op.EMPTY:
        return 0
    return masks[e]


def _lex_greater(mgr: Any, a: list[FNode], b: list[FNode]) -> FNode:
    """Bit vector ``a`` is lexicographically greater than ``b`` (most significant first)."""
    result = mgr.FALSE()
    for x, y in reversed(list(zip(a, b))):
        result = mgr.Or(mgr.And(x, mgr.Not(y)), mgr.And(mgr.Iff(x, y), result))
    return result


def _iff(m: Any, memo: dict[tuple[int, FNode], FNode], i: int, a: FNode,
         b: FNode) -> FNode:
    """``m.Iff(a, b)``, made once per ``(i, b)`` in ``memo`` (``a`` is the same for each ``i``)."""
    hit = memo.get((i, b))
    if hit is None:
        hit = memo[(i, b)] = m.Iff(a, b)
    return hit


def build_layer(red: Reducer, index: int, label: str, plan: LayerPlan, atoms: list[Term],
                cards: list[Term], named: list[Term], witnesses: list[Term], final: bool,
                assumed: dict[Term, int], anchors: Sequence[Term] = ()) -> Layer:
    from pysmt.typing import BOOL as PBOOL
    from pysmt.typing import INT as PINT

    m = red.mgr
    k = len(atoms)
    named_smt = [red.translate(t) for t in named]
    red.layer_internal = True  # the witnesses and their links (see Reducer.layer_uninterpreted)
    try:
        witness_smt = [red.translate(w) for w in witnesses]
    finally:
        red.layer_internal = False
    counts = [red.symbol(f"@l!{label}!{j}", PINT) for j in range(plan.regions)]
    if plan.encoding == "full":
        bits = [[m.Bool(bool((j >> (k - 1 - i)) & 1)) for i in range(k)]
                for j in range(plan.regions)]
    else:
        bits = [[red.symbol(f"@b!{label}!{j}!{i}", PBOOL) for i in range(k)]
                for j in range(plan.regions)]
    layer = Layer(index, plan, atoms, cards, named, named_smt, witnesses, witness_smt, counts, bits,
                  final, assumed, anchors)
    cs = layer.constraints
    zero, one = m.Int(0), m.Int(1)
    # named processes: count each equivalence class once, by its first member
    first = [m.And([m.Not(m.Equals(named_smt[q], named_smt[p])) for q in range(p)])
             for p in range(len(named))]
    cs.extend(m.GE(c, zero) for c in counts)
    total = [m.Ite(f, one, zero) for f in first] + counts
    cs.append(m.Equals(red.n, m.Plus(total) if total else zero))
    atom_index = {a: i for i, a in enumerate(atoms)}
    # witnesses: a non-empty region has a process with its memberships, distinct from the named
    red.layer_internal = True
    try:
        for j, w in enumerate(witness_smt):
            red.check_deadline()
            facts = [m.Iff(red.membership(a, w), bits[j][i]) for i, a in enumerate(atoms)]
            facts.extend(m.Not(m.Equals(w, t)) for t in named_smt)
            layer.witness_links.append(m.Implies(m.GE(counts[j], one), m.And(facts)))
    finally:
        red.layer_internal = False
    # anchors: processes counted in no class of their own, but their region is not empty
    nonempty = [m.GE(c, one) for c in counts]
    for t in anchors:
        red.check_deadline()
        ts = red.translate(t)
        members = [red.membership(a, ts) for a in atoms]
        # with constant bits (the full decomposition), each region's conjuncts are among 2k
        same: dict[tuple[int, FNode], FNode] = {}
        cs.append(m.Or([m.And(nonempty[j], *[_iff(m, same, i, members[i], bits[j][i])
                                             for i in range(k)])
                        for j in range(plan.regions)]))
    # symmetry breaking among generic regions
    if plan.encoding == "sparse":
        for j in range(plan.regions - 1):
            # the non-empty regions come first, in strictly decreasing order of their bits
            nonempty_next = m.GE(counts[j + 1], one)
            cs.append(m.Implies(nonempty_next, m.GE(counts[j], one)))
            layer.lex_order.append(m.Implies(nonempty_next,
                                             _lex_greater(m, bits[j], bits[j + 1])))
    # cardinalities
    for c in cards:
        e = c.args[0]
        parts = []
        for p, t in enumerate(named_smt):
            inside = set_formula(m, e, lambda a, t=t: red.membership(a, t))
            parts.append(m.Ite(m.And(first[p], inside), one, zero))
        for j in range(plan.regions):
            row = bits[j]
            inside = set_formula(m, e, lambda a, row=row: row[atom_index[a]])
            simplified = inside.simplify()
            if simplified.is_false():
                continue
            parts.append(counts[j] if simplified.is_true() else m.Ite(inside, counts[j], zero))
        eq = m.Equals(red.card_symbol(c), m.Plus(parts) if parts else zero)
        layer.card_constraints[c] = eq
        cs.append(eq)
    return layer
