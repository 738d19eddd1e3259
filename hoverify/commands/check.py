"""``hoverify check MODEL...``: prove a model's safety VCs (and ``FILE.hol`` problem files).

Arguments are model files (``.py``), folders (their ``*.py`` models) or problem files (``.hol``,
see :mod:`hoverify.commands.check_hol`). For each model: one line per VC with its verdict, time
and backend, the located diagnostics and the confirmed counterexample of each refuted VC, the
reason of each unknown one, then a summary.

Exit code: 0 every VC proved; 1 some VC refuted with a counterexample confirmed by running the
model's code; 2 some VC unknown (timeout, solver unknown, a reduction too large, a backend
disagreement) and none refuted; 3 input error. ``--baseline`` adds: a VC the baseline records as
proved and that is no longer proved is a failure (exit 2 unless something is refuted).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from hoverify.cli import EXIT_INPUT, EXIT_OK, EXIT_REFUTED, EXIT_UNKNOWN

if TYPE_CHECKING:
    from hoverify.compiler import CompiledModel
    from hoverify.engine.results import ModelReport

#: the most VCs checked in parallel without ``--jobs`` (each worker process may use up to 8 GiB)
MAX_DEFAULT_JOBS = 4


def default_jobs() -> int:
    """VCs checked in parallel by default: one per CPU this process may run on, at most
    :data:`MAX_DEFAULT_JOBS` (the output is in VC order whatever the number)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_JOBS, cpus))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="MODEL",
                   help="model files (.py), folders of models, or problem files (.hol)")
    p.add_argument("--backend", default="z3",
                   choices=("z3", "cvc5", "yices", "portfolio", "cross-check"),
                   help="SMT backend; portfolio: the first definitive answer of z3, cvc5, yices "
                        "wins; cross-check: all three must agree (default: z3)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per VC (default 30)")
    p.add_argument("--jobs", "-j", type=int, default=default_jobs(),
                   help=f"VCs checked in parallel (default: the CPUs this process may use, at "
                        f"most {MAX_DEFAULT_JOBS})")
    p.add_argument("--only", metavar="PATTERN",
                   help="only VCs (or goals) whose name matches PATTERN (glob or substring)")
    kinds = p.add_mutually_exclusive_group()
    kinds.add_argument("--safety-only", action="store_true", help="only the safety VCs")
    kinds.add_argument("--liveness-only", action="store_true",
                       help="only the liveness VCs (proof chains of the liveness goals)")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not fill the cache")
    p.add_argument("--no-search", action="store_true",
                   help="when a VC is not proved, skip the bounded search for a reachable "
                        "violation (running the model's code on small instances)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON report (schema 'hoverify-check', version 1) instead of text")
    p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report (a test case per VC)")
    p.add_argument("--smtlib", metavar="DIR",
                   help="write each reduced VC as DIR/<model>/<vc>.smt2 (each goal of a problem "
                        "file as DIR/<file>/<goal>.smt2)")
    p.add_argument("--record", metavar="DIR", help="write a proof baseline per model into DIR")
    p.add_argument("--baseline", metavar="DIR",
                   help="compare with the baselines in DIR: fail if a proved VC is no longer "
                        "proved, report VCs more than twice as slow")
    p.add_argument("--hints", metavar="DIR",
                   help="ask first, for each VC, the query that proved it in the baselines in DIR "
                        "(written by --record): faster re-checks in CI; verdicts unchanged")
    p.add_argument("--depth", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--encoding", default="auto", choices=("auto", "full", "sparse"),
                   help="Venn region encoding for problem files (default: auto)")
    p.add_argument("--show-reduction", action="store_true",
                   help="problem files: print each goal's reduction and instance log")


def run(args: argparse.Namespace) -> int:
    from hoverify.engine.runner import model_files

    hol = [f for f in args.files if f.endswith(".hol")]
    models = [f for f in args.files if not f.endswith(".hol")]
    if hol and models:
        print("error: give either problem files (.hol) or models, not both", file=sys.stderr)
        return EXIT_INPUT
    # an option that does not apply is an error, never ignored: a CI job that asks for a
    # baseline comparison or a report must not pass without one
    wrong = (_out_of_range(args)
             or _options_not_for(args, "problem files (.hol)" if hol else "model files")
             or _unwritable(args) or _unreadable(args))
    if wrong:
        print(f"error: {wrong}", file=sys.stderr)
        return EXIT_INPUT
    if hol:
        from hoverify.commands.check_hol import run as run_hol

        return run_hol(args, hol)
    files = model_files(models)
    if not files:
        print(f"error: no model files in {', '.join(models)}", file=sys.stderr)
        return EXIT_INPUT
    return _check_models(args, files)


