"""Checking models: VC generation, the cache, parallel discharge, one report per model."""

from __future__ import annotations

import functools
import gc
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from hoverify.compiler import CompiledModel
from hoverify.engine.pool import Source, Tasks, can_fork, failed, in_process, isolated
from hoverify.engine.results import ModelReport, Status, VCResult
from hoverify.engine.vcgen import FROM_LEMMAS, VC, VCKind, generate
from hoverify.selection import name_matches

if TYPE_CHECKING:
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


class _ModelCheck:
    """One model's check in progress: its VCs (the selected ones and the lemmas their proofs may
    rest on), the verdicts so far, the VCs proved from lemmas that were not all proved (checked
    again without them), and its report."""

    def __init__(self, cm: CompiledModel, file: str, opts: Options,
                 progress: Progress | None,
                 on_start: Callable[[list[str], bool], None] | None) -> None:
        from hoverify.engine.cache import ResultCache

        self.started_at = time.perf_counter()
        self.cm, self.file, self.opts, self.progress = cm, file, opts, progress
        every = generate(cm)
        chosen = [vc for vc in selected(every, opts.only)
                  if opts.kinds == "all" or vc.liveness == (opts.kinds == "liveness")]
        self.vcs = with_lemmas(chosen, every)
        # which VCs prove lemmas of which round: the same for the VCs checked again (without
        # lemmas, they prove what they proved)
        self._lemmas = lemma_index(self.vcs)
        # the lemmas brought along only because a proof of a chosen VC may rest on them: checked
        # after the chosen ones (while they run, if a process is free), and reported only if a
        # proof the report gives does rest on them; once none waits for one, the others are
        # dropped
        wanted = {vc.name for vc in chosen}
        self.optional = frozenset(i for i, vc in enumerate(self.vcs) if vc.name not in wanted)
        if on_start is not None and chosen:
            on_start([vc.name for vc in chosen], bool(self.optional))
        self.cache = ResultCache() if opts.cache else None
        self._texts: dict[Term, str] = {}  # the formulas printed for the keys
        # without a cache, each VC's key is made as its result arrives, while the others are
        # being checked (One-Third Rule's 18 keys took 31 ms, before the first VC started)
        self._keys: list[str | None] = [None] * len(self.vcs)
        found: dict[str, Hint] = {}
        if opts.hints is not None:
            from hoverify.engine.hints import read_hints

            found = read_hints(Path(opts.hints), file)
            if found and not any(h.backend == opts.backend for h in found.values()):
                import warnings

                recorded = ", ".join(sorted({h.backend for h in found.values()}))
                warnings.warn(f"the proof hints for {file} in {opts.hints} were recorded with "
                              f"{recorded}, and --backend {opts.backend} uses none of them (a "
                              f"reduction that suits one solver may not suit another); record "
                              f"them with --backend {opts.backend}", RuntimeWarning,
                              stacklevel=4)
        self.hints: list[Hint | None] = [found.get(vc.name) for vc in self.vcs]
        self._same_file = Path(file).resolve() == Path(cm.file).resolve()  # the path as given
        self.results: dict[int, VCResult] = {}
        self._shown: set[int] = set()
        self._checked_again: set[int] = set()
        self._retry: list[int] = []  # proved from lemmas not all proved: checked again without
        # the lemmas a proof that counts for nothing rested on (a VC checked again without
        # them): reported, since they are why its verdict is the one without lemmas
        self._voided: set[int] = set()
        self.todo: list[int] = []
        for i, vc in enumerate(self.vcs):
            hit = self.cache.get(self.key(i), vc) if self.cache is not None else None
            if hit is not None:
                self.results[i] = replace(hit, file=file) if self._same_file else hit
            else:
                self.todo.append(i)
        self._show()

    def key(self, i: int) -> str:
        from hoverify.engine.cache import vc_key

        k = self._keys[i]
        if k is None:
            k = self._keys[i] = vc_key(self.vcs[i], self.opts.backend, self._texts)
        return k

    @property
    def source(self) -> Source:
        return self.cm, self.vcs, self.hints

    def order(self) -> list[int]:
        """The VCs to check (:attr:`todo`) in the order to start them (:func:`start_order`)."""
        # the initiation VCs first (quick, and resting on nothing: the first result a person
        # sees), then a proof chain's: the generator lists them last, and their progress VCs (a
        # good round's whole relation) are often a model's longest (One-Third Rule's first step
        # started last and finished 0.3 s after every other VC)
        todo = self.todo
        tiers = (frozenset(j for j, i in enumerate(todo)
                           if self.vcs[i].kind is VCKind.INITIATION),
                 frozenset(j for j, i in enumerate(todo) if self.vcs[i].liveness))
        spare = frozenset(j for j, i in enumerate(todo) if i in self.optional)
        return [todo[j] for j in start_order([self.hints[i] for i in todo], spare, tiers)]

    def reported(self) -> list[int]:
        """The VCs the report is about: the chosen ones, and the lemmas their proofs rest on
        (:func:`proof_premises`, through the verdicts known so far) or rested on before they
        were checked again."""
        out = {i for i in range(len(self.vcs)) if i not in self.optional} | self._voided
        for i in list(out):
            out.update(proof_premises(self.vcs, self.results, i, self._lemmas))
        return sorted(out)

    def settled(self) -> bool:
        """Whether every VC the report is about has a verdict: the optional lemmas still
        unchecked are then needed by no proof."""
        return all(i in self.results for i in self.reported())

    def _show(self) -> None:
        """Report every result whose verdict is final: a VC proved from its round's lemmas (in
        a slice, or among its hypotheses: a lemma is proved from the lemmas before it) waits for
        the verdicts of the lemmas its proof used, and of those their proofs used in turn, and
        if one is not proved, is checked again without them."""
        for i in self.reported():
            if i in self._shown or i in self._retry or i not in self.results:
                continue
            r = self.results[i]
            premises = proof_premises(self.vcs, self.results, i, self._lemmas)
            if any(d not in self.results for d in premises):
                continue  # the verdicts of the lemmas it was proved from are still to come
            if unproved_lemmas(r, [self.results[d] for d in premises]):
                self._retry.append(i)
                self._voided.update(premises)
                continue
            self._shown.add(i)
            if self.progress is not None:
                self.progress(self.results[i])

    def done(self, i: int, r: VCResult) -> None:
        """VC ``i``'s result."""
        r = replace(r, key=self.key(i), file=self.file) if self._same_file else replace(
            r, key=self.key(i))
        if i in self._checked_again:  # what the verdict is about (for --smtlib)
            r = replace(r, stats={**r.stats, "without_lemmas": True})
        self.results[i] = r
        if self.cache is not None:
            self.cache.put(r)
        self._show()

    def again(self) -> list[int]:
        """The VCs to check again without the lemmas their proofs rested on (some not proved),
        once every VC checked has its result: their first verdicts stand for nothing (nor hold
        back the others), and from now on each is its form without lemmas (what its verdict is
        about; its own key in the cache)."""
        again, self._retry = self._retry, []
        self._checked_again.update(again)
        for i in again:
            del self.results[i]
            self.vcs[i] = without_lemmas(self.vcs[i], self.vcs)
            self._keys[i] = None
        return again

    def report(self) -> ModelReport:
        """The report, once every VC it is about has its final verdict; with the bounded search
        for a violation if one is not proved (and the search is on)."""
        ordered = tuple(self.results[i] for i in self.reported())
        if self.opts.search and any(r.status is not Status.PROVED for r in ordered):
            from hoverify.engine.falsify import search

            found = search(self.cm.model, self.file)
            if found is not None:
                ordered += (found,)
                if self.progress is not None:
                    self.progress(found)
        return ModelReport(self.file, self.cm.model.__name__, ordered,
                           time.perf_counter() - self.started_at)

    def partial(self) -> ModelReport:
        """The report after an interrupt: the verdicts that are final, and every other VC as
        not checked (never a proof)."""
        def final(i: int) -> VCResult:
            if i in self._shown:
                return self.results[i]
            r = failed(self.vcs[i], self.opts, NOT_CHECKED, 0.0)
            return replace(r, file=self.file) if self._same_file else r

        return ModelReport(self.file, self.cm.model.__name__,
                           tuple(final(i) for i in self.reported()),
                           time.perf_counter() - self.started_at)


