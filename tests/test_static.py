"""Static checks: ruff on the project, strict mypy on the logic package, the proof engine, the
runtime and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_is_clean() -> None:
    done = _run("ruff", "check", "logic", "hoverify", "models", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("target", ["logic", "hoverify/engine", "hoverify/runtime",
                                    "hoverify/commands", "hoverify/cli.py"])
def test_mypy_strict(target: str) -> None:
    # hoverify/engine is checked with the modules it imports (the DSL, the compiler, ...)
    done = _run("mypy", target)
    assert done.returncode == 0, done.stdout + done.stderr
