"""Propositional LTL over named atoms: parsing, printing, and decisions by automata.

A liveness assumption (``Algorithm.assumption``) is an LTL formula whose atoms are the names of
the model's good rounds; position ``i`` of a word is round (or phase) ``i`` and atom ``a`` is true
there iff that round is an ``a`` round. This module decides what such a formula guarantees —
nothing is taken on trust from the formula's shape:

* :func:`parse_ltl` / :func:`to_text`: the syntax (ASCII and Unicode, below) and back;
* :func:`satisfiable`, :func:`valid`, :func:`example`: by the classic tableau construction, LTL to
  a generalized Büchi automaton whose states are the elementary (maximally consistent) subsets of
  the formula's closure, one acceptance set per ``until``; emptiness by strongly connected
  components;
* :func:`supplies`: whether every word satisfying an assumption has rounds
  ``i1 < i2 < … < ik`` of the good rounds a proof chain consumes, i.e. whether
  ``assumption → F(s1 ∧ X F(s2 ∧ X F(… sk)))`` is valid; :func:`mismatch_message` says which step
  is not guaranteed, and :func:`describe_supply` what the assumption does promise;
* :func:`random_run`: an endless random word accepted by the automaton (the simulator's
  ``eventually-good`` adversary realises it round by round);
* :func:`evaluate`: a formula's truth on a lasso word (prefix, then the loop forever).

Syntax (unary operators bind tightest, then ``until`` (right associative), ``and``, ``or``,
``->`` (right associative)):

============  ===============================================
always        ``always``, ``G``, ``[]``, ``□``
eventually    ``eventually``, ``F``, ``<>``, ``◇``
next          ``next``, ``X``, ``○``
not           ``not``, ``!``, ``¬``
and           ``and``, ``&``, ``&&``, ``∧``
or            ``or``, ``|``, ``||``, ``∨``
implies       ``->``, ``→``
until         ``until``, ``U``
constants     ``true``, ``false``
============  ===============================================

The one-letter operators ``G F X U`` are reserved: they cannot be atom names.
"""

from __future__ import annotations

import heapq
import random
import re
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

from hoverify.errors import HoverifyError
from hoverify.liveness.graphs import ancestors, shortest_paths, strongly_connected_components

# ---- the syntax tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    name: str

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class TrueC:
    def __str__(self) -> str:
        return "true"


@dataclass(frozen=True)
class FalseC:
    def __str__(self) -> str:
        return "false"


@dataclass(frozen=True)
class Not:
    arg: Ltl

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class Next:
    arg: Ltl

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class Eventually:
    arg: Ltl

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class Always:
    arg: Ltl

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class And:
    left: Ltl
    right: Ltl

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class Or:
    left: Ltl
    right: Ltl

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class Implies:
    left: Ltl
    right: Ltl

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class Until:
    """``left U right``: ``right`` holds at some position, and ``left`` at every one before."""

    left: Ltl
    right: Ltl

    def __str__(self) -> str:
        return to_text(self)


Ltl: TypeAlias = (Atom | TrueC | FalseC | Not | Next | Eventually | Always | And | Or | Implies
                  | Until)

_UNARY = (Not, Next, Eventually, Always)
_BINARY = (And, Or, Implies, Until)


class LtlError(HoverifyError):
    """A malformed formula (``column``: 1-based, where the problem is), an unknown atom, or a
    question that has no answer (an example of an unsatisfiable formula)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message, column=column)


def atoms_of(f: Ltl) -> frozenset[str]:
    """The atom names ``f`` mentions."""
    if isinstance(f, Atom):
        return frozenset((f.name,))
    if isinstance(f, _UNARY):
        return atoms_of(f.arg)
    if isinstance(f, _BINARY):
        return atoms_of(f.left) | atoms_of(f.right)
    return frozenset()


def conj(parts: Sequence[Ltl]) -> Ltl:
    """``parts[0] and parts[1] and …`` (``true`` if empty)."""
    if not parts:
        return TrueC()
    out = parts[0]
    for p in parts[1:]:
        out = And(out, p)
    return out


# ---- parsing ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<op>->|→|\[\]|<>|&&|\|\||[()!¬&∧|∨□◇○])
  | (?P<word>[^\W\d]\w*)
""", re.X)

