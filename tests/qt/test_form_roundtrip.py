"""The settings form loses nothing: options → form → options is exact within the form's ranges.

The strategy's bounds are the form's ranges (core.websocket.options / reconnect constants);
what lies outside them can't be shown by the form and is documented there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QApplication

from wsinspector.core.decoders.settings import DecoderKind, DecoderSettings
from wsinspector.core.websocket.options import (
    CLOSE_TIMEOUT_MAX,
    MAX_MESSAGE_SIZE_MIB,
    OPEN_TIMEOUT_MAX,
    PING_SECONDS_MAX,
    ConnectionOptions,
    UserAgentMode,
)
from wsinspector.core.websocket.reconnect import (
    RECONNECT_ATTEMPTS_MAX,
    RECONNECT_DELAY_MAX,
    RECONNECT_FACTOR_MAX,
    RECONNECT_FACTOR_MIN,
    ReconnectPolicy,
)
from wsinspector.core.websocket.redirects import MOST_REDIRECTS
from wsinspector.qt.forms.connection_form import ConnectionForm

MIB = 2**20
TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Characters the one-box-per-line on-connect editor can't keep inside a message.
LINE_BREAKS = "\n\r\u2029\ufdd0\ufdd1"


def hundredths(low: float, high: float) -> st.SearchStrategy[float]:
    return st.integers(round(low * 100), round(high * 100)).map(lambda n: n / 100)


def optional_seconds(high: float) -> st.SearchStrategy[float | None]:
    return st.none() | hundredths(0.01, high)


def short_text(**kwargs: object) -> st.SearchStrategy[str]:
    return st.text(max_size=30, **kwargs)  # type: ignore[arg-type]


one_line = short_text().filter(lambda s: s == s.strip())
token = st.text(TCHARS, min_size=1, max_size=12)
# A few names that come back often, so that repeated headers (and their order) are tried.
header_name = st.sampled_from(["X-Trace", "Authorization", "x-trace", "Cookie"]) | short_text(
    min_size=1
).filter(lambda s: s.strip() != "")
on_connect_message = short_text(
    min_size=1, alphabet=st.characters(exclude_categories=["Cs"], exclude_characters=LINE_BREAKS)
).filter(lambda s: s.strip() != "")

policies = st.builds(
    ReconnectPolicy,
    enabled=st.booleans(),
    initial_delay=hundredths(0, RECONNECT_DELAY_MAX),
    min_delay=hundredths(0.01, RECONNECT_DELAY_MAX),
    factor=st.integers(round(RECONNECT_FACTOR_MIN * 1000), round(RECONNECT_FACTOR_MAX * 1000)).map(
        lambda n: n / 1000
    ),
    max_delay=hundredths(0.01, RECONNECT_DELAY_MAX),
    max_attempts=st.integers(0, RECONNECT_ATTEMPTS_MAX),
    jitter=st.booleans(),
    on_clean_close=st.booleans(),
)

form_options = st.builds(
    ConnectionOptions,
    uri=st.just("ws://127.0.0.1:8765/feed?x=1"),
    origin=one_line,
    subprotocols=st.lists(token, max_size=4).map(tuple),
    headers=st.lists(st.tuples(header_name, short_text()), max_size=6).map(tuple),
    user_agent_mode=st.sampled_from(UserAgentMode),
    user_agent=short_text(),
    tls_verify=st.booleans(),
    ca_file=one_line,
    open_timeout=optional_seconds(OPEN_TIMEOUT_MAX),
    ping_interval=optional_seconds(PING_SECONDS_MAX),
    ping_timeout=optional_seconds(PING_SECONDS_MAX),
    close_timeout=hundredths(0, CLOSE_TIMEOUT_MAX),
    max_message_size=st.none() | st.integers(1, MAX_MESSAGE_SIZE_MIB * MIB + MIB - 1),
    compression=st.booleans(),
    max_redirects=st.integers(0, MOST_REDIRECTS),
    reconnect=policies,
    on_connect_messages=st.lists(on_connect_message, max_size=4)
    .filter(lambda messages: not messages or not messages[0].startswith("\ufeff"))
    .map(tuple),
    # A .proto file that can't be read keeps its message type (shown as not in the file).
    decoder=st.builds(
        DecoderSettings,
        kind=st.sampled_from(DecoderKind),
        proto_file=st.sampled_from(["", "missing.proto", " /no/such/dir/x.proto"]) | one_line,
        message_type=st.sampled_from(["", "demo.Tick", "Tick.Inner"]),
    ),
)


@pytest.fixture(scope="module")
def forms(qapp: QApplication) -> Iterator[tuple[ConnectionForm, ConnectionForm]]:
    # The same two forms for every example: set_options must overwrite all earlier state.
    pair = (ConnectionForm(), ConnectionForm())
    yield pair
    for form in pair:
        form.deleteLater()


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(options=form_options)
# Found by Hypothesis: a "~user" whose home can't be found made load_proto raise RuntimeError.
@example(
    options=ConnectionOptions(
        uri="ws://127.0.0.1:8765/feed?x=1",
        decoder=DecoderSettings(DecoderKind.PROTOBUF, "~0", "demo.Tick"),
    )
)
@example(
    options=ConnectionOptions(
        uri="ws://127.0.0.1:8765/feed?x=1",
        decoder=DecoderSettings(DecoderKind.PROTOBUF, "~nosuchuser/x.proto", ""),
    )
)
def test_options_form_options_is_exact(
    forms: tuple[ConnectionForm, ConnectionForm], options: ConnectionOptions
) -> None:
    form, again = forms
    form.set_options(options)
    assert form.to_options(options.uri) == options
    # And form → options → form: a second form filled from the result reads the same.
    again.set_options(form.to_options(options.uri))
    assert again.to_options(options.uri) == options


def test_the_reported_losses_are_gone(qapp: QApplication) -> None:
    options = ConnectionOptions(
        uri="ws://h/",
        headers=(("X-Pad", "  spaced  "), ("X-Pad", ""), ("A", " b")),
        user_agent_mode=UserAgentMode.DEFAULT,
        user_agent="kept but not sent",
        close_timeout=7.5,
        max_message_size=1000,
        reconnect=ReconnectPolicy(min_delay=0.25, factor=2.5),
        on_connect_messages=("a\u00a0b", "  indented"),
    )
    form = ConnectionForm()
    form.set_options(options)
    assert form.max_size_spin.value() == 0  # the contract's MiB spin: 0 whole MiB …
    assert form.max_size_bytes_spin.value() == 1000  # … plus 1000 bytes, not "no limit"
    assert form.to_options("ws://h/") == options
    form.deleteLater()


def test_user_agent_box_keeps_its_contract(qapp: QApplication) -> None:
    form = ConnectionForm()
    form.user_agent_edit.setText("wsinspector-test/1.0")
    options = form.to_options("ws://h/")
    assert (options.user_agent_mode, options.user_agent) == (
        UserAgentMode.CUSTOM,
        "wsinspector-test/1.0",
    )
    form.user_agent_edit.setText("")
    assert form.to_options("ws://h/").user_agent_mode is UserAgentMode.DEFAULT
    form.send_user_agent_check.setChecked(False)
    assert form.to_options("ws://h/").user_agent_mode is UserAgentMode.NONE
    form.deleteLater()


def test_contract_spin_alone_still_means_whole_mib(qapp: QApplication) -> None:
    form = ConnectionForm()
    form.max_size_spin.setValue(0)
    assert form.to_options("ws://h/").max_message_size is None
    assert form.max_size_spin.specialValueText() == "no limit"
    form.max_size_spin.setValue(3)
    assert form.to_options("ws://h/").max_message_size == 3 * MIB
    form.max_size_bytes_spin.setValue(5)
    form.max_size_spin.setValue(0)
    assert form.max_size_spin.specialValueText() == ""  # shows "0 MiB", not "no limit"
    assert form.to_options("ws://h/").max_message_size == 5
    form.deleteLater()


@pytest.mark.parametrize("path", ["~0", "~nosuchuser/x.proto"])
def test_a_proto_file_in_an_unknown_home_is_said_next_to_its_field(
    qapp: QApplication, path: str
) -> None:
    form = ConnectionForm()
    form.set_options(
        ConnectionOptions(uri="ws://h/", decoder=DecoderSettings(DecoderKind.PROTOBUF, path, ""))
    )
    error = form.decoder_tab.error_label
    assert "no such user" in error.text()
    assert not error.isHidden()
    assert form.to_options("ws://h/").decoder.proto_file == path
    form.deleteLater()
