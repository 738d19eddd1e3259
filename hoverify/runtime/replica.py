"""A replica: one process of a model, running its rounds over UDP (PSync's runtime, POPL'16).

The replica runs the model's own ``init``/``send``/``update`` through the lockstep executor's
per-process steps (:meth:`hoverify.executor.Engine.send_one` and ``update_from``), so the round
semantics are defined once. What the runtime adds is *when* a round ends and *which* messages
are in the mailbox:

* **Round end.** Round ``r`` starts with ``send``: the replica sends every peer one packet, its
  message or the empty marker. The round ends when ``enough`` distinct processes were heard
  (default: all ``n``; the replica hears itself at once) or when the round's timeout fires
  (:class:`~hoverify.runtime.config.RoundPolicy`, per round class). ``update`` then runs on the
  messages received: the HO set of the round is the set of processes heard.
* **Late messages** (a past round or instance) are dropped; **duplicates** (a second packet from a
  sender for a round) are dropped.
* **Catch-up.** A valid packet of a later round ``R`` of the current instance ends the current
  round, runs ``update`` for the skipped rounds on what was received for them (no ``send`` in a
  skipped round: for the others that is an omission), and starts round ``R``. A packet more than
  ``window`` rounds ahead is dropped (counted under ``round``): it bounds the work one packet
  can cause.
* **Instances.** Consensus instances run back to back; every packet names its instance. An
  instance ends at this replica when every lane has decided; the replica then starts the next
  one at once. Packets of the next instance are buffered until then. A replica that decided
  answers a packet of an instance it has finished with a DECIDED packet, so a replica that
  missed the decision learns it (``learned``) instead of waiting; a replica that hears of an
  instance two or more ahead of its own asks (it sends the sender an empty marker of its current
  round, which the sender answers with the decision). A replica more than 64 instances behind
  gives its instance up and jumps ahead; a restarted replica (``first_instance=None``) joins the
  first instance it hears of.
* **Lanes** (``batch``): ``batch`` independent instances of the model (one process of each) run in
  the same rounds and packets, sharing the HO sets: batching several requests per instance. A
  lane that has decided keeps running the model's rounds until every lane of its instance has.
* **Choices** (``record=True``): the values the model's ``choose``/``coin`` returned are logged
  per instance, round, lane and step (``choice_log``), next to the HO sets (``ho_log``), for
  :mod:`hoverify.runtime.replay`.
* **I/O.** The replica reads its UDP socket itself from the event loop (``add_reader``: every
  queued datagram per readiness event, into a buffer one byte larger than the largest valid
  packet) and sends with ``sendto`` (a full send buffer is an omission, counted as ``txfull``);
  one round timer at a time, re-armed lazily, ends rounds on their timeouts.

Every received packet is validated (:mod:`hoverify.runtime.wire`); an invalid one is counted in
``stats`` under its reason (see :data:`INVALID`) and dropped, never raised. An error of the model
itself (an exception in its code, a payload that does not fit its type) stops the replica with
``error`` set.
"""

from __future__ import annotations

import asyncio
import math
import random
import socket
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hoverify.dsl import Algorithm, Broadcast
from hoverify.errors import HoverifyError
from hoverify.executor import Engine
from hoverify.mailbox import Mailbox
from hoverify.runtime.config import NetFaults, RoundPolicy, RuntimeConfig
from hoverify.runtime.netfaults import Sender
from hoverify.runtime.schema import Schema, schema_of
from hoverify.runtime.wire import (
    HEADER,
    HEADER_SIZE,
    KIND_DATA,
    KIND_DECIDED,
    MAX_DATAGRAM,
    MAX_DECIDED,
    NOMSG,
    VERSION,
    EncodeError,
    Invalid,
    decode_data,
    decode_decided,
    encode_data,
    encode_decided,
    encode_one,
    parse_header,
)

Address = tuple[str, int]
Inputs = Callable[[int, int], Any]  # (instance, lane) -> initial value

#: reasons under which invalid packets are counted
INVALID = ("size", "version", "kind", "sender", "source", "lanes", "instance", "round",
           "payload")

_HISTORY = 4096  # decisions kept to answer laggards
_unpack_header = HEADER.unpack_from
_JUMP = 64  # a replica this many instances behind gives its instance up and jumps ahead


