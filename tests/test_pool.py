"""One pool of VC processes for every model of a check (:mod:`hoverify.engine.pool`): the task
queue's order and epochs, several models through one pool (each VC checked by a worker that
knows it, the reports in order), and the command's output for several models, each model's
lines together under its header although their VCs are checked at the same time."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoverify.engine.pool import Tasks
from hoverify.engine.results import Status, VCResult
from hoverify.engine.runner import Options, check_models
from hoverify.loader import load_and_compile

ROOT = Path(__file__).resolve().parent.parent
PROVED = "tests/engine_models/flood_max.py"


def _take(tasks: Tasks) -> list[tuple[int, int, int]]:
    out = []
    while tasks.waiting():
        t = tasks.pop()
        out.append((t.model, t.index, t.epoch))
    return out


def test_tasks_start_in_order_and_each_addition_opens_an_epoch() -> None:
    tasks = Tasks()
    tasks.add(0, [2, 0, 1])
    tasks.add(1, [0, 1])
    tasks.add(0, [5], first=True)  # checked again: before anything waiting
    assert tasks.epoch == 3
    assert _take(tasks) == [(0, 5, 3), (0, 2, 1), (0, 0, 1), (0, 1, 1), (1, 0, 2), (1, 1, 2)]


def test_dropping_a_model_keeps_the_others_and_counts_what_is_left() -> None:
    tasks = Tasks()
    tasks.add(0, [0, 1, 2])
    tasks.add(1, [0])
    first = tasks.pop()
    assert (first.model, first.index) == (0, 0)
    assert tasks.left(0) == 3 and tasks.started(0) and not tasks.started(1)
    assert tasks.drop(0) == [1, 2]
    assert tasks.dropped(first) and tasks.left(0) == 1  # still running: the pool stops it
    tasks.finish(first)
    assert tasks.left(0) == 0 and tasks.left(1) == 1
    assert _take(tasks) == [(1, 0, 2)]
    tasks.add(0, [1], first=True)  # a model checked again is no longer dropped
    assert not tasks.dropped(first)


def test_models_share_one_worker_and_each_vc_goes_to_a_worker_that_knows_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With one job, one worker would take the second model's VCs if epochs were ignored: it was
    forked before that model's VCs existed, and would fail on every one of them."""
    monkeypatch.chdir(ROOT)
    models = [(load_and_compile(p)[1], p) for p in (PROVED, PROVED)]
    progress: list[tuple[int, VCResult]] = []
    started: list[tuple[int, list[str]]] = []
    done: list[int] = []
    reports = check_models(models, Options(cache=False, jobs=1),
                           lambda m, r: progress.append((m, r)),
                           lambda m, names, _: started.append((m, names)),
                           lambda m, _: done.append(m))
    assert [r.file for r in reports] == [PROVED, PROVED]
    assert done == [0, 1] and [m for m, _ in started] == [0, 1]
    for m, report in enumerate(reports):
        assert report.results and all(r.status is Status.PROVED for r in report.results), [
            (r.name, r.reason) for r in report.results]
        assert sorted(r.name for k, r in progress if k == m) == sorted(
            r.name for r in report.results) == sorted(started[m][1])


def test_a_worker_past_its_memory_mark_collects_and_goes_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers collect no garbage until they have grown past ``COLLECT_ABOVE``, then collect
    once and as Python does by default: with the mark at 0 that happens before the first VC, and
    every VC still gets its verdict (a fault there would end the worker: unknown verdicts)."""
    from hoverify.engine import pool

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(pool, "COLLECT_ABOVE", 0)  # seen by the forked workers
    (report,) = check_models([(load_and_compile(PROVED)[1], PROVED)],
                             Options(cache=False, jobs=2, search=False))
    assert len(report.results) == 5
    assert all(r.status is Status.PROVED for r in report.results), [
        (r.name, r.reason) for r in report.results]
