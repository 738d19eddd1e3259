from __future__ import annotations

import os
from collections.abc import Iterator
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


@pytest.fixture(scope="session", autouse=True)
def private_result_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test (and every process it starts) caches VC results in a folder of this session's
    (of this worker's, under ``pytest -n``): the user's cache is never read, so no verdict in a
    test comes from an earlier run. A test that sets ``HOVERIFY_CACHE_DIR`` itself overrides it."""
    folder = tmp_path_factory.mktemp("hoverify-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("HOVERIFY_CACHE_DIR", str(folder))
    yield folder
    patch.undo()


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


def one_round_model(name: str, update: str, properties: tuple[str, ...] | None = None,
                    extra: str = "") -> str:
    """The source of a one-round test model ``name``: locals ``x`` (the input), ``decided``,
    ``decision``; every process broadcasts ``x``, then runs ``update`` (its body lines, e.g.
    ``"p.decide(p.x)"``); ``properties`` as declared (none if ``None``), ``extra`` class lines."""
    body = "".join(f"            {line}\n" for line in update.splitlines())
    declared = f"    properties = {properties!r}\n" if properties is not None else ""
    return ("from hoverify import Algorithm, Local, Round, broadcast\n"
            f"class {name}(Algorithm):\n"
            "    x = Local(int)\n"
            "    decided = Local(bool, initial=False)\n"
            "    decision = Local(int | None)\n"
            "    def init(p, v):\n"
            "        p.x = v\n"
            "    class R(Round):\n"
            "        def send(p):\n"
            "            return broadcast(p.x)\n"
            "        def update(p, mbox):\n"
            f"{body}{declared}{extra}")
