"""The Preferences dialog: the live log's capacity, what the History keeps, and whether new
tabs record; kept in the settings file and applied to new tabs and to the capture."""

from __future__ import annotations

import time

from helpers.servers import RecordingServer
from helpers.ui import find
from PySide6.QtWidgets import QCheckBox, QDialog, QDoubleSpinBox, QSpinBox
from pytestqt.qtbot import QtBot

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.storage.preferences import GIB, Preferences, preferences_from
from wsinspector.qt import MainWindow

WAIT_MS = 10_000


def test_defaults_and_unreadable_settings() -> None:
    assert preferences_from({}) == Preferences()
    garbled = preferences_from(
        {
            "log/capacity": "lots",
            "capture/max_gib": "-3",
            "capture/max_age_days": "nan",
            "capture/record_new_pages": "false",
        }
    )
    assert garbled == Preferences(record_new_pages=False)
    assert Preferences().retention().max_bytes == 2 * GIB
    assert Preferences().retention().max_age_days == 30
    unlimited = Preferences(log_capacity=0, capture_max_gib=0, capture_max_age_days=0)
    assert unlimited.capacity() is None
    assert unlimited.retention().max_bytes is None and unlimited.retention().max_age_days is None
    assert preferences_from(unlimited.to_settings()) == unlimited


def test_preferences_apply_to_new_tabs_and_trim_the_history(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    capture = window.capture
    assert capture is not None
    # A session recorded 40 days ago (the default keeps 30 days, but retention only ran at
    # start): lowering the age limit in the dialog removes it at once.
    old = EventLog()
    recorder = capture.start_recording(old, uri=recording_server.url("/old"))
    old.append_message(1, True, True, b"from long ago", time.time(), time.monotonic())
    recorder.stop("closed")
    with capture._lock:
        capture._connection.execute(
            "UPDATE sessions SET started = started - 40 * 86400 WHERE id = ?",
            (recorder.session_id,),
        )
    assert len(capture.sessions()) == 1

    dialog = window.show_preferences()
    find(dialog, QSpinBox, "logCapacitySpin").setValue(500)
    find(dialog, QDoubleSpinBox, "captureMaxSizeSpin").setValue(1.5)
    find(dialog, QSpinBox, "captureMaxAgeSpin").setValue(7)
    find(dialog, QCheckBox, "recordNewPagesCheck").setChecked(False)
    dialog.accept()

    # Retention runs in a worker thread: it removes the session, then writes its note.
    qtbot.waitUntil(lambda: "older than 7 days" in capture.retention_note(), timeout=WAIT_MS)
    assert capture.sessions() == []
    assert capture.retention.max_bytes == int(1.5 * GIB)
    page = window.new_page()
    assert page.log.capacity == 500
    assert not find(page, QCheckBox, "recordCheck").isChecked()

    # Kept in the settings file: the dialog reads them back.
    second = window.show_preferences()
    assert find(second, QSpinBox, "logCapacitySpin").value() == 500
    assert find(second, QSpinBox, "captureMaxAgeSpin").value() == 7
    assert not find(second, QCheckBox, "recordNewPagesCheck").isChecked()
    second.reject()
    qtbot.waitUntil(lambda: second.result() == QDialog.DialogCode.Rejected, timeout=WAIT_MS)
