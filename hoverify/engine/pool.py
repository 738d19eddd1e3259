"""The VCs' processes: one pool of forked workers for every model of a check, each worker
discharging one VC at a time under a memory limit and a hard deadline.

One pool for all the models, rather than one per model: while the last VCs of one model run,
the next model's first ones start (a pool per model left a core idle at the end of each). Each
model's VCs still go to workers forked for them (see :class:`Tasks`): a worker knows only the
VCs made before it was forked, and one that went on from model to model grew slower."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from hoverify import interrupt
from hoverify.compiler import CompiledModel
from hoverify.engine.results import Status, VCResult
from hoverify.engine.vcgen import VC

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkProcess

    from hoverify.engine.hints import Hint
    from hoverify.engine.runner import Options


#: what a worker can look up, per model of the check: the compiled model, its VCs and their
#: hints (by index). A worker sees these lists as they were when it was forked
Source = tuple[CompiledModel, list[VC], list["Hint | None"]]


@dataclass(frozen=True)
class Task:
    """VC ``index`` of model ``model``; only a worker forked at or after ``epoch`` (see
    :class:`Tasks`) may take it: one forked before has another VC at that index."""

    model: int
    index: int
    epoch: int = 0


class Tasks:
    """The VCs still to start, in order, and the number started and not finished, per model.
    While the pool runs, the check adds VCs (:meth:`add`: a model's when it is ready, a model's
    to check again before the others) and drops a model's VCs that no report needs any more
    (:meth:`drop`: its workers on them are stopped). Each addition opens an epoch: its VCs go to
    workers forked from then on, which know them (a worker sees the VCs as they were when it was
    forked) and start clean (a worker's state grows with each VC and slows it down: every VC of
    every model one after the other in one process took 7-9% longer than each model's in a
    process of its own)."""

    def __init__(self) -> None:
        self._waiting: list[Task] = []  # the next one last
        self._running: dict[int, int] = {}
        self._dropped: set[int] = set()
        self.epoch = 0  # of the workers forked now

    def add(self, model: int, indices: Sequence[int], first: bool = False) -> None:
        """Start these VCs of ``model`` in this order, after those already waiting (``first``:
        before them), in workers forked from now on."""
        self.epoch += 1
        self._dropped.discard(model)
        new = [Task(model, i, self.epoch) for i in reversed(indices)]
        if first:
            self._waiting.extend(new)
        else:
            self._waiting[:0] = new

    def drop(self, model: int) -> list[int]:
        """No more of ``model``'s VCs: those waiting are not started (returned, in the order
        they would have started), those running are stopped (:meth:`dropped`)."""
        gone = [t.index for t in reversed(self._waiting) if t.model == model]
        self._waiting = [t for t in self._waiting if t.model != model]
        self._dropped.add(model)
        return gone

    def dropped(self, task: Task) -> bool:
        return task.model in self._dropped

    def peek(self) -> Task | None:
        return self._waiting[-1] if self._waiting else None

    def pop(self) -> Task:
        task = self._waiting.pop()
        self._running[task.model] = self._running.get(task.model, 0) + 1
        return task

    def finish(self, task: Task) -> None:
        self._running[task.model] -= 1

    def waiting(self) -> int:
        return len(self._waiting)

    def left(self, model: int) -> int:
        """``model``'s VCs waiting or running."""
        return self._running.get(model, 0) + sum(1 for t in self._waiting if t.model == model)

    def started(self, model: int) -> bool:
        return model in self._running


#: the address-space limit of the process that discharges one VC
MEMORY_LIMIT = 8 << 30
#: the peak memory past which a worker collects garbage (once, then as Python does by default;
#: below it, never)
COLLECT_ABOVE = 1 << 30
#: seconds past twice a VC's time budget before its process is killed
HARD_GRACE = 10.0

#: what a worker sends back for one VC: its result, or why there is none ("last": and the
#: worker ends)
_Message = tuple[Literal["ok"], VCResult] | tuple[Literal["fail", "last"], str]

if TYPE_CHECKING:
    #: a worker: its end of the pipe, its process, the epoch it was forked in
    _Worker = tuple[Connection[Task | None, _Message], ForkProcess, int]


def hard_deadline(opts: Options) -> float:
    """Seconds after which the process checking one VC is killed (its verdict: unknown, timed
    out): twice the VC's time budget plus :data:`HARD_GRACE`. The budget is the timeout, once per
    backend in ``cross-check`` mode (each backend gets the whole timeout there)."""
    from hoverify.engine.discharge import BACKENDS

    budget = opts.timeout * (len(BACKENDS) if opts.backend == "cross-check" else 1)
    return 2 * budget + HARD_GRACE


