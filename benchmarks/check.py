"""Benchmark of the proof engine: ``python benchmarks/check.py [--runs 5] [--models ...]``.

For every model and backend: the medians over ``--runs`` cold-cache runs of ``hoverify.check(path,
backend=b, cache=False, kinds=..., jobs=...)`` for the safety VCs and for the liveness VCs (proof
chains) separately, with ``--jobs`` VCs in parallel (by default as many as ``hoverify check`` runs:
one per usable CPU, at most 4), timed end to end in this process (VC generation, reduction,
solving, replay, the bounded search), the verdicts, the number of VCs and the largest reduced VC
(by set atoms, then regions, then quantifier instances, from the results' ``stats``). Then, per
model (first backend), the warm-cache time: a run that fills a fresh cache directory, then the
timed run that reads it (``unknown`` is never cached, so a model with unknown VCs stays slow warm).
Then, over ``--folder-runs`` runs, the time to check every VC of every model, kind ``all``, in
one check with one pool of processes (what ``hoverify check models/ --no-cache`` does, in this
process; the sum of the safety and liveness medians counts twice the round lemmas both rest on),
against one check per model in the same runs, with the median of each model's check (what
``hoverify check models/NAME.py --no-cache`` costs). Then the time
from the start of ``hoverify check models/lastvoting.py`` (a new process) to its first VC line on
stdout. With ``--hints DIR`` (baselines, e.g. ``proofs/``), also per model and
backend the medians of a cold check of all VCs at once with and without those hints, the two
runs interleaved (:mod:`hoverify.engine.hints`: what a CI re-check costs). The LastVoting cold
median (z3) is printed last.

With ``--z3-seeds S...``, cold run k sets z3's random seed to ``S[k mod len(S)]`` (z3's time on a
few VCs varies tenfold from one seed to another: a median over runs with one seed measures its
luck on them, and any change to the code can move a VC from one side of its luck to the other).

The user's cache is never touched: every run uses ``cache=False`` or a temporary
``HOVERIFY_CACHE_DIR``.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
VC_LINE = re.compile(r"^  \S.*\s\d+\.\d+s\s")


@dataclass
class Row:
    model: str
    backend: str
    times: list[float] = field(default_factory=list)       # safety
    live_times: list[float] = field(default_factory=list)  # liveness
    vcs: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    largest: tuple[int, int, int] = (0, 0, 0)
    largest_vc: str = ""
    warm: float | None = None
    # cold, all VCs in one check: (without hints, with hints), interleaved runs
    plain_all: list[float] = field(default_factory=list)
    hinted_all: list[float] = field(default_factory=list)

    @property
    def safety(self) -> float:
        return statistics.median(self.times) if self.times else 0.0

    @property
    def liveness(self) -> float:
        return statistics.median(self.live_times) if self.live_times else 0.0

    @property
    def median(self) -> float:
        """Safety plus liveness."""
        return self.safety + self.liveness


def _largest(results: Any) -> tuple[tuple[int, int, int], str]:
    best, name = (0, 0, 0), ""
    for r in results:
        st = r.stats or {}
        size = (int(st.get("set_atoms", 0)), int(st.get("regions", 0)),
                int(st.get("instances", 0)))
        if size > best:
            best, name = size, r.name
    return best, name


def _model_paths(names: list[str] | None) -> list[Path]:
    if not names:
        return sorted(p for p in MODELS.glob("*.py") if not p.name.startswith("_"))
    out = []
    for name in names:
        p = Path(name)
        out.append(p if p.suffix == ".py" else MODELS / f"{name}.py")
    return out


def _z3_seed(seed: int) -> None:
    """z3's random seed (``smt.random_seed``, a global parameter: the VC processes, forked from
    this one, inherit it)."""
    import z3

    z3.set_param("smt.random_seed", seed)


def _cold(path: Path, backend: str, timeout: float, runs: int, kinds: str, jobs: int,
          seeds: list[int]) -> Row:
    import hoverify
    from hoverify.engine.vcgen import generate
    from hoverify.loader import load_and_compile

    _, cm = load_and_compile(path)
    has_liveness = any(vc.kind.liveness for vc in generate(cm))
    row = Row(path.stem, backend)
    for k in range(runs):
        if seeds:
            _z3_seed(seeds[k % len(seeds)])
        results = []
        if kinds != "liveness":
            start = time.perf_counter()
            report = hoverify.check(path, backend=backend, timeout=timeout, cache=False,
                                    kinds="safety", jobs=jobs)
            row.times.append(time.perf_counter() - start)
            results += report.results
        if has_liveness and kinds != "safety":
            start = time.perf_counter()
            live = hoverify.check(path, backend=backend, timeout=timeout, cache=False,
                                  kinds="liveness", jobs=jobs)
            row.live_times.append(time.perf_counter() - start)
            results += live.results
    if seeds:
        _z3_seed(0)  # z3's default, for what follows
    row.vcs = sum(1 for r in results if r.backend != "explorer")
    row.verdicts = Counter(str(r.status) for r in results)
    row.largest, row.largest_vc = _largest(results)
    return row


def _folder(paths: list[Path], backend: str, timeout: float, runs: int, jobs: int,
            seeds: list[int]) -> tuple[list[float], list[float], dict[str, list[float]]]:
    """Per run, the seconds to check every VC of every model, loading included: all of them in
    one check, one pool of processes for every model (what ``hoverify check models/
    --no-cache`` does, without starting a process); then, in the same run, one check per model
    as ``hoverify.check`` does (a pool each: the baseline), and each model's time in it (what
    ``hoverify check models/NAME.py --no-cache`` costs). The safety and liveness columns check a
    round's lemmas twice when both rest on them, these once."""
    import hoverify
    from hoverify.engine.runner import Options, check_models

    together, apart = [], []
    each: dict[str, list[float]] = {path.stem: [] for path in paths}
    opts = Options(backend=backend, timeout=timeout, cache=False, jobs=jobs)
    for k in range(runs):
        if seeds:
            _z3_seed(seeds[k % len(seeds)])
        start = time.perf_counter()
        # each model compiled when its turn comes, as the command does
        check_models([(functools.partial(_compiled, path), str(path)) for path in paths], opts)
        together.append(time.perf_counter() - start)
        start = time.perf_counter()
        for path in paths:
            begun = time.perf_counter()
            hoverify.check(path, backend=backend, timeout=timeout, cache=False, jobs=jobs)
            each[path.stem].append(time.perf_counter() - begun)
        apart.append(time.perf_counter() - start)
    if seeds:
        _z3_seed(0)
    return together, apart, each


