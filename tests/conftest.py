from __future__ import annotations

import os
from pathlib import Path

import pytest

from hoverify.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
BROKEN = Path(__file__).resolve().parent / "broken_models"


def model(name: str) -> type:
    """A model from models/ (or a path)."""
    p = Path(name)
    if not p.suffix:
        p = MODELS / f"{name}.py"
    return load_model(p)


@pytest.fixture(scope="session")
def load() -> object:
    return model


def open_sockets() -> int:
    """The sockets this process has open (0 where /proc is not available)."""
    if not os.path.isdir("/proc/self/fd"):  # pragma: no cover
        return 0
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count
