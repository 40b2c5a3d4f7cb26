"""CORS for a browser admin app: the origins come from config-leader.json (`cors.origins`).

Preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) are answered before
any route or credential check; an origin not listed gets no CORS headers (the browser then
refuses the answer). No origin listed: no CORS at all, as before. Credentials travel in the
`Authorization` header, never in cookies, so `Access-Control-Allow-Credentials` is not sent.
"""

from __future__ import annotations

from meridian_kit.app import service_state
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from config_leader.state import LeaderState

ALLOWED_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "X-Request-ID"]
EXPOSED_HEADERS = ["Retry-After", "WWW-Authenticate", "X-Request-ID"]
PREFLIGHT_MAX_AGE = 600


class ConfiguredCors:
    """Starlette's CORS middleware, built on the first request from the loaded configuration."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.cors: ASGIApp | None = None

    def _build(self, scope: Scope) -> ASGIApp:
        origins = list(service_state(scope["app"], LeaderState).config.cors.origins)
        if not origins:
            return self.app
        return CORSMiddleware(
            self.app,
            allow_origins=origins,
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.cors is None:
            self.cors = self._build(scope)
        await self.cors(scope, receive, send)
