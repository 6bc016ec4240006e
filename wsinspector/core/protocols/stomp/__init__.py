"""STOMP 1.2 and 1.1 over WebSocket: `frames` (frames to text and back, with escaping and
content-length) and `protocol` (the client session: CONNECT, heart-beats, the headers each
command needs)."""
