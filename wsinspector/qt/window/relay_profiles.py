"""Relay pages and profiles: a relay page saves its upstream, the upstream's connection
settings and its own (RelaySettings) as a profile, and a relay profile opens a relay page.

The window's Save profile comes here for relay pages, and profile_pages.py for relay
profiles; connection pages and profiles stay the window's (main_window.py).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit

from wsinspector.core.storage.profiles import Profile, ProfileError
from wsinspector.core.storage.profiles.secrets import propose_secrets
from wsinspector.qt.pages.page import title_for_uri
from wsinspector.qt.pages.relay_page import RelayPage

if TYPE_CHECKING:
    from wsinspector.qt.window.main_window import MainWindow


def new_relay_page(window: MainWindow) -> RelayPage:
    """Open a new relay page and make it current."""
    page = RelayPage(capacity=window.log_capacity())
    window.add_page(page)
    page.upstream_edit.setFocus()
    return page


def open_relay_profile(window: MainWindow, profile: Profile) -> RelayPage:
    """A new relay page, current, filled from the relay profile `profile`."""
    page = new_relay_page(window)
    page.set_profile(profile)
    return page


def save_relay_profile(window: MainWindow, page: RelayPage, *, as_new: bool) -> Profile | None:
    """Save the relay page over its profile, or under a name asked for (new, or `as_new`)."""
    options = page.form_options()
    saved = page.profile
    if saved is not None and not as_new:
        profile = dataclasses.replace(saved, options=options, relay=page.settings())
    else:
        suggestion = saved.name if saved is not None else f"relay {title_for_uri(options.uri)}"
        name, ok = QInputDialog.getText(
            window, "Save profile", "Name of the profile:", QLineEdit.EchoMode.Normal, suggestion
        )
        if not ok or not name.strip():
            return None
        profile = Profile(
            name.strip(), options, secrets=propose_secrets(options), relay=page.settings()
        )
    try:
        profile = window.store.save(profile)
    except ProfileError as exc:
        window._tell("Profile not saved", str(exc))
        return None
    page.profile = profile
    window.profiles_sidebar.refresh()
    return profile
