"""The packaging files stay valid: AppStream metadata, desktop entry, PyInstaller spec."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import wsinspector

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
METAINFO = PACKAGING / "io.github.wsinspector.metainfo.xml"
DESKTOP = PACKAGING / "io.github.wsinspector.desktop"


def test_metainfo_names_the_current_release() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == "io.github.wsinspector"
    versions = [release.get("version") for release in root.iter("release")]
    assert versions[0] == wsinspector.__version__


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli not installed")
def test_metainfo_validates() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-validate not installed"
)
def test_desktop_entry_validates() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyinstaller_spec_compiles_and_ships_the_icons() -> None:
    source = (PACKAGING / "wsinspector.spec").read_text()
    compile(source, "wsinspector.spec", "exec")
    assert '"resources"' in source
