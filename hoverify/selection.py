"""Selecting VCs and goals by name (``--only``): one rule for models and problem files."""

from __future__ import annotations

import fnmatch


def name_matches(name: str, only: str) -> bool:
    """Whether ``name`` (of a VC, or a problem file's goal) contains ``only`` or matches it as a
    glob pattern (``*`` and ``?`` only: brackets are literal, as in ``invariant[0]*``)."""
    return only in name or fnmatch.fnmatchcase(name, only.replace("[", "[[]"))


__all__ = ["name_matches"]
