"""The log: event records, the append-only event log and its listeners, wire frames, rates,
the filter over a log, and the words for every event (`wording`).

One received message becomes a tuple in the EventLog, which tells its listeners (the window's
model, the capture's recorder) synchronously; nothing here does network or file I/O."""
