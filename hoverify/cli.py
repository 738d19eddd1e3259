"""The ``hoverify`` command line.

Exit codes, for every command: 0 everything as claimed (proved / no violation), 1 something
refuted with a validated counterexample (or a property violated), 2 something unknown or timed out,
3 input error (a file that cannot be read, parsed or type-checked). Never a traceback on bad input.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

EXIT_OK, EXIT_REFUTED, EXIT_UNKNOWN, EXIT_INPUT = 0, 1, 2, 3

# subcommands implemented in their own modules: name -> (module, help)
_COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("hoverify.commands.check",
              "prove the safety and liveness VCs of models (.py) and the goals of .hol files"),
    "simulate": ("hoverify.commands.simulate", "run a model in the lockstep executor"),
    "explore": ("hoverify.commands.explore", "search small instances of a model for violations"),
    "run": ("hoverify.commands.run", "run a model on N replicas over UDP on loopback"),
    "replica": ("hoverify.commands.replica", "run one replica of a model over UDP"),
}


def _available_commands() -> dict[str, Any]:
    found = {}
    for name, (module, help_text) in _COMMANDS.items():
        if importlib.util.find_spec(module) is not None:
            found[name] = (module, help_text)
    return found


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with the input-error code (3), not argparse's
    2, which means "unknown" here."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from hoverify import __version__

    parser = _Parser(
        prog="hoverify",
        description="Verification-first toolkit for Heard-Of round algorithms.",
        epilog="exit codes: 0 proved/ok, 1 refuted (validated counterexample), "
               "2 unknown or timeout, 3 input error")
    parser.add_argument("--version", action="version", version=f"hoverify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in _available_commands().items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        mod = importlib.import_module(module)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    from hoverify import interrupt

    restore = interrupt.install()  # SIGTERM too: reported as Ctrl-C is, exit code 2
    shown = warnings.showwarning
    warnings.showwarning = _show_warning  # "warning: ..." for a person, not a source line
    try:
        code: int = args._run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_UNKNOWN
    except BrokenPipeError:
        return _output_closed()
    finally:
        warnings.showwarning = shown
        restore()
    return code


def _output_closed() -> int:
    """The reader of standard output went away (``hoverify check ... | head``): say so, without
    a traceback, and exit with the input-error code (3), as for any output that cannot be
    written. The report was not all delivered, so no verdict is claimed by the exit code."""
    try:  # what is left in the buffer must not fail again at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (a test's captured stream)
        pass
    try:
        print("error: standard output was closed before the report was written in full "
              "(broken pipe)", file=sys.stderr)
    except OSError:
        pass
    return EXIT_INPUT


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    print(f"warning: {message}", file=sys.stderr if file is None else file)


if __name__ == "__main__":
    sys.exit(main())
