"""An attribute of an object that is neither p nor the mailbox."""
import math

from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class UnknownAttribute(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            p.x = math.floor(p.x)  # ERROR: attribute access 'math.floor' is not supported
