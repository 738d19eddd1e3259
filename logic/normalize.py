"""Normalization: desugaring, negation normal form, skolemization and clausification.

``prepare(formula)`` turns a closed-or-open formula into *clauses*: pairs ``(vars, matrix)``
meaning ``forall vars. matrix`` with a quantifier-free matrix (quantifiers survive only inside the
bodies of set comprehensions, which are terms). The conjunction of the clauses is equisatisfiable
with the input: existentials in positive positions become Skolem functions of the universally
quantified variables they depend on.

Desugaring makes membership and set relations uniform:

* ``t in {q | phi}`` becomes ``phi[t/q]``; membership in a union, intersection, difference or the
  empty set becomes the Boolean combination; only memberships in *set atoms* (a set-valued
  function application such as ``HO(p)``, or a set variable) remain;
* ``A = B`` on sets becomes ``|(A \\ B) u (B \\ A)| = 0`` and ``A subset B`` becomes
  ``|A \\ B| = 0``: the Venn-region encoding then decides them with the other cardinalities;
* ``->``, ``<->``, Boolean ``=`` and Boolean ``if-then-else`` become ``and``/``or``/``not``.

Two equivalences then drop clause variables: destructive equality resolution
(``forall p. p != t or C(p)`` is ``C(t)``) and guard elimination (``forall q. q notin S or C`` is
``|S| = 0 or C`` when only the guard mentions ``q``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from logic.errors import UnsupportedError
from logic.sorts import BOOL, PROC, FunctionSymbol, Sort
from logic.terms import (
    BINDERS,
    FALSE,
    QUANTIFIERS,
    TRUE,
    And,
    App,
    Card,
    Comprehension,
    Diff,
    Eq,
    Exists,
    Forall,
    IntConst,
    Inter,
    Ite,
    Member,
    Not,
    Op,
    Or,
    Term,
    Union_,
    Var,
    free_vars,
    rebuild,
    substitute,
    subterms,
)


@dataclass(frozen=True)
class Clause:
    """``forall vars. matrix`` with a quantifier-free ``matrix`` (outside comprehension bodies)."""

    vars: tuple[Term, ...]
    matrix: Term
    origin: str = ""

    @property
    def is_ground(self) -> bool:
        return not self.vars


_skolem_counter = itertools.count()
_bound_counter = itertools.count()


def reset_names() -> None:
    """Restart the numbering of Skolem symbols and renamed bound variables, so that reducing the
    same formula twice gives the same reduction (the reducer calls this first). Generated names
    contain ``!``, which the notation cannot write, so they never clash with a user's names."""
    global _skolem_counter, _bound_counter
    _skolem_counter = itertools.count()
    _bound_counter = itertools.count()


def _fresh_skolem(base: str, sort: Sort, args: Sequence[Term]) -> Term:
    k = next(_skolem_counter)
    name = f"sk!{base}!{k}"
    if not args:
        return Var(name, sort)
    if sort.is_set and (len(args) != 1 or args[0].sort != PROC):
        raise UnsupportedError(
            f"cannot skolemize the set variable {base}: it depends on "
            f"{', '.join(str(a) for a in args)}; only a set depending on one process is supported "
            f"(like HO(p)). Move the existential out of the universal, or name the set.")
    for a in args:
        if a.sort.is_set:
            raise UnsupportedError(
                f"cannot skolemize {base}: it depends on the set variable {a}; an existential "
                f"under a universal over sets is outside the supported fragment")
    return App(FunctionSymbol(name, tuple(a.sort for a in args), sort), *args)


def is_skolem(symbol_or_var: Term | FunctionSymbol) -> bool:
    name = symbol_or_var.name if isinstance(symbol_or_var, FunctionSymbol) else (
        symbol_or_var.payload if symbol_or_var.op is Op.VAR else
        symbol_or_var.payload.name if symbol_or_var.op is Op.APP else "")
    return isinstance(name, str) and name.startswith("sk!")


# ---- desugaring ----------------------------------------------------------------------------

def is_set_atom(s: Term) -> bool:
    """Set terms the Venn decomposition treats as atoms: ``f(p)``, set variables, ``{q | phi}``."""
    return s.op in (Op.APP, Op.VAR, Op.COMPREHENSION)


