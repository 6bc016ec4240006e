"""What rides on the socket: one package per protocol (socketio/, graphql/, stomp/, mqtt/, …).

Each protocol implements `base.WireProtocol`: what it sends when the socket opens (its own
handshake), how it answers keepalives, how it encodes what the user composes and how it reads
what arrives. The page, `wsinspector record` and the tests use that interface alone, so adding a
protocol is adding a package here and naming it in `registry`. Plain WebSocket is the absence of
a protocol: messages go out and come in as they are.
"""
