"""The packaging files stay valid and agree: AppStream metadata, desktop entry, icons, the
per-user install script, the PyInstaller spec, the Flatpak manifest and the README's pictures.

Building and running the bundle is tests/test_self_check.py's job.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import wsinspector
from wsinspector.core.app.versions import APP_ID

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
INSTALL = PACKAGING / "install-desktop.sh"
FLATPAK = PACKAGING / "flatpak" / f"{APP_ID}.json"
APP_SVG = ROOT / "wsinspector" / "assets" / "icons" / "app.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SCREENSHOTS = ("connected", "rejected", "reconnecting")


def desktop_entry(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def png_header(path: Path) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR chunk."""
    data = path.read_bytes()[:33]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def validate_desktop_entry(path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        return
    result = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- metadata -----------------------------------------------------------------------------------


def test_metainfo_names_the_current_release() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
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


def test_one_reverse_dns_id_everywhere() -> None:
    """Desktop file, icon, window class, metainfo, Flatpak and Qt's names: io.github.wsinspector.
    (The running app's names are checked by the self-check's "identity" step.)"""
    assert APP_ID == "io.github.wsinspector"
    entry = desktop_entry(DESKTOP)
    assert entry["Icon"] == APP_ID
    assert entry["StartupWMClass"] == APP_ID  # = QApplication.applicationName()
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert json.loads(FLATPAK.read_text())["id"] == APP_ID
    assert f'APP_ID = "{APP_ID}"' in (PACKAGING / "wsinspector.spec").read_text()
    assert f"APP_ID={APP_ID}\n" in INSTALL.read_text()


def test_metainfo_screenshots_are_the_readmes() -> None:
    root = ET.parse(METAINFO).getroot()
    images = [image.text or "" for image in root.iter("image")]
    assert [Path(image).stem for image in images] == list(SCREENSHOTS)
    for image in images:
        assert image.endswith(f"/main/resources/screenshots/{Path(image).name}")


# -- icons --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", PNG_SIZES)
def test_icon_png_is_rendered_at_its_size(size: int) -> None:
    path = HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert png_header(path) == (size, size, 8, 6)  # 8-bit RGBA


def test_icon_pngs_were_rendered_from_the_current_svg() -> None:
    recorded = (HICOLOR / "app.svg.sha256").read_text().split()[0]
    current = hashlib.sha256(APP_SVG.read_bytes()).hexdigest()
    assert recorded == current, "app.svg changed: run sh packaging/dev.sh icons and commit"


# -- install-desktop.sh -------------------------------------------------------------------------


def fake_app(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    app = folder / "wsinspector"
    app.write_text("#!/bin/sh\nexit 0\n")
    app.chmod(0o755)
    return app


def install(
    data_home: Path, *args: str, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    if home is not None:
        env["HOME"] = str(home)
    return subprocess.run(
        ["sh", str(INSTALL), *args], env=env, capture_output=True, text=True, timeout=60
    )


def installed_files(data_home: Path) -> set[str]:
    return {
        str(path.relative_to(data_home))
        for path in data_home.rglob("*")
        if path.is_file() and APP_ID in path.name
    }


EXPECTED_FILES = {
    f"applications/{APP_ID}.desktop",
    f"metainfo/{APP_ID}.metainfo.xml",
    f"icons/hicolor/scalable/apps/{APP_ID}.svg",
    *(f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png" for size in PNG_SIZES),
}


def test_install_desktop_installs_for_the_user_and_uninstalls(tmp_path: Path) -> None:
    data_home = tmp_path / "data"
    app = fake_app(tmp_path / "bin")
    result = install(data_home, "--exec", str(app))
    assert result.returncode == 0, result.stderr
    assert installed_files(data_home) == EXPECTED_FILES
    entry_path = data_home / "applications" / f"{APP_ID}.desktop"
    entry = desktop_entry(entry_path)
    assert entry["Exec"] == f"{app} %u"
    assert {key: value for key, value in entry.items() if key != "Exec"} == {
        key: value for key, value in desktop_entry(DESKTOP).items() if key != "Exec"
    }
    validate_desktop_entry(entry_path)
    svg = data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert svg.read_bytes() == APP_SVG.read_bytes()
    # Again: overwrites, same files.
    assert install(data_home, "--exec", str(app)).returncode == 0
    assert installed_files(data_home) == EXPECTED_FILES

    other = data_home / "applications" / "someone-else.desktop"
    other.write_text("[Desktop Entry]\n")
    result = install(data_home, "--uninstall")
    assert result.returncode == 0, result.stderr
    assert installed_files(data_home) == set()
    assert other.exists()


def test_install_desktop_quotes_a_path_with_spaces(tmp_path: Path) -> None:
    app = fake_app(tmp_path / "my apps")
    result = install(tmp_path / "data", "--exec", str(app))
    assert result.returncode == 0, result.stderr
    entry_path = tmp_path / "data" / "applications" / f"{APP_ID}.desktop"
    assert desktop_entry(entry_path)["Exec"] == f'"{app}" %u'
    validate_desktop_entry(entry_path)


def test_install_desktop_refuses_what_it_cannot_quote(tmp_path: Path) -> None:
    app = fake_app(tmp_path / "100%$")
    result = install(tmp_path / "data", "--exec", str(app))
    assert result.returncode == 1
    assert "can't hold" in result.stderr
    assert not (tmp_path / "data").exists()


def test_install_desktop_ignores_a_relative_xdg_data_home(tmp_path: Path) -> None:
    app = fake_app(tmp_path / "bin")
    result = install(Path("relative"), "--exec", str(app), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert installed_files(tmp_path / "home" / ".local" / "share") == EXPECTED_FILES


# -- build recipes ------------------------------------------------------------------------------


def test_pyinstaller_spec_compiles_and_ships_the_icons() -> None:
    source = (PACKAGING / "wsinspector.spec").read_text()
    compile(source, "wsinspector.spec", "exec")
    assert '"assets" / "icons"), "wsinspector/assets/icons")' in source


@pytest.mark.parametrize("script", ["dev.sh", "install-desktop.sh", "screenshots.sh"])
def test_shell_scripts_parse(script: str) -> None:
    result = subprocess.run(
        ["sh", "-n", str(PACKAGING / script)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_flatpak_manifest_parses_and_its_sources_are_pinned() -> None:
    """Untested here (no flatpak-builder): at least well-formed, with pinned sources."""
    manifest = json.loads(FLATPAK.read_text())
    assert manifest["runtime"] == "org.kde.Platform"
    assert manifest["sdk"] == "org.kde.Sdk"
    assert manifest["base"] == "io.qt.PySide.BaseApp"
    assert manifest["runtime-version"] == manifest["base-version"]
    assert manifest["command"] == "wsinspector"
    modules = []
    for module in manifest["modules"]:
        if isinstance(module, str):
            module = json.loads((FLATPAK.parent / module).read_text())
        modules.append(module)
    assert [module["name"] for module in modules] == ["python3-deps", "wsinspector"]
    for source in (source for module in modules for source in module["sources"]):
        if "url" in source:
            assert source["url"].startswith("https://files.pythonhosted.org/"), source
            assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"]), source
            assert set(source.get("only-arches", ["x86_64"])) <= {"x86_64", "aarch64"}
        else:
            assert (FLATPAK.parent / source["path"]).resolve() == ROOT
    # Each runtime dependency but PySide6 (the BaseApp's) is installed, at the tested version.
    install_line = modules[0]["build-commands"][0]
    for name in ("websockets", "qasync", "platformdirs", "keyring", "orjson"):
        assert re.search(rf" {name}==[0-9.]+", install_line), name
    build = "\n".join(modules[1]["build-commands"])
    assert "packaging/flatpak/wsinspector.sh" in build
    assert (PACKAGING / "flatpak" / "wsinspector.sh").is_file()


# -- the README ---------------------------------------------------------------------------------


def test_readme_shows_the_screenshots() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in SCREENSHOTS:
        path = ROOT / "resources" / "screenshots" / f"{name}.png"
        assert f"](resources/screenshots/{name}.png)" in readme
        width, height, _depth, _colour = png_header(path)
        assert (width, height) == (1280, 800)
