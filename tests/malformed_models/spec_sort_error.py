"""An invariant that adds a Boolean to an integer."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class SpecSortError(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            p.decided = mbox.size > n / 2

    invariants = [
        "forall i. x(i) + decided(i) > 0",  # ERROR: expected a term of sort Int
    ]
