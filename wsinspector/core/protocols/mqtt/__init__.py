"""MQTT 3.1.1 and 5 over WebSocket: `codec` (packets to bytes and back, against the OASIS
specifications), `properties` (MQTT 5's properties and the shared primitives) and `protocol`
(the client session: CONNECT, keepalive, QoS handshakes)."""
