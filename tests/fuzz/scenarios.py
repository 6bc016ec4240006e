"""Seeded hostile servers: one `Scenario` per seed, the same bytes for the same seed, always.

A scenario is what a raw server (tests/helpers/scripted.py) plays on each connection, plus
what the client must show for it: the complete messages sent before the first fault, in order.

The handshake is one of: a valid 101 (sometimes with permessage-deflate), a redirect chain
(sometimes to a Location that can't be followed), a rejection with a body, a response the
client must refuse (broken lines, wrong version, garbage, cut short), a close or reset before
any answer, or no answer at all. After a 101 come random frames: text and binary messages,
fragmented or not, compressed or not, with pings and pongs between fragments, invalid UTF-8
in text; then, maybe, a fault (RSV bits, reserved opcodes, a masked frame, an oversize or
fragmented control frame, a stray or missing continuation, a message over the limit, a
length no client should read, close codes valid and invalid, a close reason that is not
UTF-8), and an ending (a close frame, FIN, RST after the bytes left, a frame cut short, or
holding the socket open, deaf). The bytes are cut into 1-5 writes at random places, some with
short pauses between them.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from helpers.scripted import (
    Close,
    Deaf,
    Heard,
    Hold,
    Pause,
    Reset,
    Sent,
    Step,
    Write,
    deflated,
    frame,
    upgrade,
)

TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10

# The client's options in every scenario: short timeouts keep each seed fast.
LIMIT = 4096
# Long enough for a redirect chain on a loaded machine; a server that never answers gets
# the short one, which it must run into.
OPEN_TIMEOUT = 3.0
SILENT_OPEN_TIMEOUT = 0.3
CLOSE_TIMEOUT = 0.15

DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"

Payload = bytes | Callable[[str], bytes]

# RFC 6455's sample key: a dump shows the 101 as it would be for it.
SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


@dataclass
class Scenario:
    seed: int
    # Scripts of the connections in order (redirect hops first); the last one repeats.
    connections: list[list[Step]] = field(default_factory=list)
    # (text, data) of the complete messages the last connection sends before a fault.
    expected: list[tuple[bool, bytes]] = field(default_factory=list)
    # A valid 101 on the last connection.
    accepted: bool = False
    # The server holds the socket open with no close and no fault: the user closes.
    stays_open: bool = False
    open_timeout: float = OPEN_TIMEOUT
    # The answer is one the client refuses as soon as it has read it: the words must say
    # why, not that the open timeout ran out.
    refused: bool = False
    # The client sends an on-connect message and the server writes its frames once it has
    # heard it: they reach the framer after the session reads (core/websocket/framed.py), not
    # websockets alone as frames in the 101's read do.
    heard_first: bool = False
    story: list[str] = field(default_factory=list)

    def script(self, index: int, request: bytes) -> Sequence[Step]:
        return self.connections[min(index, len(self.connections) - 1)]

    def dump(self) -> str:
        """The server's bytes, write by write, for a failing seed's report."""
        lines = [f"seed {self.seed}: " + "; ".join(self.story)]
        for number, steps in enumerate(self.connections):
            lines.append(f"connection {number}:")
            for step in steps:
                if isinstance(step, Write):
                    data = step.data(SAMPLE_KEY) if callable(step.data) else step.data
                    shown = data.hex(" ")
                    if len(shown) > 3000:
                        shown = shown[:3000] + f" … ({len(data)} bytes)"
                    lines.append(f"  write {len(data)} bytes: {shown}")
                else:
                    lines.append(f"  {step}")
        return "\n".join(lines)


def _payload(rng: random.Random, text: bool, size: int) -> bytes:
    if text and rng.random() < 0.85:
        alphabet = 'abcxyz 0123456789{}":,é€😀'
        data = "".join(rng.choice(alphabet) for _ in range(size)).encode()
        if rng.random() < 0.15:
            cut = rng.randrange(len(data) + 1)
            data = data[:cut] + b"\xff\xfe" + data[cut:]  # invalid UTF-8: shown, not refused
        # Exactly `size` bytes; a character cut at the end is invalid UTF-8, also shown.
        return data[:size]
    return rng.randbytes(size)


def _control(rng: random.Random) -> bytes:
    return frame(rng.choice((PING, PONG)), rng.randbytes(rng.choice((0, 1, 5, 125))))


def _message(
    rng: random.Random, deflate: bool, size: int | None = None
) -> tuple[bytes, bool, bytes]:
    """One valid message: (its frames, text?, its data)."""
    text = rng.random() < 0.5
    if size is None:
        size = rng.choice((0, 1, 10, 125, 126, 1000, rng.randrange(LIMIT + 1), LIMIT))
    data = _payload(rng, text, size)
    compress = deflate and rng.random() < 0.6
    body = deflated(data) if compress else data
    pieces = rng.choice((1, 1, 2, 3, 4))
    cuts = sorted(rng.randrange(len(body) + 1) for _ in range(pieces - 1))
    parts = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    wire = b""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        opcode = (TEXT if text else BINARY) if index == 0 else CONT
        rsv = 4 if compress and index == 0 else 0
        wire += frame(opcode, part, fin=last, rsv=rsv)
        if not last and rng.random() < 0.4:
            wire += _control(rng)  # allowed between fragments; not part of the message
    return wire, text, data


def _fault(rng: random.Random, deflate: bool) -> tuple[bytes, str]:
    """Bytes that make the client fail the connection: everything after them is ignored."""
    choice = rng.randrange(14)
    if choice == 0:
        return frame(TEXT, b"rsv2", rsv=2), "RSV2 set"
    if choice == 1:
        return frame(BINARY, b"rsv3", rsv=1), "RSV3 set"
    if choice == 2 and not deflate:
        return frame(TEXT, b"rsv1", rsv=4), "RSV1 without deflate"
    if choice == 3:
        return frame(rng.choice((3, 4, 5, 6, 7, 11, 12, 13, 14, 15)), b"x"), "reserved opcode"
    if choice == 4:
        return frame(TEXT, b"masked", mask=rng.randbytes(4)), "masked server frame"
    if choice == 5:
        return frame(PING, b"p" * 126), "ping over 125 bytes"
    if choice == 6:
        return frame(PING, b"p", fin=False), "fragmented ping"
    if choice == 7:
        return frame(CONT, b"stray"), "continuation without a start"
    if choice == 8:
        return frame(TEXT, b"a", fin=False) + frame(BINARY, b"b"), "new message mid-message"
    if choice == 9:
        return frame(BINARY, rng.randbytes(LIMIT + 1 + rng.randrange(2000))), "over the limit"
    if choice == 10:
        return frame(BINARY, b"", length=2**40), "a length of 1 TiB"
    if choice == 11:
        code = rng.choice((0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535))
        return frame(CLOSE, struct.pack("!H", code) + b"bad"), f"close code {code}"
    if choice == 12:
        return frame(CLOSE, b"\x03"), "close payload of one byte"
    return frame(CLOSE, b"\x03\xe8\xff\xfe"), "close reason not UTF-8"


def _broken_answer(rng: random.Random) -> tuple[Payload, str]:
    choice = rng.randrange(9)
    if choice == 0:
        return upgrade(b"X-Broken-Header-Without-Colon\r\n"), "header without colon"
    if choice == 1:
        return upgrade(status=b"HTTP/1.0 101 Switching Protocols"), "HTTP/1.0"
    if choice == 2:
        return upgrade(b"X-Long: " + b"a" * 8200 + b"\r\n"), "8,200-byte line"
    if choice == 3:
        return upgrade(b"".join(b"X-H%d: v\r\n" % n for n in range(130))), "130 headers"
    if choice == 4:
        return (lambda key: upgrade()(key).replace(b"\r\n", b"\n")), "LF line ends"
    if choice == 5:
        return upgrade(b"X-Folded: one\r\n two\r\n"), "folded header"
    if choice == 6:
        return upgrade(status=b"http/1.1 101 Switching Protocols"), "lowercase status line"
    if choice == 7:
        return rng.randbytes(rng.randrange(1, 300)), "garbage"
    return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "no accept header"


def _chunked(rng: random.Random, answer: Payload, frames: bytes) -> list[Step]:
    """The handshake answer then `frames`, cut into 1-5 writes, maybe with pauses.

    The first write is the answer plus the first piece (which may be empty): frames can
    arrive in the same read as the 101.
    """
    cuts = sorted(rng.randrange(len(frames) + 1) for _ in range(rng.randrange(5)))
    bounds = list(zip([0, *cuts], [*cuts, len(frames)], strict=True))
    first = frames[: bounds[0][1]]
    if callable(answer):
        head = answer

        def opening(key: str) -> bytes:
            return head(key) + first

        steps: list[Step] = [Write(opening)]
    else:
        steps = [Write(answer + first)]
    for start, end in bounds[1:]:
        if end > start:
            if rng.random() < 0.2:
                steps.append(Pause(rng.choice((0.001, 0.01, 0.03))))
            steps.append(Write(frames[start:end]))
    return steps


def _written(opening: Step, answer: Payload) -> list[Step]:
    """The frames of `_chunked`'s first write, without the answer in front of them."""
    assert isinstance(opening, Write)
    whole = opening.data(SAMPLE_KEY) if callable(opening.data) else opening.data
    head = answer(SAMPLE_KEY) if callable(answer) else answer
    rest = whole[len(head) :]
    return [Write(rest)] if rest else []


