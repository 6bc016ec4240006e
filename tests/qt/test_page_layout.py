"""A page people can read at 1280x800: room for the handshake, a layout that does not jump,
settings that fold away, and a window that comes back as it was left."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, open_settings_tab
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QStyleOptionFrame,
    QTabBar,
    QTableView,
    QTabWidget,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.storage.profiles import Profile
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt import MainWindow
from wsinspector.qt.window.remembered_layout import DOCK_MIN_WIDTH
from wsinspector.qt.workspace.logmodel import Column
from wsinspector.qt.workspace.workspace import DETAIL_MIN_WIDTH

WAIT_MS = 5000


def shown_lines(view: QPlainTextEdit) -> int:
    return view.viewport().height() // view.fontMetrics().lineSpacing()


def test_handshake_request_and_response_show_12_lines_each_at_1280x800(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1280, 800)
    connect_to(qtbot, window, recording_server.url("/echo"))
    pane = find(window, QWidget, "requestHeadersView").parentWidget()
    tabs = find(window, QWidget, "detailTabs")
    tabs.setCurrentIndex(1)  # the user opens the Handshake tab
    assert pane is not None
    request = find(window, QPlainTextEdit, "requestHeadersView")
    response = find(window, QPlainTextEdit, "responseHeadersView")
    qtbot.waitUntil(lambda: request.isVisible(), timeout=WAIT_MS)
    assert shown_lines(request) >= 12, shown_lines(request)
    assert shown_lines(response) >= 12, shown_lines(response)


def test_rejected_handshake_status_and_body_show_without_scrolling(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1280, 800)
    connect_to(
        qtbot,
        window,
        recording_server.url("/reject?status=403&body=members%20only%0Asee%20the%20docs"),
        state="failed",
    )
    response = find(window, QPlainTextEdit, "responseHeadersView")
    qtbot.waitUntil(lambda: response.isVisible(), timeout=WAIT_MS)
    text = response.toPlainText()
    assert text.startswith("HTTP/1.1 403") and text.rstrip().endswith("see the docs")
    assert response.verticalScrollBar().maximum() == 0, "the body is below the fold"


def test_the_log_does_not_move_when_an_error_or_warning_appears(
    tls_server: TlsServer, window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1280, 800)
    log = find(window, QWidget, "messageLog")
    qtbot.waitUntil(log.isVisible, timeout=WAIT_MS)

    def log_top() -> int:
        return log.mapTo(window, QPoint(0, 0)).y()

    before = log_top()
    find(window, QLineEdit, "uriEdit").setText("localhost:8765")
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    error = find(window, QLabel, "uriError")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert log_top() == before

    find(window, QCheckBox, "tlsVerifyCheck").setChecked(False)
    connect_to(qtbot, window, tls_server.server.url("/echo"))
    assert find(window, QLabel, "tlsWarningLabel").isVisible()
    assert log_top() == before


def background_rows_from(label: QLabel, top: int) -> bool:
    """Whether the label's pixels from row `top` down are all background: no line of text
    drawn there, even in part. The background is the label's commonest colour."""
    image = label.grab().toImage()
    colours = Counter(
        image.pixel(x, y) for y in range(image.height()) for x in range(image.width())
    )
    background = colours.most_common(1)[0][0]
    return all(
        image.pixel(x, y) == background
        for y in range(max(0, top), image.height())
        for x in range(image.width())
    )


