"""Writing a log to a file, whole or not at all, in one go or a chunk at a time."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Final

from wsinspector.core.storage.logfiles.common import (
    AtomicOutput,
    Cancelled,
    LogFormat,
    LogSource,
    format_for_path,
    snapshot,
)
from wsinspector.core.storage.logfiles.har import write_har
from wsinspector.core.storage.logfiles.jsonl import write_jsonl
from wsinspector.core.storage.logfiles.text import write_csv, write_txt

# Events per step: the granularity of progress reports and of cancelling.
DEFAULT_CHUNK: Final = 10_000

ProgressCallback = Callable[[int, int], None]


class LogExporter:
    """One export, written chunk by chunk: from a worker thread, or from the event loop.

    The events are taken when the exporter is made (see common.snapshot), so make it where
    the log is appended to; step() can then run anywhere. Until the last step the file is
    written under a temporary name beside `path`; the last step renames it into place.
    cancel(), or any exception from step(), removes the temporary file: no file is left.

        exporter = LogExporter(log, "capture.jsonl")
        while exporter.step():
            show_progress(exporter.done, exporter.total)
    """

    def __init__(
        self,
        source: LogSource,
        path: str | os.PathLike[str],
        fmt: LogFormat | str | None = None,
        *,
        redact_secrets: bool = True,
        chunk: int = DEFAULT_CHUNK,
    ) -> None:
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1, got {chunk}")
        self.format = LogFormat(fmt) if fmt is not None else format_for_path(path)
        self.path = os.fspath(path)
        self.redact_secrets = redact_secrets
        self.chunk = chunk
        self.log = snapshot(source)
        self.total = len(self.log)
        self.done = 0
        self.finished = False
        self._output: AtomicOutput | None = None
        self._steps: Iterator[int] | None = None

    def _start(self) -> Iterator[int]:
        self._output = AtomicOutput(self.path, private=not self.redact_secrets)
        out = self._output.file
        exported = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        redact = self.redact_secrets
        if self.format is LogFormat.JSONL:
            return write_jsonl(out, self.log, redact=redact, exported=exported, chunk=self.chunk)
        if self.format is LogFormat.HAR:
            return write_har(out, self.log, redact=redact, exported=exported, chunk=self.chunk)
        if self.format is LogFormat.CSV:
            return write_csv(out, self.log, redact=redact, chunk=self.chunk)
        return write_txt(out, self.log, redact=redact, chunk=self.chunk)

    def step(self) -> bool:
        """Write the next chunk. True while there is more to do; False once the file is in place."""
        if self.finished:
            return False
        try:
            if self._steps is None:
                self._steps = self._start()
            done = next(self._steps, None)
            if done is not None:
                self.done = done
                return True
            assert self._output is not None
            self._output.commit()
        except BaseException:
            self.cancel()
            raise
        self.done = self.total
        self.finished = True
        return False

    def cancel(self) -> None:
        """Stop and remove what was written; the target path is left as it was."""
        self.finished = True
        if self._steps is not None:
            close = getattr(self._steps, "close", None)
            if close is not None:
                close()
        if self._output is not None:
            self._output.abort()

    def run(
        self,
        progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> int:
        """All the steps; `progress(done, total)` after each, `cancelled()` before each.

        Returns the number of events written; raises Cancelled when `cancelled()` said so.
        """
        while True:
            if cancelled is not None and cancelled():
                self.cancel()
                raise Cancelled(f"export to {self.path} cancelled")
            more = self.step()
            if progress is not None:
                progress(self.done, self.total)
            if not more:
                return self.total

    def __enter__(self) -> LogExporter:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if not self.finished or exc_type is not None:
            self.cancel()


def export_log(
    source: LogSource,
    path: str | os.PathLike[str],
    fmt: LogFormat | str | None = None,
    *,
    redact_secrets: bool = True,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> int:
    """Write the events of `source` to `path` as `fmt` (by default, as its suffix says).

    `source` is an EventLog, an ImportedLog or (id, event) pairs. Secret header values and
    query parameters become "<redacted>" unless `redact_secrets` is False. `progress(done,
    total)` is called every `chunk` events and `cancelled()` checked as often. Returns the
    number of events written; raises Cancelled (leaving no file) when cancelled, and OSError
    for a file that can't be written (leaving no file either).
    """
    exporter = LogExporter(source, path, fmt, redact_secrets=redact_secrets, chunk=chunk)
    return exporter.run(progress, cancelled)
