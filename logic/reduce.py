"""Reduction of a cardinality-logic formula to a quantifier-free UF + LIA formula.

The pipeline (DESIGN.md, "The logic and the decision procedure"):

1. :func:`logic.normalize.prepare` desugars, puts the formula in negation normal form, skolemizes
   and splits it into clauses ``forall xs. M`` with quantifier-free ``M``;
2. every ground comprehension ``{q | phi}`` becomes a *set atom* with a membership predicate and
   the clause ``forall q. q in C <-> phi(q)``;
3. clauses are instantiated over the ground terms of their variables' sorts. Every ground term has
   a *generation*: 0 for the terms of the input, one more than its arguments for a Skolem
   application, ``g + 1`` for a witness of a layer built after round ``g``. Round ``g`` instantiates
   with terms of generation ``<= g``; ``depth`` bounds the rounds. Every instance is logged;
4. after each round a *Venn layer* decomposes the set atoms known so far into regions
   (:mod:`logic.venn`): region counts summing to ``n``, every cardinality the sum of its regions,
   and a witness process per region that may be non-empty. The witnesses are the ground terms of
   the next round. The last layer covers every set atom; instances on its witnesses that would
   need new set atoms or cardinalities are dropped (and logged), which only weakens the result.
   With triggers, ``TRIGGERED_ROUNDS`` more rounds then instantiate the one-variable clauses with
   the deeper terms the final round made (E-matching's reach along a chain of Skolem witnesses);
5. the ground instances and the layers are translated to a pysmt formula over an uninterpreted
   sort ``Proc``, uninterpreted value sorts (``Int`` for ordered ones) and integer arithmetic.

Soundness: every step yields a formula implied by (or, for Skolem symbols, equisatisfiable with)
the input, so ``unsat`` of the result means ``unsat`` of the input. Instantiation is incomplete
in general, so ``sat`` is only a candidate: :mod:`logic.decide` validates the decoded model.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from logic.arith import ArithTranslator
from logic.emptysets import KnownEmpty
from logic.errors import TooManyInstances, UnsupportedError
from logic.intclasses import IntClasses
from logic.normalize import Clause, is_skolem, prepare, reset_names
from logic.sorts import BOOL, INT, PROC, FunctionSymbol, Sort, SortKind
from logic.terms import (
    BINDERS,
    COMPARISONS,
    FALSE,
    TRUE,
    App,
    Eq,
    Forall,
    Iff,
    Op,
    Template,
    Term,
    Var,
    free_vars,
    substitute,
    subterms,
)
from logic.venn import LARGE_LAYER_REGIONS, Layer, LayerPlan, build_layer, plan_layer

FNode = Any

DEFAULT_DEPTH = 1
MAX_LAYER_MEMBERSHIPS = 400_000  # beyond this, building a layer takes minutes
FAMILY_ATOMS = 6    # the largest family of set atoms decomposed exactly on the side (64 regions)
MAX_FAMILIES = 48
MAX_LAYER_ATOMS = 64  # beyond this a layer's constraints grow too large to be worth building
#: rounds after the final one that instantiate only *triggered* clauses (one variable, a process
#: seen at one of its trigger positions) with the deeper terms the final round made, as E-matching
#: would: a chain of Skolem witnesses (x'(i) = vote(w(i)), vote(w(i)) = init(x)(j(w(i)))) reaches
#: the goal's clause without instantiating every clause with every deep term
TRIGGERED_ROUNDS = 2
#: ``run(staged=True)`` stops before a stage (the deeper values' instances, the triggered rounds)
#: only if it would add at least this share of the instances so far (LastVoting's invariant 0
#: over Collect: 1,048 on deeper values after 1,763; its first triggered round then 1,470, and
#: 4,606 in both): a reduction that a stage would barely grow is made with it
STAGED_GROWTH = 0.25
UNUSABLE = 1 << 30  # the generation of terms too deeply nested to instantiate with


@dataclass(frozen=True)
class Instance:
    """One logged quantifier instance: which clause, with which terms, in which round."""

    origin: str
    clause: Clause
    substitution: tuple[tuple[Term, Term], ...]
    generation: int
    dropped: str | None = None

    def __str__(self) -> str:
        subst = ", ".join(f"{v} := {t}" for v, t in self.substitution)
        tag = f"  [dropped: {self.dropped}]" if self.dropped else ""
        return f"round {self.generation}: {self.origin or 'clause'} [{subst}]{tag}"


@dataclass
class ReductionStats:
    clauses: int = 0
    instances: int = 0
    dropped_instances: int = 0
    skipped_uncovered: int = 0
    families: int = 0
    ground_formulas: int = 0
    set_atoms: int = 0
    cardinalities: int = 0
    process_terms: int = 0
    layers: list[dict[str, Any]] = field(default_factory=list)
    # sets the input states empty, replaced by the empty set in its other ground formulas
    empty_sets: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = {
            "clauses": self.clauses, "instances": self.instances,
            "dropped_instances": self.dropped_instances,
            "skipped_uncovered": self.skipped_uncovered,
            "families": self.families,
            "ground_formulas": self.ground_formulas, "set_atoms": self.set_atoms,
            "cardinalities": self.cardinalities, "process_terms": self.process_terms,
            "layers": self.layers,
            "regions": sum(int(layer["regions"]) for layer in self.layers),
        }
        if self.empty_sets:
            out["empty_sets"] = self.empty_sets
        return out


_NOTHING_BOUND: frozenset[Term] = frozenset()


def _walk_ground(t: Term, skip: set[Term] | frozenset[Term] = _NOTHING_BOUND,
                 visited: list[Term] | None = None) -> Iterator[Term]:
    """Subterms of ``t`` that do not mention a variable bound inside ``t``, each once (depth
    first, ``t`` first). Subterms outside every binder of ``t`` that are in ``skip`` are not
    entered; those entered are appended to ``visited`` (if given)."""
    seen: set[Term] = set()  # entered outside every binder
    seen_bound: set[tuple[Term, frozenset[Term]]] = set()  # entered under binders of t
    stack: list[tuple[Term, frozenset[Term]]] = [(t, _NOTHING_BOUND)]
    pop, push = stack.pop, stack.append
    while stack:
        node, bound = pop()
        if bound:
            key = (node, bound)
            if key in seen_bound:
                continue
            seen_bound.add(key)
            if not (free_vars(node) & bound):
                yield node
        else:
            if node in seen or node in skip:
                continue
            seen.add(node)
            if visited is not None:
                visited.append(node)
            yield node
        inner = bound | frozenset(node.bound_vars) if node.op in BINDERS else bound
        for a in node.args:
            push((a, inner))


class Reducer:
    """Builds the quantifier-free reduction of one formula. Use :func:`reduce_formula`."""

    def __init__(self, formula: Term, *, depth: int = DEFAULT_DEPTH, encoding: str = "auto",
                 max_instances: int = 200_000, triggers: bool = False,
                 deadline: float | None = None, witness_terms: bool = True,
                 anchored: bool = False, member_triggers: bool = False) -> None:
        from logic.compat import pysmt_env

        if encoding not in ("auto", "full", "sparse"):
            raise UnsupportedError(f"unknown Venn encoding {encoding!r}; expected auto, full or "
                                   f"sparse")
        self.formula = formula
        self.depth = depth
        self.encoding = encoding
        self.max_instances = max_instances
        self.use_triggers = triggers
        self.deadline = deadline
        # whether the witnesses of Venn regions are terms to instantiate with (without them,
        # only the final layer is built and instantiation follows the input's terms alone)
        self.witness_terms = witness_terms
        # named processes as anchors (their region is not empty) rather than counted one by one:
        # much easier for the solvers (no case split on which named processes are equal), but
        # a sat answer then rarely decodes into a model (see logic.venn.build_layer)
        self.anchored = anchored
        # whether memberships (k in HO(p)) are trigger positions too (see triggers)
        self.member_triggers = member_triggers
        # the values t of the value classes {q | x(q) = t} among the set atoms, and of the
        # classes a clause fills (forall q. x(q) = t: the class {q | x(q) = t} is everyone)
        self.class_values: set[Term] = set()
        self._defining = False
        self._value_class_vars: dict[tuple[Clause, Term], bool] = {}
        self.env = pysmt_env()
        self.mgr = self.env.formula_manager
        self.clauses: list[Clause] = []
        self.done: dict[int, set[tuple[Term, ...]]] = {}
        self.ground: list[tuple[Term, int]] = []
        self.instances: list[Instance] = []
        self.gen: dict[Term, int] = {}
        self.terms_by_sort: dict[Sort, list[Term]] = {}
        self.set_atoms: list[Term] = []
        self.cards: list[Term] = []
        self._card_index: dict[Term, int] = {}
        self.comprehensions: dict[Term, FunctionSymbol] = {}
        self.layers: list[Layer] = []
        # whether the layers' witness links are part of the reduction (see needs_witness_links)
        self.witness_links = True
        # whether the reduction has uninterpreted functions or sorts (its logic: QF_UFLIA, else
        # QF_LIA); every symbol of the reduction is made by `symbol`, which sets it
        self.uninterpreted = False
        # the same for the symbols of the layers' witnesses and their links alone, which are
        # part of the reduction only with the links (`layer_internal` while they are made)
        self.layer_uninterpreted = False
        self.layer_internal = False
        self.side: list[FNode] = []
        # the sets the input states empty (set by run)
        self.known_empty = KnownEmpty(())
        self.stats = ReductionStats()
        self._final = False
        # how many triggered rounds are still to run (run(staged=True) leaves them to extend)
        self.pending_rounds = 0
        # whether the final round's instances on deeper values are still to make (run(staged=
        # True) leaves them to extend); while the values within the depth bound are instantiated
        # (before them), _shallow_values holds
        self.pending_deep_values = False
        self._shallow_values = False
        # the instantiation round whose (final) Venn layer is still to build, if run(staged=True)
        # left it to extend (a formula without clauses: see run)
        self.pending_layer: int | None = None
        self._types: dict[Sort, Any] = {}
        self._signatures: dict[tuple[FunctionSymbol, bool], tuple[str, Any]] = {}
        #: per set atom, its membership function and the arguments before the process
        self._member_heads: dict[Term, tuple[FNode, list[FNode]]] = {}
        self._symbols: dict[tuple[str, Any], tuple[FNode, bool]] = {}
        self._fresh = itertools.count()
        self._tr_memo: dict[Term, FNode] = {}
        self._pattern_memo: dict[Clause, tuple[Template, ...]] = {}
        self._templates: dict[Clause, Template] = {}  # each clause's matrix, to instantiate
        # subterms of kept ground formulas: their terms, atoms and cardinalities are registered
        self._registered: set[Term] = set()
        self._uses: dict[Term, dict[Term, int]] = {}  # card_uses of each ground formula
        self._nesting: dict[Term, int] = {}
        self._witness_atoms: dict[Term, bool] = {}  # whether a set atom mentions a witness
        #: the families of set atoms decomposed exactly (see local_families)
        self.families: list[frozenset[Term]] = []
        self.max_nesting: int | None = None
        self._round: int | None = None
        self.card_use: dict[Term, int] = {}
        self.int_classes = IntClasses()
        # trigger index: (function symbol, argument position) -> the ground arguments seen there
        self.app_args: dict[tuple[FunctionSymbol, int], set[Term]] = {}
        self._triggers: dict[tuple[Clause, Term], frozenset[tuple[FunctionSymbol, int]]] = {}
        self.arith = ArithTranslator(self.mgr, self._int_leaf, self.translate, self._fresh_int,
                                     self.side.append)
        self.n = self.mgr.Symbol("n", self._type(INT))

    # ---- registry --------------------------------------------------------------------------
    def generation(self, t: Term) -> int:
        g = self.gen.get(t)
        if g is not None:
            return g
        if t.op is Op.APP:
            g = max((self.generation(a) for a in t.args), default=0)
            if is_skolem(t.payload):
                g += 1
        elif t.op in BINDERS:
            g = 0
        else:
            g = max((self.generation(a) for a in t.args), default=0)
        return g

    def nesting(self, t: Term) -> int:
        """How deeply function applications are nested in ``t``."""
        hit = self._nesting.get(t)
        if hit is None:
            inner = max((self.nesting(a) for a in t.args), default=0)
            hit = inner + 1 if t.op is Op.APP else inner
            self._nesting[t] = hit
        return hit

    def _register_term(self, t: Term, g: int | None = None) -> bool:
        if t in self.gen:
            return False
        gen = self.generation(t) if g is None else g
        if self._round is not None and t.op is Op.VAR and is_skolem(t):
            # a Skolem constant born from an instance of round r belongs to round r + 1
            gen = max(gen, self._round + 1)
        if self.max_nesting is not None and self.nesting(t) > self.max_nesting:
            # nested deeper than the input allows at this depth bound (f(f(f(t))) built by
            # instantiation): kept as a term, never used to instantiate
            gen = UNUSABLE
        self.gen[t] = gen
        self.terms_by_sort.setdefault(t.sort, []).append(t)
        return True

    def _new_items(self, f: Term, visited: list[Term] | None = None
                   ) -> tuple[list[Term], list[Term], list[Term]]:
        """The ground terms, set atoms and cardinality terms of ``f`` not yet registered.

        With ``visited``, subterms registered by an earlier ground formula (``_registered``) are
        not entered again, and those entered now are appended to ``visited``. Each item once,
        though the walk meets a ground subterm once outside the binders of ``f`` and once under
        each (``AHO(p)`` in ``|{c | if w in AHO(p) then ...}|`` and in ``|AHO(p)|``): insertion-
        ordered dicts as sets."""
        terms: dict[Term, None] = {}
        atoms: dict[Term, None] = {}
        cards: dict[Term, None] = {}
        skip = self._registered if visited is not None else _NOTHING_BOUND
        for s in _walk_ground(f, skip, visited):
            if s.op is Op.APP and s.args and not is_skolem(s.payload):
                for i, a in enumerate(s.args):
                    self.app_args.setdefault((s.payload, i), set()).add(a)
            elif s.op is Op.MEMBER and s.args[1].op is Op.APP and not self._defining:
                # an element of a set-valued function's value (k in HO(p)): position -1
                self.app_args.setdefault((s.args[1].payload, -1), set()).add(s.args[0])
            if s.op is Op.CARD:
                if s not in self._card_index:
                    cards[s] = None
                continue
            srt = s.sort
            if srt.is_set:
                if s.op in (Op.APP, Op.VAR, Op.COMPREHENSION) and s not in self.gen:
                    atoms[s] = None
                continue
            if srt is BOOL:
                continue
            if s.op in (Op.VAR, Op.APP, Op.ITE) and s not in self.gen:
                if srt is INT and s.op is Op.ITE:
                    continue
                terms[s] = None
        return list(terms), list(atoms), list(cards)

    def add_ground(self, f: Term, g: int) -> bool:
        """Register a ground formula of round ``g``.

        In the final round a formula is kept only if it needs no new set atom or cardinality and
        uses every cardinality at most as the final layer's region bound assumed (otherwise it is
        dropped, which only weakens the reduction).
        """
        f = self.known_empty(f)
        if f is TRUE:
            return True
        visited: list[Term] = []
        terms, atoms, cards = self._new_items(f, visited)
        uses = card_uses(f)
        self._uses[f] = uses
        self.int_classes.add(f)
        if self._final:
            # new set atoms and cardinalities are allowed: no layer decomposes them, so their
            # cardinalities are unconstrained integers (sound, weaker); but a cardinality the
            # final layer decomposes must not be used beyond what its region bound assumed
            assumed = self.layers[-1].assumed
            if any(u > assumed[c] for c, u in uses.items() if c in assumed):
                return False
        for a in atoms:
            self._register_atom(a, g)
        for c in cards:
            self._card_index[c] = len(self.cards)
            self.cards.append(c)
        for c, u in uses.items():
            if u > self.card_use.get(c, ZERO):
                self.card_use[c] = u
        for t in terms:
            self._register_term(t)
        if not self._defining:
            # everything in these subterms is registered now (under a set's definition the
            # memberships were not noted as trigger positions: those are walked again)
            self._registered.update(visited)
        self.ground.append((f, g))
        return True

    def _register_atom(self, a: Term, g: int) -> None:
        self._register_term(a, max(g, self.generation(a)))
        self.set_atoms.append(a)
        if not self._final and len(self.set_atoms) > MAX_LAYER_ATOMS:
            # every layer covers every atom known: the next one cannot be built (said at once,
            # rather than after the rest of the round)
            self._too_many_atoms(self._round or 0)
        value = _class_value(a) if a.op is Op.COMPREHENSION else None
        if value is not None:
            self.class_values.add(value)
        if a.op is Op.COMPREHENSION:
            sym = FunctionSymbol(f"in!{len(self.comprehensions)}", (PROC,), BOOL)
            self.comprehensions[a] = sym
            q = Var(f"q!{len(self.comprehensions)}", PROC)
            body = substitute(a.args[0], {a.payload: q})
            axiom = Forall(q, Iff(App(sym, q), body))
            self.add_clauses(prepare(axiom, origin=f"definition of set {sym.name}"), g)

    def add_clauses(self, clauses: Iterable[Clause], g: int) -> None:
        for c in clauses:
            if c.is_ground:
                self.add_ground(c.matrix, g)
            else:
                self.int_classes.add(c.matrix)
                self.class_values.update(_filled_classes(c))
                # the clause's ground terms are terms of the problem (and trigger candidates)
                terms, _, _ = self._new_items(Forall(c.vars, c.matrix))
                for t in terms:
                    self._register_term(t)
                self.done[len(self.clauses)] = set()
                self.clauses.append(c)

    # ---- instantiation ---------------------------------------------------------------------
    def triggers(self, clause: Clause, var: Term) -> frozenset[tuple[FunctionSymbol, int]]:
        """The argument positions at which ``var`` occurs directly in ``clause`` (its
        *triggers*; position -1 of ``f``: an element of a set ``f(...)``, as in ``q in HO(p)``):
        it is instantiated only with terms seen at one of them, as in E-matching.
        Empty (no restriction) for definitions of set atoms, whose instances on every process
        term the Venn layers need, and for variables that occur at no such position."""
        key = (clause, var)
        hit = self._triggers.get(key)
        if hit is None:
            found: set[tuple[FunctionSymbol, int]] = set()
            if var.sort is PROC and not clause.origin.startswith("definition of set"):
                member: set[tuple[FunctionSymbol, int]] = set()
                for s in subterms(clause.matrix):
                    if s.op is Op.APP and not is_skolem(s.payload):
                        found.update((s.payload, i) for i, a in enumerate(s.args) if a is var)
                    elif s.op is Op.MEMBER and s.args[0] is var and s.args[1].op is Op.APP:
                        member.add((s.args[1].payload, -1))
                if found and self.member_triggers:
                    # memberships widen a restriction, never create one: a variable seen only
                    # in memberships stays unrestricted
                    found |= member
            # a clause that defines a successor state (x'(p) = ...) is triggered by the
            # successor's terms only: its other applications are what it defines them from
            post = {(f, i) for f, i in found if f.version == "next"}
            hit = frozenset(post or found)
            self._triggers[key] = hit
        return hit

    def _candidates_for(self, clause: Clause, var: Term, g: int) -> list[Term]:
        pool = self._candidates(var, g)
        if not self.use_triggers:
            return pool
        if var.sort is not PROC and self.class_values and self._in_value_class(clause, var):
            # a value compared with a local inside a comprehension ({q | x(q) = v}): only the
            # values of the value classes known so far ({q | y(q) = t}), as E-matching would
            return [t for t in pool if t in self.class_values]
        trig = self.triggers(clause, var)
        if not trig:
            return pool
        seen: set[Term] = set()
        for t in trig:
            seen |= self.app_args.get(t, set())
        return [t for t in pool if t in seen]

    def _in_value_class(self, clause: Clause, var: Term) -> bool:
        key = (clause, var)
        hit = self._value_class_vars.get(key)
        if hit is None:
            hit = any(_class_value(s) is var for s in subterms(clause.matrix)
                      if s.op is Op.COMPREHENSION)
            self._value_class_vars[key] = hit
        return hit

    def _candidates(self, var: Term, g: int) -> list[Term]:
        sort = var.sort
        if self._shallow_values and sort is not PROC:
            g = min(g, self.depth)
        if sort is INT:
            # only the integer terms that can meet the variable (see logic.intclasses)
            related = self.int_classes.related
            return [t for t in self.terms_by_sort.get(INT, ()) if self.gen[t] <= g
                    and related(t, var)]
        if sort is BOOL:
            return [TRUE, FALSE]
        return [t for t in self.terms_by_sort.get(sort, ()) if self.gen[t] <= g]

    def _inhabit(self, var: Term) -> None:
        """Every sort is non-empty: a variable without any candidate term is instantiated with
        one arbitrary element (one per integer class, one per other sort)."""
        sort = var.sort
        if sort is INT:
            some = Var(f"some!Int!{var.payload}", INT)
            self._register_term(some, 0)
            self.int_classes.add(Eq(some, var))
            return
        some = Var(f"some!{sort.name}", sort)
        if some not in self.gen:
            self._register_term(some, 0)
            if sort.is_set:
                self.set_atoms.append(some)

    def _triggered(self, clause: Clause) -> bool:
        """Whether ``clause`` has one variable, a process with trigger positions."""
        return (len(clause.vars) == 1 and clause.vars[0].sort is PROC
                and bool(self.triggers(clause, clause.vars[0])))

    def instantiate_round(self, g: int, triggered_only: bool = False) -> int:
        self._round = g
        added = 0
        changed = True
        while changed:
            changed = False
            starved: list[Term] = []
            for idx in range(len(self.clauses)):
                clause = self.clauses[idx]
                if triggered_only and not self._triggered(clause):
                    continue
                pools = [self._candidates_for(clause, v, g) for v in clause.vars]
                if any(not p for p in pools):
                    starved.extend(v for v, p in zip(clause.vars, pools, strict=True)
                                   if not p and not self._candidates(v, g))
                    continue
                done = self.done[idx]
                patterns = self._patterns(clause) if self._final else ()
                for combo in self._combos(pools, g):
                    if combo in done:
                        continue
                    done.add(combo)
                    if patterns and not self._covered(clause, combo, patterns):
                        self.stats.dropped_instances += 1
                        self.stats.skipped_uncovered += 1
                        continue
                    if len(self.instances) % 256 == 0:
                        self.check_deadline()
                    if len(self.instances) >= self.max_instances:
                        raise TooManyInstances(
                            f"more than {self.max_instances} quantifier instances: the formula "
                            f"is too large for instantiation depth {self.depth}; lower the depth "
                            f"or split the formula", before_layers=not self.layers)
                    self._instantiate(clause, combo, g)
                    added += 1
                    changed = True
            if not changed and starved and not self._shallow_values:
                for v in starved:
                    self._inhabit(v)
                changed = True
        return added

    def _combos(self, pools: list[list[Term]], g: int) -> Iterator[tuple[Term, ...]]:
        """The argument tuples of a clause's instances in round ``g``, in the order of
        ``itertools.product(*pools)``. Before the final round, a tuple of several terms has at
        most one deep term (the generations, capped at ``g``, sum to at most ``g``): one witness
        with input terms, not every pair of witnesses (that is what the next round is for); the
        tuples over the limit are pruned prefix by prefix rather than enumerated. The deadline is
        checked as the tuples are enumerated (most may already be done)."""
        deadline = self.deadline
        if self._final or len(pools) <= 1:
            for k, combo in enumerate(itertools.product(*pools)):
                if deadline is not None and k % 4096 == 4095:
                    self.check_deadline()
                yield combo
            return
        capped = [[(t, min(self.gen.get(t, 0), g)) for t in pool] for pool in pools]
        last = len(capped) - 1
        prefix: list[Term] = []
        visited = 0

        def extend(i: int, total: int) -> Iterator[tuple[Term, ...]]:
            nonlocal visited
            for t, gt in capped[i]:
                visited += 1
                if deadline is not None and visited % 4096 == 0:
                    self.check_deadline()
                if total + gt > g:
                    continue
                prefix.append(t)
                if i == last:
                    yield tuple(prefix)
                else:
                    yield from extend(i + 1, total + gt)
                prefix.pop()

        yield from extend(0, 0)

    def check_deadline(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise UnsupportedError(
                f"timeout: the reduction ran out of time after {len(self.instances)} "
                f"quantifier instances (instantiation depth {self.depth})")

    def _patterns(self, clause: Clause) -> tuple[Template, ...]:
        """Comprehensions of ``clause`` that mention its variables, as functions of them."""
        hit = self._pattern_memo.get(clause)
        if hit is None:
            vs = set(clause.vars)
            found = []
            for s in _walk_ground(clause.matrix):
                if s.op is Op.COMPREHENSION and free_vars(s) & vs:
                    found.append(Template(s, clause.vars))
            hit = tuple(found)
            self._pattern_memo[clause] = hit
        return hit

    def _covered(self, clause: Clause, combo: Sequence[Term],
                 patterns: tuple[Template, ...]) -> bool:
        """Whether the instance needs no new comprehension (whose definition would need
        instantiating beyond the depth bound)."""
        for p in patterns:
            q = p(combo)
            if q.op is Op.COMPREHENSION and q not in self.gen:
                return False
        return True

    def _instantiate(self, clause: Clause, combo: Sequence[Term], g: int) -> None:
        template = self._templates.get(clause)
        if template is None:
            template = self._templates[clause] = Template(clause.matrix, clause.vars)
        inst = template(combo)
        subst = tuple(zip(clause.vars, combo))
        dropped: str | None = None
        # a set's definition puts every process in a membership: no trigger evidence
        self._defining = clause.origin.startswith("definition of set")
        try:
            if any(v.sort.is_set for v in clause.vars):
                parts = prepare(inst, origin=clause.origin)
                ok = True
                for p in parts:
                    if p.is_ground:
                        ok = self.add_ground(p.matrix, g) and ok
                    elif self._final:
                        ok = False
                    else:
                        self.add_clauses([p], g)
                if not ok:
                    dropped = "needs a set or cardinality beyond the depth bound"
            elif not self.add_ground(inst, g):
                dropped = "needs a set or cardinality beyond the depth bound"
        finally:
            self._defining = False
        record = Instance(clause.origin, clause, subst, g, dropped)
        self.instances.append(record)
        if dropped:
            self.stats.dropped_instances += 1

    # ---- layers ----------------------------------------------------------------------------
    def _too_many_atoms(self, g: int) -> None:
        raise UnsupportedError(
            f"{len(self.set_atoms)} sets to decompose into Venn regions after instantiation round "
            f"{g} (at most {MAX_LAYER_ATOMS}): the formula is too large for instantiation depth "
            f"{self.depth}")

    def _layer_plan(self) -> tuple[LayerPlan, list[Term], list[Term], list[Term],
                                   dict[Term, int]]:
        """The plan of a Venn layer over every set atom known so far, with the layer's named
        processes, anchors, cardinalities and the use of each cardinality it assumes."""
        atoms = self.set_atoms
        named = list(self.terms_by_sort.get(PROC, ()))
        anchors: list[Term] = []
        if self.anchored:
            named, anchors = anchors, named
        atom_set = set(atoms)
        cards = [c for c in self.cards if _atoms_of(c.args[0]) <= atom_set]
        assumed = {c: self.card_use.get(c, ZERO) for c in cards}
        # an anchor is a non-emptiness test: one more protected region each (see logic.venn)
        plan = plan_layer(len(atoms), sum(1 for u in assumed.values() if u == BIG),
                          sum(1 for u in assumed.values() if u == NONZERO) + len(anchors),
                          self.encoding)
        return plan, named, anchors, cards, assumed

    def build_layer(self, g: int, final: bool) -> Layer:
        """The Venn layer of round ``g`` over every set atom known so far."""
        atoms = list(self.set_atoms)
        if len(atoms) > MAX_LAYER_ATOMS:
            self._too_many_atoms(g)
        plan, named, anchors, cards, assumed = self._layer_plan()
        # each region's witness has a membership per atom; each anchor one per region and atom
        size = plan.regions * len(atoms) * (1 + len(anchors))
        if size > MAX_LAYER_MEMBERSHIPS:
            raise UnsupportedError(
                f"the Venn layer after instantiation round {g} would take {size} membership "
                f"tests ({len(atoms)} sets, {plan.regions} regions, {len(anchors)} anchored "
                f"processes; at most {MAX_LAYER_MEMBERSHIPS}): the formula is too large for "
                f"instantiation depth {self.depth}")
        witnesses = [Var(f"w!{g}!{j}", PROC) for j in range(plan.regions)]
        layer = build_layer(self, len(self.layers), str(g), plan, atoms, cards, named, witnesses,
                            final, assumed, anchors)
        for w in witnesses:
            self._register_term(w, g + 1 if self.witness_terms else UNUSABLE)
        self.layers.append(layer)
        self.stats.layers.append(layer.describe())
        return layer

    def needs_witness_links(self) -> bool:
        """Whether the layers' witnesses stand for processes of the formula: there is a process
        term besides them, or a clause over processes (instantiated with them).

        Otherwise (a formula over set constants and cardinalities only) a witness is nothing but
        its region's representative: the constraints giving it the region's memberships are
        left out, a model's memberships are read from the region bits (:mod:`logic.decode`),
        and the solver searches the bits alone (Boolean and linear integer constraints), without
        the lexicographic order of the regions (see ``Layer.lex_order``)."""
        witnesses = {w for layer in self.layers for w in layer.witnesses}
        if any(t not in witnesses for t in self.terms_by_sort.get(PROC, ())):
            return True
        return any(v.sort is PROC for c in self.clauses for v in c.vars)

    # ---- the whole reduction ---------------------------------------------------------------
    def local_families(self) -> list[FNode]:
        """Exact decompositions of small families of set atoms that occur together.

        Each family is decomposed into all its regions (constant bits, no witnesses); their
        counts sum to ``n`` and every cardinality over the family's atoms is the sum of its
        regions. These facts hold in every model, so adding them is sound; they are redundant
        with the layers, but an arithmetic contradiction among a few sets (inclusion-exclusion,
        quorum intersection) shows up in them as a plain linear infeasibility, which solvers find
        at once, where the sparse encoding would need a search over region bits.

        Only families of the atoms that mention no witness of a layer: a witness stands for any
        process of its region, and the instances on the witnesses repeat one pattern per region,
        with a family each. Those families (48 of 48 kept in A_T,E's step-1 lemma 2, over the
        HO sets of 14 witnesses) took z3 2.2 s of the 2.4 s of a query it answers in 0.2 s
        without them; over the seven models, no VC needs one.
        """
        witnesses = {w for layer in self.layers for w in layer.witnesses}
        seeds: dict[frozenset[Term], None] = {}  # distinct, in order of appearance
        for f, _ in self.ground:
            uses = self._uses[f]  # every kept ground formula's, from add_ground
            atoms: frozenset[Term] = frozenset()
            for c in uses:
                atoms |= _atoms_of(c.args[0])
            if 2 <= len(atoms) <= FAMILY_ATOMS and not any(
                    self._mentions_witness(a, witnesses) for a in atoms):
                seeds[atoms] = None
        families = set(seeds)
        for k, (a, b) in enumerate(itertools.combinations(seeds, 2)):
            if a & b and len(a | b) <= FAMILY_ATOMS:
                families.add(a | b)
            if k % 4096 == 4095:
                self.check_deadline()
        chosen = maximal_families(families, MAX_FAMILIES, self.check_deadline)
        self.families = chosen
        out: list[FNode] = []
        for idx, fam in enumerate(chosen):
            out.extend(self._family_constraints(idx, sorted(fam, key=str)))
        self.stats.families = len(chosen)
        return out

    def _mentions_witness(self, atom: Term, witnesses: set[Term]) -> bool:
        hit = self._witness_atoms.get(atom)
        if hit is None:
            hit = self._witness_atoms[atom] = any(t in witnesses for t in subterms(atom))
        return hit

    def _family_constraints(self, idx: int, atoms: list[Term]) -> list[FNode]:
        from logic.venn import region_mask

        m = self.mgr
        k = len(atoms)
        regions = range(2 ** k)
        counts = [self.symbol(f"@f!{idx}!{b}", self._type(INT)) for b in regions]
        zero = m.Int(0)
        cs = [m.GE(c, zero) for c in counts]
        cs.append(m.Equals(self.n, m.Plus(counts)))
        # region b is inside atom i iff bit i of b is set
        masks = {a: sum(1 << b for b in regions if (b >> i) & 1) for i, a in enumerate(atoms)}
        fam = set(atoms)
        for c in self.cards:
            if not (_atoms_of(c.args[0]) <= fam):
                continue
            inside = region_mask(c.args[0], masks)
            parts = [cnt for b, cnt in enumerate(counts) if (inside >> b) & 1]
            cs.append(m.Equals(self.card_symbol(c), m.Plus(parts) if parts else zero))
        return cs

    def _settle_layers(self) -> None:
        """Drop the equations of cardinalities that later instances used beyond what an earlier
        layer's region bound assumed (the final layer never needs this: see ``add_ground``)."""
        for layer in self.layers[:-1]:
            upgraded = [c for c in layer.cards if self.card_use.get(c, ZERO) > layer.assumed[c]]
            for c in upgraded:
                layer.drop_card(c)
            if upgraded:
                self.stats.layers[layer.index]["dropped_cards"] = len(upgraded)

    @property
    def pending(self) -> bool:
        """Whether :meth:`extend` has instances to add (``run(staged=True)`` left them)."""
        return (self.pending_layer is not None or self.pending_deep_values
                or self.pending_rounds > 0)

    def run(self, staged: bool = False) -> Reduction:
        """The reduction. ``staged``: in stages, for :meth:`extend` to add the next (each one a
        reduction sound on its own, with fewer instances): first without the final round's
        instances on values (and integers) beyond the depth bound (``pending_deep_values``);
        then without the triggered rounds (:data:`TRIGGERED_ROUNDS`; ``pending_rounds``). A stage
        is left to ``extend`` only if it would add many instances (:data:`STAGED_GROWTH`): a
        query that fails before a few more instances costs about as much as the one after them
        (One-Third Rule's step-1 progress VC has 8 instances on deeper values, after 970).

        The final round instantiates the values within the depth bound first, staged or not
        (the same instances in the same order either way). The deeper values are the Skolem
        chains of the witnesses (``x(sk(w))`` for a process ``w``); a VC whose goal is
        ``exists v. ...`` gets an instance of its negation on each (LastVoting's invariant:
        about 35 values where its proof needs the one of the pre-state's invariant)."""
        reset_names()
        clauses = prepare(self.formula, origin="input")
        self.known_empty = KnownEmpty(c.matrix for c in clauses if c.is_ground)
        self.stats.empty_sets = len(self.known_empty.atoms)
        self.add_clauses(clauses, 0)
        # instantiation may nest function applications at most `depth + 1` levels deeper than
        # the input does: this bounds every round (terms are finite in number)
        self.max_nesting = max((self.nesting(t) for t in self.gen), default=0) + self.depth + 1
        for g in range(self.depth + 1):
            self.instantiate_round(g)
            # witnesses only matter if some clause can be instantiated on a process
            last = g == self.depth or not any(
                v.sort is PROC for c in self.clauses for v in c.vars)
            if last and staged and self._layer_deferred():
                self.pending_layer = g
                return self._reduction()
            if last or self.witness_terms:
                self.build_layer(g, final=last)
            if last:
                break
        return self._final_rounds(staged)

    def _layer_deferred(self) -> bool:
        """Whether ``run(staged=True)`` leaves the final Venn layer to :meth:`extend`: when
        nothing will be instantiated on its witnesses (no clause: a formula over set constants
        and cardinalities) and it is large (a sparse layer of at least
        :data:`LARGE_LAYER_REGIONS` regions). The stage before it is the reduction without any
        layer (the local families decompose the sets that occur together exactly): a
        contradiction among a few sets, the common unsat case, then costs no layer at all (z3
        needs a few milliseconds on it, and building the layer, region bits over every set,
        takes longer than that)."""
        if self.clauses or len(self.set_atoms) > MAX_LAYER_ATOMS:
            return False
        plan = self._layer_plan()[0]
        return plan.encoding == "sparse" and plan.regions >= LARGE_LAYER_REGIONS

    def _final_rounds(self, staged: bool) -> Reduction:
        """After the last layer: the final round of instances (on the values within the depth
        bound, then the deeper ones, then the triggered rounds, staged as ``run`` says)."""
        self._final = True
        self._shallow_values = True
        try:
            self.instantiate_round(self.depth + 1)
        finally:
            self._shallow_values = False
        if staged and self._would_instantiate(
                self.depth + 1, max(1.0, STAGED_GROWTH * len(self.instances)),
                triggered_only=False):
            self.pending_deep_values = True
            return self._reduction()
        self.instantiate_round(self.depth + 1)
        self._start_triggered_rounds(staged)
        return self._reduction()

    def _start_triggered_rounds(self, staged: bool) -> None:
        """Run the triggered rounds, or, ``staged``, leave them to :meth:`extend` if they would
        add many instances."""
        self.pending_rounds = TRIGGERED_ROUNDS if self.use_triggers else 0
        if not (staged and self.pending_rounds
                and self._would_instantiate(
                    self.depth + 2, max(1.0, STAGED_GROWTH * len(self.instances)))):
            self._triggered_rounds()

    def _would_instantiate(self, g: int, limit: float, triggered_only: bool = True) -> bool:
        """Whether round ``g`` would add at least ``limit`` instances (found as
        ``instantiate_round`` finds them, without instantiating: the count stops at the limit),
        the triggered clauses' only if ``triggered_only`` (a triggered round)."""
        count = 0
        for idx, clause in enumerate(self.clauses):
            if triggered_only and not self._triggered(clause):
                continue
            pools = [self._candidates_for(clause, v, g) for v in clause.vars]
            if any(not p for p in pools):
                continue
            done = self.done[idx]
            patterns = self._patterns(clause)
            for combo in self._combos(pools, g):
                if combo not in done and (not patterns
                                          or self._covered(clause, combo, patterns)):
                    count += 1
                    if count >= limit:
                        return True
        return count >= limit

    def _triggered_rounds(self) -> int:
        """The triggered rounds not yet run; the number of instances they added."""
        added, rounds, self.pending_rounds = 0, self.pending_rounds, 0
        for more in range(rounds):
            new = self.instantiate_round(self.depth + 2 + more, triggered_only=True)
            if not new:
                break
            added += new
        return added

    def extend(self) -> Reduction | None:
        """After ``run(staged=True)`` stopped before a stage (``pending``): the reduction with
        the next one (the deeper values' instances, then the triggered rounds, themselves
        staged as ``run`` stages them), or ``None`` if it adds no instance and no term (the
        reduction already made is then the whole one). The reduction made before keeps its
        formulas (only its ``stats`` and ``instances`` are this reducer's, and so grow): they
        are those of a reduction with fewer instances, sound on its own."""
        terms, count = len(self.gen), len(self.instances)
        if self.pending_layer is not None:
            g, self.pending_layer = self.pending_layer, None
            self.build_layer(g, final=True)
            return self._final_rounds(staged=True)
        if self.pending_deep_values:
            self.pending_deep_values = False
            self.instantiate_round(self.depth + 1)
            self._start_triggered_rounds(staged=True)
        else:
            self._triggered_rounds()
        if len(self.instances) == count and len(self.gen) == terms:
            return None
        return self._reduction()

    def _reduction(self) -> Reduction:
        self._settle_layers()
        base = [self.translate(f) for f, _ in self.ground]
        base.append(self.mgr.GE(self.n, self.mgr.Int(1)))
        self.witness_links = self.needs_witness_links()
        layers = [c for layer in self.layers for c in layer.constraints]
        if self.witness_links:
            layers.extend(c for layer in self.layers for c in layer.witness_links)
            layers.extend(c for layer in self.layers for c in layer.lex_order)
        extra = self.local_families()
        extra.extend(self.side)
        st = self.stats
        st.clauses = len(self.clauses)
        st.instances = len(self.instances)
        st.ground_formulas = len(self.ground)
        st.set_atoms = len(self.set_atoms)
        st.cardinalities = len(self.cards)
        st.process_terms = len(self.terms_by_sort.get(PROC, ()))
        return Reduction(self.formula, self.mgr.And(*base, *layers, *extra), self,
                         self.layers[-1] if self.layers else None, self.mgr.And(*base, *extra))

    # ---- translation to pysmt --------------------------------------------------------------
    def _type(self, s: Sort) -> Any:
        t = self._types.get(s)
        if t is None:
            from pysmt.typing import BOOL as PBOOL
            from pysmt.typing import INT as PINT
            from pysmt.typing import Type

            if s.kind is SortKind.INT or (s.kind is SortKind.VALUE and s.ordered):
                t = PINT
            elif s.kind is SortKind.BOOL:
                t = PBOOL
            elif s.kind in (SortKind.PROC, SortKind.VALUE):
                t = Type(s.name)
            else:
                raise UnsupportedError(f"no SMT sort for {s}")
            self._types[s] = t
        return t

    def symbol(self, name: str, ptype: Any) -> FNode:
        key = (name, ptype)
        hit = self._symbols.get(key)
        if hit is None:
            # a function or a symbol of an uninterpreted sort?
            uf = not (ptype.is_bool_type() or ptype.is_int_type())
            sym = self.mgr.Symbol(f"{name}:{ptype}" if not name.startswith("@") else name[1:],
                                  ptype)
            hit = self._symbols[key] = (sym, uf)
        if hit[1]:
            if self.layer_internal:
                self.layer_uninterpreted = True
            else:
                self.uninterpreted = True
        return hit[0]

    def _fresh_int(self, base: str) -> FNode:
        return self.symbol(f"@{base}!{next(self._fresh)}:Int", self._type(INT))

    def function(self, f: FunctionSymbol) -> FNode:
        return self.symbol(*self._signature(f, False))

    def _signature(self, f: FunctionSymbol, member: bool) -> tuple[str, Any]:
        """The name and pysmt type of ``f``'s symbol, or (``member``) of the membership
        predicate of its values (a set-valued ``f``): made once per symbol (pysmt builds a
        function type anew on each request)."""
        key = (f, member)
        hit = self._signatures.get(key)
        if hit is None:
            from pysmt.typing import BOOL as PBOOL
            from pysmt.typing import FunctionType

            domain = [self._type(s) for s in f.domain]
            if member:
                hit = (f"{f.display_name}\u220b", FunctionType(PBOOL, [*domain,
                                                                        self._type(PROC)]))
            elif domain:
                hit = (f.display_name, FunctionType(self._type(f.codomain), domain))
            else:
                hit = (f.display_name, self._type(f.codomain))
            self._signatures[key] = hit
        return hit

    def membership(self, atom: Term, t: FNode) -> FNode:
        """The pysmt formula ``t in atom`` for a set atom and a translated process term."""
        head = self._member_heads.get(atom)
        if head is None:
            head = self._member_heads[atom] = self._membership_head(atom)
        else:  # what symbol() notes of the function it returns, as if it were asked again
            if self.layer_internal:
                self.layer_uninterpreted = True
            else:
                self.uninterpreted = True
        fn, args = head
        return self.mgr.Function(fn, [*args, t])

    def _membership_head(self, atom: Term) -> tuple[FNode, list[FNode]]:
        """The membership function of a set atom, and its arguments before the process."""
        from pysmt.typing import BOOL as PBOOL
        from pysmt.typing import FunctionType

        if atom.op is Op.APP:
            fn = self.symbol(*self._signature(atom.payload, True))
            return fn, [self.translate(a) for a in atom.args]
        if atom.op is Op.VAR:
            fn = self.symbol(f"{atom.payload}\u220b", FunctionType(PBOOL, [self._type(PROC)]))
            return fn, []
        if atom.op is Op.COMPREHENSION:
            return self.function(self.comprehensions[atom]), []
        raise AssertionError(atom)

    def card_symbol(self, c: Term) -> FNode:
        return self.symbol(f"@card!{self._card_index[c]}", self._type(INT))

    def _int_leaf(self, t: Term) -> FNode:
        if t.op is Op.CARD:
            return self.card_symbol(t)
        return self.translate(t)

    def translate(self, t: Term) -> FNode:
        hit = self._tr_memo.get(t)
        if hit is not None:
            return hit
        r = self._translate(t)
        self._tr_memo[t] = r
        return r

    def _translate(self, t: Term) -> FNode:
        m = self.mgr
        op = t.op
        if op is Op.BOOL_CONST:
            return m.TRUE() if t.payload else m.FALSE()
        if op is Op.NPROCS:
            return self.n
        if op is Op.INT_CONST:
            return m.Int(t.payload)
        if op is Op.VAR:
            return self.symbol(str(t.payload), self._type(t.sort))
        if op is Op.APP:
            fn = self.function(t.payload)
            if not t.args:
                return fn
            return m.Function(fn, [self.translate(a) for a in t.args])
        if op is Op.NOT:
            return m.Not(self.translate(t.args[0]))
        if op is Op.AND:
            return m.And([self.translate(a) for a in t.args])
        if op is Op.OR:
            return m.Or([self.translate(a) for a in t.args])
        if op is Op.MEMBER:
            return self.membership(t.args[1], self.translate(t.args[0]))
        if op is Op.EQ:
            a, b = t.args
            if a.sort is INT:
                return self.arith.compare(Op.EQ, a, b)
            if a.sort is BOOL:
                return m.Iff(self.translate(a), self.translate(b))
            return m.Equals(self.translate(a), self.translate(b))
        if op in COMPARISONS:
            a, b = t.args
            if a.sort is INT:
                return self.arith.compare(op, a, b)
            ta, tb = self.translate(a), self.translate(b)
            return {Op.LT: m.LT, Op.LE: m.LE, Op.GT: m.GT, Op.GE: m.GE}[op](ta, tb)
        if op is Op.ITE:
            if t.sort is INT:
                e, d = self.arith.scaled(t)
                if d != 1:
                    raise UnsupportedError(f"a fractional if-then-else value {t} is only "
                                           f"supported inside a comparison")
                return e
            return m.Ite(self.translate(t.args[0]), self.translate(t.args[1]),
                         self.translate(t.args[2]))
        if t.sort is INT:
            e, d = self.arith.scaled(t)
            if d != 1:
                raise UnsupportedError(f"the fractional value {t} is only supported inside a "
                                       f"comparison (write 3*x > 2*n instead of using x = 2*n/3 "
                                       f"as an argument)")
            return e
        raise UnsupportedError(f"cannot translate a {op.value} term ({t}) to SMT; it should "
                               f"have been eliminated by normalization")


