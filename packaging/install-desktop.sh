#!/bin/sh
# Install wsinspector's desktop entry, icons and AppStream metainfo for the current user, so it
# shows in the desktop's application menu with its icon and opens ws:// and wss:// links:
#   sh packaging/install-desktop.sh [--exec PATH]     install (again: overwrites)
#   sh packaging/install-desktop.sh --uninstall        remove what install put there
# Files go under $XDG_DATA_HOME (default ~/.local/share): applications/, icons/hicolor/,
# metainfo/, each named io.github.wsinspector.*. Nothing outside those is touched.
#
# It works from a source checkout (packaging/install-desktop.sh) and from a built bundle
# (dist/wsinspector/install-desktop.sh, copied there by the PyInstaller spec). The desktop
# entry runs --exec PATH if given, else the bundle's binary when run from a bundle, else
# dist/wsinspector/wsinspector if built, else `wsinspector` on PATH, else .venv/bin/wsinspector.
set -eu

APP_ID=io.github.wsinspector
SIZES="16 24 32 48 64 128 256 512"

say() { printf 'install-desktop: %s\n' "$*" >&2; }
usage() { say "usage: sh install-desktop.sh [--exec PATH] [--uninstall]"; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
if [ -d "$here/_internal/share/icons/hicolor" ]; then
    # a built bundle: dist/wsinspector/{install-desktop.sh,wsinspector,_internal/}
    app_svg="$here/_internal/wsinspector/assets/icons/app.svg"
    hicolor="$here/_internal/share/icons/hicolor"
    desktop_source="$here/_internal/share/applications/$APP_ID.desktop"
    metainfo_source="$here/_internal/share/metainfo/$APP_ID.metainfo.xml"
    bundled="$here/wsinspector"
else
    app_svg="$here/../wsinspector/assets/icons/app.svg"
    hicolor="$here/../resources/icons/hicolor"
    desktop_source="$here/$APP_ID.desktop"
    metainfo_source="$here/$APP_ID.metainfo.xml"
    bundled=""
fi

exec_path=""
action=install
while [ $# -gt 0 ]; do
    case "$1" in
        --exec) [ $# -ge 2 ] || usage; exec_path=$2; shift 2 ;;
        --exec=*) exec_path=${1#--exec=}; shift ;;
        --uninstall) action=uninstall; shift ;;
        -h | --help) usage ;;
        *) say "unknown argument: $1"; usage ;;
    esac
done

# XDG: a relative XDG_DATA_HOME is invalid and is ignored.
case "${XDG_DATA_HOME:-}" in
    /*) data_home=$XDG_DATA_HOME ;;
    *) data_home="${HOME:?HOME is not set}/.local/share" ;;
esac

desktop_file="$data_home/applications/$APP_ID.desktop"
metainfo_file="$data_home/metainfo/$APP_ID.metainfo.xml"
svg_icon="$data_home/icons/hicolor/scalable/apps/$APP_ID.svg"
png_icon() { echo "$data_home/icons/hicolor/${1}x${1}/apps/$APP_ID.png"; }

refresh_caches() {
    # Optional: menus and icons are found without these, just later.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data_home/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data_home/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t "$data_home/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "$action" = uninstall ]; then
    removed=0
    for file in "$desktop_file" "$metainfo_file" "$svg_icon"; do
        if [ -e "$file" ]; then rm -f "$file"; removed=$((removed + 1)); fi
    done
    for size in $SIZES; do
        file=$(png_icon "$size")
        if [ -e "$file" ]; then rm -f "$file"; removed=$((removed + 1)); fi
    done
    [ -d "$data_home/applications" ] && refresh_caches
    say "removed $removed files from $data_home"
    exit 0
fi

if [ -z "$exec_path" ]; then
    if [ -n "$bundled" ] && [ -x "$bundled" ]; then
        exec_path=$bundled
    elif [ -x "$here/../dist/wsinspector/wsinspector" ]; then
        exec_path="$(cd "$here/../dist/wsinspector" && pwd)/wsinspector"
    elif command -v wsinspector >/dev/null 2>&1; then
        exec_path=$(command -v wsinspector)
    elif [ -x "$here/../.venv/bin/wsinspector" ]; then
        exec_path="$(cd "$here/../.venv/bin" && pwd)/wsinspector"
    else
        say "no wsinspector to run: build it (sh packaging/dev.sh package), install it, or pass --exec PATH"
        exit 1
    fi
fi
case "$exec_path" in
    /*) ;;
    *) exec_path="$(pwd)/$exec_path" ;;
esac
[ -x "$exec_path" ] || { say "$exec_path is not an executable file"; exit 1; }
# The desktop entry spec's Exec quoting: refuse the characters that need escapes within escapes.
case "$exec_path" in
    *[\"\`\$\\%]* | *"
"*)
        say "the path $exec_path has a character a desktop entry can't hold simply (\" \` \$ \\ %);"
        say "move wsinspector elsewhere or pass --exec with another path"
        exit 1
        ;;
    *[!A-Za-z0-9_./+,:@=-]*) exec_quoted="\"$exec_path\"" ;;
    *) exec_quoted=$exec_path ;;
esac

for file in "$desktop_source" "$metainfo_source" "$app_svg"; do
    [ -f "$file" ] || { say "missing $file"; exit 1; }
done

mkdir -p "$data_home/applications" "$data_home/metainfo" "$(dirname "$svg_icon")"
# sed's replacement treats & and | specially; neither survives the checks above but &: escape it.
replacement=$(printf '%s' "$exec_quoted" | sed 's/[&|]/\\&/g')
sed "s|^Exec=wsinspector |Exec=$replacement |" "$desktop_source" >"$desktop_file.tmp"
mv "$desktop_file.tmp" "$desktop_file"
cp "$metainfo_source" "$metainfo_file"
cp "$app_svg" "$svg_icon"
for size in $SIZES; do
    source="$hicolor/${size}x${size}/apps/$APP_ID.png"
    [ -f "$source" ] || { say "missing $source (run: sh packaging/dev.sh icons)"; exit 1; }
    target=$(png_icon "$size")
    mkdir -p "$(dirname "$target")"
    cp "$source" "$target"
done
refresh_caches
say "installed $APP_ID for $(id -un 2>/dev/null || echo you) under $data_home, running $exec_path"