def check_models(models: Sequence[tuple[CompiledModel | Callable[[], CompiledModel], str]],
                 opts: Options,
                 progress: Callable[[int, VCResult], None] | None = None,
                 on_start: Callable[[int, list[str], bool], None] | None = None,
                 on_report: Callable[[int, ModelReport], None] | None = None
                 ) -> list[ModelReport]:
    """Check every (selected) VC of each model (a compiled model, or a function that compiles
    it, and the path to show for it), with one pool of ``opts.jobs`` processes for them all: a
    model is compiled (if need be) and its VCs made and started while the last VCs of the model
    before it run. One report per model, in order. If a model cannot be compiled, its error is
    raised once the models before it are checked.

    The callbacks get the model's position: ``on_start`` its selected VCs' names and whether
    lemmas were brought along (reported only if a proof rests on them), before any VC is
    checked; ``progress`` each result whose verdict is final, as it arrives (in completion
    order); ``on_report`` its report, once complete (models may complete out of order).

    An interrupt raises :class:`Interrupted` with the reports so far (those of models not
    complete: their VCs without a final verdict ``unknown``, :data:`NOT_CHECKED`)."""
    checks: list[_ModelCheck] = []  # those made so far (their VCs generated), in order
    sources: list[Source] = []
    reports: dict[int, ModelReport] = {}
    tasks = Tasks()

    def advance(m: int) -> None:
        """Model ``m`` has nothing waiting or running: check again what must be, or report."""
        if tasks.left(m):
            return
        again = checks[m].again()
        if again:
            tasks.add(m, again, first=True)
            return
        reports[m] = checks[m].report()
        if on_report is not None:
            on_report(m, reports[m])

    failure: list[Exception] = []  # why the next model could not be compiled

    def refill() -> None:
        """Make the next models' checks until as many VCs wait as there are processes (called
        when fewer wait: while the last VCs of the model before run)."""
        while not failure and len(checks) < len(models) and tasks.waiting() < opts.jobs:
            m = len(checks)
            given, file = models[m]
            try:
                cm = given() if callable(given) else given
            except Exception as e:  # noqa: BLE001 - raised once the models before are done
                failure.append(e)
                return
            c = _ModelCheck(cm, file, opts,
                            None if progress is None else functools.partial(progress, m),
                            None if on_start is None else functools.partial(on_start, m))
            checks.append(c)
            sources.append(c.source)
            if not c.settled():
                tasks.add(m, c.order())
            advance(m)

    run = isolated if can_fork() else in_process
    try:
        for task, r in run(sources, opts, tasks, refill):
            c = checks[task.model]
            if r is not None:
                c.done(task.index, r)
                if c.settled():  # the optional lemmas left are needed by no proof
                    tasks.drop(task.model)
            advance(task.model)
        if failure:
            raise failure[0]
        return [reports[m] for m in range(len(models))]
    except KeyboardInterrupt as e:
        raise Interrupted(tuple(
            reports.get(m) or (c.partial() if c.results or tasks.started(m) else None)
            for m, c in enumerate(checks)) + (None,) * (len(models) - len(checks))) from e
    finally:
        gc.unfreeze()


