"""A 'for' loop over the senders."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class ForLoop(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            for q in mbox.senders:  # ERROR: a 'for' loop is not supported
                p.x = q