def member(t: Term, s: Term) -> Term:
    """``t in s`` unfolded down to memberships in set-function applications and set variables."""
    op = s.op
    if op is Op.EMPTY:
        return FALSE
    if op is Op.UNION:
        return Or(member(t, s.args[0]), member(t, s.args[1]))
    if op is Op.INTER:
        return And(member(t, s.args[0]), member(t, s.args[1]))
    if op is Op.DIFF:
        return And(member(t, s.args[0]), Not(member(t, s.args[1])))
    if op is Op.COMPREHENSION:
        return desugar(substitute(s.args[0], {s.payload: t}))
    if op is Op.ITE:
        c = desugar(s.args[0])
        return Or(And(c, member(t, s.args[1])), And(Not(c), member(t, s.args[2])))
    if op in (Op.APP, Op.VAR):
        return Member(t, s)
    raise UnsupportedError(f"membership in a set built with {op.value} is not supported")


def _card_of(s: Term) -> Term:
    if s.op is Op.ITE:
        return Ite(desugar(s.args[0]), _card_of(s.args[1]), _card_of(s.args[2]))
    if s.op is Op.COMPREHENSION:
        hoisted = _hoisted_condition(s.payload, desugar(s.args[0]))
        if hoisted is not None:
            return hoisted
    return Card(_desugar_set(s))


def _hoisted_condition(q: Term, body: Term) -> Term | None:
    """``|{q | B and phi(q)}|`` as ``if B then |{q | phi(q)}| else 0`` when the conjuncts ``B``
    do not mention ``q`` (a message sent to the coordinator: ``|{q in HO(p) | coord = p}|``).
    As a set, ``{q | coord = p}`` is an atom of the Venn regions per process term ``p`` (and
    doubles the regions), though it is the empty set or all processes; as a condition it is a
    plain formula. ``None`` if no conjunct qualifies. Only conjuncts without binders are
    hoisted (a quantifier in an if-then-else's condition is lifted into the formula later)."""
    if body.op is not Op.AND:
        return None
    outside = [c for c in body.args if q not in free_vars(c) and not _binds(c)]
    if not outside:
        return None
    inside = [c for c in body.args if c not in outside]
    if not inside:
        rest: Term = TRUE
    elif len(inside) == 1:
        rest = inside[0]
    else:
        rest = And(*inside)
    if rest.op is Op.MEMBER and rest.args[0] is q and q not in free_vars(rest.args[1]):
        count = Card(rest.args[1])  # {q | q in S} is S
    else:
        count = Card(_split_comprehension(q, rest))
    return Ite(And(*outside) if len(outside) > 1 else outside[0], count, IntConst(0))


def _binds(t: Term) -> bool:
    return any(s.op in BINDERS for s in subterms(t))


def _split_comprehension(q: Term, body: Term) -> Term:
    """``{q | A(q) and B(q)}`` as ``{q | A(q)} ∩ {q | B(q)}``, and ``{q | q in S and B(q)}`` as
    ``S ∩ {q | B(q)}``: the same sets, as intersections of fewer, more often shared atoms
    (``{q in HO(p) | x(q) = v}`` for many ``p`` and ``v`` becomes ``HO(p) ∩ {q | x(q) = v}``)."""
    if body.op is not Op.AND:
        return _membership_cases(q, body)
    parts: list[Term] = []
    for c in body.args:
        if c.op is Op.MEMBER and c.args[0] is q and q not in free_vars(c.args[1]):
            parts.append(c.args[1])
        else:
            parts.append(_membership_cases(q, c))
    out = parts[0]
    for p in parts[1:]:
        out = Inter(out, p)
    return out


def _membership_cases(q: Term, atom: Term) -> Term:
    """``{q | atom}`` where ``atom`` reads ``if q in S then a else b`` (a message that may be
    corrupted: ``S`` is ``AHO(p)``) as ``(S ∩ {q | atom[a]}) ∪ ({q | atom[b]} \\ S)``: the same
    set, over atoms shared between processes (``{q | x(q) = v}`` rather than one set per
    receiver), so that equal heard-of sets give equal counts by the Venn regions alone."""
    ite = _membership_ite(q, atom)
    if ite is None:
        return _canonical_comprehension(q, atom)
    c, a, b = ite.args
    s = c.args[1]
    then = _split_comprehension(q, desugar(substitute(atom, {ite: a})))
    other = _split_comprehension(q, desugar(substitute(atom, {ite: b})))
    return Union_(Inter(s, then), Diff(other, s))


