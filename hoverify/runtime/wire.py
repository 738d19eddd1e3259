"""The wire format of the runtime: compact, versioned, validated (``struct``, no dependency).

A packet is a 14-byte header then a body::

    header  !BBHIIH   version, kind, sender, instance, round, lanes
    DATA    presence bitmap (ceil(lanes / 8) bytes; bit l: lane l carries a message), then the
            payload of every present lane, in lane order, in the round's payload layout
    DECIDED the decisions of ``round`` consecutive instances from ``instance`` on, one value per
            lane each, in the layout of the model's ``decision`` local (a replica's answer to a
            packet of an instance it has finished)

``lanes`` is the batch size of the cluster (independent consensus instances run side by side in
the same rounds, see :mod:`hoverify.runtime.replica`); a DATA packet with no lane present is the
*empty marker* "nothing for you this round", which lets a receiver end a round as soon as every
peer has been heard. A payload layout is derived from the round's message type (the compiler's
static payload type): ints (and value sorts) are signed 64-bit, booleans one byte (0 or 1),
process ids unsigned 16-bit (``< n``); a payload with optional fields starts with a one-byte mask
of its ``None`` fields. Every layout has a fixed size, so a packet's size is fully determined by
its header and bitmap: any other size is rejected.

Decoding never raises anything but :class:`Invalid`, whose ``reason`` names what was wrong
(``size``, ``version``, ``kind``, ``payload``); the replica counts those and drops the packet.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from hoverify.dsl import Exact

VERSION = 1
KIND_DATA = 1
KIND_DECIDED = 2
HEADER = struct.Struct("!BBHIIH")
HEADER_SIZE = HEADER.size
_HEADER_AND_BYTE = struct.Struct("!BBHIIHB")  # a header and a one-lane packet's presence bitmap
MAX_SENDER = 0xFFFF
MAX_INSTANCE = 0xFFFFFFFF
MAX_ROUND = 0xFFFFFFFF
MAX_LANES = 0xFFFF
MAX_DATAGRAM = 65507


class NoMessage:
    """The "no message in this lane" marker (a singleton)."""

    _instance: NoMessage | None = None

    def __new__(cls) -> NoMessage:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOMSG"


NOMSG = NoMessage()


class Invalid(Exception):
    """A packet that fails validation; ``reason`` is the counter it is filed under."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EncodeError(Exception):
    """A payload that does not fit its round's layout (a value out of range or of the wrong
    type); raised on the sending side, where it is the model's or the caller's error."""


_INT, _BOOL, _PROC = "q", "B", "H"
_MIN_INT, _MAX_INT = -(1 << 63), (1 << 63) - 1


