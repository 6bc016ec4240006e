"""Server pages in the window: opening one (empty, or from a saved server profile) and saving
one as a profile. A profile with a `server` section opens as a server page
(profile_pages.py says which page each profile opens as)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from wsinspector.core.app.errors import UserError
from wsinspector.core.serving.settings import settings_from_json, settings_to_json
from wsinspector.core.storage.profiles import Profile, ProfileError
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.pages.server_page import ServerPage
from wsinspector.qt.window.remembered_layout import saved_splitters

if TYPE_CHECKING:
    from wsinspector.qt.window.main_window import MainWindow


def open_server_page(window: MainWindow, profile: Profile | None = None) -> ServerPage:
    """A new server page, current, filled from `profile`'s server settings when given."""
    preferences = window.preferences()
    page = ServerPage(capacity=preferences.capacity())
    page.attach_capture(window.capture, record=preferences.record_new_pages)
    page.restore_splitters(saved_splitters(window.context.settings))
    if profile is not None:
        try:
            page.apply_settings(settings_from_json(profile.server))
        except UserError as exc:
            QMessageBox.warning(window, "Server profile", f"“{profile.name}”: {exc}")
        page.profile = profile
        page.variables = dict(profile.variables)
    window.add_page(page)
    page.listen_edit.setFocus()
    return page


def save_server_profile(
    window: MainWindow, page: ServerPage, *, as_new: bool = False
) -> Profile | None:
    """Save the page's listen settings and rules as its profile; ask a name when it has none."""
    try:
        server = settings_to_json(page.settings())
    except ValueError as exc:
        QMessageBox.warning(window, "Profile not saved", str(exc))
        return None
    profile = page.profile if not as_new else None
    if profile is None:
        name, ok = QInputDialog.getText(
            window,
            "Save profile",
            "Name of the server profile:",
            QLineEdit.EchoMode.Normal,
            page.title(),
        )
        if not ok or not name.strip():
            return None
        profile = Profile(name=name.strip(), options=ConnectionOptions(""))
    try:
        saved = window.store.save(replace(profile, server=server))
    except ProfileError as exc:
        QMessageBox.warning(window, "Profile not saved", str(exc))
        return None
    page.profile = saved
    window.profiles_sidebar.refresh()
    return saved
