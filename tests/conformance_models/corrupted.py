"""A test-only model with value faults on tuple payloads with an optional component, max_by with
an integer key, min_most_often on tuples and tuple equality with None."""

from hoverify import Algorithm, Local, Round, ValueFaults, broadcast, n


class Corrupted(Algorithm):
    x = Local(int)
    v = Local(int | None)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    fault_model = ValueFaults(1)
    values = (0, 1, 2)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast((p.x, p.v))

        def update(p, mbox):
            best = mbox.max_by(lambda m: m[0])
            if best is not None:
                p.v = best[1]
            common = mbox.min_most_often()
            if common == (p.x, None):
                p.decide(p.x)
            p.x = mbox.count(lambda m: m[1] is not None) + n % 2

    class S(Round):
        def send(p):
            if p.v is not None:
                return broadcast(p.v > p.x)

        def update(p, mbox):
            if mbox.forall(lambda m: m) and mbox.size > 0:
                p.x = 1
            elif mbox.min() == False:  # noqa: E712 (a bool payload; the smallest is False)
                p.v = None
