"""core.versions: the app's id and the versions --version prints and About copies."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import wsinspector
from wsinspector.core.app import versions
from wsinspector.core.app.versions import APP_ID, NOT_LOADED, ORGANIZATION_DOMAIN, gather

NAMES = ["wsinspector", "Python", "Qt", "PySide6", "websockets", "qasync", "Platform"]


def test_the_versions_in_order_one_per_line() -> None:
    found = gather(qt="6.9.9")
    assert [name for name, _ in found.entries] == NAMES
    lines = found.text().splitlines()
    assert lines[0] == f"wsinspector {wsinspector.__version__}"
    assert lines[2] == "Qt 6.9.9"
    assert found["PySide6"] == importlib.metadata.version("PySide6-Essentials")
    assert found["websockets"] == importlib.metadata.version("websockets")
    assert found["qasync"] == importlib.metadata.version("qasync")
    assert found["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert found["Platform"]


def test_qt_platform_plugin_follows_qts_version() -> None:
    assert gather(qt="6.9.9", qt_platform="wayland")["Qt"] == "6.9.9 (wayland)"


def test_qt_not_loaded_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "PySide6.QtCore", raising=False)
    assert gather()["Qt"] == NOT_LOADED


def test_unknown_distribution_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    found = gather(qt="6.9.9")
    assert found["qasync"] == versions.NOT_FOUND
    # websockets answers from its own module.
    from websockets.version import version

    assert found["websockets"] == version


def test_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        gather(qt="6")["Perl"]


def test_gathering_imports_no_qt() -> None:
    code = (
        "import sys\n"
        "from wsinspector.core.app.versions import gather\n"
        "gather()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in "
        "('PySide6', 'shiboken6', 'qasync')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_organisation_domain_reversed_is_the_app_id() -> None:
    assert ".".join(reversed(ORGANIZATION_DOMAIN.split("."))) == APP_ID
