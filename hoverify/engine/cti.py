"""Counterexamples to induction (CTIs) for people: a replayed solver model as a text report.

:func:`render_cti` prints, in this order: the verdict of the replay; the parameters (``n``, the
fault model's ``f``/``alpha``, ``r``, ``phase``); the HO sets of the round (and the crashes and
corrupted messages of its input); the sizes of the Venn regions of the solver's model; a table
of the pre- and post-state of every process, changed values marked (``x: 1 → 2 *``), with the
inputs and the crashed processes; the cells where the solver's state differs from what the
model's code computes; notes. :func:`cti_json` gives the same content as JSON-serialisable data.
Both are deterministic (golden-testable).
"""

from __future__ import annotations

from typing import Any

from hoverify.compiler import CompiledModel
from hoverify.engine.replay import Replay, same_value, show_value
from hoverify.faults import CrashStop, ValueFaults
from hoverify.ho import HOSets
from hoverify.trace import State
from logic.decode import FiniteModel
from logic.sorts import Sort


def _procs(s: frozenset[int] | list[int]) -> str:
    return "{" + ", ".join(f"p{q}" for q in sorted(s)) + "}"


def _fault_params(compiled: CompiledModel, n: int | None) -> list[tuple[str, str]]:
    fm = compiled.model.faults()
    out: list[tuple[str, str]] = []
    if isinstance(fm, CrashStop):
        out.append(("f", _bound_text(str(fm.f), fm.bound(n) if n is not None else None)))
    elif isinstance(fm, ValueFaults):
        out.append(("alpha", _bound_text(str(fm.alpha),
                                         fm.bound(n) if n is not None else None)))
    return out


def _bound_text(expr: str, value: int | None) -> str:
    if value is None or expr == str(value):
        return expr
    return f"{expr} = {value}"


def _sort(compiled: CompiledModel, name: str) -> Sort:
    return compiled.locals[name].sym.codomain


def _changed(pre: State, post: State) -> list[tuple[int, str]]:
    out = []
    for p in range(min(pre.n, post.n)):
        for i, name in enumerate(pre.names):
            if not same_value(pre.locals[p][i], post.locals[p][i]):
                out.append((p, name))
    return out


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


def _heading(compiled: CompiledModel, replay: Replay) -> str:
    name = compiled.model.__name__
    if replay.kind == "initial":
        return f"{name}: counterexample in an initial state"
    if replay.kind == "state":
        return f"{name}: counterexample in a state"
    if replay.round is not None:
        return f"{name}: counterexample to round {replay.round} ({replay.round_name})"
    return f"{name}: counterexample to a transition"


