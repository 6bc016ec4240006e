"""The window's menus and actions: File, Connection, Log, Help, with their shortcuts.

WindowKeys (window_keys.py) makes these shortcuts work wherever the focus is. Close and Ping
act on the current connection page, or on a server page's selected clients (or all of them,
as its `broadcastCheck` says), as its own Close and Ping buttons do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from wsinspector.qt.dialogs.about_dialog import show_about
from wsinspector.qt.pages.live_page import LivePage
from wsinspector.qt.pages.server_page import ServerPage
from wsinspector.qt.widgets.icons import icon
from wsinspector.qt.window.relay_profiles import new_relay_page

if TYPE_CHECKING:
    from wsinspector.qt.window.main_window import MainWindow


def _action(
    window: MainWindow,
    name: str,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    window.addAction(action)  # shortcuts work with the menu bar hidden too
    return action


def _on_clients(
    window: MainWindow, live: Callable[[LivePage], object], served: Callable[[ServerPage], object]
) -> None:
    page = window.current_page()
    if isinstance(page, ServerPage):
        served(page)
    else:
        window.on_live_page(live)


def build_menus(window: MainWindow) -> None:
    """The menu bar and the window's actions (set on `window` as its action_* attributes);
    every action is also added to the window so that its shortcut works with the menu bar hidden."""
    menu = window.menuBar()
    file_menu = menu.addMenu("&File")
    window.action_new = _action(
        window, "actionNewConnection", "&New connection", window.new_page, "Ctrl+T"
    )
    window.action_close_tab = _action(
        window,
        "actionCloseConnection",
        "Close &tab",
        window.close_current_page,
        "Ctrl+W",
    )
    quit_action = _action(
        window, "actionQuit", "&Quit", window.close, QKeySequence.StandardKey.Quit
    )
    window.action_save_profile = _action(
        window, "actionSaveProfile", "&Save profile", window.save_profile, "Ctrl+S"
    )
    window.action_save_profile_as = _action(
        window,
        "actionSaveProfileAs",
        "Save profile &as…",
        lambda: window.save_profile(as_new=True),
        "Ctrl+Shift+S",
    )
    for action in (window.action_new, window.action_close_tab):
        file_menu.addAction(action)
    file_menu.addSeparator()
    for action in (window.action_save_profile, window.action_save_profile_as):
        file_menu.addAction(action)
    file_menu.addAction(window.profiles_dock.toggleViewAction())
    if window.history_dock is not None:
        history_toggle = window.history_dock.toggleViewAction()
        history_toggle.setObjectName("actionShowHistory")
        history_toggle.setShortcut(QKeySequence("Ctrl+H"))
        window.addAction(history_toggle)
        file_menu.addAction(history_toggle)
    file_menu.addSeparator()
    window.action_preferences = _action(
        window,
        "actionPreferences",
        "&Preferences…",
        window.show_preferences,
        QKeySequence.StandardKey.Preferences,
    )
    file_menu.addAction(window.action_preferences)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)

    connection_menu = menu.addMenu("&Connection")
    window.action_connect = _action(
        window,
        "actionConnect",
        "&Connect",
        lambda: window.on_live_page(LivePage.connect_from_form),
        "F5",
    )
    window.action_connect.setIcon(icon("connect"))
    window.action_close = _action(
        window,
        "actionClose",
        "C&lose",
        lambda: _on_clients(window, LivePage.close_connection, ServerPage.close_clients),
        "Shift+F5",
    )
    window.action_close.setIcon(icon("disconnect"))
    window.action_ping = _action(
        window,
        "actionPing",
        "&Ping",
        lambda: _on_clients(window, LivePage.ping, ServerPage.ping),
        "Ctrl+P",
    )
    window.action_ping.setIcon(icon("ping"))
    window.action_focus_uri = _action(
        window,
        "actionFocusUri",
        "Edit the &URI",
        lambda: window.on_live_page(LivePage.focus_uri),
        "Ctrl+L",
    )
    for action in (window.action_connect, window.action_close, window.action_ping):
        connection_menu.addAction(action)
    connection_menu.addSeparator()
    window.action_new_server = _action(
        window, "actionNewServer", "New &server page", window.new_server_page
    )
    connection_menu.addAction(window.action_new_server)
    connection_menu.addSeparator()
    connection_menu.addAction(window.action_focus_uri)
    connection_menu.addSeparator()
    connection_menu.addAction(
        _action(window, "actionNewRelay", "New &relay page", lambda: new_relay_page(window))
    )

    log_menu = menu.addMenu("&Log")
    window.action_export_log = _action(
        window, "actionExportLog", "&Export log…", lambda: window.export_log("all"), "Ctrl+E"
    )
    window.action_export_filtered = _action(
        window,
        "actionExportFilteredLog",
        "Export &filtered rows…",
        lambda: window.export_log("filtered"),
    )
    window.action_export_selected = _action(
        window,
        "actionExportSelectedLog",
        "Export &selected rows…",
        lambda: window.export_log("selected"),
    )
    window.action_export_secrets = _action(
        window, "actionExportIncludeSecrets", "Include secret values in exports", lambda: None
    )
    window.action_export_secrets.setCheckable(True)
    window.action_export_secrets.setToolTip(
        "Off: Authorization, Cookie and token-like values are written as <redacted>"
    )
    window.action_import_log = _action(
        window, "actionImportLog", "&Import log…", window.import_log_dialog, "Ctrl+O"
    )
    window.action_clear_log = _action(
        window, "actionClearLog", "C&lear log", lambda: window.current_page().clear_log()
    )
    window.action_clear_log.setIcon(icon("clear"))
    for action in (
        window.action_export_log,
        window.action_export_filtered,
        window.action_export_selected,
        window.action_export_secrets,
    ):
        log_menu.addAction(action)
    log_menu.addSeparator()
    log_menu.addAction(window.action_import_log)
    log_menu.addSeparator()
    log_menu.addAction(window.action_clear_log)

    help_menu = menu.addMenu("&Help")
    help_menu.addAction(
        _action(window, "actionAbout", "&About wsinspector", lambda: show_about(window))
    )
