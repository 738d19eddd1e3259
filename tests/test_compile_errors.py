"""Malformed models: every one is a located CompileError, and the CLI exits 3 without a traceback.

Each file in ``tests/malformed_models/`` marks the line the error must point at with a comment
``# ERROR: <text the message must contain>``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hoverify.cli import main
from hoverify.compiler import compile_model
from hoverify.errors import CompileError
from hoverify.loader import load_and_compile, load_model

MALFORMED = Path(__file__).resolve().parent / "malformed_models"
FILES = sorted(MALFORMED.glob("*.py"))
_MARK = re.compile(r"#\s*ERROR:\s*(.+?)\s*$")


def expected(path: Path) -> tuple[int, str]:
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        m = _MARK.search(line)
        if m:
            return i, m.group(1)
    raise AssertionError(f"{path.name} has no '# ERROR:' marker")


def test_enough_malformed_models() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_compile_error_is_located(path: Path) -> None:
    line, text = expected(path)
    with pytest.raises(CompileError) as info:
        load_and_compile(path)
    e = info.value
    assert e.file == str(path)
    assert e.line == line, f"{e} (expected line {line})"
    assert text in e.message, f"{e.message!r} does not contain {text!r}"
    assert str(e).startswith(f"{path}:{line}")


@pytest.mark.parametrize("command", ["simulate", "explore"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_cli_exits_3_without_traceback(path: Path, command: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    line, _ = expected(path)
    argv = [command, str(path), "-n", "3", "--rounds", "1"]
    assert main(argv) == 3
    captured = capsys.readouterr()
    assert captured.err.startswith("error: "), captured.err
    assert f"{path}:{line}" in captured.err
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize("name, column", [
    ("while_loop", 13),          # the 'while' keyword
    ("unknown_call", 19),        # the name of the function
    ("undeclared_local", 13),    # the target p.y
    ("float_literal", 28),       # the literal 0.5
    ("send_wrong_type", 20),     # the returned expression
    ("spec_unknown_symbol", 65),  # 'decison' inside the formula string
    ("spec_sort_error", 27),     # the offending operand decided(i) inside the string
])
def test_columns(name: str, column: int) -> None:
    with pytest.raises(CompileError) as info:
        load_and_compile(MALFORMED / f"{name}.py")
    assert info.value.column == column, str(info.value)


def test_executable_but_uncompilable_model_still_loads() -> None:
    """load_model alone does not compile (the executor runs any Python); compile_model rejects
    the loop."""
    model = load_model(MALFORMED / "while_loop.py")
    with pytest.raises(CompileError, match="no loops"):
        compile_model(model)


def test_models_compile() -> None:
    root = Path(__file__).resolve().parent.parent
    for path in [*sorted((root / "models").glob("*.py")),
                 root / "paper_examples" / "otr_figure3.py"]:
        model, cm = load_and_compile(path)
        assert cm.rounds and len(cm.rounds) == len(model.rounds)
        assert set(cm.safety) == set(model.safety)
        assert len(cm.invariants) == len(model.invariants)
