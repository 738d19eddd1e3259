from __future__ import annotations

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
