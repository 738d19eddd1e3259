"""Checking models: VC generation, the cache, parallel discharge, one report per model."""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from hoverify import interrupt
from hoverify.compiler import CompiledModel
from hoverify.engine.results import ModelReport, Status, VCResult
from hoverify.engine.vcgen import FROM_LEMMAS, VC, VCKind, generate
from hoverify.selection import name_matches

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkProcess

    from hoverify.engine.hints import Hint
    from logic.terms import Term


@dataclass(frozen=True)
class Options:
    """How to check: ``backend`` (a backend or ``portfolio``/``cross-check``), ``timeout`` per
    VC in seconds, ``jobs`` VCs in parallel, ``only`` a name pattern, ``cache`` on or off,
    ``hints`` a folder of baselines whose proofs are tried first (:mod:`hoverify.engine.hints`).
    """

    backend: str = "z3"
    timeout: float = 30.0
    jobs: int = 1
    only: str | None = None
    cache: bool = True
    kinds: str = "all"  # "all", "safety" or "liveness"
    search: bool = True  # look for a reachable violation when something is not proved
    hints: str | None = None

    def __post_init__(self) -> None:
        from hoverify.engine.discharge import MODES

        if self.backend not in MODES:
            raise ValueError(f"unknown backend {self.backend!r}; expected one of "
                             f"{', '.join(MODES)}")
        if not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ValueError(f"timeout must be a positive, finite number of seconds, not "
                             f"{self.timeout}")
        if self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {self.jobs}")
        if self.kinds not in ("all", "safety", "liveness"):
            raise ValueError(f"unknown kinds {self.kinds!r}; expected all, safety or liveness")
        if self.hints is not None and not Path(self.hints).is_dir():
            raise ValueError(f"hints must be a folder of baselines (written by --record), and "
                             f"{self.hints} is not one")


Progress = Callable[[VCResult], None]


def selected(vcs: list[VC], only: str | None) -> list[VC]:
    """The VCs whose name matches ``only`` (:func:`hoverify.selection.name_matches`)."""
    if not only:
        return vcs
    return [vc for vc in vcs if name_matches(vc.name, only)]


#: the address-space limit of the process that discharges one VC
MEMORY_LIMIT = 8 << 30

#: what a worker sends back for one VC: its result, or why there is none ("last": and the
#: worker ends)
_Message = tuple[Literal["ok"], VCResult] | tuple[Literal["fail", "last"], str]


def _worker(conn: Connection[_Message, int | None], cm: CompiledModel, vcs: list[VC],
            opts: Options, hints: list[Hint | None], parent: int) -> None:
    """Runs in a forked process: discharge the VCs (indices into ``vcs``) that arrive on
    ``conn`` one at a time, and send each result back (or why there is none); ``None`` ends it.
    The process is the VCs' isolation: an address-space limit, and the parent kills it if a VC
    overruns its hard deadline. After running out of memory it sends the failure and ends: a
    new process takes the next VC."""
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
    try:
        while (i := conn.recv()) is not None:
            try:
                # with one backend this process is the isolation (memory limit above, hard
                # deadline in _isolated): the solver queries run in it rather than in a child
                # each. With several (portfolio, cross-check), each query keeps its own child: a
                # backend that crashes must not take the others' answers down with it
                msg: _Message = ("ok", discharge(cm, vcs[i], opts.backend, opts.timeout,
                                                 isolate=opts.backend not in BACKENDS,
                                                 hint=hints[i]))
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


def _failed(vc: VC, opts: Options, reason: str, seconds: float) -> VCResult:
    from hoverify.engine.results import Status

    return VCResult(name=vc.name, kind=vc.kind, status=Status.UNKNOWN, seconds=seconds,
                    backend=opts.backend, file=vc.file, target=vc.target,
                    target_line=vc.target_line, round_name=vc.round_name,
                    round_line=vc.round.line if vc.round is not None else None, reason=reason)


#: seconds past twice a VC's time budget before its process is killed
HARD_GRACE = 10.0


def hard_deadline(opts: Options) -> float:
    """Seconds after which the process checking one VC is killed (its verdict: unknown, timed
    out): twice the VC's time budget plus :data:`HARD_GRACE`. The budget is the timeout, once per
    backend in ``cross-check`` mode (each backend gets the whole timeout there)."""
    from hoverify.engine.discharge import BACKENDS

    budget = opts.timeout * (len(BACKENDS) if opts.backend == "cross-check" else 1)
    return 2 * budget + HARD_GRACE


