"""The 1.x surface: every route also under `/v1/`, answering where 1.x answered differently.

Clients written for the 1.x service keep their base URL with `/v1` appended: the prefix is
taken off before routing and the request is marked, so a route can give the 1.x answer
(POST /logs: 200 `{"logId"}`; POST /analytic: `{"staticId"}`, computed at once).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

V1_PREFIX = "/v1"
_MARK = "analytics_api_v1"


class V1Prefix:
    """ASGI middleware: `/v1/<path>` is served as `/<path>`, marked as a 1.x request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # The ASGI path may start with the root path (the gateway's prefix): look after it.
            root = scope.get("root_path", "")
            path = scope.get("path", "")
            base = root if root and path.startswith(root + "/") else ""
            if path[len(base) :].startswith(V1_PREFIX + "/"):
                scope = dict(scope)
                scope["path"] = base + path[len(base) + len(V1_PREFIX) :]
                raw = scope.get("raw_path")
                marker = (base + V1_PREFIX + "/").encode()
                if isinstance(raw, bytes) and raw.startswith(marker):
                    scope["raw_path"] = base.encode() + raw[len(base) + len(V1_PREFIX) :]
                scope["state"] = {**scope.get("state", {}), _MARK: True}
        await self.app(scope, receive, send)


def is_v1(request: Request) -> bool:
    """Whether the request came through the 1.x surface (`/v1/...`)."""
    return bool(getattr(request.state, _MARK, False))
