"""Wiring: the QApplication, the qasync loop, the command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import wsinspector

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication


def version_text() -> str:
    """What --version prints: every version in use, one per line, first "wsinspector X.Y.Z".

    Loads QtCore for Qt's runtime version: that needs no display, and a Qt that can't load
    is reported as such instead of failing.
    """
    from wsinspector.core.app.versions import gather

    try:
        from PySide6.QtCore import qVersion

        qt = qVersion()
    except ImportError as exc:
        qt = f"unavailable ({exc})"
    return gather(qt=qt).text()


class _VersionAction(argparse.Action):
    """--version, with the versions gathered only when asked for (not for every start)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(version_text(), flush=True)
        parser.exit()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="wsinspector",
        description="A desktop WebSocket inspector. With a URI, connects to it at once."
        " `wsinspector record --help` tells how to record a connection without a window.",
    )
    parser.add_argument("uri", nargs="?", help="ws:// or wss:// URI to connect to")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in demo server on 127.0.0.1 and connect to it",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="open the saved profile NAME and start it: connect (a connection profile) or "
        "listen (a server or relay profile)",
    )
    parser.add_argument(
        "--env", metavar="NAME", help="with --profile: the environment for its {{variables}}"
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="open the window offscreen (no display needed), connect to the built-in demo "
        "server, exchange a message, read the handshake, close with 1000; exit 0 if all of "
        "it worked, else 1 naming the step that failed",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the versions of wsinspector, Python, Qt, PySide6, websockets, qasync and "
        "the platform, and exit",
    )
    args = parser.parse_args(argv)
    if args.env and not args.profile:
        parser.error("--env goes with --profile")
    if args.profile and (args.uri or args.demo):
        parser.error("--profile opens a saved connection: give no URI and no --demo with it")
    if args.self_check and (args.uri or args.demo or args.profile):
        parser.error("--self-check runs on its own: give no URI, --demo or --profile with it")
    return args


def profile_problem(name: str, environment: str | None) -> str | None:
    """Why `--profile name [--env environment]` can't be opened, listing the known names."""
    from wsinspector.core.storage.profiles import (
        ProfileStore,
        environment_misplaced,
        profile_named,
    )

    store = ProfileStore()
    try:
        profile = profile_named(store.profiles(), name)
    except ValueError as exc:
        return str(exc)
    if environment is not None:
        if misplaced := environment_misplaced(profile):
            return misplaced
        environments = store.load_environments().names()
        if environment not in environments:
            known = ", ".join(environments) if environments else "none defined"
            return f"no environment named “{environment}”; known environments: {known}"
    return None


def display_problem(environ: Mapping[str, str], platform: str) -> str | None:
    """Why Qt can't open a window here, or None. Checked before Qt starts, which would abort.

    Not on macOS or Windows; elsewhere only for the platforms that need a display server,
    xcb and wayland, one of which Qt picks when QT_QPA_PLATFORM is unset. A list such as
    "wayland;xcb" is tried in order, so it needs a display only if every entry does.
    """
    if platform in ("darwin", "win32"):
        return None
    names = [
        entry.split(":", 1)[0].strip().lower()
        for entry in environ.get("QT_QPA_PLATFORM", "").split(";")
        if entry.strip()
    ]
    if not all(name == "xcb" or name.startswith("wayland") for name in names):
        return None  # offscreen, eglfs, vnc, ...: no display server needed
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display found (DISPLAY and WAYLAND_DISPLAY are unset); run it in a desktop "
        "session, or set QT_QPA_PLATFORM=offscreen for a window nobody sees"
    )


# What Qt is told before it starts, unless the user's environment says otherwise:
# QT_NO_GUI_THREADPOOL: Qt's raster engine hands a fill of 96 spans or more (the log's
# background, a row's selection) to a pool of threads and waits for them. In a flood the cores
# are busy with the server, the reader and the capture's writer, and waiting for a pool thread
# to be scheduled cost more than the fill: a fifth of the GUI thread's time in a flood of
# 16 KiB messages went to handing fills over and waiting (README, Performance).
QT_ENVIRONMENT: Final = {"QT_NO_GUI_THREADPOOL": "1"}


def prepare_qt_environment() -> None:
    """Before the QApplication exists (Qt reads these once): QT_ENVIRONMENT's defaults."""
    for name, value in QT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def settle_process(app: QApplication) -> None:
    """As the app starts, once its imports are done and before its window is built (the
    benchmarks' Qt children start so too): garbage collected on the GUI thread only
    (qt/window/collecting.py), the heap's new pages populated by a thread of their own
    (core/app/heap_prefault.py)."""
    from wsinspector.core.app.heap_prefault import HeapPrefaulter
    from wsinspector.qt.window.collecting import settle_collector

    settle_collector(app)
    HeapPrefaulter.start()


