"""What wsinspector keeps on disk: `profiles/` (saved connections, environments, secrets),
`logfiles/` (export and import: JSON Lines, HAR, CSV, text), `capture/` (every session
recorded to SQLite, for the History), `preferences` and `open_pages`.

A new file format goes in `logfiles/`; the capture's schema and its migrations in `capture/`."""