_WORD_OPS = {
    "always": "G", "G": "G", "eventually": "F", "F": "F", "next": "X", "X": "X", "not": "!",
    "and": "&", "or": "|", "until": "U", "U": "U", "true": "true", "false": "false",
}
_SYMBOL_OPS = {
    "[]": "G", "□": "G", "<>": "F", "◇": "F", "○": "X", "!": "!", "¬": "!", "&": "&", "&&": "&",
    "∧": "&", "|": "|", "||": "|", "∨": "|", "->": "->", "→": "->", "(": "(", ")": ")",
}
_UNARY_OF: dict[str, Callable[[Ltl], Ltl]] = {
    "G": Always, "F": Eventually, "X": Next, "!": Not}


@dataclass(frozen=True)
class _Tok:
    kind: str     # an operator code (see _WORD_OPS/_SYMBOL_OPS), "atom" or "end"
    text: str
    column: int   # 1-based


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise LtlError(f"unexpected character {text[i]!r} at column {i + 1}; expected an "
                           f"atom, an operator or a parenthesis", i + 1)
        s = m.group()
        if m.lastgroup == "op":
            out.append(_Tok(_SYMBOL_OPS[s], s, i + 1))
        elif m.lastgroup == "word":
            out.append(_Tok(_WORD_OPS.get(s, "atom"), s, i + 1))
        i = m.end()
    out.append(_Tok("end", "end of input", len(text) + 1))
    return out


def _describe(t: _Tok) -> str:
    return "the end of the formula" if t.kind == "end" else repr(t.text)


class _Parser:
    def __init__(self, text: str, atoms: Collection[str]) -> None:
        self.text = text
        self.atoms = atoms
        self.toks = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def fail(self, expected: str) -> LtlError:
        t = self.tok
        return LtlError(f"expected {expected} at column {t.column}, found {_describe(t)}",
                        t.column)

    def parse(self) -> Ltl:
        if self.tok.kind == "end":
            raise LtlError("empty formula; expected e.g. 'always eventually NAME'", 1)
        f = self.implies()
        if self.tok.kind != "end":
            if self.tok.kind == "atom" or self.tok.kind in _UNARY_OF or self.tok.kind == "(":
                raise self.fail("an operator ('and', 'or', '->', 'until') or the end")
            raise self.fail("the end of the formula")
        return f

    def implies(self) -> Ltl:
        left = self.disj()
        if self.tok.kind == "->":
            self.i += 1
            return Implies(left, self.implies())
        return left

    def disj(self) -> Ltl:
        f = self.conj()
        while self.tok.kind == "|":
            self.i += 1
            f = Or(f, self.conj())
        return f

    def conj(self) -> Ltl:
        f = self.until()
        while self.tok.kind == "&":
            self.i += 1
            f = And(f, self.until())
        return f

    def until(self) -> Ltl:
        left = self.unary()
        if self.tok.kind == "U":
            self.i += 1
            return Until(left, self.until())
        return left

    def unary(self) -> Ltl:
        t = self.tok
        make = _UNARY_OF.get(t.kind)
        if make is not None:
            self.i += 1
            return make(self.unary())
        if t.kind == "(":
            self.i += 1
            f = self.implies()
            if self.tok.kind != ")":
                raise self.fail(f"')' to close the '(' at column {t.column}")
            self.i += 1
            return f
        if t.kind == "true":
            self.i += 1
            return TrueC()
        if t.kind == "false":
            self.i += 1
            return FalseC()
        if t.kind == "atom":
            if t.text not in self.atoms:
                known = ", ".join(repr(a) for a in sorted(self.atoms)) or "none"
                raise LtlError(f"unknown name {t.text!r} at column {t.column}; expected one of "
                               f"the good rounds (known: {known})", t.column)
            self.i += 1
            return Atom(t.text)
        raise self.fail("a formula (a good-round name, 'true', 'false', '(' or a unary "
                        "operator: always, eventually, next, not)")


def parse_ltl(text: str, atoms: Collection[str]) -> Ltl:
    """The formula ``text`` (see the module docstring for the syntax); every name must be in
    ``atoms``. Raises :class:`LtlError` with the column of the problem."""
    if not isinstance(text, str):
        raise LtlError(f"an LTL formula must be a string, not {type(text).__name__}")
    return _Parser(text, atoms).parse()


# ---- printing --------------------------------------------------------------------------------