def _class_value(c: Term) -> Term | None:
    """``t`` if ``c`` is a value class ``{q | f(q) = t}`` or a threshold class ``{q | f(q) >= t}``
    (any comparison; ``t`` not mentioning ``q``)."""
    return _class_side(c.payload, c.args[0])


def _class_side(q: Term, body: Term) -> Term | None:
    """``t`` if ``body`` is ``f(q) = t`` or ``f(q) >= t`` (any comparison; ``t`` not mentioning
    ``q``): what makes ``{q | body}`` a value or threshold class."""
    if body.op not in (Op.EQ, *COMPARISONS) or len(body.args) != 2:
        return None
    for a, b in (body.args, body.args[::-1]):
        if a.op is Op.APP and a.args == (q,) and q not in free_vars(b):
            return b
    return None


def _filled_classes(clause: Clause) -> Iterator[Term]:
    """The value ``t`` of a clause ``forall q. f(q) = t`` (``q`` a process variable, ``t``
    ground): the value class ``{q | f(q) = t}`` holds every process, so ``t`` is worth
    instantiating a value compared inside a comprehension with (``|{q | x(q) = v}| > 2n/3`` at
    ``v := t``: see ``_candidates_for``). Only a choice of instances: any choice is sound."""
    if clause.matrix.op is not Op.EQ:
        return
    bound = set(clause.vars)
    for q in clause.vars:
        t = _class_side(q, clause.matrix) if q.sort is PROC else None
        if t is not None and not free_vars(t) & bound:
            yield t