def test_a_long_status_shows_whole_lines_and_the_rest_in_its_tooltip(
    free_port: int, window: MainWindow, qtbot: QtBot
) -> None:
    """The status strip holds two lines: a reconnect's status with its last error is longer.
    No third line is cut through at the strip's edge; the whole status is in the tooltip, and
    the countdown changing it every tick moves nothing."""
    window.resize(1280, 800)
    find(window, QLineEdit, "uriEdit").setText(f"ws://127.0.0.1:{free_port}/")
    find(window, QCheckBox, "autoReconnectCheck").setChecked(True)
    find(window, QDoubleSpinBox, "reconnectInitialDelaySpin").setValue(30)
    find(window, QCheckBox, "reconnectJitterCheck").setChecked(False)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: "last error" in label.text(), timeout=WAIT_MS)
    assert label.property("state") == "reconnecting"

    def next_tick() -> None:  # the countdown: "in 29.9 s", "in 29.8 s" …
        shown = label.text()
        qtbot.waitUntil(lambda: label.text() != shown, timeout=WAIT_MS)

    next_tick()  # and the layout has had its turn since the status got long
    text = label.text()
    assert text.endswith("connection refused: nothing listens on that host and port")
    room = label.contentsRect()
    spacing = label.fontMetrics().lineSpacing()
    needed = label.fontMetrics().boundingRect(
        QRect(0, 0, room.width(), 10_000), Qt.TextFlag.TextWordWrap, text
    )
    assert needed.height() > room.height(), "the status fits: this test needs a longer one"
    # Whole lines only: below the last line that fits, nothing is drawn.
    assert background_rows_from(label, room.top() + room.height() // spacing * spacing)
    assert label.toolTip() == text

    log = find(window, QWidget, "messageLog")
    where = (label.geometry(), log.mapTo(window, QPoint(0, 0)))
    for _tick in range(3):
        next_tick()
        assert (label.geometry(), log.mapTo(window, QPoint(0, 0))) == where
        assert label.toolTip() == label.text()


def chat(qtbot: QtBot, window: MainWindow, texts: list[str]) -> None:
    page = window.current_page()
    before = page.log.counters.messages_in
    for text in texts:
        find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
        qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.log.counters.messages_in == before + len(texts), timeout=WAIT_MS)
    page.model.flush()  # the rows are in the log view too


def busy_profile_page(window: MainWindow, qtbot: QtBot, uri: str) -> int:
    """The default layout (Profiles and History docks open) at 1280x800, a profile's page
    (its detail pane has three tabs) after 124 messages, with a row selected: Follow pauses
    and "Jump to newest" shows. Returns the History dock's width before the messages."""
    window.resize(1280, 800)
    profile = window.store.save(Profile("Echo", ConnectionOptions(uri)))
    window.open_profile(profile)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)
    assert window.history_dock is not None
    dock_width = window.history_dock.width()
    chat(qtbot, window, [f'{{"n": {n}, "pad": "{"x" * 2000}"}}' for n in range(60)])
    view = find(window, QTableView, "messageLog")
    view.selectRow(5)
    chat(qtbot, window, ["one more", "and another"])
    jump = find(window, QPushButton, "jumpToNewestButton")
    qtbot.waitUntil(lambda: jump.isVisible() and "new)" in jump.text(), timeout=WAIT_MS)
    return dock_width


