"""Socket.IO v5 over Engine.IO v4, and Socket.IO v2 over Engine.IO v3, on the websocket
transport alone.

The framing is python-engineio's and python-socketio's own packet classes (codec.py); the
transport's version, URI and v3 keepalive are engine.py's; the session (session.py) answers
Engine.IO pings, connects the namespace with its auth payload once the open packet came,
numbers acknowledgement requests and times their answers, and ties binary attachments to
their event (attachments.py).
"""

from wsinspector.core.protocols.socketio.engine import VERSION_PARAM, socketio_uri
from wsinspector.core.protocols.socketio.session import SocketIOProtocol, create

__all__ = ["VERSION_PARAM", "SocketIOProtocol", "create", "socketio_uri"]
