"""An import inside update."""
from hoverify import Algorithm, Local, Round, broadcast, choose, n, send_to


class ImportInUpdate(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            import math  # ERROR: an 'import' statement is not supported

            p.x = math.floor(mbox.size)
