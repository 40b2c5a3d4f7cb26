"""One error model for every service: raise ServiceError subclasses, get {"error", "detail"} JSON."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("meridian.errors")


class ServiceError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status."""

    status_code = 500

    def __init__(self, message: str, *, detail: Any = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code


class BadRequest(ServiceError):
    status_code = 400


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class PayloadTooLarge(ServiceError):
    status_code = 413


class Unavailable(ServiceError):
    """A datastore or peer is down; the client may retry later."""

    status_code = 503

    def __init__(self, message: str, *, detail: Any = None, retry_after: int | None = None):
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


def error_body(message: str, detail: Any = None) -> dict[str, Any]:
    """The JSON shape of every error response."""
    return {"error": message, "detail": detail}


def validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Names each bad field as a dotted path, with the reason."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        out.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Registers the handlers that turn every error into the one JSON shape."""

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        headers = {}
        if isinstance(exc, Unavailable) and exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        return JSONResponse(
            error_body(exc.message, exc.detail), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = validation_detail(exc)
        fields = ", ".join(d["field"] for d in detail)
        return JSONResponse(error_body(f"invalid request: {fields}", detail), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal error"), status_code=500)
