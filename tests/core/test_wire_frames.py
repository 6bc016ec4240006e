"""What crossed the wire, frame by frame: fragments, control frames between them, compression,
against servers whose bytes the test wrote (raw) or a real websockets server (deflate)."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest
from helpers.asyncwait import run, until
from helpers.rawframes import RawFrameServer, raw
from helpers.sessions import close_session, of_type, open_session
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    MessageEvent,
)
from wsinspector.core.log.wireframes import (
    FrameTable,
    WireFrame,
    fragment_count,
    is_compressed,
    wire_size,
)
from wsinspector.core.log.wording import (
    compressed_size_words,
    extension_words,
    frame_words,
    frames_type_suffix,
    keepalive_timeout_words,
    wire_size_sentence,
    wire_size_words,
)
from wsinspector.core.websocket.file_source import READ_WHOLE_LIMIT, check_file
from wsinspector.core.websocket.frametap import FrameTap
from wsinspector.core.websocket.session import Session


def message_ids(log: EventLog) -> list[int]:
    return [log.id_at(i) for i, e in enumerate(log) if isinstance(e, MessageEvent)]


FRAGMENTED_WITH_PING = raw(
    Frame(Opcode.TEXT, b"frag", fin=False),
    Frame(Opcode.PING, b"mid"),
    Frame(Opcode.CONT, b"ment", fin=False),
    Frame(Opcode.CONT, b"ed!", fin=True),
    Frame(Opcode.BINARY, b"\x01\x02\x03"),
)


def test_fragmented_message_with_a_ping_between_its_fragments() -> None:
    """Every frame's fields, fragment by fragment, in order; the ping stays where it came."""

    async def body() -> Session:
        session = await open_session(server.url("/"), compression=False)
        await until(lambda: session.log.counters.messages_in == 2)
        await close_session(session)
        return session

    with RawFrameServer(FRAGMENTED_WITH_PING) as server:
        session = run(body)
    log = session.log
    events = [e for e in log if isinstance(e, MessageEvent | ControlEvent)]
    # The ping and the automatic pong came before the message was whole: logged first.
    assert [(type(e).__name__, getattr(e, "kind", None)) for e in events] == [
        ("ControlEvent", ControlKind.PING),
        ("ControlEvent", ControlKind.PONG),
        ("MessageEvent", None),
        ("MessageEvent", None),
    ]
    fragmented, plain = (e for e in events if isinstance(e, MessageEvent))
    assert (fragmented.text, fragmented.data) == (True, b"fragmented!")
    first_id, second_id = message_ids(log)
    frames = log.frames_of(first_id)
    assert frames == (
        WireFrame(Opcode.TEXT, False, False, False, False, 4, True),
        WireFrame(Opcode.PING, True, False, False, False, 3, True),
        WireFrame(Opcode.PONG, True, False, False, False, 3, False),
        WireFrame(Opcode.CONT, False, False, False, False, 4, True),
        WireFrame(Opcode.CONT, True, False, False, False, 3, True),
    )
    assert [f.name for f in frames] == ["text", "ping", "pong", "continuation", "continuation"]
    assert fragment_count(frames) == 3
    assert wire_size(frames) == len(b"fragmented!")
    assert not is_compressed(frames)
    assert frames_type_suffix(frames) == ", 3 frames"
    assert frame_words(frames[0]) == "text · not FIN · no RSV bits · 4 B on the wire"
    assert frame_words(frames[4]) == "continuation · FIN · no RSV bits · 3 B on the wire"
    assert "between the fragments" in frame_words(frames[1])
    # A plain message keeps no frames: nothing more than before for a flood.
    assert (plain.text, plain.data) == (False, b"\x01\x02\x03")
    assert log.frames_of(second_id) is None


def test_record_all_keeps_every_messages_frames() -> None:
    """With a page's frame view on, a plain message's frame is kept too, each way."""

    async def body() -> Session:
        session = await open_session(server.url("/"), compression=False)
        session.record_frames = True
        await session.send_text("hello")
        await until(lambda: len(server.frames) >= 1)
        server_frames_seen = len(session.log.frames)
        assert server_frames_seen == 1  # the sent message
        await close_session(session)
        return session

    with RawFrameServer(b"") as server:
        session = run(body)
    (sent_id,) = message_ids(session.log)
    assert session.log.frames_of(sent_id) == (
        WireFrame(Opcode.TEXT, True, False, False, False, 5, False),
    )