def _check_models(args: argparse.Namespace, files: list[Path]) -> int:
    from hoverify.engine.render import exit_code, render_summary
    from hoverify.engine.runner import NOT_CHECKED, Interrupted, Options, check_models
    from hoverify.errors import HoverifyError
    from hoverify.loader import load_and_compile

    kinds = "safety" if args.safety_only else "liveness" if args.liveness_only else "all"
    opts = Options(backend=args.backend, timeout=args.timeout, jobs=args.jobs, only=args.only,
                   cache=not args.no_cache, kinds=kinds, search=not args.no_search,
                   hints=args.hints)
    out: TextIO = sys.stdout
    text = not args.json
    tty = out.isatty() and text
    start = time.perf_counter()
    streams: list[_Stream] = []
    done: dict[int, ModelReport] = {}
    shown = 0  # the streams finished, in order; the next one prints as results come

    def load(path: Path) -> Callable[[], CompiledModel]:
        def compiled() -> CompiledModel:
            """The model, compiled when its turn comes (while the VCs of the one before it are
            checked), and its stream."""
            cm: CompiledModel = load_and_compile(path)[1]
            if text:
                stream = _Stream(out, sys.stderr if tty else None, str(path), cm.model.__name__,
                                 tty, active=len(streams) == shown)
                streams.append(stream)
                if cm.liveness is not None and not args.safety_only:
                    for goal in cm.liveness.goals:
                        if not goal.steps:
                            stream.note(f"note: {path}: liveness goal {goal.name!r} has no "
                                        f"proof chain (progress): it is not checked")
            return cm
        return compiled

    def reported(m: int, report: ModelReport) -> None:
        nonlocal shown
        done[m] = report
        while shown in done and streams:
            streams[shown].finish(done[shown].results)
            shown += 1
            if shown < len(streams):
                streams[shown].activate()

    interrupted: str | None = None  # why the check stopped early
    not_started: list[str] = []
    reports: list[ModelReport]
    try:
        reports = check_models(
            [(load(path), str(path)) for path in files], opts,
            (lambda m, r: streams[m].result(r)) if text else None,
            (lambda m, names, premises: streams[m].start(names, premises)) if text else None,
            reported)
    except HoverifyError as e:  # a model that cannot be compiled: those before it are checked
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except Interrupted as e:
        reports = [r for r in e.reports if r is not None]
        for m, report in enumerate(e.reports):
            if report is not None and m < len(streams) and m >= shown:
                streams[m].activate()
                streams[m].interrupted(report.results)
        unchecked = [(report.file, sum(1 for r in report.results if r.reason == NOT_CHECKED))
                     for report in reports]
        which = " and ".join(f"{n} VCs of {file}" for file, n in unchecked if n)
        not_started = [str(path) for path, r in zip(files, e.reports) if r is None]
        noun = f"model file{'s' if len(not_started) != 1 else ''}"
        what = (f"{which} not checked" + (f", nor {len(not_started)} more {noun}"
                                          if not_started else "") if which
                else f"{len(not_started)} {noun} not checked")
        interrupted = (f"interrupted: {what}; they are reported as unknown, and no baseline was "
                       f"compared or recorded")
    for report in reports:
        if not report.results:
            why = (f"no VC of {report.model} matches --only {args.only!r}" if args.only else
                   f"{report.model} has no liveness VCs: give its liveness goals a proof chain "
                   f"(`progress = {{goal: [(good round, invariant), ...]}}`)"
                   if args.liveness_only else
                   f"{report.model} declares no safety properties and no invariants: there is "
                   f"nothing to prove; add `safety = {{...}}` and `invariants = [...]`")
            print(f"error: {report.file}: {why}", file=sys.stderr)
            return EXIT_INPUT
    code = exit_code(reports)
    if interrupted is not None:  # a refutation stands; anything else is not a result
        code = EXIT_REFUTED if code == EXIT_REFUTED else EXIT_UNKNOWN
    regressions: list[str] = []
    if args.baseline and interrupted is None:
        from hoverify.engine.baseline import compare

        for report in reports:
            regressions.extend(compare(Path(args.baseline), report))
        if any(r.startswith("REGRESSION") for r in regressions) and code == EXIT_OK:
            code = EXIT_UNKNOWN
    try:
        if args.record and interrupted is None:
            from hoverify.engine.baseline import record

            for report in reports:
                record(Path(args.record), report)
        if args.junit:
            from hoverify.engine.render import junit_xml

            Path(args.junit).write_text(junit_xml(reports), encoding="utf-8")
        if args.smtlib and interrupted is None:
            from hoverify.engine.render import write_smtlib

            for path, report in zip(files, reports, strict=True):
                write_smtlib(Path(args.smtlib), path, report)
    except OSError as e:  # checked before the run; the file system may still say no
        print(f"error: cannot write {e.filename or 'the files asked for'}: "
              f"{e.strerror or e}; the verdicts above stand, but the files asked for are "
              f"missing or incomplete", file=sys.stderr)
        return EXIT_INPUT
    total = time.perf_counter() - start
    if text:
        for line in regressions:
            out.write(line + "\n")
        out.write(render_summary(reports, total, color=tty))
    else:
        from hoverify.engine.render import json_report

        doc: dict[str, Any] = json_report(reports, total, code)
        doc["baseline"] = regressions
        doc["interrupted"] = interrupted is not None
        if interrupted is not None:  # the model files not even started
            doc["not_started"] = not_started
        json.dump(doc, out, indent=2)
        out.write("\n")
    if interrupted is not None:
        print(interrupted, file=sys.stderr)
    return code


