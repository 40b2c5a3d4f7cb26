"""Where the original's clients find this API besides its own root.

- `/v1/<path>`: the 1.x surface. Clients written for 1.x keep their base URL with `/v1`
  appended; the request is marked so a route gives the 1.x answer where it differed
  (POST /logs: 200 `{"logId"}`; POST /analytic: `{"staticId"}`, computed at once).
- `/logger/<path>`: the original's clients and scripts call `<INSTANCE>/logger/...` (its mount
  on the platform); the gateway's root route `/logger/` passes those paths as they are.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

V1_PREFIX = "/v1"
ORIGINAL_MOUNT = "/logger"
_MARK = "analytics_api_v1"


def _strip(scope: Scope, base: str, prefix: str) -> Scope:
    """The scope with `prefix` taken off its path (after `base`, the root path)."""
    scope = dict(scope)
    path = scope["path"]
    scope["path"] = base + path[len(base) + len(prefix) :]
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw.startswith((base + prefix + "/").encode()):
        scope["raw_path"] = base.encode() + raw[len(base) + len(prefix) :]
    return scope


class OriginalPaths:
    """ASGI middleware: `/logger/<path>` and `/v1/<path>` are served as `/<path>`, the latter
    marked as a 1.x request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # The ASGI path may start with the root path (the gateway's prefix): look after it.
            root = scope.get("root_path", "")
            path = scope.get("path", "")
            base = root if root and path.startswith(root + "/") else ""
            if path[len(base) :].startswith(ORIGINAL_MOUNT + "/"):
                scope = _strip(scope, base, ORIGINAL_MOUNT)
                path = scope["path"]
            if path[len(base) :].startswith(V1_PREFIX + "/"):
                scope = _strip(scope, base, V1_PREFIX)
                scope["state"] = {**scope.get("state", {}), _MARK: True}
        await self.app(scope, receive, send)


def is_v1(request: Request) -> bool:
    """Whether the request came through the 1.x surface (`/v1/...`)."""
    return bool(getattr(request.state, _MARK, False))
