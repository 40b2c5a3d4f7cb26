"""The original's error shape, `{"status": "...", "code": N}`, for every error of this service."""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import ApiError as EsApiError
from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import ConnectionTimeout as EsConnectionTimeout
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from meridian_kit.errors import ServiceError, Unavailable, error_responses
from meridian_kit.outages import Outage, answer_outages
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("analytics.errors")

_PREFIX = {
    400: "Malformed request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class StoreFailed(Unavailable):
    """Elasticsearch did not store some documents for reasons of its own; a retry may succeed
    (re-sent, they are stored once: trace ids are derived from their identity)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message}; retry later", retry_after=5)


def _elasticsearch_unavailable(exc: BaseException) -> Unavailable | None:
    """Not answering or overloaded → Unavailable (503 + Retry-After); any other refusal is not
    an outage (None): it is the unhandled-error answer, a 500 logged with its trace."""
    if isinstance(exc, EsConnectionError | EsConnectionTimeout):
        return Unavailable("Elasticsearch is not answering, retry later", retry_after=5)
    if isinstance(exc, EsApiError) and exc.status_code in (429, 503):
        return Unavailable("Elasticsearch is overloaded, retry later", retry_after=5)
    return None


# The kit's one outage rule (meridian_kit.outages) for every route's Elasticsearch calls.
ELASTICSEARCH = Outage(
    "Elasticsearch",
    (EsConnectionError, EsConnectionTimeout, EsApiError),
    _elasticsearch_unavailable,
)


class StatusBody(BaseModel):
    """Every error answer: `{"status": "<Reason>: <what>", "code": N}` (the original's shape)."""

    status: str
    code: int


def status_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for these error codes (400, 401 and 503 always), in the original's shape."""
    return error_responses(*sorted({400, 401, 503, *codes}), model=StatusBody)


def status_body(code: int, message: str) -> dict[str, Any]:
    """`{"status": "<Reason>: <message>", "code": N}` as the original answered."""
    prefix = _PREFIX.get(code, "Error")
    text = message if message.startswith(prefix) else f"{prefix}: {message}"
    return {"status": text, "code": code}


def describe_validation(exc: RequestValidationError) -> str:
    """Names every bad field as a dotted path with its reason."""
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        # Discriminated unions add the tag to the path ("request", "text"): keep it, it helps.
        field = ".".join(loc) or "body"
        parts.append(f"{field}: {err.get('msg', 'invalid')}")
    return "; ".join(parts[:10])


def status_response(exc: ServiceError) -> JSONResponse:
    """A service error in the original's shape, with its headers."""
    # its headers: Retry-After of an Unavailable, WWW-Authenticate of an Unauthorized
    return JSONResponse(
        status_body(exc.status_code, exc.message), exc.status_code, headers=exc.headers or None
    )


def install_status_errors(app: FastAPI) -> None:
    """Replaces the kit's `{"error","detail"}` handlers with the original's shape.

    Every outage is a ServiceError (Unavailable: 503 + Retry-After) answered by the one
    ServiceError handler: the Elasticsearch client's own exceptions through the kit's
    `answer_outages`; one that is not an outage (a refusal) is the logged 500 below.
    """
    answer_outages(app, ELASTICSEARCH)

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return status_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_body(400, describe_validation(exc)), 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            status_body(exc.status_code, str(exc.detail)), exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(status_body(500, "something went wrong"), 500)
