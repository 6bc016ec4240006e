"""The pages open at quit, kept in open-pages.json (core/storage/open_pages.py) and brought
back at the next launch in their order, with the profile each came from: connection pages
with their forms (not connected), server pages with their settings and rules (not
listening), relay pages with their upstream and settings (not listening). Unsaved edits come
back too. Replay and log pages are not kept: they are opened from a file or a session."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from wsinspector.core.app.errors import UserError
from wsinspector.core.serving.settings import (
    ServerSettings,
    settings_from_json,
    settings_to_json,
)
from wsinspector.core.storage.open_pages import OpenPage, load_open_pages, save_open_pages
from wsinspector.core.storage.profiles import Profile
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.pages.live_page import LivePage
from wsinspector.qt.pages.page import Page
from wsinspector.qt.pages.relay_page import RelayPage
from wsinspector.qt.pages.server_page import ServerPage
from wsinspector.qt.window.profile_pages import close_spare, spare_page
from wsinspector.qt.window.relay_profiles import new_relay_page
from wsinspector.qt.window.server_pages import open_server_page

if TYPE_CHECKING:
    from wsinspector.qt.window.main_window import MainWindow


def save_open_page_list(pages: Iterable[Page]) -> None:
    """The connection, server and relay pages as they are, to reopen at the next launch."""
    open_pages = [state for page in pages if (state := page_state(page)) is not None]
    # Losing the list of open tabs must not keep the window from closing.
    with contextlib.suppress(OSError):
        save_open_pages(open_pages)


def page_state(page: Page) -> OpenPage | None:
    """What reopens `page`; None for a page that is not kept."""
    if isinstance(page, LivePage):
        binding = page.profile_binding
        profile_id = binding.profile.id if binding.profile else ""
        return OpenPage(page.form_options(), profile_id, binding.environment)
    if isinstance(page, ServerPage):
        return OpenPage(ConnectionOptions(""), _id(page.profile), server=_server_json(page))
    if isinstance(page, RelayPage):
        return OpenPage(page.form_options(), _id(page.profile), relay=page.settings())
    return None


def _id(profile: Profile | None) -> str:
    return profile.id if profile is not None else ""


def _server_json(page: ServerPage) -> dict[str, object]:
    """The page's settings; with a listen address that doesn't parse, its profile's (or the
    defaults), as the page can't say which port was meant."""
    try:
        return settings_to_json(page.settings())
    except ValueError:
        if page.profile is not None and page.profile.server:
            return page.profile.server
        return settings_to_json(ServerSettings())


def restore_open_pages(window: MainWindow) -> int:
    """Bring back the pages open at the last quit; returns how many. A new window's empty
    page (spare_page) takes the first when that is a connection page, and closes otherwise:
    the tabs are those of the last quit, in their order."""
    saved = load_open_pages()
    if not saved:
        return 0
    profiles = {profile.id: profile for profile in window.store.profiles()}
    idle = spare_page(window)
    for number, state in enumerate(saved):
        profile = profiles.get(state.profile_id)
        if state.server:
            restore_server_page(window, state, profile)
        elif state.relay is not None:
            page = new_relay_page(window)
            page.apply(state.options, state.relay)
            page.profile = profile
        else:
            if number == 0 and idle is not None:
                live, idle = idle, None
            else:
                live = window.new_page()
            if profile is not None:
                live.set_profile(profile, fill_form=False)
            live.set_options(state.options)
            live.profile_binding.choose_environment(state.environment)
            live.title_changed.emit()
    close_spare(window, idle)  # unless it took the first page
    window.tabs.setCurrentIndex(0)
    return len(saved)


def restore_server_page(window: MainWindow, state: OpenPage, profile: Profile | None) -> None:
    page = open_server_page(window, profile)
    # Written by this app; an entry edited by hand into nonsense leaves the page as the
    # profile (or a new page) has it.
    with contextlib.suppress(UserError, ValueError):
        page.apply_settings(settings_from_json(state.server))
    page.title_changed.emit()