ZERO, NONZERO, BIG = 0, 1, 2
_ZERO_FORMS = {Op.EQ: (0, 0), Op.LE: (0, None), Op.LT: (1, None), Op.GE: (None, 0),
               Op.GT: (None, 1)}


def _is_const(t: Term, value: int) -> bool:
    from logic.terms import constant_value

    return constant_value(t) == value


def _zero_test(atom: Term) -> tuple[Term, bool] | None:
    """``(c, True)`` if ``atom`` says ``c = 0`` for a cardinality ``c`` (``c <= 0``, ``c < 1``),
    ``(c, False)`` if it says ``c >= 1`` (``c > 0``), else ``None``."""
    if atom.op not in (Op.EQ, Op.LE, Op.LT, Op.GE, Op.GT) or len(atom.args) != 2:
        return None
    a, b = atom.args
    op: Op = atom.op
    if b.op is Op.CARD and a.op is not Op.CARD:
        a, b = b, a
        op = {Op.EQ: Op.EQ, Op.LE: Op.GE, Op.LT: Op.GT, Op.GE: Op.LE, Op.GT: Op.LT}[op]
    if a.op is not Op.CARD:
        return None
    if (op is Op.EQ and _is_const(b, 0)) or (op is Op.LE and _is_const(b, 0)) or \
            (op is Op.LT and _is_const(b, 1)):
        return a, True
    if (op is Op.GE and _is_const(b, 1)) or (op is Op.GT and _is_const(b, 0)):
        return a, False
    return None