@dataclass(frozen=True)
class Decision:
    """An instance as it ended at one replica: one value per lane, the round in which the model
    decided (or, if ``learned``, the round the replica was in when a peer told it), and the
    latency from the start of the instance at this replica."""

    instance: int
    values: tuple[Any, ...]
    round: int
    learned: bool
    latency: float


class Replica:
    """One replica; see the module docstring. ``peers[i]`` is the address of replica ``i``
    (``peers[me]`` its own); ``inputs(instance, lane)`` its initial values; it serves instances
    ``first_instance, first_instance + 1, ...`` below ``until`` (``None``: forever). ``stream``
    says which of a replica's instance streams this is (:mod:`hoverify.runtime.streams`): only
    its random draws (the model's choices, injected faults) depend on it."""

    def __init__(self, model: type[Algorithm], me: int, peers: Sequence[Address], *,
                 inputs: Inputs, until: int | None = None, first_instance: int | None = 0,
                 config: RuntimeConfig | None = None, faults: NetFaults | None = None,
                 on_decide: Callable[[Replica, Decision], None] | None = None,
                 schema: Schema | None = None, stream: int = 0) -> None:
        n = len(peers)
        if not 0 <= me < n:
            raise HoverifyError(f"replica id {me} is not in 0..{n - 1}")
        if n > 0xFFFF:
            raise HoverifyError(f"at most 65535 replicas, not {n}")
        self.model = model
        self.me = me
        self.n = n
        self.addrs = tuple((str(h), int(p)) for h, p in peers)
        self.inputs = inputs
        self.until = until
        self.config = config = config or RuntimeConfig()
        self.faults = faults or NetFaults()
        self.on_decide = on_decide
        self.schema = schema or schema_of(model, n)
        self.engine = Engine(model, n)
        self.k = len(model.rounds)
        self.policies: tuple[RoundPolicy, ...] = config.policies(self.schema.round_names)
        self.enough = tuple(n if p.enough is None else max(1, min(p.enough, n))
                            for p in self.policies)
        self.timeouts = tuple(p.timeout for p in self.policies)
        self.layouts = self.schema.rounds
        self.B = config.batch
        self.decided_at = self.engine.names.index("decided")
        self.decision_at = self.engine.names.index("decision")
        # the seed of this replica's random streams (choices, injected faults); the streams of
        # one replica id (:mod:`hoverify.runtime.streams`) each draw their own
        self._seed = f"{config.seed}:{{}}:{me}" + (f":{stream}" if stream else "")
        rng = random.Random(self._seed.format("choices"))
        self.chooser: Callable[[tuple[Any, ...]], Any] = (
            lambda opts: opts[rng.randrange(len(opts))])
        # record=True: the choices of the instance in progress, per (round, lane, step) (step 0:
        # send, 1: update); _ckey is the step running
        self._ch: dict[tuple[int, int, int], list[Any]] = {}
        self._ckey: tuple[int, int, int] = (0, 0, 0)
        if config.record:
            draw = self.chooser

            def recording(opts: tuple[Any, ...]) -> Any:
                v = draw(opts)
                self._ch.setdefault(self._ckey, []).append(v)
                return v

            self.chooser = recording
        #: starts the round ``self.r``: its ``send``, its packets, its deadline
        self._begin_round: Callable[[], None] = (
            self._begin_round_one if self.B == 1 else self._begin_round_lanes)
        self.others = tuple(q for q in range(n) if q != me)
        self.other_addrs = tuple(self.addrs[q] for q in self.others)
        self.me_bit = 1 << me
        self.max_size = min(MAX_DATAGRAM, 64 + self.B * max(
            [1 + lay.size for lay in self.layouts] + [MAX_DECIDED * self.schema.decision.size]))
        # run state
        self.state = "joining" if first_instance is None else "idle"
        self.first_instance = first_instance
        self.inst = -1 if first_instance is None else first_instance
        self.r = 0
        self.rows: list[tuple[Any, ...]] = []
        self.heard = 0
        self._need = n  # processes to hear before the current round ends (its ``enough``)
        self.msgs: list[dict[int, Any]] = []
        self.future: dict[int, tuple[int, list[dict[int, Any]]]] = {}
        self.next_buf: list[tuple[bytes, Address]] = []
        self._replay: deque[tuple[bytes, Address]] = deque()
        # the round timer: armed at most once at a time; a round that ends before its timeout
        # leaves it armed, and when it fires it re-arms itself for the deadline of the round then
        # running (one timer per timeout period instead of one per round)
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf  # when the armed timer fires (inf: none armed)
        self._deadline = 0.0
        self._t0 = 0.0
        self._ho: list[tuple[int, int]] = []
        self._nudged: tuple[tuple[int, int], int] = ((-1, -1), 0)
        # results
        self.decisions: list[Decision] = []
        self.history: dict[int, tuple[Any, ...]] = {}
        self.ho_log: dict[int, tuple[tuple[int, int], ...]] = {}
        #: record=True: per instance, the values ``choose``/``coin`` returned to the model, per
        #: ``(round, lane, step)`` (step 0: ``send``, 1: ``update``), in call order
        self.choice_log: dict[int, dict[tuple[int, int, int], tuple[Any, ...]]] = {}
        self.stats: Counter[str] = Counter()
        self.error: str | None = None
        self.sock: Any = None  # the socket (or a stream's port, which has its ``sendto``)
        self._reader_fd: int | None = None  # the socket this replica reads itself
        self.sender: Sender | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.done: asyncio.Future[None] | None = None
        self._tx: Callable[[bytes, Address], None] = lambda data, addr: None
        # a received datagram is read with one byte more than the largest valid packet, so an
        # oversized one is seen as such (and rejected as ``size``) without a larger buffer
        self._rx_size = self.max_size + 1

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self, sock: Any = None) -> None:
        """Bind (``peers[me]``, or take the given bound UDP socket, which the replica then owns
        and closes) and start running."""
        loop = asyncio.get_running_loop()
        if sock is None:
            sock = bind_udp(self.addrs[self.me])
        sock.setblocking(False)
        self.attach(loop, sock)
        # the socket is read directly (every datagram queued, per readiness event) and written
        # directly: UDP needs no transport's buffering
        self._reader_fd = sock.fileno()
        loop.add_reader(self._reader_fd, self._readable)
        self.begin()

    def attach(self, loop: asyncio.AbstractEventLoop, sock: Any) -> None:
        """Send through ``sock`` (anything with ``sendto`` and ``close``) from now on; the
        replica reads nothing itself: whoever attached it hands it the datagrams
        (:meth:`datagram_received`). :meth:`start` does this for a socket of its own."""
        self.loop = loop
        if self.done is None:
            self.done = loop.create_future()
        self.sock = sock
        if self.faults.active:
            self.sender = Sender(self, self.faults, self._seed.format("net"), loop)
            self._tx = self.sender.send
        else:
            self._tx = self.sendto

    def begin(self) -> None:
        """Start running (after :meth:`attach`)."""
        if self.state == "idle":
            self._guard(self._start, self.inst)

    def sendto(self, data: bytes, addr: Address) -> None:
        """Send one datagram now; a full send buffer loses it (an omission, as on a network)."""
        self._sendto_all(data, (addr,))

    def _sendto_all(self, data: bytes, addrs: Sequence[Address]) -> None:
        """:meth:`sendto` to each of ``addrs``."""
        sock = self.sock
        if sock is None:
            return
        send = sock.sendto
        for addr in addrs:
            try:
                send(data, addr)
            except (BlockingIOError, InterruptedError):
                self.stats["txfull"] += 1
            except OSError:
                self.stats["icmp"] += 1

    def _send_others(self, data: bytes) -> None:
        """Send ``data`` to every other replica (through the fault injector if there is one)."""
        if self.sender is None:
            self._sendto_all(data, self.other_addrs)
        else:
            for addr in self.other_addrs:
                self._tx(data, addr)

    def _readable(self) -> None:
        """Read and handle the datagrams queued on the socket (at most 64: timers and the other
        replicas of the loop get their turn)."""
        sock = self.sock
        size = self._rx_size
        recv = sock.recvfrom
        handle = self._handle
        try:
            for _ in range(64):
                try:
                    data, addr = recv(size)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    # ICMP port unreachable on loopback when a peer is down: an omission
                    self.stats["icmp"] += 1
                    return
                handle(data, addr)
                while self._replay and self.running:
                    handle(*self._replay.popleft())
                if self.sock is not sock:  # stopped (crash, close, error)
                    return
        except (HoverifyError, EncodeError) as e:
            self._fail(e)

    def _start(self, inst: int) -> None:
        if self.until is not None and inst >= self.until:
            self._set_finished()
            return
        self.state = "running"
        self._begin_instance(inst)
        self._settle()

    def crash(self) -> None:
        """Crash-stop: stop at once, sending and answering nothing more."""
        if self.state in ("crashed", "closed"):
            return
        self.state = "crashed"
        self._shutdown()

    def close(self) -> None:
        """Stop (a finished replica keeps answering laggards until closed)."""
        if self.state != "crashed":
            self.state = "closed"
        self._shutdown()

    def _shutdown(self) -> None:
        self._cancel_timer()
        if self.sender is not None:
            self.sender.close()
        self._tx = lambda data, addr: None
        sock, self.sock = self.sock, None
        fd, self._reader_fd = self._reader_fd, None
        if fd is not None and self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(fd)
        if sock is not None:
            sock.close()
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    @property
    def finished(self) -> bool:
        return self.state == "finished"

    @property
    def running(self) -> bool:
        return self.state in ("running", "joining")

    def _set_finished(self) -> None:
        self.state = "finished"
        self._cancel_timer()
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    def _guard(self, fn: Callable[..., None], *args: Any) -> None:
        """Run a step; an error of the model stops this replica (recorded in ``error``)."""
        try:
            fn(*args)
            while self._replay and self.running:
                self._handle(*self._replay.popleft())
        except (HoverifyError, EncodeError) as e:
            self._fail(e)

    def _fail(self, e: Exception) -> None:
        self.error = f"replica {self.me}: {e}"
        self.state = "failed"
        self._shutdown()

    # ---- instances and rounds ----------------------------------------------------------------
    def _begin_instance(self, inst: int) -> None:
        self.inst = inst
        self.r = 0
        self._t0 = self.loop.time() if self.loop is not None else 0.0
        eng, me, inputs = self.engine, self.me, self.inputs
        self.rows = [eng.init_one(me, inputs(inst, lane)) for lane in range(self.B)]
        self.future.clear()
        if self.config.record:
            self._ho = []
            self._ch = {}
        if self.next_buf:
            self._replay.extend(self.next_buf)
            self.next_buf = []
        self._begin_round()

    def _begin_round_lanes(self) -> None:
        """Start round ``self.r`` in every lane: run ``send`` per lane and send every peer one
        packet with its lanes (``_begin_round`` when there are several lanes)."""
        r, me, B = self.r, self.me, self.B
        j = r % self.k
        self._need = self.enough[j]
        self.heard = self.me_bit
        msgs: list[dict[int, Any]] = [{} for _ in range(B)]
        buf = self.future.pop(r, None)
        if buf is not None:
            self.heard |= buf[0]
            for lane in range(B):
                msgs[lane].update(buf[1][lane])
        self.msgs = msgs
        eng, chooser, rows = self.engine, self.chooser, self.rows
        if self.config.record:
            sends = []
            for lane, row in enumerate(rows):
                self._ckey = (r, lane, 0)
                sends.append(eng.send_one(r, me, row, chooser))
        else:
            send = eng.send_one
            sends = [send(r, me, row, chooser) for row in rows]
        bc: list[Any] = [NOMSG] * B
        broadcasts = False
        direct: dict[int, list[Any]] | None = None
        for lane, msg in enumerate(sends):
            if msg is None:
                continue
            pl = msg.payload
            if type(msg) is Broadcast:
                bc[lane] = pl
                broadcasts = True
                msgs[lane][me] = pl
            elif msg.dest == me:
                msgs[lane][me] = pl
            else:
                if direct is None:
                    direct = {}
                dest = msg.dest
                lanes = direct.get(dest)
                if lanes is None:
                    lanes = direct[dest] = list(bc)
                lanes[lane] = pl
        layout = self.layouts[j]
        inst, addrs, tx = self.inst, self.addrs, self._tx
        common: bytes | None = None
        for q in self.others:
            lanes = direct.get(q) if direct is not None else None
            if lanes is None:
                if common is None:
                    common = encode_data(me, inst, r, layout, bc)
                tx(common, addrs[q])
            else:
                if broadcasts:  # broadcasts of lanes after the send_to's lane was created
                    for lane in range(B):
                        if lanes[lane] is NOMSG and bc[lane] is not NOMSG:
                            lanes[lane] = bc[lane]
                tx(encode_data(me, inst, r, layout, lanes), addrs[q])
        self.stats["tx"] += self.n - 1
        self._start_clock(j)

    def _begin_round_one(self) -> None:
        """:meth:`_begin_round_lanes` for one lane (the same steps, without the lanes)."""
        r, me = self.r, self.me
        heard = self.me_bit
        box: dict[int, Any] = {}
        if self.future:
            buf = self.future.pop(r, None)
            if buf is not None:
                heard |= buf[0]
                box.update(buf[1][0])
        self.heard = heard
        self.msgs = [box]
        if self.config.record:
            self._ckey = (r, 0, 0)
        msg = self.engine.send_one(r, me, self.rows[0], self.chooser)
        j = r % self.k
        self._need = self.enough[j]
        layout = self.layouts[j]
        inst = self.inst
        if msg is not None and type(msg) is Broadcast:
            pl = msg.payload
            box[me] = pl
            self._send_others(encode_one(me, inst, r, layout, pl))
        else:
            dest = me
            if msg is not None:
                dest = msg.dest
                if dest == me:
                    box[me] = msg.payload
                else:
                    self._tx(encode_one(me, inst, r, layout, msg.payload), self.addrs[dest])
            empty = encode_one(me, inst, r, layout, NOMSG)
            if dest == me:
                self._send_others(empty)
            else:
                for q in self.others:
                    if q != dest:
                        self._tx(empty, self.addrs[q])
        self.stats["tx"] += self.n - 1
        self._start_clock(j)

    def _update(self, r: int, heard: int, msgs: list[dict[int, Any]]) -> bool:
        """Run ``update`` for every lane; whether every lane has decided."""
        eng, me, chooser, rows = self.engine, self.me, self.chooser, self.rows
        record = self.config.record
        if self.B == 1:
            if record:
                self._ckey = (r, 0, 1)
            row = rows[0] = eng.update_from(r, me, rows[0], Mailbox.of(msgs[0]), chooser)
            if record:
                self._ho.append((r, heard))
            return bool(row[self.decided_at])
        if record:
            for lane in range(self.B):
                self._ckey = (r, lane, 1)
                rows[lane] = eng.update_from(r, me, rows[lane], Mailbox.of(msgs[lane]), chooser)
            self._ho.append((r, heard))
        else:
            update, mailbox = eng.update_from, Mailbox.of
            rows[:] = [update(r, me, row, mailbox(box), chooser) for row, box in zip(rows, msgs)]
        d = self.decided_at
        for row in rows:
            if not row[d]:
                return False
        return True

    def _end_round(self) -> None:
        if self._update(self.r, self.heard, self.msgs):
            self._finish(False)
            return
        self._next_round(self.r + 1)

    def _next_round(self, r: int) -> None:
        if r >= self.config.max_rounds:
            self.stats["abandoned"] += 1
            self._next_instance()
            return
        self.r = r
        self._begin_round()

    def _catch_up(self, target: int) -> None:
        """End the current round, run the rounds before ``target`` on what was received for
        them (without sending), and start round ``target``."""
        self.stats["catchup"] += 1
        if self._update(self.r, self.heard, self.msgs):
            self._finish(False)
            return
        r = self.r + 1
        empty: list[dict[int, Any]] = [{} for _ in range(self.B)]
        while r < target:
            self.r = r
            buf = self.future.pop(r, None)
            heard, msgs = buf if buf is not None else (0, empty)
            if self._update(r, heard, msgs):
                self._finish(False)
                return
            r += 1
        self._next_round(target)

    def _settle(self) -> None:
        """End rounds while the current one has heard enough (buffered messages can complete a
        round as soon as it starts)."""
        while self.state == "running" and self.heard.bit_count() >= self._need:
            self._end_round()

    def _start_clock(self, j: int) -> None:
        """Set the deadline of the round starting now (of round class ``j``) and make sure the
        round timer fires by then."""
        loop = self.loop
        assert loop is not None
        self._deadline = deadline = loop.time() + self.timeouts[j]
        if deadline < self._timer_at:
            self._arm(loop, deadline)

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        """Make the round timer fire at ``deadline``, replacing an armed one (a timer armed for a
        later time, after a round with a longer timeout, is moved; one armed for an earlier time
        is kept by :meth:`_start_clock` and re-arms itself when it fires)."""
        self._cancel_timer()
        self._timer = loop.call_at(deadline, self._on_timer)
        self._timer_at = deadline

    def _cancel_timer(self) -> None:
        """Disarm the round timer (if armed)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = math.inf

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = math.inf
        if self.state != "running":
            return
        loop = self.loop
        assert loop is not None
        if loop.time() + 1e-6 < self._deadline:  # armed for a round that ended before it
            self._arm(loop, self._deadline)
            return
        self.stats["timeout"] += 1
        self._guard(self._timeout_step)

    def _timeout_step(self) -> None:
        self._end_round()
        self._settle()

    def _finish(self, learned: bool, values: tuple[Any, ...] | None = None) -> None:
        if values is None:
            v = self.decision_at
            values = tuple(row[v] for row in self.rows)
        now = self.loop.time() if self.loop is not None else 0.0
        self._record(Decision(self.inst, values, self.r, learned, now - self._t0))
        self._next_instance()

    def _record(self, dec: Decision) -> None:
        inst = dec.instance
        self.decisions.append(dec)
        self.history[inst] = dec.values
        self.history.pop(inst - _HISTORY, None)
        if self.config.record:
            self.ho_log[inst] = tuple(self._ho)
            self.choice_log[inst] = {k: tuple(v) for k, v in self._ch.items()}
        if dec.learned:
            self.stats["learned"] += 1
        if self.on_decide is not None:
            self.on_decide(self, dec)

    def _next_instance(self) -> None:
        nxt = self.inst + 1
        if self.until is not None and nxt >= self.until:
            self.inst = nxt
            self.next_buf = []
            self._set_finished()
            return
        self._begin_instance(nxt)

    # ---- receiving -----------------------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: Any) -> None:
        self._guard(self._handle, data, addr)

    def _handle(self, data: bytes, addr: Any) -> None:
        st = self.stats
        st["rx"] += 1
        size = len(data)
        if self.B == 1 and HEADER_SIZE < size <= self.max_size:
            # the common case, a DATA packet of the round in progress: the checks of the general
            # path below, in its order, for one lane (anything else goes the general path)
            version, kind, q, inst, rnd, lanes = _unpack_header(data)
            if (version == VERSION and kind == KIND_DATA and q < self.n and q != self.me
                    and lanes == 1 and inst == self.inst and rnd == self.r
                    and self.state == "running"):
                flag = data[HEADER_SIZE]
                layout = self.layouts[rnd % self.k]
                if flag == 1 and size == HEADER_SIZE + 1 + layout.size:
                    try:
                        pl = layout.decode(data, HEADER_SIZE + 1)
                    except Invalid as e:
                        st[e.reason] += 1
                        return
                elif flag == 0 and size == HEADER_SIZE + 1:
                    pl = NOMSG
                else:
                    self._handle_general(data, addr)
                    return
                if self.config.check_source and addr != self.addrs[q]:
                    st["source"] += 1
                    return
                bit = 1 << q
                heard = self.heard
                if heard & bit:
                    st["duplicate"] += 1
                    return
                self.heard = heard = heard | bit
                if pl is not NOMSG:
                    self.msgs[0][q] = pl
                if heard.bit_count() >= self._need:
                    self._settle()
                return
        self._handle_general(data, addr)

    def _handle_general(self, data: bytes, addr: Any) -> None:
        st = self.stats
        if len(data) > self.max_size:
            st["size"] += 1
            return
        try:
            kind, q, inst, rnd, lanes = parse_header(data)
        except Invalid as e:
            st[e.reason] += 1
            return
        if q >= self.n or q == self.me:
            st["sender"] += 1
            return
        if lanes != self.B:
            st["lanes"] += 1
            return
        if kind == KIND_DECIDED:
            self._on_decided(data, addr, q, inst, rnd)
            return
        state = self.state
        if state not in ("running", "finished", "joining"):
            return
        cur = self.inst
        if state != "joining" and inst < cur:
            self._answer_stale(data, addr, q, inst)
            return
        if self.until is not None and inst >= self.until:
            st["instance"] += 1
            return
        if rnd >= self.config.max_rounds:
            st["round"] += 1
            return
        if state == "joining":
            if rnd > self.config.window:
                st["round"] += 1
                return
            if self._decode(data, addr, q, rnd) is None:
                return
            st["joined"] += 1
            self.state = "running"
            self._begin_instance(inst)
        elif inst > cur:
            if inst > cur + self.config.instance_gap:
                st["instance"] += 1
                return
            if inst == cur + 1:
                if len(self.next_buf) < self.n * 64:
                    self.next_buf.append((data, addr))
                st["early"] += 1
                return
            if inst - cur <= _JUMP and state == "running":
                # the peers are instances ahead: they will tell us the decisions of ours
                # (DECIDED) when they get a packet of it; send them one now
                st["behind"] += 1
                if self.config.check_source and addr != self.addrs[q]:
                    return
                key = (cur, self.r)
                if self._nudged[0] != key:
                    self._nudged = (key, 0)
                if self._nudged[1] >> q & 1:
                    return  # asked this peer in this round already
                self._nudged = (key, self._nudged[1] | 1 << q)
                self._tx(encode_data(self.me, cur, self.r, self.layouts[self.r % self.k],
                                     [NOMSG] * self.B), self.addrs[q])
                return
            if rnd > self.config.window:
                st["round"] += 1
                return
            if self._decode(data, addr, q, rnd) is None:
                return
            st["abandoned"] += 1
            self._begin_instance(inst)
        if self.state != "running":
            return
        r = self.r
        if rnd < r:
            st["late"] += 1
            return
        if rnd - r > self.config.window:
            st["round"] += 1
            return
        pls = self._decode(data, addr, q, rnd)
        if pls is None:
            return
        bit = 1 << q
        if rnd == r:
            if self.heard & bit:
                st["duplicate"] += 1
                return
            self.heard |= bit
            for box, pl in zip(self.msgs, pls):
                if pl is not NOMSG:
                    box[q] = pl
        else:
            buf = self.future.get(rnd)
            if buf is None:
                buf = self.future[rnd] = (0, [{} for _ in range(self.B)])
            elif buf[0] & bit:
                st["duplicate"] += 1
                return
            self.future[rnd] = (buf[0] | bit, buf[1])
            for box, pl in zip(buf[1], pls):
                if pl is not NOMSG:
                    box[q] = pl
            self._catch_up(rnd)
        self._settle()

    def _decode(self, data: bytes, addr: Any, q: int, rnd: int) -> list[Any] | None:
        try:
            pls = decode_data(data, self.layouts[rnd % self.k], self.B)
        except Invalid as e:
            self.stats[e.reason] += 1
            return None
        if self.config.check_source and addr != self.addrs[q]:
            self.stats["source"] += 1
            return None
        return pls

    def _answer_stale(self, data: bytes, addr: Any, q: int, inst: int) -> None:
        st = self.stats
        st["stale"] += 1
        history = self.history
        if inst not in history:
            return
        if self.config.check_source and addr != self.addrs[q]:
            st["source"] += 1
            return
        decs: list[tuple[Any, ...]] = []
        i = inst
        while i in history and len(decs) < MAX_DECIDED:
            decs.append(history[i])
            i += 1
        self._tx(encode_decided(self.me, inst, self.schema.decision, decs), self.addrs[q])
        st["answered"] += 1

    def _on_decided(self, data: bytes, addr: Any, q: int, first: int, count: int) -> None:
        st = self.stats
        try:
            decs = decode_decided(data, self.schema.decision, self.B, count)
        except Invalid as e:
            st[e.reason] += 1
            return
        if self.config.check_source and addr != self.addrs[q]:
            st["source"] += 1
            return
        cur = self.inst
        if self.state != "running" or not first <= cur < first + len(decs):
            st["late"] += 1
            return
        # learn the current instance's decision and those after it that the packet carries; a
        # lane this replica decided itself keeps its own decision (decisions are irrevocable: a
        # different one from the peer is an agreement violation, reported, not overwritten)
        now = self.loop.time() if self.loop is not None else 0.0
        r, t = self.r, now - self._t0
        d = self.decided_at
        if any(row[d] for row in self.rows):
            v = self.decision_at
            decs = list(decs)
            decs[cur - first] = tuple(row[v] if row[d] else peer
                                      for row, peer in zip(self.rows, decs[cur - first]))
        for k, values in enumerate(decs[cur - first:]):
            inst = cur + k
            if self.until is not None and inst >= self.until:
                break
            if k:
                self.inst = inst
                self._ho = []
                self._ch = {}
                self.next_buf = []
            self._record(Decision(inst, values, r if k == 0 else 0, True, t if k == 0 else 0.0))
        self._next_instance()
        self._settle()

    # ---- reports -------------------------------------------------------------------------------
    def invalid_counts(self) -> dict[str, int]:
        return {k: self.stats[k] for k in INVALID if self.stats[k]}


def bind_udp(addr: Address) -> socket.socket:
    """A non-blocking UDP socket bound to ``addr``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(addr)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


__all__ = ["Replica", "Decision", "INVALID", "Address", "Inputs", "bind_udp"]
