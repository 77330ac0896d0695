"""Headers, access log, CSRF and the sign-in rate limit: the portal's defences that are not identity."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOG = logging.getLogger("campaign.web.access")

# No inline script or style anywhere (the pages use one stylesheet and no JavaScript at all);
# forms post only to ourselves; nobody may frame the portal (clickjacking of the upload form).
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # The sign-in URL holds the token: it must never travel on as a Referer.
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    # Pages show one enterprise's data: no shared or browser cache keeps them after sign-out.
    (b"cache-control", b"no-store"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")

_TOKEN_PATH = re.compile(r"^/l/[^/?]*")


def redact_path(path: str) -> str:
    """The path as it may appear in a log: the sign-in token is replaced."""
    return _TOKEN_PATH.sub("/l/***", path)


class SecurityHeaders:
    """Pure ASGI (no body buffering, so uploads still stream): headers on every response, and one
    access-log line per request with the token redacted (uvicorn's own access log is switched off)."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [0]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [h for h in HEADERS if h[0] not in names]
                if self.https:
                    extra.append(HSTS)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            client = (scope.get("client") or ("-", 0))[0]
            ACCESS_LOG.info(
                '%s "%s %s" %s %.0fms',
                client,
                scope["method"],
                redact_path(scope["path"]),
                status[0],
                (time.perf_counter() - started) * 1000,
            )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """Synchroniser token: the form's hidden field must equal the one kept in the signed session."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class RateLimiter:
    """At most `limit` events per `window` seconds per key (the client address), in this process.

    One portal process per deployment is the design; several processes behind a balancer each
    enforce the limit separately (the reverse proxy can add a shared one).
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10_000:  # forget idle addresses so the table cannot grow without bound
                for k in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                    del self._events[k]
            return True

    def retry_after(self, key: str) -> int:
        with self._lock:
            events = self._events.get(key)
            if not events:
                return 0
            return max(1, int(events[0] + self.window - self.clock()) + 1)