def start_order(hints: list[Hint | None], optional: frozenset[int] = frozenset(),
                tiers: Sequence[frozenset[int]] = ()) -> list[int]:
    """The order in which to start VCs with these ``hints`` (by index): in order, except that
    those with hints start after the others, longest (recorded) first, so that the last to
    finish are short ones; among those without, the ones in ``tiers[0]`` first, then those in
    ``tiers[1]``, and so on; the ``optional`` ones (lemmas that a proof may or may not need)
    after all the others, in the same order among themselves."""
    def tier(i: int) -> int:
        return next((t for t, members in enumerate(tiers) if i in members), len(tiers))

    def key(i: int) -> tuple[bool, int, int, float, int]:
        hint = hints[i]
        return (i in optional, *((0, tier(i), 0.0, i) if hint is None
                                 else (1, 0, -hint.seconds, i)))

    return sorted(range(len(hints)), key=key)


def _isolated(cm: CompiledModel, vcs: list[VC], opts: Options, hints: list[Hint | None],
              optional: frozenset[int] = frozenset(),
              settled: Callable[[], bool] = lambda: False) -> Iterator[tuple[int, VCResult]]:
    """Discharge the VCs in ``opts.jobs`` forked worker processes (:func:`_worker`), one VC at a
    time each, under a memory limit and a hard deadline per VC (:func:`hard_deadline`: the
    procedure enforces the timeout itself, this catches what it cannot, such as a solver that
    ignores its own limit; the worker is killed, and a new one takes the next VC), with its hint.
    Yields results as they complete, the VCs started in :func:`start_order` (the ``optional``
    ones last). Once ``settled()`` (asked after each result) holds, the VCs still running or
    waiting are dropped: only optional ones may be.

    A worker checks many VCs: what the decision procedure keeps from one (desugared formulas,
    pysmt's shared terms and their z3 translations) serves the next ones.
    A process per VC took 30-40% longer (LastVoting's safety VCs one at a time: 5.2-5.9 s,
    against 3.6-4.2 s in one process)."""
    import multiprocessing
    from multiprocessing.connection import Connection, wait

    ctx = multiprocessing.get_context("fork")
    # the initiation VCs first (quick, and resting on nothing: the first result a person sees),
    # then a proof chain's: the generator lists them last, and their progress VCs (a good round's
    # whole relation) are often a model's longest (One-Third Rule's first step started last and
    # finished 0.3 s after every other VC)
    tiers = (frozenset(i for i, vc in enumerate(vcs) if vc.kind is VCKind.INITIATION),
             frozenset(i for i, vc in enumerate(vcs) if vc.liveness))
    pending = start_order(hints, optional, tiers)[::-1]
    idle: list[tuple[Connection[int | None, _Message], ForkProcess]] = []
    # conn -> (index, process, start)
    busy: dict[Connection[int | None, _Message], tuple[int, ForkProcess, float]] = {}
    workers = 0  # alive
    hard = hard_deadline(opts)

    def spawn() -> None:
        nonlocal workers
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker, daemon=True,
                           args=(child, cm, vcs, opts, hints, os.getpid()))
        with interrupt.deferred():  # started and known, or neither
            proc.start()
            idle.append((parent, proc))
            workers += 1
        child.close()

    def retire(conn: Connection[int | None, _Message], proc: ForkProcess) -> None:
        nonlocal workers
        proc.kill()
        proc.join()
        conn.close()
        workers -= 1

    # an interrupt is raised by interrupt.check() below, not wherever it lands (see there)
    with interrupt.polled():
        try:
            while pending or busy:
                while pending and workers < opts.jobs and len(idle) < len(pending):
                    spawn()
                while pending and idle:
                    worker, proc = idle.pop()
                    i = pending.pop()
                    try:
                        worker.send(i)
                    except OSError:  # it died while idle (killed from outside): another one
                        pending.append(i)
                        retire(worker, proc)
                        continue
                    busy[worker] = (i, proc, time.perf_counter())
                if not busy:
                    continue
                now = time.perf_counter()
                next_deadline = min(st + hard for _, _, st in busy.values())
                # short waits: an interrupt (only noted in this block) is acted on within 0.25 s
                ready = wait(list(busy), timeout=min(0.25, max(0.0, next_deadline - now)))
                interrupt.check()
                for conn in ready:
                    assert isinstance(conn, Connection)  # wait returns some of the pipes given
                    i, proc, st = busy.pop(conn)
                    msg: _Message
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):
                        proc.join()
                        msg = "last", (f"the process checking this VC died "
                                       f"(exit code {proc.exitcode}); out of memory?")
                    if msg[0] == "last":
                        retire(conn, proc)
                    else:
                        idle.append((conn, proc))
                    seconds = time.perf_counter() - st
                    yield i, msg[1] if msg[0] == "ok" else _failed(vcs[i], opts, msg[1], seconds)
                now = time.perf_counter()
                overdue = [(conn, v) for conn, v in busy.items() if now - v[2] > hard]
                for conn, (i, proc, st) in overdue:
                    del busy[conn]
                    retire(conn, proc)
                    yield i, _failed(vcs[i], opts,
                                     f"timed out: no answer after {hard:.0f} s", now - st)
                if (ready or overdue) and settled():
                    assert not ({i for i, _, _ in busy.values()} | set(pending)) - optional
                    return  # the finally clause stops the workers
        finally:
            for conn, proc in [*idle, *((c, p) for c, (_, p, _) in busy.items())]:
                proc.kill()
                proc.join()
                conn.close()


