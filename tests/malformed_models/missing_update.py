"""A round without update."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class MissingUpdate(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):  # ERROR: has no 'update' function
        def send(p):
            return broadcast(p.x)
