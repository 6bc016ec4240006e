"""Text for people from bytes and JSON: previews, hex dumps, sizes, pretty JSON, the JSON outline.

Pure functions of values: nothing here knows about events, sessions or files."""
