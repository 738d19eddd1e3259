"""Jupyter display of the proof engine's values: HTML tables of reports and VCs, LaTeX formulas.

* :class:`~hoverify.engine.results.ModelReport` and :class:`~hoverify.engine.results.VCResult`
  display as HTML tables (their ``_repr_html_`` delegates to :func:`report_html` and
  :func:`result_html`): VC name, verdict (coloured), time, backend, reason; a refuted VC shows
  its confirmed counterexample in a ``<pre>`` block.
* :class:`Formula` wraps a term of :mod:`logic` and displays it as LaTeX.
* :func:`show_vcs` lists the VCs of a model (name, kind, goal as LaTeX) without discharging them.

Everything here is plain string building: importing this module imports nothing heavy (the
compiler, the VC generator and the printer are imported when first needed).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hoverify.engine.results import ModelReport, VCResult
    from logic.terms import Term

#: verdict colours (by ``str(Status)``), readable on light and dark notebook themes
COLORS = {"proved": "#1a7f37", "unknown": "#9a6700", "error": "#8250df", "refuted": "#cf222e"}

_TABLE = '<table class="hoverify" style="border-collapse: collapse; text-align: left">'
_CELL = 'style="text-align: left; vertical-align: top; padding: 2px 8px"'


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _vcs(count: int) -> str:
    return f"{count} VC" if count == 1 else f"{count} VCs"


def _th(*names: str) -> str:
    return "<tr>" + "".join(f"<th {_CELL}>{_e(n)}</th>" for n in names) + "</tr>"


def _verdict(r: VCResult) -> str:
    key = str(r.status)
    color = COLORS.get(key, "inherit")
    return f'<span style="color: {color}; font-weight: bold">{_e(r.verdict_text)}</span>'


def _where(r: VCResult) -> str:
    where = f"{r.file}:{r.target_line}" if r.target_line else r.file
    text = f"{r.target} ({where})"
    if r.round_name is not None:
        text += f"; round {r.round_name}" + (f" (line {r.round_line})" if r.round_line else "")
    return text


_RESULT_HEAD = ("VC", "verdict", "time", "backend", "reason")


def _result_rows(r: VCResult) -> str:
    cached = " (cached)" if r.cached else ""
    cells = [
        f'<code title="{_e(_where(r))}">{_e(r.name)}</code>',
        _verdict(r),
        f"{r.seconds:.2f}&nbsp;s",
        _e(r.backend + cached),
        _e(r.reason or ""),
    ]
    out = "<tr>" + "".join(f"<td {_CELL}>{c}</td>" for c in cells) + "</tr>"
    if r.counterexample is not None:
        out += (f'<tr><td {_CELL} colspan="{len(_RESULT_HEAD)}">'
                f"<details open><summary>counterexample ({_e(_where(r))})</summary>"
                f'<pre style="text-align: left">{_e(r.counterexample.text)}</pre>'
                "</details></td></tr>")
    return out


def results_table(results: Sequence[VCResult]) -> str:
    """An HTML table of ``results``, one row per VC (and one more per counterexample)."""
    rows = "".join(_result_rows(r) for r in results)
    return f"{_TABLE}{_th(*_RESULT_HEAD)}{rows}</table>"


def result_html(r: VCResult) -> str:
    """``VCResult._repr_html_``: a one-VC table."""
    return results_table([r])


def report_html(report: ModelReport) -> str:
    """``ModelReport._repr_html_``: a heading (model, file, counts, time), then the VC table."""
    counts: dict[str, int] = {}
    for r in report.results:
        counts[str(r.status)] = counts.get(str(r.status), 0) + 1
    summary = ", ".join(f'<span style="color: {COLORS.get(k, "inherit")}">{v} {_e(k)}</span>'
                        for k, v in counts.items())
    head = (f"<p><b>{_e(report.model)}</b> <code>{_e(report.file)}</code>: "
            f"{_vcs(len(report.results))}"
            + (f" ({summary})" if summary else "")
            + f", {report.seconds:.2f}&nbsp;s</p>")
    if report.error is not None:
        head += f'<pre style="color: {COLORS["refuted"]}">{_e(report.error)}</pre>'
    return head + results_table(report.results)


class Formula:
    """A formula (a :class:`logic.terms.Term`) that displays as LaTeX in Jupyter."""

    def __init__(self, term: Term) -> None:
        self.term = term

    @property
    def latex(self) -> str:
        """The formula as LaTeX math, without the surrounding ``$``."""
        from logic.printer import to_latex

        return to_latex(self.term)

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"

    def __str__(self) -> str:
        from logic.printer import to_text

        return to_text(self.term, unicode=True)

    def __repr__(self) -> str:
        return f"Formula({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Formula) and other.term is self.term

    def __hash__(self) -> int:
        return hash(self.term)


@dataclass(frozen=True)
class VCRow:
    """One VC as :func:`show_vcs` lists it."""

    name: str
    kind: str
    target: str
    line: int | None
    round: str | None
    goal: Formula


class VCTable:
    """The VCs of a model, displayable as an HTML table with the goals in LaTeX."""

    def __init__(self, model: str, file: str, rows: Sequence[VCRow]) -> None:
        self.model = model
        self.file = file
        self.rows = tuple(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[VCRow]:
        return iter(self.rows)

    @property
    def names(self) -> list[str]:
        return [row.name for row in self.rows]

    def _repr_html_(self) -> str:
        body = "".join(
            "<tr>"
            f"<td {_CELL}><code>{_e(row.name)}</code></td>"
            f"<td {_CELL}>{_e(row.kind)}</td>"
            f"<td {_CELL}>{_e(row.target)}"
            + (f" (line {row.line})" if row.line else "") + "</td>"
            f"<td {_CELL}>${_e(row.goal.latex)}$</td>"
            "</tr>"
            for row in self.rows)
        head = (f"<p><b>{_e(self.model)}</b> <code>{_e(self.file)}</code>: "
                f"{_vcs(len(self.rows))} (goals over the post-state are primed)</p>")
        return f"{head}{_TABLE}{_th('VC', 'kind', 'about', 'goal')}{body}</table>"

    def __repr__(self) -> str:
        width = max((len(r.name) for r in self.rows), default=2)
        lines = [f"{self.model} ({self.file}): {_vcs(len(self.rows))}"]
        lines += [f"  {r.name:<{width}}  {r.kind:<22}  {r.goal}" for r in self.rows]
        return "\n".join(lines)


def show_vcs(model: Any) -> VCTable:
    """The VCs of ``model`` (an ``Algorithm`` subclass, the path of a model file, or a compiled
    model): name, kind and goal, displayable in Jupyter. Nothing is discharged."""
    from hoverify.compiler import CompiledModel, compile_model
    from hoverify.engine.vcgen import generate

    if isinstance(model, CompiledModel):
        cm = model
    elif isinstance(model, (str, Path)):
        from hoverify.loader import load_and_compile

        _, cm = load_and_compile(model)
    else:
        cm = compile_model(model)
    vcs = generate(cm)
    file = vcs[0].file if vcs else (cm.rounds[0].file if cm.rounds else "<model>")
    rows = [VCRow(vc.name, vc.kind.value, vc.target, vc.target_line, vc.round_name,
                  Formula(vc.goal)) for vc in vcs]
    return VCTable(cm.model.__name__, file, rows)


__all__ = ["COLORS", "Formula", "VCRow", "VCTable", "report_html", "result_html",
           "results_table", "show_vcs"]
