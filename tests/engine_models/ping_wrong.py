"""Test-only model (engine tests): a wrong invariant and a property it does not imply.

``invariant[0]`` (every process has seen a ping) is inductive but false initially: initiation is
refuted with a confirmed counterexample (n = 1, nobody has seen anything). ``quiet`` (nobody has
seen a ping) is not implied by it. ``stable`` (a process that has seen a ping stays so) holds.
"""

from hoverify import Algorithm, Local, Round, broadcast, n


class PingWrong(Algorithm):
    seen = Local(bool, initial=False)

    def init(p, v):
        pass

    class Ping(Round):
        def send(p):
            return broadcast(True)

        def update(p, mbox):
            if mbox.size > n / 2:
                p.seen = True

    safety = {
        "quiet": "forall i. not seen(i)",
        "stable": "forall i. old(seen)(i) -> seen(i)",
    }
    invariants = ["forall i. seen(i)"]
