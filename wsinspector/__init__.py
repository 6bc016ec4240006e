"""wsinspector: a desktop WebSocket inspector."""

__version__ = "0.1.0"
