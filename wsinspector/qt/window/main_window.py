"""The main window: tabs of connection pages, the menus, and actions acting on the current page."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, Final

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QCompleter,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.app.crashlog import CrashReporter
from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.events import ConnState
from wsinspector.core.scripting.replay import RecordingError
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.capture.wording import session_gone_words
from wsinspector.core.storage.logfiles import (
    LogFileError,
    import_log,
)
from wsinspector.core.storage.preferences import Preferences
from wsinspector.core.storage.profiles import Environments, Profile, ProfileError
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.dialogs.environments_dialog import EnvironmentsDialog
from wsinspector.qt.dialogs.preferences_dialog import PreferencesDialog
from wsinspector.qt.docks.history_view import HistorySidebar
from wsinspector.qt.docks.profiles_view import ProfilesSidebar
from wsinspector.qt.pages.live_page import LivePage
from wsinspector.qt.pages.log_page import LogPage
from wsinspector.qt.pages.page import Page, title_for_uri
from wsinspector.qt.pages.relay_page import RelayPage
from wsinspector.qt.pages.replay_page import ReplayPage
from wsinspector.qt.pages.server_page import ServerPage
from wsinspector.qt.widgets.icons import icon
from wsinspector.qt.window import server_pages
from wsinspector.qt.window.context import AppContext
from wsinspector.qt.window.error_banner import ErrorBanner
from wsinspector.qt.window.export_dialog import ask_export_path
from wsinspector.qt.window.menus import build_menus
from wsinspector.qt.window.profile_pages import open_saved_profile
from wsinspector.qt.window.relay_profiles import save_relay_profile
from wsinspector.qt.window.remembered_layout import (
    DOCK_WIDTH,
    restore_geometry,
    save_layout,
    saved_splitters,
    side_dock,
)
from wsinspector.qt.window.reopening import restore_open_pages, save_open_page_list
from wsinspector.qt.window.tab_bar import MiddleClickCloser, dress_tab, state_icon
from wsinspector.qt.window.window_keys import WindowKeys

# Closing a tab or the window waits this long at most for the pages' closing handshakes.
SHUTDOWN_SECONDS: Final = 1.8
RECENT_URIS: Final = 20


class MainWindow(QMainWindow):
    """wsinspector's window: one tab per connection page.

    Signals:
        closed_for_good(): the window has closed after every connection was shut down.
        crash_reported(object): a core.crashlog.Crash to show in the error banner; may be
            emitted from any thread (a CrashReporter listener), it is shown on the GUI's.
    """

    closed_for_good = Signal()
    crash_reported = Signal(object)

    # Set by build_menus (menus.py).
    action_clear_log: QAction
    action_close: QAction
    action_close_tab: QAction
    action_connect: QAction
    action_export_filtered: QAction
    action_export_log: QAction
    action_export_secrets: QAction
    action_export_selected: QAction
    action_focus_uri: QAction
    action_import_log: QAction
    action_new: QAction
    action_new_server: QAction
    action_ping: QAction
    action_preferences: QAction
    action_save_profile: QAction
    action_save_profile_as: QAction

    def __init__(self, parent: QWidget | None = None, *, context: AppContext | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("wsinspector")
        self.setWindowIcon(icon("app"))
        # What the app shares (settings, profiles, the capture, crashes): app.py builds it.
        self.context = context if context is not None else AppContext.build()
        self._settings = self.context.settings
        self._may_close = False
        self._shutdown_task: asyncio.Task[None] | None = None
        self._closing_pages = TaskSet()
        # qasync keeps no reference to tasks started from slots: keep them here.
        self._tasks = TaskSet()
        self._state_icons = {state: state_icon(state) for state in ConnState}

        self.tabs = QTabWidget()
        self.tabs.setObjectName("connectionTabs")
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_page_at)
        self.tabs.currentChanged.connect(lambda _index: self._update_actions())
        self.tabs.tabBar().installEventFilter(MiddleClickCloser(self))
        self.error_banner = ErrorBanner()
        self.crash_reported.connect(self.error_banner.show_crash)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.error_banner)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.store = self.context.store
        self.environments = self.store.load_environments()
        self.capture, self.capture_problem = self.context.capture, self.context.capture_problem
        self._recent_uris = QStringListModel(self._recent_uri_list(), self)
        self._build_profiles_dock()
        self._build_history_dock()
        build_menus(self)
        application = QApplication.instance()
        if application is not None:
            application.installEventFilter(WindowKeys(self, self.focus_filter))
        self.new_page()
        restore_geometry(self, self._settings)
        if self.capture_problem:
            self._tell("Capture database", self.capture_problem)

    def report_crashes(self, loop: asyncio.AbstractEventLoop | None = None) -> CrashReporter:
        """Catch unexpected errors (slots, threads, `loop`'s tasks) from now on: each is
        written to the log file in the state folder and shown in the error banner. The
        caller uninstalls the reporter when the window is gone."""
        reporter = self.context.crashes
        reporter.add_listener(self.crash_reported.emit)
        reporter.install(loop)
        return reporter

    # -- pages ------------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        pages = []
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            assert isinstance(page, Page)
            pages.append(page)
        return pages

    def current_page(self) -> Page:
        page = self.tabs.currentWidget()
        assert isinstance(page, Page)
        return page

    def live_page(self) -> LivePage | None:
        """The current page when it is a live one (connect, close, ping act on it)."""
        page = self.tabs.currentWidget()
        return page if isinstance(page, LivePage) else None

    def idle_live_page(self) -> LivePage:
        """The current page when it is live and idle, else a new live page."""
        page = self.live_page()
        idle = page is not None and not page.connection.is_active
        return page if page is not None and idle else self.new_page()

    def add_page(self, page: Page) -> None:
        """Show `page` in a new tab and make it current: every kind of page opens this way."""
        index = self.tabs.addTab(page, "")
        dress_tab(self.tabs, index, page, self._state_icons)
        page.title_changed.connect(lambda: self._on_page_changed(page))
        self.tabs.setCurrentIndex(index)

    def new_page(self) -> LivePage:
        """Open a new, idle connection page and make it current."""
        preferences = self.preferences()
        page = LivePage(capacity=preferences.capacity())
        page.attach_capture(self.capture)
        page.record_check.setChecked(preferences.record_new_pages)
        page.restore_splitters(saved_splitters(self._settings))
        page.profile_binding.attach(self.store, self.environments)
        completer = QCompleter(self._recent_uris, page.uri_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        page.uri_edit.setCompleter(completer)
        page.connect_started.connect(self._remember_uri)
        page.captured_session_requested.connect(self.open_history_session)
        page.profile_binding.environments_button.clicked.connect(self.edit_environments)
        self.add_page(page)
        page.focus_uri()
        return page

    def new_server_page(self) -> ServerPage:
        """Open a server page (it listens once started) and make it current."""
        return server_pages.open_server_page(self)

    def new_log_page(self, page: LogPage) -> LogPage:
        """Show a read-only page in a new tab and make it current."""
        page.restore_splitters(saved_splitters(self._settings))
        page.reopen_requested.connect(self._open_options)
        page.profile_requested.connect(self._profile_from_options)
        self.add_page(page)
        return page

    def open_profile(self, profile: Profile) -> LivePage:
        """Open a profile: into the current page when it is idle, otherwise into a new tab."""
        page = self.idle_live_page()
        page.set_profile(profile)
        self.tabs.setCurrentWidget(page)
        return page

    def edit_environments(self) -> None:
        """The environments dialog (non-blocking); OK saves them and updates every page."""
        page = self.live_page()
        current = page.profile_binding.environment if page is not None else ""
        dialog = EnvironmentsDialog(self.environments, current, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted_environments.connect(self._save_environments)
        dialog.open()

    def _save_environments(self, environments: Environments) -> None:
        try:
            self.store.save_environments(environments)
        except ProfileError as exc:
            self._tell("Environments not saved", str(exc))
            return
        self.environments = self.store.load_environments()
        for page in self.pages():
            if isinstance(page, LivePage):
                page.profile_binding.set_environments(self.environments)

    def _open_options(self, options: ConnectionOptions) -> None:
        self.new_page().set_options(options)

    def _profile_from_options(self, options: ConnectionOptions) -> None:
        """A logged connection kept as a profile: one click, then its name."""
        name, ok = QInputDialog.getText(
            self,
            "Save profile",
            "Name of the profile:",
            QLineEdit.EchoMode.Normal,
            title_for_uri(options.uri),
        )
        if not ok or not name.strip():
            return
        try:
            self.store.save(Profile(name.strip(), options))
        except ProfileError as exc:
            self._tell("Profile not saved", str(exc))
            return
        self.profiles_sidebar.refresh()

    def save_profile(self, *, as_new: bool = False) -> Profile | None:
        """Save the current page's form as its profile; ask a name when it has none."""
        if isinstance(server_page := self.current_page(), ServerPage):
            return server_pages.save_server_profile(self, server_page, as_new=as_new)
        if isinstance(relay := self.current_page(), RelayPage):
            return save_relay_profile(self, relay, as_new=as_new)
        page = self.live_page()
        if page is None:
            return None
        binding = page.profile_binding
        options = page.form_options()
        profile = None if as_new else binding.with_options(options)
        if profile is None:
            suggestion = binding.profile.name if binding.profile else title_for_uri(options.uri)
            name, ok = QInputDialog.getText(
                self, "Save profile", "Name of the profile:", QLineEdit.EchoMode.Normal, suggestion
            )
            if not ok or not name.strip():
                return None
            profile = binding.new_profile(name.strip(), options)
        try:
            saved = self.store.save(profile)
        except ProfileError as exc:
            QMessageBox.warning(self, "Profile not saved", str(exc))
            return None
        page.set_profile(saved, fill_form=False)
        self.profiles_sidebar.refresh()
        return saved

    # -- log files --------------------------------------------------------------------------

    def export_log(self, scope: str = "all") -> None:
        """Ask a file name and export the current page's log (all, filtered or selected rows)."""
        page = self.current_page()
        if scope == "selected" and not page.log_view.selected_log_indexes():
            self._tell("Nothing selected", "Select rows in the log first, then export them.")
            return
        path = ask_export_path(self, self._settings, title_for_uri(page.location()))
        if path is not None:
            page.export_log(path, scope, include_secrets=self.action_export_secrets.isChecked())

    def import_log_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open a log",
            "",
            "Logs (*.jsonl *.ndjson *.har);;All files (*)",
        )
        if path:
            self._spawn(self.import_log(path))

    async def import_log(self, path: str) -> LogPage | None:
        """Read a .jsonl or .har log in a worker thread and show it in a new read-only page."""
        try:
            imported = await asyncio.to_thread(import_log, path)
        except (LogFileError, OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self._tell("Log not imported", f"{path} can't be imported: {reason}")
            return None
        return self.new_log_page(LogPage.of_file(path, imported))

    # -- the capture ------------------------------------------------------------------------

    def open_captured_session(self, session_id: int, row: int | None = None) -> LogPage:
        """Show a recorded session read-only in a new tab (filter, detail, export work), with
        `row` selected if given, as committed so far (open_history_session waits for the rest).
        KeyError when there is no such session."""
        capture = self.capture
        if capture is None:
            raise KeyError("no capture database is open")
        page = self.new_log_page(LogPage.of_capture(capture, session_id))
        if row is not None:
            page.log_view.select_log_index(row)
        return page

    def _build_history_dock(self) -> None:
        """The History of recorded sessions, under the profiles (none without a capture)."""
        self.history_sidebar: HistorySidebar | None = None
        self.history_dock: QDockWidget | None = None
        if self.capture is None:
            return
        sidebar = HistorySidebar(self.capture)
        sidebar.open_requested.connect(self.open_history_session)
        sidebar.profile_requested.connect(self._profile_from_options)
        sidebar.replay_requested.connect(self.open_replay)
        dock = side_dock(self, "History", "historyDock", sidebar)
        self.splitDockWidget(self.profiles_dock, dock, Qt.Orientation.Vertical)
        self.history_sidebar = sidebar
        self.history_dock = dock
        # Wide enough for a session's title, time and counts; the History gets the most room.
        self.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.resizeDocks([self.profiles_dock, dock], [260, 440], Qt.Orientation.Vertical)

    def open_history_session(self, session_id: int, row: int = -1) -> LogPage | None:
        """Open a session of the History read-only, with `row` (≥ 0) selected and shown, with
        everything recorded up to now: at once when that is committed, else (None) once it is,
        waited for off the GUI thread (a flood or another process may keep the writer busy)."""
        if self.capture is not None and not self.capture.settled():
            self._spawn(self._open_history_session_when_committed(self.capture, session_id, row))
            return None
        return self._open_history_session(session_id, row)

    async def _open_history_session_when_committed(
        self, capture: CaptureStore, session_id: int, row: int
    ) -> None:
        await capture.synced(2.0)
        if not capture.closed:  # else the window quit meanwhile
            self._open_history_session(session_id, row)

    def _open_history_session(self, session_id: int, row: int) -> LogPage | None:
        try:
            return self.open_captured_session(session_id, row if row >= 0 else None)
        except KeyError:
            self._tell("Session not opened", session_gone_words(session_id))
            if self.history_sidebar is not None:
                self.history_sidebar.refresh()
            return None

    def open_replay(self, session_id: int) -> None:
        """History ▸ Replay against…: a page that replays a recorded session."""
        assert self.capture is not None  # the History is there only with a capture
        try:
            self.add_page(ReplayPage.of_session(self.capture, session_id))
        except RecordingError as exc:
            self._tell("Nothing to replay", str(exc))

    def _tell(self, title: str, text: str) -> None:
        # open(), not exec(): this may run inside a coroutine of qasync's loop.
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("messageBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self._tasks.spawn(coroutine)

    def _build_profiles_dock(self) -> None:
        self.profiles_sidebar = ProfilesSidebar(self.store)
        self.profiles_sidebar.open_requested.connect(partial(open_saved_profile, self))
        dock = side_dock(self, "Profiles", "profilesDock", self.profiles_sidebar)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.profiles_dock = dock
        self.resizeDocks([dock], [240], Qt.Orientation.Horizontal)

    def _recent_uri_list(self) -> list[str]:
        value = self._settings.value("recent/uris", [])
        if isinstance(value, str):
            return [value]
        return [str(item) for item in value] if isinstance(value, list) else []

    def _remember_uri(self, uri: str) -> None:
        uris = [uri, *(item for item in self._recent_uris.stringList() if item != uri)]
        self._recent_uris.setStringList(uris[:RECENT_URIS])
        self._settings.setValue("recent/uris", uris[:RECENT_URIS])

    def close_page_at(self, index: int) -> None:
        """Close a page: its connection closes cleanly first (1001), then the tab goes."""
        page = self.tabs.widget(index)
        if not isinstance(page, Page):
            return
        self.tabs.removeTab(index)
        if self.tabs.count() == 0:
            self.new_page()  # the window always has a page to type a URI into
        self._closing_pages.spawn(self._close_page(page))

    def close_current_page(self) -> None:
        self.close_page_at(self.tabs.currentIndex())

    async def _close_page(self, page: Page) -> None:
        try:
            async with asyncio.timeout(SHUTDOWN_SECONDS):
                await page.shutdown("tab closed")
        except TimeoutError:
            pass
        finally:
            page.deleteLater()

    def _on_page_changed(self, page: Page) -> None:
        index = self.tabs.indexOf(page)
        if index < 0:
            return
        dress_tab(self.tabs, index, page, self._state_icons)
        if page is self.tabs.currentWidget():
            self._update_actions()

    # -- menus and actions ------------------------------------------------------------------

    def focus_filter(self) -> None:
        """Ctrl+F from anywhere but the detail view: to the current page's log filter."""
        self.current_page().log_panel.filter_bar.focus()

    def on_live_page(self, action: Callable[[LivePage], object]) -> None:
        page = self.live_page()
        if page is not None:
            action(page)

    def _update_actions(self) -> None:
        page = self.tabs.currentWidget()
        if not isinstance(page, Page):
            return
        state = page.state
        live = isinstance(page, LivePage)
        active = isinstance(page, LivePage) and page.connection.is_active
        self.action_connect.setEnabled(live and not active)
        # A listening server page's Close and Ping act on its selected clients (menus.py).
        serving = isinstance(page, ServerPage) and page.is_running
        self.action_close.setEnabled((active and state is not ConnState.CLOSING) or serving)
        self.action_ping.setEnabled((live and state is ConnState.OPEN) or serving)
        title = page.title()
        self.setWindowTitle(f"wsinspector — {title}" if page.location() else "wsinspector")

    # -- settings ---------------------------------------------------------------------------

    def preferences(self) -> Preferences:
        """The preferences kept in the settings file (defaults for what is not there)."""
        return self.context.preferences()

    def log_capacity(self) -> int | None:
        """How many events a new tab's live log keeps (None: no limit)."""
        return self.preferences().capacity()

    def show_preferences(self) -> PreferencesDialog:
        """The Preferences dialog, opened (not exec()'d: this may run in a coroutine)."""
        dialog = PreferencesDialog(self.preferences(), self)
        dialog.accepted.connect(lambda: self.set_preferences(dialog.preferences()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def set_preferences(self, preferences: Preferences) -> None:
        """Keep `preferences`; new tabs use them, and the capture is trimmed to them now."""
        for key, value in preferences.to_settings().items():
            self._settings.setValue(key, value)
        self._settings.sync()
        capture = self.capture
        if capture is None or capture.closed:
            return
        capture.retention = preferences.retention()
        self._spawn(self._apply_retention(capture))

    async def _apply_retention(self, capture: CaptureStore) -> None:
        # Deleting many sessions takes a while: not on the UI thread.
        try:
            await asyncio.to_thread(capture.apply_retention)
        except Exception as exc:  # trimming matters less than going on
            self._tell("History not trimmed", f"The capture could not be trimmed: {exc}")
        if self.history_sidebar is not None:
            self.history_sidebar.refresh()

    # -- remembered layout ------------------------------------------------------------------

    def restore_open_pages(self) -> int:
        """Bring back the pages open at the last quit (reopening.py); returns how many."""
        return restore_open_pages(self)

    # -- shutdown ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """First close: every page sends its close frame (1001) at once; then really close."""
        if self._may_close:
            event.accept()
            self.closed_for_good.emit()
            return
        event.ignore()
        if self._shutdown_task is None:
            save_layout(self, self.current_page(), self._settings)
            save_open_page_list(self.pages())
            self._shutdown_task = asyncio.get_running_loop().create_task(self._shutdown())

    async def _shutdown(self) -> None:
        try:
            pages = self.pages()
            # All at once, bounded as a whole: one server that ignores the close frame must
            # not hold up the others, nor the window, beyond SHUTDOWN_SECONDS.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SHUTDOWN_SECONDS):
                    await asyncio.gather(*(page.shutdown() for page in pages), *self._closing_pages)
        finally:
            if self.history_sidebar is not None:
                self.history_sidebar.shutdown()
            if self.capture is not None:
                # Every page's recording ends and everything recorded is committed.
                await asyncio.to_thread(self.capture.close)
            self._may_close = True
            self.close()