def failed(vc: VC, opts: Options, reason: str, seconds: float) -> VCResult:
    """``vc``'s result when there is no verdict: unknown, for ``reason``."""
    return VCResult(name=vc.name, kind=vc.kind, status=Status.UNKNOWN, seconds=seconds,
                    backend=opts.backend, file=vc.file, target=vc.target,
                    target_line=vc.target_line, round_name=vc.round_name,
                    round_line=vc.round.line if vc.round is not None else None, reason=reason)


def _worker(conn: Connection[_Message, Task | None], sources: Sequence[Source], opts: Options,
            parent: int) -> None:
    """Runs in a forked process: discharge the VCs that arrive on ``conn`` one at a time, and
    send each result back (or why there is none); ``None`` ends it. The process is the VCs'
    isolation: an address-space limit, and the parent kills it if a VC overruns its hard
    deadline. After running out of memory it sends the failure and ends: a new process takes the
    next VC."""
    import resource

    _die_with_parent(parent)
    interrupt.allow_in_child()

    from hoverify.engine.discharge import BACKENDS, discharge

    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass
    # no garbage collection until the process has grown past COLLECT_ABOVE (then Python's
    # usual one): the decision procedure makes few reference cycles, and collecting its many
    # live objects again and again took 7% of the VCs' time
    gc.disable()
    try:
        while (task := conn.recv()) is not None:
            if not gc.isenabled() and (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                                       > COLLECT_ABOVE):
                gc.collect()
                gc.enable()
            cm, vcs, hints = sources[task.model]
            try:
                # with one backend this process is the isolation (memory limit above, hard
                # deadline in isolated): the solver queries run in it rather than in a child
                # each. With several (portfolio, cross-check), each query keeps its own child: a
                # backend that crashes must not take the others' answers down with it
                msg: _Message = ("ok", discharge(cm, vcs[task.index], opts.backend, opts.timeout,
                                                 isolate=opts.backend not in BACKENDS,
                                                 hint=hints[task.index]))
            except MemoryError:
                conn.send(("last", f"the decision procedure ran out of memory "
                                   f"({MEMORY_LIMIT >> 30} GiB) on this VC"))
                return
            except BaseException as e:  # noqa: BLE001 - reported as unknown, never as a verdict
                msg = ("fail", f"internal error while checking this VC: {type(e).__name__}: {e}")
            try:
                conn.send(msg)
            except (EOFError, OSError):
                raise
            except BaseException as e:  # noqa: BLE001 - a result that cannot be sent
                conn.send(("fail", f"internal error while sending this VC's result: "
                                   f"{type(e).__name__}: {e}"))
    except (EOFError, OSError):  # the parent is gone or done
        pass
    finally:
        conn.close()


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this process when its parent (pid ``parent``) dies: a VC's
    process must not outlive ``hoverify check`` (killed with SIGKILL, say), whose deadline is the
    only one a solver that ignores its own limit has."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's deadline is all there is
        return
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _nothing() -> None:
    pass


