"""A 'while' loop in update."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class WhileLoop(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            while p.x > 0:  # ERROR: a 'while' loop is not supported
                p.x = p.x - 1
