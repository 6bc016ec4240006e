"""SignalR over WebSocket, JSON hub protocol: `messages` (records and their types), `protocol`
(the hub connection: handshake, pings, invocations and streams) and `negotiate` (the HTTP
step before the WebSocket, skipped when the server is set to skip it)."""
