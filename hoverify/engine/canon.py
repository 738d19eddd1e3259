"""Renaming the processes of a solver's model so that its ids mean what the executor's mean.

The logic leaves ``proc: Int -> Proc`` (the process with a given id, e.g. ``COORD = 0``) and
``coord: Int -> Proc`` (the coordinator of a phase) uninterpreted; the executor fixes them
(``proc(k) = k``, ``coord(φ) = φ mod n``). Every formula of a VC is invariant under renaming
processes, so a model of the VC stays a model after any permutation of its processes; this
module looks for the permutation under which the solver's ``proc`` and ``coord`` entries agree
with the executor's, and applies it, so that the replay runs the counterexample the solver meant.
"""

from __future__ import annotations

from typing import Any

from hoverify.compiler import CompiledModel
from logic.sorts import PROC, SET_PROC, Sort
from logic.structure import Structure


def _wanted(cm: CompiledModel, s: Structure) -> dict[int, int] | None:
    """solver process -> executor process, as the ``proc``/``coord`` entries require."""
    want: dict[int, int] = {}
    n = s.n
    entries = [(k, v, k) for (k,), v in s.functions.get(cm.symbols.proc, {}).items()
               if isinstance(k, int) and 0 <= k < n]
    phase = s.constants.get("phase")
    coord = s.functions.get(cm.symbols.coord, {})
    if isinstance(phase, int) and (phase,) in coord:
        entries.append((phase, coord[(phase,)], phase % n))
    for _, solver_p, target in entries:
        if want.get(solver_p, target) != target:
            return None
        want[solver_p] = target
    if len(set(want.values())) != len(want):
        return None
    return want


def _permutation(n: int, want: dict[int, int]) -> list[int]:
    free_targets = [t for t in range(n) if t not in want.values()]
    sigma = []
    for p in range(n):
        sigma.append(want[p] if p in want else free_targets.pop(0))
    return sigma


def _rename(v: Any, sort: Sort, sigma: list[int]) -> Any:
    if sort is PROC and isinstance(v, int):
        return sigma[v]
    if sort is SET_PROC and isinstance(v, frozenset):
        return frozenset(sigma[x] for x in v)
    return v


def canonical_processes(cm: CompiledModel, s: Structure) -> Structure:
    """``s`` with its processes renamed (see the module docstring); ``s`` itself if no renaming
    is needed or none satisfies every entry."""
    want = _wanted(cm, s)
    if not want or all(k == v for k, v in want.items()):
        return s
    sigma = _permutation(s.n, want)
    funcs = {}
    for f, table in s.functions.items():
        funcs[f] = {tuple(_rename(a, srt, sigma) for a, srt in zip(args, f.domain, strict=True)):
                    _rename(res, f.codomain, sigma) for args, res in table.items()}
    return Structure(s.n, s.domains, funcs, s.constants)


__all__ = ["canonical_processes"]