COMPRESSIBLE = ("wsinspector " * 900)[:10_000]


def test_compressed_message_sizes_on_the_wire_each_way() -> None:
    """A compressible 10 kB message with permessage-deflate: the wire size is smaller, RSV1 set."""

    async def handler(ws: ServerConnection) -> None:
        await ws.send(COMPRESSIBLE)
        await ws.send(["abc" * 100, "def" * 100])  # fragmented and compressed
        await ws.wait_closed()

    async def body() -> Session:
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            session = await open_session(f"ws://127.0.0.1:{port}/")
            await until(lambda: session.log.counters.messages_in == 2)
            await session.send_text(COMPRESSIBLE)
            await until(lambda: len(session.log.frames) == 3)
            await close_session(session)
        return session

    session = run(body)
    log = session.log
    received, fragmented, sent = (
        (e, log.frames_of(i))
        for i, e in zip(message_ids(log), of_type(log, MessageEvent), strict=True)
    )
    for event, frames in (received, sent):
        assert frames is not None
        assert event.data == COMPRESSIBLE.encode()
        (frame,) = frames
        assert frame.rsv1 and frame.fin and frame.opcode == Opcode.TEXT
        assert 0 < frame.length < 1000 < event.size == 10_000
        assert is_compressed(frames)
        # The Size column: the payload and how much smaller it went, short enough for the
        # column; the tooltip's sentence has both sizes.
        match = re.fullmatch(r"9\.8 KiB -(\d+)%", wire_size_words(event.size, frames))
        assert match is not None
        # Rounded, and never "-100%" while bytes crossed the wire.
        percent = int(match.group(1))
        assert percent <= 99 and abs(percent - 100 * (1 - frame.length / event.size)) < 1
        sentence = wire_size_sentence(event.size, frames)
        assert sentence.startswith(f"9.8 KiB payload, {frame.length} B on the wire (")
        assert "% of the payload, " in sentence and sentence.endswith("% smaller)")
    assert received[0].direction is Direction.IN and sent[0].direction is Direction.OUT
    event, frames = fragmented
    assert frames is not None and event.data == b"abc" * 100 + b"def" * 100
    assert [(f.opcode, f.fin, f.rsv1) for f in frames] == [
        (Opcode.TEXT, False, True),  # RSV1 only on the first frame (RFC 7692 §6)
        (Opcode.CONT, False, False),
        (Opcode.CONT, True, False),  # websockets ends a fragmented send with an empty frame
    ]
    assert wire_size(frames) < event.size


@pytest.mark.parametrize(
    ("payload", "wire", "cell", "tip_ends"),
    [
        (10_000, 312, "9.8 KiB -97%", "3.1% of the payload, 96.9% smaller)"),
        # 99.5% smaller rounds to 99%, not to "-100%": some bytes did cross the wire.
        (10_000, 50, "9.8 KiB -99%", "0.5% of the payload, 99.5% smaller)"),
        # Deflate makes a tiny message larger: the cell says so, it does not say "140%".
        (5, 7, "5 B +40%", "140.0% of the payload, 40.0% larger)"),
        # One byte larger rounds to no change, but never to "-0%".
        (1000, 1003, "1000 B +0%", "100.3% of the payload, 0.3% larger)"),
        (1000, 1000, "1000 B \N{PLUS-MINUS SIGN}0%", "100.0% of the payload, the same size)"),
        # An empty message has no ratio; its wire byte is in the tooltip.
        (0, 1, "0 B", "0 B payload, 1 B on the wire (permessage-deflate)"),
    ],
)
def test_compressed_size_in_the_column_and_in_full(
    payload: int, wire: int, cell: str, tip_ends: str
) -> None:
    frames = [WireFrame(Opcode.TEXT, fin=True, rsv1=True, rsv2=False, rsv3=False, length=wire)]
    assert compressed_size_words(payload, wire) == cell == wire_size_words(payload, frames)
    assert wire_size_sentence(payload, frames).endswith(tip_ends)


def test_negotiated_extension_parameters_in_words() -> None:
    words = extension_words(
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=12"
    )
    assert words[0].startswith("permessage-deflate: messages are compressed")
    assert any("server_no_context_takeover" in w and "fresh" in w for w in words)
    assert any("client_max_window_bits=12" in w and "2^12" in w for w in words)
    assert extension_words("") == []