_PREC: dict[type, int] = {Implies: 1, Or: 2, And: 3, Until: 4, Not: 5, Next: 5, Eventually: 5,
                          Always: 5, Atom: 6, TrueC: 6, FalseC: 6}
_OP_TEXT: dict[type, str] = {Implies: "->", Or: "or", And: "and", Until: "until", Not: "not",
                             Next: "next", Eventually: "eventually", Always: "always"}
_RIGHT_ASSOC = (Implies, Until)


def to_text(f: Ltl) -> str:
    """``f`` in the ASCII word syntax with the fewest parentheses; ``parse_ltl`` of the result
    gives ``f`` back."""

    def show(g: Ltl, least: int) -> str:
        p = _PREC[type(g)]
        if isinstance(g, Atom):
            s = g.name
        elif isinstance(g, TrueC):
            s = "true"
        elif isinstance(g, FalseC):
            s = "false"
        elif isinstance(g, _UNARY):
            s = f"{_OP_TEXT[type(g)]} {show(g.arg, p)}"
        else:
            lp, rp = (p + 1, p) if isinstance(g, _RIGHT_ASSOC) else (p, p + 1)
            s = f"{show(g.left, lp)} {_OP_TEXT[type(g)]} {show(g.right, rp)}"
        return f"({s})" if p < least else s

    return show(f, 0)


# ---- semantics on lasso words ----------------------------------------------------------------

Word: TypeAlias = Sequence[Collection[str]]


def evaluate(f: Ltl, prefix: Word, loop: Word) -> bool:
    """Whether ``f`` holds on the infinite word ``prefix · loop · loop · …`` (``loop`` non-empty;
    each letter is the set of atoms true at that position)."""
    if not loop:
        raise LtlError("a lasso word needs a non-empty loop")
    word = [frozenset(x) for x in (*prefix, *loop)]
    size = len(word)
    nxt = [i + 1 for i in range(size - 1)] + [len(prefix)]

    def ev(g: Ltl) -> list[bool]:
        if isinstance(g, Atom):
            return [g.name in x for x in word]
        if isinstance(g, TrueC):
            return [True] * size
        if isinstance(g, FalseC):
            return [False] * size
        if isinstance(g, Not):
            return [not v for v in ev(g.arg)]
        if isinstance(g, Next):
            a = ev(g.arg)
            return [a[nxt[i]] for i in range(size)]
        if isinstance(g, And | Or | Implies):
            a, b = ev(g.left), ev(g.right)
            if isinstance(g, And):
                return [x and y for x, y in zip(a, b)]
            if isinstance(g, Or):
                return [x or y for x, y in zip(a, b)]
            return [(not x) or y for x, y in zip(a, b)]
        if isinstance(g, Eventually):
            return ev(Until(TrueC(), g.arg))
        if isinstance(g, Always):
            return [not v for v in ev(Until(TrueC(), Not(g.arg)))]
        a, b = ev(g.left), ev(g.right)  # Until: least fixpoint
        val = [False] * size
        changed = True
        while changed:
            changed = False
            for i in reversed(range(size)):
                v = b[i] or (a[i] and val[nxt[i]])
                if v != val[i]:
                    val[i] = v
                    changed = True
        return val

    return ev(f)[0]


# ---- the automaton ---------------------------------------------------------------------------

def _core(f: Ltl) -> Ltl:
    """``f`` over atoms, true, not, and, or, next and until only."""
    if isinstance(f, Atom | TrueC):
        return f
    if isinstance(f, FalseC):
        return Not(TrueC())
    if isinstance(f, Not):
        a = _core(f.arg)
        return a.arg if isinstance(a, Not) else Not(a)
    if isinstance(f, Next):
        return Next(_core(f.arg))
    if isinstance(f, Eventually):
        return Until(TrueC(), _core(f.arg))
    if isinstance(f, Always):
        a = _core(f.arg)
        return Not(Until(TrueC(), a.arg if isinstance(a, Not) else Not(a)))
    if isinstance(f, And):
        return And(_core(f.left), _core(f.right))
    if isinstance(f, Or):
        return Or(_core(f.left), _core(f.right))
    if isinstance(f, Implies):
        a = _core(f.left)
        return Or(a.arg if isinstance(a, Not) else Not(a), _core(f.right))
    return Until(_core(f.left), _core(f.right))


