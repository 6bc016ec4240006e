"""Render the application icon, wsinspector/assets/icons/app.svg, to the PNG sizes desktops look for.

    sh packaging/dev.sh icons        (or: .venv/bin/python packaging/render_icons.py)

Writes resources/icons/hicolor/<N>x<N>/apps/io.github.wsinspector.png for each size in SIZES,
in the XDG hicolor theme's layout that packaging/install-desktop.sh, the Flatpak manifest and
the PyInstaller bundle copy as they are, and records app.svg's SHA-256 in
resources/icons/hicolor/app.svg.sha256: tests/test_packaging.py fails when app.svg changed
since the PNGs were rendered. Commit the PNGs. Uses Qt's own SVG renderer, offscreen: no
display and no other tool needed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "wsinspector" / "assets" / "icons" / "app.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
STAMP = HICOLOR / "app.svg.sha256"
APP_ID = "io.github.wsinspector"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def source_digest() -> str:
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()


def render() -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {SOURCE} is not an SVG Qt can render")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.convertToFormat(QImage.Format.Format_ARGB32).save(str(path)):
            raise SystemExit(f"render_icons: could not write {path}")
        written.append(path)
    STAMP.write_text(source_digest() + "  app.svg\n")
    return written


if __name__ == "__main__":
    for written_path in render():
        print(written_path.relative_to(ROOT))
