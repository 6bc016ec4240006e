#!/bin/sh
# wsinspector's one entry point for people and CI:
#   sh packaging/dev.sh app [URI] [--demo]   launch the app
#   sh packaging/dev.sh test [pytest args]   lint, type-check and run the whole test suite
#   sh packaging/dev.sh bench [args]         run the flood benchmark (benchmarks/flood.py)
#   sh packaging/dev.sh fuzz [N [FIRST]]     play N seeded hostile servers (default 2000, from
#                                            seed FIRST, default 0) against the core session
#                                            (tests/fuzz/); a failing seed prints its bytes
#   sh packaging/dev.sh package [--out DIR]  build the one-folder app DIR/wsinspector/ (default
#                                            dist/) with PyInstaller, run its --self-check and
#                                            pack it as DIR/wsinspector-VERSION-linux-ARCH.tar.gz
#   sh packaging/dev.sh icons                render wsinspector/assets/icons/app.svg to the hicolor PNGs
#   sh packaging/dev.sh screenshots          the README's screenshots (packaging/screenshots.sh)
# It finds a Python 3.12 or 3.13 by itself, keeps a virtual environment in .venv and
# (re)installs the project there whenever pyproject.toml changes.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
venv="$here/.venv"

say() { printf 'wsinspector: %s\n' "$*" >&2; }

# True when "$1" is a working Python 3.12 or 3.13 (pyenv shims of unselected versions fail here).
suitable() {
    "$1" -c 'import sys; sys.exit(0 if (3, 12) <= sys.version_info[:2] < (3, 14) else 1)' \
        >/dev/null 2>&1
}

find_python() {
    if [ -n "${WSINSPECTOR_PYTHON:-}" ]; then
        if suitable "$WSINSPECTOR_PYTHON"; then echo "$WSINSPECTOR_PYTHON"; return 0; fi
        say "WSINSPECTOR_PYTHON=$WSINSPECTOR_PYTHON is not a working Python 3.12 or 3.13."
        return 1
    fi
    for name in python3.13 python3.12 python3 python; do
        if command -v "$name" >/dev/null 2>&1 && suitable "$name"; then
            command -v "$name"; return 0
        fi
    done
    # Interpreters that version managers keep off PATH.
    roots="${PYENV_ROOT:-$HOME/.pyenv}"
    if command -v pyenv >/dev/null 2>&1; then roots="$(pyenv root 2>/dev/null) $roots"; fi
    for root in $roots; do
        for candidate in "$root"/versions/3.13*/bin/python3 "$root"/versions/3.12*/bin/python3; do
            if [ -x "$candidate" ] && suitable "$candidate"; then echo "$candidate"; return 0; fi
        done
    done
    for candidate in /usr/local/bin/python3.13 /usr/local/bin/python3.12 \
        /opt/homebrew/bin/python3.13 /opt/homebrew/bin/python3.12; do
        if [ -x "$candidate" ] && suitable "$candidate"; then echo "$candidate"; return 0; fi
    done
    if command -v uv >/dev/null 2>&1; then
        candidate=$(uv python find '>=3.12,<3.14' 2>/dev/null || true)
        if [ -n "$candidate" ] && suitable "$candidate"; then echo "$candidate"; return 0; fi
    fi
    return 1
}

ensure_venv() {
    if [ -x "$venv/bin/python" ] && suitable "$venv/bin/python"; then
        :
    else
        if ! python=$(find_python); then
            say "no Python 3.12 or 3.13 found (looked on PATH, in pyenv and uv)."
            say "Install one, e.g. 'sudo apt install python3.12 python3.12-venv', 'brew install python@3.12',"
            say "'pyenv install 3.12' or 'uv python install 3.12', or set WSINSPECTOR_PYTHON=/path/to/python3.12."
            say "(3.11 is refused on purpose: PySide6 6.12 + qasync abort there under message floods.)"
            exit 1
        fi
        say "creating .venv with $python ($("$python" -c 'import sys; print(sys.version.split()[0])'))"
        rm -rf "$venv"
        "$python" -m venv "$venv"
    fi
    stamp="$venv/.wsinspector-installed"
    want=$(cksum pyproject.toml | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing wsinspector and its test tools into .venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]"
        echo "$want" >"$stamp"
    fi
}

# PySide6's wheels need a few system libraries (EGL, fontconfig, xkbcommon, and xcb-cursor for
# X11). Checked by starting a QApplication: on the offscreen platform, which needs the libraries
# but no display, and on the platform the app will use only when it has a display to open (that
# is how missing X11 libraries show). Without a display the app itself says so, in one line.
qt_probe='from PySide6.QtWidgets import QApplication; QApplication([])'
qt_libraries_load() {
    QT_QPA_PLATFORM=offscreen "$venv/bin/python" -c "$qt_probe" >/dev/null 2>&1
}
# True when Qt will use a display server (X11 or Wayland) and one is set.
uses_display() {
    case "${QT_QPA_PLATFORM:-}" in "" | xcb* | wayland*) ;; *) return 1 ;; esac
    [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]
}
qt_starts() {
    qt_libraries_load || return 1
    if uses_display; then "$venv/bin/python" -c "$qt_probe" >/dev/null 2>&1; fi
}

