"""Everything that is not a widget, testable with plain asyncio. No Qt import below here.

One package per subsystem, each importing only from the floors below it (import-linter keeps
the order, top to bottom):

* `tools/`      headless entry points: the demo server, `wsinspector record`, `wsinspector serve`.
* `serving/`    listening: a server page's server on websockets' asyncio server, its rules
                (answers without a person), settings and TLS certificate.
* `storage/`    what is kept on disk: profiles/ (and their secrets), logfiles/ (export and
                import formats, and the codec with stable type names that they and the
                capture share), capture/ (the SQLite recording behind the History),
                preferences, the pages open at quit.
* `protocols/`  what rides on the socket (Socket.IO, GraphQL, STOMP, MQTT, …): one package each.
* `websocket/`  the live connection: options, the session on websockets' asyncio client, what
                guards it (frame tap, limits, redirects, reconnect, hostile-server workarounds),
                its errors in words, the per-connection state, TLS information, file sending.
* `log/`        events and the event log, wire frames, rates, the filter, and the words for
                events (`log/wording.py`; a feature's own words live beside the feature).
* `text/`, `decoders/`  pure functions over bytes and text: formatting, the JSON outline, the
                one text search (filter, find-in-detail, capture), the one secrets policy
                and {{placeholders}}; binary payload decoders (MessagePack, CBOR, Protobuf).
* `app/`        plumbing every floor may use: where files live, the crash log, versions,
                `UserError` (what the user can cause; its message is the words for them),
                TaskSet (tasks kept alive until done).
"""