def _ending(rng: random.Random, scenario: Scenario, closed: bool, faulted: bool) -> list[Step]:
    choice = rng.randrange(6)
    if choice == 0:
        return [Close()]
    if choice == 1:
        return [Sent(), Reset()]
    if choice == 2:
        if not closed and not faulted:
            scenario.stays_open = True
        return [Deaf()]  # after a close or a fault, the client's close timeout ends it
    if choice == 3:
        cut = frame(BINARY, rng.randbytes(300))[: rng.randrange(1, 300)]
        return [Write(cut), Sent(), rng.choice((Close(), Reset()))]
    if not closed and not faulted:
        scenario.stays_open = True
    return [Hold()]


def build(seed: int) -> Scenario:
    rng = random.Random(seed)
    scenario = Scenario(seed)
    kind = rng.choices(
        ("ok", "redirect", "bad-redirect", "reject", "refused", "slow", "gone", "silent"),
        weights=(55, 8, 4, 5, 14, 6, 5, 3),
    )[0]
    scenario.story.append(kind)
    hops = rng.randrange(1, 4) if kind == "redirect" else 0
    for hop in range(hops):
        answer = b"HTTP/1.1 %d Moved\r\nLocation: /hop%d\r\nContent-Length: 0\r\n\r\n"
        code = rng.choice((301, 302, 303, 307, 308))
        scenario.connections.append([Write(answer % (code, hop + 1)), Close()])
    if kind == "bad-redirect":
        location = rng.choice(
            (b"ws://[::1/x", b"ws://127.0.0.1:99999/", b"http://127.0.0.1/", b"ws://", b"\x80x")
        )
        answer = b"HTTP/1.1 301 Moved\r\nLocation: " + location + b"\r\n\r\n"
        scenario.connections.append([Write(answer), Close()])
        return scenario
    if kind == "reject":
        body = rng.randbytes(rng.randrange(200))
        status = rng.choice((400, 403, 404, 426, 500, 503))
        head = b"HTTP/1.1 %d Nope\r\nContent-Length: %d\r\n\r\n" % (status, len(body))
        scenario.connections.append([Write(head + body), rng.choice((Close(), Hold()))])
        return scenario
    if kind == "refused":
        answer, why = _broken_answer(rng)
        scenario.story.append(why)
        # Garbage is refused once a line of it is complete; without a line end, it waits.
        scenario.refused = why != "garbage" or (isinstance(answer, bytes) and b"\n" in answer)
        scenario.connections.append([Write(answer), rng.choice((Deaf(), Close(), Reset()))])
        return scenario
    if kind == "gone":
        scenario.connections.append([rng.choice((Close(), Reset()))])
        return scenario
    if kind == "silent":
        scenario.connections.append([Deaf()])  # the open timeout ends it
        scenario.open_timeout = SILENT_OPEN_TIMEOUT
        return scenario
    if kind == "slow":
        # A valid 101 dribbled out; then a short conversation.
        scenario.story.append("dribbled 101")

        def first_half(key: str) -> bytes:
            whole = upgrade()(key)
            return whole[: len(whole) // 2]

        def second_half(key: str) -> bytes:
            whole = upgrade()(key)
            return whole[len(whole) // 2 :]

        steps: list[Step] = [Write(first_half), Pause(0.02), Write(second_half)]
        wire, text, data = _message(rng, False)
        scenario.expected.append((text, data))
        scenario.accepted = True
        steps += [Write(wire + frame(CLOSE, b"\x03\xe8")), Hold()]
        scenario.connections.append(steps)
        return scenario

    deflate = rng.random() < 0.3
    scenario.accepted = True
    wire = b""
    faulted = closed = False
    for _ in range(rng.randrange(13)):
        roll = rng.random()
        if roll < 0.65:
            frames, text, data = _message(rng, deflate)
            wire += frames
            scenario.expected.append((text, data))
        elif roll < 0.85:
            wire += _control(rng)
        elif roll < 0.93:
            fault, why = _fault(rng, deflate)
            wire += fault
            scenario.story.append(f"fault: {why}")
            faulted = True
            break
        else:
            code = rng.choice((1000, 1001, 1011, 3000, 4000))
            wire += frame(CLOSE, struct.pack("!H", code) + b"bye")
            scenario.story.append(f"close {code}")
            closed = True
            break
    if not faulted and not closed and rng.random() < 0.3:
        wire += frame(CLOSE, b"\x03\xe8")
        closed = True
    # Anything after a fault or a close frame must be ignored: add some.
    if (faulted or closed) and rng.random() < 0.5:
        wire += _message(rng, deflate)[0]
    answer = upgrade(DEFLATE) if deflate else upgrade()
    steps = _chunked(rng, answer, wire)
    # Its own generator: the other seeds' scenarios stay as they were.
    if random.Random(seed * 7 + 1).random() < 0.4:
        scenario.heard_first = True
        scenario.story.append("frames once the client spoke")
        steps = [Write(answer), Heard(), *(_written(steps[0], answer)), *steps[1:]]
    ending = _ending(rng, scenario, closed, faulted)
    scenario.story.append(f"{len(scenario.expected)} messages, then {type(ending[-1]).__name__}")
    scenario.connections.append(steps + ending)
    return scenario