class Automaton:
    """The generalized Büchi automaton of a formula, restricted to the states reachable from the
    initial ones. A state is an elementary subset of the closure, stored as a bit mask over
    ``closure``; its letter is the set of atoms it contains. A run ``B0 B1 …`` is accepting iff it
    visits every set of ``acceptance`` infinitely often; the word of the run is the sequence of
    its letters."""

    def __init__(self, f: Ltl) -> None:
        self.formula = f
        root = _core(f)
        order: list[Ltl] = []
        index: dict[Ltl, int] = {}

        def visit(g: Ltl) -> None:
            if g in index:
                return
            if isinstance(g, _UNARY):
                visit(g.arg)
            elif isinstance(g, _BINARY):
                visit(g.left)
                visit(g.right)
            index[g] = len(order)
            order.append(g)

        visit(root)
        self.closure: tuple[Ltl, ...] = tuple(order)
        self._index = index
        self._root = index[root]
        self._atoms = [(i, g.name) for i, g in enumerate(order) if isinstance(g, Atom)]
        self._untils = [(i, index[g.left], index[g.right]) for i, g in enumerate(order)
                        if isinstance(g, Until)]
        self._nexts = [(i, index[g.arg]) for i, g in enumerate(order) if isinstance(g, Next)]
        self._memo: dict[tuple[tuple[int, bool], ...], tuple[int, ...]] = {}
        self.initial: tuple[int, ...] = self._elementary(((self._root, True),))
        self.succ: dict[int, tuple[int, ...]] = {}
        todo = deque(self.initial)
        seen = set(self.initial)
        while todo:
            s = todo.popleft()
            req = self._requirement(s)
            out = () if req is None else self._elementary(req)
            self.succ[s] = out
            for t in out:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        # one acceptance set per until: the until is false, or its right side holds
        self.acceptance: tuple[frozenset[int], ...] = tuple(
            frozenset(s for s in self.succ if not (s >> u) & 1 or (s >> r) & 1)
            for u, _, r in self._untils)
        #: the accepting strongly connected components (non-trivial, meeting every
        #: acceptance set); the language is empty iff there are none
        self.components: tuple[frozenset[int], ...] = self.accepting_components(self.succ)
        self.live: frozenset[int] = frozenset().union(
            *(ancestors(self.succ, min(c)) | c for c in self.components))

    def accepting_components(self, within: Collection[int]) -> tuple[frozenset[int], ...]:
        """The accepting strongly connected components of the automaton restricted to the
        states ``within``: non-trivial, meeting every acceptance set."""
        comps: list[frozenset[int]] = []
        for c in strongly_connected_components(self.succ, within):
            nontrivial = len(c) > 1 or any(s in self.succ[s] for s in c)
            if nontrivial and all(c & acc for acc in self.acceptance):
                comps.append(c)
        return tuple(sorted(comps, key=min))

    def letter(self, s: int) -> frozenset[str]:
        """The atoms true in state ``s``."""
        return frozenset(name for i, name in self._atoms if (s >> i) & 1)

    def _requirement(self, s: int) -> tuple[tuple[int, bool], ...] | None:
        """What every successor of ``s`` must (not) contain; ``None``: contradictory (``s`` has
        no successor)."""
        req: dict[int, bool] = {}
        musts = [(arg, bool((s >> i) & 1)) for i, arg in self._nexts]
        musts += [(u, bool((s >> u) & 1)) for u, left, right in self._untils
                  if not (s >> right) & 1 and (s >> left) & 1]
        for i, v in musts:
            if req.setdefault(i, v) != v:
                return None
        return tuple(sorted(req.items()))

    def _elementary(self, req: tuple[tuple[int, bool], ...]) -> tuple[int, ...]:
        """Every elementary set meeting ``req`` (bit masks)."""
        hit = self._memo.get(req)
        if hit is not None:
            return hit
        need = dict(req)
        cl = self.closure
        index = self._index
        out: list[int] = []

        def go(i: int, mask: int) -> None:
            if i == len(cl):
                out.append(mask)
                return
            g = cl[i]
            if isinstance(g, Atom | Next):
                options: tuple[bool, ...] = (False, True)
            elif isinstance(g, Until):
                lv, rv = (mask >> index[g.left]) & 1, (mask >> index[g.right]) & 1
                options = (True,) if rv else (False,) if not lv else (False, True)
            elif isinstance(g, TrueC):
                options = (True,)
            elif isinstance(g, Not):
                options = (not (mask >> index[g.arg]) & 1,)
            elif isinstance(g, And):
                options = (bool((mask >> index[g.left]) & (mask >> index[g.right]) & 1),)
            elif isinstance(g, Or):
                options = (bool(((mask >> index[g.left]) | (mask >> index[g.right])) & 1),)
            else:  # pragma: no cover - _core leaves no other node
                raise AssertionError(g)
            want = need.get(i)
            for v in options:
                if want is None or want == v:
                    go(i + 1, mask | (int(v) << i))

        go(0, 0)
        res = tuple(out)
        self._memo[req] = res
        return res

    @property
    def empty(self) -> bool:
        return not self.components

    def lasso(self) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
        """A short lasso word of the language: ``(prefix, loop)``."""
        if self.empty:
            raise LtlError(f"{to_text(self.formula)!r} is unsatisfiable: no word has it")
        in_comp = {s: c for c in self.components for s in c}
        parent: dict[int, int | None] = {s: None for s in self.initial}
        todo = deque(self.initial)
        start = -1
        while todo:  # breadth first from the initial states to an accepting component
            s = todo.popleft()
            if s in in_comp:
                start = s
                break
            for t in self.succ[s]:
                if t not in parent:
                    parent[t] = s
                    todo.append(t)
        prefix: list[int] = []
        back = parent[start]
        while back is not None:
            prefix.append(back)
            back = parent[back]
        prefix.reverse()
        comp = in_comp[start]
        walk = [start]
        for acc in self.acceptance:  # through every acceptance set, then back to start
            if walk[-1] in acc:
                continue
            paths = shortest_paths(self.succ, walk[-1], comp)
            goal = min((t for t in acc & comp), key=lambda t: (len(paths[t]), t))
            walk += paths[goal][1:]
        if len(walk) == 1:
            walk.append(min(t for t in self.succ[start] if t in comp))
        if walk[-1] != start:
            walk += shortest_paths(self.succ, walk[-1], comp)[start][1:]
        return ([self.letter(s) for s in prefix], [self.letter(s) for s in walk[:-1]])


