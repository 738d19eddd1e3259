"""Helpers shared by the CLI commands: value parsing and trace printing."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any, TextIO

from hoverify.cli import EXIT_INPUT, EXIT_OK, EXIT_UNKNOWN
from hoverify.cli import EXIT_REFUTED as EXIT_VIOLATION
from hoverify.errors import HoverifyError
from hoverify.trace import RoundRecord, State, Trace

__all__ = ["EXIT_INPUT", "EXIT_OK", "EXIT_UNKNOWN", "EXIT_VIOLATION", "parse_value",
           "parse_values", "fmt", "summary_of_values", "fmt_decisions", "fmt_state",
           "print_round", "print_trace"]


def parse_value(text: str) -> Any:
    t = text.strip()
    low = t.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("none", "?"):
        return None
    try:
        return int(t)
    except ValueError:
        raise HoverifyError(f"{text!r} is not a value: expected an integer, true/false or "
                            f"none") from None


def parse_values(text: str | None) -> tuple[Any, ...] | None:
    if text is None:
        return None
    vals = tuple(parse_value(v) for v in text.split(",") if v.strip())
    if not vals:
        raise HoverifyError("an empty list of values")
    return vals


def fmt(v: Any) -> str:
    if v is None:
        return "?"
    if v is True:
        return "T"
    if v is False:
        return "F"
    if isinstance(v, tuple):
        return "(" + ",".join(fmt(x) for x in v) + ")"
    return str(v)


def summary_of_values(vals: Any, limit: int = 12) -> str:
    vals = list(vals)
    if len(vals) <= limit:
        return " ".join(fmt(v) for v in vals)
    c = Counter(fmt(v) for v in vals)
    return ", ".join(f"{k}×{m}" for k, m in sorted(c.items()))


def fmt_decisions(decs: tuple[tuple[int, Any], ...], limit: int = 8) -> str:
    if not decs:
        return ""
    if len(decs) <= limit:
        return "decided: " + " ".join(f"p{p}={fmt(v)}" for p, v in decs)
    c = Counter(fmt(v) for _, v in decs)
    return f"decided: {len(decs)} processes (" + ", ".join(
        f"{k}×{m}" for k, m in sorted(c.items())) + ")"


def fmt_state(st: State) -> str:
    rows = []
    for p in range(st.n):
        mark = " (crashed)" if p in st.crashed else ""
        body = " ".join(f"{k}={fmt(v)}" for k, v in zip(st.names, st.locals[p], strict=True))
        rows.append(f"    p{p}: {body}{mark}")
    return "\n".join(rows)


def print_round(rec: RoundRecord, out: TextIO, *, detailed: bool) -> None:
    parts = [f"r{rec.r:<3} {rec.round_name:<10}", rec.ho.summary(),
             f"delivered {rec.deliveries}"]
    if rec.input.crash:
        parts.append("crash: " + " ".join(f"p{q}" for q in sorted(rec.input.crash)))
    if rec.input.corrupt:
        parts.append(f"corrupted {len(rec.input.corrupt)}")
    if rec.repaired:
        parts.append("(HO repaired for the predicate)")
    d = fmt_decisions(rec.decisions)
    if d:
        parts.append(d)
    print("  ".join(parts), file=out)
    if detailed:
        print(f"    HO: {rec.ho}", file=out)
        for p, q, pl in rec.input.corrupt:
            print(f"    corrupted: p{q} -> p{p} carries {fmt(pl)}", file=out)
        print(fmt_state(rec.post), file=out)


def print_trace(trace: Trace, out: TextIO = sys.stdout, *, detailed: bool = False) -> None:
    print(f"initial values: {summary_of_values(trace.initial.inputs)}", file=out)
    if detailed:
        print(fmt_state(trace.initial), file=out)
    for rec in trace.rounds:
        print_round(rec, out, detailed=detailed)
