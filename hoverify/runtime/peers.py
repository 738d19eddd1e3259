"""The peers file of ``hoverify replica``: one ``host:port`` per line, replica ``i`` on line
``i`` (blank lines and ``#`` comments ignored); IPv4 addresses or names that resolve to one."""

from __future__ import annotations

import socket
from pathlib import Path

from hoverify.errors import HoverifyError

Address = tuple[str, int]


def parse_peers(text: str, file: str | None = None) -> list[Address]:
    peers: list[Address] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        host, sep, port_s = line.rpartition(":")
        if not sep or not host:
            raise HoverifyError(f"expected host:port, found {line!r}", file=file, line=lineno)
        try:
            port = int(port_s)
        except ValueError:
            raise HoverifyError(f"port {port_s!r} is not a number", file=file,
                                line=lineno) from None
        if not 0 < port < 65536:
            raise HoverifyError(f"port {port} is out of range", file=file, line=lineno)
        try:
            addr = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4]
        except (OSError, UnicodeError):
            raise HoverifyError(f"cannot resolve host {host!r}", file=file, line=lineno) from None
        peers.append((str(addr[0]), int(addr[1])))
    if not peers:
        raise HoverifyError("the peers file lists no replica", file=file)
    if len(set(peers)) != len(peers):
        raise HoverifyError("the peers file lists an address twice", file=file)
    return peers


def read_peers(path: str) -> list[Address]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise HoverifyError(f"cannot read the peers file: {e}", file=path) from None
    return parse_peers(text, path)


def format_peers(peers: list[Address]) -> str:
    return "".join(f"{h}:{p}\n" for h, p in peers)


__all__ = ["parse_peers", "read_peers", "format_peers"]