def card_uses(f: Term) -> dict[Term, int]:
    """How a ground NNF formula uses each cardinality: ``ZERO`` if only in positive emptiness
    tests (``|S| = 0``), ``NONZERO`` if also in non-emptiness tests, ``BIG`` otherwise.

    The sparse bound needs a dimension only for ``BIG`` cardinalities: an E-S step never makes an
    empty region non-empty, so positive emptiness tests stay true; a non-emptiness test is kept
    true by one protected region (Kuncak & Rinard count them the same way).
    """
    uses: dict[Term, int] = {}

    def walk(t: Term, positive: bool) -> None:
        op = t.op
        if op is Op.NOT:
            walk(t.args[0], not positive)
            return
        if op in (Op.AND, Op.OR):
            for a in t.args:
                walk(a, positive)
            return
        for c, u in _atom_uses(t, positive):
            if u > uses.get(c, -1):
                uses[c] = u

    walk(f, True)
    return uses


@functools.lru_cache(maxsize=1 << 16)
def _atom_uses(t: Term, positive: bool) -> tuple[tuple[Term, int], ...]:
    """How an atom of an NNF formula uses each cardinality (see :func:`card_uses`), at a
    polarity: an atom occurs in many instances (cached)."""
    z = _zero_test(t)
    if z is not None:
        c, says_zero = z
        own = ((c, ZERO if says_zero == positive else NONZERO),)
        return own + tuple((x, BIG) for a in c.args for x in _cards_in(a))
    return tuple((x, BIG) for a in t.args for x in _cards_in(a))


