"""What a person (or a CI system) reads: text reports, JSON, JUnit XML, SMT-LIB files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hoverify.cli import EXIT_OK, EXIT_REFUTED, EXIT_UNKNOWN
from hoverify.engine.results import (
    JSON_SCHEMA_VERSION,
    REFUTED_LABEL,
    ModelReport,
    Status,
    VCResult,
)

_COLORS = {Status.PROVED: "32", Status.UNKNOWN: "33", Status.ERROR: "35", Status.REFUTED: "31"}


def exit_code(reports: Sequence[ModelReport]) -> int:
    """0 all proved, 1 something refuted (confirmed), 2 something unknown or in error."""
    statuses = {r.status for m in reports for r in m.results}
    if Status.REFUTED in statuses:
        return EXIT_REFUTED
    if statuses & {Status.UNKNOWN, Status.ERROR}:
        return EXIT_UNKNOWN
    return EXIT_OK


def _label(r: VCResult) -> str:
    if r.status is Status.REFUTED:
        return REFUTED_LABEL[r.kind]
    return "proved" if r.status is Status.PROVED else str(r.status).upper()


def _paint(text: str, status: Status, color: bool) -> str:
    return f"\033[{_COLORS[status]}m{text}\033[0m" if color else text


def render_result(r: VCResult, color: bool = False) -> str:
    """One VC: the verdict line, then (unless proved) its diagnostics, indented."""
    cached = " (cached)" if r.cached else ""
    label = _paint(f"{_label(r):<14}", r.status, color)
    lines = [f"  {label} {r.name:<44} {r.seconds:7.2f}s  {r.backend}{cached}"]
    if r.status is Status.PROVED:
        return "\n".join(lines) + "\n"
    where = f"{r.file}:{r.target_line}" if r.target_line else r.file
    lines.append(f"      {where}: {r.target}: {r.verdict_text}")
    if r.round_name is not None:
        rwhere = f"{r.file}:{r.round_line}" if r.round_line else r.file
        lines.append(f"      {rwhere}: note: in round {r.round_name}")
    if r.reason:
        lines.append(f"      reason: {r.reason}")
    if r.counterexample is not None:
        lines.extend(f"      {line}".rstrip() for line in r.counterexample.text.splitlines())
    return "\n".join(lines) + "\n"


def render_model(report: ModelReport, color: bool = False) -> str:
    head = f"{report.file}: {report.model} ({len(report.results)} VCs)\n"
    return head + "".join(render_result(r, color) for r in report.results)


def _counts(reports: Sequence[ModelReport]) -> dict[Status, int]:
    return {s: sum(1 for m in reports for r in m.results if r.status is s) for s in Status}


def render_summary(reports: Sequence[ModelReport], seconds: float, color: bool = False) -> str:
    c = _counts(reports)
    total = sum(c.values())
    parts = [f"{c[Status.PROVED]} proved", f"{c[Status.REFUTED]} refuted",
             f"{c[Status.UNKNOWN]} unknown"]
    if c[Status.ERROR]:
        parts.append(f"{c[Status.ERROR]} in error")
    return f"{total} VCs: {', '.join(parts)} ({seconds:.2f} s)\n"


def json_report(reports: Sequence[ModelReport], seconds: float, code: int) -> dict[str, Any]:
    c = _counts(reports)
    return {
        "schema": "hoverify-check", "version": JSON_SCHEMA_VERSION,
        "exit_code": code, "seconds": round(seconds, 4),
        "summary": {str(s): c[s] for s in Status},
        "models": [m.to_json() for m in reports],
    }


def junit_xml(reports: Sequence[ModelReport]) -> str:
    """One ``testsuite`` per model, one ``testcase`` per VC: a refuted VC is a ``failure``, an
    unknown one an ``error`` (never a pass)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for m in reports:
        c = {s: sum(1 for r in m.results if r.status is s) for s in Status}
        out.append(f"  <testsuite name={quoteattr(m.model)} tests=\"{len(m.results)}\" "
                   f"failures=\"{c[Status.REFUTED]}\" "
                   f"errors=\"{c[Status.UNKNOWN] + c[Status.ERROR]}\" "
                   f"time=\"{m.seconds:.3f}\">")
        for r in m.results:
            attrs = (f"classname={quoteattr(m.file)} name={quoteattr(r.name)} "
                     f"time=\"{r.seconds:.3f}\"")
            if r.status is Status.PROVED:
                out.append(f"    <testcase {attrs}/>")
                continue
            tag = "failure" if r.status is Status.REFUTED else "error"
            body = render_result(r)
            out.append(f"    <testcase {attrs}>")
            out.append(f"      <{tag} message={quoteattr(r.verdict_text)}>{escape(body)}</{tag}>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def smtlib_file_name(vc_name: str) -> str:
    """The file name of a VC's (or a goal's) SMT-LIB script: its name with anything but letters,
    digits, ``_``, ``.`` and ``-`` replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", vc_name).strip("_") + ".smt2"


def write_smtlib(root: Path, model_path: Path, report: ModelReport) -> list[Path]:
    """Write the reduction of each VC as a standalone SMT-LIB script under
    ``root/<model file stem>/``: the reduction that decided it (its attempt, of the slice that
    proved it, of its form without lemmas if it was checked again so, before the triggered
    rounds if it was proved there), else the reduction at depth 1 with triggers. A proved VC's
    script is unsat, a refuted one's sat."""
    from hoverify.engine.runner import without_lemmas
    from hoverify.engine.vcgen import generate
    from hoverify.loader import load_and_compile
    from logic.decide import Attempt, reduction_of

    _, cm = load_and_compile(model_path)
    all_vcs = generate(cm)
    vcs = {vc.name: vc for vc in all_vcs}
    folder = root / model_path.stem
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for r in report.results:
        vc = vcs.get(r.name)
        if vc is None:
            continue
        if r.stats.get("without_lemmas"):
            vc = without_lemmas(vc, all_vcs)
        at = Attempt.from_label(str(r.stats.get("attempt", "depth 1, triggers")))
        label = r.stats.get("slice")
        formula = vc.slice_negation(str(label)) if label is not None else vc.negation
        red = reduction_of(formula, at, r.stats)
        path = folder / smtlib_file_name(r.name)
        path.write_text(red.smtlib(), encoding="utf-8")
        written.append(path)
    return written


__all__ = ["exit_code", "json_report", "junit_xml", "render_model", "render_result",
           "render_summary", "smtlib_file_name", "write_smtlib"]
