"""A tuple stored in a local."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class TupleStored(Algorithm):
    x = Local(int)
    y = Local(int, initial=0)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast((p.x, p.y))

        def update(p, mbox):
            p.x = mbox.min()  # ERROR: a tuple cannot be stored
