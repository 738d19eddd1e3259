"""None stored in a local that is not optional."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class NoneInIntLocal(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            p.x = None  # ERROR: None stored in the local 'x'
