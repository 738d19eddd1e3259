"""Safety across replicas: agreement and validity of every instance, and completeness."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hoverify.runtime.replica import Decision


@dataclass
class Verdict:
    """``violations``: agreement/validity failures (each a sentence); ``undecided``: instances
    nobody decided; ``decided``: per instance, ``{replica: values}``."""

    instances: int
    violations: list[str] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)
    decided: dict[int, dict[int, tuple[Any, ...]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations and not self.undecided


def check_decisions(n: int, instances: int,
                    decisions: Mapping[int, Iterable[Decision]],
                    inputs: Callable[[int, int, int], Any], lanes: int = 1) -> Verdict:
    """Check the decisions of every replica (``decisions[p]``, all incarnations) for instances
    ``0..instances-1``: every lane of an instance decides one value (agreement, also across a
    replica's incarnations) that is the initial value of some replica in that instance and lane
    (validity)."""
    v = Verdict(instances)
    for p, decs in decisions.items():
        for d in decs:
            if len(d.values) != lanes:
                v.violations.append(f"instance {d.instance}: replica {p} decided "
                                    f"{len(d.values)} lanes, expected {lanes}")
                continue
            per = v.decided.setdefault(d.instance, {})
            if p in per and per[p] != d.values:
                v.violations.append(f"instance {d.instance}: replica {p} decided {per[p]} and "
                                    f"then {d.values} (irrevocability)")
            per[p] = d.values
    for inst in sorted(v.decided):
        per = v.decided[inst]
        if not 0 <= inst < instances:
            v.violations.append(f"instance {inst} decided but only 0..{instances - 1} run")
            continue
        first_p, first = next(iter(per.items()))
        for p, vals in per.items():
            if vals != first:
                v.violations.append(f"agreement violated in instance {inst}: replica {first_p} "
                                    f"decided {_show(first)}, replica {p} decided {_show(vals)}")
                break
        for p, vals in per.items():
            for lane, val in enumerate(vals):
                allowed = {inputs(q, inst, lane) for q in range(n)}
                if val not in allowed:
                    v.violations.append(f"validity violated in instance {inst}: replica {p} "
                                        f"decided {val!r} (lane {lane}), not an initial value "
                                        f"{sorted(allowed, key=repr)}")
    v.undecided = [i for i in range(instances) if i not in v.decided]
    return v


def _show(vals: Sequence[Any]) -> str:
    return repr(vals[0]) if len(vals) == 1 else repr(tuple(vals))


__all__ = ["Verdict", "check_decisions"]