def _out_of_range(args: argparse.Namespace) -> str | None:
    """What is wrong with the numbers given, if anything."""
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        return f"--timeout must be a positive, finite number of seconds, not {args.timeout}"
    if args.jobs < 1:
        return f"--jobs must be at least 1, not {args.jobs}"
    if args.depth is not None and args.depth < 0:
        return f"--depth must be at least 0, not {args.depth}"
    return None


def _unwritable(args: argparse.Namespace) -> str | None:
    """Why an output asked for could not be written, checked before the run (a long run whose
    report cannot be saved is time lost): a file option naming a folder, or in no folder; a
    folder option naming a file."""
    if args.junit:
        path = Path(args.junit)
        if path.is_dir():
            return f"--junit {args.junit} is a folder; expected a file name"
        if not path.parent.is_dir():
            return f"--junit {args.junit}: no folder {path.parent} to write it in"
    for flag, folder in (("--smtlib", args.smtlib), ("--record", args.record)):
        if folder:
            path = Path(folder)
            existing = next((p for p in (path, *path.parents) if p.exists()), None)
            if existing is not None and not existing.is_dir():
                return f"{flag} {folder}: {existing} is a file; expected a folder"
    return None


def _unreadable(args: argparse.Namespace) -> str | None:
    """Why an input folder asked for cannot be read, checked before the run."""
    if args.hints and not Path(args.hints).is_dir():
        return (f"--hints {args.hints}: no such folder; expected a folder of baselines written "
                f"by --record")
    return None


#: the options of ``check`` for one kind of input only: (flag, attribute, kind)
_ONE_KIND = (("--json", "json", "model files"), ("--junit", "junit", "model files"),
             ("--record", "record", "model files"), ("--baseline", "baseline", "model files"),
             ("--hints", "hints", "model files"),
             ("--safety-only", "safety_only", "model files"),
             ("--liveness-only", "liveness_only", "model files"),
             ("--no-search", "no_search", "model files"),
             ("--encoding", "encoding", "problem files (.hol)"),
             ("--depth", "depth", "problem files (.hol)"),
             ("--show-reduction", "show_reduction", "problem files (.hol)"))


def _given(value: object) -> bool:
    """Whether an option's value is not its default (``None``, ``False`` or ``auto``; a depth
    of 0 is given, though ``0 == False``)."""
    return value is not None and value is not False and value != "auto"


