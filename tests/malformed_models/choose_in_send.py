"""A nondeterministic choice in send (choices belong to update)."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class ChooseInSend(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(choose((0, 1)))  # ERROR: choose() is supported in update only

        def update(p, mbox):
            p.x = mbox.size
