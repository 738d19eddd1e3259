"""A Python syntax error."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class SyntaxError_(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > n / 2  # ERROR: syntax error
                p.x = 0
