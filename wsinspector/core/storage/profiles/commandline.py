"""A pasted `wscat`, `websocat` or `curl` command line → ConnectionOptions.

The text is split like a POSIX shell does (shlex; backslash-newline continuations, a leading
prompt (`$ `, `B$ `, `user@host:~$ `), `sudo`, `npx -y`, `docker run … IMAGE` and `VAR=value`
prefixes are understood; of a pipeline or `&&` list, the command of a known tool is taken; a
trailing `&` is dropped; SSL_CERT_FILE (websocat) and NODE_EXTRA_CA_CERTS (wscat) give the CA
file). A tool's own usage line ("wscat [options] (--listen <port> | --connect <url>)") is
recognised as such: `usage_line_words()` says so. What maps: the URI, headers (in order),
Origin, subprotocols, User-Agent, TLS verification off, a CA file, basic auth (`curl -u`,
`wscat --auth`, `websocat --basic-auth`: the Auth tab, core/websocket/auth.py), cookies
(curl -b), on-connect messages (wscat -x) and websocat's ping settings. Headers that the WebSocket
library writes itself (Upgrade, Connection, Sec-WebSocket-Key/Version/Accept) are dropped;
Origin, User-Agent, Sec-WebSocket-Protocol and Sec-WebSocket-Extensions headers go to their
own fields. Everything else is listed in `ignored`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from wsinspector.core.websocket.auth import Auth, AuthType
from wsinspector.core.websocket.options import ConnectionOptions, UserAgentMode
from wsinspector.core.websocket.reconnect import ReconnectPolicy

Tool = Literal["wscat", "websocat", "curl"]

_SILENT_HEADERS = frozenset(
    {"upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-accept"}
)
_SHELL_ENDS = frozenset({"|", "||", "&&", "&", ";", "|&"})
# What may stand before the program: `sudo`, `npx -y`, `pnpm dlx`, `VAR=value`.
_LAUNCHERS = frozenset(
    {"sudo", "npx", "bunx", "pnpx", "pnpm", "yarn", "dlx", "exec", "-y", "--yes"}
)
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
# A shell prompt before the command: "$ ", "B$ " (websocat's README), "me@box:~/x$ ", "> ".
_PROMPT = re.compile(r"^(?:PS [^>]*>|[^\s$%#>'\"]*[$%#>])\s+")
# The CA file a tool reads from its environment: websocat's OpenSSL, wscat's Node.
_CA_VARIABLES = {"websocat": "SSL_CERT_FILE", "wscat": "NODE_EXTRA_CA_CERTS"}
# What a usage line holds in place of values, as whole words: "[options]", "<url>", "<port>)".
_USAGE_PLACEHOLDER = re.compile(r"^\[[a-z -]+\]$|^\(?<[a-z0-9_ -]+>\)?$", re.IGNORECASE)
_CONTAINER_RUNNERS = frozenset({"docker", "podman"})
_REDIRECTS = (">", "2>", "<")
_WS_URI = re.compile(r"^wss?://", re.IGNORECASE)
_WEB_URI = re.compile(r"^https?://", re.IGNORECASE)
_WEBSOCAT_ADDRESS = re.compile(r"^((?:[a-z0-9_-]+:)*?)(wss?://.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    tool: Tool
    options: ConnectionOptions
    # Arguments with no counterpart here (shown so that nothing is dropped silently).
    ignored: tuple[str, ...] = ()


@dataclass
class _Draft:
    uri: str = ""
    origin: str = ""
    subprotocols: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    user_agent: str | None = None
    tls_verify: bool = True
    ca_file: str = ""
    compression: bool | None = None
    ping_interval: float | None = None
    ping_timeout: float | None = None
    reconnect: bool = False
    on_connect: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    upgrade: bool = False  # an "Upgrade: websocket" header was given
    auth: Auth = field(default_factory=Auth)

    def header_line(self, line: str, option: str) -> None:
        """'Name: value' (or curl's 'Name;' for an empty value)."""
        name, colon, value = line.partition(":")
        if not colon:
            if line.endswith(";"):
                name, value = line[:-1], ""
            else:
                self.ignored.append(f"{option} {line}")
                return
        self.header(name.strip(), value.strip(), option)

    def header(self, name: str, value: str, option: str = "-H") -> None:
        lower = name.lower()
        if not name:
            self.ignored.append(f"{option} {name}: {value}")
        elif lower == "upgrade":
            self.upgrade = value.lower() == "websocket"
        elif lower in _SILENT_HEADERS:
            pass
        elif lower == "origin":
            self.origin = value
        elif lower == "user-agent":
            self.user_agent = value
        elif lower == "sec-websocket-protocol":
            self.subprotocols.extend(p.strip() for p in value.split(",") if p.strip())
        elif lower == "sec-websocket-extensions":
            self.compression = "permessage-deflate" in value.lower()
        elif lower == "host":
            self.ignored.append(f"{option} {name}: {value}")
        else:
            self.headers.append((name, value))

    def basic_auth(self, credentials: str) -> None:
        """'user:password' fills the Auth tab (the last one given wins, as in the tools)."""
        username, _, password = credentials.partition(":")
        self.auth = Auth(AuthType.BASIC, username=username, password=password)

    def seconds(self, value: str, option: str) -> float | None:
        try:
            return float(value)
        except ValueError:
            self.ignored.append(f"{option} {value}")
            return None

    def options(self) -> ConnectionOptions:
        default = ConnectionOptions(uri="")
        return ConnectionOptions(
            uri=self.uri,
            origin=self.origin,
            subprotocols=tuple(self.subprotocols),
            headers=tuple(self.headers),
            user_agent_mode=UserAgentMode.DEFAULT
            if self.user_agent is None
            else UserAgentMode.CUSTOM,
            user_agent=self.user_agent or "",
            tls_verify=self.tls_verify,
            ca_file=self.ca_file,
            ping_interval=default.ping_interval
            if self.ping_interval is None
            else self.ping_interval,
            ping_timeout=default.ping_timeout if self.ping_timeout is None else self.ping_timeout,
            compression=default.compression if self.compression is None else self.compression,
            reconnect=replace(ReconnectPolicy(), enabled=self.reconnect),
            on_connect_messages=tuple(self.on_connect),
            auth=self.auth,
        )


# An option's handler gets (draft, value or None for flags, the option as written).
Handler = Callable[[_Draft, str | None, str], None]


@dataclass(frozen=True, slots=True)
class _Option:
    takes_value: bool
    handler: Handler | None = None  # None: known, but nothing to import


def _spec(**groups: tuple[tuple[str, ...], bool, Handler | None]) -> dict[str, _Option]:
    table: dict[str, _Option] = {}
    for names, takes_value, handler in groups.values():
        for name in names:
            table[name] = _Option(takes_value, handler)
    return table


def _set(attribute: str, value: object) -> Handler:
    def handler(draft: _Draft, _value: str | None, _option: str) -> None:
        setattr(draft, attribute, value)

    return handler


def _value_to(attribute: str) -> Handler:
    def handler(draft: _Draft, value: str | None, _option: str) -> None:
        setattr(draft, attribute, value or "")

    return handler


def _header(draft: _Draft, value: str | None, option: str) -> None:
    draft.header_line(value or "", option)


def _subprotocols(draft: _Draft, value: str | None, _option: str) -> None:
    draft.subprotocols.extend(p.strip() for p in (value or "").split(",") if p.strip())


def _basic_auth(draft: _Draft, value: str | None, option: str) -> None:
    if value and ":" in value:
        draft.basic_auth(value)
    elif value:
        draft.headers.append(("Authorization", f"Basic {value}"))  # already base64
    else:
        draft.ignored.append(option)


def _curl_user(draft: _Draft, value: str | None, option: str) -> None:
    if value and ":" in value:
        draft.basic_auth(value)
    else:
        draft.ignored.append(f"{option} {value}")  # curl would prompt for the password


def _curl_cookie(draft: _Draft, value: str | None, option: str) -> None:
    if value and "=" in value:
        draft.header("Cookie", value, option)
    else:
        draft.ignored.append(f"{option} {value}")  # a cookie jar file


def _on_connect(draft: _Draft, value: str | None, _option: str) -> None:
    draft.on_connect.append(value or "")


def _url(draft: _Draft, value: str | None, _option: str) -> None:
    draft.uri = draft.uri or (value or "")


def _ping(attribute: str) -> Handler:
    def handler(draft: _Draft, value: str | None, option: str) -> None:
        setattr(draft, attribute, draft.seconds(value or "", option))

    return handler


WSCAT = _spec(
    connect=(("-c", "--connect"), True, _url),
    origin=(("-o", "--origin"), True, _value_to("origin")),
    subprotocol=(("-s", "--subprotocol"), True, _subprotocols),
    header=(("-H", "--header"), True, _header),
    insecure=(("-n", "--no-check"), False, _set("tls_verify", False)),
    ca=(("--ca",), True, _value_to("ca_file")),
    auth=(("--auth",), True, _basic_auth),
    execute=(("-x", "--execute"), True, _on_connect),
    valued=(
        ("-p", "--protocol", "-w", "--wait", "--cert", "--key", "--proxy", "--max-redirects"),
        True,
        None,
    ),
    flags=(("-P", "--show-ping-pong", "--slash", "--no-color", "-L", "--location"), False, None),
    listen=(("-l", "--listen"), True, None),
)

WEBSOCAT = _spec(
    header=(("-H", "--header", "--request-header"), True, _header),
    origin=(("--origin",), True, _value_to("origin")),
    protocol=(("--protocol",), True, _subprotocols),
    user_agent=(("--ua",), True, _value_to("user_agent")),
    insecure=(("-k", "--insecure"), False, _set("tls_verify", False)),
    cacert=(("--cacert",), True, _value_to("ca_file")),
    basic_auth=(("--basic-auth",), True, _basic_auth),
    ping_interval=(("--ping-interval",), True, _ping("ping_interval")),
    ping_timeout=(("--ping-timeout",), True, _ping("ping_timeout")),
    valued=(
        (
            "-B",
            "--buffer-size",
            "--max-messages",
            "--max-messages-rev",
            "--max-ws-frame-length",
            "--max-ws-message-length",
            "--queue-len",
            "--conncap",
            "--close-reason",
            "--close-status-code",
            "--autoreconnect-delay-millis",
            "--socks5",
            "--socks5-destination",
            "--tls-domain",
            "--client-pkcs12-der",
            "--client-pkcs12-passwd",
            "--request-method",
            "--request-uri",
            "--ws-c-uri",
        ),
        True,
        None,
    ),
    flags=(
        (
            "-t",
            "--text",
            "-b",
            "--binary",
            "-n",
            "--no-close",
            "-1",
            "--one-message",
            "-u",
            "--unidirectional",
            "-U",
            "--unidirectional-reverse",
            "-E",
            "--exit-on-eof",
            "-q",
            "-v",
            "--jsonrpc",
            "--no-line",
            "--linemode-strip-newlines",
        ),
        False,
        None,
    ),
    server=(("-s", "--server-mode"), False, None),
)

CURL = _spec(
    url=(("--url",), True, _url),
    header=(("-H", "--header"), True, _header),
    user_agent=(("-A", "--user-agent"), True, _value_to("user_agent")),
    insecure=(("-k", "--insecure"), False, _set("tls_verify", False)),
    cacert=(("--cacert",), True, _value_to("ca_file")),
    user=(("-u", "--user"), True, _curl_user),
    cookie=(("-b", "--cookie"), True, _curl_cookie),
    referer=(
        ("-e", "--referer"),
        True,
        lambda draft, value, option: draft.header("Referer", value or "", option),
    ),
    valued=(
        (
            "-X",
            "--request",
            "-d",
            "--data",
            "--data-raw",
            "--data-binary",
            "--json",
            "-o",
            "--output",
            "-m",
            "--max-time",
            "--connect-timeout",
            "-x",
            "--proxy",
            "-w",
            "--write-out",
            "--resolve",
            "-E",
            "--cert",
            "--key",
            "--capath",
            "--retry",
            "--limit-rate",
            "-c",
            "--cookie-jar",
            "-T",
            "--upload-file",
        ),
        True,
        None,
    ),
    flags=(
        (
            "-s",
            "--silent",
            "-S",
            "--show-error",
            "-v",
            "--verbose",
            "-i",
            "--include",
            "-N",
            "--no-buffer",
            "-L",
            "--location",
            "--compressed",
            "--http1.1",
            "-f",
            "--fail",
        ),
        False,
        None,
    ),
)

_SPECS: dict[Tool, dict[str, _Option]] = {"wscat": WSCAT, "websocat": WEBSOCAT, "curl": CURL}


def _shell_words(text: str) -> list[str] | None:
    text = re.sub(r"\\\r?\n", " ", text.strip())
    text = _PROMPT.sub("", text, count=1)
    if text.endswith("&") and not text.endswith("&&"):
        text = text[:-1]  # run in the background: the shell's, not part of the URI
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return None


def _commands(words: list[str]) -> list[list[str]]:
    """The commands of a pipeline or list, each cut at its first redirection."""
    commands: list[list[str]] = [[]]
    for word in words:
        if word in _SHELL_ENDS:
            commands.append([])
        else:
            commands[-1].append(word)
    return [
        command[: next((i for i, w in enumerate(command) if w.startswith(_REDIRECTS)), None)]
        for command in commands
    ]


def _program(word: str) -> Tool | None:
    program = word.replace("\\", "/").rsplit("/", 1)[-1].lower().removesuffix(".exe")
    program = program.split("@", 1)[0]  # npx wscat@6
    for tool in ("wscat", "websocat", "curl"):
        if program == tool or (tool == "websocat" and program.startswith("websocat.")):
            return tool
    return None


def _image_tool(image: str) -> Tool | None:
    """`ghcr.io/vi/websocat:nightly` → websocat: the tool a container image runs."""
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0].lower()
    return name if name in ("websocat", "wscat") else None  # type: ignore[return-value]


