"""The reconnect policy: how long to wait, and which failures are worth another attempt.

It follows websockets' own `connect()` iterator: the same backoff shape (websockets 17.x
defaults, tunable per connection instead of through import-time environment variables) and
the same idea of retryable failures, made stricter where a retry can't help (TLS).
"""

from __future__ import annotations

import ssl
from collections.abc import Generator
from dataclasses import dataclass

from websockets.client import backoff
from websockets.client import process_exception as library_process_exception
from websockets.exceptions import ConnectionClosed

# websockets 17.x's backoff defaults (websockets/client.py): a random first delay in
# 0..initial, then min_delay growing by factor per attempt, capped at max_delay.
DEFAULT_INITIAL_DELAY = 5.0
DEFAULT_MIN_DELAY = 3.1
DEFAULT_FACTOR = 1.618
DEFAULT_MAX_DELAY = 90.0

# The settings form's ranges (wsinspector.qt.forms.connection_form): delays in seconds with two
# decimals, the factor with three.
RECONNECT_DELAY_MAX = 3600.0
RECONNECT_MIN_DELAY_MIN = 0.01
RECONNECT_FACTOR_MIN = 1.0
RECONNECT_FACTOR_MAX = 10.0
RECONNECT_FACTOR_DECIMALS = 3
RECONNECT_ATTEMPTS_MAX = 1_000_000

# A connection that ends sooner than this after opening is treated like a failed attempt.
STABLE_CONNECTION_SECONDS = 2.0

# Close codes after which the same server may well accept us again.
RECONNECT_CLOSE_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """When and how fast to reconnect after a drop or a failed attempt.

    `max_attempts` 0 means forever. `jitter` makes the first delay random in 0..initial_delay,
    as websockets (and RFC 6455 §7.2.3) do; without it the first delay is initial_delay.
    `on_clean_close` also reconnects after the server closes normally (1000).
    """

    enabled: bool = False
    initial_delay: float = DEFAULT_INITIAL_DELAY
    min_delay: float = DEFAULT_MIN_DELAY
    factor: float = DEFAULT_FACTOR
    max_delay: float = DEFAULT_MAX_DELAY
    max_attempts: int = 0
    jitter: bool = True
    on_clean_close: bool = False

    def delays(self) -> Generator[float]:
        """A fresh, endless sequence of delays in seconds."""
        min_delay = min(self.min_delay, self.max_delay)
        if self.jitter:
            yield from backoff(
                initial_delay=min(self.initial_delay, self.max_delay),
                min_delay=min_delay,
                max_delay=self.max_delay,
                factor=self.factor,
            )
            return
        yield min(self.initial_delay, self.max_delay)
        delay = min_delay
        while True:
            yield delay
            delay = min(delay * self.factor, self.max_delay)


def failure_is_retryable(exc: Exception) -> bool:
    """Whether a failed connection attempt is worth another one.

    websockets' own rule (network errors, timeouts, EOF during the handshake, HTTP 500/502/
    503/504), except TLS errors: ssl.SSLError is an OSError to the library, but a certificate
    that isn't trusted now won't be trusted in five seconds either.
    """
    if isinstance(exc, ssl.SSLError):
        return False
    return library_process_exception(exc) is None


def close_is_retryable(closed: ConnectionClosed, policy: ReconnectPolicy) -> bool:
    """Whether a connection that ended this way (not at the user's request) should be re-opened."""
    if closed.rcvd is None:
        # The server sent no close frame: the TCP connection went away (1006), or this client
        # gave up on it (keepalive timeout → 1011). A protocol complaint of ours would recur.
        return closed.sent is None or closed.sent.code in RECONNECT_CLOSE_CODES
    if closed.rcvd_then_sent is False:
        return False  # this client started the closing handshake
    code = closed.rcvd.code
    if code in (1000, 1005):
        return policy.on_clean_close
    return code in RECONNECT_CLOSE_CODES