def render_cti(compiled: CompiledModel, replay: Replay, model: FiniteModel | None) -> str:
    """The report of ``replay`` (and, if given, of the solver's model ``model``: its Venn
    regions; its whole structure if the replay could not decode it)."""
    lines = [_heading(compiled, replay)]
    if replay.confirmed:
        lines.append("replay: confirmed: the model's code reproduces the violation")
    else:
        lines.append(f"replay: NOT confirmed: {replay.reason}")
    pre, post, rin = replay.pre, replay.post, replay.rinput
    n = pre.n if pre is not None else (model.n if model is not None else None)

    lines.append("parameters:")
    params: list[tuple[str, str]] = []
    if n is not None:
        params.append(("n", str(n)))
    params += _fault_params(compiled, n)
    if pre is not None:
        k = len(compiled.rounds)
        params += [("r", str(pre.r)), ("phase", str(pre.r // k))]
    lines += [f"  {a} = {b}" for a, b in params]

    if rin is not None:
        lines.append(f"HO sets (round {replay.round}, {replay.round_name}):")
        lines += [f"  HO(p{p}) = {_procs(h)}" for p, h in enumerate(rin.ho)]
        if rin.corrupt:
            lines.append("corrupted messages (receiver <- sender: payload):")
            lines += [f"  p{p} <- p{q}: {show_value(pl)}" for p, q, pl in rin.corrupt]

    if model is not None and model.regions:
        lines.append("Venn regions (size: atoms the region is inside; processes):")
        for count, inside, procs in model.regions:
            lines.append(f"  {count}: {{{', '.join(inside) or '-'}}}; {_procs(list(procs))}")

    if pre is not None:
        lines += _state_table(compiled, replay, pre, post)
        crash = isinstance(compiled.model.faults(), CrashStop)
        if crash or pre.crashed or (post is not None and post.crashed):
            text = f"crashed: {_procs(pre.crashed)}"
            if post is not None:
                new = post.crashed - pre.crashed
                text += f" before the round, {_procs(post.crashed)} after"
                if new:
                    text += f" (crashing in the round: {_procs(new)})"
            lines.append(text)

    if replay.differences:
        what = "post-state" if replay.round is not None else "state"
        lines.append(f"the solver's {what} differs from what the model's code computes:")
        lines += [f"  {d}" for d in replay.differences]
    if replay.notes:
        lines.append("notes:")
        lines += [f"  {x}" for x in replay.notes]
    if pre is None and model is not None:
        lines.append("the solver's model:")
        lines += ["  " + x for x in model.describe().splitlines()]
    return "\n".join(lines) + "\n"


def _state_table(compiled: CompiledModel, replay: Replay, pre: State,
                 post: State | None) -> list[str]:
    if post is not None:
        title = f"state before → after round {replay.round} (* = changed):"
    elif replay.kind == "initial":
        title = "initial state (computed by init):"
    else:
        title = "state:"
    rows = [["", "input", *pre.names]]
    for p in range(pre.n):
        row = [f"p{p}", show_value(pre.inputs[p])]
        for i, name in enumerate(pre.names):
            sort = _sort(compiled, name)
            a = pre.locals[p][i]
            cell = show_value(a, sort)
            if post is not None:
                b = post.locals[p][i]
                if not same_value(a, b):
                    cell = f"{cell} → {show_value(b, sort)} *"
            row.append(cell)
        status = ""
        if p in pre.crashed:
            status = "crashed"
        elif post is not None and p in post.crashed:
            status = "crashes"
        if status:
            row.append(status)
        rows.append(row)
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return [title, *_table(rows)]


def _json_value(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_json_value(x) for x in v]
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return int(v)
    return str(v)


def _json_state(s: State) -> dict[str, list[Any]]:
    return {name: [_json_value(v) for v in s.column(name)] for name in s.names}


def cti_json(compiled: CompiledModel, replay: Replay,
             model: FiniteModel | None = None) -> dict[str, Any]:
    """The content of :func:`render_cti` as JSON-serialisable data: ``model``, ``confirmed``,
    ``reason``, ``n``, ``r``, ``phase``, ``round``, fault bounds, ``ho`` (one sorted list per
    process), ``crash``, ``corrupt``, ``inputs``, ``crashed``, ``pre``/``post``/``solver``
    (``{local: [value per process]}``, ``None`` as ``null``), ``changed`` (``[process, local]``
    cells), ``regions``, ``differences``, ``notes``."""
    pre, post, rin = replay.pre, replay.post, replay.rinput
    n = pre.n if pre is not None else (model.n if model is not None else None)
    out: dict[str, Any] = {
        "model": compiled.model.__name__,
        "confirmed": replay.confirmed,
        "reason": replay.reason,
        "n": n,
        "r": pre.r if pre is not None else None,
        "phase": pre.r // len(compiled.rounds) if pre is not None else None,
        "kind": replay.kind,
        "round": replay.round_name,
    }
    fm = compiled.model.faults()
    if isinstance(fm, (CrashStop, ValueFaults)):
        expr = fm.f if isinstance(fm, CrashStop) else fm.alpha
        out["f" if isinstance(fm, CrashStop) else "alpha"] = {
            "expr": str(expr), "value": fm.bound(n) if n is not None else None}
    ho: HOSets | None = rin.ho if rin is not None else None
    out["ho"] = ho.to_lists() if ho is not None else None
    out["crash"] = sorted(rin.crash) if rin is not None else None
    out["corrupt"] = ([[p, q, _json_value(pl)] for p, q, pl in rin.corrupt]
                      if rin is not None else None)
    out["inputs"] = [_json_value(v) for v in pre.inputs] if pre is not None else None
    out["crashed"] = {"pre": sorted(pre.crashed) if pre is not None else None,
                      "post": sorted(post.crashed) if post is not None else None}
    out["pre"] = _json_state(pre) if pre is not None else None
    out["post"] = _json_state(post) if post is not None else None
    out["solver"] = _json_state(replay.solver_state) if replay.solver_state is not None \
        else None
    out["changed"] = ([[p, x] for p, x in _changed(pre, post)]
                      if pre is not None and post is not None else [])
    out["regions"] = ([{"size": c, "inside": list(inside), "processes": list(procs)}
                       for c, inside, procs in model.regions] if model is not None else None)
    out["differences"] = list(replay.differences)
    out["notes"] = list(replay.notes)
    return out


__all__ = ["cti_json", "render_cti"]
