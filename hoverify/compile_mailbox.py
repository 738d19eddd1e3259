"""Mailboxes in the logic, exactly as the executor builds them.

A round's ``send`` compiles to :class:`Messages`: the cases ``(guard, dest, payload)`` of its
``return`` statements, over a symbolic sender ``s`` (its pre-state). Then, for a receiver ``p``:

* ``q`` is in the mailbox of ``p`` iff ``q ∈ HO(p) ∧ sends(q, p)`` (``∧ q ∉ C`` under crash-stop:
  crashed processes send nothing), where ``sends(q, p)`` is the disjunction of the guards of the
  cases that broadcast or ``send_to`` ``p``: at most one message per sender;
* the message from ``q`` is the payload evaluated on ``q``'s pre-state; under value faults, if
  ``q ∈ AHO(p)`` it is instead the arbitrary value ``corrupt(p, q)`` (one symbol per payload
  component, and a ``_def`` companion for optional components);
* ``size`` is ``|{q | member(q)}|``, ``count(v)`` is ``|{q | member(q) ∧ msg(q) == v}|``,
  ``count/exists/forall(f)`` quantify over the members;
* ``min``, ``max``, ``max_by(key)`` and ``min_most_often`` return the payload of a *witness*
  sender ``w`` (an existential over processes, skolemized later by the logic), constrained by one
  universal formula ``∀q. member(q) → member(w) ∧ φ(w, q)``: if the mailbox is non-empty, ``w`` is
  a member whose payload is the smallest/largest (in the payload order, ``None`` lowest), has the
  largest key and among those the smallest payload, or is received most often and among those is
  the smallest. The result is defined (not ``None``) iff ``member(w)``, i.e. iff the mailbox is
  non-empty (and, for a scalar optional payload, the chosen payload is not ``None``), as in the
  executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hoverify.compile_values import (
    Ty,
    Val,
    eq,
    ite_val,
    le,
    mk_and,
    mk_implies,
    mk_not,
    mk_or,
)
from logic.sorts import BOOL, PROC, FunctionSymbol
from logic.terms import (
    TRUE,
    App,
    Card,
    Comprehension,
    Eq,
    Exists,
    Forall,
    Le,
    Member,
    Op,
    Term,
    free_vars,
)

Fresh = Callable[[str, object], Term]


@dataclass(frozen=True)
class SendCase:
    """``return broadcast(payload)`` (``dest is None``) or ``return send_to(dest, payload)``,
    reached when ``guard`` holds (terms over the sender variable)."""

    guard: Term
    dest: Term | None
    payload: Val


@dataclass(frozen=True)
class Messages:
    """The messages of one round, as a function of the sender ``sender``."""

    sender: Term
    cases: tuple[SendCase, ...]
    payload_ty: Ty | None

    def sends(self, q: Term, p: Term) -> Term:
        """``q`` sends a message to ``p`` in this round."""
        out = []
        for c in self.cases:
            g = _subst(c.guard, self.sender, q)
            if c.dest is None:
                out.append(g)
            else:
                out.append(mk_and(g, _eq_proc(_subst(c.dest, self.sender, q), p)))
        return mk_or(*out)

    def payload(self, q: Term) -> Val | None:
        """The payload ``q`` sends (the same to every receiver)."""
        if not self.cases:
            return None
        acc = self.cases[-1].payload
        for c in reversed(self.cases[:-1]):
            acc = ite_val(c.guard, c.payload, acc)
        return acc.subst({self.sender: q}) if q is not self.sender else acc


def _subst(t: Term, v: Term, by: Term) -> Term:
    if v is by or v not in free_vars(t):
        return t
    from hoverify.compile_values import simplify
    from logic.terms import substitute

    return simplify(substitute(t, {v: by}))


def _eq_proc(a: Term, b: Term) -> Term:
    return TRUE if a is b else Eq(a, b)


@dataclass(frozen=True)
class FaultSymbols:
    """Value faults: ``AHO: Proc -> Set(Proc)`` and the corrupted-payload functions of a round
    (``values[i]: Proc x Proc -> sort`` per scalar component ``i``, ``defs[i]`` for optional
    components, ``tuple_def`` for an optional tuple)."""

    aho: FunctionSymbol
    values: tuple[FunctionSymbol | None, ...]
    defs: tuple[FunctionSymbol | None, ...]
    tuple_def: FunctionSymbol | None
    is_tuple: bool = False


def corrupt_symbols(prefix: str, ty: Ty, aho: FunctionSymbol) -> FaultSymbols:
    leaves = ty.items if ty.kind == "tuple" else (ty,)
    values: list[FunctionSymbol | None] = []
    defs: list[FunctionSymbol | None] = []
    for i, t in enumerate(leaves):
        if t.kind == "none":
            values.append(None)
            defs.append(None)
            continue
        values.append(FunctionSymbol(f"{prefix}{i}", (PROC, PROC), t.sort))
        defs.append(FunctionSymbol(f"{prefix}{i}_def", (PROC, PROC), BOOL) if t.optional
                    else None)
    tdef = (FunctionSymbol(f"{prefix}_def", (PROC, PROC), BOOL)
            if ty.kind == "tuple" and ty.optional else None)
    return FaultSymbols(aho, tuple(values), tuple(defs), tdef, ty.kind == "tuple")


def _corrupt_val(fs: FaultSymbols, ty: Ty, p: Term, q: Term) -> Val:
    from logic.terms import FALSE

    def leaf(i: int, t: Ty) -> Val:
        vs, ds = fs.values[i], fs.defs[i]
        if vs is None:
            return Val(t, None, FALSE)
        return Val(t, App(vs, p, q), App(ds, p, q) if ds is not None else TRUE)

    if ty.kind == "tuple":
        d = App(fs.tuple_def, p, q) if fs.tuple_def is not None else TRUE
        return Val(ty, None, d, tuple(leaf(i, t) for i, t in enumerate(ty.items)))
    return leaf(0, ty)


class MailboxModel:
    """The mailbox of receiver ``p`` in one round (see the module docstring).

    ``register(var, constraint)`` is called for every witness: the caller puts ``∃var`` around
    the receiver's update and conjoins ``constraint``.
    """

    def __init__(self, messages: Messages, p: Term, ho: FunctionSymbol, crashed: Term | None,
                 faults: FaultSymbols | None, fresh: Fresh,
                 register: Callable[[Term, Term], None]) -> None:
        self.messages = messages
        self.p = p
        self.ho = ho
        self.crashed = crashed
        self.faults = faults
        self.fresh = fresh
        self.register = register
        self._memo: dict[object, Val] = {}

    @property
    def payload_ty(self) -> Ty | None:
        return self.messages.payload_ty

    def member(self, q: Term) -> Term:
        parts = [Member(q, App(self.ho, self.p)), self.messages.sends(q, self.p)]
        if self.crashed is not None:
            parts.append(mk_not(Member(q, self.crashed)))
        return mk_and(*parts)

    def pay(self, q: Term) -> Val:
        """The message ``p`` receives from ``q`` (if ``q`` is a member)."""
        v = self.messages.payload(q)
        assert v is not None
        if self.faults is not None:
            bad = _corrupt_val(self.faults, v.ty, self.p, q)
            v = ite_val(Member(q, App(self.faults.aho, self.p)), bad, v)
        return v

    # ---- counting and quantifying over the members ---------------------------------------------
    def _set(self, body: Callable[[Term], Term]) -> Term:
        q = self.fresh("q", PROC)
        phi = body(q)
        if phi.op is Op.MEMBER and phi.args[0] is q and q not in free_vars(phi.args[1]):
            return phi.args[1]  # {q | q in S} is S
        return Comprehension(q, phi)

    def size(self) -> Term:
        return Card(self._set(self.member))

    def count(self, pred: Callable[[Val], Term]) -> Term:
        """``|{q | member(q) ∧ pred(msg(q))}|``."""
        if self.payload_ty is None:
            return _zero()
        return Card(self._set(lambda q: mk_and(self.member(q), pred(self.pay(q)))))

    def exists(self, pred: Callable[[Val], Term]) -> Term:
        if self.payload_ty is None:
            from logic.terms import FALSE

            return FALSE
        q = self.fresh("q", PROC)
        return Exists(q, mk_and(self.member(q), pred(self.pay(q))))

    def forall(self, pred: Callable[[Val], Term]) -> Term:
        if self.payload_ty is None:
            return TRUE
        q = self.fresh("q", PROC)
        return Forall(q, mk_implies(self.member(q), pred(self.pay(q))))

    def sender_in(self, q: Term) -> Term:
        """``q in mbox.senders``."""
        return self.member(q)

    def from_(self, q: Term) -> Val:
        """``mbox.from_(q)``: the message from ``q``, ``None`` if none."""
        ty = self.payload_ty
        if ty is None or ty.kind == "none":
            from hoverify.compile_values import NONE_VAL

            return NONE_VAL
        v = self.pay(q)
        m = self.member(q)
        return Val(ty.opt(), v.term, mk_and(m, v.defined), v.items)

    # ---- witnesses -----------------------------------------------------------------------------
    def extreme(self, kind: str, key: Callable[[Val], Val] | None = None,
                key_id: object = None) -> Val:
        """``min()``, ``max()``, ``max_by(key)`` or ``min_most_often()`` (``kind``)."""
        ty = self.payload_ty
        if ty is None or ty.kind == "none":
            from hoverify.compile_values import NONE_VAL

            return NONE_VAL
        memo_key = (kind, key_id)
        hit = self._memo.get(memo_key)
        if hit is not None:
            return hit
        w = self.fresh("w", PROC)
        q = self.fresh("q", PROC)
        pw, pq = self.pay(w), self.pay(q)
        if kind == "min":
            cond = le(pw, pq)
        elif kind == "max":
            cond = le(pq, pw)
        elif kind == "max_by":
            assert key is not None
            kw, kq = key(pw), key(pq)
            cond = mk_and(le(kq, kw), mk_implies(eq(kq, kw), le(pw, pq)))
        elif kind == "min_most_often":
            cw, cq = self.count(lambda m: eq(m, pw)), self.count(lambda m: eq(m, pq))
            cond = mk_and(Le(cq, cw), mk_implies(Eq(cq, cw), le(pw, pq)))
        else:  # pragma: no cover
            raise AssertionError(kind)
        constraint = Forall(q, mk_implies(self.member(q), mk_and(self.member(w), cond)))
        if kind == "min_most_often" and ty.scalar:
            # implied by the above (a value nobody sent is counted 0 times), but stated over the
            # values: a value's count in p's mailbox is |HO(p) ∩ {q | x(q) = v}|, which the
            # decision procedure decomposes over the value classes it already has, where the
            # per-sender form needs a new set for each sender it is instantiated with. The tie
            # break too (in a non-empty mailbox a value counted as often as the chosen one was
            # received, so the chosen one is at most it): two receivers' choices are then
            # compared through their values (v := the other's choice), not their senders
            v = self.fresh("v", ty.sort)
            cv = self.count(lambda m: eq(m, Val(ty.strict(), v)))
            tie = mk_implies(mk_and(self.member(w), Eq(cv, cw)), le(pw, Val(ty.strict(), v)))
            most = Forall(v, mk_and(Le(cv, cw), tie))
            constraint = mk_and(constraint, most)
        self.register(w, constraint)
        mw = self.member(w)
        res = Val(ty.opt(), pw.term, mk_and(mw, pw.defined), pw.items)
        self._memo[memo_key] = res
        return res


def _zero() -> Term:
    from logic.terms import IntConst

    return IntConst(0)


__all__ = ["SendCase", "Messages", "MailboxModel", "FaultSymbols", "corrupt_symbols"]
