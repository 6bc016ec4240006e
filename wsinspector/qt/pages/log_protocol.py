"""A read-only log shown in its protocol's terms: the protocol is not in the file, so it is
guessed from what crossed the wire, the logged URI and the subprotocols of its handshake
(core/protocols/registry.guess), as a live page proposes one; rows, the Protocol detail tab
and the filter's words are then derived from the payloads by a fresh protocol that knows only
the messages themselves."""

from __future__ import annotations

import dataclasses

from wsinspector.core.app.errors import UserError
from wsinspector.core.protocols import registry
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.workspace.workspace import LogWorkspace


def show_as_logged(workspace: LogWorkspace, options: ConnectionOptions) -> str:
    """Read the workspace's messages in the protocol `options` suggest; its key (WEBSOCKET:
    none)."""
    key = registry.guess(options.uri, options.subprotocols)
    if key == registry.WEBSOCKET:
        return key
    try:
        reader = registry.create(dataclasses.replace(options, protocol=key, protocol_params=()))
    except UserError:
        return registry.WEBSOCKET
    if reader is None:
        return registry.WEBSOCKET
    workspace.set_protocol(reader)
    return key
