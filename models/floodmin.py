"""FloodMin: consensus with at most f crash-stop failures in f + 1 synchronous rounds.

Source: N. Lynch, "Distributed Algorithms", 1996, §6.2.1 (FloodSet/FloodMin); the VMCAI'14 CL
paper's FloodMin benchmark.

One round per phase. Every live process broadcasts ``x`` and sets ``x :=`` the minimum of the
received values; at the end of round ``f + 1`` (round ``r = F`` counting from 0) it decides ``x``.

Fault model: crash-stop, ``|C| <= F`` (``fault_model = CrashStop(F)``): a process crashing in
round ``r`` reaches an arbitrary subset in ``r`` and nobody after, and stops; every live process
hears every process that has not crashed. Termination is by round count (decides at round F + 1).

Termination is outside the proof-chain method of liveness (there are no good rounds: the network
is synchronous and only crashes vary). It is checked another way: the invariant ``r > F -> every
live process has decided`` is proved like the others, and ``r`` grows by one per round, so every
run reaches ``r > F``.

Safety properties: agreement, validity, irrevocability.

Invariant (VMCAI'14): once a round without a new crash has passed, all live processes hold the
same value (``|C| < r -> exists v. forall i. not (i in C) -> x(i) = v``); values stay initial
values; decisions happen after round ``F``, every live process holds every decision, and decisions
agree (needed for agreement: the VMCAI'14 invariant alone does not imply it). All are stated
without an existential (the first as ``|C| < r -> forall i, j. not (i in C) and not (j in C) ->
x(i) = x(j)``, the same statement; ``forall i, j. decided(i) and not (j in C) -> x(j) =
decision(i)`` rather than ``exists v`` common to ``x`` and the decisions): an existential in the
goal of a consecution VC has witnesses that depend on the post-state, one instantiation level
deeper (the first one's consecution took 3 s with ``exists v``, 0.3 s without).
"""

from hoverify import Algorithm, CrashStop, Local, Round, broadcast, r

F = 1  # the number of crash failures tolerated


class FloodMin(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    fault_model = CrashStop(F)

    def init(p, v):
        p.x = v

    class Flood(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 0:
                p.x = mbox.min()
            if r == F:
                p.decide(p.x)

    properties = ("agreement", "validity", "irrevocability")
    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        "validity": "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
        "irrevocability":
            "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    }
    invariants = [
        "|C| < r -> forall i, j. not (i in C) and not (j in C) -> x(i) = x(j)",
        "forall i. exists j. x(i) = init(x)(j)",
        "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
        f"forall i. decided(i) -> r > {F}",
        "forall i, j. decided(i) and not (j in C) -> x(j) = decision(i)",
        "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        # termination by round count (no good rounds: outside the proof-chain method): after
        # round F every live process has decided, and r grows by one per round
        f"r > {F} -> forall i. not (i in C) -> decided(i)",
    ]