class Layout:
    """The fixed-size layout of one payload type: scalar fields (``int``, ``bool``, ``proc``),
    each optionally ``None``; ``tuple`` for a tuple payload; ``kinds == ()`` and not a tuple is the
    payload ``None`` only (zero bytes)."""

    __slots__ = ("kinds", "optional", "is_tuple", "n", "size", "_struct", "_has_opt", "_desc",
                 "decode", "encode")

    def __init__(self, kinds: Sequence[str], optional: Sequence[bool], is_tuple: bool,
                 n: int) -> None:
        if len(kinds) != len(optional):
            raise ValueError("kinds and optional differ in length")
        if len(kinds) > 8:
            raise ValueError("at most 8 payload fields")
        self.kinds = tuple(kinds)
        self.optional = tuple(optional)
        self.is_tuple = is_tuple
        self.n = n
        self._has_opt = any(self.optional)
        codes = {"int": _INT, "bool": _BOOL, "proc": _PROC}
        fmt = "!" + ("B" if self._has_opt else "") + "".join(codes[k] for k in self.kinds)
        self._struct = struct.Struct(fmt)
        self.size = self._struct.size
        self._desc = self.describe()
        self.decode = self._fast_decoder() or self._decode
        self.encode = self._fast_encoder() or self._encode

    def describe(self) -> str:
        parts = [k + ("?" if o else "") for k, o in zip(self.kinds, self.optional)]
        if self.is_tuple:
            return "(" + ", ".join(parts) + ")"
        return parts[0] if parts else "None"

    def __repr__(self) -> str:
        return f"Layout({self._desc})"

    # ---- encoding ----------------------------------------------------------------------------
    def _fast_encoder(self) -> Any:
        """An encoder specialised to the common layouts, or ``None``: it encodes the payloads
        that are plainly valid (``int``/``Exact`` in range, ``True``/``False``, ``None`` where
        optional) itself and hands anything else to :meth:`_encode`, which gives the same bytes
        or the error message."""
        pack = self._struct.pack
        kinds = self.kinds
        checking = self._encode
        if not kinds:
            if self.is_tuple:
                return None

            def nothing(payload: Any) -> bytes:
                return b"" if payload is None else checking(payload)
            return nothing
        if self.is_tuple:
            if self._has_opt or any(k != "int" for k in kinds):
                return None
            width = len(kinds)

            def ints(payload: Any) -> bytes:
                if type(payload) is tuple and len(payload) == width:
                    for v in payload:
                        t = type(v)
                        if (t is not Exact and t is not int) or not _MIN_INT <= v <= _MAX_INT:
                            return checking(payload)
                    return pack(*payload)
                return checking(payload)
            return ints
        kind = kinds[0]
        if kind == "bool":
            # every encoding of a bool layout, precomputed: None (if optional), False, True
            table = ({None: pack(1, 0)} if self._has_opt else {}) | {
                v: pack(0, v) if self._has_opt else pack(v) for v in (False, True)}

            def one_bool(payload: Any) -> bytes:
                # `is` tests: 0, 1 and Exact(1) hash like False and True but are not bools
                if payload is None or payload is True or payload is False:
                    found = table.get(payload)
                    if found is not None:
                        return found
                return checking(payload)
            return one_bool
        if kind != "int":
            return None
        if self._has_opt:
            absent = pack(1, 0)

            def one_optional_int(payload: Any) -> bytes:
                t = type(payload)
                if (t is Exact or t is int) and _MIN_INT <= payload <= _MAX_INT:
                    return pack(0, payload)
                if payload is None:
                    return absent
                return checking(payload)
            return one_optional_int

        def one_int(payload: Any) -> bytes:
            t = type(payload)
            if (t is Exact or t is int) and _MIN_INT <= payload <= _MAX_INT:
                return pack(payload)
            return checking(payload)
        return one_int

    def _encode(self, payload: Any) -> bytes:
        """The bytes of ``payload`` (checked against the layout: :class:`EncodeError` names what
        does not fit); also available as ``encode``, possibly specialised."""
        if not self.kinds and not self.is_tuple:
            if payload is not None:
                raise EncodeError(f"payload {payload!r}: this round's messages carry None only")
            return b""
        if self.is_tuple:
            if type(payload) is not tuple or len(payload) != len(self.kinds):
                raise EncodeError(f"payload {payload!r}: expected a tuple {self._desc}")
            items: Sequence[Any] = payload
        else:
            items = (payload,)
        mask = 0
        vals: list[Any] = []
        for i, (v, kind) in enumerate(zip(items, self.kinds)):
            if v is None:
                if not self.optional[i]:
                    raise EncodeError(f"payload {payload!r}: field {i} may not be None "
                                      f"(message type {self._desc})")
                mask |= 1 << i
                vals.append(0)
                continue
            if kind == "bool":
                if v is not True and v is not False:
                    raise EncodeError(f"payload {payload!r}: field {i} is not a bool")
                vals.append(1 if v else 0)
            else:
                if not isinstance(v, int) or isinstance(v, bool):
                    raise EncodeError(f"payload {payload!r}: field {i} is not an integer")
                lo, hi = (0, self.n - 1) if kind == "proc" else (_MIN_INT, _MAX_INT)
                if not lo <= v <= hi:
                    raise EncodeError(f"payload {payload!r}: field {i} = {v} is out of range "
                                      f"{lo}..{hi}")
                vals.append(int(v))
        if self._has_opt:
            return self._struct.pack(mask, *vals)
        return self._struct.pack(*vals)

    # ---- decoding ----------------------------------------------------------------------------
    def _fast_decoder(self) -> Any:
        """A decoder specialised to the common layouts (the checks of :meth:`_decode`), or
        ``None``."""
        unpack = self._struct.unpack_from
        kinds = self.kinds
        if not kinds or self._has_opt and len(kinds) != 1:
            return None
        if not self._has_opt and all(k == "int" for k in kinds):
            if self.is_tuple:
                def ints(buf: bytes, offset: int) -> Any:
                    return tuple(map(Exact, unpack(buf, offset)))
                return ints

            def one_int(buf: bytes, offset: int) -> Any:
                return Exact(unpack(buf, offset)[0])
            return one_int
        if self.is_tuple or kinds[0] == "proc":
            return None
        if not self._has_opt:  # a bool
            def one_bool(buf: bytes, offset: int) -> Any:
                v = unpack(buf, offset)[0]
                if v > 1:
                    raise Invalid("payload")
                return v == 1
            return one_bool
        is_int = kinds[0] == "int"

        def one_optional(buf: bytes, offset: int) -> Any:
            mask, v = unpack(buf, offset)
            if mask == 0:
                if is_int:
                    return Exact(v)
                if v > 1:
                    raise Invalid("payload")
                return v == 1
            if mask == 1 and v == 0:
                return None
            raise Invalid("payload")
        return one_optional

    def _decode(self, buf: bytes, offset: int) -> Any:
        """The payload at ``buf[offset:offset + size]`` (the caller checked the length); also
        available as ``decode``, possibly specialised."""
        if not self.kinds and not self.is_tuple:
            return None
        raw = self._struct.unpack_from(buf, offset)
        if self._has_opt:
            mask = raw[0]
            raw = raw[1:]
            if mask >> len(self.kinds):
                raise Invalid("payload")
        else:
            mask = 0
        out: list[Any] = []
        for i, (v, kind) in enumerate(zip(raw, self.kinds)):
            if (mask >> i) & 1:
                if v != 0 or not self.optional[i]:
                    raise Invalid("payload")
                out.append(None)
            elif kind == "bool":
                if v > 1:
                    raise Invalid("payload")
                out.append(v == 1)
            elif kind == "proc":
                if v >= self.n:
                    raise Invalid("payload")
                out.append(Exact(v))
            else:
                out.append(Exact(v))
        return tuple(out) if self.is_tuple else out[0]


