"""`wsinspector --self-check`: the whole app, offscreen, against its own demo server.

It opens the main window, renders every icon, starts the built-in demo server, connects to it
through the page's URI field, reads the handshake, sends a message and waits for its echo (in
the event log and in the `messageLog` rows), decodes MessagePack, CBOR and protobuf (a .proto
compiled by the bundled protoc), opens About and copies the versions, closes with
1000 and shuts the window down. One line per step on stdout; the first step that fails, or
does not finish within its time (STEP_SECONDS), ends the check: a line on stderr names it and
the exit status is 1.

It drives the window through its public names only, as a user would, so a built bundle that is
missing a Qt plugin, an icon or a module fails here rather than on someone's desktop. Qt's
platform is offscreen (app.py sets QT_QPA_PLATFORM before Qt starts): no display is needed.
The run gets private configuration and data folders, so no user file is read or written.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Final, TextIO

from PySide6.QtCore import (
    QAbstractItemModel,
    QMessageLogContext,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
)

from wsinspector.core.app.versions import APP_ID
from wsinspector.core.decoders.check import check_decoders
from wsinspector.core.log.events import CloseEvent, Direction, HandshakeEvent, MessageEvent
from wsinspector.core.protocols import registry
from wsinspector.core.tools.demo import DemoServer
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.dialogs.about_dialog import current_versions, show_about
from wsinspector.qt.pages.live_page import LivePage
from wsinspector.qt.widgets.icons import icon
from wsinspector.qt.window.main_window import MainWindow
from wsinspector.resources import icons_dir

# Each step's time limit in seconds, in the order the steps run. The window's is generous: it
# includes a cold start of Qt (fonts, plugins) on a slow disk.
STEP_SECONDS: Final[dict[str, float]] = {
    "window": 30.0,
    "identity": 2.0,
    "icons": 10.0,
    "demo server": 10.0,
    "connect": 10.0,
    "handshake": 5.0,
    "message": 10.0,
    "decoders": 10.0,
    "protocols": 10.0,
    "about": 5.0,
    "close": 10.0,
    "quit": 10.0,
}
# Cleaning up after a failed step: close the window and stop the demo server within this.
CLEANUP_SECONDS: Final = 5.0
POLL_SECONDS: Final = 0.02
# What the offscreen platform says each time a window's size hints change: noise here.
OFFSCREEN_NOISE: Final = "This plugin does not support propagateSizeHints()"
CLOSE_REASON: Final = "self-check done"
ICON_PIXELS: Final = 32


class StepFailed(Exception):
    """A step of the self-check failed; `reason` says how, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def process_age() -> float | None:
    """Seconds since this process started (Linux, from /proc), else None."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            # Field 22 (after the parenthesised command name, which may hold spaces).
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            now = float(uptime.read().split()[0])
        return now - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _row_texts(model: QAbstractItemModel) -> Iterator[str]:
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            value = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
            if value is not None:
                yield str(value)


class SelfCheck:
    """One run of the self-check; `await run()` returns the exit status."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out = out if out is not None else sys.stdout
        self._err = err if err is not None else sys.stderr
        self.window: MainWindow | None = None
        self.demo: DemoServer | None = None
        self._closed = asyncio.Event()
        self._waiting_for = ""

    # -- output -------------------------------------------------------------------------------

    def _say(self, line: str, *, error: bool = False) -> None:
        stream = self._err if error else self._out
        if stream is not None:  # a windowed Windows build has neither
            print(line, file=stream, flush=True)

    # -- running ------------------------------------------------------------------------------

    async def run(self) -> int:
        self._say("wsinspector self-check")
        for line in current_versions().text().splitlines():
            self._say(f"  {line}")
        steps: dict[str, Callable[[], Awaitable[str]]] = {
            "window": self._window,
            "identity": self._identity,
            "icons": self._icons,
            "demo server": self._demo_server,
            "connect": self._connect,
            "handshake": self._handshake,
            "message": self._message,
            "decoders": self._decoders,
            "protocols": self._protocols,
            "about": self._about,
            "close": self._close,
            "quit": self._quit,
        }
        started = time.monotonic()
        for name, step in steps.items():
            seconds = STEP_SECONDS[name]
            step_started = time.monotonic()
            self._waiting_for = ""
            try:
                async with asyncio.timeout(seconds):
                    detail = await step()
            except TimeoutError:
                waiting = f" waiting for {self._waiting_for}" if self._waiting_for else ""
                return await self._fail(name, f"not done within {seconds:g} s{waiting}")
            except StepFailed as exc:
                return await self._fail(name, exc.reason)
            except Exception as exc:
                return await self._fail(name, f"{type(exc).__name__}: {exc}")
            elapsed = time.monotonic() - step_started
            self._say(f"  ok  {name:<12} {elapsed:6.2f} s  {detail}".rstrip())
        self._say(f"self-check passed: {len(steps)} steps in {time.monotonic() - started:.2f} s")
        return 0

    async def _fail(self, step: str, reason: str) -> int:
        self._say(f"  --  {step:<12} FAILED")
        state = self._page_state()
        if state:
            reason += f" (connection: {state})"
        self._say(f"wsinspector self-check failed at step '{step}': {reason}", error=True)
        await self._clean_up()
        return 1

    async def _clean_up(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLEANUP_SECONDS):
                if self.window is not None and self.window.isVisible():
                    self.window.close()
                    await self._closed.wait()
        if self.demo is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLEANUP_SECONDS):
                    await self.demo.stop()

    async def _until(self, predicate: Callable[[], object], what: str) -> None:
        """Poll until `predicate()` holds; the step's time limit bounds the wait."""
        self._waiting_for = what
        while not predicate():
            await asyncio.sleep(POLL_SECONDS)
        self._waiting_for = ""

    # -- what the steps look at ---------------------------------------------------------------

    def _page(self) -> LivePage:
        assert self.window is not None
        page = self.window.live_page()
        assert page is not None
        return page

    def _status(self) -> QLabel:
        label = self._page().findChild(QLabel, "connectionStatusLabel")
        if label is None:
            raise StepFailed("the page has no connectionStatusLabel")
        return label

    def _state(self) -> str:
        return str(self._status().property("state") or "")

    def _page_state(self) -> str:
        if self.window is None:
            return ""
        with contextlib.suppress(Exception):
            return f"{self._state() or 'idle'}, “{self._status().text()}”"
        return ""

    # -- the steps ----------------------------------------------------------------------------

    async def _window(self) -> str:
        window = self.window = MainWindow()
        window.closed_for_good.connect(self._closed.set)
        window.show()

        def exposed() -> bool:
            handle = window.windowHandle()
            return handle is not None and handle.isExposed()

        await self._until(exposed, "the window to be exposed")
        age = process_age()
        platform = QGuiApplication.platformName()
        if age is None:
            return f"shown ({platform})"
        return f"shown {age:.2f} s after the process started ({platform})"

    async def _identity(self) -> str:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        found = {
            "application name": app.applicationName(),
            "desktop file name": QGuiApplication.desktopFileName(),
        }
        wrong = [f"{what} is {value!r}" for what, value in found.items() if value != APP_ID]
        if wrong:
            raise StepFailed(f"{', '.join(wrong)}, not {APP_ID!r}")
        if QGuiApplication.windowIcon().isNull():
            raise StepFailed("the application has no window icon")
        return APP_ID

    async def _icons(self) -> str:
        folder = icons_dir()
        names = sorted(path.stem for path in folder.glob("*.svg"))
        if "app" not in names:
            raise StepFailed(f"no app.svg in {folder}")
        for name in names:
            image = icon(name).pixmap(ICON_PIXELS, ICON_PIXELS).toImage()
            if image.isNull() or not any(
                image.pixelColor(x, y).alpha()
                for x in range(image.width())
                for y in range(image.height())
            ):
                raise StepFailed(
                    f"icon {name!r} ({folder / (name + '.svg')}) renders empty: "
                    "is Qt's SVG icon engine plugin (iconengines/libqsvgicon) missing?"
                )
            await asyncio.sleep(0)
        return f"{len(names)} SVG icons from {folder}"

    async def _demo_server(self) -> str:
        self.demo = DemoServer()
        await self.demo.start()
        return self.demo.url("/")

    async def _connect(self) -> str:
        assert self.demo is not None
        page = self._page()
        uri = self.demo.url("/echo")
        page.uri_edit.setText(uri)
        page.connect_from_form()

        def open_or_failed() -> bool:
            state = self._state()
            if state in ("failed", "closed"):
                raise StepFailed(f"the connection to {uri} ended: {self._status().text()}")
            return state == "open"

        await self._until(open_or_failed, "the status label's state to be 'open'")
        return uri

    async def _handshake(self) -> str:
        page = self._page()
        handshakes = [event for event in page.log if isinstance(event, HandshakeEvent)]
        if not handshakes:
            raise StepFailed("no handshake event in the page's log")
        event = handshakes[-1]
        if not event.accepted or event.status_code != 101:
            raise StepFailed(f"handshake not accepted: {event.status_line or 'no response'}")
        if not event.request_line.startswith("GET /echo "):
            raise StepFailed(f"unexpected request line {event.request_line!r}")
        names = {name.lower() for name, _ in event.request_headers}
        if not {"sec-websocket-key", "upgrade"} <= names:
            raise StepFailed(f"request headers lack the WebSocket ones: {sorted(names)}")
        views = {
            "requestHeadersView": (event.request_line, "Sec-WebSocket-Key:"),
            "responseHeadersView": (event.status_line, "Sec-WebSocket-Accept:"),
        }
        for name, expected in views.items():
            view = page.findChild(QPlainTextEdit, name)
            text = view.toPlainText() if view is not None else ""
            missing = [piece for piece in expected if piece not in text]
            if missing:
                raise StepFailed(f"{name} does not show {missing}")
        return f"{event.request_line} → {event.status_line}"

    async def _message(self) -> str:
        page = self._page()
        text = f"wsinspector self-check {secrets.token_hex(4)}"
        data = text.encode()
        sent = time.monotonic()
        page.composer.send_text.emit(text)

        def echoed() -> bool:
            return any(
                isinstance(event, MessageEvent)
                and event.direction is Direction.IN
                and event.data == data
                for event in page.log
            )

        await self._until(echoed, f"the echo of {text!r} in the page's log")
        round_trip = time.monotonic() - sent
        view = page.findChild(QAbstractItemView, "messageLog")
        if view is None:
            raise StepFailed("the page has no messageLog")
        model = view.model()

        def shown_twice() -> bool:
            return sum(text in cell for cell in _row_texts(model)) >= 2

        await self._until(shown_twice, "the sent and echoed message rows in messageLog")
        return f"echoed in {round_trip * 1000:.0f} ms; messageLog has {model.rowCount()} rows"

    async def _decoders(self) -> str:
        try:
            return check_decoders()
        except ValueError as exc:
            raise StepFailed(str(exc)) from None

    async def _protocols(self) -> str:
        """Every protocol's package is there (the registry finds them by name, so a bundle
        could lack one unnoticed) and builds its protocol object."""
        names = []
        for info in registry.PROTOCOLS:
            if info.key == registry.WEBSOCKET:
                continue
            if info not in registry.available():
                raise StepFailed(f"the {info.label} package is missing")
            registry.create(ConnectionOptions(uri="ws://127.0.0.1/", protocol=info.key))
            names.append(info.label)
        return ", ".join(names)

    async def _about(self) -> str:
        dialog = show_about(self.window)
        try:
            await self._until(dialog.isVisible, "the About dialog to show")
            copy = dialog.findChild(QPushButton, "aboutCopyButton")
            if copy is None:
                raise StepFailed("About has no aboutCopyButton")
            copy.click()
            copied = QGuiApplication.clipboard().text()
            expected = current_versions()
            if copied != expected.text():
                raise StepFailed(f"the clipboard holds {copied!r}, not the versions")
            for name in ("Qt", "PySide6", "qasync"):
                if expected[name].startswith("not "):
                    raise StepFailed(f"the {name} version is {expected[name]!r}")
            return f"versions copied (Qt {expected['Qt']}, PySide6 {expected['PySide6']})"
        finally:
            if isinstance(dialog, QDialog):
                dialog.close()

    async def _close(self) -> str:
        page = self._page()
        page.close_code_spin.setValue(1000)
        page.close_reason_edit.setText(CLOSE_REASON)
        page.close_connection()

        def closed() -> CloseEvent | None:
            for event in page.log:
                if isinstance(event, CloseEvent):
                    return event
            return None

        await self._until(closed, "the close event in the page's log")
        event = closed()
        assert event is not None
        if (event.code, event.reason, event.initiator) != (1000, CLOSE_REASON, "client"):
            raise StepFailed(
                f"closed with {event.code} {event.reason!r} by {event.initiator or 'nobody'}"
            )
        if not event.clean:
            raise StepFailed("the closing handshake did not complete cleanly")
        await self._until(lambda: self._state() == "closed", "the status label's 'closed'")
        return f"1000 {CLOSE_REASON!r}, clean"

    async def _quit(self) -> str:
        assert self.window is not None and self.demo is not None
        self.window.close()
        await self._until(self._closed.is_set, "the window to close")
        await self.demo.stop()
        return "window closed, demo server stopped"


