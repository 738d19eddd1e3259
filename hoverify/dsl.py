"""The model language: Heard-Of round algorithms as plain Python classes.

A model is one ``Algorithm`` subclass::

    from hoverify import Algorithm, Local, Round, broadcast, n

    class OneThirdRule(Algorithm):
        x = Local(int)
        decided = Local(bool, initial=False)
        decision = Local(int | None)

        def init(p, v):
            p.x = v

        class Exchange(Round):
            def send(p):
                return broadcast(p.x)

            def update(p, mbox):
                if mbox.size > 2 * n / 3:
                    p.x = mbox.min_most_often()
                    if mbox.count(p.x) > 2 * n / 3:
                        p.decide(p.x)

        properties = ("agreement", "validity", "irrevocability")
        safety = {"agreement":
                  "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)"}
        invariants = ["..."]

Semantics (one definition, shared by the executor, the explorer and — through the compiler — the
prover):

* **Rounds and phases.** The nested ``Round`` classes, in order, are the rounds of one phase.
  Rounds are numbered ``r = 0, 1, 2, ...``; round ``r`` belongs to phase ``r // k`` (``k``
  rounds per phase) and runs the ``Round`` class number ``r % k``. In each round every live
  process first sends (``send`` on its pre-round state), then every live process updates
  (``update`` with its mailbox).
* **State.** ``Local(type, initial=...)`` declares a process-local variable. Types: ``int``,
  ``bool``, ``Proc`` (a process id, ``0 <= id < n``), a ``ValueType`` (an uninterpreted, optionally
  ordered value sort of the logic; its run-time values are ints), and an optional type
  ``T | None`` / ``Optional[T]``: ``None`` is the *undefined* value ``?`` (e.g. "no vote"),
  different from every value of ``T`` and, where an order is needed (``min``, tie-breaks), below
  every value. A non-optional local without ``initial`` must be assigned by ``init``; an
  optional one defaults to ``None``. ``init(p, v)`` receives the process's initial value ``v``.
* **Messages.** ``send(p)`` returns ``broadcast(payload)`` (to every process, itself included),
  ``send_to(dest, payload)`` (to one process), or ``None`` (no message; falling off the end of
  ``send`` is the same). A payload is one value (int, bool or ``None``) or a tuple of such values.
  At most one message per sender per receiver per round.
* **Mailbox.** ``update(p, mbox)``: ``mbox`` holds exactly the messages sent to ``p`` by the
  senders in ``HO(p)`` (see :mod:`hoverify.mailbox` for the operations and their tie-breaks). Under
  value faults (``HO = SHO ∪ AHO``) the messages from ``AHO(p)`` carry arbitrary values.
* **Run constants.** ``n``, ``r`` and ``phase`` are module-level names imported from ``hoverify``;
  while a model runs they stand for the current run's values. Arithmetic on them is *exact*:
  ``2 * n / 3`` is a ``fractions.Fraction`` (``/`` is exact division, ``//`` floor division), and so
  are ``/`` on mailbox counts, ``mbox.size``, ``p.id``, ``coord(phase)``, the initial value ``v``
  and every integer local while a round runs (all of type :class:`Exact`, an ``int`` whose ``/``
  is exact; only ``/`` between two integer *literals* would be a float). A model never needs
  floats, and a float stored in a local or sent in a message is an error. ``coord(ph)`` is the
  rotating coordinator ``ph mod n``.
* **Decisions.** ``p.decide(v)`` sets the locals ``decided = True`` and ``decision = v``, which
  every consensus model declares.
* **Nondeterminism.** ``choose(options)`` returns one of the options, ``coin()`` one of ``0, 1``.
  The executor draws from its seeded generator; the explorer enumerates every option.
* **HO assumptions.** ``ho_predicate`` (on the Algorithm, for every round, or on a ``Round``) is a
  :mod:`hoverify.hopredicates` object (``NoSplit()``, ``HeardMoreThan("n/2")``, ...), each with
  ``.holds(ho)`` for the executor and ``.formula`` for the prover. ``fault_model`` is one of
  :mod:`hoverify.faults`: ``Benign()`` (default: omissions and crashes through HO sets),
  ``CrashStop(f)`` or ``ValueFaults(alpha)``.
* **Specification.** ``properties`` names the safety properties the executor checks on every state
  (see :mod:`hoverify.properties`: ``agreement``, ``validity``, ``irrevocability``/``integrity``,
  ``commit_validity``); ``safety`` (name -> formula) and ``invariants`` (formulas) are strings in
  the paper-like notation, carried for the prover and never evaluated by the executor.

**The restricted subset** accepted inside ``init``, ``send`` and ``update`` (the compiler rejects
everything else; the executor runs the Python as is): assignments to declared locals
``p.x = expr`` (sequential assignments are SSA), ``if``/``elif``/``else``, ``return`` of
``broadcast(...)``/``send_to(...)``/``None`` in ``send``, arithmetic (``+ - * / // %``),
comparisons (including ``is None``/``is not None``), ``and``/``or``/``not``, conditional
expressions, tuple payloads and subscripts ``m[i]`` on them, the mailbox operations with lambdas
``lambda m: ...`` (``m`` is one received payload), ``p.id``, ``p.decide(v)``, ``coord(phase)``,
``r``, ``phase``, ``n``, ``choose(...)``/``coin()``, and module-level integer constants. No loops,
no comprehensions, no other calls, no assignments to anything but locals of ``p`` and temporary
names (``c = mbox.count(p.x)``; compiled in SSA form, a temporary must be assigned on every path
before it is read). :mod:`hoverify.compiler` turns this subset into transition relations and
reports anything else as a :class:`CompileError` with file, line and column.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, cast

from hoverify.errors import CompileError, HoverifyError, ModelError

if TYPE_CHECKING:
    from hoverify.mailbox import Mailbox

# --------------------------------------------------------------------------------------------
# Exact integers


def _exact(v: Any) -> Any:
    t = type(v)
    if t is int:
        return Exact(v)
    if t is Fraction and v.denominator == 1:
        return Exact(v.numerator)
    return v


class Exact(int):
    """An ``int`` whose arithmetic stays exact: ``/`` gives a ``Fraction`` (an ``Exact`` if the
    quotient is integral), ``+ - * // %`` give ``Exact``. ``n``, ``r``, ``phase``, ``p.id``,
    ``coord(...)``, ``mbox.size`` and mailbox counts are ``Exact``. It prints like an int."""

    __slots__ = ()

    def __truediv__(self, other: Any) -> Any:
        if isinstance(other, int):
            return _exact(Fraction(int(self), int(other)))
        if isinstance(other, Fraction):
            return _exact(Fraction(int(self)) / other)
        return NotImplemented

    def __rtruediv__(self, other: Any) -> Any:
        if isinstance(other, int):
            return _exact(Fraction(int(other), int(self)))
        if isinstance(other, Fraction):
            return _exact(other / int(self))
        return NotImplemented

    def __neg__(self) -> Exact:
        return Exact(-int(self))

    def __pos__(self) -> Exact:
        return self

    def __abs__(self) -> Exact:
        return Exact(abs(int(self)))

    __repr__ = int.__repr__
    __str__ = int.__repr__


def _make_exact_binop(name: str) -> Callable[[Any, Any], Any]:
    base = getattr(int, name)

    def op(self: Any, other: Any) -> Any:
        res = base(self, other)
        if type(res) is int:
            return Exact(res)
        return res

    op.__name__ = name
    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__"):
    setattr(Exact, _name, _make_exact_binop(_name))


# --------------------------------------------------------------------------------------------
# The run context: n, r, phase and the chooser of the run in progress


class _RunContext:
    __slots__ = ("n", "r", "phase", "chooser")

    def __init__(self) -> None:
        self.n: Exact | None = None
        self.r: Exact | None = None
        self.phase: Exact | None = None
        self.chooser: Callable[[tuple[Any, ...]], Any] | None = None


CTX = _RunContext()


class RunConstant:
    """``n``, ``r`` and ``phase``: stand for the current run's values while a model runs.

    Comparisons, hashing and arithmetic use the current value (arithmetic results are concrete
    :class:`Exact` or ``Fraction`` values, never proxies). A ``RunConstant`` stored in a local or a
    payload is replaced by its value.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def value(self) -> Exact:
        v = getattr(CTX, self._name)
        if v is None:
            raise HoverifyError(f"'{self._name}' has a value only while a model runs "
                                f"(inside init, send or update)")
        return v  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        v = getattr(CTX, self._name)
        return self._name if v is None else repr(int(v))

    def __hash__(self) -> int:
        return hash(self.value())

    def __bool__(self) -> bool:
        return bool(self.value())

    def __int__(self) -> int:
        return int(self.value())

    def __index__(self) -> int:
        return int(self.value())


