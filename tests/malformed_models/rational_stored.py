"""The result of exact division stored in an int local."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class RationalStored(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            p.x = mbox.size / 2  # ERROR: the result of exact division '/' cannot be stored
