"""A function defined inside update."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class NestedFunction(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            def small(m):  # ERROR: a nested function definition is not supported
                return m < 3

            p.x = mbox.count(small)
