"""Interrupts that are never lost: Ctrl-C (SIGINT) and SIGTERM (a CI job's timeout, ``kill``).

Both raise ``KeyboardInterrupt``, so a command reports what it found so far and exits with 2,
never 0 (see :mod:`hoverify.cli`). An exception raised by a signal handler can be swallowed,
though: one that lands in a callback Python runs around ``fork()`` (the ``logging`` module has
one) or in a finalizer (of a pipe, a process) is printed as "Exception ignored" with a traceback,
and dropped. So the proof engine forks under :func:`deferred` and waits for its VC processes
under :func:`polled`, where the handler only notes the request and the loop raises it with
:func:`check` at a point of its choosing.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_requested = False
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


_polling = 0  # how many polled() blocks are active


def _interrupt(signum: int, frame: Any) -> None:
    global _requested
    _requested = True
    if not _polling:
        raise KeyboardInterrupt


@contextmanager
def polled() -> Iterator[None]:
    """Within this block an interrupt only notes the request, and the block's code raises it at
    points of its choosing by calling :func:`check` (as it leaves the block at the latest): for
    loops that wait on worker processes, where an exception raised at a random point lands in
    the clean-up callbacks of pipes and processes, which print it as "ignored" and drop it."""
    global _polling
    _polling += 1
    try:
        yield
    finally:
        _polling -= 1
    check()


def install() -> Callable[[], None]:
    """Handle SIGINT and SIGTERM as described above; returns the function that puts the previous
    handlers back. Outside the main thread (where handlers cannot be set) it does nothing."""
    global _requested
    _requested = False
    try:
        previous = [(s, signal.signal(s, _interrupt)) for s in _SIGNALS]
    except ValueError:  # not the main thread
        return lambda: None

    def restore() -> None:
        global _requested
        for s, handler in previous:
            signal.signal(s, handler)
        _requested = False  # acted on, or moot: it must not stop a later check in this process

    return restore


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the duration (they are delivered at its end): around a
    ``fork()``, whose callbacks would swallow the exception, and whose child would start with
    the parent's handler half run."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def allow_in_child() -> None:
    """In a worker process forked under :func:`deferred`: the parent decides when to stop, so
    Ctrl-C (which a terminal sends to every process of the group) is ignored and SIGTERM (the
    parent stopping it) ends it at once, without a traceback; then the signals are let through
    again."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def check() -> None:
    """Raise ``KeyboardInterrupt`` if an interrupt came (even if its exception was lost), once:
    the request is used up."""
    global _requested
    if _requested:
        _requested = False
        raise KeyboardInterrupt


__all__ = ["install", "check", "deferred", "polled", "allow_in_child"]
