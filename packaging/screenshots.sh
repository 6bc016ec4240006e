#!/bin/sh
# The README's screenshots, taken of the real app on a private X server (Xvfb):
#   resources/screenshots/connected.png      connected to the demo server, a message selected
#   resources/screenshots/rejected.png       a rejected handshake (the demo's /forbidden, 403)
#   resources/screenshots/reconnecting.png   the server went away: attempt and countdown
# Run: sh packaging/dev.sh screenshots (or sh packaging/screenshots.sh once .venv exists).
# Needs Xvfb, ImageMagick's `import` and xdotool; as root on Debian/Ubuntu it installs them.
# It uses the first free display number from :100 on (an Xvfb on :99 or a desktop on :0 is left
# alone), private config and data folders, and its own demo servers; nothing else is touched.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
python="$here/.venv/bin/python"
out="$here/resources/screenshots"
width=1280
height=800

say() { printf 'screenshots: %s\n' "$*" >&2; }

[ -x "$python" ] || { say "no .venv yet: run sh packaging/dev.sh test (or app) first"; exit 1; }
if ! command -v Xvfb >/dev/null 2>&1 || ! command -v import >/dev/null 2>&1 \
    || ! command -v xdotool >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing xvfb, imagemagick and xdotool"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb imagemagick xdotool >/dev/null
    else
        say "needs Xvfb, ImageMagick (import) and xdotool, e.g.: sudo apt-get install xvfb imagemagick xdotool"
        exit 1
    fi
fi

number=100
while [ -e "/tmp/.X11-unix/X$number" ] || [ -e "/tmp/.X$number-lock" ]; do
    number=$((number + 1))
done
display=":$number"

tmp=$(mktemp -d)
xvfb_pid=""
app_pid=""
demo_pid=""
stop() {
    # Each process by its own id: the app gets SIGTERM (it closes its connections cleanly).
    for pid in $app_pid $demo_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    app_pid=""
    demo_pid=""
}
finish() {
    stop
    if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap finish EXIT
trap 'exit 130' INT TERM

Xvfb "$display" -screen 0 "${width}x${height}x24" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
tries=0
until [ -e "/tmp/.X11-unix/X$number" ]; do
    tries=$((tries + 1))
    [ $tries -le 100 ] || { say "Xvfb did not start on $display"; cat "$tmp/xvfb.log" >&2; exit 1; }
    sleep 0.1
done

export DISPLAY="$display"
export QT_QPA_PLATFORM=xcb
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
unset WAYLAND_DISPLAY

# A demo server in its own process, so that it can go away while the app is connected.
start_demo() {
    "$python" - "$tmp/demo-url" <<'EOF' &
import asyncio
import sys

from wsinspector.core.tools.demo import DemoServer


async def main() -> None:
    async with DemoServer(tick_interval=0.7, seed=7) as demo:
        with open(sys.argv[1] + ".tmp", "w") as file:
            file.write(demo.url("/").rstrip("/"))
        import os

        os.replace(sys.argv[1] + ".tmp", sys.argv[1])
        await asyncio.Event().wait()


asyncio.run(main())
EOF
    demo_pid=$!
    tries=0
    until [ -s "$tmp/demo-url" ]; do
        tries=$((tries + 1))
        [ $tries -le 100 ] || { say "the demo server did not start"; exit 1; }
        sleep 0.1
    done
    demo_url=$(cat "$tmp/demo-url")
    rm -f "$tmp/demo-url"
}

# Saved profiles to open with --profile: what the shots show.
save_profiles() {
    "$python" - "$demo_url" <<'EOF'
import sys

from wsinspector.core.tools.demo import DEMO_SUBPROTOCOL
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.storage.profiles import Profile, ProfileStore
from wsinspector.core.websocket.reconnect import ReconnectPolicy

url = sys.argv[1]
store = ProfileStore()
store.save(
    Profile(
        "Demo ticks",
        ConnectionOptions(
            url + "/ticks",
            subprotocols=(DEMO_SUBPROTOCOL,),
            on_connect_messages=('{"subscribe": "prices", "symbols": ["WSI", "QT"]}',),
        ),
    )
)
store.save(
    Profile(
        "Flaky server",
        ConnectionOptions(
            url + "/ticks",
            reconnect=ReconnectPolicy(enabled=True, initial_delay=8.0, jitter=False),
        ),
    )
)
EOF
}

# Each shot starts from a fresh configuration: no remembered window geometry, tabs or profiles.
fresh_config() {
    export WSINSPECTOR_CONFIG_DIR="$tmp/config-$1"
    export WSINSPECTOR_DATA_DIR="$tmp/data-$1"
}

launch() {
    "$python" -m wsinspector "$@" >"$tmp/app.log" 2>&1 &
    app_pid=$!
    # Until the window is mapped (at most 20 s).
    if ! xdotool search --sync --onlyvisible --classname wsinspector >/dev/null 2>&1; then
        :
    fi
}

shoot() {
    mkdir -p "$out"
    import -display "$display" -window root -strip "$out/$1.png"
    say "wrote resources/screenshots/$1.png"
}

# 1. Connected to the demo server: ticks coming in, the subscription sent on connect, one
#    message selected so that the detail view shows it as pretty JSON.
fresh_config connected
start_demo
save_profiles
launch --profile "Demo ticks"
sleep 4
# The eighth row of the log (a tick, after the subscription and its echo), in the window's
# default layout at 1280×800.
xdotool mousemove 420 383 click 1
sleep 0.6
xdotool mousemove 1270 790
sleep 0.4
shoot connected
stop

# 2. A rejected handshake: the response's status, headers and body.
fresh_config rejected
start_demo
launch "$demo_url/forbidden"
sleep 3
shoot rejected
stop

# 3. Reconnecting: connected, then the server goes away; the status line counts down.
fresh_config reconnecting
start_demo
save_profiles
launch --profile "Flaky server"
sleep 2.5
kill "$demo_pid"
wait "$demo_pid" 2>/dev/null || true
demo_pid=""
sleep 2.2
shoot reconnecting
stop