@lru_cache(maxsize=256)
def automaton(f: Ltl) -> Automaton:
    """The (cached) automaton of ``f``."""
    return Automaton(f)


def satisfiable(f: Ltl) -> bool:
    """Whether some infinite word satisfies ``f``."""
    return not automaton(f).empty


def valid(f: Ltl) -> bool:
    """Whether every infinite word satisfies ``f``."""
    return not satisfiable(Not(f))


def example(f: Ltl) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """A lasso word ``(prefix, loop)`` satisfying ``f`` (letters: the atoms of ``f`` that are
    true); :class:`LtlError` if ``f`` is unsatisfiable."""
    return automaton(f).lasso()


# ---- good-round chains -----------------------------------------------------------------------

def chain_formula(sequence: Sequence[str]) -> Ltl:
    """``F(s1 ∧ X F(s2 ∧ X F(… ∧ X F sk)))``: rounds ``i1 < … < ik`` of the given kinds."""
    f: Ltl = TrueC()
    for i, name in enumerate(reversed(sequence)):
        f = Eventually(Atom(name) if i == 0 else And(Atom(name), Next(f)))
    return f


def supplies(assumption: Ltl, sequence: Sequence[str]) -> bool:
    """Whether every word satisfying ``assumption`` has positions ``i1 < i2 < … < ik`` with
    ``sequence[j]`` true at ``i_j`` (``assumption → chain_formula(sequence)`` is valid)."""
    if not sequence:
        return True
    return not satisfiable(And(assumption, Not(chain_formula(sequence))))


def counterexample(assumption: Ltl, sequence: Sequence[str]
                   ) -> tuple[list[frozenset[str]], list[frozenset[str]]] | None:
    """A lasso word satisfying ``assumption`` without rounds ``sequence`` in order, or ``None``
    if the assumption supplies them."""
    if supplies(assumption, sequence):
        return None
    return example(And(assumption, Not(chain_formula(sequence))))


