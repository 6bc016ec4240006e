"""Every error the user can cause derives from UserError and keeps the base callers catch."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wsinspector.core.app.errors import InputError, UserError
from wsinspector.core.decoders.proto_schema import ProtoLoadError
from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.decoders.text import encode_json
from wsinspector.core.log.wireframes import parse_control_payload
from wsinspector.core.storage.capture import CaptureFileError
from wsinspector.core.storage.logfiles.common import LogFileError, format_for_path
from wsinspector.core.storage.profiles.format import ProfileFormatError
from wsinspector.core.storage.profiles.store import ProfileError
from wsinspector.core.text.formatting import parse_hex
from wsinspector.core.tools.command import UsageError
from wsinspector.core.websocket.file_source import FileRefused, SendCancelled
from wsinspector.core.websocket.session import NotConnectedError


@pytest.mark.parametrize(
    ("kind", "also"),
    [
        (ProfileFormatError, ValueError),
        (ProfileError, Exception),
        (LogFileError, Exception),
        (CaptureFileError, Exception),
        (ProtoLoadError, ValueError),
        (UsageError, Exception),
        (FileRefused, ValueError),
        (SendCancelled, Exception),
        (NotConnectedError, RuntimeError),
    ],
)
def test_user_errors_keep_their_old_base(kind: type[Exception], also: type[Exception]) -> None:
    assert issubclass(kind, UserError)
    assert issubclass(kind, also)


def test_the_message_is_the_words() -> None:
    assert str(NotConnectedError("the server closed the connection")) == (
        "Not sent: the server closed the connection"
    )
    assert NotConnectedError("gone").reason == "gone"
    assert str(SendCancelled(12)) == "Stopped: the file was not sent whole; see the log"
    assert SendCancelled(12).sent == 12


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_hex("48 6"),
        lambda: parse_hex("zz"),
        lambda: parse_control_payload("x" * 126, as_hex=False),
        lambda: encode_json("{", DecoderKind.MSGPACK),
        lambda: format_for_path("log.docx"),
    ],
    ids=["odd hex", "not hex", "long ping", "bad JSON", "unknown suffix"],
)
def test_what_the_user_typed_wrong_is_an_input_error(parse: Callable[[], object]) -> None:
    with pytest.raises(InputError) as raised:
        parse()
    assert isinstance(raised.value, UserError)
    assert isinstance(raised.value, ValueError)  # what callers of parsers catch