def layout_of_type(ty: Any, n: int) -> Layout:
    """The layout of a compiler payload type (:class:`hoverify.compile_values.Ty`), or of
    ``None`` (a round that never sends)."""
    if ty is None or ty.kind == "none":
        return Layout((), (), False, n)
    if ty.kind == "tuple":
        kinds, opts = [], []
        for item in ty.items:
            k, o = _scalar(item)
            kinds.append(k)
            opts.append(o)
        return Layout(kinds, opts, True, n)
    k, o = _scalar(ty)
    return Layout((k,), (o,), False, n)


def _scalar(ty: Any) -> tuple[str, bool]:
    kind = ty.kind
    if kind in ("int", "rat", "value"):
        return "int", bool(ty.optional)
    if kind == "bool":
        return "bool", bool(ty.optional)
    if kind == "proc":
        return "proc", bool(ty.optional)
    if kind == "none":
        return "int", True
    raise ValueError(f"payload type {ty.show()} has no wire layout")


def layout_of_local(decl: Any, n: int) -> Layout:
    """The layout of a value of a ``Local`` declaration (decisions)."""
    from hoverify.dsl import Proc  # noqa: PLC0415

    base = decl.base
    kind = "bool" if base is bool else "proc" if base is Proc else "int"
    return Layout((kind,), (bool(decl.optional),), False, n)


# ---- packets ---------------------------------------------------------------------------------


def bitmap_size(lanes: int) -> int:
    return (lanes + 7) >> 3


def parse_header(data: bytes) -> tuple[int, int, int, int, int]:
    """``(kind, sender, instance, round, lanes)`` of a packet; raises :class:`Invalid`."""
    if len(data) < HEADER_SIZE:
        raise Invalid("size")
    version, kind, sender, inst, rnd, lanes = HEADER.unpack_from(data)
    if version != VERSION:
        raise Invalid("version")
    if kind != KIND_DATA and kind != KIND_DECIDED:
        raise Invalid("kind")
    return kind, sender, inst, rnd, lanes


