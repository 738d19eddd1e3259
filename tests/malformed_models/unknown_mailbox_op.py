"""A mailbox operation that does not exist."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class UnknownMailboxOp(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            p.x = mbox.average()  # ERROR: the mailbox has no operation 'average'
