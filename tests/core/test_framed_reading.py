"""Plain messages go from the socket into the log, everything else through websockets, in the
order they crossed the wire however the bytes are cut into reads (core/websocket/framed.py)."""

from __future__ import annotations

import struct

import pytest
from helpers.asyncwait import run, until
from helpers.scripted import (
    Close,
    Deflater,
    Heard,
    Hold,
    ScriptedServer,
    Sent,
    Write,
    frame,
    upgrade,
)
from helpers.sessions import finished, open_session, options_for
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Opcode

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    ConnState,
    ControlEvent,
    Direction,
    ErrorEvent,
    Event,
    MessageEvent,
)
from wsinspector.core.websocket.framed import KEEP_PARTIAL, FramedConnection
from wsinspector.core.websocket.session import Session

TEXT, BINARY, CONT, PING, PONG = 1, 2, 0, 9, 10
CLOSE_1000 = frame(8, struct.pack("!H", 1000))

# Every kind of frame a server sends, with what the log shows for each, in order.
STREAM = [
    (frame(TEXT, b"alpha"), ("text", b"alpha")),
    (frame(PING, b"p1"), ("ping", b"p1")),
    (frame(BINARY, b"\x00\x01beta"), ("binary", b"\x00\x01beta")),
    (frame(TEXT, b"fr", fin=False) + frame(PING, b"p2") + frame(CONT, b"ag"), None),
    (b"", ("ping", b"p2")),
    (b"", ("text", b"frag")),
    (frame(TEXT, b"gamma"), ("text", b"gamma")),
    (frame(PONG, b"unasked"), ("pong", b"unasked")),
    (frame(TEXT, b"e" * 300), ("text", b"e" * 300)),
    (frame(BINARY, b"f" * 70_000), ("binary", b"f" * 70_000)),
    (frame(TEXT, b"omega"), ("text", b"omega")),
]
WIRE = b"".join(data for data, _ in STREAM)
EXPECTED = [shown for _, shown in STREAM if shown is not None]


def shown(events: list[Event]) -> list[tuple[str, bytes]]:
    """What the log shows of the received messages and control frames, in its order."""
    rows: list[tuple[str, bytes]] = []
    for event in events:
        if isinstance(event, MessageEvent) and event.direction is Direction.IN:
            rows.append(("text" if event.text else "binary", event.data))
        elif isinstance(event, ControlEvent) and event.direction is Direction.IN:
            rows.append((event.kind.value, event.data))
    return rows


# The session sends it once the connection is logged as open, just before it reads: the bytes
# the server writes after hearing it reach the framer, not websockets alone.
HELLO = ("hello",)


def play(script: list[object], **options: object) -> Session:
    async def body() -> Session:
        with ScriptedServer(script) as server:  # type: ignore[arg-type]
            session = Session(options_for(server.url("/"), **options), EventLog())
            session.start()
            await finished(session, timeout=10.0)
            return session

    return run(body)


def test_every_kind_of_frame_in_the_same_read_as_the_handshake_keeps_its_order() -> None:
    session = play([Write(lambda key: upgrade()(key) + WIRE + CLOSE_1000), Sent(), Close()])
    assert shown(list(session.log)) == EXPECTED


@pytest.mark.parametrize("piece", [1, 7, 1000])
def test_the_order_holds_however_the_reads_cut_the_frames(piece: int) -> None:
    # Small frames only when cut in small pieces: 10,000 writes would take long.
    small = piece < 1000
    wire = WIRE.replace(frame(BINARY, b"f" * 70_000), b"") if small else WIRE
    expected = [row for row in EXPECTED if row[1] != b"f" * 70_000] if small else EXPECTED
    pieces = [wire[i : i + piece] for i in range(0, len(wire), piece)]
    script: list[object] = [Write(upgrade()), Heard()]
    for chunk in pieces:
        script += [Write(chunk), Sent()]
    session = play([*script, Write(CLOSE_1000), Sent(), Close()], on_connect_messages=HELLO)
    assert shown(list(session.log)) == expected
    assert session.log.counters.messages_in == len(
        [r for r in expected if r[0] in ("text", "binary")]
    )