def _membership_ite(q: Term, atom: Term) -> Term | None:
    """A non-Boolean ``if q in S then a else b`` in ``atom`` (outside binders), ``S`` free of
    ``q``."""
    stack = list(atom.args)
    while stack:
        t = stack.pop()
        if t.op in BINDERS:
            continue
        if t.op is Op.ITE and t.sort is not BOOL:
            c = t.args[0]
            if (c.op is Op.MEMBER and c.args[0] is q and q not in free_vars(c.args[1])
                    and c.args[1].op in (Op.APP, Op.VAR)):
                return t
        stack.extend(t.args)
    return None


def _canonical_comprehension(q: Term, body: Term) -> Term:
    """``{q | body}`` with its bound variable renamed canonically (``{i | x(i) = v}`` and
    ``{j | x(j) = v}`` become one atom). The name ``c!h`` depends on the height ``h`` of the
    comprehensions nested in ``body`` (already canonical), so it is never captured by nor
    captures another comprehension's variable; generated names are not in the notation."""
    height = 0
    for t in subterms(body):
        if t.op is Op.COMPREHENSION and str(t.payload.payload).startswith("c!"):
            height = max(height, int(str(t.payload.payload)[2:]))
    c = Var(f"c!{height + 1}", q.sort)
    if c is q:
        return Comprehension(q, body)
    return Comprehension(c, substitute(body, {q: c}))


def _desugar_set(s: Term) -> Term:
    """A set expression with its comprehension bodies desugared and no if-then-else inside."""
    op = s.op
    if op is Op.COMPREHENSION:
        return _split_comprehension(s.payload, desugar(s.args[0]))
    if op in (Op.UNION, Op.INTER, Op.DIFF):
        return rebuild(s, tuple(_desugar_set(a) for a in s.args))
    if op is Op.ITE:
        raise UnsupportedError("an if-then-else inside a set expression under |...| is not "
                               "supported; write the two cardinalities instead")
    return s


def _desugar_set_keep_ite(s: Term) -> Term:
    if s.op is Op.ITE:
        return rebuild(s, (desugar(s.args[0]), _desugar_set_keep_ite(s.args[1]),
                           _desugar_set_keep_ite(s.args[2])))
    return _desugar_set(s)


def _set_relation(t: Term, positive: bool) -> Term:
    """``A = B`` / ``A subset B`` by polarity, in desugared form (not yet in NNF).

    Both polarities state the cardinality of the difference (``|A \\ B| = 0``), which the Venn
    regions decide; a positive occurrence also states extensionality (``forall q. q in A -> q in
    B``), which gives every process term, witnesses included, its memberships.
    """
    a, b = t.args
    diff = Union_(Diff(a, b), Diff(b, a)) if t.op is Op.EQ else Diff(a, b)
    card_form = Eq(_card_of(diff), IntConst(0))
    if not positive:
        return card_form
    q = Var(f"q!{next(_bound_counter)}", PROC)
    inclusion = Or(Not(member(q, a)), member(q, b))
    if t.op is Op.EQ:
        inclusion = And(inclusion, Or(member(q, a), Not(member(q, b))))
    return And(card_form, Forall(q, inclusion))


_DESUGAR_MEMO: dict[Term, Term] = {}


def desugar(t: Term) -> Term:
    """Remove derived connectives and unfold memberships and set relations (memoised)."""
    hit = _DESUGAR_MEMO.get(t)
    if hit is not None:
        return hit
    r = _desugar(t)
    if len(_DESUGAR_MEMO) > 200_000:
        _DESUGAR_MEMO.clear()
    _DESUGAR_MEMO[t] = r
    return r