def check_compiled(cm: CompiledModel, file: str, opts: Options,
                   progress: Progress | None = None,
                   on_start: Callable[[list[str], bool], None] | None = None) -> ModelReport:
    """Check every (selected) VC of ``cm`` (:func:`check_models` with one model); ``on_start``
    is called first with the selected VCs' names and whether lemmas were brought along
    (reported only if a proof rests on them), ``progress`` with each result whose verdict is
    final as it arrives (in completion order)."""
    (report,) = check_models(
        [(cm, file)], opts,
        None if progress is None else lambda _, r: progress(r),
        None if on_start is None else lambda _, names, premises: on_start(names, premises))
    return report


class Interrupted(KeyboardInterrupt):
    """An interrupt (Ctrl-C, SIGTERM) during :func:`check_models`, with one report per model
    (``None``: not started): those complete, and the others with the VCs whose verdicts were
    final and the others as ``unknown`` with the reason :data:`NOT_CHECKED`. ``report``: the
    last model's started (the one model's, from :func:`check_compiled`)."""

    def __init__(self, reports: tuple[ModelReport | None, ...]) -> None:
        super().__init__("interrupted")
        self.reports = reports

    @property
    def report(self) -> ModelReport:
        return [r for r in self.reports if r is not None][-1]


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


def lemma_index(vcs: list[VC]) -> dict[str, list[tuple[int, Term]]]:
    """The lemmas' VCs among ``vcs`` by the round they are about: their indices and goals."""
    out: dict[str, list[tuple[int, Term]]] = {}
    for j, lm in enumerate(vcs):
        if (rnd := lm.lemma_of) is not None:
            out.setdefault(rnd, []).append((j, lm.goal))
    return out


def proof_premises(vcs: list[VC], results: Mapping[int, VCResult], i: int,
                   lemmas: Mapping[str, list[tuple[int, Term]]] | None = None) -> list[int]:
    """The lemmas' VCs (indices) that the proof of VC ``i`` rests on, by the proofs found: the
    lemmas among the hypotheses it was proved from (the slice that proved it, else its own), and
    in turn those of each such lemma's proof (a lemma whose verdict is not known yet is among
    them, but not the lemmas its proof will use: the caller awaits its verdict). Within
    :func:`with_lemmas` (every lemma any proof of it could use). ``lemmas``: ``vcs``'s
    :func:`lemma_index`, if the caller keeps it."""
    if lemmas is None:
        lemmas = lemma_index(vcs)
    found: set[int] = set()
    frontier = [i]
    while frontier:
        k = frontier.pop()
        r = results.get(k)
        if r is None or r.status is not Status.PROVED:
            continue  # not a proof: it rests on nothing (and proves nothing)
        vc = vcs[k]
        if vc.round_name is None or vc.round_name not in lemmas:
            continue
        label = r.stats.get("slice")
        used = next((sl.hypotheses for sl in vc.slices if sl.label == label), vc.hypotheses)
        for j, goal in lemmas[vc.round_name]:
            if j not in found and goal in used:
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


__all__ = ["Options", "check_compiled", "check_models", "model_files", "selected", "Interrupted",
           "NOT_CHECKED"]
