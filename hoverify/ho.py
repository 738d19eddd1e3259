"""Heard-Of sets of one round, as an immutable value.

``HO(p)`` is stored as a bit mask per receiver (bit ``q`` set iff ``q in HO(p)``); ``ho[p]`` gives
it as a ``frozenset``. ``graph()`` is the HO graph for networkx: an edge ``q -> p`` for every
``q in HO(p)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

from hoverify.errors import HoverifyError


def bits(mask: int) -> Iterator[int]:
    """The positions of the set bits of ``mask``, ascending."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def mask_of(procs: Iterable[int]) -> int:
    m = 0
    for q in procs:
        m |= 1 << q
    return m


@dataclass(frozen=True)
class HOSets:
    """The HO sets of one round: ``masks[p]`` is ``HO(p)`` as a bit mask over ``0..n-1``."""

    masks: tuple[int, ...]
    _graph: Any = field(default=None, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        full = (1 << len(self.masks)) - 1
        for m in self.masks:
            if m & ~full or m < 0:
                raise HoverifyError(f"HO set {sorted(bits(m))} names a process outside "
                                    f"0..{len(self.masks) - 1}")

    @property
    def n(self) -> int:
        return len(self.masks)

    @staticmethod
    def from_sets(sets: Sequence[Iterable[int]]) -> HOSets:
        """From one iterable of process ids per receiver."""
        return HOSets(tuple(mask_of(s) for s in sets))

    @staticmethod
    def full(n: int) -> HOSets:
        f = (1 << n) - 1
        return HOSets((f,) * n)

    def __getitem__(self, p: int) -> frozenset[int]:
        return frozenset(bits(self.masks[p]))

    def __iter__(self) -> Iterator[frozenset[int]]:
        return (frozenset(bits(m)) for m in self.masks)

    def __len__(self) -> int:
        return len(self.masks)

    def sizes(self) -> list[int]:
        return [m.bit_count() for m in self.masks]

    def graph(self) -> nx.DiGraph:
        """The HO graph: nodes ``0..n-1``, an edge ``q -> p`` iff ``q in HO(p)`` (cached)."""
        g = self._graph
        if g is None:
            import networkx as nx  # lazily: it costs 0.15 s to import

            g = nx.DiGraph()
            g.add_nodes_from(range(self.n))
            g.add_edges_from((q, p) for p, m in enumerate(self.masks) for q in bits(m))
            object.__setattr__(self, "_graph", g)
        return g

    def to_lists(self) -> list[list[int]]:
        return [list(bits(m)) for m in self.masks]

    def summary(self) -> str:
        """``|HO| min/avg/max`` and whether the round is uniform."""
        s = self.sizes()
        if not s:
            return "|HO| -"
        uniform = all(m == self.masks[0] for m in self.masks)
        avg = sum(s) / len(s)
        return (f"|HO| {min(s)}/{avg:.1f}/{max(s)}" + (" uniform" if uniform else ""))

    def __str__(self) -> str:
        return " ".join(f"{p}:{{{','.join(map(str, bits(m)))}}}"
                        for p, m in enumerate(self.masks))


__all__ = ["HOSets", "bits", "mask_of"]
