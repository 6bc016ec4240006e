"""Which page a saved profile opens as, in one place: a profile with server settings opens a
server page, one with relay settings a relay page, any other a connection page. The profiles
sidebar and `wsinspector --profile NAME` both come here; `--profile` then starts the page as
its main button would (connect, listen, relay)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wsinspector.core.storage.profiles import Profile, environment_misplaced, profile_named
from wsinspector.qt.pages.live_page import LivePage
from wsinspector.qt.pages.page import Page
from wsinspector.qt.pages.relay_page import RelayPage
from wsinspector.qt.pages.server_page import ServerPage
from wsinspector.qt.window.relay_profiles import open_relay_profile
from wsinspector.qt.window.server_pages import open_server_page

if TYPE_CHECKING:
    from wsinspector.qt.window.main_window import MainWindow


def open_saved_profile(window: MainWindow, profile: Profile) -> Page:
    """Open `profile` as the page of its kind and make that page current."""
    if profile.kind == "server":
        return open_server_page(window, profile)
    if profile.kind == "relay":
        return open_relay_profile(window, profile)
    return window.open_profile(profile)


def open_profile_named(window: MainWindow, name: str, environment: str | None = None) -> Page:
    """Open the profile called `name`; ValueError, in words listing the known names, when
    there is no such profile or environment, or when `environment` is given for a server or
    relay profile (only a connection page chooses one)."""
    profile = profile_named(window.store.profiles(), name)
    if environment is not None and (misplaced := environment_misplaced(profile)):
        raise ValueError(misplaced)
    spare = spare_page(window)
    page = open_saved_profile(window, profile)
    if page is not spare:
        close_spare(window, spare)
    binding = page.profile_binding if isinstance(page, LivePage) else None
    if (
        environment is not None
        and binding is not None
        and not binding.choose_environment(environment)
    ):
        names = ", ".join(window.environments.names()) or "none defined"
        raise ValueError(f"no environment named “{environment}”; known: {names}")
    return page


def start_page(page: Page) -> None:
    """Start a freshly opened page as its main button would: a connection page connects, a
    server page listens, a relay page listens and relays."""
    if isinstance(page, LivePage):
        page.connect_from_form()
    elif isinstance(page, (ServerPage, RelayPage)):
        page.listen_button.click()


def spare_page(window: MainWindow) -> LivePage | None:
    """The window's page when it is its only one and an untouched connection page, as a new
    window has it: a page opened at launch takes its place."""
    pages = window.pages()
    page = pages[0] if len(pages) == 1 else None
    if isinstance(page, LivePage) and not page.connection.is_active and not page.uri_edit.text():
        return page
    return None


def close_spare(window: MainWindow, spare: LivePage | None) -> None:
    """Close the spare page (spare_page) once other pages have opened beside it."""
    if spare is not None and len(window.pages()) > 1 and (index := window.tabs.indexOf(spare)) >= 0:
        window.close_page_at(index)