def test_a_long_frame_is_handed_over_as_it_arrives_and_plain_ones_follow_it() -> None:
    big = b"%08d" % 7 * (KEEP_PARTIAL // 4)  # twice KEEP_PARTIAL
    wire = frame(TEXT, b"before") + frame(BINARY, big) + frame(TEXT, b"after") * 3
    script = [Write(upgrade()), Heard(), Write(wire + CLOSE_1000), Sent(), Close()]
    session = play(script, on_connect_messages=HELLO)
    assert shown(list(session.log)) == [
        ("text", b"before"),
        ("binary", big),
        ("text", b"after"),
        ("text", b"after"),
        ("text", b"after"),
    ]


def test_a_message_received_by_websockets_is_logged_before_a_plain_one_read_later() -> None:
    """Two reads with no turn of the loop between them: the fragmented message of the first is
    still with websockets when the plain one of the second arrives."""

    async def body() -> Session:
        with ScriptedServer([Write(upgrade()), Hold()]) as server:
            session = await open_session(server.url("/"))
            websocket = session.websocket
            assert isinstance(websocket, FramedConnection)
            await until(lambda: websocket._log is not None)  # the reader is reading
            websocket.data_received(frame(TEXT, b"fir", fin=False) + frame(CONT, b"st"))
            websocket.data_received(frame(TEXT, b"second"))
            await until(lambda: session.log.counters.messages_in == 2)
            await session.close()
            return session

    session = run(body)
    assert shown(list(session.log)) == [("text", b"first"), ("text", b"second")]


def test_a_listener_that_fails_on_a_plain_message_fails_the_session_in_words() -> None:
    class Failing:
        def event_appended(self, log: EventLog, event: Event) -> None:
            pass

        def messages_appended(self, log: EventLog) -> None:
            if log.counters.messages_in == 2:
                raise RuntimeError("the listener broke")

        def log_cleared(self, log: EventLog) -> None:
            pass

        def events_dropped(self, log: EventLog, count: int) -> None:
            pass

    async def body() -> Session:
        wire = b"".join(frame(TEXT, b"m%d" % i) for i in range(5))
        with ScriptedServer([Write(upgrade()), Heard(), Write(wire), Hold()]) as server:
            session = Session(options_for(server.url("/"), on_connect_messages=HELLO), EventLog())
            session.log.add_listener(Failing())
            session.start()
            await finished(session, timeout=10.0)
            return session

    session = run(body)
    assert session.state is ConnState.FAILED
    errors = [e.message for e in session.log if isinstance(e, ErrorEvent)]
    assert any("the listener broke" in message for message in errors), errors


def test_the_message_limit_still_fails_a_plain_message_with_1009() -> None:
    async def body() -> Session:
        wire = frame(TEXT, b"small") + frame(TEXT, b"x" * 2000) + frame(TEXT, b"never")
        script = [Write(upgrade()), Heard(), Write(wire), Hold()]
        with ScriptedServer(script) as server:  # type: ignore[arg-type]
            options = options_for(server.url("/"), max_message_size=1000, on_connect_messages=HELLO)
            session = Session(options, EventLog())
            session.start()
            await finished(session, timeout=10.0)
            return session

    session = run(body)
    assert shown(list(session.log)) == [("text", b"small")]
    assert "over the limit of 1,000 bytes" in session.last_error


def test_a_read_of_many_messages_keeps_the_logs_capacity_and_counts() -> None:
    """A read's plain messages go into the log at once: the log still keeps only its newest
    events as they come, says how many went, and counts every message and byte."""
    wire = b"".join(frame(TEXT, b"%05d" % n) for n in range(3000))
    script = [Write(upgrade()), Heard(), Write(wire), Hold()]

    async def body() -> tuple[Session, int]:
        with ScriptedServer(script) as server:  # type: ignore[arg-type]
            options = options_for(server.url("/"), on_connect_messages=HELLO)
            session = Session(options, EventLog(capacity=500))
            session.start()
            await until(lambda: session.log.counters.messages_in == 3000)
            kept = len(session.log)  # before any other event is logged
            await session.close()
            return session, kept

    session, kept = run(body)
    log = session.log
    assert kept <= 550
    received = [data for kind, data in shown(list(log)) if kind == "text"]
    assert received == [b"%05d" % n for n in range(3000)][-len(received) :]
    assert 400 < len(received) <= 500
    assert log.dropped == log.first_id - 1 > 2500
    assert (log.counters.messages_in, log.counters.bytes_in) == (3000, 15000)


# -- permessage-deflate: the framer inflates short compressed frames with the extension's own
# decoder; websockets inflates the rest with the same one, so both must keep the wire's order.

DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
DEFLATE_NO_CONTEXT = b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"


def fragmented(deflater: Deflater, opcode: int, data: bytes, cut: int) -> bytes:
    """A compressed message in two frames, a ping between them."""
    wire = deflater.compress(data)
    return (
        frame(opcode, wire[:cut], fin=False, rsv=4) + frame(PING, b"mid") + frame(CONT, wire[cut:])
    )


def deflated_stream(deflater: Deflater) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Compressed messages (repeats, so a kept context shortens them) mixed with everything
    websockets still reads: pings, an uncompressed message, a fragmented compressed one."""
    hello = b'{"type":"tick","pad":"' + b"x" * 60 + b'"}'
    wire = (
        deflater.message(TEXT, hello)
        + deflater.message(TEXT, hello)
        + frame(PING, b"p1")
        + deflater.message(BINARY, b"\x00\x01" * 40)
        + frame(TEXT, b"not compressed")
        + fragmented(deflater, TEXT, hello + b"-long", 5)
        + deflater.message(TEXT, hello)
        + deflater.message(TEXT, "caf\u00e9 \u2603".encode())
    )
    expected = [
        ("text", hello),
        ("text", hello),
        ("ping", b"p1"),
        ("binary", b"\x00\x01" * 40),
        ("text", b"not compressed"),
        ("ping", b"mid"),
        ("text", hello + b"-long"),
        ("text", hello),
        ("text", "caf\u00e9 \u2603".encode()),
    ]
    return wire, expected


@pytest.mark.parametrize("keep_context", [True, False], ids=["context", "no-context"])
@pytest.mark.parametrize("piece", [3, 1000])
def test_deflated_messages_are_inflated_in_the_order_of_the_wire(
    keep_context: bool, piece: int
) -> None:
    wire, expected = deflated_stream(Deflater(keep_context))
    script: list[object] = [
        Write(upgrade(DEFLATE if keep_context else DEFLATE_NO_CONTEXT)),
        Heard(),
    ]
    for start in range(0, len(wire), piece):
        script += [Write(wire[start : start + piece]), Sent()]
    session = play([*script, Write(CLOSE_1000), Sent(), Close()], on_connect_messages=HELLO)
    assert shown(list(session.log)) == expected
    assert not [e for e in session.log if isinstance(e, ErrorEvent)]


def test_a_deflated_flood_records_each_message_as_one_compressed_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The framer inflates them (websockets' decode() never runs) and records each one's wire
    facts as websockets' path does: RSV1 and the compressed length."""
    decoded: list[object] = []
    websockets_decode = PerMessageDeflate.decode

    def counting_decode(self: PerMessageDeflate, frame: object, **kwargs: object) -> object:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):  # type: ignore[attr-defined]
            decoded.append(frame)
        return websockets_decode(self, frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PerMessageDeflate, "decode", counting_decode)
    deflater = Deflater()
    messages = [b"message %04d " % n + b"y" * 50 for n in range(300)]
    wire = b"".join(deflater.message(TEXT, data) for data in messages)
    replay = Deflater()
    lengths = [len(replay.compress(data)) for data in messages]
    session = play(
        [Write(upgrade(DEFLATE)), Heard(), Write(wire + CLOSE_1000), Sent(), Close()],
        on_connect_messages=HELLO,
    )
    log = session.log
    received = [
        index
        for index in range(len(log))
        if isinstance(log[index], MessageEvent) and log[index].direction is Direction.IN
    ]
    assert [log[index].data for index in received] == messages  # type: ignore[union-attr]
    frames = [log.frames_of(log.id_at(index)) for index in received]
    assert [[(f.rsv1, f.length) for f in fs or ()] for fs in frames] == [
        [(True, n)] for n in lengths
    ]
    assert decoded == []


