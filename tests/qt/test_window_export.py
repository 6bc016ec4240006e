"""The window's export dialog: where it opens, the name it proposes, and nothing selected."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.ui import find
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000
ILLEGAL = set('<>:"/\\|?*')  # in a file name on Windows (":" on macOS too)


def asked(monkeypatch: pytest.MonkeyPatch, answer: str = "") -> list[str]:
    """The suggestions the save dialog was opened with; it answers `answer`."""
    suggestions: list[str] = []

    def dialog(_parent: object, _title: str, suggestion: str, *_rest: object) -> tuple[str, str]:
        suggestions.append(suggestion)
        return answer, ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    return suggestions


def test_exporting_selected_rows_with_none_selected_says_so(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    suggestions = asked(monkeypatch)
    window.action_export_selected.trigger()
    box = find(window, QMessageBox, "messageBox")
    qtbot.waitUntil(box.isVisible, timeout=WAIT_MS)
    assert "select" in box.text().lower()
    assert suggestions == []  # no dialog for an empty file


def test_the_proposed_name_is_legal_and_in_the_last_folder(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    window.live_page().set_uri("ws://127.0.0.1:19601/echo")  # type: ignore[union-attr]
    suggestions = asked(monkeypatch, str(tmp_path / "first.har"))
    window.export_log("all")
    first = Path(suggestions[0])
    assert not ILLEGAL & set(first.name), first.name
    assert first.name.startswith("127.0.0.1") and first.suffix == ".har"
    assert first.parent != Path.cwd()  # the user's documents, not where the app was started
    qtbot.waitUntil(lambda: (tmp_path / "first.har").exists(), timeout=WAIT_MS)

    window.export_log("all")
    assert Path(suggestions[1]).parent == tmp_path  # where the last export went


def test_the_idle_hint_does_not_ask_for_a_uri_already_there(
    window: MainWindow, qtbot: QtBot
) -> None:
    page = window.live_page()
    assert page is not None
    assert "Enter a ws://" in page.status_label.text()
    page.uri_edit.setText("ws://127.0.0.1:19601/echo")
    qtbot.waitUntil(lambda: "Enter a ws://" not in page.status_label.text(), timeout=WAIT_MS)
    assert "Connect" in page.status_label.text()
    page.uri_edit.clear()
    qtbot.waitUntil(lambda: "Enter a ws://" in page.status_label.text(), timeout=WAIT_MS)
