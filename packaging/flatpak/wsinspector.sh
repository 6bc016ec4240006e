#!/bin/sh
# The Flatpak's command: wsinspector's package, its icons inside (wsinspector/assets/), sits in
# /app/share/wsinspector, which goes on Python's path.
export PYTHONPATH="/app/share/wsinspector${PYTHONPATH:+:$PYTHONPATH}"
exec python3 -m wsinspector "$@"
