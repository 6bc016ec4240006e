#!/bin/sh
# The Flatpak's command: wsinspector's package and its resources/ folder sit side by side in
# /app/share/wsinspector, as in a checkout, where wsinspector/resources.py finds the icons.
export PYTHONPATH="/app/share/wsinspector${PYTHONPATH:+:$PYTHONPATH}"
exec python3 -m wsinspector "$@"
