"""The Scripts tab of a live page: a test file run against the page's settings, results that
open the failing test's messages in the log, and reactions answering a server's challenge."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from helpers.servers import RecordingServer
from helpers.ui import connect_to, log_rows, open_settings_tab
from helpers.widgets import find
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
)
from pytestqt.qtbot import QtBot
from websockets.asyncio.server import ServerConnection

from wsinspector.core.storage.profiles import FORMAT_VERSION, Profile
from wsinspector.core.storage.profiles.format import EXPORT_KIND, profile_to_json
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt import MainWindow
from wsinspector.qt.pages.live_page import LivePage

WAIT_MS = 10000


TESTS = textwrap.dedent(
    """
    async def test_echo(ws):
        await ws.send("hello")
        assert (await ws.recv()).text == "hello"

    async def test_wrong(ws):
        await ws.send("marker for the failing test")
        assert (await ws.recv()).text == "goodbye"
    """
)

REACTIONS = textwrap.dedent(
    """
    async def on_message(msg, ws):
        if "challenge" in msg.text:
            await ws.send({"answer": msg.json()["challenge"] * 2})
        elif msg.text == "boom":
            raise ValueError("not a message I know")
    """
)


def test_a_test_file_runs_from_the_window_and_a_failure_opens_its_messages(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "echo_test.py"
    path.write_text(TESTS)
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    open_settings_tab(window, "Scripts")
    find(window, QLineEdit, "scriptPathEdit").setText(str(path))
    find(window, QPushButton, "runTestsButton").click()
    results = find(window, QListWidget, "testResultsView")
    qtbot.waitUntil(lambda: results.count() == 2, timeout=WAIT_MS)
    passed, failed = (results.item(i) for i in range(2))
    assert passed.text().startswith("✔ test_echo")
    assert failed.text().startswith("✘ test_wrong")
    assert "'hello' == 'goodbye'" in failed.toolTip() or "goodbye" in failed.toolTip()
    output = find(window, QPlainTextEdit, "scriptOutputView")
    qtbot.waitUntil(lambda: "1 of 2 passed." in output.toPlainText(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: any("marker for the failing test" in row for row in log_rows(window)),
        timeout=WAIT_MS,
    )
    results.itemActivated.emit(failed)
    view = find(window, QAbstractItemView, "messageLog")
    selected = view.selectionModel().selectedRows()
    assert selected, "the failing test's first event is selected"
    rows = log_rows(window)
    assert selected[0].row() < len(rows)
    # The failing test's rows follow the selected one: its message is among them.
    assert any("marker for the failing test" in row for row in rows[selected[0].row() :])
    assert not any("marker" in row for row in rows[: selected[0].row()])


async def challenger(connection: ServerConnection, record: object) -> None:
    await connection.send(json.dumps({"challenge": 21}))
    answer = await connection.recv()
    if json.loads(answer) != {"answer": 42}:
        await connection.close(4003, "wrong answer")
        return
    await connection.send("welcome")
    await connection.send("boom")
    async for _ in connection:
        pass


def test_reactions_answer_a_challenge_and_show_their_errors(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "reactions.py"
    path.write_text(REACTIONS)
    open_settings_tab(window, "Scripts")
    find(window, QLineEdit, "scriptPathEdit").setText(str(path))
    find(window, QCheckBox, "reactionsCheck").setChecked(True)
    output = find(window, QPlainTextEdit, "scriptOutputView")
    assert "Reactions on: on_message." in output.toPlainText()
    with RecordingServer(behaviour=challenger) as server:
        connect_to(qtbot, window, server.url("/"))
        qtbot.waitUntil(lambda: any("welcome" in row for row in log_rows(window)), timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: "on_message failed (line 6): ValueError" in output.toPlainText(),
            timeout=WAIT_MS,
        )
        # "welcome" only follows the right answer; the answer is a row of the page's log.
        assert any('{"answer": 42}' in row for row in log_rows(window))
        find(window, QPushButton, "closeButton").click()
        qtbot.waitUntil(lambda: server.last.closed.is_set(), timeout=WAIT_MS)
    assert server.last.close_code == 1000  # the script's error did not end the connection


SENDER = textwrap.dedent(
    """
    async def test_sends(ws):
        await ws.send("the imported script ran")
        assert (await ws.recv()).text == "the imported script ran"
    """
)


def test_an_imported_profiles_scripts_run_only_once_the_user_allowed_them(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    script = tmp_path / "their_test.py"
    script.write_text(SENDER)
    theirs = Profile(
        "theirs", ConnectionOptions(recording_server.url("/echo")), tests=(str(script),)
    )
    bundle = tmp_path / "shared.json"
    bundle.write_text(
        json.dumps(
            {"kind": EXPORT_KIND, "version": FORMAT_VERSION, "profiles": [profile_to_json(theirs)]}
        )
    )
    (imported,) = window.store.import_file(bundle).profiles
    assert imported.tests == (str(script),)
    page = window.open_profile(imported)
    open_settings_tab(window, "Scripts")
    asked: list[str] = []
    answers = [False, True]

    def allow(_parent: object, question: str) -> bool:
        asked.append(question)
        return answers.pop(0)

    page.scripts.allow_scripts = allow
    run = find(window, QPushButton, "runTestsButton")
    output = find(window, QPlainTextEdit, "scriptOutputView")
    results = find(window, QListWidget, "testResultsView")

    run.click()  # no file chosen: the profile's own tests, which ask first
    assert len(asked) == 1 and "the imported script ran" in asked[0]
    assert "were not allowed" in output.toPlainText()
    assert results.count() == 0 and not recording_server.connections

    run.click()
    qtbot.waitUntil(lambda: results.count() == 1, timeout=WAIT_MS)
    assert results.item(0).text().startswith("✔ test_sends")
    qtbot.waitUntil(run.isEnabled, timeout=WAIT_MS)
    run.click()  # allowed once: not asked again while the file stays the same
    qtbot.waitUntil(lambda: "1 of 1 passed.\n" in output.toPlainText(), timeout=WAIT_MS)
    assert len(asked) == 2
    # The consent is the user's, outside the profile: the profile's file says nothing of it.
    assert "allowed" not in window.store.path_of(imported.id).read_text()


TOKEN_REACTIONS = textwrap.dedent(
    """
    async def on_open(ws):
        await ws.send("hello " + ws.vars["user"])

    async def on_message(msg, ws):
        if msg.text.startswith("token:"):
            ws.vars["token"] = msg.text[len("token:"):]
    """
)


async def token_giver(connection: ServerConnection, record: object) -> None:
    hello = await connection.recv()
    await connection.send(f"token:{hello}-42")
    async for _ in connection:
        pass


def test_reactions_read_and_set_the_page_variables(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "token.py"
    path.write_text(TOKEN_REACTIONS)
    page = window.current_page()
    assert isinstance(page, LivePage)
    page.profile_binding.variables.set_variables({"user": "ada"})
    open_settings_tab(window, "Scripts")
    find(window, QLineEdit, "scriptPathEdit").setText(str(path))
    find(window, QCheckBox, "reactionsCheck").setChecked(True)
    with RecordingServer(behaviour=token_giver) as server:
        connect_to(qtbot, window, server.url("/"))
        qtbot.waitUntil(
            lambda: page.profile_binding.variable_values().get("token") == "hello ada-42",
            timeout=WAIT_MS,
        )
        # The rows reach the view in the model's next batch.
        qtbot.waitUntil(
            lambda: any("hello ada" in row for row in log_rows(window)), timeout=WAIT_MS
        )
        find(window, QPushButton, "closeButton").click()
        qtbot.waitUntil(lambda: server.last.closed.is_set(), timeout=WAIT_MS)
    # The page's Variables tab shows it: a later {{token}} of the page is filled with it.
    assert ("token", "hello ada-42") in [
        (r.name, r.value) for r in page.profile_binding.variables.rows()
    ]
