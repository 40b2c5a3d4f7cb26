"""A bound on the requests one instance works on at once; beyond it 503 + Retry-After at once.

MAX_CONCURRENT_REQUESTS (default 256, per process) counts every HTTP request from its start to
the end of its response (server-sent event streams included); /healthz, /readyz and /metrics are
exempt so probes and scrapes still answer when the instance is full. Websockets are not counted:
a PM2 agent holds one for hours, and a session is bounded by its own protocol.
"""

from __future__ import annotations

import os

from starlette.types import ASGIApp, Receive, Scope, Send

from meridian_kit.errors import Unavailable, send_error

DEFAULT_MAX_CONCURRENT_REQUESTS = 256
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
RETRY_AFTER_SECONDS = 1


def max_concurrent_requests() -> int:
    """MAX_CONCURRENT_REQUESTS from the environment (0: no bound)."""
    return int(os.environ.get("MAX_CONCURRENT_REQUESTS", DEFAULT_MAX_CONCURRENT_REQUESTS))


class ConcurrencyLimitMiddleware:
    """Answers 503 (the app's error shape, Retry-After) past `limit` requests in progress."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app = app
        self.limit = max_concurrent_requests() if limit is None else limit
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Counts the request in, or refuses it when the instance is full."""
        if scope["type"] != "http" or self.limit <= 0 or _route_path(scope) in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            busy = Unavailable(
                f"busy: {self.active} requests in progress (MAX_CONCURRENT_REQUESTS={self.limit})",
                retry_after=RETRY_AFTER_SECONDS,
            )
            await send_error(scope, receive, send, busy)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path
