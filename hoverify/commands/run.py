"""``hoverify run MODEL -n N``: run a model on N replicas over UDP on loopback, check safety.

By default every replica is its own OS process (``hoverify replica``, given a socket this command
bound); ``--inprocess`` runs them as asyncio tasks in this process. Each decision is printed, then
the model's declared properties are checked across the replicas for every instance and lane, with
the executor's definitions (:mod:`hoverify.properties`, on the run's initial state after ``init``:
see :func:`hoverify.runtime.checks.check_decisions`); agreement is checked whatever the model
declares, and a model that declares no properties gets a note saying that only agreement was.

Faults: ``--drop``, ``--duplicate``, ``--reorder``, ``--delay``/``--jitter`` on every packet, and
``--crash K``: the last K replicas crash (crash-stop) ``--crash-at`` seconds after the start
(default 0: they never start). ``--restart-at S`` brings the crashed replicas back at ``S``
seconds (after ``--crash-at``) as fresh replicas with the same ids and addresses (a new OS process
each, or a new task with ``--inprocess``): they join the instance in progress and decide the later
ones; the summary says how many each decided after rejoining.

Exit codes: 0 every instance decided and the checked properties hold; 1 a safety violation; 2 some
instance was decided by nobody before the deadline; 3 bad input (or an error of the model's code).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hoverify.commands.common import EXIT_INPUT, EXIT_OK, EXIT_VIOLATION, fmt
from hoverify.commands.replica import add_common_arguments, settings
from hoverify.errors import HoverifyError

EXIT_TIMEOUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, required=True, help="the number of replicas")
    add_common_arguments(parser)
    parser.add_argument("--crash", type=int, default=0, metavar="K",
                        help="crash the last K replicas (crash-stop)")
    parser.add_argument("--crash-at", type=float, default=0.0, metavar="S",
                        help="when the crashes happen, in seconds after the start (default 0: "
                             "the crashed replicas never start)")
    parser.add_argument("--restart-at", type=float, default=None, metavar="S",
                        help="restart the crashed replicas S seconds after the start (after "
                             "--crash-at): fresh replicas with the same ids and addresses that "
                             "join the instance in progress")
    parser.add_argument("--inprocess", action="store_true",
                        help="run the replicas as tasks in this process instead of one OS "
                             "process each")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")


def run(args: argparse.Namespace) -> int:
    from hoverify.loader import load_and_compile  # noqa: PLC0415
    from hoverify.runtime.schema import schema_of  # noqa: PLC0415

    try:
        model, _ = load_and_compile(args.model)
        n = args.n
        if not 1 <= n <= 1000:
            raise HoverifyError(f"-n must be between 1 and 1000, not {n}")
        too_few = model.too_few_processes(n)
        if too_few is not None:
            raise HoverifyError(too_few)
        if not 0 <= args.crash <= n:
            raise HoverifyError(f"--crash {args.crash}: there are {n} replicas")
        if args.crash_at != args.crash_at or not 0.0 <= args.crash_at <= 86_400.0:
            raise HoverifyError("--crash-at must be a number of seconds >= 0")
        restart_at = args.restart_at
        if restart_at is not None:
            if args.crash == 0:
                raise HoverifyError("--restart-at restarts the crashed replicas: give --crash K "
                                    "too")
            if restart_at != restart_at or not 0.0 < restart_at <= 86_400.0:
                raise HoverifyError("--restart-at must be a positive number of seconds")
            if restart_at <= args.crash_at:
                raise HoverifyError(f"--restart-at {restart_at:g} must be after --crash-at "
                                    f"{args.crash_at:g}")
        if args.instances < 1:
            raise HoverifyError(f"--instances must be at least 1, not {args.instances}")
        config, faults, fixed, domain = settings(args, n)
        schema_of(model, n)
    except HoverifyError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    crashed = {p: args.crash_at for p in range(n - args.crash, n)}
    restarts = {p: args.restart_at for p in crashed} if args.restart_at is not None else {}
    import asyncio  # noqa: PLC0415

    from hoverify.runtime.cluster import make_inputs  # noqa: PLC0415

    dom = tuple(domain) if domain is not None else tuple(model.values)
    inputs = make_inputs(config.seed, dom, fixed)
    if args.inprocess:
        from hoverify.runtime.cluster import run_cluster  # noqa: PLC0415

        result = asyncio.run(run_cluster(model, n, args.instances, config=config,
                                         faults=faults, crash=crashed, restart=restarts,
                                         values=dom, fixed=fixed, deadline=args.deadline))
        decisions = {r.id: r.decisions for r in result.reports}
        stats = {r.id: r.stats for r in result.reports}
        errors = result.errors()
        rejoined = {r.id: r.after_restart if r.restarted else None for r in result.reports
                    if r.id in restarts}
        mode = "in-process"
    else:
        try:
            decisions, stats, errors, rejoined = _processes(args, n, crashed, restarts)
        except OSError as e:
            print(f"error: cannot start the replicas: {e}", file=sys.stderr)
            return EXIT_INPUT
        mode = "processes"
    return _report(model, args, n, crashed, decisions, stats, errors, inputs, config, mode,
                   rejoined)


#: after every replica but the restarted ones has exited, how long a restarted replica is given
#: to finish before it is stopped (nobody is left to answer it)
RESTART_GRACE = 1.0


def _processes(args: argparse.Namespace, n: int, crashed: dict[int, float],
               restarts: dict[int, float]) -> tuple[
        dict[int, list[Any]], dict[int, dict[str, int]], list[str], dict[int, list[Any] | None]]:
    """Start one ``hoverify replica`` process per live replica on sockets bound here, crash the
    chosen ones on time (SIGKILL), start a fresh ``--join`` process for each restarted one on its
    address, collect their JSON lines. ``rejoined[p]``: the decisions of ``p``'s restarted process
    (``None`` if it was not restarted: the others had finished by then)."""
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    import time  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from hoverify.runtime.cluster import bind_sockets  # noqa: PLC0415
    from hoverify.runtime.peers import format_peers  # noqa: PLC0415
    from hoverify.runtime.replica import Decision, bind_udp  # noqa: PLC0415

    forwarded = ["--instances", str(args.instances), "--seed", str(args.seed),
                 "--batch", str(args.batch), "--concurrent", str(args.concurrent),
                 "--drop", repr(args.drop),
                 "--duplicate", repr(args.duplicate), "--delay", repr(args.delay),
                 "--jitter", repr(args.jitter), "--reorder", repr(args.reorder),
                 "--deadline", repr(args.deadline)]
    if args.values is not None:
        forwarded += ["--values", args.values]
    if args.timeout is not None:
        forwarded += ["--timeout", repr(args.timeout)]
    decisions: dict[int, list[Any]] = {p: [] for p in range(n)}
    stats: dict[int, dict[str, int]] = {p: {} for p in range(n)}
    rejoined: dict[int, list[Any] | None] = {p: None for p in restarts}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hoverify-run-") as tmp:
        socks = bind_sockets(n)
        addrs = [s.getsockname()[:2] for s in socks]
        peers_file = Path(tmp) / "peers.txt"
        # (replica, incarnation) -> process; incarnation 1 is a restart
        procs: dict[tuple[int, int], subprocess.Popen[bytes]] = {}
        outs: dict[tuple[int, int], Any] = {}

        def launch(p: int, inc: int, sock: Any) -> None:
            fd = sock.fileno()
            outs[p, inc] = open(Path(tmp) / f"replica{p}.{inc}.out", "wb")  # noqa: SIM115
            cmd = [sys.executable, "-m", "hoverify.cli", "replica", "--id", str(p),
                   "--peers", str(peers_file), "--fd", str(fd), "--json", *forwarded]
            if inc:
                cmd.append("--join")
            procs[p, inc] = subprocess.Popen([*cmd, args.model], stdout=outs[p, inc],
                                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                             pass_fds=(fd,))

        try:
            peers_file.write_text(format_peers(addrs))
            for p in range(n):
                if crashed.get(p, 1.0) > 0.0:
                    launch(p, 0, socks[p])
        finally:
            for s in socks:
                s.close()
        start = time.monotonic()
        hard = start + args.deadline + 10.0
        pending_crash = {p: t for p, t in crashed.items() if t > 0.0 and (p, 0) in procs}
        pending_restart = dict(restarts)
        alone_since: float | None = None
        try:
            while True:
                now = time.monotonic() - start
                for p, t in list(pending_crash.items()):
                    if now >= t:
                        procs[p, 0].kill()
                        procs[p, 0].wait()  # its socket is closed: the address is free again
                        del pending_crash[p]
                first_up = any(pr.poll() is None for (_, inc), pr in procs.items() if inc == 0)
                for p, t in list(pending_restart.items()):
                    if now >= t and p not in pending_crash:
                        del pending_restart[p]
                        if first_up:  # else the run is over: nothing to rejoin
                            sock = bind_udp(addrs[p])
                            try:
                                launch(p, 1, sock)
                            finally:
                                sock.close()
                            rejoined[p] = []
                restarted_up = [pr for (_, inc), pr in procs.items()
                                if inc == 1 and pr.poll() is None]
                if not first_up:
                    if not restarted_up:
                        break
                    # nobody is left to answer the restarted replicas: give them a moment to
                    # finish, then stop them (SIGTERM: they print their summary)
                    if alone_since is None:
                        alone_since = time.monotonic()
                    elif time.monotonic() - alone_since > RESTART_GRACE:
                        for pr in restarted_up:
                            pr.terminate()
                        alone_since = float("inf")
                if time.monotonic() > hard:
                    break
                time.sleep(0.02)
        finally:
            for pr in procs.values():
                if pr.poll() is None:
                    pr.kill()
            for (p, inc), pr in procs.items():
                _, err = pr.communicate()
                outs[p, inc].close()
                if pr.returncode not in (0, 2, -9, -15) and (p not in crashed or inc == 1):
                    text = err.decode(errors="replace").strip()
                    errors.append(f"replica {p} exited with {pr.returncode}: "
                                  f"{text.splitlines()[-1] if text else 'no message'}")
        for p, inc in procs:
            text = (Path(tmp) / f"replica{p}.{inc}.out").read_text(errors="replace")
            for raw in text.splitlines():
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue
                if "instance" in obj:
                    dec = Decision(int(obj["instance"]), tuple(obj["values"]),
                                   int(obj["round"]), bool(obj["learned"]),
                                   float(obj["latency"]))
                    decisions[p].append(dec)
                    if inc == 1:
                        rejoined[p].append(dec)  # type: ignore[union-attr]
                elif "stats" in obj:
                    for k, v in obj["stats"].items():
                        stats[p][k] = stats[p].get(k, 0) + int(v)
                    if obj.get("error"):
                        errors.append(str(obj["error"]))
    return decisions, stats, errors, rejoined


def _report(model: Any, args: argparse.Namespace, n: int, crashed: dict[int, float],
            decisions: dict[int, list[Any]], stats: dict[int, dict[str, int]], errors: list[str],
            inputs: Any, config: Any, mode: str,
            rejoined: dict[int, list[Any] | None] | None = None) -> int:
    from hoverify.runtime.checks import check_decisions, unenforced_assumption  # noqa: PLC0415
    from hoverify.runtime.replica import INVALID  # noqa: PLC0415

    out = sys.stdout
    faults = [f"{k}={getattr(args, k):g}" for k in ("drop", "duplicate", "reorder", "delay",
                                                      "jitter") if getattr(args, k)]
    if crashed:
        faults.append(f"crash={','.join(f'p{p}' for p in sorted(crashed))}@{args.crash_at:g}s")
    if rejoined:
        faults.append(f"restart@{args.restart_at:g}s")
    lanes = config.batch
    concurrent = f"  concurrent={config.concurrent}" if config.concurrent > 1 else ""
    print(f"{model.__name__}  n={n}  instances={args.instances}  batch={lanes}{concurrent}  "
          f"replicas: {mode}  faults: {' '.join(faults) or 'none'}", file=out)
    try:
        verdict = check_decisions(model, n, args.instances, decisions, inputs, lanes)
    except HoverifyError as err:  # the model's init, run again to know init(x)
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        for inst in range(args.instances):
            per = verdict.decided.get(inst)
            if not per:
                print(f"instance {inst}: undecided", file=out)
                continue
            by_value: dict[str, list[str]] = {}
            learned = {p for p, ds in decisions.items() for d in ds
                       if d.instance == inst and d.learned}
            for p in sorted(per):
                val = ", ".join(fmt(v) for v in per[p])
                by_value.setdefault(val, []).append(f"p{p}" + ("*" if p in learned else ""))
            body = "; ".join(f"{v} by {' '.join(ps)}" for v, ps in by_value.items())
            print(f"instance {inst}: decided {body}", file=out)
        print("(* learned the decision from a peer)", file=out)
    invalid: dict[str, int] = {}
    for st in stats.values():
        for k in INVALID:
            if st.get(k):
                invalid[k] = invalid.get(k, 0) + st[k]
    print(f"invalid packets dropped: {invalid or 'none'}", file=out)
    for p, decs in sorted((rejoined or {}).items()):
        if decs is None:
            print(f"p{p} not restarted: the run was over at {args.restart_at:g} s", file=out)
        elif not decs:
            print(f"p{p} restarted at {args.restart_at:g} s, decided no instance after "
                  f"rejoining", file=out)
        else:
            insts = sorted(d.instance for d in decs)
            learned = sum(d.learned for d in decs)
            print(f"p{p} restarted at {args.restart_at:g} s, decided {len(decs)} instance(s) "
                  f"after rejoining, from instance {insts[0]} on ({learned} learned from a peer)",
                  file=out)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if verdict.note is not None:
        print(f"note: {verdict.note}", file=out)
    for v in verdict.violations:
        print(f"VIOLATION: {v}", file=out)
    if verdict.violations and (assumed := unenforced_assumption(model)) is not None:
        print(f"note: {assumed}", file=out)
    if verdict.violations:
        return EXIT_VIOLATION
    if errors:
        return EXIT_INPUT
    decided = args.instances - len(verdict.undecided)
    if verdict.undecided:
        print(f"{decided}/{args.instances} instances decided before the deadline "
              f"({args.deadline:g} s); {verdict.holds} for those", file=out)
        return EXIT_TIMEOUT
    print(f"{decided}/{args.instances} instances decided; {verdict.holds}", file=out)
    return EXIT_OK
