"""A call to a function the model language does not know."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


def helper(v):
    return v + 1


class UnknownCall(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            p.x = helper(mbox.size)  # ERROR: call to unknown function 'helper'