def _quiet_offscreen(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's messages on stderr as usual, but for the offscreen platform's noise."""
    if message != OFFSCREEN_NOISE and sys.stderr is not None:
        print(message, file=sys.stderr, flush=True)


def run_self_check(app: QApplication) -> int:
    """Run the self-check in `app` on a qasync loop; the exit status (0 passed, 1 failed)."""
    import qasync

    total = sum(STEP_SECONDS.values()) + 2 * CLEANUP_SECONDS + 10
    # A hang in Qt's C++ (no Python to time it out) still ends the run, with a traceback.
    with contextlib.suppress(AttributeError, ValueError, OSError, RuntimeError):
        faulthandler.dump_traceback_later(total, exit=True)
    with tempfile.TemporaryDirectory(
        prefix="wsinspector-self-check-", ignore_cleanup_errors=True
    ) as private:
        # Never a user's profiles, window layout, open tabs or keyring.
        os.environ["WSINSPECTOR_CONFIG_DIR"] = os.path.join(private, "config")
        os.environ["WSINSPECTOR_DATA_DIR"] = os.path.join(private, "data")
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        qInstallMessageHandler(_quiet_offscreen)
        try:
            return asyncio.run(SelfCheck().run(), loop_factory=lambda: qasync.QEventLoop(app))
        finally:
            with contextlib.suppress(AttributeError, ValueError, OSError, RuntimeError):
                faulthandler.cancel_dump_traceback_later()
