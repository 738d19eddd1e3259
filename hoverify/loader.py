"""Loading a model file: ``load_model(path) -> type[Algorithm]``.

The file is imported as a fresh module (registered under a private name so ``inspect`` finds its
source). Any failure — a missing file, a syntax error, an exception at import, no or several
``Algorithm`` subclasses, malformed declarations — is a :class:`ModelError` with file and line,
never a traceback.

``load_and_compile(path)`` also compiles the model (:func:`hoverify.compiler.compile_model`), so
code outside the supported subset and specification strings that do not type-check are reported
at load time as a :class:`CompileError` (the CLI commands load models this way). ``load_model``
alone does not compile: the executor runs any Python.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path
from typing import Any

from hoverify.dsl import Algorithm
from hoverify.errors import CompileError, HoverifyError, ModelError


def _module_name(path: Path) -> str:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"hoverify_model_{stem}_{digest}"


def load_model(path: str | Path, name: str | None = None) -> type[Algorithm]:
    """Import the model file at ``path`` and return its ``Algorithm`` subclass (the one named
    ``name`` if the file defines several)."""
    p = Path(path)
    file = str(path)
    if not p.is_file():
        raise ModelError("no such model file", file=file)
    try:
        source = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ModelError(f"cannot read the model: {e}", file=file) from None
    try:
        code = compile(source, file, "exec")
    except SyntaxError as e:
        raise CompileError(f"syntax error: {e.msg}", file=file, line=e.lineno,
                           column=e.offset) from None
    modname = _module_name(p.resolve())
    spec = importlib.util.spec_from_file_location(modname, p)
    if spec is None:
        raise ModelError("cannot import the model file", file=file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - the user's own model file
    except HoverifyError as e:
        sys.modules.pop(modname, None)
        raise ModelError(e.message, file=e.file or file, line=e.line or _line(e, file),
                         column=e.column) from None
    except BaseException as e:  # noqa: BLE001 - anything a model file can raise at import
        sys.modules.pop(modname, None)
        if isinstance(e, (KeyboardInterrupt, SystemExit)) and not isinstance(e, SystemExit):
            raise
        raise ModelError(f"error while importing the model: {type(e).__name__}: {e}",
                         file=file, line=_line(e, file)) from None
    found = [v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, Algorithm) and v is not Algorithm
             and v.__module__ == modname]
    if name is not None:
        found = [c for c in found if c.__name__ == name]
        if not found:
            raise ModelError(f"the file defines no Algorithm subclass named {name!r}", file=file)
    if not found:
        raise ModelError("the file defines no Algorithm subclass", file=file)
    if len(found) > 1:
        names = ", ".join(c.__name__ for c in found)
        raise ModelError(f"the file defines several Algorithm subclasses ({names}); name one",
                         file=file)
    model = found[0]
    try:
        model.check()
    except HoverifyError as e:
        raise _as_given(e, p, file) from None
    return model


def _as_given(e: HoverifyError, path: Path, file: str) -> HoverifyError:
    """``e`` with its file spelled as the user gave it, if it is the loaded file."""
    try:
        same = e.file is not None and Path(e.file).resolve() == path.resolve()
    except OSError:  # pragma: no cover
        same = False
    if not same or e.file == file:
        return e
    return type(e)(e.message, file=file, line=e.line, column=e.column)


def load_and_compile(path: str | Path, name: str | None = None) -> tuple[type[Algorithm], Any]:
    """``load_model`` then ``compile_model``: ``(model, compiled)``; every failure is a located
    :class:`ModelError` (a :class:`CompileError` for unsupported code or specifications)."""
    from hoverify.compiler import compile_model  # noqa: PLC0415 (the compiler imports logic)

    model = load_model(path, name)
    try:
        return model, compile_model(model)
    except HoverifyError as e:
        raise _as_given(e, Path(path), str(path)) from None
    except RecursionError:
        raise CompileError("the model's code is nested too deeply to compile",
                           file=str(path)) from None
    except Exception as e:  # noqa: BLE001 - a compiler bug must not become a traceback in the CLI
        raise CompileError(f"internal error of the compiler (please report it): "
                           f"{type(e).__name__}: {e}", file=str(path)) from e


def _line(e: BaseException, file: str) -> int | None:
    target = str(Path(file).resolve())
    line = None
    for fr in traceback.extract_tb(e.__traceback__):
        if str(Path(fr.filename).resolve()) == target:
            line = fr.lineno
    return line


__all__ = ["load_model", "load_and_compile"]
