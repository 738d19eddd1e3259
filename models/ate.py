"""A_{T,E}: consensus tolerating corrupted communication (value faults).

Source: Biely, Widder, Charron-Bost, Gaillard, Hutle, Schiper, "Tolerating corrupted
communication", PODC 2007 (algorithm A_{T,E}); the Isabelle AFP entry Heard_Of.

One round per phase. Parameters ``n, T, E, α`` with ``α < n/4``, ``n > T >= 2(n + 2α - E)``,
``n > E >= n/2 + α``. This model fixes ``α = ALPHA = 1`` and ``T = E = 2(n + 2α)/3``, which
satisfies the constraints for every ``n > 4α`` (``min_n = 5``); with ``α = 0`` it is the
One-Third Rule.

* Round: broadcast ``x``; if more than ``T`` messages were received, ``x :=`` the smallest most
  often received value; if more than ``E`` received values equal ``v``, decide ``v``.

Fault model: value faults, ``HO(p) = SHO(p) ∪ AHO(p)``, ``|AHO(p)| <= α``, messages from
``AHO(p)`` arbitrary (``fault_model = ValueFaults(ALPHA)``).

Liveness: termination, ``eventually forall i. decided(i)``, under the literature's assumption of
three good rounds in this order (``r0 < r1 < r2``, anything between them), stated as
``assumption = "eventually (clean and next eventually (heard and next eventually safe))"``:

(a) ``clean``: ``∃S1, S2. |S1| > E − α ∧ |S2| > T ∧ ∀p ∈ S1. HO(p) = SHO(p) = S2``
    (``UncorruptedKernel(E − α, T)``);
(b) ``heard``: ``∀p. |HO(p)| > T`` (``HeardMoreThan(T)``);
(c) ``safe``: ``∀p. |SHO(p)| > E`` (``SafelyHeardMoreThan(E)``).

The proof chain (``progress``): after (a), ``∃v. |{i | x(i) = v}| > E − α`` (the processes of
``S1`` adopt the same value); after (b), ``∃v. ∀i. x(i) = v`` (more than ``E − α`` holders of
``v`` keep it the most often received value of anyone hearing more than ``T``: at most ``α``
messages are corrupted); after (c), everyone decided (more than ``E`` uncorrupted copies of
``v``). A decided process decided that ``v``: the safety invariant says so, as two quorums of
more than ``E − α`` share a value. The first two invariants are stable under every round, by the
argument that makes the safety invariant inductive. ``hoverify simulate models/ate.py -n 5
--adversary eventually-good`` runs it against a network that corrupts ``α`` messages per receiver
in every round the good rounds do not forbid.

The proof engine proves every VC: the safety invariant's consecution from the round lemmas
(``round_lemmas``, the steps of its proof), and with them the chain invariants' stability (the
second with the lemma that a value everyone holds is kept). Step (a) compares the most often
received values of two mailboxes (``min_most_often``); its lemmas do it in three steps, each
proved from the one before: a clean receiver hearing more than ``T`` adopts the smallest value it
hears most often; so two clean receivers hearing the same processes adopt the same value; so all
of ``S1`` adopts the value of any one of them.

Safety properties: agreement, validity (with ``α > 0`` only for values the environment cannot
invent: validity is checked against the initial values and may fail under value faults, so it is
not listed), irrevocability.

Invariant: ``(∀i. ¬decided(i)) ∨ ∃v. |{i | x(i) = v}| > E − α ∧ ∀i. decided(i) → decision(i) = v``.
"""

from hoverify import (
    Algorithm,
    HeardMoreThan,
    Local,
    Round,
    SafelyHeardMoreThan,
    UncorruptedKernel,
    ValueFaults,
    broadcast,
    n,
)

ALPHA = 1  # the bound on corrupted messages per receiver and round