def test_the_counters_stay_whole_while_jump_to_newest_shows(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    dock_width = busy_profile_page(window, qtbot, recording_server.url("/echo"))
    counters = find(window, QLabel, "countersLabel")
    assert "↓ 62 msgs · 118." in counters.text()  # KiB
    needed = counters.fontMetrics().horizontalAdvance(counters.text())
    qtbot.waitUntil(lambda: counters.width() >= needed, timeout=WAIT_MS)
    panel = counters.parentWidget()
    assert panel is not None
    assert counters.mapTo(panel, QPoint(counters.width(), 0)).x() <= panel.width()
    # Not by pushing the docks aside: the History keeps its width as messages arrive.
    assert window.history_dock is not None
    assert window.history_dock.width() == dock_width
    assert window.width() == 1280


class LayoutRequests(QObject):
    """Counts the times `window` is asked to lay itself out again."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.count = 0
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_messages_arriving_do_not_lay_the_window_out_again(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    # Laying the window out again repaints the tab widget and the docks whole: in a flood
    # that was a dozen times a second, for the counters and the rate changing.
    window.resize(1280, 800)
    connect_to(qtbot, window, recording_server.url("/echo"))
    chat(qtbot, window, ["first"])
    counters = find(window, QLabel, "countersLabel")
    rate = find(window, QLabel, "rateLabel")
    requests = LayoutRequests(window)
    rates = {rate.text()}
    for n in range(2, 40):
        chat(qtbot, window, [f"message {n} " + "x" * 20 * n])
        qtbot.waitUntil(lambda: f"↓ {n} msgs" in counters.text(), timeout=WAIT_MS)  # noqa: B023
        rates.add(rate.text())
    qtbot.waitUntil(lambda: "KiB" in counters.text(), timeout=WAIT_MS)
    # The rate changed as the messages came, and changes again as they stop.
    qtbot.waitUntil(lambda: rate.text() not in rates, timeout=WAIT_MS)
    assert len(rates) > 1
    # Only as the labels grow past the room they keep (a few steps here), not at each of
    # their 40 and more changes.
    assert requests.count <= 6, requests.count
    # Still whole, as the text grew.
    needed = counters.fontMetrics().horizontalAdvance(counters.text())
    assert counters.width() >= needed


def test_the_detail_tabs_and_the_data_column_fit_at_1280x800_with_the_docks(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    busy_profile_page(window, qtbot, recording_server.url("/echo"))
    tabs = find(window, QTabWidget, "detailTabs")
    bar = tabs.tabBar()
    shown = [i for i in range(bar.count()) if bar.isTabVisible(i)]
    assert [bar.tabText(i) for i in shown] == ["Selected event", "Handshake", "Saved messages"]
    assert not any(button.isVisible() for button in bar.findChildren(QToolButton))
    assert bar.tabRect(shown[-1]).right() < bar.width()
    # Room for a preview of 20 characters or so next to the fixed columns.
    view = find(window, QTableView, "messageLog")
    data = view.columnWidth(Column.DATA)
    assert data >= 20 * view.fontMetrics().averageCharWidth(), data
    assert view.horizontalScrollBar().maximum() == 0


def test_settings_fold_away_and_open_at_a_tab(window: MainWindow, qtbot: QtBot) -> None:
    stack = find(window, QWidget, "settingsStack")
    bar = find(window, QTabBar, "settingsTabBar")
    titles = [bar.tabText(i) for i in range(bar.count())]
    assert titles == [
        "Headers",
        "Handshake",
        "Auth",
        "Cookies",
        "TLS",
        "Proxy",
        "Reconnect",
        "Advanced",
        "On connect",
        "Decoding",
        "Variables",
        "Scripts",
    ]
    assert stack.isHidden()  # folded: the log and panes get the room
    open_settings_tab(window, "TLS")
    assert stack.isVisible() and find(window, QCheckBox, "tlsVerifyCheck").isVisible()
    bar.tabBarClicked.emit(bar.currentIndex())  # a click on the open tab folds it again
    assert stack.isHidden()


def test_settings_tabs_beyond_the_bar_are_in_its_menu_at_1280x800(
    window: MainWindow, qtbot: QtBot
) -> None:
    bar = find(window, QTabBar, "settingsTabBar")
    button = find(window, QToolButton, "settingsTabsMenuButton")
    window.resize(1280, 800)  # the default layout: the Profiles and History docks open
    scripts = settings_tab_index(bar, "Scripts")
    qtbot.waitUntil(lambda: bar.tabRect(scripts).right() > bar.width(), timeout=WAIT_MS)
    qtbot.waitUntil(button.isVisible, timeout=WAIT_MS)

    button.fill_menu()  # as a click on "»" does
    actions = button.menu().actions()
    assert [action.text() for action in actions] == [bar.tabText(i) for i in range(bar.count())]
    next(action for action in actions if action.text() == "Scripts").trigger()
    assert bar.currentIndex() == scripts
    assert find(window, QWidget, "settingsStack").isVisible()
    assert find(window, QLineEdit, "scriptPathEdit").isVisible()

    window.resize(3000, 800)  # room for every tab: no menu
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=WAIT_MS)
    assert bar.tabRect(bar.count() - 1).right() <= bar.width()


def settings_tab_index(bar: QTabBar, title: str) -> int:
    return next(i for i in range(bar.count()) if bar.tabText(i) == title)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("WSINSPECTOR_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def windows(qloop: qasync.QEventLoop, qtbot: QtBot, config_dir: Path) -> Iterator[list[MainWindow]]:
    made: list[MainWindow] = []
    yield made
    for window in made:
        if window.isVisible():
            window.close()
            qtbot.waitUntil(lambda w=window: not w.isVisible(), timeout=WAIT_MS)  # type: ignore[misc]
        window.deleteLater()


def test_window_size_and_splitters_are_remembered(windows: list[MainWindow], qtbot: QtBot) -> None:
    first = MainWindow()
    windows.append(first)
    first.show()
    # Within the offscreen screen (800x600): restoreGeometry keeps a window on its screen.
    first.resize(760, 560)
    splitter = find(first, QSplitter, "pageSplitter")
    qtbot.waitUntil(lambda: first.width() != 1280, timeout=WAIT_MS)
    size = (first.width(), first.height())
    total = sum(splitter.sizes())
    splitter.setSizes([total // 3, total - total // 3])
    sizes = splitter.sizes()
    first.close()
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=WAIT_MS)

    second = MainWindow()
    windows.append(second)
    second.show()
    qtbot.waitUntil(second.isVisible, timeout=WAIT_MS)
    assert (second.width(), second.height()) == size != (1280, 800)
    assert find(second, QSplitter, "pageSplitter").sizes() == sizes


def test_a_saved_layout_that_squeezes_a_pane_is_repaired(
    windows: list[MainWindow], qtbot: QtBot
) -> None:
    """A layout once squeezed (a filter error that widened the log did it) and saved comes
    back with the docks and the detail pane at their minimum width or more."""
    first = MainWindow()
    windows.append(first)
    first.resize(1280, 800)
    first.show()
    assert first.history_dock is not None
    first.resizeDocks([first.history_dock], [217], Qt.Orientation.Horizontal)
    splitter = find(first, QSplitter, "pageSplitter")
    total = sum(splitter.sizes())
    splitter.setSizes([total - 174, 174])
    qtbot.waitUntil(lambda: first.history_dock is not None and first.history_dock.width() < 230)
    first.close()
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=WAIT_MS)

    second = MainWindow()
    windows.append(second)
    second.resize(1280, 800)
    second.show()
    qtbot.waitUntil(second.isVisible, timeout=WAIT_MS)
    dock = second.history_dock
    assert dock is not None
    detail = find(second, QTabWidget, "detailTabs")
    qtbot.waitUntil(lambda: dock.width() >= DOCK_MIN_WIDTH, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: detail.width() >= DETAIL_MIN_WIDTH, timeout=WAIT_MS)
    # A new tab takes the repaired splitters, not the squeezed ones saved.
    second.new_page()
    qtbot.waitUntil(
        lambda: find(second.current_page(), QTabWidget, "detailTabs").width() >= DETAIL_MIN_WIDTH,
        timeout=WAIT_MS,
    )


def test_the_uri_bar_keeps_room_for_a_uri_beside_the_protocol_box_at_1280x800(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    """The protocol box is sized for "WebSocket", not its longest item: at 1280x800 with the
    docks, a URI of 45 characters or so stays readable."""
    busy_profile_page(window, qtbot, recording_server.url("/echo"))
    uri = find(window, QLineEdit, "uriEdit")
    assert uri.width() >= 45 * uri.fontMetrics().averageCharWidth(), uri.width()


def placeholder_room(edit: QLineEdit) -> int:
    """The pixels `edit` has for its text: its contents rectangle as the style draws it, less
    its text margins and QLineEdit's own 2 px on each side."""
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    contents = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    return contents.width() - margins.left() - margins.right() - 4


@pytest.mark.parametrize("name", ["logConnectionEdit", "pingPayloadEdit"])
def test_the_small_boxes_show_their_placeholder_whole_at_1280x800(
    name: str, recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    """Seen in the README's screenshots: the filter's connection box squeezed to "co…", the
    ping payload's hint cut at "(optio…" once Repeat… stood beside Pong."""
    busy_profile_page(window, qtbot, recording_server.url("/echo"))
    edit = find(window.current_page(), QLineEdit, name)
    needed = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
    assert placeholder_room(edit) >= needed, (edit.placeholderText(), edit.width())
