"""CSV cells stay within what spreadsheets and CSV readers take (32,767 characters)."""

from __future__ import annotations

import csv
from pathlib import Path

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, Event, MessageEvent, NoteEvent
from wsinspector.core.storage.logfiles import export_log

T0 = 1_714_000_000.25
CELL = 32_767  # Excel's and LibreOffice's most characters in a cell


def csv_rows(events: list[Event], tmp_path: Path) -> list[list[str]]:
    log = EventLog()
    for event in events:
        log.append(event)
    path = tmp_path / "log.csv"
    export_log(log, path)
    with path.open(newline="", encoding="utf-8") as file:
        # The csv module's own limit (131,072 characters) refused a 1 MiB message's hex cell.
        return list(csv.reader(file))[1:]


def test_long_payloads_are_cut_in_the_cell_and_say_so(tmp_path: Path) -> None:
    binary = bytes(range(256)) * 4096  # 1 MiB: 3 MiB of hex
    text = ("é" * 99 + "\n") * 1000  # 100,000 characters
    rows = csv_rows(
        [
            MessageEvent(1, T0, 1.0, Direction.IN, False, binary),
            MessageEvent(1, T0, 1.0, Direction.OUT, True, text.encode()),
            MessageEvent(1, T0, 1.0, Direction.OUT, True, b"short"),
            NoteEvent(1, T0, 1.0, "n" * 40_000),
        ],
        tmp_path,
    )
    for row in rows:
        assert len(row[5]) <= CELL
    assert rows[0][4] == str(len(binary))  # the size column keeps the whole size
    assert rows[0][5].startswith(binary[:100].hex(" "))
    assert rows[1][5].startswith(text[:1000])
    for row in (rows[0], rows[1]):
        assert "cut" in row[5] and "JSON Lines" in row[5]
    assert rows[2][5] == "short"
    assert "cut" in rows[3][5]


def test_a_flood_of_long_text_messages_is_cut_too(tmp_path: Path) -> None:
    rows = csv_rows(
        [MessageEvent(1, T0 + i, 1.0, Direction.IN, True, b"x" * 40_000) for i in range(3)],
        tmp_path,
    )
    assert [len(row[5]) <= CELL and "JSON Lines" in row[5] for row in rows] == [True] * 3