def _compiled(path: Path) -> Any:
    from hoverify.loader import load_and_compile

    return load_and_compile(path)[1]


def _hinted(row: Row, path: Path, timeout: float, runs: int, jobs: int, hints: Path) -> None:
    import hoverify

    for _ in range(runs):
        for hinted, times in ((False, row.plain_all), (True, row.hinted_all)):
            start = time.perf_counter()
            hoverify.check(path, backend=row.backend, timeout=timeout, cache=False, jobs=jobs,
                           hints=hints if hinted else None)
            times.append(time.perf_counter() - start)


def _warm(path: Path, backend: str, timeout: float, jobs: int) -> float:
    import hoverify

    old = os.environ.get("HOVERIFY_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="hoverify-bench-") as cache:
        os.environ["HOVERIFY_CACHE_DIR"] = cache
        try:
            hoverify.check(path, backend=backend, timeout=timeout, cache=True, jobs=jobs)
            start = time.perf_counter()
            hoverify.check(path, backend=backend, timeout=timeout, cache=True, jobs=jobs)
            return time.perf_counter() - start
        finally:
            if old is None:
                del os.environ["HOVERIFY_CACHE_DIR"]
            else:
                os.environ["HOVERIFY_CACHE_DIR"] = old


def first_result(path: Path, timeout: float) -> tuple[float | None, str]:
    """Seconds from starting ``hoverify check PATH --no-cache`` to its first VC line."""
    with tempfile.TemporaryDirectory(prefix="hoverify-bench-") as cache:
        env = {**os.environ, "HOVERIFY_CACHE_DIR": cache, "PYTHONUNBUFFERED": "1"}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "hoverify.cli", "check", "--no-cache", "--timeout",
             str(timeout), str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if VC_LINE.match(line):
                    return time.perf_counter() - start, line.strip()
            return None, ""
        finally:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    from hoverify.commands.check import default_jobs

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="cold runs per model and backend")
    ap.add_argument("--models", nargs="*", help="model names (models/NAME.py) or paths")
    ap.add_argument("--backends", nargs="*", default=["z3"],
                    help="backends or modes (z3 cvc5 yices portfolio cross-check)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per VC")
    ap.add_argument("--kinds", choices=("all", "safety", "liveness"), default="all",
                    help="which VCs to time (default: both, separately)")
    ap.add_argument("--jobs", type=int, default=default_jobs(),
                    help="VCs in parallel (default: as hoverify check, one per usable CPU, at "
                         "most 4)")
    ap.add_argument("--no-warm", action="store_true", help="skip the warm-cache runs")
    ap.add_argument("--hints", type=Path, metavar="DIR",
                    help="also time cold checks with the proof hints of the baselines in DIR")
    ap.add_argument("--folder-runs", type=int, default=3, metavar="N",
                    help="runs of the whole folder, every VC of each model in one check (as "
                         "hoverify check models/ --no-cache does), first backend; 0: none")
    ap.add_argument("--no-first", action="store_true",
                    help="skip the time to the first VC result of hoverify check")
    ap.add_argument("--z3-seeds", type=int, nargs="+", metavar="SEED", default=[],
                    help="cold run k uses z3's random seed SEED[k mod len]: on some VCs z3's "
                         "time varies tenfold with the seed (A_T,E's round lemma 0: 0.8 to "
                         "10 s), so a median over one seed measures that seed's luck")
    args = ap.parse_args(argv)

    paths = _model_paths(args.models)
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        ap.error(f"no such model: {', '.join(missing)} (give names in models/ or paths)")
    seeds = f", z3 seeds {' '.join(map(str, args.z3_seeds))}" if args.z3_seeds else ""
    print(f"{args.runs} cold runs per model and backend, --jobs {args.jobs}, "
          f"--timeout {args.timeout:g}{seeds}")
    rows: list[Row] = []
    for path in paths:
        for b in args.backends:
            row = _cold(path, b, args.timeout, args.runs, args.kinds, args.jobs, args.z3_seeds)
            if not args.no_warm and b == args.backends[0]:
                row.warm = _warm(path, b, args.timeout, args.jobs)
            if args.hints is not None:
                _hinted(row, path, args.timeout, args.runs, args.jobs, args.hints)
            rows.append(row)
            print(f"  {row.model} {b}: cold median {row.median:.3f} s", file=sys.stderr,
                  flush=True)

    head = (f"{'model':<16}{'backend':<13}{'VCs':>4}  {'verdicts':<34}{'safety':>9}"
            f"{'liveness':>10}{'cold total':>11}{'warm':>9}  largest reduced VC "
            f"(atoms/regions/instances)")
    print(head)
    print("-" * len(head))
    for r in rows:
        verdicts = ", ".join(f"{v} {k}" for k, v in sorted(r.verdicts.items()))
        warm = f"{r.warm:.3f}" if r.warm is not None else "-"
        atoms, regions, inst = r.largest
        live = f"{r.liveness:.3f}s" if r.live_times else "-"
        safety = f"{r.safety:.3f}s" if r.times else "-"
        print(f"{r.model:<16}{r.backend:<13}{r.vcs:>4}  {verdicts:<34}{safety:>9}"
              f"{live:>10}{r.median:>10.3f}s{warm:>8}s  {atoms}/{regions}/{inst} "
              f"{r.largest_vc}")
    for b in args.backends:
        total = sum(r.median for r in rows if r.backend == b)
        print(f"all {len(paths)} models, {b}: {total:.3f} s (sum of cold medians)")
    if args.folder_runs > 0:
        whole, apart, each = _folder(paths, args.backends[0], args.timeout, args.folder_runs,
                                     args.jobs, args.z3_seeds)
        one, per = statistics.median(whole), statistics.median(apart)
        print(f"all {len(paths)} models, {args.backends[0]}, every VC of each in one check: "
              f"{one:.3f} s (median of {len(whole)}; a check per model in the same runs: "
              f"{per:.3f} s, ratio {one / per:.2f}; each model's check: "
              + ", ".join(f"{m} {statistics.median(t):.3f} s" for m, t in each.items()) + ")")
    if args.hints is not None:
        print(f"cold, all VCs in one check, with the hints of {args.hints} (medians):")
        for b in args.backends:
            plain = hinted = 0.0
            for r in (r for r in rows if r.backend == b):
                p, h = statistics.median(r.plain_all), statistics.median(r.hinted_all)
                plain, hinted = plain + p, hinted + h
                print(f"  {r.model:<16}{b:<13}{h:8.3f} s with hints, {p:8.3f} s without "
                      f"({h / p:.2f})")
            print(f"  all {len(paths)} models, {b}: {hinted:.3f} s with hints, {plain:.3f} s "
                  f"without ({hinted / plain:.2f})")

    lv = ROOT / "models" / "lastvoting.py"
    if not args.no_first and lv.exists():
        seconds, line = first_result(lv, args.timeout)
        shown = f"{seconds:.3f} s ({line})" if seconds is not None else "no VC line"
        print(f"hoverify check models/lastvoting.py: first VC result after {shown}")
    last = [r for r in rows if r.model == "lastvoting" and r.backend == "z3"]
    if last:
        print(f"LastVoting cold median (z3): {last[0].median:.3f} s (safety "
              f"{last[0].safety:.3f} s + liveness {last[0].liveness:.3f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
