"""Who this build is: the application id, and the versions in use, for --version and About.

No Qt here (import-linter): PySide6's and qasync's versions come from their installed metadata
(a PyInstaller bundle carries it, see packaging/wsinspector.spec). Qt's *runtime* version can
only be asked of Qt itself: the Qt layer passes it in (`gather(qt=qVersion())`), else it is
read from PySide6.QtCore if something has loaded it already, else it says "not loaded".
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from dataclasses import dataclass
from typing import Final

import wsinspector

# The one reverse-DNS id: desktop file, AppStream metainfo, icon name, Flatpak app id, Qt's
# application name (hence the X11 window class) and desktop file name (the Wayland app id).
APP_ID: Final = "io.github.wsinspector"
APP_NAME: Final = "wsinspector"
# Qt's organisation domain: reversed, it is APP_ID (Qt builds macOS ids that way).
ORGANIZATION_DOMAIN: Final = "wsinspector.github.io"

NOT_FOUND: Final = "not found"
NOT_LOADED: Final = "not loaded"

# Distribution names to ask importlib.metadata, first found wins: the full PySide6 wheel, or the
# Essentials wheel this project depends on.
_PYSIDE_DISTRIBUTIONS: Final = ("PySide6", "PySide6-Essentials")


@dataclass(frozen=True, slots=True)
class Versions:
    """Name/version pairs in a fixed order, printable one per line."""

    entries: tuple[tuple[str, str], ...]

    def __getitem__(self, name: str) -> str:
        for key, value in self.entries:
            if key == name:
                return value
        raise KeyError(name)

    def text(self) -> str:
        """One "name version" line each, as --version prints and About copies."""
        return "\n".join(f"{name} {value}" for name, value in self.entries)


def distribution_version(*names: str) -> str | None:
    """The installed version of the first of these distributions that is installed."""
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _loaded_attribute(module: str, attribute: str) -> str | None:
    """`module.attribute` if that module is loaded already (never imports it)."""
    value = getattr(sys.modules.get(module), attribute, None)
    if callable(value):
        value = value()
    return str(value) if value is not None else None


def _websockets_module_version() -> str:
    from websockets.version import version

    return version


def python_description() -> str:
    implementation = platform.python_implementation()
    how = ", PyInstaller bundle" if getattr(sys, "frozen", False) else ""
    return f"{platform.python_version()} ({implementation}{how})"


def platform_description() -> str:
    """The OS, its release and the machine; on Linux the distribution's name too."""
    text = f"{platform.system()} {platform.release()} {platform.machine()}"
    if sys.platform == "darwin":
        release = platform.mac_ver()[0]
        if release:
            text = f"macOS {release} {platform.machine()}"
    elif sys.platform == "win32":
        text = f"Windows {platform.version()} {platform.machine()}"
    elif sys.platform.startswith("linux"):
        try:
            pretty = platform.freedesktop_os_release().get("PRETTY_NAME", "")
        except OSError:
            pretty = ""
        if pretty:
            text += f", {pretty}"
    return text


def gather(*, qt: str | None = None, qt_platform: str | None = None) -> Versions:
    """Every version in use: wsinspector, Python, Qt, PySide6, websockets, qasync, platform.

    `qt` is Qt's runtime version (PySide6.QtCore.qVersion()), `qt_platform` the platform plugin
    in use ("xcb", "wayland", "offscreen", ...) when there is a QGuiApplication.
    """
    qt_version = qt or _loaded_attribute("PySide6.QtCore", "qVersion") or NOT_LOADED
    if qt_platform:
        qt_version += f" ({qt_platform})"
    pyside = (
        distribution_version(*_PYSIDE_DISTRIBUTIONS)
        or _loaded_attribute("PySide6", "__version__")
        or NOT_FOUND
    )
    websockets = distribution_version("websockets") or _websockets_module_version()
    qasync = (
        distribution_version("qasync") or _loaded_attribute("qasync", "__version__") or NOT_FOUND
    )
    return Versions(
        (
            (APP_NAME, wsinspector.__version__),
            ("Python", python_description()),
            ("Qt", qt_version),
            ("PySide6", pyside),
            ("websockets", websockets),
            ("qasync", qasync),
            ("Platform", platform_description()),
        )
    )
