"""The bound on n that every VC assumes must be a whole number of processes."""
from hoverify import Algorithm, Local, Round, broadcast


class MinNNotACount(Algorithm):
    x = Local(int)
    min_n = 2.5  # ERROR: min_n must be a whole number of processes

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 0:
                p.x = mbox.min()