def _tool(words: list[str]) -> tuple[Tool, list[str], dict[str, str]] | None:
    """The tool, its arguments and the VAR=value assignments before it."""
    environment: dict[str, str] = {}
    while words and (words[0] in _LAUNCHERS or _ASSIGNMENT.match(words[0])):
        assignment = _ASSIGNMENT.match(words[0])
        if assignment:
            environment[assignment.group(1)] = assignment.group(2)
        words = words[1:]
    if not words:
        return None
    if words[0].lower() in _CONTAINER_RUNNERS and words[1:2] == ["run"]:
        for index, word in enumerate(words[2:], start=2):
            image_tool = _image_tool(word)
            if image_tool is not None and not word.startswith("-"):
                return image_tool, words[index + 1 :], environment
        return None
    tool = _program(words[0])
    return (tool, words[1:], environment) if tool is not None else None


def _find_tool(text: str) -> tuple[Tool, list[str], dict[str, str]] | None:
    words = _shell_words(text)
    if not words:
        return None
    for command in _commands(words):
        found = _tool(command)
        if found is not None:
            return found
    return None


def usage_line_words(text: str) -> str | None:
    """What to say about a tool's usage line pasted as a command ("wscat [options] (--listen
    <port> | --connect <url>)"); None for anything else."""
    stripped = re.sub(r"^\s*usage:\s*", "", text.strip(), flags=re.IGNORECASE)
    words = stripped.split()
    if not words or _program(words[0]) is None:
        return None
    if not any(_USAGE_PLACEHOLDER.search(word) for word in words[1:]):
        return None
    example = {
        "wscat": "wscat -c ws://localhost:8080",
        "websocat": "websocat ws://localhost:8080",
        "curl": "curl -H 'Upgrade: websocket' http://localhost:8080",
    }[_program(words[0]) or "wscat"]
    return (
        f"That is {_program(words[0])}'s usage line, not a command: put a real address in "
        f"place of the <…> and […] parts, e.g. {example}"
    )


