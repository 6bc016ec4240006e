"""One way to prepare a message to send: its {{variables}} filled, then encoded.

Every send path of a page goes through `prepare_message`: the composer's text and JSON, its
JSON sent as MessagePack or CBOR, and a saved message (text, JSON, or hex digits for a
binary frame). So they fill variables alike and fail alike, with words for why not. What a
protocol composer holds (an event name, a topic, headers, the body…) is filled field by
field the same way by `prepare_composed`, then the protocol encodes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.decoders.text import encode_json
from wsinspector.core.protocols.base import BODY, Composed
from wsinspector.core.storage.profiles.dynamic import DynamicValues
from wsinspector.core.storage.profiles.model import MessageMode, SavedMessage
from wsinspector.core.storage.profiles.variables import resolve_message
from wsinspector.core.text.formatting import parse_hex

# How the filled text becomes a frame: as text (MessageMode.TEXT, .JSON), as the bytes of
# its hex digits (MessageMode.BINARY), or its JSON encoded as MessagePack or CBOR.
Encoding = MessageMode | DecoderKind


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message ready to send (str: a text frame, bytes: a binary one), or why it is not:
    `problem` words the reason (an undefined variable, bad JSON, bad hex), else ""."""

    payload: str | bytes | None
    problem: str = ""


def prepare_message(
    text: str,
    encoding: Encoding,
    env_vars: Mapping[str, str],
    profile_vars: Mapping[str, str],
    dynamic: DynamicValues | None = None,
) -> Prepared:
    """`text` with its {{variables}} filled from the environment and the profile (the
    environment's win) and its {{$dynamic values}} from `dynamic` (the page's counter),
    encoded as `encoding` says."""
    resolved, errors = resolve_message(text, env_vars, profile_vars, dynamic=dynamic)
    if errors:
        return Prepared(None, "; ".join(error.message for error in errors))
    try:
        if encoding is MessageMode.BINARY:
            return Prepared(parse_hex(resolved))
        if isinstance(encoding, DecoderKind):
            return Prepared(encode_json(resolved, encoding))
    except ValueError as exc:
        return Prepared(None, str(exc))
    return Prepared(resolved)


def preview_message(
    text: str,
    env_vars: Mapping[str, str],
    profile_vars: Mapping[str, str],
    dynamic: DynamicValues | None = None,
) -> Prepared:
    """`text` as sending it now would fill it (dynamic values as they are at this moment,
    the counter's next value without taking it) as the payload, not encoded: a preview
    shows text. Or `problem` words why it would not be sent."""
    peeked = dynamic.peek() if dynamic is not None else None
    resolved, errors = resolve_message(text, env_vars, profile_vars, dynamic=peeked)
    if errors:
        return Prepared(None, "; ".join(error.message for error in errors))
    return Prepared(resolved)


@dataclass(frozen=True, slots=True)
class PreparedComposed:
    """A protocol message's fields with their {{variables}} filled, or why not (`problem`)."""

    composed: Composed | None
    problem: str = ""


def prepare_composed(
    composed: Composed,
    env_vars: Mapping[str, str],
    profile_vars: Mapping[str, str],
    dynamic: DynamicValues | None = None,
) -> PreparedComposed:
    """Every text field of `composed` filled as prepare_message fills a message (a check box
    or a number is kept as it is); an undefined variable is a problem named by its field."""
    filled: dict[str, str | bool | int] = {}
    problems: list[str] = []
    for name, value in composed.items():
        if not isinstance(value, str):
            filled[name] = value
            continue
        resolved, errors = resolve_message(value, env_vars, profile_vars, name, dynamic)
        filled[name] = resolved
        # The body is the message box's, as for a plain message; others say their field.
        problems.extend(
            error.message if name == BODY else f"{name}: {error.message}" for error in errors
        )
    if problems:
        return PreparedComposed(None, "; ".join(problems))
    return PreparedComposed(filled)


def prepare_on_connect(
    messages: Iterable[SavedMessage],
    protocol: str,
    env_vars: Mapping[str, str],
    profile_vars: Mapping[str, str],
    dynamic: DynamicValues | None = None,
) -> tuple[Composed, ...] | str:
    """The saved messages a connection speaking `protocol` sends once its handshake is done
    (those marked on_connect, of that protocol), filled; or why not, naming the message."""
    ready: list[Composed] = []
    for message in messages:
        if message.on_connect and message.protocol and message.protocol == protocol:
            prepared = prepare_composed(message.composed(), env_vars, profile_vars, dynamic)
            if prepared.composed is None:
                return f"on-connect message “{message.name}”: {prepared.problem}"
            ready.append(prepared.composed)
    return tuple(ready)
