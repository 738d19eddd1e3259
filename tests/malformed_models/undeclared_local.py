"""Assignment to a name that is not a local."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class UndeclaredLocal(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            p.y = mbox.size  # ERROR: 'y' is not a local of UndeclaredLocal