def _desugar(t: Term) -> Term:
    op = t.op
    if not t.args:
        return t
    if op is Op.IMPLIES:
        return Or(Not(desugar(t.args[0])), desugar(t.args[1]))
    if op is Op.IFF:
        a, b = desugar(t.args[0]), desugar(t.args[1])
        return And(Or(Not(a), b), Or(a, Not(b)))
    if op is Op.EQ and t.args[0].sort is BOOL:
        a, b = desugar(t.args[0]), desugar(t.args[1])
        return And(Or(Not(a), b), Or(a, Not(b)))
    if (op is Op.EQ and t.args[0].sort.is_set) or op is Op.SUBSET:
        # kept as an atom: negation normal form expands it by polarity (see _set_relation)
        return rebuild(t, tuple(_desugar_set_keep_ite(a) for a in t.args))
    if op is Op.MEMBER:
        return member(t.args[0], t.args[1])
    if op is Op.ITE and t.sort is BOOL:
        c, a, b = (desugar(x) for x in t.args)
        return Or(And(c, a), And(Not(c), b))
    if op is Op.CARD:
        return _card_of(t.args[0])
    if op is Op.COMPREHENSION:
        return rebuild(t, (desugar(t.args[0]),))
    if op in QUANTIFIERS:
        return rebuild(t, (desugar(t.args[0]),))
    new_args = tuple(desugar(a) for a in t.args)
    out = t if new_args == t.args else rebuild(t, new_args)
    if t.sort is BOOL and op is not Op.ITE:
        # an atom over a term `if c then a else b` whose condition has a quantifier: the atom
        # becomes `(c and atom[a]) or (not c and atom[b])`, so that c is normalized as a formula
        ite = _quantified_ite(out)
        if ite is not None:
            c, a, b = ite.args
            return desugar(Or(And(c, substitute(out, {ite: a})),
                              And(Not(c), substitute(out, {ite: b}))))
    return out


def _quantified_ite(atom: Term) -> Term | None:
    """A non-Boolean if-then-else of ``atom`` (outside binders) whose condition has a quantifier.
    (One under a binder of ``atom`` is lifted when its own atom, inside the binder, is.)"""
    stack = list(atom.args)
    while stack:
        s = stack.pop()
        if s.op in BINDERS:
            continue
        if s.op is Op.ITE and s.sort is not BOOL and _has_quantifier(s.args[0]):
            return s
        stack.extend(s.args)
    return None


def _has_quantifier(t: Term) -> bool:
    stack = [t]
    while stack:
        s = stack.pop()
        if s.op in QUANTIFIERS:
            return True
        if s.op is not Op.COMPREHENSION:
            stack.extend(s.args)
    return False


# ---- negation normal form with skolemization -----------------------------------------------

def _nnf(t: Term, positive: bool, scope: tuple[Term, ...]) -> Term:
    """NNF of ``t`` (or of ``not t``); existentials become Skolem terms of ``scope``."""
    op = t.op
    if op is Op.NOT:
        return _nnf(t.args[0], not positive, scope)
    if op is Op.AND or op is Op.OR:
        parts = [_nnf(a, positive, scope) for a in t.args]
        conj = (op is Op.AND) == positive
        return And(parts) if conj else Or(parts)
    if op in QUANTIFIERS:
        universal = (op is Op.FORALL) == positive
        body = t.args[0]
        if universal:
            renaming: dict[Term, Term] = {}
            for v in t.payload:
                base = str(v.payload).split("!")[0]
                renaming[v] = Var(f"{base}!{next(_bound_counter)}", v.sort)
            body = substitute(body, renaming)
            new_vars = tuple(renaming.values())
            inner = _nnf(body, positive, scope + new_vars)
            return Forall(new_vars, inner)
        fv = free_vars(body)
        deps = tuple(v for v in scope if v in fv)
        sk = {v: _fresh_skolem(str(v.payload).split("!")[0], v.sort, deps) for v in t.payload}
        return _nnf(substitute(body, sk), positive, scope)
    if op is Op.BOOL_CONST:
        return t if positive else (FALSE if t is TRUE else TRUE)
    if (op is Op.EQ and t.args[0].sort.is_set) or op is Op.SUBSET:
        return _nnf(_set_relation(t, positive), positive, scope)
    # atoms
    return t if positive else Not(t)


def _prenex(t: Term) -> tuple[tuple[Term, ...], Term]:
    """Pull universals (with distinct bound variables) out of an NNF formula without ∃."""
    if t.op is Op.FORALL:
        vs, m = _prenex(t.args[0])
        return tuple(t.payload) + vs, m
    if t.op is Op.AND or t.op is Op.OR:
        all_vars: list[Term] = []
        parts = []
        for a in t.args:
            vs, m = _prenex(a)
            all_vars.extend(vs)
            parts.append(m)
        return tuple(all_vars), (And(parts) if t.op is Op.AND else Or(parts))
    return (), t


