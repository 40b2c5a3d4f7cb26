"""One error model for every service: raise ServiceError subclasses, get {"error", "detail"} JSON."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

log = logging.getLogger("meridian.errors")


class ServiceError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status."""

    status_code = 500

    def __init__(
        self,
        message: str,
        *,
        detail: Any = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})
        if status_code is not None:
            self.status_code = status_code


class BadRequest(ServiceError):
    status_code = 400


class Unauthorized(ServiceError):
    """Missing or wrong credentials; `challenge` becomes the WWW-Authenticate header."""

    status_code = 401

    def __init__(self, message: str, *, detail: Any = None, challenge: str | None = None):
        super().__init__(
            message, detail=detail, headers={"WWW-Authenticate": challenge} if challenge else None
        )


class Forbidden(ServiceError):
    """Valid credentials without the right to this (or the credential is not configured)."""

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
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        super().__init__(message, detail=detail, headers=headers)
        self.retry_after = retry_after


class FieldError(BaseModel):
    """One refused field: its dotted path and why."""

    field: str = Field(
        description="dotted path of the field or parameter, e.g. `data.points.3.value`"
    )
    message: str


class ErrorBody(BaseModel):
    """The JSON body of every error response of the kit's services."""

    error: str = Field(description="what went wrong, in one line")
    detail: Any = Field(
        None, description="more about it; for a refused request a list of FieldError objects"
    )


_DESCRIPTIONS = {
    400: "Bad request: a malformed or refused body or parameter (`detail` names each field)",
    401: "Missing or wrong credentials",
    403: "Valid credentials without the right to this, or this API is disabled",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the current state",
    413: "Payload too large",
    422: "Unprocessable content",
    429: "Too many requests; retry after `Retry-After` seconds",
    500: "Internal error",
    502: "A peer answered wrongly",
    503: "Unavailable (a datastore is down, or the instance is busy); retry after `Retry-After`",
    504: "A peer did not answer in time",
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "the scheme the credentials are expected in",
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}


def error_responses(
    *codes: int, model: type[BaseModel] = ErrorBody
) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route answering these error codes with `model` (ErrorBody by default)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {"model": model, "description": _DESCRIPTIONS.get(code, "Error")}
        if code in _HEADERS:
            entry["headers"] = _HEADERS[code]
        out[code] = entry
    return out


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
        return JSONResponse(
            error_body(exc.message, exc.detail),
            status_code=exc.status_code,
            headers=exc.headers or None,
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

    @app.exception_handler(ClientDisconnect)
    async def _client_left(request: Request, _: ClientDisconnect) -> JSONResponse:
        # the client closed the connection (or was cut by the body timeout): nobody reads this
        log.info("client left during %s %s", request.method, request.url.path)
        return JSONResponse(error_body("client disconnected"), status_code=400)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal error"), status_code=500)


async def answer_error(request: Request, exc: ServiceError) -> Response:
    """`exc` answered by the app's own handler of it (so its error shape), else the kit's shape."""
    handlers = getattr(request.scope.get("app"), "exception_handlers", None) or {}
    handler = next((handlers[c] for c in type(exc).__mro__ if c in handlers), None)
    if handler is None:
        return JSONResponse(
            error_body(exc.message, exc.detail),
            status_code=exc.status_code,
            headers=exc.headers or None,
        )
    response = handler(request, exc)
    if inspect.isawaitable(response):
        response = await response
    assert isinstance(response, Response)
    return response


async def send_error(scope: Scope, receive: Receive, send: Send, exc: ServiceError) -> None:
    """Answers from an ASGI middleware through the app's own handler of `exc` (so its error shape)."""
    response = await answer_error(Request(scope, receive), exc)
    await response(scope, receive, send)