class ATE(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    fault_model = ValueFaults(ALPHA)
    alpha = ALPHA
    min_n = 4 * ALPHA + 1

    def init(p, v):
        p.x = v

    class Exchange(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 2 * (n + 2 * ALPHA) / 3:
                p.x = mbox.min_most_often()
            if mbox.count(mbox.min_most_often()) > 2 * (n + 2 * ALPHA) / 3:
                p.decide(mbox.min_most_often())

    properties = ("agreement", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    # the invariant's proof in steps, as for the One-Third Rule (models/otr.py), with the quorum
    # of the invariant (more than E - α = 2(n + 2α)/3 - 1 processes); each lemma is proved from
    # the round, and the VCs over the round are first tried from the lemmas instead
    round_lemmas = {"Exchange": [
        # a decision is never revised
        "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
        # a process that hears more than T adopts the value of a quorum
        "forall i, v. |HO(i)| > 2*(n + 2*1)/3 and |{j | old(x)(j) = v}| > 2*(n + 2*1)/3 - 1"
        " -> x(i) = v",
        # so a quorum survives the round
        "forall v. |{j | old(x)(j) = v}| > 2*(n + 2*1)/3 - 1"
        " -> |{j | x(j) = v}| > 2*(n + 2*1)/3 - 1",
        # and a process that decides in the round decides its value
        "forall i, v. |{j | old(x)(j) = v}| > 2*(n + 2*1)/3 - 1"
        " and decided(i) and not old(decided)(i) -> decision(i) = v",
        # a process that decides in the round saw a quorum for its value
        "forall i. decided(i) and not old(decided)(i)"
        " -> |{j | old(x)(j) = decision(i)}| > 2*(n + 2*1)/3 - 1",
        # a value everyone holds is kept by everyone (the second chain invariant's stability)
        "forall v. |{j | old(x)(j) = v}| = n -> |{j | x(j) = v}| = n",
    ]}
    invariants = [
        "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > 2*(n + 2*1)/3 - 1"
        " and (forall i. decided(i) -> decision(i) = v)",
    ]
    # Termination: three good rounds, in this order (r0 < r1 < r2, any rounds between them).
    # (a) more than E - α processes hear the same more than T processes without corruption: they
    #     all adopt the same value v, so more than E - α processes hold v (the step's lemmas);
    # (b) everyone hears more than T: more than E - α holders of v leave v the most often
    #     received value (at most α corrupted), so everyone adopts v;
    # (c) everyone safely hears more than E: everyone receives more than E copies of v and
    #     decides it. The invariants after (a) and (b) are stable under every round.
    liveness = {"termination": "eventually forall i. decided(i)"}
    good_rounds = {
        "clean": UncorruptedKernel("2*(n + 2*1)/3 - 1", "2*(n + 2*1)/3"),
        "heard": HeardMoreThan("2*(n + 2*1)/3"),
        "safe": SafelyHeardMoreThan("2*(n + 2*1)/3"),
    }
    assumption = "eventually (clean and next eventually (heard and next eventually safe))"
    progress = {
        "termination": [
            ("clean", "exists v. |{i | x(i) = v}| > 2*(n + 2*1)/3 - 1", {"Exchange": [
                # a process hearing more than T without corruption adopts the smallest of the
                # values it hears most often
                "forall i, v. |HO(i)| > 2*(n + 2*1)/3 and AHO(i) = {}"
                " -> |{j | j in HO(i) and old(x)(j) = v}|"
                "      <= |{j | j in HO(i) and old(x)(j) = x(i)}|"
                "    and (|{j | j in HO(i) and old(x)(j) = v}|"
                "         = |{j | j in HO(i) and old(x)(j) = x(i)}| -> x(i) <= v)",
                # so two that hear the same such processes adopt the same value
                "forall i, j. |HO(i)| > 2*(n + 2*1)/3 and HO(j) = HO(i) and AHO(i) = {}"
                " and AHO(j) = {} -> x(i) = x(j)",
                # so all the processes hearing what k hears, as k does, adopt k's value
                "forall k. |HO(k)| > 2*(n + 2*1)/3 and AHO(k) = {}"
                " -> |{i | HO(i) = HO(k) and AHO(i) = {}} minus {i | x(i) = x(k)}| = 0",
            ]}),
            ("heard", "exists v. forall i. x(i) = v"),
            ("safe", "forall i. decided(i)"),
        ],
    }