_DISTRIBUTE_LIMIT = 8


def _split(t: Term) -> list[Term]:
    """Conjuncts whose conjunction is ``t`` (an NNF formula without existentials).

    Splits through conjunctions, through universals (``forall x. A and B`` gives
    ``forall x. A`` and ``forall x. B``, each binding only the variables it uses), and distributes
    a disjunction over the conjunctions in it when that yields at most a few conjuncts
    (``A or (B and forall w. C)`` gives ``A or B`` and ``A or forall w. C``): fewer variables per
    clause means far fewer instances.
    """
    if t.op is Op.AND:
        out: list[Term] = []
        for a in t.args:
            out.extend(_split(a))
        return out
    if t.op is Op.FORALL:
        out = []
        for part in _split(t.args[0]):
            fv = free_vars(part)
            vs = tuple(v for v in t.payload if v in fv)
            out.append(Forall(vs, part) if vs else part)
        return out
    if t.op is Op.OR:
        # a disjunct's conjuncts that hold syntactically (not vote_def(i) or vote_def(i)) go
        groups = [[p for p in _split(a) if not _valid(p)] for a in t.args]
        if any(not g for g in groups):
            return []  # a disjunct is valid
        t = Or([g[0] if len(g) == 1 else And(g) for g in groups])
        size = 1
        for g in groups:
            size *= len(g)
        quantified = sum(1 for g in groups if any(_has_forall(p) for p in g))
        if 1 < size <= max(_DISTRIBUTE_LIMIT, sum(len(g) for g in groups)) and quantified <= 1:
            # (distributing over two universal disjuncts would make clauses with the variables
            # of both, whose instances multiply: those get the definitional form below)
            return [Or(list(choice)) for choice in itertools.product(*groups)]
        complex_ = [i for i, a in enumerate(t.args) if len(groups[i]) > 1 or _has_forall(a)]
        if len(complex_) > 1:
            # definitional form: every complex disjunct but the largest gets a name,
            # `A or B` becomes `b or B` and `not b or A` (equisatisfiable, b fresh); the
            # variables of different disjuncts no longer multiply in one clause
            keep = max(complex_, key=lambda i: len(groups[i]))
            args: list[Term] = []
            extra: list[Term] = []
            for i, a in enumerate(t.args):
                if i in complex_ and i != keep:
                    fv = free_vars(a)
                    b = _fresh_skolem("b", BOOL, tuple(sorted(fv, key=str)))
                    args.append(b)
                    extra.extend(_split(Or(Not(b), a)))
                else:
                    args.append(a)
            return _split(Or(args)) + extra
    return [t]


def _has_forall(t: Term) -> bool:
    stack = [t]
    while stack:
        s = stack.pop()
        if s.op is Op.FORALL:
            return True
        if s.op is Op.AND or s.op is Op.OR:
            stack.extend(s.args)
    return False


def prepare(formula: Term, origin: str = "", scope: tuple[Term, ...] = ()) -> list[Clause]:
    """Clauses equisatisfiable with ``formula`` (universal variables in ``scope`` stay free)."""
    if formula.sort is not BOOL:
        raise UnsupportedError(f"expected a formula, found a term of sort {formula.sort}")
    nnf = _nnf(desugar(formula), True, scope)
    clauses: list[Clause] = []
    for part in _split(nnf):
        vs, matrix = _prenex(part)
        if matrix is TRUE or _tautology(matrix):
            continue
        vs, matrix = eliminate_disequalities(vs, matrix)
        vs, matrix = eliminate_guards(vs, matrix)
        fv = free_vars(matrix)
        vs = tuple(v for v in vs if v in fv)
        clauses.append(Clause(vs, matrix, origin))
    return clauses


def _valid(part: Term) -> bool:
    """Whether a conjunct made by :func:`_split` holds syntactically (see :func:`_tautology`)."""
    while part.op is Op.FORALL:
        part = part.args[0]
    return part is TRUE or _tautology(part)


