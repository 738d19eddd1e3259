"""Proof baselines for CI: ``--record DIR`` writes one file per model, ``--baseline DIR`` compares.

A baseline file ``DIR/<model file stem>.json`` lists each VC: name, content hash, status, backend
and time, and for a proved VC the query that proved it (the reduction's ``attempt`` label and the
``slice``, if any: the hints of :mod:`hoverify.engine.hints`). Comparing a run with it reports,
one line each,

* ``REGRESSION``: a VC the baseline has as proved that is not proved now (or no longer exists);
* ``slower``: a proved VC that took more than twice its baseline time (and at least 0.1 s more,
  so that noise on tiny times is not reported);
* ``changed``: a VC whose content hash differs (the model or hoverify changed it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hoverify.engine.results import ModelReport, Status, VCResult

BASELINE_VERSION = 1


def baseline_path(root: Path, model_file: str) -> Path:
    """The baseline file of the model file ``model_file`` in the folder ``root``."""
    return root / f"{Path(model_file).stem}.json"


def _entry(r: VCResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": r.name, "key": r.key, "status": str(r.status),
                             "backend": r.backend, "seconds": round(r.seconds, 4)}
    if r.status is Status.PROVED:  # how it was proved (a hint for the next run)
        entry.update({k: r.stats[k] for k in ("attempt", "slice", "exact_layers")
                      if k in r.stats})
    return entry


def record(root: Path, report: ModelReport) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "schema": "hoverify-baseline", "version": BASELINE_VERSION, "model": report.model,
        "file": Path(report.file).name,
        "vcs": [_entry(r) for r in report.results],
    }
    path = baseline_path(root, report.file)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path


def compare(root: Path, report: ModelReport) -> list[str]:
    path = baseline_path(root, report.file)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = {e["name"]: e for e in doc["vcs"]}
    except (OSError, ValueError, KeyError, TypeError) as err:
        return [f"REGRESSION {report.model}: no readable baseline at {path} ({err}); record one "
                f"with --record {root}"]
    now = {r.name: r for r in report.results}
    lines = []
    for name, e in entries.items():
        r = now.get(name)
        was_proved = e.get("status") == "proved"
        if r is None:
            if was_proved:
                lines.append(f"REGRESSION {report.model}: {name}: proved in the baseline, "
                             f"not checked now (removed, renamed, or excluded by --only)")
            continue
        if was_proved and r.status is not Status.PROVED:
            lines.append(f"REGRESSION {report.model}: {name}: proved in the baseline, "
                         f"{r.verdict_text} now")
        elif was_proved and not r.cached:
            before = float(e.get("seconds", 0.0))
            if r.seconds > 2 * before and r.seconds - before > 0.1:
                lines.append(f"slower {report.model}: {name}: {r.seconds:.2f} s, was "
                             f"{before:.2f} s ({r.seconds / max(before, 1e-6):.1f}x)")
        if e.get("key") and r.key and e["key"] != r.key:
            lines.append(f"changed {report.model}: {name}: its content hash differs from the "
                         f"baseline's")
    return lines


__all__ = ["BASELINE_VERSION", "baseline_path", "compare", "record"]
