"""A read-only log shown in its protocol's terms: rows, the Protocol detail tab and the
filter's words are derived from the payloads by a fresh protocol that knows only the messages
themselves.

Which protocol: the one a recorded session was spoken in, kept with its options in the
capture; a file keeps none, so it is guessed from what crossed the wire, the logged URI and the
subprotocols of its handshake (core/protocols/registry.guess), as a live page proposes one."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from wsinspector.core.app.errors import UserError
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import WireProtocol
from wsinspector.core.storage.profiles.format import options_from_json
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.workspace.workspace import LogWorkspace


def show_as_logged(workspace: LogWorkspace, options: ConnectionOptions) -> str:
    """Read the workspace's messages in `options.protocol` when the log kept it, else in the
    one `options` suggest; the protocol's key (WEBSOCKET: none)."""
    key = options.protocol or registry.guess(options.uri, options.subprotocols)
    if key == registry.WEBSOCKET:
        return key
    reader = _reader(options, key)
    if reader is None:
        return registry.WEBSOCKET
    workspace.set_protocol(reader)
    return key


def saved_options(record: Mapping[str, object]) -> ConnectionOptions | None:
    """The options a recorded session kept (None when there are none it can read)."""
    if not record:
        return None
    try:
        return options_from_json(dict(record))
    except (UserError, ValueError, TypeError):
        return None


def _reader(options: ConnectionOptions, key: str) -> WireProtocol | None:
    # The kept settings (MQTT's version) where they can be read: secrets in them are redacted.
    kept = options.protocol_params if options.protocol == key else ()
    for params in dict.fromkeys((kept, ())):
        try:
            reader = registry.create(
                dataclasses.replace(options, protocol=key, protocol_params=params)
            )
        except UserError:
            continue
        return reader
    return None