def check_compiled(cm: CompiledModel, file: str, opts: Options,
                   progress: Progress | None = None,
                   on_start: Callable[[list[str], bool], None] | None = None) -> ModelReport:
    """Check every (selected) VC of ``cm``; ``on_start`` is called first with the selected VCs'
    names and whether lemmas were brought along (reported only if a proof rests on them),
    ``progress`` with each result as it arrives (in completion order)."""
    from hoverify.engine.cache import ResultCache, vc_key
    from hoverify.engine.discharge import discharge

    start = time.perf_counter()
    every = generate(cm)
    chosen = [vc for vc in selected(every, opts.only)
              if opts.kinds == "all" or vc.liveness == (opts.kinds == "liveness")]
    vcs = with_lemmas(chosen, every)
    # the lemmas brought along only because a proof of a chosen VC may rest on them: checked
    # after the chosen ones (while they run, if a process is free), and reported only if a proof
    # the report gives does rest on them; once none waits for one, the others are dropped
    wanted = {vc.name for vc in chosen}
    optional = frozenset(i for i, vc in enumerate(vcs) if vc.name not in wanted)
    if on_start is not None and chosen:
        on_start([vc.name for vc in chosen], bool(optional))
    cache = ResultCache() if opts.cache else None
    texts: dict[Term, str] = {}  # the formulas printed for the keys
    # without a cache, each VC's key is made as its result arrives, while the others are being
    # checked (One-Third Rule's 18 keys took 31 ms, before the first VC started)
    keys: list[str | None] = [vc_key(vc, opts.backend, texts) if cache is not None else None
                              for vc in vcs]

    def key(i: int) -> str:
        k = keys[i]
        if k is None:
            k = keys[i] = vc_key(vcs[i], opts.backend, texts)
        return k
    hints: dict[str, Hint] = {}
    if opts.hints is not None:
        from hoverify.engine.hints import read_hints

        hints = read_hints(Path(opts.hints), file)
        if hints and not any(h.backend == opts.backend for h in hints.values()):
            import warnings

            recorded = ", ".join(sorted({h.backend for h in hints.values()}))
            warnings.warn(f"the proof hints for {file} in {opts.hints} were recorded with "
                          f"{recorded}, and --backend {opts.backend} uses none of them (a "
                          f"reduction that suits one solver may not suit another); record them "
                          f"with --backend {opts.backend}", RuntimeWarning, stacklevel=2)
    same_file = Path(file).resolve() == Path(cm.file).resolve()  # show the path as given
    results: dict[int, VCResult] = {}
    shown: set[int] = set()
    checked_again: set[int] = set()
    retry: list[int] = []  # proved from lemmas that are not all proved: checked again without
    todo: list[int] = []

    # the lemmas a proof that counts for nothing rested on (a VC checked again without them):
    # reported, since they are why its verdict is the one without lemmas
    voided: set[int] = set()

    def reported() -> list[int]:
        """The VCs the report is about: the chosen ones, and the lemmas their proofs rest on
        (:func:`proof_premises`, through the verdicts known so far) or rested on before they
        were checked again."""
        out = {i for i in range(len(vcs)) if i not in optional} | voided
        for i in list(out):
            out.update(proof_premises(vcs, results, i))
        return sorted(out)

    def settled() -> bool:
        """Whether every VC the report is about has a verdict: the optional lemmas still
        unchecked are then needed by no proof."""
        return all(i in results for i in reported())

    def show() -> None:
        """Report every result whose verdict is final: a VC proved from its round's lemmas (in
        a slice, or among its hypotheses: a lemma is proved from the lemmas before it) waits for
        the verdicts of the lemmas its proof used, and of those their proofs used in turn, and
        if one is not proved, is checked again without them."""
        for i in reported():
            if i in shown or i in retry or i not in results:
                continue
            r = results[i]
            premises = proof_premises(vcs, results, i)
            if any(d not in results for d in premises):
                continue  # the verdicts of the lemmas it was proved from are still to come
            if unproved_lemmas(r, [results[d] for d in premises]):
                retry.append(i)
                voided.update(premises)
                continue
            shown.add(i)
            if progress is not None:
                progress(results[i])

    for i, vc in enumerate(vcs):
        hit = cache.get(key(i), vc) if cache is not None else None
        if hit is not None:
            results[i] = replace(hit, file=file) if same_file else hit
        else:
            todo.append(i)
    show()

    def done(i: int, r: VCResult) -> None:
        r = replace(r, key=key(i), file=file) if same_file else replace(r, key=key(i))
        if i in checked_again:  # what the verdict is about (for --smtlib)
            r = replace(r, stats={**r.stats, "without_lemmas": True})
        results[i] = r
        if cache is not None:
            cache.put(r)
        show()

    def discharge_all(indices: list[int], batch: list[VC]) -> None:
        if not batch or settled():
            return
        if "fork" in _start_methods():
            _prepare_workers()
            # the objects made so far stay out of the VC processes' garbage collections, which
            # would otherwise touch (and so copy) every page inherited from this process: 4% of
            # LastVoting's safety check
            gc.freeze()
            try:
                spare = frozenset(j for j, i in enumerate(indices) if i in optional)
                for j, r in _isolated(cm, batch, opts, [hints.get(vc.name) for vc in batch],
                                      spare, settled):
                    done(indices[j], r)
            finally:
                gc.unfreeze()
        else:  # no fork (not POSIX): in this process, one at a time, the optional ones last
            for i, vc in sorted(zip(indices, batch), key=lambda p: p[0] in optional):
                if settled():
                    break
                done(i, discharge(cm, vc, opts.backend, opts.timeout, hint=hints.get(vc.name)))

    try:
        discharge_all(todo, [vcs[i] for i in todo])
        if retry:
            again, retry[:] = list(retry), []
            checked_again.update(again)
            for i in again:  # their first verdicts stand for nothing (nor hold back the others)
                del results[i]
                # from now on the VC is its form without lemmas (what its verdict is about; its own
                # key in the cache)
                vcs[i] = without_lemmas(vcs[i], vcs)
                keys[i] = None
            discharge_all(again, [vcs[i] for i in again])
        ordered = tuple(results[i] for i in reported())
        if opts.search and any(r.status is not Status.PROVED for r in ordered):
            from hoverify.engine.falsify import search

            found = search(cm.model, file)
            if found is not None:
                ordered += (found,)
                if progress is not None:
                    progress(found)
        return ModelReport(file, cm.model.__name__, ordered, time.perf_counter() - start)
    except KeyboardInterrupt as e:
        # the verdicts that are final, and every other VC as not checked (never a proof)
        def final(i: int) -> VCResult:
            if i in shown:
                return results[i]
            r = _failed(vcs[i], opts, NOT_CHECKED, 0.0)
            return replace(r, file=file) if same_file else r

        partial = tuple(final(i) for i in reported())
        raise Interrupted(ModelReport(file, cm.model.__name__, partial,
                                      time.perf_counter() - start)) from e


