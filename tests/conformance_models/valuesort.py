"""A test-only model whose values are an ordered uninterpreted sort (ValueType): only equality,
order, min/max and counting apply to them. (The DSL cannot declare an optional ValueType local:
``Val | None`` is not a type.)"""

from hoverify import Algorithm, Local, Round, ValueType, broadcast, n

Val = ValueType("Val", ordered=True)


class ValueSort(Algorithm):
    x = Local(Val)
    best = Local(Val)
    decided = Local(bool, initial=False)
    decision = Local(Val)

    def init(p, v):
        p.x = v
        p.best = v
        p.decision = v

    class R(Round):
        def send(p):
            return broadcast(p.x)

        def update(p, mbox):
            if mbox.size > n / 2:
                p.best = mbox.max()
                p.x = mbox.min_most_often()
                if mbox.count(p.x) == mbox.size and p.x <= p.best:
                    p.decide(p.x)

    safety = {"agreement": "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)"}
    invariants = ["forall i. exists j. x(j) <= best(i)"]