def _summary(f: Ltl) -> list[str] | None:
    """The promise of a conjunction of ``G F a``, ``F a``, ``G a`` in words, else ``None``."""
    if isinstance(f, And):
        a, b = _summary(f.left), _summary(f.right)
        return None if a is None or b is None else a + b
    if isinstance(f, Always) and isinstance(f.arg, Eventually) and isinstance(f.arg.arg, Atom):
        return [f"infinitely many {f.arg.arg.name!r} rounds"]
    if isinstance(f, Eventually) and isinstance(f.arg, Atom):
        return [f"one {f.arg.name!r} round"]
    if isinstance(f, Always) and isinstance(f.arg, Atom):
        return [f"only {f.arg.name!r} rounds"]
    if isinstance(f, Eventually) and isinstance(f.arg, Always) and isinstance(f.arg.arg, Atom):
        return [f"only {f.arg.arg.name!r} rounds from some round on"]
    if isinstance(f, TrueC):
        return []
    return None


def describe_supply(assumption: Ltl) -> str:
    """What ``assumption`` promises, briefly: ``"infinitely many 'uniform' rounds"``, ``"one
    'good' round"``, …; for other shapes the formula itself, quoted."""
    parts = _summary(assumption)
    if parts is None:
        return repr(to_text(assumption))
    return ", ".join(parts) if parts else "no good round"


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")


def _ordinal(k: int) -> str:
    return _ORDINALS[k - 1] if 1 <= k <= len(_ORDINALS) else f"{k}th"


def supplied_prefix(assumption: Ltl, sequence: Sequence[str]) -> int:
    """The length of the longest prefix of ``sequence`` the assumption supplies."""
    lo, hi = 0, len(sequence)  # supplies is monotone in the prefix: binary search
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if supplies(assumption, sequence[:mid]):
            lo = mid
        else:
            hi = mid - 1
    return lo


def mismatch_message(assumption: Ltl, sequence: Sequence[str]) -> str | None:
    """``None`` if ``assumption`` supplies ``sequence``; else which step (1-based) first asks
    for a good round the assumption does not guarantee, and what it does promise."""
    k = supplied_prefix(assumption, sequence)
    if k == len(sequence):
        return None
    name = sequence[k]
    if k == 0:
        need = f"step 1 needs a {name!r} round"
    else:
        count = sum(1 for s in sequence[: k + 1] if s == name)
        what = f"a {_ordinal(count)} {name!r} round" if count > 1 else f"a {name!r} round"
        need = f"step {k + 1} needs {what} after step {k}'s"
    text = to_text(assumption)
    parts = _summary(assumption)
    if parts is None:
        promise = "does not guarantee it"
    elif not parts:
        promise = "promises no good round"
    else:
        promise = f"promises only {', '.join(parts)}"
    return f"{need}, but the assumption {text!r} {promise}"


# ---- random accepted words -------------------------------------------------------------------

def _distances(targets: Collection[int], within: Collection[int],
               pred: Mapping[int, Sequence[int]], cost: Callable[[int], int]) -> dict[int, int]:
    """The cheapest way from every state of ``within`` to ``targets`` (Dijkstra, backwards;
    entering state ``t`` costs ``cost(t)``)."""
    dist = {t: 0 for t in targets if t in within}
    heap = [(0, t) for t in dist]
    while heap:
        d, t = heapq.heappop(heap)
        if d > dist[t]:
            continue
        for s in pred.get(t, ()):
            nd = d + cost(t)
            if s in within and nd < dist.get(s, nd + 1):
                dist[s] = nd
                heapq.heappush(heap, (nd, s))
    return dist


def random_run(f: Ltl, rng: random.Random, delay: int = 5) -> Iterator[frozenset[str]]:
    """An endless random word satisfying ``f``, letter by letter: the sets of atoms required at
    positions 0, 1, 2, ….

    It is the word of an accepting run of the automaton: the walk first reaches an accepting
    component, then visits its acceptance sets in turn forever. Before heading for the next
    target it lingers up to ``delay`` (random) steps on states whose letter is empty (where it
    can), so required rounds are separated by random stretches of rounds that require nothing.
    Atoms outside a letter are not required to be false: the word is exact for assumptions in
    which atoms occur only positively (e.g. every ``G F``/``F`` combination), where more good
    rounds never hurt. Raises :class:`LtlError` if ``f`` is unsatisfiable."""
    aut = automaton(f)
    if aut.empty:
        raise LtlError(f"the assumption {to_text(f)!r} is unsatisfiable: no run can meet it")
    if delay < 0:
        raise LtlError(f"delay must be >= 0, not {delay}")
    return _walk(aut, rng, delay)