def _make_proxy_op(name: str) -> Callable[..., Any]:
    def op(self: RunConstant, *args: Any) -> Any:
        args = tuple(a.value() if type(a) is RunConstant else a for a in args)
        return getattr(self.value(), name)(*args)

    op.__name__ = name
    return op


for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__", "__radd__",
              "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__neg__", "__pos__",
              "__abs__"):
    setattr(RunConstant, _name, _make_proxy_op(_name))

n = RunConstant("n")
r = RunConstant("r")
phase = RunConstant("phase")


def concrete(v: Any) -> Any:
    """``v`` with run constants replaced by their current values (also inside tuples)."""
    t = type(v)
    if t is RunConstant:
        return v.value()
    if t is tuple:
        for x in v:
            if type(x) is RunConstant or type(x) is tuple:
                return tuple(concrete(y) for y in v)
    return v


def coord(ph: Any) -> Exact:
    """The rotating coordinator of phase ``ph``: ``ph mod n``."""
    # (called for every message of a coordinated round: the run constants are read directly)
    if type(ph) is RunConstant:
        ph = ph.value()
    return Exact(int(ph) % int(n.value()))


# --------------------------------------------------------------------------------------------
# Messages


@typing.final  # the executor tells messages apart by their exact type
class Broadcast:
    """A message to every process (the sender included)."""

    __slots__ = ("payload",)

    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def __repr__(self) -> str:
        return f"broadcast({self.payload!r})"


