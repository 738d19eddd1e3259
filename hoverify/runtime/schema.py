"""The message types of a model's rounds, as wire layouts.

Each round's payload type is the compiler's static type of what its ``send`` returns (one
definition: :mod:`hoverify.compiler`); decisions use the type of the ``decision`` local.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoverify.dsl import Algorithm
from hoverify.errors import HoverifyError, ModelError
from hoverify.runtime.wire import Layout, layout_of_local, layout_of_type


@dataclass(frozen=True)
class Schema:
    """The layouts of one model for ``n`` processes: ``rounds[j]`` for round class ``j``."""

    n: int
    round_names: tuple[str, ...]
    rounds: tuple[Layout, ...]
    decision: Layout


_CACHE: dict[tuple[type[Algorithm], int], Schema] = {}


def schema_of(model: type[Algorithm], n: int) -> Schema:
    """The wire schema of ``model`` (compiles it; raises a located ``ModelError``/
    ``CompileError`` if the model is outside the compiled subset or not a consensus model)."""
    key = (model, n)
    found = _CACHE.get(key)
    if found is not None:
        return found
    from hoverify.compiler import compile_model  # noqa: PLC0415 (imports the logic package)

    model.check()
    if "decided" not in model.locals_ or "decision" not in model.locals_:
        raise ModelError(f"{model.__name__} declares no 'decided'/'decision' locals: the "
                         f"runtime runs consensus models")
    compiled = compile_model(model)
    layouts = []
    for rel in compiled.rounds:
        try:
            layouts.append(layout_of_type(rel.messages.payload_ty, n))
        except ValueError as e:
            raise ModelError(f"{model.__name__}.{rel.name}: {e}", file=rel.file,
                             line=rel.line) from None
    decl = model.locals_["decision"]
    try:
        decision = layout_of_local(decl, n)
    except ValueError as e:  # pragma: no cover - every Local type has a layout
        raise HoverifyError(str(e)) from None
    schema = Schema(n, tuple(r.__name__ for r in model.rounds), tuple(layouts), decision)
    _CACHE[key] = schema
    return schema


__all__ = ["Schema", "schema_of"]
