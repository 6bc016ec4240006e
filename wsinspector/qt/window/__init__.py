"""The main window: its tabs of pages, menus and actions on the current page, the error banner,
and the `--self-check` that drives it."""
