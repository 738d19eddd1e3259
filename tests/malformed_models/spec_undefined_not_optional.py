"""'?' compared with a local that is never None."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class SpecUndefinedNotOptional(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return send_to(0, p.x)

        def update(p, mbox):
            p.x = mbox.size

    invariants = ["forall i. x(i) != ?"]  # ERROR: '?' can only be compared with an optional local
