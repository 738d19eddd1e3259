"""Proof hints: how each VC was proved in a recorded baseline, tried first on the next run.

``hoverify check --hints DIR`` reads the baseline files of ``DIR`` (written by ``--record``:
:mod:`hoverify.engine.baseline`). For each VC proved there, the baseline names the query that
proved it: the slice (a subset of its hypotheses) or the VC itself, and the reduction
(:class:`logic.decide.Attempt`, by its label). The next run asks that query first, with a
small share of the VC's time. An unsat answer proves the VC as any other does; any other answer
decides nothing, and the VC is then checked as usual, from the start, with the time left. So a
hint changes how fast a VC is proved, never a verdict: it may be stale (the model or hoverify
changed since it was recorded) or wrong (a file edited by hand) at no cost but its share of
time.

A CI job that re-checks committed models spends part of a cold check on queries that do not
decide (slices too weak, reductions too small: a fifth of the VC time over ``models/``, half for
FloodMin); with hints it asks the deciding one first. The VCs are also started longest first
(by their recorded times), so that two cores are not left with one long VC at the end.

A baseline recorded by a run with hints records that run's times: compared later with a run
without hints (``--baseline``), its VCs may be reported as slower. Record baselines without
hints if their times are to stand for a cold check.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

#: the share of a VC's time its hinted query may use at most, and the least it gets (a hint
#: recorded on a faster machine, or a VC that became a little harder, still fits)
HINT_SHARE = 0.5
HINT_MIN_SECONDS = 0.5
#: the hinted query's time, as a multiple of the recorded time of the whole VC
HINT_SLACK = 3.0


@dataclass(frozen=True)
class Hint:
    """How a VC was proved: by ``backend``, with the reduction labelled ``attempt``, on the
    slice labelled ``slice`` (``None``: on the VC itself), in ``seconds`` in all; ``exact``:
    with the full Venn decomposition (after a slow sparse query: the hinted query asks the full
    one at once)."""

    backend: str
    attempt: str
    slice: str | None
    seconds: float
    exact: bool = False

    def budget(self, timeout: float) -> float:
        """The seconds its query gets out of a VC's ``timeout``."""
        return min(HINT_SHARE * timeout, max(HINT_MIN_SECONDS, HINT_SLACK * self.seconds))


def read_hints(root: Path, model_file: str) -> dict[str, Hint]:
    """The hints of the baseline of ``model_file`` in the folder ``root``, by VC name: those of
    its proved VCs that name their query. A missing or unreadable baseline gives none, with a
    :class:`RuntimeWarning` that says so (the check itself is unchanged)."""
    from hoverify.engine.baseline import baseline_path

    path = baseline_path(root, model_file)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["vcs"]
        hints = {}
        for e in entries:
            if e.get("status") == "proved" and isinstance(e.get("attempt"), str):
                seconds = float(e.get("seconds", 0.0))
                hints[str(e["name"])] = Hint(str(e["backend"]), e["attempt"],
                                             e.get("slice") if isinstance(e.get("slice"), str)
                                             else None,
                                             seconds if math.isfinite(seconds) and seconds > 0
                                             else 0.0, e.get("exact_layers") is True)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:  # not a baseline
        warnings.warn(f"no proof hints for {model_file}: cannot read {path} ({e}); its VCs are "
                      f"checked without them (record hints with --record {root})",
                      RuntimeWarning, stacklevel=2)
        return {}
    return hints


__all__ = ["HINT_MIN_SECONDS", "HINT_SHARE", "HINT_SLACK", "Hint", "read_hints"]
