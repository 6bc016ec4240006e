"""The saved-connection records: a profile, its saved messages, secret flags, environments."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from wsinspector.core.log.events import Direction
from wsinspector.core.protocols.base import BODY, Composed
from wsinspector.core.websocket.options import ConnectionOptions


class MessageMode(enum.StrEnum):
    TEXT = "text"
    JSON = "json"
    BINARY = "binary"  # `text` holds hex digits, as the composer's "Binary (hex)" takes them


# A protocol composer's field besides the body: an event name, a topic, a check box, a QoS.
FieldValue = str | bool | int


@dataclass(frozen=True, slots=True)
class SavedMessage:
    """A message kept in a profile. A protocol message (`protocol` is a registry key) also
    keeps its composer's other fields, `text` being its body; `on_connect` sends it on each
    connection once the protocol's handshake is done. A plain message has neither: its
    on-connect messages are the connection's own (ConnectionOptions.on_connect_messages)."""

    name: str
    text: str
    mode: MessageMode = MessageMode.TEXT
    protocol: str = ""
    fields: tuple[tuple[str, FieldValue], ...] = ()
    on_connect: bool = False

    def composed(self) -> Composed:
        """What the protocol composer held when it was saved (base.Composed)."""
        return {**dict(self.fields), BODY: self.text}


@dataclass(frozen=True, slots=True)
class SecretFlags:
    """Which values are secret: by header name (any case), variable name, query parameter name.

    A flagged header name covers every header row of that name; a flagged query parameter
    every occurrence in the URI (names compared after percent-decoding, case-sensitive); a
    flagged variable name the profile's variable of that name.
    """

    headers: frozenset[str] = frozenset()
    variables: frozenset[str] = frozenset()
    query: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", frozenset(name.lower() for name in self.headers))
        object.__setattr__(self, "variables", frozenset(self.variables))
        object.__setattr__(self, "query", frozenset(self.query))

    def header(self, name: str) -> bool:
        return name.lower() in self.headers

    def __bool__(self) -> bool:
        return bool(self.headers or self.variables or self.query)


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """A relay page's own settings; its upstream and the upstream's connection settings are
    the profile's options. Directions are the relay's: OUT toward the upstream, IN toward the
    app (core/serving/relay.py)."""

    listen: str = "127.0.0.1:0"
    fault_code: int = 1011
    intercept: bool = False
    intercept_filter: str = ""
    intercept_directions: frozenset[Direction] = frozenset({Direction.OUT, Direction.IN})


def normalize_folder(folder: str) -> str:
    """'/a//b/ ' → 'a/b': parts separated by '/', blank parts dropped, '' is the top level."""
    return "/".join(part.strip() for part in folder.split("/") if part.strip())


@dataclass(frozen=True, slots=True)
class Profile:
    """A saved connection. `id` is "" until a ProfileStore saves it (then its file's name).

    `variables` are the profile's own {{name}} values; an environment's values come first.
    `tests` are its own test files (paths, `~` allowed), which the Scripts tab runs when no
    other file is chosen; a profile imported from someone else runs them only once the user
    has allowed them (storage/profiles/trust.py).
    Treat the dicts as read-only: change a profile with dataclasses.replace().
    """

    name: str
    options: ConnectionOptions
    folder: str = ""
    messages: tuple[SavedMessage, ...] = ()
    variables: dict[str, str] = field(default_factory=dict)
    secrets: SecretFlags = field(default_factory=SecretFlags)
    id: str = ""
    # A server page's settings and rules as saved (core.serving.settings gives them meaning);
    # {} for a client profile.
    server: dict[str, object] = field(default_factory=dict)
    tests: tuple[str, ...] = ()
    relay: RelaySettings | None = None  # a relay page's profile; None: a connection's

    def __post_init__(self) -> None:
        object.__setattr__(self, "folder", normalize_folder(self.folder))

    @property
    def path(self) -> str:
        """'folder/sub/name' (just the name at the top level), for showing and filtering."""
        return f"{self.folder}/{self.name}" if self.folder else self.name

    @property
    def kind(self) -> str:
        """The page it opens as: "server" (it has server settings), "relay" or "connection"."""
        if self.server:
            return "server"
        return "relay" if self.relay is not None else "connection"


def profile_named(profiles: list[Profile], name: str) -> Profile:
    """The profile called `name`; ValueError, in words listing the known names, if none is."""
    for profile in profiles:
        if profile.name == name:
            return profile
    known = ", ".join(sorted(profile.name for profile in profiles)) or "none saved yet"
    raise ValueError(f"no profile named “{name}”; known profiles: {known}")


def environment_misplaced(profile: Profile) -> str | None:
    """Why an environment can't be chosen for `profile` (only a connection page has one)."""
    if profile.kind == "connection":
        return None
    return f"“{profile.name}” is a {profile.kind} profile: an environment goes with a connection"


@dataclass(frozen=True, slots=True)
class Environments:
    """Named sets of variables shared by all profiles ("dev", "staging", …).

    A variable name in `secret_variables` is secret in every environment.
    """

    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    secret_variables: frozenset[str] = frozenset()

    def variables(self, name: str | None) -> dict[str, str]:
        """The variables of environment `name` ({} for None or an unknown name)."""
        if name is None:
            return {}
        return dict(self.environments.get(name, {}))

    def names(self) -> list[str]:
        return list(self.environments)