def _parse_arguments(tool: Tool, args: list[str], draft: _Draft) -> tuple[list[str], set[str]]:
    """Run the options' handlers; returns (the positional arguments, the options seen)."""
    spec = _SPECS[tool]
    positionals: list[str] = []
    seen: set[str] = set()
    index = 0

    def use(name: str, option: _Option, value: str | None) -> None:
        seen.add(name)
        if option.handler is not None:
            option.handler(draft, value, name)
        elif option.takes_value:
            draft.ignored.append(f"{name} {value}")
        else:
            draft.ignored.append(name)

    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            positionals.extend(args[index:])
            break
        if arg.startswith("--"):
            name, equals, attached = arg.partition("=")
            option = spec.get(name)
            if option is None:
                draft.ignored.append(arg)
                continue
            if not option.takes_value:
                use(name, option, None)
            elif equals:
                use(name, option, attached)
            elif index < len(args):
                use(name, option, args[index])
                index += 1
            else:
                draft.ignored.append(arg)
        elif arg.startswith("-") and len(arg) > 1:
            # A cluster of short options (-sSk), the last one perhaps with its value (-HX: y).
            position = 1
            while position < len(arg):
                name = "-" + arg[position]
                position += 1
                option = spec.get(name)
                if option is None:
                    draft.ignored.append(name)
                elif not option.takes_value:
                    use(name, option, None)
                else:
                    if position < len(arg):
                        attached = arg[position:]
                        if tool == "websocat":
                            attached = attached.removeprefix("=")  # clap takes -H=value
                        use(name, option, attached)
                    elif index < len(args):
                        use(name, option, args[index])
                        index += 1
                    else:
                        draft.ignored.append(name)
                    break
        else:
            positionals.append(arg)
    return positionals, seen


