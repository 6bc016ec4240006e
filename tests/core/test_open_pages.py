"""open-pages.json: the pages open at quit, each kind read back as written."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from wsinspector.core.serving.settings import ServerSettings, settings_to_json
from wsinspector.core.storage.open_pages import OpenPage, load_open_pages, save_open_pages
from wsinspector.core.storage.profiles import RelaySettings
from wsinspector.core.websocket.options import ConnectionOptions


def test_connection_server_and_relay_pages_read_back_in_their_order(tmp_path: Path) -> None:
    path = tmp_path / "open-pages.json"
    pages = [
        OpenPage(ConnectionOptions("wss://api.example/feed"), "p1", "staging"),
        OpenPage(ConnectionOptions(""), "p2", server=settings_to_json(ServerSettings(port=9001))),
        OpenPage(
            ConnectionOptions("ws://127.0.0.1:8080/up"),
            relay=RelaySettings(listen="127.0.0.1:9002", fault_code=4001),
        ),
    ]
    save_open_pages(pages, path)
    assert load_open_pages(path) == pages
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # unsaved edits may hold secrets


def test_a_list_written_before_server_and_relay_pages_reads_as_connection_pages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "open-pages.json"
    # As the version before wrote it: connection pages only, no "server" or "relay" key.
    earlier = {
        "version": 1,
        "pages": [
            {"options": {"uri": "ws://127.0.0.1:1/a"}, "profile": "", "environment": None},
            {"options": {"uri": "ws://127.0.0.1:1/b"}, "profile": "p9", "environment": "dev"},
        ],
    }
    path.write_text(json.dumps(earlier))
    assert load_open_pages(path) == [
        OpenPage(ConnectionOptions("ws://127.0.0.1:1/a")),
        OpenPage(ConnectionOptions("ws://127.0.0.1:1/b"), "p9", "dev"),
    ]
