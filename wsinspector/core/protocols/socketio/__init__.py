"""Socket.IO v5 over Engine.IO v4, on the websocket transport alone.

The framing is python-engineio's and python-socketio's own packet classes (codec.py); the
session (session.py) answers Engine.IO pings, connects the namespace with its auth payload
once the open packet came, numbers acknowledgement requests and times their answers.
"""

from wsinspector.core.protocols.socketio.session import SocketIOProtocol, socketio_uri

__all__ = ["SocketIOProtocol", "socketio_uri"]
