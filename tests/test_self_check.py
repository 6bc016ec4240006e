"""`wsinspector --self-check` and `--version`, from source and from the built one-folder app.

The build tests run `sh packaging/dev.sh package` once per run (about a minute; see README,
"Packaging"), started in the background as soon as collection ends (helpers/bundle.py): CI runs
them as part of the suite. WSINSPECTOR_SKIP_BUILD=1 skips them for a quicker local run. None
of these tests needs a display: every process here runs with DISPLAY, WAYLAND_DISPLAY unset and
QT_QPA_PLATFORM=xcb, which Qt could not start with, to show that --self-check picks the
offscreen platform by itself and --version needs none.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import bundle
from helpers.bundle import SKIP_BUILD, build_skipped, without_display

import wsinspector

APP_ID = "io.github.wsinspector"
# The self-check's steps, in order (wsinspector/qt/window/self_check.py, STEP_SECONDS).
STEPS = (
    "window",
    "identity",
    "icons",
    "demo server",
    "connect",
    "handshake",
    "message",
    "decoders",
    "protocols",
    "about",
    "close",
    "quit",
)
VERSION_NAMES = ("wsinspector", "Python", "Qt", "PySide6", "websockets", "qasync", "Platform")
SELF_CHECK_TIMEOUT = 90
BUILD_TIMEOUT = 1200  # seconds; the build takes about one minute on CI's 2 cores
# 55 MB until the payload decoders came: protoc (grpcio-tools' extension, 2.8 MB packed),
# msgpack, cbor2 and protobuf add about 3.7 MB. 58 MB until the protocols, proxies, server
# and relay pages and scripting came (2026-12-07): graphql-core, python-socketio and
# python-engineio's packet modules, python-socks and their own code took it to 59.4 MB
# (pytest, which test files use for assert messages where it is installed, is left out).
MAX_TARBALL_BYTES = 61 * 1000 * 1000
# Qt libraries for modules wsinspector never uses: none may be in the bundle.
UNUSED_QT = re.compile(
    r"libQt6(Qml|Quick|WebEngine|WebChannel|3D|Multimedia|Pdf|Charts|DataVisualization"
    r"|Sql|Test|Designer|Network|Positioning|Sensors|SerialPort|Bluetooth|Nfc)"
)
KEPT_PLUGIN_FOLDERS = {
    "platforms",
    "platformthemes",
    "platforminputcontexts",
    "iconengines",
    "imageformats",
    "xcbglintegrations",
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "wayland-shell-integration",
}


def run(
    command: list[str], timeout: float = SELF_CHECK_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=without_display(), capture_output=True, text=True, timeout=timeout
    )


def assert_passed(result: subprocess.CompletedProcess[str]) -> None:
    output = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, output
    for step in STEPS:
        assert re.search(rf"^  ok  {step} ", result.stdout, re.MULTILINE), output
    assert f"self-check passed: {len(STEPS)} steps" in result.stdout, output
    assert "Traceback" not in result.stderr, output


def assert_lists_versions(text: str) -> dict[str, str]:
    lines = text.strip().splitlines()
    assert lines[0] == f"wsinspector {wsinspector.__version__}", text
    versions = dict(line.split(" ", 1) for line in lines)
    assert list(versions) == list(VERSION_NAMES), text
    for name, value in versions.items():
        assert value and not value.startswith(("not ", "unavailable")), f"{name}: {value}"
    assert re.match(r"6\.\d+", versions["Qt"]), text
    return versions


# -- from source --------------------------------------------------------------------------------


def test_self_check_from_source_passes_without_a_display() -> None:
    result = run([sys.executable, "-m", "wsinspector", "--self-check"])
    assert_passed(result)
    assert "(offscreen)" in result.stdout
    identity = next(line for line in result.stdout.splitlines() if "ok  identity" in line)
    assert identity.endswith(APP_ID)
    # Its window had private folders: the user's (here the test's) were never created.
    assert not Path(os.environ["WSINSPECTOR_CONFIG_DIR"]).exists()
    assert not Path(os.environ["WSINSPECTOR_DATA_DIR"]).exists()


# The demo server stops echoing, and the message step gets one second: the check must stop
# there, say so, and still shut down quickly.
BROKEN_ECHO = """
from wsinspector.app import main
from wsinspector.core.tools import demo
from wsinspector.qt.window import self_check

async def swallow(self, connection, *, answer_help):
    async for _message in connection:
        pass