@typing.final  # the executor tells messages apart by their exact type
class SendTo:
    """A message to one process."""

    __slots__ = ("dest", "payload")

    def __init__(self, dest: int, payload: Any) -> None:
        self.dest = dest
        self.payload = payload

    def __repr__(self) -> str:
        return f"send_to({self.dest!r}, {self.payload!r})"


def broadcast(payload: Any) -> Broadcast:
    """Send ``payload`` (a value or a tuple of values) to every process."""
    return Broadcast(concrete(payload))


def send_to(dest: Any, payload: Any) -> SendTo:
    """Send ``payload`` to process ``dest`` only."""
    return SendTo(int(concrete(dest)), concrete(payload))


_SCALARS = (int, bool, type(None))


def check_payload(payload: Any) -> bool:
    """Whether ``payload`` is a value (int, bool, ``None``) or a tuple of values."""
    t = type(payload)
    if t is int or t is Exact or t is bool or payload is None:
        return True
    if t is tuple:
        return all(type(x) in (int, Exact, bool) or x is None for x in payload)
    return False


# --------------------------------------------------------------------------------------------
# Nondeterministic choice


def choose(options: Iterable[Any]) -> Any:
    """One of ``options`` (a non-empty tuple, list or range), chosen by the run's adversary
    (the executor draws it from its seeded generator; the explorer tries every option)."""
    opts = tuple(concrete(o) for o in options)
    if not opts:
        raise HoverifyError("choose() needs at least one option")
    chooser = CTX.chooser
    if chooser is None:
        raise HoverifyError("choose() can only be called while a model runs")
    return chooser(opts)


def coin() -> Any:
    """A nondeterministic bit: ``choose((0, 1))``."""
    return choose((0, 1))