def encode_one(sender: int, inst: int, rnd: int, layout: Layout, payload: Any) -> bytes:
    """The DATA packet of one lane: ``encode_data(sender, inst, rnd, layout, [payload])``."""
    if payload is NOMSG:
        return _HEADER_AND_BYTE.pack(VERSION, KIND_DATA, sender, inst, rnd, 1, 0)
    return _HEADER_AND_BYTE.pack(VERSION, KIND_DATA, sender, inst, rnd, 1, 1) + layout.encode(
        payload)


def encode_data(sender: int, inst: int, rnd: int, layout: Layout,
                lanes: Sequence[Any]) -> bytes:
    """A DATA packet; ``lanes[l]`` is lane ``l``'s payload or :data:`NOMSG`."""
    nl = len(lanes)
    if nl == 1:
        return encode_one(sender, inst, rnd, layout, lanes[0])
    head = HEADER.pack(VERSION, KIND_DATA, sender, inst, rnd, nl)
    encode = layout.encode
    absent = lanes.count(NOMSG)
    if absent == 0:  # every lane present, or none (the common cases): no per-lane bookkeeping
        bits = (1 << nl) - 1
        body = b"".join(map(encode, lanes))
    elif absent == nl:
        bits = 0
        body = b""
    else:
        bits = 0
        parts = []
        for lane, pl in enumerate(lanes):
            if pl is not NOMSG:
                bits |= 1 << lane
                parts.append(encode(pl))
        body = b"".join(parts)
    return head + bits.to_bytes(bitmap_size(nl), "little") + body


def decode_data(data: bytes, layout: Layout, lanes: int) -> list[Any]:
    """The lane payloads of a DATA packet whose header announced ``lanes`` (``NOMSG`` where a lane
    carries nothing); raises :class:`Invalid` (``size``, ``payload``)."""
    nb = bitmap_size(lanes)
    start = HEADER_SIZE + nb
    if len(data) < start:
        raise Invalid("size")
    bits = int.from_bytes(data[HEADER_SIZE:start], "little")
    if bits >> lanes:
        raise Invalid("payload")
    size = layout.size
    if len(data) != start + bits.bit_count() * size:
        raise Invalid("size")
    decode = layout.decode
    if bits == (1 << lanes) - 1:  # every lane present (the common case)
        return [decode(data, start + lane * size) for lane in range(lanes)]
    out: list[Any] = [NOMSG] * lanes
    off = start
    while bits:
        low = bits & -bits
        out[low.bit_length() - 1] = decode(data, off)
        off += size
        bits ^= low
    return out


MAX_DECIDED = 64  # decisions of consecutive instances in one DECIDED packet


def encode_decided(sender: int, first: int, layout: Layout,
                   decisions: Sequence[Sequence[Any]]) -> bytes:
    """A DECIDED packet: the decisions (one value per lane) of the consecutive instances
    ``first, first + 1, ...``; the header's round field holds their number."""
    lanes = len(decisions[0])
    head = HEADER.pack(VERSION, KIND_DECIDED, sender, first, len(decisions), lanes)
    return head + b"".join(layout.encode(v) for vals in decisions for v in vals)


def decode_decided(data: bytes, layout: Layout, lanes: int, count: int) -> list[tuple[Any, ...]]:
    """The decisions of a DECIDED packet announcing ``count`` instances; raises
    :class:`Invalid`."""
    if not 1 <= count <= MAX_DECIDED:
        raise Invalid("payload")
    size = layout.size
    if len(data) != HEADER_SIZE + count * lanes * size:
        raise Invalid("size")
    out = []
    off = HEADER_SIZE
    for _ in range(count):
        vals = []
        for _ in range(lanes):
            vals.append(layout.decode(data, off))
            off += size
        out.append(tuple(vals))
    return out


__all__ = ["VERSION", "KIND_DATA", "KIND_DECIDED", "HEADER", "HEADER_SIZE", "NOMSG", "Invalid",
           "EncodeError", "Layout", "layout_of_type", "layout_of_local", "parse_header",
           "encode_one", "encode_data", "decode_data", "encode_decided", "decode_decided",
           "MAX_DATAGRAM", "MAX_DECIDED"]