demo.DemoServer._echo = swallow
self_check.STEP_SECONDS["message"] = 1.0
raise SystemExit(main(["--self-check"]))
"""


def test_self_check_names_the_step_that_failed_and_exits_1() -> None:
    started = time.monotonic()
    result = run([sys.executable, "-c", BROKEN_ECHO])
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  ok  handshake " in result.stdout
    assert "  --  message" in result.stdout
    assert "self-check passed" not in result.stdout
    failure = [line for line in result.stderr.splitlines() if "self-check failed" in line]
    assert len(failure) == 1, result.stderr
    assert failure[0].startswith("wsinspector self-check failed at step 'message': ")
    assert "not done within 1 s waiting for the echo" in failure[0]
    assert "connection: open" in failure[0]
    assert "Traceback" not in result.stderr
    assert elapsed < 30, f"took {elapsed:.1f} s"


def test_self_check_runs_on_its_own() -> None:
    result = run([sys.executable, "-m", "wsinspector", "--self-check", "--demo"])
    assert result.returncode == 2
    assert "--self-check runs on its own" in result.stderr


def test_version_lists_every_version_without_a_display() -> None:
    result = run([sys.executable, "-m", "wsinspector", "--version"])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    versions = assert_lists_versions(result.stdout)
    assert versions["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")


def test_version_loads_qtcore_only() -> None:
    code = (
        "import sys\n"
        "from wsinspector.app import version_text\n"
        "version_text()\n"
        "print(sorted(name for name in sys.modules if name.startswith('PySide6.Qt')))\n"
    )
    result = run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['PySide6.QtCore']"


# -- the built app ------------------------------------------------------------------------------

build = pytest.mark.skipif(
    build_skipped(),
    reason=f"{SKIP_BUILD} is set: the PyInstaller build is skipped",
)


@pytest.fixture(scope="module")
def dist() -> Path:
    """A fresh `sh packaging/dev.sh package --out DIR`; DIR holds wsinspector/ and the tar.gz.

    Started when collection ended (helpers/bundle.py): this waits for it to end."""
    running = bundle.run_build()
    waited = time.monotonic()
    status = running.wait(BUILD_TIMEOUT)
    waited = time.monotonic() - waited
    stdout, stderr = running.output()
    log = running.out / "pyinstaller.log"
    assert status == 0, (
        f"dev.sh package failed (status {status}) after {waited:.0f} s of waiting here\n"
        f"stdout:\n{stdout}\nstderr:\n{stderr}\n"
        + (f"log tail:\n{log.read_text()[-4000:]}" if log.exists() else "")
    )
    print(f"waited {waited:.0f} s here for dev.sh package; {stderr.strip().splitlines()[-1]}")
    return running.out


def binary(dist: Path) -> Path:
    return dist / "wsinspector" / "wsinspector"


@build
@pytest.mark.timeout(BUILD_TIMEOUT)
def test_built_app_passes_its_self_check_without_a_display(dist: Path) -> None:
    result = run([str(binary(dist)), "--self-check"])
    assert_passed(result)
    # Its icons came through wsinspector/resources.py from inside the bundle.
    icons = dist / "wsinspector" / "_internal" / "wsinspector" / "assets" / "icons"
    assert f"SVG icons from {icons}\n" in result.stdout
    assert "PyInstaller bundle" in result.stdout


@build
@pytest.mark.timeout(BUILD_TIMEOUT)
def test_built_app_answers_version_and_help_without_a_display(dist: Path) -> None:
    result = run([str(binary(dist)), "--version"])
    assert result.returncode == 0, result.stderr
    versions = assert_lists_versions(result.stdout)
    assert versions["Python"].endswith(", PyInstaller bundle)")
    result = run([str(binary(dist)), "--help"])
    assert result.returncode == 0, result.stderr
    assert "--self-check" in result.stdout


@build
@pytest.mark.timeout(BUILD_TIMEOUT)
def test_built_app_leaves_out_what_it_does_not_use(dist: Path) -> None:
    internal = dist / "wsinspector" / "_internal"
    files = [path for path in internal.rglob("*") if path.is_file() and not path.is_symlink()]
    names = [str(path.relative_to(internal)) for path in files]
    qt = internal / "PySide6" / "Qt"
    assert not (qt / "translations").exists()
    plugin_folders = {path.name for path in (qt / "plugins").iterdir()}
    assert plugin_folders <= KEPT_PLUGIN_FOLDERS, plugin_folders - KEPT_PLUGIN_FOLDERS
    assert {path.name for path in (qt / "plugins" / "platforms").iterdir()} == {
        "libqxcb.so",
        "libqwayland.so",
        "libqoffscreen.so",
    }
    assert {path.name for path in (qt / "plugins" / "imageformats").iterdir()} == {"libqsvg.so"}
    assert not (qt / "plugins" / "platformthemes" / "libqgtk3.so").exists()
    assert [name for name in names if UNUSED_QT.search(name)] == []
    # The GTK theme's libraries went with it.
    assert [name for name in names if re.search(r"lib(gtk|gdk|cairo|pango)", name)] == []
    # One interpreter: a single libpython, no python executable.
    assert len([name for name in names if Path(name).name.startswith("libpython")]) == 1
    assert [name for name in names if re.fullmatch(r"python[0-9.]*", Path(name).name)] == []
    for unused in ("tkinter", "setuptools", "unittest", "pydoc_data", "_pyrepl"):
        assert not (internal / unused).exists(), unused
    # Binaries are stripped of debug information (the pyenv libpython has 25 MB of it).
    libpython = next(path for path in files if path.name.startswith("libpython"))
    assert b".debug_info" not in libpython.read_bytes()


@build
@pytest.mark.timeout(BUILD_TIMEOUT)
def test_built_app_tarball_is_within_its_size_limit(dist: Path) -> None:
    arch = os.uname().machine
    tarball = dist / f"wsinspector-{wsinspector.__version__}-linux-{arch}.tar.gz"
    size = tarball.stat().st_size
    print(f"{tarball.name}: {size / 1e6:.1f} MB")
    assert size <= MAX_TARBALL_BYTES, f"{size / 1e6:.1f} MB"


@build
@pytest.mark.timeout(BUILD_TIMEOUT)
def test_built_app_installs_its_desktop_entry(dist: Path, tmp_path: Path) -> None:
    script = dist / "wsinspector" / "install-desktop.sh"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run(
        ["sh", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    entry = tmp_path / "applications" / f"{APP_ID}.desktop"
    assert f"Exec={binary(dist)} %u" in entry.read_text().splitlines()
    assert (tmp_path / "icons" / "hicolor" / "512x512" / "apps" / f"{APP_ID}.png").is_file()
    assert (tmp_path / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=60
        )
        assert check.returncode == 0, check.stdout + check.stderr
    result = subprocess.run(
        ["sh", str(script), "--uninstall"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert not entry.exists()
