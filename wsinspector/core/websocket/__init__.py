"""The live WebSocket connection on websockets' asyncio client.

`options` (what the form asks), `session` (one connection with its reconnects, feeding an
EventLog), what guards it (`frametap`, `limits`, `redirects`, `reconnect`, `guarded`), its
failures in words (`errors`), the per-connection state a page shows (`state`), the form's
checks (`validation`), TLS certificates in words (`tlsinfo`) and files sent as messages
(`file_source`)."""