def make_application() -> QApplication:
    """The QApplication, named by the one reverse-DNS id (see core/app/versions.py): its
    application name is the X11 window class, its desktop file name the Wayland app id.
    """
    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication

    from wsinspector.core.app.versions import APP_ID, APP_NAME, ORGANIZATION_DOMAIN
    from wsinspector.qt.widgets.icons import icon

    # argv[0] names the X11 window instance: "wsinspector", also under `python -m`.
    app = QApplication.instance() or QApplication([APP_NAME])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_ID)
    # Beside platformdirs' config folder: a default QSettings() would be wsinspector/<id>.conf.
    app.setOrganizationName(APP_NAME)
    app.setOrganizationDomain(ORGANIZATION_DOMAIN)
    app.setApplicationVersion(wsinspector.__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(icon("app"))
    # The window closes itself once its connection is shut down (qasync #39).
    app.setQuitOnLastWindowClosed(False)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["record"]:
        # Headless: the core only, no Qt (it runs where no display exists).
        from wsinspector.core.tools.record import main as record_main

        return record_main(arguments[1:])
    if arguments[:1] == ["test"]:
        from wsinspector.core.tools.test_command import main as test_main

        return test_main(arguments[1:])
    if arguments[:1] == ["replay"]:
        from wsinspector.core.tools.replay_command import main as replay_main

        return replay_main(arguments[1:])
    if arguments[:1] == ["serve"]:
        from wsinspector.core.tools.serve import main as serve_main

        return serve_main(arguments[1:])
    args = parse_args(arguments)
    if args.self_check:
        # Before Qt starts: the check's window is never shown on a screen, so it runs anywhere.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from wsinspector.qt.window.self_check import run_self_check

        return run_self_check(make_application())
    problem = display_problem(os.environ, sys.platform)
    if problem is None and args.profile:
        problem = profile_problem(args.profile, args.env)
    if problem is not None:
        print(f"wsinspector: {problem}", file=sys.stderr)
        return 1

    # Qt is imported only once the command line is known: --help and --version need no screen.
    import qasync
    from PySide6.QtCore import QTimer

    from wsinspector.core.tools.demo import DEMO_SUBPROTOCOL, DemoServer
    from wsinspector.core.websocket.options import ConnectionOptions
    from wsinspector.qt import MainWindow
    from wsinspector.qt.window.context import AppContext
    from wsinspector.qt.window.profile_pages import open_profile_named, start_page

    app = make_application()
    settle_process(app)

    async def run() -> None:
        # What the app shares (settings, profiles, the capture, the crash reporter), opened
        # once here and handed to the window.
        window = MainWindow(context=AppContext.build())
        done = asyncio.Event()
        window.closed_for_good.connect(done.set)
        loop = asyncio.get_running_loop()
        # From here on an exception escaping a slot, a thread or a task is shown in the
        # window and written to the state folder's log file; the app keeps running.
        crashes = window.report_crashes(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, window.close)
            except (NotImplementedError, RuntimeError, ValueError):
                signal.signal(signum, lambda *_: QTimer.singleShot(0, window.close))
        # Python runs signal handlers only between bytecodes; a slow tick lets it see them
        # while Qt sits idle in C++.
        ticker = QTimer()
        ticker.start(250)
        ticker.timeout.connect(lambda: None)

        demo: DemoServer | None = None
        window.show()
        try:
            if args.demo:
                demo = DemoServer()
                await demo.start()
                # Other clients (wscat, a browser) can use the demo server too while it runs.
                print(f"wsinspector demo server listening on {demo.url('/')}", flush=True)
                page = window.idle_live_page()
                page.set_options(
                    ConnectionOptions(demo.url("/ticks"), subprotocols=(DEMO_SUBPROTOCOL,))
                )
                page.connect_from_form()
            elif args.uri:
                page = window.idle_live_page()
                page.set_uri(args.uri)
                page.connect_from_form()
            elif args.profile:
                start_page(open_profile_named(window, args.profile, args.env))
            else:
                window.restore_open_pages()
            await done.wait()
        finally:
            ticker.stop()
            if demo is not None:
                await demo.stop()
            crashes.uninstall()

    try:
        asyncio.run(run(), loop_factory=lambda: qasync.QEventLoop(app))
    except KeyboardInterrupt:
        return 130
    return 0