def _tautology(matrix: Term) -> bool:
    """Whether a disjunction holds syntactically: it has a literal and its negation (such a
    clause, e.g. ``not vote_def(i) or vote_def(i) or ...`` from distributing an implication over
    optional values, only costs instances)."""
    if matrix.op is not Op.OR:
        return False
    lits = set(_disjuncts(matrix))
    return any(d.op is Op.NOT and d.args[0] in lits for d in lits)


def _disjuncts(t: Term) -> list[Term]:
    if t.op is Op.OR:
        return [d for a in t.args for d in _disjuncts(a)]
    return [t]


def _fold(t: Term) -> Term:
    """Fold ``a = a`` to true and the Boolean constants it makes (after a substitution)."""
    if not t.args:
        return t
    return fold_node(t, tuple(_fold(a) for a in t.args))


def fold_node(t: Term, args: tuple[Term, ...]) -> Term:
    """``t`` with its children replaced by ``args`` (already folded), ``a = a`` folded to true and
    the Boolean constants among ``args`` folded away (``not``, ``and``, ``or``, a Boolean
    condition of if-then-else); ``t`` itself if ``args`` are its children and nothing folds."""
    op = t.op
    if op is Op.EQ and args[0] is args[1]:
        return TRUE
    if op is Op.NOT and args[0].op is Op.BOOL_CONST:
        return FALSE if args[0] is TRUE else TRUE
    if op is Op.AND:
        return FALSE if FALSE in args else And(*[a for a in args if a is not TRUE])
    if op is Op.OR:
        return TRUE if TRUE in args else Or(*[a for a in args if a is not FALSE])
    if op is Op.ITE and args[0].op is Op.BOOL_CONST:
        return args[1] if args[0] is TRUE else args[2]
    if all(a is b for a, b in zip(args, t.args)):
        return t
    return rebuild(t, args)


def eliminate_disequalities(vs: tuple[Term, ...], matrix: Term) -> tuple[tuple[Term, ...], Term]:
    """Destructive equality resolution: ``forall p. p != t or C(p)`` is ``C(t)`` (``t`` not
    mentioning ``p``). An equivalence, applied to process variables: the clause of a coordinator's
    mailbox (``forall p, q. p != coord(phase) or ...``) then needs no instance per process."""
    while matrix.op is Op.OR:
        disjuncts = _disjuncts(matrix)
        for d in disjuncts:
            if d.op is not Op.NOT or d.args[0].op is not Op.EQ:
                continue
            a, b = d.args[0].args
            hit = next(((x, t) for x, t in ((a, b), (b, a))
                        if x in vs and x.sort is PROC and x not in free_vars(t)), None)
            if hit is not None:
                x, t = hit
                rest = [e for e in disjuncts if e is not d]
                matrix = _fold(substitute(Or(*rest), {x: t})) if rest else FALSE
                vs = tuple(v for v in vs if v is not x)
                break
        else:
            break
    return vs, matrix


def eliminate_guards(vs: tuple[Term, ...], matrix: Term) -> tuple[tuple[Term, ...], Term]:
    """``forall q. q notin S or C`` is ``|S| = 0 or C`` (``S`` and ``C`` not mentioning ``q``;
    several guards ``q notin S1 or q notin S2`` stand for ``S1 inter S2``). An equivalence: a
    clause such as ``forall p, q. q notin HO(p) or w(p) in HO(p)`` (a mailbox's witness is in it
    when it is not empty) then needs one instance per process, not one per pair."""
    changed = True
    while changed and matrix.op is Op.OR:
        changed = False
        disjuncts = _disjuncts(matrix)
        for x in vs:
            if x.sort is not PROC:
                continue
            guards = [d for d in disjuncts if d.op is Op.NOT and d.args[0].op is Op.MEMBER
                      and d.args[0].args[0] is x and x not in free_vars(d.args[0].args[1])]
            rest = [d for d in disjuncts if not any(d is g for g in guards)]
            if not guards or not rest or any(x in free_vars(d) for d in rest):
                continue
            region = guards[0].args[0].args[1]
            for g in guards[1:]:
                region = Inter(region, g.args[0].args[1])
            matrix = Or(Eq(Card(region), IntConst(0)), *rest)
            vs = tuple(v for v in vs if v is not x)
            changed = True
            break
    return vs, matrix


def negate(formula: Term) -> Term:
    return Not(formula)


__all__ = ["Clause", "prepare", "desugar", "member", "is_set_atom", "is_skolem", "Exists"]
