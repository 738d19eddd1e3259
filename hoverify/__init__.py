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
    Uniform,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Algorithm", "Round", "Local", "Proc", "ValueType", "Exact",
    "broadcast", "send_to", "choose", "coin", "coord", "n", "r", "phase",
    "HoverifyError", "ModelError", "CompileError", "AdversaryError",
    "Benign", "CrashStop", "ValueFaults",
    "HOPredicate", "NoSplit", "Uniform", "KernelSize", "HeardMoreThan", "CoordinatorHeard",
    "CoordinatorHears", "AllOf",
]
