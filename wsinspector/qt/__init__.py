"""The thin Qt layer: windows and widgets over wsinspector.core; no protocol logic here."""

from wsinspector.qt.main_window import MainWindow

__all__ = ["MainWindow"]
