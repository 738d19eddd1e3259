"""A return statement in update."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class ReturnInUpdate(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size == 0:
                return  # ERROR: 'return' is not supported in update
            p.x = mbox.min()
