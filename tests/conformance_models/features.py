"""A test-only model that exercises the compiler's whole subset (not an algorithm): send_to to a
Proc local with every receiver using its mailbox, conditional and conditional-expression sends,
tuple payloads with an optional component (None lowest in min/max), count/exists/forall with
lambdas, unguarded from_, count(None), choose with repeated options, temporaries, elif, //, %,
min/max of values, augmented assignment, 'in' on a tuple, coord(phase + 1), r and phase."""

from hoverify import Algorithm, Local, Proc, Round, broadcast, choose, coord, n, phase, r, send_to

K = 3


class Features(Algorithm):
    x = Local(int)
    y = Local(int | None)
    flag = Local(bool, initial=False)
    leader = Local(Proc, initial=0)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    values = (0, 1, 2)

    def init(p, v):
        p.x = v
        if v > 0:
            p.y = v - 1
        p.leader = coord(p.x)

    class Ring(Round):
        def send(p):
            if p.flag:
                return send_to(p.leader, (p.x, p.y))
            return broadcast((p.x, p.y)) if p.x % 2 == 0 else None

        def update(p, mbox):
            lo = mbox.min()
            hi = mbox.max()
            if lo is not None:
                p.x = lo[0] + hi[0] // 2
                p.y = hi[1]
            c = mbox.count(lambda m: m[1] is None or m[1] >= p.x)
            if c > n // 2 and mbox.exists(lambda m: m[0] in (0, 1)):
                p.flag = not p.flag
            elif mbox.forall(lambda m: m[0] < K):
                p.flag = c % 2 == 1
            p.leader = p.id if mbox.size == 0 else coord(phase + 1)

    class Pick(Round):
        def send(p):
            return broadcast(p.y)

        def update(p, mbox):
            p.y = mbox.from_(p.leader)
            if mbox.count(None) > mbox.count(p.x) and not p.decided:
                p.x = choose((p.x, 0, min(p.x, 3) + 7))
                p.decide(p.x)
            m = mbox.min()
            if m is None:
                p.y = None
            elif mbox.max() != m:
                p.x = max(m, -1) + (r - phase * 2)
            p.x -= 1
            p.flag = p.leader in mbox.senders

    properties = ()
    safety = {"agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
              "some": "exists i. y(i) = ? or y(i) < x(i)"}
