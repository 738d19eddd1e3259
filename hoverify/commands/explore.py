"""``hoverify explore MODEL -n N --rounds R``.

Enumerates every run of the model for ``n`` processes up to ``R`` rounds (initial values from the
model's value domain, every HO choice, symmetry-reduced) and prints a shortest violation with its
concrete trace, or "no violation up to R rounds (K states explored)". Exit code 1 on a violation,
0 when the whole search found none, 2 when ``--max-states`` stopped it first (no claim about the
states not explored), 3 on bad input.
"""

from __future__ import annotations

import argparse
import sys

from hoverify.commands.common import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_UNKNOWN,
    EXIT_VIOLATION,
    parse_values,
    print_trace,
)
from hoverify.errors import HoverifyError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the model file (a Python file defining one Algorithm)")
    parser.add_argument("-n", type=int, required=True, help="the number of processes (small)")
    parser.add_argument("--rounds", type=int, default=4, help="the depth in rounds (default 4)")
    parser.add_argument("--values", help="initial value domain, comma separated (default: the "
                                         "model's values)")
    parser.add_argument("--property", action="append", dest="properties",
                        help="check only this property (repeatable; default: the model's)")
    parser.add_argument("--max-states", type=int, default=1_000_000,
                        help="stop after this many states (default 1000000)")


def run(args: argparse.Namespace) -> int:
    from hoverify.explore import explore  # noqa: PLC0415
    from hoverify.loader import load_and_compile  # noqa: PLC0415
    out = sys.stdout
    if args.max_states < 1:
        print(f"error: --max-states must be at least 1, not {args.max_states}", file=sys.stderr)
        return EXIT_INPUT
    try:
        model, _ = load_and_compile(args.model)
        res = explore(model, args.n, args.rounds, parse_values(args.values),
                      max_states=args.max_states, properties=args.properties)
    except HoverifyError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    sym = " (up to symmetry)" if res.symmetric else ""
    if res.violation is not None and res.trace is not None:
        print(f"{res.model}  n={res.n}: VIOLATION: {res.violation}", file=out)
        print(f"shortest violating run ({len(res.trace.rounds)} rounds; {res.states} states "
              f"explored{sym}):", file=out)
        print_trace(res.trace, out, detailed=True)
        return EXIT_VIOLATION
    if not res.complete:
        print(f"no violation found in {res.states} states{sym}, but --max-states stopped the "
              f"search before {res.rounds} rounds: the rest is unexplored (raise --max-states, "
              f"or lower -n or --rounds)", file=out)
        return EXIT_UNKNOWN
    print(f"no violation up to {res.rounds} rounds ({res.states} states explored{sym})",
          file=out)
    return EXIT_OK
