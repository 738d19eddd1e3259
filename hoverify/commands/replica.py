"""``hoverify replica --id I --peers FILE MODEL``: one replica of a model over UDP, alone.

The peers file lists one ``host:port`` per line, replica ``i`` on line ``i``; the replica binds its
own line's address and runs instances ``0..M-1`` (``--instances M``; ``0``: serve forever) with the
others, printing each decision (``--json``: one JSON object per line). After its last instance it
keeps answering laggards until it has received nothing for ``--linger`` seconds. Every replica of
a cluster must be given the same ``--values``, ``--seed`` and ``--batch`` (initial values are a
fixed function of them, the replica id and the instance) and the same ``--concurrent`` (instance
``i`` is served by stream ``i mod K`` of every replica).

Exit codes: 0 all instances done, 2 the deadline passed first, 3 bad input (the model, the peers
file, an option, an address that cannot be bound) or an error of the model's code.

The network options (``--drop`` ...) inject faults on the packets this replica sends; they are
shared with ``hoverify run``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hoverify.commands.common import EXIT_INPUT, EXIT_OK, fmt, parse_values
from hoverify.errors import HoverifyError

EXIT_TIMEOUT = 2


# ---- options shared with ``hoverify run`` -------------------------------------------------------

def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the model file (a Python file defining one Algorithm)")
    parser.add_argument("--instances", type=int, default=1, metavar="M",
                        help="consensus instances to run back to back (default 1)")
    parser.add_argument("--values", metavar="V,...",
                        help="initial values: one per replica (used in every instance), or a "
                             "value domain each replica draws from per instance (default: the "
                             "model's values)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial values and of "
                                                            "the injected faults (default 0)")
    parser.add_argument("--batch", type=int, default=1, metavar="B",
                        help="requests decided per instance: B independent lanes in the same "
                             "rounds and packets (default 1)")
    parser.add_argument("--concurrent", type=int, default=1, metavar="K",
                        help="instances in progress at once per replica: K streams of instances "
                             "(instance i in stream i mod K) on the replica's one socket "
                             "(default 1: one instance after the other)")
    parser.add_argument("--timeout", type=float, metavar="MS",
                        help="round timeout in milliseconds (default: 5 + 2.5 x the expected "
                             "delay)")
    parser.add_argument("--drop", type=float, default=0.0, metavar="P",
                        help="probability that a sent packet is lost (default 0)")
    parser.add_argument("--duplicate", type=float, default=0.0, metavar="P",
                        help="probability that a sent packet is sent twice (default 0)")
    parser.add_argument("--delay", type=float, default=0.0, metavar="MS",
                        help="delay added to every sent packet, in milliseconds (default 0)")
    parser.add_argument("--jitter", type=float, default=0.0, metavar="MS",
                        help="uniform random extra delay up to MS milliseconds (default 0)")
    parser.add_argument("--reorder", type=float, default=0.0, metavar="P",
                        help="probability that a packet is held back 2 ms so later ones "
                             "overtake it (default 0)")
    parser.add_argument("--deadline", type=float, default=60.0, metavar="S",
                        help="give up after S seconds (default 60)")


def _ms(v: float | None, what: str) -> float | None:
    if v is None:
        return None
    if not 0.0 <= v <= 60_000.0 or v != v:
        raise HoverifyError(f"--{what} must be between 0 and 60000 ms, not {v:g}")
    return v / 1000.0


def settings(args: argparse.Namespace, n: int) -> tuple[Any, Any, tuple[Any, ...] | None,
                                                        tuple[Any, ...] | None]:
    """``(RuntimeConfig, NetFaults, fixed values, value domain)`` from the options; raises
    ``HoverifyError`` on bad values."""
    from hoverify.runtime.config import NetFaults, RuntimeConfig  # noqa: PLC0415

    if args.instances < 0 or args.instances > 0xFFFFFFFF:
        raise HoverifyError(f"--instances must be >= 0, not {args.instances}")
    if args.deadline != args.deadline or not 0.0 < args.deadline <= 86_400.0:
        raise HoverifyError(f"--deadline must be a positive number of seconds, not "
                            f"{args.deadline:g}")
    timeout = _ms(args.timeout, "timeout")
    if timeout is not None and timeout <= 0.0:
        raise HoverifyError("--timeout must be positive")
    faults = NetFaults(drop=args.drop, duplicate=args.duplicate,
                       delay=_ms(args.delay, "delay") or 0.0,
                       jitter=_ms(args.jitter, "jitter") or 0.0, reorder=args.reorder)
    config = RuntimeConfig(delay=faults.expected_delay, timeout=timeout, batch=args.batch,
                           concurrent=args.concurrent, seed=args.seed)
    vals = parse_values(args.values)
    fixed = vals if vals is not None and len(vals) == n else None
    domain = None if fixed is not None else vals
    return config, faults, fixed, domain


def decision_line(replica: int, dec: Any) -> str:
    vals = ", ".join(fmt(v) for v in dec.values)
    how = " (learned from a peer)" if dec.learned else f" in round {dec.round}"
    return f"replica {replica}: instance {dec.instance} decided {vals}{how}"


def decision_json(replica: int, dec: Any) -> str:
    return json.dumps({"replica": replica, "instance": dec.instance, "values": list(dec.values),
                       "round": dec.round, "learned": dec.learned,
                       "latency": round(dec.latency, 6)})


# ---- the command ------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", type=int, required=True, metavar="I", help="this replica's id "
                        "(its line in the peers file, from 0)")
    parser.add_argument("--peers", required=True, metavar="FILE",
                        help="the peers file: one host:port per line, replica i on line i")
    add_common_arguments(parser)
    parser.add_argument("--linger", type=float, default=0.5, metavar="S",
                        help="after the last instance, keep answering laggards until nothing "
                             "arrived for S seconds (default 0.5)")
    parser.add_argument("--join", action="store_true",
                        help="join the instance in progress instead of starting at instance 0 "
                             "(a restarted replica)")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # a bound socket (hoverify run)


def run(args: argparse.Namespace) -> int:
    from hoverify.loader import load_and_compile  # noqa: PLC0415
    from hoverify.runtime.peers import read_peers  # noqa: PLC0415
    from hoverify.runtime.schema import schema_of  # noqa: PLC0415

    try:
        model, _ = load_and_compile(args.model)
        peers = read_peers(args.peers)
        n = len(peers)
        if not 0 <= args.id < n:
            raise HoverifyError(f"--id {args.id}: the peers file lists replicas 0..{n - 1}")
        too_few = model.too_few_processes(n)
        if too_few is not None:
            raise HoverifyError(too_few)
        if args.linger != args.linger or not 0.0 <= args.linger <= 3600.0:
            raise HoverifyError("--linger must be between 0 and 3600 seconds")
        config, faults, fixed, domain = settings(args, n)
        schema_of(model, n)
    except HoverifyError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    import asyncio  # noqa: PLC0415

    return asyncio.run(_serve(args, model, peers, config, faults, fixed, domain))


async def _serve(args: argparse.Namespace, model: Any, peers: list[tuple[str, int]],
                 config: Any, faults: Any, fixed: Any, domain: Any) -> int:
    import asyncio  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import socket  # noqa: PLC0415

    from hoverify.runtime.config import value_for  # noqa: PLC0415
    from hoverify.runtime.streams import make_replica  # noqa: PLC0415

    me = args.id
    dom = tuple(domain) if domain is not None else tuple(model.values)
    out = sys.stdout
    line = decision_json if args.json else decision_line

    def on_decide(rep: Any, dec: Any) -> None:
        print(line(me, dec), file=out, flush=args.json)

    until = args.instances if args.instances > 0 else None
    try:
        rep = make_replica(model, me, peers,
                           inputs=lambda i, lane: value_for(config.seed, dom, me, i, lane, fixed),
                           until=until, first_instance=None if args.join else 0, config=config,
                           faults=faults, on_decide=on_decide)
    except HoverifyError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    loop = asyncio.get_running_loop()
    sock = None
    try:
        if args.fd is not None:
            sock = socket.socket(fileno=args.fd)
            sock.setblocking(False)
        await rep.start(sock)
    except OSError as e:
        if sock is not None:
            sock.close()
        print(f"error: cannot bind {peers[me][0]}:{peers[me][1]}: {e.strerror or e}",
              file=sys.stderr)
        return EXIT_INPUT
    end = loop.time() + args.deadline
    # SIGTERM stops the replica as the deadline would (the summary is still printed)
    stop: asyncio.Future[None] = loop.create_future()

    def on_sigterm() -> None:
        if not stop.done():
            stop.set_result(None)

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        handler = True
    except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover
        handler = False
    try:
        assert rep.done is not None
        await asyncio.wait([rep.done, stop], timeout=args.deadline,
                           return_when=asyncio.FIRST_COMPLETED)
        if rep.finished:  # linger: answer laggards until quiet
            seen = rep.stats["rx"]
            quiet_since = loop.time()
            while (loop.time() - quiet_since < args.linger and loop.time() < end
                   and not stop.done()):
                await asyncio.sleep(min(0.05, args.linger / 4 or 0.01))
                if rep.stats["rx"] != seen:
                    seen = rep.stats["rx"]
                    quiet_since = loop.time()
    finally:
        if handler:
            loop.remove_signal_handler(signal.SIGTERM)
        if not stop.done():
            stop.cancel()
        rep.close()
        await asyncio.sleep(0)
    summary = {"replica": me, "finished": rep.finished, "decided": len(rep.decisions),
               "error": rep.error, "stats": dict(rep.stats)}
    if args.json:
        print(json.dumps(summary), file=out, flush=True)
    else:
        bad = rep.invalid_counts()
        print(f"replica {me}: {len(rep.decisions)} instance(s) decided; invalid packets "
              f"dropped: {bad or 'none'}", file=out)
    if rep.error:
        print(f"error: {rep.error}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK if rep.finished or until is None else EXIT_TIMEOUT
