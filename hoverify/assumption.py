"""The LTL assumptions a liveness proof may rest on, and which good rounds they promise.

Supported shapes (a documented set; every other formula is rejected with a message naming it):
a conjunction (``and``, ``&``, ``∧``) of

* ``always eventually NAME`` (also ``G F NAME``, ``[] <> NAME``, ``□◇NAME``): infinitely many
  ``NAME`` rounds;
* ``eventually NAME`` (``F NAME``, ``<> NAME``, ``◇NAME``): at least one ``NAME`` round.

where ``NAME`` is a key of the model's ``good_rounds``. A proof chain consumes good rounds in
order, each strictly after the previous one. The assumption *supplies* the sequence
``s1, s2, …, sk`` iff every ``s_i`` with ``i ≥ 2`` is promised infinitely often and ``s1`` is
promised at least once: a round promised once may come at the very start of the run, and then
nothing after it is promised but the infinitely recurring ones. This is exact for the shapes
above (:func:`supplies` is tested against a brute-force check over lasso words).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from hoverify.errors import HoverifyError

_ALWAYS_EVENTUALLY = re.compile(
    r"^(?:always\s+eventually|G\s*F|\[\]\s*<>|\u25a1\s*\u25c7)\s*\(?\s*(?P<name>\w+)\s*\)?$")
_EVENTUALLY = re.compile(r"^(?:eventually|F|<>|\u25c7)\s*\(?\s*(?P<name>\w+)\s*\)?$")
_AND = re.compile(r"\s+and\s+|\s*&\s*|\s*\u2227\s*")

SUPPORTED = ("a conjunction of 'always eventually NAME' (infinitely many NAME rounds) and "
             "'eventually NAME' (at least one NAME round), NAME a key of good_rounds")


class AssumptionError(HoverifyError):
    """An assumption outside the supported shapes, or naming an unknown good round."""


@dataclass(frozen=True)
class Assumption:
    """What an assumption promises: good rounds recurring forever, and good rounds at least
    once."""

    text: str
    recurring: frozenset[str]
    once: frozenset[str]

    def describe(self) -> str:
        parts = [f"infinitely many {n!r} rounds" for n in sorted(self.recurring)]
        parts += [f"one {n!r} round" for n in sorted(self.once - self.recurring)]
        return ", ".join(parts) if parts else "no good round"


def parse_assumption(text: str, names: Collection[str]) -> Assumption:
    """The promise of ``text`` (see the module docstring for the shapes)."""
    recurring: set[str] = set()
    once: set[str] = set()
    body = text.strip()
    if body.startswith("(") and body.endswith(")") and body.count("(") == 1:
        body = body[1:-1].strip()
    for part in _AND.split(body):
        part = part.strip()
        m = _ALWAYS_EVENTUALLY.match(part)
        target = recurring
        if m is None:
            m = _EVENTUALLY.match(part)
            target = once
        if m is None:
            raise AssumptionError(f"the assumption {text!r}: the part {part!r} is not a supported "
                                  f"shape; supported: {SUPPORTED}")
        name = m.group("name")
        if name not in names:
            known = ", ".join(map(repr, names)) or "none: declare good_rounds"
            raise AssumptionError(f"the assumption {text!r} names {name!r}, which good_rounds "
                                  f"does not declare (known: {known})")
        target.add(name)
    return Assumption(text, frozenset(recurring), frozenset(once | recurring))


def supplies(a: Assumption, sequence: Sequence[str]) -> bool:
    """Whether every run satisfying ``a`` has rounds ``i1 < i2 < … < ik`` that are
    ``sequence[0]``, ``sequence[1]``, … rounds."""
    return not sequence or (sequence[0] in a.once and all(s in a.recurring for s in sequence[1:]))


def mismatch_message(a: Assumption, sequence: Sequence[str]) -> str | None:
    """``None`` if ``a`` supplies ``sequence``; else which step asks for too much, and what the
    assumption promises."""
    for i, s in enumerate(sequence):
        if supplies(a, sequence[: i + 1]):
            continue
        if i == 0:
            need = f"step 1 needs a {s!r} round"
        else:
            need = (f"step {i + 1} needs a {s!r} round after the good round of step {i}")
        return f"{need}, but the assumption {a.text!r} promises {a.describe()}"
    return None


__all__ = ["Assumption", "AssumptionError", "SUPPORTED", "mismatch_message", "parse_assumption",
           "supplies"]
