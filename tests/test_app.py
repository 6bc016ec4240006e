"""The command line as a user runs it: a real process, a real server, a real signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers.servers import RecordedConnection, RecordingServer
from websockets.asyncio.server import ServerConnection
from websockets.sync.client import ClientConnection, connect

import wsinspector
from wsinspector.app import display_problem
from wsinspector.core.app.heap_prefault import THREAD_NAME as HEAP_PREFAULT_THREAD

EXIT_TIMEOUT = 5.0
NO_DISPLAY = "no display found"
# Pings the server sends after the handshake, each once the previous one's pong is back.
OPEN_PINGS = 3


def launch_environment() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def launch(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wsinspector", *args],
        env=launch_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return stderr


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wsinspector", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def without_display() -> dict[str, str]:
    """This environment without a display, as on a text console or over ssh without X11."""
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    return {key: value for key, value in os.environ.items() if key not in hidden}


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    # The first line names the app; the others the versions in use (tests/test_self_check.py).
    assert result.stdout.splitlines()[0] == f"wsinspector {wsinspector.__version__}"


def test_help_needs_no_display() -> None:
    result = run_cli("--help", env=without_display())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: wsinspector")
    assert "--demo" in result.stdout
    assert result.stderr == ""


@pytest.mark.skipif(
    sys.platform in ("darwin", "win32"), reason="macOS and Windows need no display server"
)
def test_without_a_display_says_so_in_one_line_and_exits_1() -> None:
    result = run_cli("ws://127.0.0.1:9/", env=without_display())
    assert result.returncode == 1, result.stderr
    # Before Qt is loaded: none of its abort (exit 134) and misleading xcb-cursor hint.
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"wsinspector: {NO_DISPLAY} ")
    assert "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("environ", "platform", "problem"),
    [
        ({}, "linux", True),
        ({"DISPLAY": "", "WAYLAND_DISPLAY": ""}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland-egl;xcb"}, "linux", True),
        ({}, "freebsd14", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "linux", False),
        ({}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_display_problem(environ: dict[str, str], platform: str, problem: bool) -> None:
    message = display_problem(environ, platform)
    assert (message is not None) == problem
    if message is not None:
        assert message.startswith(NO_DISPLAY)


def ping_until_open(
    opened: threading.Event,
) -> Callable[[ServerConnection, RecordedConnection], Awaitable[None]]:
    """Server behaviour: set ``opened`` once the client surely has its connection open, then echo.

    The server's side of the handshake is done before the client has read the 101 response;
    a signal in between finds the app still connecting, with no connection to close (1006).
    websockets answers a ping only once its connection is open, so the first pong shows the
    client's connection is; each further round trip takes the app's event loop another turn
    (it can only see the next ping after answering the previous one), in which its session
    takes up the open connection.
    """

    async def behaviour(connection: ServerConnection, record: RecordedConnection) -> None:
        for _ in range(OPEN_PINGS):
            await (await connection.ping())
        opened.set()
        async for message in connection:
            record.received.append(message)
            await connection.send(message)

    return behaviour


def test_uri_argument_connects_and_sigterm_closes_cleanly(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    opened = threading.Event()
    server = recording_server_factory(behaviour=ping_until_open(opened))
    process = launch(server.url("/echo"))
    try:
        open_in_time = opened.wait(timeout=20)
    finally:
        stderr = stop(process, signal.SIGTERM)
    assert open_in_time, f"the app's connection did not open; its stderr:\n{stderr}"
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    connection = server.connections[0]
    assert connection.closed.wait(timeout=EXIT_TIMEOUT)
    assert (connection.close_code, connection.close_reason) == (1001, "client shutting down")


def test_demo_serves_other_clients_too_and_ctrl_c_quits() -> None:
    process = launch("--demo")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the app prints it once the demo server listens
        assert line.startswith("wsinspector demo server listening on ws://127.0.0.1:")
        url = line.rsplit(" ", 1)[1].strip() + "echo"
        with connect(url, open_timeout=10) as websocket:
            websocket.send("ping from another client")
            assert websocket.recv(timeout=10) == "ping from another client"
    finally:
        stderr = stop(process, signal.SIGINT)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_profile_option_opens_a_saved_profile_and_connects(
    recording_server: RecordingServer,
) -> None:
    from wsinspector.core.storage.profiles import Environments, Profile, ProfileStore
    from wsinspector.core.websocket.options import ConnectionOptions

    store = ProfileStore()  # the folder this test's processes share (conftest)
    store.save(Profile("Echo", ConnectionOptions(recording_server.url("/{{path}}"))))
    store.save_environments(Environments({"local": {"path": "from-profile"}}))
    process = launch("--profile", "Echo", "--env", "local")
    try:
        recording_server.wait_for(lambda: recording_server.connections, timeout=20)
    finally:
        stderr = stop(process, signal.SIGTERM)
    assert recording_server.connections[0].route == "/from-profile", stderr


def test_an_unknown_profile_lists_the_known_ones() -> None:
    from wsinspector.core.storage.profiles import Profile, ProfileStore
    from wsinspector.core.websocket.options import ConnectionOptions

    ProfileStore().save(Profile("Staging", ConnectionOptions("ws://127.0.0.1:9/")))
    result = run_cli("--profile", "Prod", env=launch_environment())
    assert result.returncode == 1
    assert "no profile named “Prod”; known profiles: Staging" in result.stderr


def test_a_server_profile_given_to_profile_opens_a_listening_server_page(
    free_port: int,
) -> None:
    from wsinspector.core.serving.settings import ServerSettings, settings_to_json
    from wsinspector.core.storage.profiles import Profile, ProfileStore
    from wsinspector.core.websocket.options import ConnectionOptions

    server = settings_to_json(ServerSettings(port=free_port))
    ProfileStore().save(Profile("Mock", ConnectionOptions(""), server=server))
    process = launch("--profile", "Mock")
    try:
        with connected_when_listening(f"ws://127.0.0.1:{free_port}/") as client:
            status = client.response.status_code if client.response else None
    finally:
        stderr = stop(process, signal.SIGTERM)
    assert status == 101, stderr  # the server page accepted the handshake
    assert process.returncode == 0, stderr


def test_a_relay_profile_given_to_profile_relays(
    free_port: int, recording_server: RecordingServer
) -> None:
    from wsinspector.core.storage.profiles import Profile, ProfileStore, RelaySettings
    from wsinspector.core.websocket.options import ConnectionOptions

    upstream = ConnectionOptions(recording_server.url("/echo"))
    relay = RelaySettings(listen=f"127.0.0.1:{free_port}")
    ProfileStore().save(Profile("Feed relay", upstream, relay=relay))
    process = launch("--profile", "Feed relay")
    try:
        with connected_when_listening(f"ws://127.0.0.1:{free_port}/") as client:
            client.send("through the relay")
            answer = client.recv(timeout=10)
    finally:
        stderr = stop(process, signal.SIGTERM)
    assert answer == "through the relay", f"the app's stderr:\n{stderr}"
    assert recording_server.connections[0].received == ["through the relay"]


def test_an_environment_for_a_server_profile_is_refused_in_words() -> None:
    from wsinspector.core.serving.settings import ServerSettings, settings_to_json
    from wsinspector.core.storage.profiles import Profile, ProfileStore
    from wsinspector.core.websocket.options import ConnectionOptions

    server = settings_to_json(ServerSettings())
    ProfileStore().save(Profile("Mock", ConnectionOptions(""), server=server))
    result = run_cli("--profile", "Mock", "--env", "dev", env=launch_environment())
    assert result.returncode == 1
    assert "“Mock” is a server profile: an environment goes with a connection" in result.stderr


@contextmanager
def connected_when_listening(url: str, timeout: float = 20.0) -> Iterator[ClientConnection]:
    """A connection to `url` once something accepts there (the app starts, then listens);
    ConnectionRefusedError if nothing did within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client = connect(url, open_timeout=5, close_timeout=1)
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)  # not listening yet: poll, as a user would retry
    with client:
        yield client


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads listed by /proc")
def test_the_app_populates_its_heap_ahead_and_paints_without_qt_s_thread_pool(
    recording_server_factory: Callable[..., RecordingServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Qt would hand large fills to its GUI thread pool ("Thread (pooled)") and wait for them
    # (app.QT_ENVIRONMENT says why not); the window has painted by the time it connects.
    monkeypatch.delenv("QT_NO_GUI_THREADPOOL", raising=False)  # the app itself sets it
    opened = threading.Event()
    server = recording_server_factory(behaviour=ping_until_open(opened))
    process = launch(server.url("/echo"))
    try:
        assert opened.wait(timeout=20), "the app's connection did not open"
        tasks = Path(f"/proc/{process.pid}/task")
        names = [(task / "comm").read_text().strip() for task in tasks.iterdir()]
    finally:
        stderr = stop(process, signal.SIGTERM)
    assert process.returncode == 0, stderr
    assert "Thread (pooled)" not in names, names
    # The heap's new pages made resident off the GUI thread (core/app/heap_prefault.py).
    assert HEAP_PREFAULT_THREAD in names, names


def test_the_app_freezes_its_startup_and_collects_on_the_gui_thread_only(
    recording_server_factory: Callable[..., RecordingServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As app.main sets it up before the window (core/app/collector.py says why): the
    # startup's objects frozen, and no automatic collection (the GUI thread's timer collects).
    # A sitecustomize tells how the collector was left when the app's Python exits.
    (tmp_path / "sitecustomize.py").write_text(
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print(f'collector: enabled={gc.isenabled()} '\n"
        "                              f'frozen={gc.get_freeze_count()}', file=sys.stderr))\n"
    )
    search_path = [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(search_path))
    opened = threading.Event()
    server = recording_server_factory(behaviour=ping_until_open(opened))
    process = launch(server.url("/echo"))
    try:
        assert opened.wait(timeout=20), "the app's connection did not open"
    finally:
        stderr = stop(process, signal.SIGTERM)
    assert process.returncode == 0, stderr
    words = next(line for line in stderr.splitlines() if line.startswith("collector: "))
    enabled, frozen = (word.split("=")[1] for word in words.split()[1:])
    assert enabled == "False", words
    assert int(frozen) > 10_000, words  # the imports' functions, classes and dicts
