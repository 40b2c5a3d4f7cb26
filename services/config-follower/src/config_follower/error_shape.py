"""The original follower's error body, `{"error": {"message": "..."}}`, on its route /notify.

The kit answers `{"error": "...", "detail": ...}`; on /notify the same errors (from the route,
the key check, the JSON-body middleware or routing) are re-shaped, `detail` kept inside.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from meridian_kit.errors import ServiceError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PRYV_PATHS = ("/notify",)
_KEPT_HEADERS = ("www-authenticate", "retry-after", "allow")


class PryvErrorMessage(BaseModel):
    """What went wrong."""

    message: str
    detail: Any = Field(None, description="more about it")


class PryvErrorBody(BaseModel):
    """The original follower's error body."""

    error: PryvErrorMessage


def _nest(response: Response) -> JSONResponse:
    body = json.loads(bytes(response.body))
    nested: dict[str, Any] = {"message": body.get("error", "error")}
    if body.get("detail") is not None:
        nested["detail"] = body["detail"]
    headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    return JSONResponse({"error": nested}, status_code=response.status_code, headers=headers)


def install_pryv_error_shape(app: FastAPI) -> None:
    """Errors on the original's paths answer in its shape; elsewhere the kit's, unchanged."""
    for kind in (ServiceError, RequestValidationError, StarletteHTTPException):
        kit_handler = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception, kit_handler: Any = kit_handler) -> Any:
            response = kit_handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
            path = request.scope["path"].rstrip("/") or "/"
            return _nest(response) if path in PRYV_PATHS else response

        app.add_exception_handler(kind, handler)
