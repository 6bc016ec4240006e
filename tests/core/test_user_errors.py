"""Every error the user can cause derives from UserError and keeps the base callers catch."""

from __future__ import annotations

import pytest

from wsinspector.core.app.errors import UserError
from wsinspector.core.decoders.proto_schema import ProtoLoadError
from wsinspector.core.storage.capture import CaptureFileError
from wsinspector.core.storage.logfiles.common import LogFileError
from wsinspector.core.storage.profiles.format import ProfileFormatError
from wsinspector.core.storage.profiles.store import ProfileError
from wsinspector.core.tools.record import UsageError
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
