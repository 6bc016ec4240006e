"""A GraphQL over WebSocket client session: connection_init, ping/pong, operations.

Two protocols share it: `graphql-transport-ws` (the graphql-ws library's) and the legacy
`subscriptions-transport-ws` (subprotocol `graphql-ws`: start/data/stop, `ka` keep-alives
from the server and no ping). Which one is spoken follows the subprotocol the server accepts
(`accepted`), else what was offered. Readings use graphql-transport-ws's words for both (a
legacy `data` reads as `next`), so an operation's rows, the filter and the running
operations don't depend on the generation of the server.

Operation ids are numbered for the page's lifetime, so every next, error and complete finds
the operation it belongs to (by its name) even after a reconnect. An operation is parsed
with graphql-core before it is sent: a syntax error is the user's to fix, shown next to the
field, not a server's error row later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode, parse

from wsinspector.core.protocols.base import BODY, Composed, ComposeError, Outgoing, Reading

SUBPROTOCOL = "graphql-transport-ws"
LEGACY_SUBPROTOCOL = "graphql-ws"

# The legacy protocol's words for the same steps (what the client sends).
_LEGACY = {"subscribe": "start", "next": "data", "complete": "stop"}
# How a legacy message reads; the names don't clash with graphql-transport-ws's, so a
# message is read the same whoever sent it and whether or not the session ran.
_READ_AS = {"start": "subscribe", "data": "next", "stop": "complete", "ka": "keep-alive"}


@dataclass(slots=True)
class Operation:
    """An operation sent: its name (or its first field's) and whether it still runs."""

    name: str
    running: bool = True


class GraphQLProtocol:
    """One page's GraphQL session (base.WireProtocol)."""

    name = "graphql"

    def __init__(self, payload: object = None, *, legacy: bool = False) -> None:
        self.payload = payload
        self.legacy = legacy
        self.operations: dict[str, Operation] = {}
        self.acknowledged = False
        self._next_id = 1

    def accepted(self, subprotocol: str | None) -> None:
        """The server chose `subprotocol` (base.Negotiating): speak its generation. A server
        that echoed none leaves the choice made from what was offered."""
        if subprotocol in (SUBPROTOCOL, LEGACY_SUBPROTOCOL):
            self.legacy = subprotocol == LEGACY_SUBPROTOCOL

    def ready(self) -> bool:
        """base.Handshaking: the server answered the handshake of this connection."""
        return self.acknowledged

    def on_open(self) -> list[Outgoing]:
        self.acknowledged = False
        message: dict[str, object] = {"type": "connection_init"}
        if self.payload is not None:
            message["payload"] = self.payload
        return [Outgoing(_dumps(message))]

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        reading = self.describe(data, True)
        answers: list[Outgoing] = []
        if reading.kind == "ping" and not self.legacy:
            answers.append(Outgoing(_dumps({"type": "pong"})))
        elif reading.kind == "connection_ack":
            self.acknowledged = True
        elif reading.kind in ("complete", "error") and not reading.problem:
            operation = self.operations.get(_id_of(data))
            if operation is not None:
                operation.running = False
        return reading, answers

    def compose(self, composed: Composed) -> list[Outgoing]:
        if composed.get("stop"):
            return self.stop(str(composed["stop"]))
        query = str(composed.get(BODY, ""))
        try:
            document = parse(query)
        except GraphQLError as exc:
            raise ComposeError(BODY, f"Not a GraphQL operation: {exc.message}") from exc
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if not operations:
            raise ComposeError(BODY, "The document has no operation to run")
        text = str(composed.get("variables", "")).strip()
        try:
            variables = json.loads(text) if text else None
        except json.JSONDecodeError as exc:
            raise ComposeError("variables", f"The variables are not JSON: {exc}") from exc
        if variables is not None and not isinstance(variables, dict):
            raise ComposeError("variables", "The variables are a JSON object")
        first = operations[0]
        name = first.name.value if first.name else _first_field(first)
        operation_id = str(self._next_id)
        self._next_id += 1
        self.operations[operation_id] = Operation(name)
        payload: dict[str, object] = {"query": query}
        if variables:
            payload["variables"] = variables
        if first.name:
            payload["operationName"] = first.name.value
        kind = _LEGACY["subscribe"] if self.legacy else "subscribe"
        return [Outgoing(_dumps({"id": operation_id, "type": kind, "payload": payload}))]

    def stop(self, operation_id: str) -> list[Outgoing]:
        """Stop a running operation (a subscription): its complete message."""
        operation = self.operations.get(operation_id)
        if operation is None or not operation.running:
            raise ComposeError("stop", f"No running operation {operation_id}")
        operation.running = False
        kind = _LEGACY["complete"] if self.legacy else "complete"
        return [Outgoing(_dumps({"id": operation_id, "type": kind}))]

    def running(self) -> dict[str, str]:
        """The operations still running: id → name."""
        return {key: op.name for key, op in self.operations.items() if op.running}

    def describe(self, data: str | bytes, incoming: bool) -> Reading:
        try:
            message = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return Reading("raw", problem=f"not JSON: {exc}")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return Reading("raw", problem="not a GraphQL over WebSocket message (no type)")
        wire: str = message["type"]
        kind = _READ_AS.get(wire, wire)
        operation_id = message.get("id")
        value = message.get("payload")
        if operation_id is None:
            return Reading(kind, value=value)
        operation = self.operations.get(str(operation_id))
        name = f"{operation.name} #{operation_id}" if operation else f"#{operation_id}"
        if kind == "subscribe" and isinstance(value, dict):
            value = value.get("variables") or value.get("query")
        return Reading(kind, name, value)


def _first_field(operation: OperationDefinitionNode) -> str:
    for selection in operation.selection_set.selections:
        field_name = getattr(selection, "name", None)
        if field_name is not None:
            return str(field_name.value)
    return operation.operation.value


def _id_of(data: str | bytes) -> str:
    try:
        return str(json.loads(data).get("id"))
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return ""


def _dumps(message: dict[str, object]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)