class Interrupted(KeyboardInterrupt):
    """An interrupt (Ctrl-C, SIGTERM) during :func:`check_compiled`, with the report so far:
    the VCs whose verdicts were final, and the others as ``unknown`` with the reason
    :data:`NOT_CHECKED`."""

    def __init__(self, report: ModelReport) -> None:
        super().__init__("interrupted")
        self.report = report


#: the reason of a VC that an interrupt left without a final verdict
NOT_CHECKED = "not checked: interrupted"


def _premise(vc: VC, lemma: VC) -> bool:
    """Whether ``lemma`` (a lemma's VC) is a premise of ``vc``: in its slice from its round's
    lemmas, or among its own hypotheses (a lemma is proved from the lemmas before it)."""
    if lemma.lemma_of is None or lemma.lemma_of != vc.round_name:
        return False
    return lemma.goal in vc.hypotheses or any(
        sl.label in FROM_LEMMAS and lemma.goal in sl.hypotheses for sl in vc.slices)


def _rests_on(vcs: list[VC], every: list[VC]) -> list[VC]:
    """The lemmas of ``every`` that the VCs ``vcs`` rest on, directly or through other
    lemmas."""
    found: dict[str, VC] = {}
    frontier = list(vcs)
    while frontier:
        new = [lm for lm in every if lm.name not in found and lm.lemma_of is not None
               and any(_premise(vc, lm) for vc in frontier)]
        found.update((lm.name, lm) for lm in new)
        frontier = new
    return list(found.values())


