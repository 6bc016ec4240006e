"""Headless entry points built on the core alone: the demo server and `wsinspector record`."""
