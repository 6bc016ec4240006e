"""The thin Qt layer: windows and widgets over wsinspector.core; no protocol logic here."""

from wsinspector.qt.window.main_window import MainWindow

__all__ = ["MainWindow"]
