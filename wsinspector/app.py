"""Wiring: the QApplication, the qasync loop, the command line."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

import wsinspector


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="wsinspector",
        description="A desktop WebSocket inspector. With a URI, connects to it at once.",
    )
    parser.add_argument("uri", nargs="?", help="ws:// or wss:// URI to connect to")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in demo server on 127.0.0.1 and connect to it",
    )
    parser.add_argument(
        "--version", action="version", version=f"wsinspector {wsinspector.__version__}"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)

    # Qt is imported only once the command line is known: --help and --version need no screen.
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from wsinspector.core.demo import DEMO_SUBPROTOCOL, DemoServer
    from wsinspector.qt import MainWindow
    from wsinspector.qt.icons import icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("wsinspector")
    app.setApplicationVersion(wsinspector.__version__)
    app.setDesktopFileName("io.github.wsinspector")
    app.setWindowIcon(icon("app"))
    # The window closes itself once its connection is shut down (qasync #39).
    app.setQuitOnLastWindowClosed(False)

    async def run() -> None:
        window = MainWindow()
        done = asyncio.Event()
        window.closed_for_good.connect(done.set)
        loop = asyncio.get_running_loop()
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
                window.set_uri(demo.url("/ticks"))
                window.form.subprotocols_edit.setText(DEMO_SUBPROTOCOL)
                window.connect_from_form()
            elif args.uri:
                window.set_uri(args.uri)
                window.connect_from_form()
            await done.wait()
        finally:
            ticker.stop()
            if demo is not None:
                await demo.stop()

    try:
        asyncio.run(run(), loop_factory=lambda: qasync.QEventLoop(app))
    except KeyboardInterrupt:
        return 130
    return 0