def _quiet_regions(aut: Automaton) -> list[frozenset[int]]:
    """Where an accepting run can stay while requiring as few atoms as possible: for each
    accepting component, drop atoms greedily as long as the states whose letters avoid them
    still hold an accepting cycle; the regions of the components needing the fewest atoms."""
    atoms = sorted({a for s in aut.succ for a in aut.letter(s)})
    best: list[frozenset[int]] = []
    cost = len(atoms) + 1
    for comp in aut.components:
        allowed = set(atoms)
        regions: tuple[frozenset[int], ...] = (comp,)
        for x in atoms:
            fewer = allowed - {x}
            sub = aut.accepting_components([s for s in comp if aut.letter(s) <= fewer])
            if sub:
                allowed, regions = fewer, sub
        if len(allowed) < cost:
            best, cost = list(regions), len(allowed)
        elif len(allowed) == cost:
            best += regions
    return best


def _walk(aut: Automaton, rng: random.Random, delay: int) -> Iterator[frozenset[str]]:
    pred: dict[int, list[int]] = {}
    for s, ts in aut.succ.items():
        for t in ts:
            pred.setdefault(t, []).append(s)
    heavy = len(aut.succ) + 1

    def cost(t: int) -> int:  # a required atom costs more than any detour without one
        return 1 + heavy * len(aut.letter(t))

    def pick(cands: Sequence[int], dist: Mapping[int, int]) -> int:
        """A random one of the candidates on a cheapest way to the target."""
        key = {t: cost(t) + dist[t] for t in cands}
        least = min(key.values())
        return rng.choice([t for t in cands if key[t] == least])

    def step_towards(s: int, dist: Mapping[int, int]) -> int:
        return pick([t for t in aut.succ[s] if t in dist and cost(t) + dist[t] == dist[s]],
                    dist)

    def idle(s: int, within: Collection[int], dist: Mapping[int, int]) -> int | None:
        """A successor in ``within`` requiring nothing, on a cheapest way to the target."""
        cands = [t for t in aut.succ[s] if t in within and t in dist and not aut.letter(t)]
        return pick(cands, dist) if cands else None

    regions = _quiet_regions(aut)
    region_of = {s: r for r in regions for s in r}
    to_region = _distances(region_of, aut.succ, pred, cost)
    # the prefix: linger, then the cheapest way into a quiet region
    wait = rng.randint(0, delay)
    starts = [s for s in aut.initial if s in to_region]
    quiet = [s for s in starts if not aut.letter(s)]
    if wait and quiet:
        s = pick(quiet, to_region)
        wait -= 1
    else:
        s = pick(starts, to_region)
    yield aut.letter(s)
    for _ in range(wait):
        if s in region_of:
            break
        quiet_step = idle(s, to_region, to_region)
        if quiet_step is None:
            break
        s = quiet_step
        yield aut.letter(s)
    while s not in region_of:
        s = step_towards(s, to_region)
        yield aut.letter(s)
    # then forever: linger, and visit the region's acceptance sets in turn
    region = region_of[s]
    targets = [acc & region for acc in aut.acceptance] or [region]
    dists = [_distances(t, region, pred, cost) for t in targets]
    while True:
        steps = 0
        for i, dist in enumerate(dists):
            # linger before a target still to be reached, and once per cycle
            for _ in range(rng.randint(0, delay) if dist[s] or i == 0 else 0):
                quiet_step = idle(s, region, dist)
                if quiet_step is None:
                    break
                s = quiet_step
                steps += 1
                yield aut.letter(s)
            while dist[s] > 0:
                s = step_towards(s, dist)
                steps += 1
                yield aut.letter(s)
        if not steps:  # every target visited without a step: make one all the same
            s = pick([t for t in aut.succ[s] if t in region], dists[0])
            yield aut.letter(s)


__all__ = [
    "Always", "And", "Atom", "Automaton", "Eventually", "FalseC", "Implies", "Ltl", "LtlError",
    "Next", "Not", "Or", "TrueC", "Until", "atoms_of", "automaton", "chain_formula", "conj",
    "counterexample", "describe_supply", "evaluate", "example", "mismatch_message", "parse_ltl",
    "random_run", "satisfiable", "supplied_prefix", "supplies", "to_text", "valid",
]
