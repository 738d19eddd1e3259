"""Mailboxes: the messages one process receives in one round.

The mailbox of ``p`` is exactly the set of pairs ``(q, payload)`` for the senders ``q`` in
``HO(p)`` that sent a message to ``p`` in this round (at most one per sender). Lambdas passed to
the operations receive one *payload* ``m`` (a value or a tuple); use ``from_(q)`` and ``senders``
for the senders.

Representation (built in bulk by the executor, no per-message Python object): an *index* mapping
each distinct payload to the bit mask of the processes that sent it, and this receiver's *mask* of
senders. ``count(v)`` is one ``&`` and one ``bit_count``; operations over all received values touch
each distinct payload once, not each message.

Operations (``v`` a value, ``f`` a lambda on a payload):

==========================  ======================================================================
``size``                    the number of messages
``count(v)``                the number of messages whose payload equals ``v``
``count(f)``                the number of messages ``m`` with ``f(m)`` true
``exists(f)``/``forall(f)`` some/every message satisfies ``f`` (``forall`` on an empty box: true)
``min()``/``max()``         the smallest/largest payload received
``min_most_often()``        the smallest among the most often received payloads
``max_by(f)``               a payload with the largest key ``f(m)``; among several with that key,
                            the smallest payload (deterministic tie-break)
``from_(q)``                the payload received from ``q``, or ``None`` if none
``senders``                 the set of processes heard from (``q in mbox.senders``, ``len``)
==========================  ======================================================================

On an empty mailbox ``min``, ``max``, ``min_most_often`` and ``max_by`` return ``None``; a model
guards them with ``mbox.size > 0`` (or a larger threshold). Payloads are ordered naturally (ints,
``False < True``, tuples lexicographically) with ``None`` (``?``) below every value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from hoverify.dsl import Exact, concrete


def order_key(v: Any) -> Any:
    """The total order on payloads: ``None`` first, then values; tuples lexicographically."""
    if v is None:
        return (0, 0)
    if type(v) is tuple:
        return (1, tuple(order_key(x) for x in v))
    return (1, v)


def smallest(values: Sequence[Any]) -> Any:
    """The smallest of ``values`` in the payload order."""
    try:
        return min(values)
    except TypeError:
        return min(values, key=order_key)


def largest(values: Sequence[Any]) -> Any:
    try:
        return max(values)
    except TypeError:
        return max(values, key=order_key)


class Senders:
    """The set of senders of a mailbox (a view over its bit mask)."""

    __slots__ = ("_mask",)

    def __init__(self, mask: int) -> None:
        self._mask = mask

    def __contains__(self, q: Any) -> bool:
        return bool((self._mask >> int(concrete(q))) & 1)

    def __len__(self) -> int:
        return self._mask.bit_count()

    def __iter__(self) -> Iterator[int]:
        m = self._mask
        while m:
            low = m & -m
            yield low.bit_length() - 1
            m ^= low

    def __repr__(self) -> str:
        return "{" + ", ".join(map(str, self)) + "}"


class Mailbox:
    """The messages one process received in one round; see the module docstring."""

    __slots__ = ("_index", "_mask", "_payloads", "_override")

    def __init__(self, index: Mapping[Any, int], mask: int, payloads: Sequence[Any],
                 override: Mapping[int, Any] | None = None) -> None:
        # index: payload -> mask of the senders that sent it (may be shared by all receivers and
        # hold senders outside this mailbox: always intersect with ``mask``)
        self._index = index
        self._mask = mask
        self._payloads = payloads  # payload by sender, for from_ (shared)
        self._override = override  # sender -> payload where it differs from _payloads

    @staticmethod
    def of(messages: Mapping[int, Any]) -> Mailbox:
        """A mailbox from ``{sender: payload}`` (for tests and tools; the executor builds them in
        bulk)."""
        index: dict[Any, int] = {}
        mask = 0
        for q, pl in messages.items():
            index[pl] = index.get(pl, 0) | (1 << q)
            mask |= 1 << q
        return Mailbox(index, mask, (), dict(messages))

    # ---- the API ---------------------------------------------------------------------------
    @property
    def size(self) -> Exact:
        return Exact(self._mask.bit_count())

    def __len__(self) -> int:
        return self._mask.bit_count()

    @property
    def senders(self) -> Senders:
        return Senders(self._mask)

    def count(self, v: Any) -> Exact:
        mask = self._mask
        if callable(v) and type(v) is not tuple:
            total = 0
            for pl, m in self._index.items():
                m &= mask
                if m and v(pl):
                    total += m.bit_count()
            return Exact(total)
        return Exact((self._index.get(concrete(v), 0) & mask).bit_count())

    def exists(self, pred: Callable[[Any], Any]) -> bool:
        mask = self._mask
        for pl, m in self._index.items():
            if m & mask and pred(pl):
                return True
        return False

    def forall(self, pred: Callable[[Any], Any]) -> bool:
        mask = self._mask
        for pl, m in self._index.items():
            if m & mask and not pred(pl):
                return False
        return True

    def payloads(self) -> list[Any]:
        """The distinct payloads received (in no particular order)."""
        mask = self._mask
        return [pl for pl, m in self._index.items() if m & mask]

    def min(self) -> Any:  # noqa: A003
        vals = self.payloads()
        return smallest(vals) if vals else None

    def max(self) -> Any:  # noqa: A003
        vals = self.payloads()
        return largest(vals) if vals else None

    def min_most_often(self) -> Any:
        mask = self._mask
        best_c = 0
        best: list[Any] = []
        for pl, m in self._index.items():
            c = (m & mask).bit_count()
            if c > best_c:
                best_c = c
                best = [pl]
            elif c == best_c and c:
                best.append(pl)
        if not best:
            return None
        return best[0] if len(best) == 1 else smallest(best)

    def max_by(self, key: Callable[[Any], Any]) -> Any:
        vals = self.payloads()
        if not vals:
            return None
        keyed = [(key(pl), pl) for pl in vals]
        top = largest([k for k, _ in keyed])
        return smallest([pl for k, pl in keyed if k == top])

    def from_(self, q: Any) -> Any:
        q = int(concrete(q))
        if not (self._mask >> q) & 1:
            return None
        ov = self._override
        if ov is not None and q in ov:
            return ov[q]
        return self._payloads[q]

    def messages(self) -> dict[int, Any]:
        """``{sender: payload}`` (for printing and tests)."""
        return {q: self.from_(q) for q in self.senders}

    def __repr__(self) -> str:
        return f"Mailbox({self.messages()!r})"


__all__ = ["Mailbox", "Senders", "order_key", "smallest", "largest"]