def parse_command_line(text: str) -> ParsedCommand | None:
    """The connection a pasted wscat, websocat or curl command opens, or None when the text is
    not such a command (another program, a server/listen command, no WebSocket URL)."""
    if usage_line_words(text) is not None:
        return None
    found = _find_tool(text)
    if found is None:
        return None
    tool, args, environment = found
    draft = _Draft()
    ca_variable = _CA_VARIABLES.get(tool)
    if ca_variable and environment.get(ca_variable):
        draft.ca_file = environment[ca_variable]
    positionals, seen = _parse_arguments(tool, args, draft)
    if tool == "wscat":
        if {"-l", "--listen"} & seen:
            return None
        if not draft.uri and positionals:
            draft.uri = positionals.pop(0)
        draft.ignored.extend(positionals)
        if draft.uri and "://" not in draft.uri:
            draft.uri = "ws://" + draft.uri  # wscat -c localhost:8080
        if not _WS_URI.match(draft.uri):
            return None
    elif tool == "websocat":
        if {"-s", "--server-mode"} & seen:
            return None
        for positional in positionals:
            match = _WEBSOCAT_ADDRESS.match(positional)
            if match and not draft.uri:
                overlays = match.group(1).lower()
                draft.reconnect = "autoreconnect:" in overlays
                draft.uri = match.group(2)
            elif positional != "-":
                draft.ignored.append(positional)
        if not draft.uri:
            return None
    else:
        for positional in positionals:
            if not draft.uri and (_WS_URI.match(positional) or _WEB_URI.match(positional)):
                draft.uri = positional
            else:
                draft.ignored.append(positional)
        if _WEB_URI.match(draft.uri):
            if not draft.upgrade:
                return None  # a plain HTTP request
            scheme, rest = draft.uri.split("://", 1)
            draft.uri = ("wss" if scheme.lower() == "https" else "ws") + "://" + rest
        elif not _WS_URI.match(draft.uri):
            return None
    return ParsedCommand(tool, draft.options(), tuple(draft.ignored))