@functools.lru_cache(maxsize=1 << 16)
def _cards_in(t: Term) -> tuple[Term, ...]:
    """The cardinality terms among the ground subterms of ``t`` (a term's own, shared by every
    formula it occurs in: cached)."""
    return tuple(s for s in _walk_ground(t) if s.op is Op.CARD)


def _atoms_of(s: Term) -> frozenset[Term]:
    if s.op in (Op.UNION, Op.INTER, Op.DIFF):
        return _atoms_of(s.args[0]) | _atoms_of(s.args[1])
    if s.op is Op.EMPTY:
        return frozenset()
    return frozenset((s,))


@dataclass
class Reduction:
    """The quantifier-free reduction of a formula, inspectable: ``describe()``, ``smtlib()``."""

    formula: Term
    smt: FNode
    reducer: Reducer = field(repr=False)
    #: the last Venn layer (``None`` only in the stage before it: see ``Reducer.run``)
    final_layer: Layer | None = field(repr=False)
    #: the reduction without its Venn layers (a subset of its conjuncts, so implied by it): the
    #: instances, the exact decompositions of small families of sets and the arithmetic side
    #: conditions. Unsat of the relaxation is unsat of the reduction, found without the layers'
    #: region bits when a few sets already contradict each other
    relaxation: FNode = field(repr=False)

    @property
    def stats(self) -> dict[str, Any]:
        return self.reducer.stats.as_dict()

    @property
    def instances(self) -> list[Instance]:
        return self.reducer.instances

    def instance_log(self) -> str:
        return "\n".join(str(i) for i in self.reducer.instances)

    def describe(self) -> str:
        st = self.stats
        lines = [f"formula: {self.formula}",
                 f"depth bound: {self.reducer.depth}, encoding: {self.reducer.encoding}",
                 f"clauses: {st['clauses']}, instances: {st['instances']} "
                 f"({st['dropped_instances']} dropped at the depth bound)",
                 f"set atoms: {st['set_atoms']}, cardinalities: {st['cardinalities']}, "
                 f"process terms: {st['process_terms']}"]
        for layer in st["layers"]:
            lines.append(f"layer {layer['index']}: {layer['encoding']} over {layer['atoms']} "
                         f"atoms, {layer['cards']} cardinalities, {layer['regions']} regions, "
                         f"{layer['named']} named processes")
        return "\n".join(lines)

    def smtlib(self) -> str:
        from logic.smtlib import to_smtlib

        return to_smtlib(self.smt, comment=f"hoverify reduction of: {self.formula}")

    def model_layer(self) -> Layer:
        """The final Venn layer, which a model is read from (a stage before it has none)."""
        if self.final_layer is None:
            raise ValueError("a stage of the reduction before its Venn layer has no model to read")
        return self.final_layer

    def queries(self) -> list[FNode]:
        return self.model_layer().queries()

    @property
    def logic(self) -> str:
        """The SMT logic of the reduction (and of any formula over its symbols): quantifier-free
        linear integer arithmetic, with uninterpreted functions and sorts if it has any."""
        red = self.reducer
        uf = red.uninterpreted or (red.witness_links and red.layer_uninterpreted)
        return "QF_UFLIA" if uf else "QF_LIA"


