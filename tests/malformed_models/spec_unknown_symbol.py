"""A safety property that names a function the model does not declare."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class SpecUnknownSymbol(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.count(p.x) > n / 2:
                p.decide(p.x)

    safety = {
        "agreement": "forall i, j. decided(i) and decided(j) -> decison(i) = decision(j)",  # ERROR: unknown function 'decison'
    }