def test_a_compressed_message_over_the_limit_still_fails_with_1009() -> None:
    """Short compressed frames are inflated by the framer; one that could inflate past the
    limit goes to websockets, which the size guard stops."""
    deflater = Deflater()
    small = b"s" * 50_000  # ~60 bytes compressed: the framer's
    big = b"b" * 200_000  # ~200 bytes compressed: more than 100,000 / 1032, websockets'
    wire = deflater.message(TEXT, small) + deflater.message(TEXT, big) + frame(TEXT, b"never")
    script = [Write(upgrade(DEFLATE)), Heard(), Write(wire), Hold()]

    async def body() -> Session:
        with ScriptedServer(script) as server:  # type: ignore[arg-type]
            options = options_for(
                server.url("/"), max_message_size=100_000, on_connect_messages=HELLO
            )
            session = Session(options, EventLog())
            session.start()
            await finished(session, timeout=10.0)
            return session

    session = run(body)
    assert shown(list(session.log)) == [("text", small)]
    assert "over the limit of 100,000 bytes" in session.last_error


def test_a_frame_that_is_not_deflate_fails_in_websockets_words() -> None:
    deflater = Deflater()
    wire = deflater.message(TEXT, b"fine") + frame(TEXT, b"\xff\xfe not deflate", rsv=4)
    script = [Write(upgrade(DEFLATE)), Heard(), Write(wire + frame(TEXT, b"never")), Hold()]

    async def body() -> Session:
        with ScriptedServer(script) as server:  # type: ignore[arg-type]
            session = Session(options_for(server.url("/"), on_connect_messages=HELLO), EventLog())
            session.start()
            await finished(session, timeout=10.0)
            return session

    session = run(body)
    assert shown(list(session.log)) == [("text", b"fine")]
    assert session.last_error is not None and "decompress" in session.last_error


