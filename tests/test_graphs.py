"""hoverify.liveness.graphs against networkx, on random directed graphs (with self-loops)."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from hoverify.liveness.graphs import ancestors, shortest_paths, strongly_connected_components


def _graph(seed: int) -> tuple[dict[int, list[int]], nx.DiGraph]:
    rng = random.Random(seed)
    size = rng.randint(1, 14)
    succ = {s: sorted(rng.sample(range(size), rng.randint(0, min(3, size)))) for s in range(size)}
    g = nx.DiGraph()
    g.add_nodes_from(succ)
    g.add_edges_from((s, t) for s, ts in succ.items() for t in ts)
    return succ, g


@pytest.mark.parametrize("seed", range(60))
def test_the_same_answers_as_networkx(seed: int) -> None:
    succ, g = _graph(seed)
    rng = random.Random(-seed)
    within = sorted(rng.sample(sorted(succ), rng.randint(1, len(succ))))
    ours = strongly_connected_components(succ, within)
    theirs = {frozenset(c) for c in nx.strongly_connected_components(g.subgraph(within))}
    assert set(ours) == theirs and len(ours) == len(theirs)
    for s in succ:
        assert ancestors(succ, s) == nx.ancestors(g, s)
    source = within[0]
    paths = shortest_paths(succ, source, within)
    lengths = nx.single_source_shortest_path_length(g.subgraph(within), source)
    assert set(paths) == set(lengths)
    for t, path in paths.items():
        assert path[0] == source and path[-1] == t and len(path) - 1 == lengths[t]
        assert all(b in succ[a] and b in within for a, b in zip(path, path[1:]))


def test_checking_a_model_does_not_import_networkx() -> None:
    """networkx is slow to import; compiling a model with a liveness goal (which checks its
    assumption on an automaton) does without it."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = ("import sys; from hoverify.loader import load_and_compile; "
            "load_and_compile('models/otr.py'); print('networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root)
    assert out.stdout.strip() == "False"
