"""The one outage rule: an engine that does not answer is the kit's `Unavailable` (503 with
Retry-After, naming the engine), answered by the kit's one ServiceError handler — never a 500.

Stores let their engine's connection errors rise; the table below names the engine of each, and
`engine_outage` turns one into the Unavailable the app answers with.
"""

from __future__ import annotations

import inspect
import logging

from elastic_transport import ConnectionError as EsConnectionError
from elastic_transport import ConnectionTimeout as EsTimeout
from fastapi import FastAPI, Request
from fastapi.responses import Response
from meridian_kit.errors import ServiceError, Unavailable
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout

log = logging.getLogger("ingest")

RETRY_AFTER = 5
ENGINE_OF: dict[type[Exception], str] = {
    ServerSelectionTimeoutError: "mongodb",
    AutoReconnect: "mongodb",
    ConnectionFailure: "mongodb",
    RedisConnectionError: "redis",
    RedisTimeout: "redis",
    EsConnectionError: "elasticsearch",
    EsTimeout: "elasticsearch",
}


def engine_outage(exc: Exception) -> Unavailable:
    """The Unavailable an engine's connection error is answered with."""
    engine = next((name for kind, name in ENGINE_OF.items() if isinstance(exc, kind)), "storage")
    return Unavailable(
        f"{engine} unavailable, retry later", detail=type(exc).__name__, retry_after=RETRY_AFTER
    )


def install_outage_handlers(app: FastAPI) -> None:
    """Answers each engine's connection errors as `engine_outage` says, through the kit's handler."""

    async def outage(request: Request, exc: Exception) -> Response:
        answer = engine_outage(exc)
        log.warning("%s on %s %s: %r", answer.message, request.method, request.url.path, exc)
        response = app.exception_handlers[ServiceError](request, answer)
        return await response if inspect.isawaitable(response) else response

    for error in ENGINE_OF:
        app.add_exception_handler(error, outage)