# --------------------------------------------------------------------------------------------
# Types and locals


class Proc:
    """The type of process ids in ``Local(Proc)``: ints ``0 <= id < n`` at run time."""


class ValueType:
    """An uninterpreted value sort (``ordered=True`` allows ``<``); its run-time values are ints.

    ``Val = ValueType("Val", ordered=True)`` then ``x = Local(Val)``.
    """

    def __init__(self, name: str, ordered: bool = True) -> None:
        if not name.isidentifier():
            raise ModelError(f"value type name {name!r} is not an identifier")
        self.name = name
        self.ordered = ordered

    def __repr__(self) -> str:
        return f"ValueType({self.name!r}, ordered={self.ordered})"


class _Missing:
    def __repr__(self) -> str:
        return "<set by init>"


MISSING: Any = _Missing()


def _split_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or isinstance(tp, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
        raise ModelError(f"local type {tp!r}: only 'T | None' unions are supported")
    return tp, False


class Local:
    """A process-local variable: ``Local(int)``, ``Local(bool, initial=False)``,
    ``Local(int | None)`` (optional: may be ``None`` = ``?``; defaults to ``None``)."""

    def __init__(self, type: Any, initial: Any = MISSING) -> None:  # noqa: A002
        base, optional = _split_optional(type)
        if not (base in (int, bool, Proc) or isinstance(base, ValueType)):
            raise ModelError(f"unsupported local type {type!r}: expected int, bool, Proc, a "
                             f"ValueType, or one of these '| None'")
        self.type = type
        self.base = base
        self.optional = optional
        if initial is MISSING and optional:
            initial = None
        if initial is not MISSING and not self.accepts(initial, None):
            raise ModelError(f"initial value {initial!r} does not have type {self.type_name}")
        self.initial = initial
        self.name = "?"

    @property
    def type_name(self) -> str:
        b = self.base
        name = b.name if isinstance(b, ValueType) else b.__name__
        return f"{name} | None" if self.optional else name

    def accepts(self, v: Any, nprocs: int | None) -> bool:
        """Whether ``v`` is a value of this local's type (for ``n = nprocs`` if given)."""
        if v is None:
            return self.optional
        b = self.base
        if b is bool:
            return v is True or v is False
        if type(v) is bool or not isinstance(v, int):
            return False
        if b is Proc and nprocs is not None:
            return 0 <= v < nprocs
        return True

    def __repr__(self) -> str:
        init = "" if self.initial is MISSING else f", initial={self.initial!r}"
        return f"Local({self.type_name}{init})"


# --------------------------------------------------------------------------------------------
# Processes


class ProcessBase:
    """The ``p`` of ``init``/``send``/``update``: declared locals as attributes, ``p.id``,
    ``p.decide(v)``. Each model gets a subclass whose ``__slots__`` are its locals, so assigning
    an undeclared name fails."""

    __slots__ = ("_id",)
    _id: Exact  # set by the executor for each process

    @property
    def id(self) -> Exact:  # noqa: A003
        return self._id

    def decide(self, v: Any) -> None:
        """Decide ``v``: ``decided := True``, ``decision := v``."""
        # decided and decision are slots of the model's subclass (its locals), not of this class
        self.decided = True  # type: ignore[misc]
        self.decision = v  # type: ignore[misc]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k, '<unset>')!r}" for k in self.__slots__)
        return f"p{getattr(self, '_id', '?')}({fields})"


# --------------------------------------------------------------------------------------------
# Rounds and algorithms


class Round:
    """One communication-closed round: ``send(p)`` then ``update(p, mbox)``.

    Both are plain functions of ``p`` (no ``self``). ``ho_predicate`` optionally constrains the
    HO sets of this round (overriding the Algorithm's).
    """

    ho_predicate: Any = None

    if TYPE_CHECKING:
        # defined by every subclass (see Algorithm.check), not here; accessed on the class, so
        # never bound to an instance
        send: ClassVar[Callable[[ProcessBase], Broadcast | SendTo | None]]
        update: ClassVar[Callable[[ProcessBase, Mailbox], object]]


def _location(obj: Any) -> tuple[str | None, int | None]:
    code = getattr(obj, "__code__", None)
    if code is not None:
        return code.co_filename, code.co_firstlineno
    try:
        return inspect.getsourcefile(obj), inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        return None, None


def _check_function(owner: type, name: str, params: int, required: bool = True) -> None:
    fn = owner.__dict__.get(name)
    if fn is None:
        for klass in owner.__mro__[1:]:
            if klass in (Round, Algorithm, object):
                break
            fn = klass.__dict__.get(name)
            if fn is not None:
                break
    file, line = _location(owner)
    if fn is None:
        if required:
            raise CompileError(f"{owner.__name__} has no '{name}' function (every Round "
                               f"defines send(p) and update(p, mbox); the Algorithm defines "
                               f"init(p, v))", file=file, line=line)
        return
    if isinstance(fn, (staticmethod, classmethod)):
        fn = fn.__func__
    if not inspect.isfunction(fn):
        raise CompileError(f"{owner.__name__}.{name} must be a function", file=file,
                           line=line)
    file, line = _location(fn)
    sig = inspect.signature(fn)
    ps = list(sig.parameters.values())
    if len(ps) != params or any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                                for p in ps):
        expected = {1: "(p)", 2: "(p, mbox)" if name == "update" else "(p, v)"}[params]
        raise CompileError(f"{owner.__name__}.{name} must take {expected}, found "
                           f"({', '.join(p.name for p in ps)})", file=file, line=line)


