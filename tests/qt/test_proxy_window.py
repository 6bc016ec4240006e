"""The Proxy tab from the window: a custom proxy carries the connection, a bad URL is said next
to the field and nothing is sent, and System says where it would go."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.proxies import free_port, tinyproxy
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows, open_settings_tab, settings_tabs
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QTableView
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow


@pytest.fixture(autouse=True)
def _no_system_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "WS_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield


def choose(window: MainWindow, mode: str, url: str = "") -> None:
    combo = find(window, QComboBox, "proxyCombo")
    combo.setCurrentIndex(next(i for i in range(combo.count()) if mode in combo.itemText(i)))
    find(window, QLineEdit, "proxyEdit").setText(url)


def test_custom_proxy_from_the_window(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    combo = find(window, QComboBox, "proxyCombo")
    assert [combo.itemText(i).split()[0] for i in range(combo.count())] == [
        "System",
        "None:",
        "Custom",
    ]
    assert "System" in combo.currentText()
    assert not find(window, QLineEdit, "proxyEdit").isEnabled()
    with tinyproxy() as proxy:
        choose(window, "Custom", proxy.url)
        connect_to(qtbot, window, recording_server.url("/"))
        qtbot.waitUntil(
            lambda: any(f"through the proxy {proxy.url}" in row for row in log_rows(window))
        )
    assert recording_server.handshake_attempts == 1
    # The hop's row shows the CONNECT and the proxy's answer in the handshake pane.
    (row,) = [i for i, text in enumerate(log_rows(window)) if "HTTP/1.1 → HTTP/1.1 200" in text]
    log_view = find(window, QTableView, "messageLog")
    log_view.selectRow(row)
    request = find(window, QPlainTextEdit, "requestHeadersView").toPlainText()
    response = find(window, QPlainTextEdit, "responseHeadersView").toPlainText()
    assert request.startswith("CONNECT 127.0.0.1:"), request
    assert response.startswith("HTTP/1.1 200 Connection established") and "tinyproxy" in response, (
        response
    )
    assert "proxy tunnel open" in find(window, QLabel, "handshakeSummaryLabel").text()


def test_bad_or_unreachable_proxy_is_said_in_words(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    choose(window, "Custom", "ftp://proxy:21")
    connect_to(qtbot, window, recording_server.url("/"), state="idle")
    assert "⚠ Proxy" in settings_tabs(window)
    open_settings_tab(window, "Proxy")
    assert "Not a proxy URL" in find(window, QLabel, "proxyError").text()
    url = f"http://127.0.0.1:{free_port()}"
    choose(window, "Custom", url)
    connect_to(qtbot, window, recording_server.url("/"), state="failed")
    status = find(window, QLabel, "connectionStatusLabel")
    assert f"the proxy {url} can't be reached" in status.text() + status.toolTip()
    assert recording_server.handshake_attempts == 0


def test_system_mode_says_where_it_goes(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://u:pw@corp-proxy:3128")
    find(window, QLineEdit, "uriEdit").setText("wss://example.com/feed")
    hint = find(window, QLabel, "proxyHintLabel").text()
    assert "through http://u:<redacted>@corp-proxy:3128" in hint
    monkeypatch.setenv("NO_PROXY", "example.com")
    find(window, QLineEdit, "uriEdit").setText("wss://example.com/feed2")
    assert "directly" in find(window, QLabel, "proxyHintLabel").text()