def isolated(sources: Sequence[Source], opts: Options, tasks: Tasks,
             refill: Callable[[], None] = _nothing) -> Iterator[tuple[Task, VCResult | None]]:
    """Discharge the ``tasks`` in ``opts.jobs`` forked worker processes (:func:`_worker`), one VC
    at a time each, under a memory limit and a hard deadline per VC (:func:`hard_deadline`: the
    procedure enforces the timeout itself, this catches what it cannot, such as a solver that
    ignores its own limit; the worker is killed, and a new one takes the next VC). Yields each
    task with its result as it completes, or with ``None`` if it was dropped while running (its
    worker is stopped). The caller may add and drop tasks between results (see :class:`Tasks`),
    and ``refill()``, called whenever fewer tasks wait than there are workers, may add some (the
    next model's, made while the last VCs of the one before still run, rather than once a
    worker is idle); the pool ends when none is waiting or running after it.

    A worker checks many VCs: what the decision procedure keeps from one (desugared formulas,
    pysmt's shared terms and their z3 translations) serves the next ones.
    A process per VC took 30-40% longer (LastVoting's safety VCs one at a time: 5.2-5.9 s,
    against 3.6-4.2 s in one process)."""
    import multiprocessing
    from multiprocessing.connection import Connection, wait

    ctx = multiprocessing.get_context("fork")
    idle: list[_Worker] = []
    busy: dict[Connection[Task | None, _Message], tuple[Task, _Worker, float]] = {}  # and start
    workers = 0  # alive
    prepared = False
    hard = hard_deadline(opts)

    def spawn() -> None:
        nonlocal workers
        nonlocal prepared
        if not prepared:
            prepare_workers()
            prepared = True
        # the objects made so far stay out of the VC processes' garbage collections, which
        # would otherwise touch (and so copy) every page inherited from this process (4% of
        # LastVoting's safety check); the caller unfreezes them
        gc.freeze()
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker, daemon=True,
                           args=(child, sources, opts, os.getpid()))
        with interrupt.deferred():  # started and known, or neither
            proc.start()
            idle.append((parent, proc, tasks.epoch))
            workers += 1
        child.close()

    def retire(worker: _Worker) -> None:
        nonlocal workers
        conn, proc, _ = worker
        proc.kill()
        proc.join()
        conn.close()
        workers -= 1

    def assign() -> bool:
        """Give the waiting tasks to idle workers that may take them; retire idle workers
        forked before the next task's epoch, or found dead. Whether it retired any (new ones
        are to take their place)."""
        retired = False
        while (task := tasks.peek()) is not None and idle:
            fit = next((w for w in reversed(idle) if w[2] >= task.epoch), None)
            if fit is None:
                retire(idle.pop())
                retired = True
                continue
            idle.remove(fit)
            try:
                fit[0].send(task)
            except OSError:  # it died while idle (killed from outside): another one
                retire(fit)
                retired = True
                continue
            busy[fit[0]] = (tasks.pop(), fit, time.perf_counter())
        return retired

    def start_waiting() -> None:
        """Start waiting tasks in idle workers, forking workers as needed and allowed."""
        while True:
            while tasks.waiting() and workers < opts.jobs and len(idle) < tasks.waiting():
                spawn()
            if not assign():
                return

    # an interrupt is raised by interrupt.check() below, not wherever it lands (see there)
    with interrupt.polled():
        try:
            while True:
                start_waiting()
                if tasks.waiting() < opts.jobs:
                    # after the workers free now took what waited: what the next one takes
                    refill()
                    start_waiting()
                if not busy:
                    if not tasks.waiting():
                        break
                    continue
                now = time.perf_counter()
                next_deadline = min(st + hard for _, _, st in busy.values())
                # short waits: an interrupt (only noted in this block) is acted on within 0.25 s
                ready = wait(list(busy), timeout=min(0.25, max(0.0, next_deadline - now)))
                interrupt.check()
                for conn in ready:
                    assert isinstance(conn, Connection)  # wait returns some of the pipes given
                    if conn not in busy:
                        continue  # stopped (dropped) after a result yielded before
                    task, worker, st = busy.pop(conn)
                    msg: _Message
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):
                        worker[1].join()
                        msg = "last", (f"the process checking this VC died "
                                       f"(exit code {worker[1].exitcode}); out of memory?")
                    if msg[0] == "last":
                        retire(worker)
                    else:
                        idle.append(worker)
                    seconds = time.perf_counter() - st
                    tasks.finish(task)
                    vc = sources[task.model][1][task.index]
                    yield task, msg[1] if msg[0] == "ok" else failed(vc, opts, msg[1], seconds)
                now = time.perf_counter()
                for conn, (task, worker, st) in list(busy.items()):
                    if now - st > hard:
                        del busy[conn]
                        retire(worker)
                        tasks.finish(task)
                        vc = sources[task.model][1][task.index]
                        yield task, failed(vc, opts, f"timed out: no answer after {hard:.0f} s",
                                           now - st)
                for conn, (task, worker, _) in list(busy.items()):
                    if tasks.dropped(task):
                        del busy[conn]
                        retire(worker)
                        tasks.finish(task)
                        yield task, None
        finally:
            for worker in [*idle, *(w for _, w, _ in busy.values())]:
                worker[1].kill()
                worker[1].join()
                worker[0].close()


def in_process(sources: Sequence[Source], opts: Options, tasks: Tasks,
               refill: Callable[[], None] = _nothing) -> Iterator[tuple[Task, VCResult | None]]:
    """:func:`isolated` without processes (no ``fork``: not POSIX): the tasks one at a time, in
    this process."""
    from hoverify.engine.discharge import discharge

    while True:
        if not tasks.waiting():
            refill()
            if not tasks.waiting():
                return
        task = tasks.pop()
        cm, vcs, hints = sources[task.model]
        r = discharge(cm, vcs[task.index], opts.backend, opts.timeout, hint=hints[task.index])
        tasks.finish(task)
        yield task, r


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def prepare_workers() -> None:
    """Do once, before the VCs' processes are forked, what each would otherwise do for itself:
    import the decision procedure and initialise pysmt and the solvers (their smoke tests). About
    0.3 s per VC otherwise, more than most LastVoting VCs take to decide."""
    import logic.decide  # noqa: F401
    import logic.decode  # noqa: F401
    import logic.evaluate  # noqa: F401 - a model's validation
    import logic.printer  # noqa: F401 - a term's text (orders of terms, reasons)
    import logic.reduce  # noqa: F401
    from logic.backends import available_backends

    available_backends()


__all__ = ["Task", "Tasks", "Source", "isolated", "in_process", "hard_deadline", "failed",
           "can_fork", "prepare_workers", "HARD_GRACE", "MEMORY_LIMIT"]
