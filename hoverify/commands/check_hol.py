"""``hoverify check FILE.hol...``: decide the goals of cardinality-logic problem files.

Each goal is a claim: ``prove`` (the formula is valid), ``unsat`` or ``sat``. One line per goal
with its verdict, time and backend, then a summary. A refuted claim shows the validated
counter-model. Exit code: 0 every claim established, 1 some claim refuted, 2 some claim undecided
(unknown, timeout, solver error) and none refuted, 3 input error.

Model files (``.py``) are checked by the proof engine: :mod:`hoverify.commands.check`.
"""

from __future__ import annotations

import argparse
import enum
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoverify.cli import EXIT_INPUT, EXIT_OK, EXIT_REFUTED, EXIT_UNKNOWN
from hoverify.selection import name_matches


class Outcome(enum.IntEnum):
    ESTABLISHED = 0
    UNKNOWN = 1
    REFUTED = 2


@dataclass(frozen=True)
class GoalReport:
    source: str
    line: int
    kind: str
    name: str
    outcome: Outcome
    answer: str
    seconds: float
    backend: str
    detail: str


def _color(text: str, code: str) -> str:
    if sys.stdout.isatty():
        return f"\033[{code}m{text}\033[0m"
    return text


_LABEL = {Outcome.ESTABLISHED: ("proved", "32"), Outcome.REFUTED: ("REFUTED", "31"),
          Outcome.UNKNOWN: ("unknown", "33")}


def _write_smtlib(root: Path, source: str, goal: str, res: Any) -> None:
    """The reduction that decided the goal as ``root/<file stem>/<goal>.smt2`` (unsat for a
    proved ``prove`` or ``unsat`` goal, sat for an established ``sat`` goal); a note on stderr if
    there is none (the reduction itself failed)."""
    from hoverify.engine.render import smtlib_file_name

    if res.reduction is None:
        print(f"note: {source}: {goal}: no SMT-LIB script, there is no reduction "
              f"({res.reason})", file=sys.stderr)
        return
    folder = root / Path(source).stem
    folder.mkdir(parents=True, exist_ok=True)
    (folder / smtlib_file_name(goal)).write_text(res.reduction.smtlib(), encoding="utf-8")


def run(args: argparse.Namespace, files: list[str]) -> int:
    from logic import LogicError, check
    from logic.parser import parse_problem
    from logic.result import Answer
    from logic.terms import Not

    problems = []
    if args.backend not in ("z3", "cvc5", "yices"):
        print(f"error: --backend {args.backend} is for model files; problem files (.hol) take "
              f"z3, cvc5 or yices", file=sys.stderr)
        return EXIT_INPUT
    for name in files:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            print(f"error: cannot read {name}: {e}", file=sys.stderr)
            return EXIT_INPUT
        try:
            problems.append((name, parse_problem(text, source=name)))
        except LogicError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_INPUT
    # as with models, a pattern that selects nothing in a file is an input error (a typo must
    # not pass as "0 goals: 0 established")
    for name, problem in problems:
        if args.only and not any(name_matches(g.name, args.only) for g in problem.goals):
            print(f"error: {name}: no goal matches --only {args.only!r}", file=sys.stderr)
            return EXIT_INPUT
    reports: list[GoalReport] = []
    start = time.perf_counter()
    for name, problem in problems:
        print(name)
        for goal in problem.goals:
            if args.only and not name_matches(goal.name, args.only):
                continue
            formula = Not(goal.formula) if goal.kind == "prove" else goal.formula
            try:
                res = check(formula, backend=args.backend, timeout=args.timeout,
                            depth=args.depth, encoding=args.encoding, small_model=True)
            except LogicError as e:
                print(f"error: {e}", file=sys.stderr)
                return EXIT_INPUT
            expected = Answer.SAT if goal.kind == "sat" else Answer.UNSAT
            if res.answer is Answer.UNKNOWN:
                outcome, detail = Outcome.UNKNOWN, res.reason or ""
            elif res.answer is expected:
                outcome = Outcome.ESTABLISHED
                detail = res.model.describe() if res.model is not None else ""
            else:
                outcome = Outcome.REFUTED
                detail = (res.model.describe() if res.model is not None
                          else "the formula is unsatisfiable")
            report = GoalReport(name, goal.location.line, goal.kind, goal.name, outcome,
                                str(res.answer), res.seconds, res.backend, detail)
            reports.append(report)
            label, code = _LABEL[outcome]
            if goal.kind == "sat" and outcome is Outcome.ESTABLISHED:
                label = "sat"
            print(f"  {_color(f'{label:<8}', code)} {goal.kind:<6} {goal.name:<32} "
                  f"{res.seconds:7.3f}s  {res.backend}")
            if outcome is not Outcome.ESTABLISHED or (goal.kind == "sat" and detail):
                for line in detail.splitlines():
                    print(f"      {line}")
                if outcome is Outcome.REFUTED:
                    print(f"      at {goal.location}")
            if args.smtlib:
                try:
                    _write_smtlib(Path(args.smtlib), name, goal.name, res)
                except OSError as e:
                    print(f"error: cannot write {e.filename or 'the SMT-LIB scripts'}: "
                          f"{e.strerror or e}", file=sys.stderr)
                    return EXIT_INPUT
            if args.show_reduction and res.reduction is not None:
                for line in res.reduction.describe().splitlines():
                    print(f"      | {line}")
                for line in res.reduction.instance_log().splitlines():
                    print(f"      | {line}")
    counts = {o: sum(1 for r in reports if r.outcome is o) for o in Outcome}
    total = time.perf_counter() - start
    print(f"{len(reports)} goals: {counts[Outcome.ESTABLISHED]} established, "
          f"{counts[Outcome.REFUTED]} refuted, {counts[Outcome.UNKNOWN]} unknown "
          f"({total:.2f} s)")
    if counts[Outcome.REFUTED]:
        return EXIT_REFUTED
    if counts[Outcome.UNKNOWN]:
        return EXIT_UNKNOWN
    return EXIT_OK
