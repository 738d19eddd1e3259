"""Looking for a *reachable* violation when a proof does not go through.

When some VC of a model is not proved, the bounded explorer (:mod:`hoverify.explore`) searches
every run of the model with ``n = 3`` processes for two phases. A violation it finds is a run of
the model's own code through the executor from an initial state, so it is a confirmed
counterexample to the property itself (not just to an inductive argument): the report adds it as
a refuted check named ``<property> (bounded search)``.
"""

from __future__ import annotations

import io
import time

from hoverify.dsl import Algorithm
from hoverify.engine.results import Counterexample, Status, VCResult
from hoverify.engine.vcgen import VCKind

SEARCH_N = 3
MAX_STATES = 100_000


def search(model: type[Algorithm], file: str) -> VCResult | None:
    """A refuted result for the first reachable violation found, if any."""
    from hoverify.commands.common import print_trace
    from hoverify.errors import HoverifyError
    from hoverify.explore import explore

    start = time.perf_counter()
    rounds = 2 * len(model.rounds)
    n = max(SEARCH_N, model.min_n)
    if n > 8:
        return None
    try:
        res = explore(model, n, rounds, max_states=MAX_STATES)
    except HoverifyError:
        return None
    if res.violation is None or res.trace is None:
        return None
    out = io.StringIO()
    out.write(f"bounded search: {res.violation} (n = {n}; shortest run, replayed through the "
              f"executor)\n")
    print_trace(res.trace, out, detailed=True)
    v = res.violation
    data = {"kind": "reachable violation", "confirmed": True, "property": v.property,
            "round": v.round, "message": v.message, "n": n, "processes": list(v.processes)}
    return VCResult(name=f"{v.property} (bounded search)", kind=VCKind.REACHABLE,
                    status=Status.REFUTED, seconds=time.perf_counter() - start, backend="explorer",
                    file=file, target=f"safety[{v.property!r}]", target_line=None,
                    counterexample=Counterexample(out.getvalue(), data))


__all__ = ["search", "SEARCH_N"]
