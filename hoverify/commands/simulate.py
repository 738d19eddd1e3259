"""``hoverify simulate MODEL -n N --rounds R --adversary SPEC --seed S``.

Runs the model in the lockstep executor and prints a compact round-by-round trace (HO summary,
deliveries, crashes, who decided what). Exit code 1 on a property violation, 0 otherwise, 3 on bad
input (the model, the adversary specification, the numbers).
"""

from __future__ import annotations

import argparse
import sys

from hoverify.commands.common import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_VIOLATION,
    fmt,
    parse_values,
    print_trace,
)
from hoverify.errors import HoverifyError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the model file (a Python file defining one Algorithm)")
    parser.add_argument("-n", type=int, required=True, help="the number of processes")
    parser.add_argument("--rounds", type=int, default=20, help="rounds to run (default 20)")
    parser.add_argument("--adversary", default="reliable",
                        help="adversary specification, e.g. 'omit:0.3+crash:1+good:every=4' "
                             "(default: reliable)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--inputs", help="initial values, comma separated (default: drawn from "
                                         "--values)")
    parser.add_argument("--values", help="value domain for initial values (default: the "
                                         "model's values)")
    parser.add_argument("--states", action="store_true",
                        help="print every process's state and HO set after each round")


def run(args: argparse.Namespace) -> int:
    from hoverify.executor import run as execute  # noqa: PLC0415
    from hoverify.loader import load_and_compile  # noqa: PLC0415
    out = sys.stdout
    try:
        model, _ = load_and_compile(args.model)
        inputs = parse_values(args.inputs)
        if inputs is not None and len(inputs) != args.n:
            raise HoverifyError(f"--inputs gives {len(inputs)} values for n = {args.n}")
        trace = execute(model, args.n, args.rounds, args.adversary, seed=args.seed,
                        inputs=inputs, values=parse_values(args.values))
    except HoverifyError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    print(f"{trace.model}  n={trace.n}  rounds={args.rounds}  adversary={trace.adversary}  "
          f"seed={trace.seed}", file=out)
    print_trace(trace, out, detailed=args.states)
    props = ", ".join(model.properties) or "none declared"
    if trace.violation is not None:
        print(f"VIOLATION: {trace.violation}", file=out)
        return EXIT_VIOLATION
    st = trace.final
    when = trace.decided_round()
    if when is not None:
        vals = sorted({fmt(v) for v in st.column("decision")} - {"?"})
        print(f"all live processes decided ({', '.join(vals)}) by round {when}; "
              f"no violation ({props}); {trace.deliveries} messages delivered", file=out)
    else:
        undecided = ""
        if "decided" in st.names:
            k = sum(1 for p, v in enumerate(st.column("decided"))
                    if not v and p not in st.crashed)
            undecided = f"{k} live process(es) undecided; "
        print(f"{undecided}no violation in {len(trace.rounds)} rounds ({props}); "
              f"{trace.deliveries} messages delivered", file=out)
    return EXIT_OK
