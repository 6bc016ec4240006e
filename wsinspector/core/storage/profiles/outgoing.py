"""One way to prepare a message to send: its {{variables}} filled, then encoded.

Every send path of a page goes through `prepare_message`: the composer's text and JSON, its
JSON sent as MessagePack or CBOR, and a saved message (text, JSON, or hex digits for a
binary frame). So they fill variables alike and fail alike, with words for why not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.decoders.text import encode_json
from wsinspector.core.storage.profiles.dynamic import DynamicValues
from wsinspector.core.storage.profiles.model import MessageMode
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
