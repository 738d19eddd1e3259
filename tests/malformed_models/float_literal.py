"""A float literal."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class FloatLiteral(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > 0.5 * n:  # ERROR: the float literal 0.5 is not supported
                p.x = 0
