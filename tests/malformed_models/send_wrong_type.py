"""send returns a bare value instead of a message."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class SendWrongType(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return p.x  # ERROR: send must return broadcast(payload), send_to(dest, payload) or None

        def update(p, mbox):
            p.x = mbox.size
