"""The Python API of the proof engine: ``hoverify.check(model_or_path) -> ModelReport``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hoverify.engine.results import ModelReport


def check(model: Any, *, backend: str = "z3", timeout: float = 30.0, jobs: int = 1,
          only: str | None = None, cache: bool = True, kinds: str = "all",
          hints: str | Path | None = None) -> ModelReport:
    """Prove the VCs of ``model`` (an ``Algorithm`` subclass, or the path of a model file): the
    safety VCs and the liveness proof chains' (``kinds``: ``all``, ``safety`` or ``liveness``).

    Returns a :class:`~hoverify.engine.results.ModelReport` (it displays as a table in Jupyter);
    raises a located :class:`~hoverify.errors.HoverifyError` if the model cannot be loaded or
    compiled. ``backend``: ``z3``, ``cvc5``, ``yices``, ``portfolio`` or ``cross-check``.
    ``hints``: a folder of baselines (``hoverify check --record``) whose proofs are asked first
    (:mod:`hoverify.engine.hints`: faster, same verdicts).
    An interrupt (Ctrl-C, a notebook's stop button) raises
    :class:`~hoverify.engine.runner.Interrupted`, a ``KeyboardInterrupt`` whose ``report`` holds
    the verdicts so far (the VCs without one: ``unknown``, "not checked: interrupted").
    """
    from hoverify.compiler import compile_model
    from hoverify.engine.runner import Options, check_compiled
    from hoverify.loader import load_and_compile

    # ValueError for an unknown backend or kinds, a timeout that is not a positive finite number
    # of seconds, fewer than one job: before the model is loaded
    opts = Options(backend=backend, timeout=timeout, jobs=jobs, only=only, cache=cache,
                   kinds=kinds, hints=None if hints is None else str(hints))
    if isinstance(model, (str, Path)):
        _, cm = load_and_compile(model)
        file = str(model)
    else:
        cm = compile_model(model)
        file = cm.file
    return check_compiled(cm, file, opts)


__all__ = ["check"]