def test_keepalive_timeout_is_explained_with_the_last_round_trips() -> None:
    """A server that answers two pings and then stops: 1011, in words, with the RTTs."""

    async def body() -> Session:
        session = await open_session(
            server.url("/"), ping_interval=0.1, ping_timeout=0.3, close_timeout=0.3
        )
        task = session.task
        assert task is not None
        async with asyncio.timeout(5):
            await asyncio.shield(task)
        return session

    with RawFrameServer(b"", pongs=2) as server:
        session = run(body)
    (close,) = of_type(session.log, CloseEvent)
    assert close.code == 1011
    errors = [e.message for e in of_type(session.log, ErrorEvent)]
    (words,) = [e for e in errors if e.startswith("Keepalive timeout")]
    assert "every 0.1 s" in words and "within 0.3 s" in words and "1011" in words
    assert "the last round trips were" in words
    assert words.count(" ms") + words.count(" µs") == 2
    assert keepalive_timeout_words(1, 2, ()).endswith(
        "no ping of this connection was ever answered."
    )


def test_ping_with_payload_and_unsolicited_pong_are_logged() -> None:
    async def body() -> Session:
        session = await open_session(server.url("/"), compression=False)
        await session.ping(b"\x00hello")
        await until(lambda: len(of_type(session.log, ControlEvent)) == 2)  # its pong came
        await session.pong(b"beat")
        await until(lambda: len(of_type(session.log, ControlEvent)) == 3)
        await until(lambda: len(server.frames) >= 2)
        await close_session(session)
        return session

    with RawFrameServer(b"") as server:
        session = run(body)
    controls = [(e.direction, e.kind, e.data) for e in of_type(session.log, ControlEvent)]
    assert controls == [
        (Direction.OUT, ControlKind.PING, b"\x00hello"),
        (Direction.IN, ControlKind.PONG, b"\x00hello"),
        (Direction.OUT, ControlKind.PONG, b"beat"),
    ]
    assert [(f.opcode, f.data) for f in server.frames[:2]] == [
        (Opcode.PING, b"\x00hello"),
        (Opcode.PONG, b"beat"),
    ]
    assert session.last_rtt is not None


def test_frames_of_a_streamed_file_do_not_go_to_the_next_message(tmp_path: Path) -> None:
    """A streamed file is logged as notes, not a message: its frames belong to no row, and
    a message sent while it streams (logged at once, sent after it) keeps its own."""
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(READ_WHOLE_LIMIT + 10))

    async def body() -> Session:
        session = await open_session(server.url("/"), compression=False, max_message_size=None)
        session.record_frames = True
        file = check_file(path, None)
        assert file.streamed
        streaming = asyncio.create_task(session.send_file(file))
        await until(lambda: len(session.log) and "big.bin" in str(session.log[-1]))
        await session.send_text("after")  # logged now, sent once the stream is out
        await streaming
        await until(lambda: len(session.log.frames) == 1)
        await close_session(session)
        return session

    with RawFrameServer(b"") as server:
        session = run(body)
    (after_id,) = message_ids(session.log)
    assert session.log.frames_of(after_id) == (
        WireFrame(Opcode.TEXT, True, False, False, False, 5, False),
    )


def test_a_one_frame_message_is_handed_over_packed_and_reads_back_the_same() -> None:
    """Issue 20: with frames kept (compressed, or a frame view on), a flood's one-frame
    messages reach the log as the packed integer FrameTable keeps, no WireFrame each."""
    tap = FrameTap(lambda direction, frame: None)
    tap.record_all = True
    tap.debug("< %s", Frame(Opcode.TEXT, b"abc"))
    tap.debug("< %s", Frame(Opcode.BINARY, b"\x00" * 200, rsv1=True))
    packed = list(tap.incoming_opcodes)
    assert [type(entry) for entry in packed] == [int, int]
    table = FrameTable()
    table.set_packed(7, packed[0])
    table.set_packed(9, packed[1])
    table.set_packed(8, packed[0])  # out of order (a sent message's frames, later): kept too
    text = WireFrame(int(Opcode.TEXT), True, False, False, False, 3, True)
    binary = WireFrame(int(Opcode.BINARY), True, True, False, False, 200, True)
    assert (table[7], table[8], table[9]) == ((text,), (text,), (binary,))
    assert list(table) == [7, 8, 9]
