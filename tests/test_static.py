"""Static checks: ruff on the project, strict mypy on the logic package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_is_clean() -> None:
    done = _run("ruff", "check", "logic", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_on_logic() -> None:
    done = _run("mypy", "logic")
    assert done.returncode == 0, done.stdout + done.stderr
