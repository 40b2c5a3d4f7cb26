"""/metrics (Prometheus) wants the read token too: it is reachable through the gateway."""

from __future__ import annotations

from meridian_kit.errors import ServiceError, error_body
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from metrics_api.access.tokens import Access, check_access
from metrics_api.settings import Settings


class GuardPrometheus:
    """Answers /metrics only to a caller with the read or the write token (401 otherwise)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, root = scope.get("path", ""), scope.get("root_path", "")
        if root and path.startswith(root + "/"):
            path = path[len(root) :]  # uvicorn puts the root path (ROOT_PATH) in front
        if scope["type"] == "http" and path == "/metrics":
            try:
                check_access(HTTPConnection(scope), self.settings, Access.READ)
            except ServiceError as exc:
                response = JSONResponse(
                    error_body(exc.message, exc.detail), exc.status_code, headers=exc.headers
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