def with_lemmas(vcs: list[VC], every: list[VC]) -> list[VC]:
    """``vcs`` and, before them, the lemmas that some of them may be proved from, and those
    lemmas' own premises (a VC proved from lemmas is proved only if they are: see
    :func:`unproved_lemmas`)."""
    wanted = {vc.name for vc in vcs} | {lm.name for lm in _rests_on(vcs, every)}
    if len(wanted) == len(vcs):
        return vcs
    return [vc for vc in every if vc.name in wanted]


def without_lemmas(vc: VC, vcs: list[VC]) -> VC:
    """``vc`` without anything a proof of it could take from its round's lemmas (those of
    ``vcs``): no slices, and none of the lemmas among its hypotheses (a lemma's VC has the lemmas
    before it). Weaker premises: a proof of it proves ``vc``."""
    goals = {lm.goal for lm in vcs if lm.lemma_of is not None and lm.lemma_of == vc.round_name}
    return replace(vc, slices=(), hypotheses=tuple(h for h in vc.hypotheses if h not in goals))


def proof_premises(vcs: list[VC], results: Mapping[int, VCResult], i: int) -> list[int]:
    """The lemmas' VCs (indices) that the proof of VC ``i`` rests on, by the proofs found: the
    lemmas among the hypotheses it was proved from (the slice that proved it, else its own), and
    in turn those of each such lemma's proof (a lemma whose verdict is not known yet is among
    them, but not the lemmas its proof will use: the caller awaits its verdict). Within
    :func:`with_lemmas` (every lemma any proof of it could use)."""
    found: set[int] = set()
    frontier = [i]
    while frontier:
        k = frontier.pop()
        r = results.get(k)
        if r is None or r.status is not Status.PROVED:
            continue  # not a proof: it rests on nothing (and proves nothing)
        vc = vcs[k]
        label = r.stats.get("slice")
        used = next((sl.hypotheses for sl in vc.slices if sl.label == label), vc.hypotheses)
        for j, lm in enumerate(vcs):
            if (j not in found and lm.lemma_of is not None and lm.lemma_of == vc.round_name
                    and lm.goal in used):
                found.add(j)
                frontier.append(j)
    return sorted(found)


def unproved_lemmas(r: VCResult, lemmas: list[VCResult]) -> list[str]:
    """If ``r`` is a proof, those of ``lemmas`` (the lemmas it rests on, by
    :func:`proof_premises`) that are not proved, as ``"<name> is <verdict>"``: a lemma not
    proved proves nothing."""
    if r.status is not Status.PROVED:
        return []
    return [f"{lm.name} is {lm.verdict_text}" for lm in lemmas if lm.status is not Status.PROVED]


def _prepare_workers() -> None:
    """Do once, before the VCs' processes are forked, what each would otherwise do for itself:
    import the decision procedure and initialise pysmt and the solvers (their smoke tests). About
    0.3 s per VC otherwise, more than most LastVoting VCs take to decide."""
    import logic.decide  # noqa: F401
    import logic.decode  # noqa: F401
    import logic.reduce  # noqa: F401
    from logic.backends import available_backends

    available_backends()


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def model_files(paths: list[str]) -> list[Path]:
    """The model files named by ``paths``: files as given, folders' ``*.py`` files sorted
    (skipping ``__init__.py`` and private ``_*.py``)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.glob("*.py") if not f.name.startswith("_")))
        else:
            out.append(p)
    return out


__all__ = ["Options", "check_compiled", "model_files", "selected", "Interrupted", "NOT_CHECKED"]
