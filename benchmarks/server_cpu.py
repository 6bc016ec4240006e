"""The flood server's CPU time per message, beside each run's rate.

When the client reads faster than the server writes, the server sets the rate, and a ratio
to a bare client says how cheaply the server served each client rather than how fast the
client is (README, Performance, issue 20's third pass: Node's socket.io server spent 4.1-4.4 µs
per event on a bare client and 5.9-8.4 µs on the window). A run's `server_us` is the CPU time
(user + system) the server's process used during the run, per message. Linux only (/proc);
elsewhere it is absent.

The children know the server by its port only: its process is the one holding the socket
listening on that port.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flood_report import Report

Result = dict[str, Any]
_TCP_LISTEN = "0A"


def listening_pid(port: int) -> int | None:
    """The process listening on TCP `port` (IPv4), from /proc; None if it can't be told."""
    try:
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    inode = next(
        (
            fields[9]
            for fields in (row.split() for row in rows)
            if fields[3] == _TCP_LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port
        ),
        None,
    )
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) == target for fd in (process / "fd").iterdir()):
                return int(process.name)
        except OSError:  # gone, or not ours to read
            continue
    return None


class ServerCpu:
    """Reads the CPU time of the server listening on `port`."""

    def __init__(self, port: int) -> None:
        self.pid = listening_pid(port)
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def seconds(self) -> float | None:
        if self.pid is None:
            return None
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / self._tick

    async def measure(self, run: Awaitable[Result]) -> Result:
        """`run`'s result, with `server_us` when the server can be read."""
        before = self.seconds()
        result = await run
        after = self.seconds()
        messages = result.get("messages", 0)
        if before is not None and after is not None and messages:
            result["server_us"] = (after - before) * 1e6 / messages
        return result


def server_row(report: Report, key: str, label: str, runs: list[Result]) -> None:
    """The median of `runs`' server CPU per message, as an information row of `report`."""
    values = [run["server_us"] for run in runs if "server_us" in run]
    if values:
        report.add(key, label, statistics.median(values), "{:.2f} µs")