def maximal_families(families: Iterable[frozenset[Term]], limit: int,
                     check: Callable[[], None] = lambda: None) -> list[frozenset[Term]]:
    """The first ``limit`` families not strictly inside another, largest first (ties by their
    atoms' names). A family is inside another iff it is inside a maximal one, and every larger
    family comes before it in this order: so each is tested against the maximal ones kept so far
    only (``check`` is called now and then: the reduction's deadline)."""
    chosen: list[frozenset[Term]] = []
    fams = list(families)
    names: dict[Term, str] = {}  # each atom printed once (families share their atoms)
    for fam in fams:
        for a in fam:
            if a not in names:
                names[a] = str(a)
    for k, fam in enumerate(sorted(fams, key=lambda x: (-len(x), sorted(names[a] for a in x)))):
        if len(chosen) == limit:
            break
        if not any(fam < other for other in chosen):
            chosen.append(fam)
        if k % 4096 == 4095:
            check()
    return chosen


def reduce_formula(formula: Term, *, depth: int = DEFAULT_DEPTH, encoding: str = "auto",
                   triggers: bool = False, max_instances: int = 200_000,
                   deadline: float | None = None, witness_terms: bool = True,
                   anchored: bool = False, member_triggers: bool = False,
                   staged: bool = False) -> Reduction:
    """The quantifier-free reduction of ``formula`` (checked for satisfiability).

    ``triggers`` restricts the instances of clauses with several variables to terms seen at the
    variables' argument positions (:meth:`Reducer.triggers`): far fewer instances, enough for most
    proofs, too few for some models. ``staged``: the reduction before the triggered rounds
    (:data:`TRIGGERED_ROUNDS`), weaker; ``reduction.reducer.extend()`` then adds them."""
    if formula.sort is not BOOL:
        raise UnsupportedError(f"expected a formula, found a term of sort {formula.sort}")
    if depth < 0:
        raise ValueError(f"depth must be at least 0, not {depth}")
    return Reducer(formula, depth=depth, encoding=encoding, triggers=triggers,
                   max_instances=max_instances, deadline=deadline,
                   witness_terms=witness_terms, anchored=anchored,
                   member_triggers=member_triggers).run(staged)