def test_a_deflated_read_larger_than_the_log_keeps_frames_only_for_what_it_keeps() -> None:
    """A read's compressed messages go in at once with their frames; a log that keeps fewer
    events than the read holds keeps the frames of the messages it keeps, under their ids."""
    deflater = Deflater()
    messages = [b"%04d " % n + b"z" * 40 for n in range(600)]
    wire = b"".join(deflater.message(TEXT, data) for data in messages)
    replay = Deflater()
    lengths = [len(replay.compress(data)) for data in messages]

    async def body() -> Session:
        script = [Write(upgrade(DEFLATE)), Heard(), Write(wire), Hold()]
        with ScriptedServer(script) as server:  # type: ignore[arg-type]
            options = options_for(server.url("/"), on_connect_messages=HELLO)
            session = Session(options, EventLog(capacity=100))
            session.start()
            await until(lambda: session.log.counters.messages_in == 600)
            await session.close()
            return session

    log = run(body).log
    kept = [
        index
        for index in range(len(log))
        if isinstance(log[index], MessageEvent) and log[index].direction is Direction.IN
    ]
    assert 50 < len(kept) <= 100
    for index in kept:
        data = log[index].data  # type: ignore[union-attr]
        frames = log.frames_of(log.id_at(index))
        assert frames is not None and len(frames) == 1, data
        assert (frames[0].rsv1, frames[0].length) == (True, lengths[int(data[:4])])
    assert all(event_id >= log.first_id for event_id in log.frames)