_RESERVED_LOCALS = {"id", "decide", "_id"}


class Algorithm:
    """Base class of models: declare ``Local``\\ s, ``init(p, v)`` and nested ``Round`` classes.

    Class attributes a model may set: ``properties``, ``safety``, ``invariants``,
    ``round_invariants`` (round name -> formula holding after that round), ``round_lemmas``
    (round name -> two-state formulas about its transition, ``old(x)`` the pre-state), ``liveness``,
    ``ho_predicate``, ``fault_model``, ``values`` (the initial-value domain the executor and the
    explorer draw from) and ``min_n`` (the smallest ``n`` the model's assumptions allow).

    Liveness: ``liveness`` maps goal names to LTL goals over the state (``"eventually forall i.
    decided(i)"``); ``good_rounds`` names HO predicates (:mod:`hoverify.hopredicates`) — one per
    round, or a dict from round names to predicates for a good *phase*; ``assumption`` is an LTL
    formula over those names (``"always eventually uniform"``); ``progress`` maps each goal to its
    proof chain, a list of ``(good round name, invariant established)`` steps.
    """

    properties: tuple[str, ...] = ()
    safety: dict[str, str] = {}
    invariants: tuple[str, ...] | list[str] = ()
    liveness: dict[str, str] = {}
    good_rounds: dict[str, Any] = {}
    assumption: str = ""
    progress: dict[str, list[tuple[str, str]]] = {}
    ho_predicate: Any = None
    fault_model: Any = None
    values: tuple[Any, ...] = (0, 1, 2)
    min_n: int = 1

    # filled by __init_subclass__
    locals_: dict[str, Local] = {}
    rounds: tuple[type[Round], ...] = ()
    # set on each subclass, read through its own __dict__ (so never inherited)
    _hv_checked: ClassVar[bool]
    _hv_proc_class: ClassVar[type[ProcessBase] | None]

    if TYPE_CHECKING:
        # init(p, v): defined by every model (see check), not here; accessed on the class
        init: ClassVar[Callable[[ProcessBase, Any], object]]

    @classmethod
    def too_few_processes(cls, n: int) -> str | None:
        """Why ``n`` processes are outside the model's assumptions (fewer than ``min_n``), or
        ``None``: the one statement of that bound for the executor, the runtime, replay and
        the VCs' ``n >= min_n``."""
        if n < cls.min_n:
            return f"{cls.__name__} assumes n >= {cls.min_n} (n = {n})"
        return None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        decls: dict[str, Local] = {}
        for klass in reversed(cls.__mro__):
            for key, val in vars(klass).items():
                if isinstance(val, Local):
                    val.name = key
                    decls[key] = val
        cls.locals_ = decls
        own = tuple(v for v in vars(cls).values()
                    if isinstance(v, type) and issubclass(v, Round) and v is not Round)
        if own:
            cls.rounds = own
        cls._hv_checked = False
        cls._hv_proc_class = None

    # ---- helpers used by the executor, the explorer and the compiler -------------------------
    @classmethod
    def local_names(cls) -> tuple[str, ...]:
        return tuple(cls.locals_)

    @classmethod
    def check(cls) -> None:
        """Validate the declarations; raise ``ModelError`` (with file and line) if malformed."""
        if cls.__dict__.get("_hv_checked"):
            return
        file, line = _location(cls)
        if not cls.locals_:
            raise ModelError(f"{cls.__name__} declares no Local variables", file=file, line=line)
        for name in cls.locals_:
            if name in _RESERVED_LOCALS or name.startswith("_"):
                raise ModelError(f"{cls.__name__}: '{name}' cannot name a local", file=file,
                                 line=line)
        if not cls.rounds:
            raise ModelError(f"{cls.__name__} has no Round classes", file=file, line=line)
        _check_function(cls, "init", 2)
        for rnd in cls.rounds:
            _check_function(rnd, "send", 1)
            _check_function(rnd, "update", 2)
        props = cls.properties
        if isinstance(props, str) or not all(isinstance(x, str) for x in props):
            raise ModelError(f"{cls.__name__}.properties must be a tuple of property names",
                             file=file, line=line)
        from hoverify.properties import PROPERTIES  # noqa: PLC0415 (cycle)
        for prop in props:
            if prop not in PROPERTIES:
                raise ModelError(f"{cls.__name__}: unknown property {prop!r}; known: "
                                 f"{', '.join(sorted(PROPERTIES))}", file=file, line=line)
            needs = PROPERTIES[prop].needs
            missing = [x for x in needs if x not in cls.locals_]
            if missing:
                raise ModelError(f"{cls.__name__}: property {prop!r} needs the locals "
                                 f"{', '.join(missing)}", file=file, line=line)
        if not isinstance(cls.safety, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in cls.safety.items()):
            raise ModelError(f"{cls.__name__}.safety must map names to formula strings",
                             file=file, line=line)
        if isinstance(cls.invariants, str) or not all(isinstance(x, str)
                                                      for x in cls.invariants):
            raise ModelError(f"{cls.__name__}.invariants must be a list of formula strings",
                             file=file, line=line)
        if not isinstance(cls.values, tuple) or not cls.values:
            raise ModelError(f"{cls.__name__}.values must be a non-empty tuple", file=file,
                             line=line)
        cls._hv_checked = True

    @classmethod
    def process_class(cls) -> type[ProcessBase]:
        pc: type[ProcessBase] | None = cls.__dict__.get("_hv_proc_class")
        if pc is None:
            # type() with the base ProcessBase makes a subclass of it
            pc = cast("type[ProcessBase]", type(f"{cls.__name__}Process", (ProcessBase,),
                                                {"__slots__": tuple(cls.locals_)}))
            cls._hv_proc_class = pc
        return pc

    @classmethod
    def round_predicate(cls, index: int) -> Any:
        """The HO predicate of round ``index`` of the phase (the Round's, else the model's)."""
        rp = cls.rounds[index].ho_predicate
        return rp if rp is not None else cls.ho_predicate

    @classmethod
    def faults(cls) -> Any:
        from hoverify.faults import Benign  # noqa: PLC0415
        return cls.fault_model if cls.fault_model is not None else Benign()


__all__ = [
    "Algorithm", "Round", "Local", "Proc", "ValueType", "Exact", "RunConstant", "n", "r", "phase",
    "coord", "broadcast", "send_to", "Broadcast", "SendTo", "choose", "coin", "CTX", "concrete",
    "check_payload", "MISSING", "ProcessBase",
]
