"""A datastore outage answers 503 with Retry-After, never 500: the service degrades, it stays up."""

from __future__ import annotations

import logging

from elastic_transport import ConnectionError as EsConnectionError
from elastic_transport import ConnectionTimeout as EsTimeout
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from meridian_kit.errors import error_body
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout

log = logging.getLogger("ingest")

ENGINE_OF: dict[type[Exception], str] = {
    ServerSelectionTimeoutError: "mongodb",
    AutoReconnect: "mongodb",
    ConnectionFailure: "mongodb",
    RedisConnectionError: "redis",
    RedisTimeout: "redis",
    EsConnectionError: "elasticsearch",
    EsTimeout: "elasticsearch",
}


def install_outage_handlers(app: FastAPI) -> None:
    """Maps each engine's connection errors to a 503 naming the engine."""
    for error, engine in ENGINE_OF.items():

        async def handler(_: Request, exc: Exception, engine: str = engine) -> JSONResponse:
            log.warning("%s unavailable: %s", engine, exc)
            body = error_body(f"{engine} unavailable, retry later", type(exc).__name__)
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

        app.add_exception_handler(error, handler)
