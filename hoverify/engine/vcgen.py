"""Verification conditions of a compiled model (DESIGN.md, "The proof engine").

For a phase of rounds ``R_0 .. R_{k-1}`` with HO safety predicates ``S_j``, invariants ``I``
(the conjunction of the model's ``invariants``) and round invariants ``RI_j`` (``round_invariants``,
holding *after* round ``R_j``; a conjunction is split into its conjuncts, named
``round_invariants[R][k]``), the boundary before round ``j`` carries

    B_0 = I          B_j = I ∧ RI_{j-1}   (0 < j < k; ``RI_{j-1}`` omitted if absent)

and the VCs are

* **initiation**, per invariant: ``Init ∧ init(x) = x ⇒ I_i``;
* **consecution**, per round ``j`` and per conjunct of ``B_{j+1 mod k}``:
  ``B_j ∧ S_j ∧ F ∧ TR_j ⇒ goal'`` where ``F`` is the fault model's assumption and ``goal'`` is the
  goal over the post-state (locals primed, ``r`` and ``phase`` advanced);
* every VC also assumes what the model assumes of ``n`` (``n >= min_n``, when a model's
  ``min_n`` is above 1: A_T,E's constraints on ``n``, ``α``, ``T``, ``E``); the executor and
  counterexample replay refuse the smaller ``n`` for the same reason (omitted from the formulas
  below);
* **properties**: a state property ``I ⇒ P``; a two-state property (one that mentions ``old``) is
  checked over every round: ``B_j ∧ S_j ∧ F ∧ TR_j ⇒ P[old := pre, now := post]``;
* **round lemmas** (``round_lemmas``): two-state facts ``L_{j,k}`` about round ``j``'s
  transition, each proved from ``B_j ∧ S_j ∧ F ∧ TR_j ∧ L_{j,0..k-1}`` (a proof decomposed by
  the model's author, each part checked). They stand for the round in every other VC over it:
  see slices.

Each VC is checked by refuting ``hypotheses ∧ ¬goal``: unsat proves it.

**Slices.** A VC may carry weaker forms of itself, tried first (:class:`Slice`): an unsat answer
for one proves the VC, any other answer is set aside and the VC itself is checked. Irrelevant
hypotheses cost the decision procedure instances (and the solver time), so a small premise that
suffices is much faster, and sometimes the only one it can decide:

* a round lemma is first tried from the lemma just before it alone, ``S_j ∧ F ∧ L_{j,k-1}``, if
  that one bears on it (see below; the next step of a proof in steps, as two receivers' choices
  are compared through a fact about each), then from the updates of the locals it mentions and
  the lemmas before it that bear on it, ``S_j ∧ F ∧ U_j ∧ L'`` where ``U_j`` is ``TR_j``
  without the other locals' updates and without the constraints on its witnesses (a lemma that
  follows from the ones before seldom needs how a choice was made), then from the round alone,
  ``S_j ∧ F ∧ TR_j``, then from the round and those lemmas, ``S_j ∧ F ∧ TR_j ∧ L'`` (without
  the invariants: a fact about the transition seldom needs them), and last, for the first lemma
  (which may need them), from its VC with ``U_j`` for ``TR_j``. A lemma *bears on* a formula if
  it is about a post-state local the formula mentions, or one such a lemma mentions in turn, or
  about none (:meth:`VCGenerator.bearing_on`): the others only add instances;
* every other VC over a round with lemmas is first tried with the round's relation replaced by
  the lemmas that bear on its goal and do not mention the HO sets (if some do and some do not),
  then by all the lemmas that bear on its goal, ``B_j ∧ S_j ∧ F ∧ L' ⇒ goal'`` (the lemmas
  abstract the transition). The VC itself keeps the relation and leaves the lemmas out, as
  without lemmas;
* a chain step's progress VC over a round for which the step has lemmas is tried with the
  relation replaced by the conclusion of those lemmas alone, before the round's lemmas join it;
* a proof chain's VC over a round is also tried without the invariants ``B_j``: a progress
  VC first, before the slices above (a chain step often holds of the good round alone); a
  stability VC, which is a consecution VC under any round, after the lemmas about states and
  after ``S_j ∧ F ∧ U_j`` and the chain's premises (``U_j`` as above).

All are sound. Those without lemmas for the relation drop hypotheses (``U_j`` drops conjuncts
of ``TR_j`` under its quantifiers, so ``TR_j`` implies it); in those with lemmas (the round's, or
a chain step's) each lemma is a VC of its own that is implied by ``B_j ∧ S_j ∧ F ∧ TR_j`` once it
is proved, so the model is proved only when its lemmas are (as an invariant's consecution VCs
rely on the other invariants): the runner waits for the lemmas a proof used.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from hoverify.compile_liveness import LivenessGoal
from hoverify.compiler import CompiledModel, RoundRelation
from logic.sorts import BOOL, FunctionSymbol
from logic.terms import (
    TRUE,
    Add,
    And,
    App,
    Eq,
    Forall,
    Ge,
    Iff,
    IntConst,
    N,
    Not,
    Op,
    Term,
    Var,
    conjuncts,
    rebuild,
    substitute,
    symbols,
)


class VCKind(enum.Enum):
    INITIATION = "initiation"
    CONSECUTION = "consecution"
    PROPERTY = "property"
    TRANSITION_PROPERTY = "property over a round"
    REACHABLE = "reachable violation"  # not a VC: a run found by the bounded search
    STABILITY = "stability"            # liveness: a chain invariant survives every round
    PROGRESS = "progress"              # liveness: a good round establishes the next invariant
    CONCLUSION = "conclusion"          # liveness: the last invariant implies the goal

    @property
    def liveness(self) -> bool:
        return self in (VCKind.STABILITY, VCKind.PROGRESS, VCKind.CONCLUSION)

    @property
    def over_round(self) -> bool:
        """Whether the VC crosses a round (its counterexamples are transitions)."""
        return self in (VCKind.CONSECUTION, VCKind.TRANSITION_PROPERTY, VCKind.STABILITY,
                        VCKind.PROGRESS)


@dataclass(frozen=True)
class Slice:
    """A weaker form of a VC, tried before it (see the module docstring): ``hypotheses ∧ ¬goal``
    unsat proves the VC. ``label`` says which premise it is, for reports."""

    label: str
    hypotheses: tuple[Term, ...]
    #: the label of an earlier slice whose premises this one extends: this one is tried before
    #: it if its reduction is hardly larger (see :mod:`hoverify.engine.discharge`)
    extends: str | None = None


#: the labels of a round lemma's slices without the invariants, in the order they are tried: the
#: lemma just before it alone (a lemma that is the next step of a proof in steps), the round's
#: relation alone, and the round with every lemma before it
ROUND_ALONE = "the round alone"
LEMMA_BEFORE = "the lemma before"
ROUND_AND_LEMMAS = "the round and the lemmas before"
#: the labels of a round lemma's slice from the updates of the locals it mentions, without the
#: witnesses' constraints (:meth:`hoverify.compiler.RelationParts.updates`), and the lemmas
#: before it (if any): tried after the lemma before alone. A lemma about one local seldom needs
#: the others' updates, and one that follows from a lemma before it seldom needs how a choice of
#: ``min_most_often`` was made (One-Third Rule's lemma 2: 0.13 s against 0.59 s from the round
#: and the lemmas before; A_T,E's lemmas 2 and 5: 0.24 s against 2.3 and 1.6 s)
UPDATES = "the updates of its locals"
UPDATES_AND_LEMMAS = "the updates of its locals and the lemmas before"
#: the label of the last slice of a round's (or step's) first lemma: its VC with the round's
#: relation restricted as above (the updates of its locals, without the witnesses' constraints),
#: for a first lemma that needs the invariants. A_T,E's lemma 0 (a decision is never revised):
#: 0.77-0.86 s over z3 seeds 0-5, against 1.35-6.41 s from the VC
UPDATES_AND_INVARIANTS = "the updates of its locals, with the invariants"
#: the label of a stability VC's slice from the updates of its locals (as above) without the
#: invariants, tried before the round without the invariants: a chain invariant about some
#: locals is often kept by their updates whatever was chosen (One-Third Rule's first one, that
#: every x is the same: 0.02 s against 0.48 s from the round without the invariants)
UPDATES_WITHOUT_INVARIANTS = "the updates of its locals without the invariants"
#: the label of the slice with the round's relation replaced by its lemmas
BY_LEMMAS = "the round's lemmas"
#: the label of the slice with the relation replaced by the lemmas that do not mention the HO
#: sets (tried first, if there are such lemmas and others): a lemma about who heard whom brings
#: a set per process into the Venn decomposition, which the VCs over states seldom need (One-Third
#: Rule's invariant: 0.19 s from the state lemmas with z3 and 0.08 s with cvc5, against 0.6 s and
#: a cvc5 timeout at 30 s from all of them)
BY_STATE_LEMMAS = "the round's lemmas about states"
#: the label of a proof chain's VC over a round without the invariants (the round, the chain's
#: premises and the good round's predicate): tried first for a progress VC, before the slices
#: from lemmas, and second for a stability VC, after the lemmas about states. One-Third Rule's
#: termination steps hold of the round alone (0.02-0.44 s, against 0.75-0.97 s with the
#: invariants); A_T,E's last step too (0.9 s against 4.1 s). Where it does not suffice it mostly
#: fails fast, while the slice from all the lemmas can take seconds to fail (a lemma about who
#: heard whom brings a set per process): liveness checks with it first, against last, medians of
#: 5 at --jobs 2: One-Third Rule 0.88 s against 1.35 s, A_T,E 9.4 s against 11.6 s, LastVoting
#: 0.24 s against 0.28 s, the others within noise. A stability VC is a consecution VC under any
#: round: A_T,E's first one is proved from the lemmas about states in 0.03 s, and its slice
#: without the invariants takes 1.3 s to fail (A_T,E's liveness: 8.3 s against 8.9 s with it
#: second rather than first; One-Third Rule's unchanged)
WITHOUT_INVARIANTS = "the round without the invariants"
#: the label of a chain step's progress VC's slice with the round's relation replaced by the
#: conclusion of the step's lemmas alone (without the round's lemmas): tried after the round
#: without the invariants. A_T,E's first step: 1.5-2.4 s, against 3.4-4.1 s from every lemma
BY_STEP_LEMMA = "the step's lemmas"
#: the slices whose premises are lemmas (a VC proved from one stands only if they are proved)
FROM_LEMMAS = frozenset({BY_LEMMAS, BY_STATE_LEMMAS, BY_STEP_LEMMA})
#: the target of a round lemma's VC: ``round_lemmas[<round>][<k>]``
LEMMA_TARGET = "round_lemmas"


@dataclass(frozen=True)
class VC:
    """One verification condition: ``hypotheses ⇒ goal``.

    ``name`` is stable (baselines and ``--only`` use it); ``target`` is the invariant or property
    it is about and ``target_line`` its line in ``file``; ``round`` the round it crosses (if any).
    """

    name: str
    kind: VCKind
    hypotheses: tuple[Term, ...]
    goal: Term
    target: str
    file: str
    target_line: int | None
    round: RoundRelation | None = None
    slices: tuple[Slice, ...] = ()
    #: whether the VC proves a lemma over ``round`` (a round lemma or a chain step's lemma)
    lemma: bool = False
    #: whether it proves a chain step's lemma (a part of a liveness proof)
    step_lemma: bool = False

    @property
    def liveness(self) -> bool:
        """Whether the VC is part of a liveness proof, checked by ``--liveness-only`` and not by
        ``--safety-only``: a proof chain's VC or one of a chain step's lemmas (facts about any
        round, but stated only for the chain)."""
        return self.kind.liveness or self.step_lemma

    @cached_property
    def negation(self) -> Term:
        """The formula whose unsatisfiability proves the VC."""
        return And(*self.hypotheses, Not(self.goal))

    def slice_negation(self, label: str) -> Term:
        """The negation of the slice called ``label`` (its unsatisfiability proves the VC)."""
        for sl in self.slices:
            if sl.label == label:
                return And(*sl.hypotheses, Not(self.goal))
        raise KeyError(f"{self.name} has no slice {label!r}")

    @property
    def round_name(self) -> str | None:
        return self.round.name if self.round is not None else None

    @property
    def lemma_of(self) -> str | None:
        """The round whose lemma this VC proves (``None`` if it proves no lemma)."""
        return self.round.name if self.lemma and self.round is not None else None


def rename_symbols(t: Term, mapping: Mapping[FunctionSymbol, FunctionSymbol],
                   memo: dict[Term, Term] | None = None) -> Term:
    """``t`` with every application of a key of ``mapping`` replaced by its value."""
    memo = {} if memo is None else memo
    hit = memo.get(t)
    if hit is not None:
        return hit
    args = tuple(rename_symbols(a, mapping, memo) for a in t.args)
    if t.op is Op.APP and t.payload in mapping:
        out = App(mapping[t.payload], *args)
    else:
        out = t if args == t.args else rebuild(t, args)
    memo[t] = out
    return out


class VCGenerator:
    """Builds the VCs of one compiled model."""

    def __init__(self, cm: CompiledModel) -> None:
        self.cm = cm
        syms = cm.symbols
        state: list[FunctionSymbol] = []
        for info in cm.locals.values():
            state.append(info.sym)
            if info.def_sym is not None:
                state.append(info.def_sym)
        if syms.crashed is not None:
            state.append(syms.crashed)
        self.state = tuple(state)
        self.k = len(cm.rounds)
        self.file = cm.file
        # the model's assumption on n (see the module docstring; the compiler checked min_n)
        min_n = cm.model.min_n
        self.parameters: tuple[Term, ...] = (Ge(N, IntConst(min_n)),) if min_n > 1 else ()

    # ---- state copies ------------------------------------------------------------------------
    def primed(self, t: Term, j: int) -> Term:
        """``t`` over the state after round ``j``: locals primed, ``r``, ``phase`` advanced."""
        t = rename_symbols(t, {s: s.versioned("next") for s in self.state})
        syms = self.cm.symbols
        phase_after = Add(syms.phase, IntConst(1)) if j == self.k - 1 else syms.phase
        return substitute(t, {syms.r: Add(syms.r, IntConst(1)), syms.phase: phase_after})

    def two_state(self, t: Term, j: int) -> Term:
        """A two-state formula over a transition: ``old`` is the pre-state, the rest the post."""
        post = self.primed(t, j)
        return rename_symbols(post, {s.versioned("old"): s for s in self.state})

    def init_link(self) -> Term:
        """``init(x) = x`` for every local: the initial copy of the state."""
        parts = []
        for s in self.state:
            if not s.domain:
                continue
            p = Var("p", s.domain[0])
            now, first = App(s, p), App(s.versioned("init"), p)
            parts.append(Forall(p, Iff(now, first) if s.codomain is BOOL else Eq(now, first)))
        return And(*parts)

    # ---- the VCs -------------------------------------------------------------------------------
    def boundary(self, j: int) -> list[tuple[str, int | None, Term]]:
        """The goals that hold before round ``j``: ``(target, line, formula)``."""
        cm = self.cm
        goals = [(f"invariant[{i}]", cm.spec_lines.get(("invariants", i)), inv)
                 for i, inv in enumerate(cm.invariants)]
        if 0 < j < self.k:
            prev = cm.rounds[j - 1].name
            ri = cm.round_invariants.get(prev)
            if ri is not None:
                # a conjunction is proved conjunct by conjunct (smaller VCs, separate verdicts)
                parts = conjuncts(ri) or [ri]
                line = cm.spec_lines.get(("round_invariants", prev))
                for k, part in enumerate(parts):
                    suffix = f"[{k}]" if len(parts) > 1 else ""
                    goals.append((f"round_invariants[{prev}]{suffix}", line, part))
        return goals

    def lemmas(self, j: int, upto: int | None = None) -> tuple[Term, ...]:
        """The round lemmas of round ``j`` (the first ``upto``) over its transition."""
        ls = self.cm.round_lemmas.get(self.cm.rounds[j].name, ())
        return tuple(self.two_state(lemma, j) for lemma in ls[:upto])

    @staticmethod
    def bearing_on(goal: Term, lemmas: tuple[Term, ...]) -> tuple[Term, ...]:
        """The ``lemmas`` that may bear on ``goal``: those about a post-state symbol the goal
        mentions, closed under sharing one (a lemma that links two locals brings the lemmas
        about the other), and those about no post-state symbol. A lemma about the updates of
        other locals only adds instances: One-Third Rule's invariant 2 over its round is proved
        from the three lemmas about ``decided`` and ``decision`` in 0.02 s, from all five in
        0.27 s."""
        def post(t: Term) -> frozenset[FunctionSymbol]:
            return frozenset(sym for sym in symbols(t) if sym.version == "next")

        posts = [post(lm) for lm in lemmas]
        wanted = set(post(goal))
        chosen = {k for k, p in enumerate(posts) if not p}
        grown = True
        while grown:
            grown = False
            for k, p in enumerate(posts):
                if k not in chosen and p & wanted:
                    chosen.add(k)
                    wanted |= p
                    grown = True
        return tuple(lm for k, lm in enumerate(lemmas) if k in chosen)

    def transition(self, j: int, boundary: bool = True) -> tuple[Term, ...]:
        """``B_j ∧ S_j ∧ F ∧ TR_j`` (without ``B_j`` if not ``boundary``)."""
        rr = self.cm.rounds[j]
        hyps = [g for _, _, g in self.boundary(j)] if boundary else []
        hyps.extend(self.parameters)
        if rr.safety is not None:
            hyps.append(rr.safety)
        if self.cm.faults is not None:
            hyps.append(self.cm.faults)
        hyps.append(rr.relation)
        return tuple(hyps)

    def over_round(self, name: str, kind: VCKind, j: int, hyps: tuple[Term, ...], goal: Term,
                   target: str, line: int | None, step_lemma: Term | None = None) -> VC:
        """A VC over round ``j`` whose hypotheses include its relation: with the slices that
        replace the relation by the round's lemmas (and ``step_lemma``, the conclusion of a
        chain step's lemmas) that bear on ``goal`` (:meth:`bearing_on`), if it has any."""
        rr = self.cm.rounds[j]
        lemmas = self.bearing_on(goal, (*self.lemmas(j),
                                        *(() if step_lemma is None else (step_lemma,))))
        slices: tuple[Slice, ...] = ()
        if lemmas:
            abstract = tuple(h for h in hyps if h is not rr.relation)
            slices = (Slice(BY_LEMMAS, (*abstract, *lemmas)),)
            heard = {s for s in (self.cm.symbols.ho, self.cm.symbols.aho) if s is not None}
            states = tuple(lm for lm in lemmas if not (symbols(lm) & heard))
            if states and len(states) < len(lemmas):
                slices = (Slice(BY_STATE_LEMMAS, (*abstract, *states)), *slices)
            if step_lemma is not None and len(lemmas) > 1:
                slices = (Slice(BY_STEP_LEMMA, (*abstract, step_lemma)), *slices)
        if kind.liveness:
            # a chain step's VC may well hold of the round alone, whatever the invariants say
            invariants = {g for _, _, g in self.boundary(j)}
            bare = tuple(h for h in hyps if h not in invariants)
            if len(bare) < len(hyps):
                # a progress VC first (a good round often decides alone); a stability VC, like
                # an invariant's consecution, after the lemmas about states, and after the
                # updates of its locals alone
                k = 1 if (kind is VCKind.STABILITY and slices
                          and slices[0].label == BY_STATE_LEMMAS) else 0
                narrow: tuple[Slice, ...] = ()
                updates = rr.updates(symbols(goal)) if kind is VCKind.STABILITY else None
                if updates is not None:
                    narrow = (Slice(UPDATES_WITHOUT_INVARIANTS,
                                    tuple(updates if h is rr.relation else h for h in bare)),)
                slices = (*slices[:k], *narrow, Slice(WITHOUT_INVARIANTS, bare), *slices[k:])
        return VC(name, kind, hyps, goal, target, self.file, line, rr, slices)

    def lemma_vc(self, name: str, target: str, j: int, before: tuple[Term, ...], lemma: Term,
                 line: int | None, step: bool = False) -> VC:
        """The VC of a lemma over round ``j`` proved from the round and the lemmas ``before`` it,
        with its slices (see the module's docstring): the lemma just before alone (if it bears on
        this one), the updates of its locals and the lemmas before that bear on it, the round
        alone, the round and those lemmas, and, for a first lemma, its VC with those updates."""
        rr = self.cm.rounds[j]
        alone = self.transition(j, boundary=False)
        premises = tuple(h for h in alone if h is not rr.relation)
        slices = [Slice(ROUND_ALONE, alone)]
        updates = rr.updates(symbols(lemma))
        near = self.bearing_on(lemma, before)  # the slices' lemmas (the VC has them all)
        if updates is not None:
            slices.insert(0, Slice(UPDATES_AND_LEMMAS if near else UPDATES,
                                   (*premises, updates, *near)))
        if before and before[-1] in near:  # the next step of a proof in steps
            slices.insert(0, Slice(LEMMA_BEFORE, (*premises, before[-1])))
        if near:
            slices.append(Slice(ROUND_AND_LEMMAS, (*alone, *near), extends=ROUND_ALONE))
        hyps = (*self.transition(j), *before)
        if updates is not None and not before:
            # a first lemma (nothing before it to build on) may need the invariants; the slices
            # share their time in equal parts, so one more for every lemma would cut the time
            # of those that do their work (A_T,E's step lemma 2 from the one before: 3-3.6 s)
            slices.append(Slice(UPDATES_AND_INVARIANTS,
                                tuple(updates if h is rr.relation else h for h in hyps)))
        return VC(name, VCKind.TRANSITION_PROPERTY, hyps, lemma, target, self.file, line, rr,
                  tuple(slices), lemma=True, step_lemma=step)

    def generate(self) -> list[VC]:
        cm = self.cm
        vcs: list[VC] = []
        init_hyps = (*self.parameters, cm.init, self.init_link())
        for target, line, inv in self.boundary(0):
            vcs.append(VC(f"{target} initiation", VCKind.INITIATION, init_hyps, inv, target,
                          self.file, line))
        for j, rr in enumerate(cm.rounds):
            # round lemmas first, each from the transition and the lemmas before it
            for k, lemma in enumerate(cm.round_lemmas.get(rr.name, ())):
                target = f"{LEMMA_TARGET}[{rr.name}][{k}]"
                vcs.append(self.lemma_vc(target, target, j, self.lemmas(j)[:k],
                                         self.two_state(lemma, j),
                                         cm.spec_lines.get(("round_lemmas", (rr.name, k)))))
            hyps = self.transition(j)
            for target, line, goal in self.boundary((j + 1) % self.k):
                vcs.append(self.over_round(f"{target} {rr.name}", VCKind.CONSECUTION, j, hyps,
                                           self.primed(goal, j), target, line))
        invs = (*self.parameters, *cm.invariants)
        for name, prop in cm.safety.items():
            line = cm.spec_lines.get(("safety", name))
            target = f"safety[{name!r}]"
            if any(s.version == "old" for s in symbols(prop)):
                for j, rr in enumerate(cm.rounds):
                    vcs.append(self.over_round(f"{name} {rr.name}", VCKind.TRANSITION_PROPERTY,
                                               j, self.transition(j), self.two_state(prop, j),
                                               target, line))
            else:
                vcs.append(VC(name, VCKind.PROPERTY, invs, prop, target, self.file, line))
        if cm.liveness is not None:
            for lgoal in cm.liveness.goals:
                if lgoal.steps:  # a goal without a proof chain is reported, not checked
                    vcs.extend(self.liveness(lgoal))
        return vcs

    def liveness(self, goal: LivenessGoal) -> list[VC]:
        """The VCs of a proof chain ``I_1 .. I_m`` for ``eventually P`` (DESIGN.md):

        * stability of each ``I_i`` (``i < m``, and ``I_m`` for ``eventually always P``) over every
          round: ``B_j ∧ S_j ∧ F ∧ TR_j ∧ I_i ⇒ I_i'``;
        * progress: a good round establishes ``I_i`` from ``I_{i-1}`` whichever round of the phase
          it is (``B_j ∧ S_j ∧ F ∧ TR_j ∧ I_{i-1} ∧ Good ⇒ I_i'``); a good phase does it round by
          round, from the phase's first round, through the per-round invariants given;
        * the step's lemmas over round ``j``, each proved as a round lemma is (from the round and
          the step's lemmas before it); the last joins the round's lemmas in the slice of the
          step's progress VC over ``j`` (as a round lemma, a premise the runner keeps track of);
        * conclusion: ``I ∧ I_m ⇒ P``.
        """
        assert self.cm.liveness is not None
        good = self.cm.liveness.good
        vcs: list[VC] = []
        steps = goal.steps
        names = [rr.name for rr in self.cm.rounds]
        for step in steps:
            target = f"progress[{goal.name!r}] step {step.index}"
            prev = (steps[step.index - 2].invariant,) if step.index > 1 else ()
            g = good[step.good]
            # the step's lemmas, each from the round and the ones before; the last stands for the
            # round in the step's progress VC
            conclusion: dict[int, Term] = {}
            for j, rr in enumerate(self.cm.rounds):
                texts = step.lemmas.get(rr.name, ())
                proved = tuple(self.two_state(t, j) for t in texts)
                for k, lemma in enumerate(proved):
                    vcs.append(self.lemma_vc(
                        f"{goal.name} step {step.index} lemma[{k}] {rr.name}", target, j,
                        proved[:k], lemma, step.line, step=True))
                if proved:
                    conclusion[j] = proved[-1]
            stable = step.index < len(steps) or goal.always
            if stable:
                for j, rr in enumerate(self.cm.rounds):
                    vcs.append(self.over_round(
                        f"{goal.name} step {step.index} stable {rr.name}", VCKind.STABILITY, j,
                        (*self.transition(j), step.invariant), self.primed(step.invariant, j),
                        target, step.line))
            if g.rounds is None:
                assert g.formula is not None
                for j, rr in enumerate(self.cm.rounds):
                    vcs.append(self.over_round(
                        f"{goal.name} step {step.index} progress {rr.name}", VCKind.PROGRESS, j,
                        (*self.transition(j), *prev, g.formula), self.primed(step.invariant, j),
                        target, step.line, conclusion.get(j)))
                continue
            before: tuple[Term, ...] = prev
            for j, rr in enumerate(self.cm.rounds):
                after = step.after.get(rr.name) if step.after else (
                    step.invariant if j == self.k - 1 else None)
                constraint = g.at(names[j])
                extra = () if constraint is None else (constraint,)
                hyps = (*self.transition(j), *before, *extra)
                if after is not None:
                    vcs.append(self.over_round(
                        f"{goal.name} step {step.index} progress {rr.name}", VCKind.PROGRESS, j,
                        hyps, self.primed(after, j), target, step.line, conclusion.get(j)))
                before = (after,) if after is not None else ()
        last = (steps[-1].invariant,) if steps else ()
        vcs.append(VC(f"{goal.name} conclusion", VCKind.CONCLUSION,
                      (*self.parameters, *self.cm.invariants, *last), goal.formula,
                      f"liveness[{goal.name!r}]", self.file, goal.line))
        return vcs


def generate(cm: CompiledModel) -> list[VC]:
    """The VCs of ``cm``, in a stable order: initiation, consecution by round, properties."""
    return VCGenerator(cm).generate()


def split_goal(goal: Term) -> list[Term]:
    """The conjuncts of ``goal`` (each can be proved on its own)."""
    parts = conjuncts(goal)
    return parts if parts else [TRUE]


__all__ = ["BY_LEMMAS", "BY_STATE_LEMMAS", "BY_STEP_LEMMA", "FROM_LEMMAS", "WITHOUT_INVARIANTS",
           "LEMMA_TARGET", "LEMMA_BEFORE", "ROUND_ALONE", "ROUND_AND_LEMMAS", "UPDATES",
           "UPDATES_AND_LEMMAS", "UPDATES_AND_INVARIANTS", "UPDATES_WITHOUT_INVARIANTS", "Slice",
           "VC", "VCKind",
           "VCGenerator", "generate", "rename_symbols", "split_goal"]
