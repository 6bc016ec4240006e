"""What crossed the wire, as the user sees it: the frame view, wire sizes with compression,
the negotiated extension in words, the rate label and its chart, ping payloads and pongs."""

from __future__ import annotations

import asyncio
import re

from helpers.rawframes import RawFrameServer, raw
from helpers.servers import RecordedConnection, RecordingServer
from helpers.ui import connect_to, find, log_rows, row_texts
from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot
from websockets.asyncio.server import ServerConnection
from websockets.frames import Frame, Opcode

from wsinspector.qt import MainWindow
from wsinspector.qt.pages.live_page import LivePage

WAIT_MS = 5000
SIZE_COLUMN = 4

FRAGMENTED_WITH_PING = raw(
    Frame(Opcode.TEXT, b"frag", fin=False),
    Frame(Opcode.PING, b"mid"),
    Frame(Opcode.CONT, b"ment", fin=False),
    Frame(Opcode.CONT, b"ed!", fin=True),
    Frame(Opcode.TEXT, b"plain"),
)


def cells(row: str) -> list[str]:
    return row.split(" | ")


def test_frame_view_lists_each_messages_frames_under_it(window: MainWindow, qtbot: QtBot) -> None:
    with RawFrameServer(FRAGMENTED_WITH_PING) as server:
        find(window, QCheckBox, "compressionCheck").setChecked(False)
        connect_to(qtbot, window, server.url("/"))
        page = window.current_page()
        qtbot.waitUntil(lambda: page.log.counters.messages_in == 2, timeout=WAIT_MS)
        page.model.flush()
        check = find(window, QCheckBox, "frameViewCheck")
        assert not check.isChecked()  # off by default
        # Off: the fragmented message's row says how many frames it came in.
        rows = [cells(r) for r in log_rows(window)]
        kinds = [(r[2], r[3], r[5]) for r in rows if r[3] not in ("state", "handshake")]
        assert kinds == [
            ("↓", "ping", "6d 69 64"),
            ("↑", "pong", "6d 69 64"),
            ("↓", "text, 3 frames", "fragmented!"),
            ("↓", "text", "plain"),
        ]
        before = len(rows)

        check.setChecked(True)
        qtbot.waitUntil(lambda: len(log_rows(window)) == before + 6, timeout=WAIT_MS)
        rows = [cells(r) for r in log_rows(window)]
        start = next(i for i, r in enumerate(rows) if r[5] == "fragmented!")
        frames = [(r[2], r[3].strip(), r[4], r[5]) for r in rows[start + 1 : start + 6]]
        assert frames == [
            ("↓", "↳ text", "4 B", "text · not FIN · no RSV bits · 4 B on the wire"),
            (
                "↓",
                "↳ ping",
                "3 B",
                "ping · between the fragments · FIN · no RSV bits · 3 B on the wire",
            ),
            (
                "↑",
                "↳ pong",
                "3 B",
                "pong · sent between the fragments · FIN · no RSV bits · 3 B on the wire",
            ),
            (
                "↓",
                "↳ continuation",
                "4 B",
                "continuation · not FIN · no RSV bits · 4 B on the wire",
            ),
            ("↓", "↳ continuation", "3 B", "continuation · FIN · no RSV bits · 3 B on the wire"),
        ]
        # The plain message opens into the one frame it was.
        assert rows[start + 6][5] == "plain"
        assert rows[start + 7][3].strip() == "↳ text"
        assert rows[start + 7][5] == "text · FIN · no RSV bits · 5 B on the wire"

        # A frame row selects its message: the detail view shows the whole message.
        view = find(window, QAbstractItemView, "messageLog")
        view.selectionModel().select(
            view.model().index(start + 4, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        assert [e.data for e in page.log_view.selected_events()] == [b"fragmented!"]  # type: ignore[attr-defined]

        check.setChecked(False)
        qtbot.waitUntil(lambda: len(log_rows(window)) == before, timeout=WAIT_MS)


COMPRESSIBLE = ("wsinspector " * 900)[:10_000]


async def send_compressible(connection: ServerConnection, record: RecordedConnection) -> None:
    await connection.send(COMPRESSIBLE)
    await connection.wait_closed()


def size_tooltip(model: QAbstractItemModel, row: list[str]) -> str:
    """The tooltip of the Size cell of the log row whose cells are `row`."""
    rows = [cells(text) for text in row_texts(model)]
    tip = model.data(model.index(rows.index(row), SIZE_COLUMN), Qt.ItemDataRole.ToolTipRole)
    assert isinstance(tip, str)
    return tip


def receive_the_compressible_message(
    qtbot: QtBot, window: MainWindow, server: RecordingServer
) -> LivePage:
    """Connect to `server` (send_compressible) and wait until its message is a row."""
    connect_to(qtbot, window, server.url("/"))
    page = window.current_page()
    qtbot.waitUntil(lambda: page.log.counters.messages_in == 1, timeout=WAIT_MS)
    page.model.flush()
    return page


def test_compressed_message_shows_its_size_on_the_wire_and_the_ratio(
    window: MainWindow, qtbot: QtBot
) -> None:
    server = RecordingServer(behaviour=send_compressible)
    with server:
        page = receive_the_compressible_message(qtbot, window, server)
        (row,) = [c for c in map(cells, log_rows(window)) if c[2:4] == ["↓", "text"]]
        # The payload's size and how much smaller it went; both sizes in the tooltip.
        match = re.fullmatch(r"9\.8 KiB -(\d+)%", row[4])
        assert match is not None, row[4]
        tip = size_tooltip(page.model, row)
        tip_match = re.match(r"9\.8 KiB payload, (\d+) B on the wire \(permessage-deflate: ", tip)
        assert tip_match is not None, tip
        wire = int(tip_match.group(1))
        percent = int(match.group(1))
        assert wire < 1000 and percent <= 99 and abs(percent - 100 * (1 - wire / 10_000)) < 1
        assert tip.endswith("% smaller)")
        # The frame with RSV1 set in the frame view.
        find(window, QCheckBox, "frameViewCheck").setChecked(True)
        qtbot.waitUntil(
            lambda: f"text · FIN · RSV1 · {wire} B on the wire" in log_rows(window)[-1],
            timeout=WAIT_MS,
        )
        # The handshake pane says what was negotiated, in words.
        words = find(window, QLabel, "extensionsLabel").text()
        assert words.startswith("permessage-deflate: messages are compressed")
        assert "client_max_window_bits" in words


def test_compressed_size_fits_the_size_column_whole(window: MainWindow, qtbot: QtBot) -> None:
    """Not "9.8 KiB → …": the cell's text fits the column's default width, and widening it
    for that brought no horizontal scroll bar, which moves the rows a following log shows."""
    window.resize(1280, 800)
    server = RecordingServer(behaviour=send_compressible)
    with server:
        receive_the_compressible_message(qtbot, window, server)
        view = find(window, QTableView, "messageLog")
        model = view.model()
        (row,) = [r for r in range(model.rowCount()) if cells(row_texts(model)[r])[3] == "text"]
        index = model.index(row, SIZE_COLUMN)
        text = model.data(index)
        assert text.startswith("9.8 KiB ") and "%" in text
        # What the view's own delegate needs to paint the text whole (its margins included).
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        needed = view.itemDelegate().sizeHint(option, index).width()
        assert needed <= view.visualRect(index).width() == view.columnWidth(SIZE_COLUMN)
        assert view.horizontalScrollBar().maximum() == 0
        # Nothing is lost: the wire size is in the cell's tooltip.
        assert re.match(
            r"9\.8 KiB payload, \d+ B on the wire",
            size_tooltip(model, cells(row_texts(model)[row])),
        )


async def burst_on_request(connection: ServerConnection, record: RecordedConnection) -> None:
    async for message in connection:
        if message == "burst":
            for _ in range(10):  # 300 messages of 100 bytes over about a second
                for _ in range(30):
                    await connection.send("x" * 100)
                await asyncio.sleep(0.1)


def test_rate_label_after_a_burst_and_the_last_round_trip(window: MainWindow, qtbot: QtBot) -> None:
    server = RecordingServer(behaviour=burst_on_request)
    with server:
        connect_to(qtbot, window, server.url("/"))
        label = find(window, QLabel, "rateLabel")
        sparkline = find(window, QWidget, "rateSparkline")
        assert label.isVisible() and sparkline.isVisible()
        assert label.text().endswith("RTT none yet")
        page = window.current_page()
        # A window of 1 s instead of 3: the burst's 300 messages still show over 100 msg/s,
        # and the rate falls back to nothing 2 s sooner.
        page.rate_view.meter.window = 1.0
        page.composer.message_edit.setPlainText("burst")
        qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)

        def received_rate() -> int:
            match = re.match(r"↓ ([\d,]+) msg/s · ([\d.]+ (?:B|KiB))/s", label.text())
            return int(match.group(1).replace(",", "")) if match else -1

        qtbot.waitUntil(lambda: received_rate() >= 100, timeout=WAIT_MS)
        assert "↑ " in label.text()
        qtbot.waitUntil(lambda: page.log.counters.messages_in == 300, timeout=WAIT_MS)
        # Past the window the rate falls back to nothing.
        qtbot.waitUntil(lambda: received_rate() == 0, timeout=WAIT_MS)
        assert sparkline.toolTip().startswith("Last ")
        assert re.search(r"up to [\d,]+ msg/s", sparkline.toolTip())

        qtbot.mouseClick(find(window, QPushButton, "pingButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: re.search(r"RTT [\d.]+ (µs|ms)$", label.text()) is not None, timeout=WAIT_MS
        )


def test_ping_payload_as_hex_and_an_unsolicited_pong_are_logged(
    window: MainWindow, qtbot: QtBot
) -> None:
    with RawFrameServer(b"") as server:
        connect_to(qtbot, window, server.url("/"))
        payload = find(window, QLineEdit, "pingPayloadEdit")
        hex_check = find(window, QCheckBox, "pingPayloadHexCheck")
        error = find(window, QLabel, "pingPayloadError")
        ping, pong = (
            find(window, QPushButton, "pingButton"),
            find(window, QPushButton, "pongButton"),
        )

        hex_check.setChecked(True)
        payload.setText("01 zz")
        qtbot.mouseClick(ping, Qt.MouseButton.LeftButton)
        assert error.isVisible() and "'zz' (item 2) is not hex" in error.text()
        payload.setText("ab" * 126)
        qtbot.mouseClick(pong, Qt.MouseButton.LeftButton)
        assert error.isVisible() and "at most 125 bytes" in error.text()
        assert not server.frames  # nothing was sent

        payload.setText("0x01 ff 7a")
        assert not error.isVisible()
        qtbot.mouseClick(ping, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: any("| 01 ff 7a · round trip" in r for r in log_rows(window)),
            timeout=WAIT_MS,
        )
        hex_check.setChecked(False)
        payload.setText("beat")
        qtbot.mouseClick(pong, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(server.frames) == 2, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "| 62 65 61 74" in log_rows(window)[-1], timeout=WAIT_MS)
        rows = [cells(r)[2:] for r in log_rows(window) if cells(r)[3] in ("ping", "pong")]
        assert [r[:4] for r in rows] == [
            ["↑", "ping", "3 B", "01 ff 7a"],
            ["↓", "pong", "3 B", rows[1][3]],
            ["↑", "pong", "4 B", "62 65 61 74"],
        ]
        assert rows[1][3].startswith("01 ff 7a · round trip ")
        assert [(f.opcode, f.data) for f in server.frames] == [
            (Opcode.PING, b"\x01\xff\x7a"),
            (Opcode.PONG, b"beat"),
        ]


def test_frame_view_rows_follow_filter_drops_and_clear(qtbot: QtBot) -> None:
    """The model's frame rows under a filter, when old events are dropped, and on clear."""
    from wsinspector.core.log.eventlog import EventLog
    from wsinspector.core.log.filtering import LogFilter, compile_filter
    from wsinspector.core.log.wireframes import WireFrame
    from wsinspector.qt.workspace.logmodel import LogModel

    log = EventLog(capacity=10)
    model = LogModel(log)
    counts: list[tuple[int, int]] = []
    model.filter_progress.connect(lambda shown, total: counts.append((shown, total)))
    fragmented = (
        WireFrame(Opcode.TEXT, False, False, False, False, 2),
        WireFrame(Opcode.CONT, True, False, False, False, 2),
    )
    for n in range(4):
        log.append_message(1, True, True, f"m{n}xx".encode(), 0.0, 0.0)
        if n % 2:
            log.set_frames(log.next_id - 1, fragmented)
    model.flush()
    model.set_frame_view(True)
    # m0 (1 frame), m1 (2), m2 (1), m3 (2): 4 event rows and 6 frame rows.
    assert model.rowCount() == 10 and model.shown == 4
    assert [model.frame_row(r) for r in range(4)] == [-1, 0, -1, 0]
    assert list(model.shown_log_indexes()) == [0, 1, 2, 3]
    assert not counts  # no filter: no "N of M"
    model.set_filter(compile_filter(LogFilter(text="m1")))
    assert model.rowCount() == 3 and model.shown == 1
    assert counts[-1] == (1, 4)  # events, not rows
    model.set_filter(None)
    for _ in range(4, 12):  # past capacity + 10%: the oldest are dropped
        log.append_message(1, False, False, b"\x00", 0.0, 0.0)
    model.flush()
    assert log.dropped == 2 and len(log) == 10  # m0 and m1 went
    # The note; m2 and its frame; m3 and its two; 8 binary messages and their frame each.
    assert model.rowCount() == 1 + 2 + 3 + 16
    assert list(log.frames) == [4]  # m1's frames (id 2) went with it; m3's stay
    assert model.shown == len(log)
    log.clear()
    assert model.rowCount() == 0 and model.shown == 0
    model.detach()


def test_keepalive_timeout_is_explained_in_the_log_with_the_last_round_trips(
    window: MainWindow, qtbot: QtBot
) -> None:
    """A server that answers two keepalive pings, then none: 1011, said in words."""
    from PySide6.QtWidgets import QDoubleSpinBox

    with RawFrameServer(b"", pongs=2) as server:
        find(window, QDoubleSpinBox, "pingIntervalSpin").setValue(0.2)
        find(window, QDoubleSpinBox, "pingTimeoutSpin").setValue(0.4)
        find(window, QDoubleSpinBox, "closeTimeoutSpin").setValue(0.3)
        find(window, QCheckBox, "autoReconnectCheck").setChecked(False)
        connect_to(qtbot, window, server.url("/"))
        label = find(window, QLabel, "connectionStatusLabel")
        qtbot.waitUntil(lambda: label.property("state") == "closed", timeout=WAIT_MS)
        window.current_page().model.flush()
        rows = log_rows(window)
        assert any("| 1011 internal error “keepalive ping timeout”" in r for r in rows), rows
        (words,) = [r for r in rows if "Keepalive timeout:" in r]
        assert "did not answer the last ping within 0.4 s" in words
        assert re.search(r"the last round trips were [\d.]+ (µs|ms), [\d.]+ (µs|ms)\.$", words)
