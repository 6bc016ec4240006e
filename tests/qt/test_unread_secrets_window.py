"""A profile whose secret the keyring can't give, opened in the window (issue 19): the page
says which value would be sent empty and what to do, as `record` does."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from helpers.keyrings import MemoryKeyring
from helpers.ui import find
from keyring.backends import fail
from PySide6.QtWidgets import QLabel

from wsinspector.core.storage.profiles import Profile, SecretFlags
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt import MainWindow
from wsinspector.qt.window.profile_pages import open_profile_named


@pytest.fixture
def keyring_backend() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_opening_a_profile_whose_secret_cant_be_read_says_so(
    window: MainWindow, keyring_backend: None
) -> None:
    keyring.set_keyring(MemoryKeyring())
    window.store.save(
        Profile(
            name="api",
            options=ConnectionOptions(
                "ws://127.0.0.1:9/", headers=(("Authorization", "Bearer s3cr3t"),)
            ),
            secrets=SecretFlags(headers={"Authorization"}),
        )
    )
    keyring.set_keyring(fail.Keyring())  # locked, gone: the value can't be read
    open_profile_named(window, "api")
    status = find(window, QLabel, "connectionStatusLabel").text()
    assert "header “authorization” can't be read (no working keyring)" in status
    assert "Unlock or set up the system keyring" in status
