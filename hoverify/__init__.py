"""hoverify: write Heard-Of round algorithms once; prove them, run them."""

from hoverify.dsl import (
    Algorithm,
    Exact,
    Local,
    Proc,
    Round,
    ValueType,
    broadcast,
    choose,
    coin,
    coord,
    n,
    phase,
    r,
    send_to,
)
from hoverify.errors import AdversaryError, CompileError, HoverifyError, ModelError
from hoverify.faults import Benign, CrashStop, ValueFaults
from hoverify.hopredicates import (
    AllOf,
    CoordinatorHeard,
    CoordinatorHears,
    HeardMoreThan,
    HOPredicate,
    KernelSize,
    NoSplit,
    SafelyHeardMoreThan,
    UncorruptedKernel,
    Uniform,
)

__version__ = "0.1.0"


def check(model: object, **options: object) -> object:
    """Prove the safety VCs of a model (class or file path): see :func:`hoverify.engine.api.check`.
    Imported lazily, so that ``import hoverify`` stays light."""
    from hoverify.engine.api import check as _check

    return _check(model, **options)  # type: ignore[arg-type]


__all__ = [
    "__version__", "check",
    "Algorithm", "Round", "Local", "Proc", "ValueType", "Exact",
    "broadcast", "send_to", "choose", "coin", "coord", "n", "r", "phase",
    "HoverifyError", "ModelError", "CompileError", "AdversaryError",
    "Benign", "CrashStop", "ValueFaults",
    "HOPredicate", "NoSplit", "Uniform", "KernelSize", "HeardMoreThan", "CoordinatorHeard",
    "CoordinatorHears", "AllOf", "UncorruptedKernel", "SafelyHeardMoreThan",
]