def _options_not_for(args: argparse.Namespace, kind: str) -> str | None:
    """What is wrong if options for the other kind of input were given with ``kind``."""
    given = [(flag, other) for flag, attr, other in _ONE_KIND
             if other != kind and _given(getattr(args, attr))]
    if not given:
        return None
    flags = ", ".join(flag for flag, _ in given)
    return (f"{flags} {'is' if len(given) == 1 else 'are'} for {given[0][1]}, not for "
            f"{kind}; leave {'it' if len(given) == 1 else 'them'} out")


class _Stream:
    """Prints a model's VC lines as soon as they are known, in VC order (results arrive in
    completion order); on a terminal, a transient status line on ``status``. Until it is
    :meth:`activate`-d (the models before it are done: their VCs are checked at the same time),
    it keeps what it would print."""

    def __init__(self, out: TextIO, status: TextIO | None, file: str, model: str,
                 color: bool, active: bool = True) -> None:
        self.file, self.model, self.color = file, model, color
        self._out, self._status = out, status
        self.out: TextIO = out if active else io.StringIO()
        self.status = status if active else None
        self.names: list[str] = []
        self.waiting: dict[str, Any] = {}
        self.next = 0
        self.count = 0

    def activate(self) -> None:
        """Print what was kept, and from now on print as results come."""
        if self.out is not self._out:
            kept = self.out.getvalue() if isinstance(self.out, io.StringIO) else ""
            self.out, self.status = self._out, self._status
            self.out.write(kept)
            self.out.flush()

    def note(self, line: str) -> None:
        self.out.write(line + "\n")

    def start(self, names: list[str], premises: bool = False) -> None:
        """The header: the selected VCs (``premises``: and the lemmas their proofs rest on,
        printed as they come)."""
        self.names = names
        count = f"{len(names)} VC{'' if len(names) == 1 else 's'}"
        if premises:
            whose = "its proof rests" if len(names) == 1 else "their proofs rest"
            count += f", with the lemmas {whose} on"
        self.out.write(f"{self.file}: {self.model} ({count})\n")
        self.out.flush()

    def result(self, r: Any) -> None:
        from hoverify.engine.render import render_result

        self.count += 1
        self.clear()
        if r.name not in self.names[self.next:]:
            self.out.write(render_result(r, self.color))  # not a VC: the bounded search
        else:
            self.waiting[r.name] = r
            while self.next < len(self.names) and self.names[self.next] in self.waiting:
                self.out.write(render_result(self.waiting.pop(self.names[self.next]),
                                             self.color))
                self.next += 1
        self.out.flush()
        if self.status is not None and self.next < len(self.names):
            self.status.write(f"  [{self.count}/{len(self.names)}] "
                              f"{self.names[self.next]} ...")
            self.status.flush()

    def clear(self) -> None:
        if self.status is not None:
            self.status.write("\r\033[K")
            self.status.flush()

    def interrupted(self, results: Sequence[Any]) -> None:
        """After an interrupt, the lines still owed from the partial report's ``results``: the
        verdicts, and a one-line ``not checked`` for each VC the interrupt left without one."""
        from hoverify.engine.render import render_result
        from hoverify.engine.runner import NOT_CHECKED

        self.clear()
        final = {r.name: r for r in results}
        for name in self.names[self.next:]:
            r = final.get(name)
            if r is None or r.reason == NOT_CHECKED:
                self.out.write(f"  {'not checked':<14} {name}\n")
            else:
                self.out.write(render_result(r, self.color))
        self.next = len(self.names)
        self.out.flush()

    def finish(self, results: Sequence[Any]) -> None:
        """Print the lines still owed, from the report's ``results``: the report is the
        verdict, and no VC of it goes unprinted even if its progress never came."""
        from hoverify.engine.render import render_result

        self.clear()
        final = {r.name: r for r in results}
        for name in self.names[self.next:]:
            r = final.get(name, self.waiting.get(name))
            if r is not None:
                self.out.write(render_result(r, self.color))
        self.next = len(self.names)
        self.out.flush()


__all__ = ["add_arguments", "run", "EXIT_OK", "EXIT_REFUTED", "EXIT_UNKNOWN", "EXIT_INPUT"]
