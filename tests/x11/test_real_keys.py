"""The window's shortcuts with real keys through an X server (Xvfb, the xcb platform, xdotool).

The offscreen platform lacks what breaks here: under X11 a QLineEdit claims Ctrl+E (end of line,
as in emacs) before the window's shortcut sees it, so these run the real app on a private Xvfb.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PROBE = Path(__file__).with_name("probe_app.py")
ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 10.0

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Xvfb and xdotool (apt-get install xvfb xdotool)",
)


def _free_display() -> int:
    number = 100
    while Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
        number += 1
    return number


def _until(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class App:
    """The running app: its probed state and xdotool to drive it."""

    def __init__(self, display: str, state_file: Path) -> None:
        self.env = {**os.environ, "DISPLAY": display}
        self.state_file = state_file

    def state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return {}

    def wait(self, condition: Callable[[dict[str, Any]], Any], what: str) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            state = self.state()
            return state if state and condition(state) else None

        try:
            return _until(probe, what)  # type: ignore[no-any-return]
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last state: {self.state()}") from None

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=10)

    def key(self, keys: str) -> None:
        self.xdotool("key", "--clearmodifiers", keys)

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "20", text)

    def click(self, field: str) -> None:
        place = self.wait(lambda s: field in s["fields"], f"{field} on screen")["fields"][field]
        self.xdotool("mousemove", str(place["x"]), str(place["y"]), "click", "1")
        self.wait(lambda s: s["focus"] == field, f"focus in {field}")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    number = _free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running: subprocess.Popen[bytes] | None = None
    try:
        _until(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), "Xvfb to start")
        env = {
            **os.environ,
            "DISPLAY": f":{number}",
            "QT_QPA_PLATFORM": "xcb",
            # The probe's own folder comes first on sys.path: this checkout's wsinspector next.
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "WSINSPECTOR_CONFIG_DIR": str(tmp_path / "config"),
            "WSINSPECTOR_DATA_DIR": str(tmp_path / "data"),
            "WSINSPECTOR_STATE_DIR": str(tmp_path / "state"),
        }
        env.pop("WAYLAND_DISPLAY", None)
        state_file = tmp_path / "state.json"
        with (tmp_path / "stderr").open("wb") as errors:
            running = subprocess.Popen(
                [sys.executable, str(PROBE), str(state_file)], env=env, cwd=ROOT, stderr=errors
            )
        app = App(f":{number}", state_file)
        try:
            app.wait(lambda s: "uriEdit" in s.get("fields", {}), "the window to show")
        except AssertionError:
            words = (tmp_path / "stderr").read_text(errors="replace")
            if running.poll() is not None and "Qt platform plugin" in words:
                # e.g. no libxcb-cursor0: Qt's xcb plugin won't load on this machine
                pytest.skip(f"Qt's xcb platform did not load: {words.strip()[-300:]}")
            raise AssertionError(f"the app did not show its window: {words[-2000:]}") from None
        # No window manager gives the window the keyboard: give it ourselves.
        app.xdotool("search", "--sync", "--onlyvisible", "--name", "wsinspector", "windowfocus")
        app.wait(lambda s: s["focus"] is not None, "a focused widget")
        yield app
    finally:
        if running is not None:
            running.terminate()
            try:
                running.wait(timeout=10)
            except subprocess.TimeoutExpired:
                running.kill()
        xvfb.terminate()
        xvfb.wait(timeout=10)


def test_ctrl_e_exports_from_the_uri_bar_and_the_filter(app: App) -> None:
    app.key("ctrl+t")
    app.wait(lambda s: s["focus"] == "uriEdit", "focus in the new tab's URI bar")
    app.key("ctrl+e")
    app.wait(lambda s: s["modal"] == "Export the log", "the export dialog from the URI bar")
    app.key("Escape")
    app.wait(lambda s: s["modal"] is None, "the dialog to close")

    app.click("logFilterEdit")
    app.key("ctrl+e")
    app.wait(lambda s: s["modal"] == "Export the log", "the export dialog from the filter")
    app.key("Escape")


def test_ctrl_f_from_the_composer_goes_to_the_filter(app: App) -> None:
    app.click("messageEdit")
    app.key("ctrl+f")
    app.wait(lambda s: s["focus"] == "logFilterEdit", "Ctrl+F to move to the filter")
    app.type("abc")
    state = app.wait(lambda s: s["fields"]["logFilterEdit"]["text"] == "abc", "typed text")
    assert state["fields"]["messageEdit"]["text"] == ""
