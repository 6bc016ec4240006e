"""GraphQL over WebSocket: `graphql-transport-ws` (the graphql-ws library's protocol) and the
legacy `subscriptions-transport-ws` (subprotocol `graphql-ws`), in session.py."""

from wsinspector.core.protocols.graphql.session import (
    LEGACY_SUBPROTOCOL,
    SUBPROTOCOL,
    GraphQLProtocol,
)

__all__ = ["LEGACY_SUBPROTOCOL", "SUBPROTOCOL", "GraphQLProtocol"]
