"""The three graph searches the LTL automata need (:mod:`hoverify.liveness.ltl`), on graphs of a
few dozen states given as successor lists: strongly connected components, the states that reach
a state, and breadth-first shortest paths.

networkx has all three, but importing it takes 0.15-0.25 s, and the automata are built on the
path of every ``hoverify check`` of a model with a liveness goal (its assumption is checked
against its proof chains when the model is compiled). ``tests/test_graphs.py`` checks these
against networkx on random graphs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence

#: a directed graph: each state's successors, in order
Graph = Mapping[int, Sequence[int]]


def strongly_connected_components(graph: Graph, within: Collection[int]) -> list[frozenset[int]]:
    """The strongly connected components of ``graph`` restricted to the states ``within``
    (Tarjan's algorithm, without recursion)."""
    inside = set(within)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[frozenset[int]] = []
    for root in within:
        if root in index:
            continue
        # each frame: a state and the position of the next successor to visit
        frames: list[tuple[int, int]] = [(root, 0)]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while frames:
            state, pos = frames[-1]
            succ = graph.get(state, ())
            while pos < len(succ) and succ[pos] not in inside:
                pos += 1
            if pos < len(succ):
                frames[-1] = (state, pos + 1)
                nxt = succ[pos]
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    frames.append((nxt, 0))
                elif nxt in on_stack:
                    low[state] = min(low[state], index[nxt])
                continue
            frames.pop()
            if frames:
                parent = frames[-1][0]
                low[parent] = min(low[parent], low[state])
            if low[state] == index[state]:
                comp: set[int] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.add(member)
                    if member == state:
                        break
                out.append(frozenset(comp))
    return out


def ancestors(graph: Graph, target: int) -> set[int]:
    """The states other than ``target`` from which a path reaches it (as networkx's
    ``ancestors``)."""
    preds: dict[int, list[int]] = {}
    for s, succ in graph.items():
        for t in succ:
            preds.setdefault(t, []).append(s)
    seen: set[int] = set()
    todo = deque([target])
    while todo:
        for p in preds.get(todo.popleft(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    seen.discard(target)
    return seen


def shortest_paths(graph: Graph, source: int, within: Collection[int]) -> dict[int, list[int]]:
    """A shortest path from ``source`` to each state it reaches inside ``within`` (breadth
    first, successors in their order: the first path found to a state is kept)."""
    inside = set(within)
    paths = {source: [source]}
    todo = deque([source])
    while todo:
        s = todo.popleft()
        for t in graph.get(s, ()):
            if t in inside and t not in paths:
                paths[t] = [*paths[s], t]
                todo.append(t)
    return paths


__all__ = ["Graph", "ancestors", "shortest_paths", "strongly_connected_components"]