ensure_qt_libraries() {
    if qt_starts; then
        return 0
    fi
    pkgs="libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing the system libraries Qt needs: $pkgs"
        apt-get update -qq >/dev/null
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
        qt_starts && return 0
        if qt_libraries_load; then
            say "Qt cannot open the display (DISPLAY=${DISPLAY:-} WAYLAND_DISPLAY=${WAYLAND_DISPLAY:-})."
        else
            say "Qt still cannot load its libraries."
        fi
        exit 1
    elif qt_libraries_load; then
        say "Qt cannot open the display (DISPLAY=${DISPLAY:-} WAYLAND_DISPLAY=${WAYLAND_DISPLAY:-});"
        say "if X11's libraries are missing, e.g. on Debian/Ubuntu: sudo apt-get install $pkgs"
        exit 1
    else
        say "Qt cannot load; install its system libraries, e.g. on Debian/Ubuntu:"
        say "  sudo apt-get install $pkgs"
        exit 1
    fi
}

# Tools the packaging tests use to validate the AppStream and desktop files.
# What the tests drive besides Python, from Debian's packages, installed when missing and root:
# the packaging tests' validators, and the X server, key sender and screenshot tool that
# tests/x11 runs the real app with (keys behave differently under X11 than offscreen).
# Without root each such test skips and names what it needs.
TEST_COMMANDS="appstreamcli:appstream desktop-file-validate:desktop-file-utils Xvfb:xvfb xdotool:xdotool"
ensure_test_tools() {
    missing=""
    for pair in $TEST_COMMANDS; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
    done
    [ -n "$missing" ] || return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing for the tests:$missing"
        apt-get update -qq >/dev/null
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        say "missing for the tests:$missing (the tests that need them will be skipped)"
    fi
}

cmd=${1:-app}
[ $# -gt 0 ] && shift
case "$cmd" in
    app)
        ensure_venv
        ensure_qt_libraries
        exec "$venv/bin/python" -m wsinspector "$@"
        ;;
    test)
        ensure_venv
        export QT_QPA_PLATFORM=offscreen
        ensure_qt_libraries
        ensure_test_tools
        "$venv/bin/ruff" check wsinspector tests benchmarks
        "$venv/bin/ruff" format --check wsinspector tests benchmarks
        "$venv/bin/mypy"
        "$venv/bin/lint-imports"
        # Two pytest-xdist workers, given a whole test file at a time (so a module's shared
        # servers stay one): the suite mostly waits on servers and subprocesses, and two
        # processes nearly halve it on CI's 2 cores. `-n 0` in the arguments runs one process.
        exec "$venv/bin/python" -m pytest -n 2 --dist loadfile "$@"
        ;;
    fuzz)
        ensure_venv
        case "${1:-2000}${2:-0}" in *[!0-9]*) say "usage: sh packaging/dev.sh fuzz [N [FIRST]]"; exit 2 ;; esac
        export WSINSPECTOR_FUZZ_SEEDS="${1:-2000}" WSINSPECTOR_FUZZ_FIRST="${2:-0}"
        exec "$venv/bin/python" -m pytest tests/fuzz -q -p no:randomly
        ;;
    bench)
        ensure_venv
        export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
        ensure_qt_libraries
        exec "$venv/bin/python" benchmarks/flood.py "$@"
        ;;
    package)
        out=dist
        while [ $# -gt 0 ]; do
            case "$1" in
                --out) [ $# -ge 2 ] || { say "--out needs a folder"; exit 2; }; out=$2; shift 2 ;;
                --out=*) out=${1#--out=}; shift ;;
                *) say "usage: sh packaging/dev.sh package [--out DIR]"; exit 2 ;;
            esac
        done
        ensure_venv
        # The build needs no display, but the bundle's self-check needs Qt's libraries.
        export QT_QPA_PLATFORM=offscreen
        ensure_qt_libraries
        mkdir -p "$out"
        out=$(cd "$out" && pwd)
        version=$("$venv/bin/python" -c 'import wsinspector; print(wsinspector.__version__)')
        started=$(date +%s)
        say "building $out/wsinspector/ with PyInstaller (about a minute; log: $out/pyinstaller.log)"
        if ! "$venv/bin/python" -m PyInstaller --noconfirm --log-level WARN \
            --distpath "$out" --workpath "$out/pyinstaller-work" packaging/wsinspector.spec \
            >"$out/pyinstaller.log" 2>&1; then
            tail -n 40 "$out/pyinstaller.log" >&2
            say "the PyInstaller build failed; its whole log is $out/pyinstaller.log"
            exit 1
        fi
        built=$(date +%s)
        # The bundle must work without a display: the self-check opens its window offscreen.
        if ! "$out/wsinspector/wsinspector" --self-check; then
            say "the built app failed its self-check"
            exit 1
        fi
        size=$(du -sk "$out/wsinspector" | cut -f1)
        if [ "$(uname -s)" = Linux ]; then
            tarball="$out/wsinspector-$version-linux-$(uname -m).tar.gz"
            # Reproducible member order and owners with GNU tar (the one Linux has).
            tar --sort=name --owner=0 --group=0 --numeric-owner -C "$out" -cf - wsinspector \
                | gzip >"$tarball"
            packed=$(du -k "$tarball" | cut -f1)
            say "built in $((built - started)) s: $out/wsinspector/ $((size / 1024)) MB," \
                "$(basename "$tarball") $((packed / 1024)) MB"
        else
            say "built in $((built - started)) s: $out/wsinspector/ $((size / 1024)) MB (untested here)"
        fi
        ;;
    icons)
        ensure_venv
        export QT_QPA_PLATFORM=offscreen
        ensure_qt_libraries
        exec "$venv/bin/python" packaging/render_icons.py
        ;;
    screenshots)
        ensure_venv
        exec sh packaging/screenshots.sh "$@"
        ;;
    *)
        say "usage: sh packaging/dev.sh app [URI] [--demo] | test [pytest args] | bench [args]"
        say "       | package [--out DIR] | icons | screenshots"
        exit 2
        ;;
esac
