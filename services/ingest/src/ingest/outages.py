"""The one outage rule: an engine that does not answer is the kit's `Unavailable` (503 with
Retry-After, naming the engine), answered by the kit's one ServiceError handler — never a 500.

Stores let their engine's connection errors rise; each engine's `Outage` (meridian_kit.outages)
names them, and `answer_engine_outages` has the kit answer them for every route.
"""

from __future__ import annotations

from elastic_transport import ConnectionError as EsConnectionError
from elastic_transport import ConnectionTimeout as EsTimeout
from fastapi import FastAPI
from meridian_kit.errors import Unavailable
from meridian_kit.outages import Outage, answer_outages
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout

RETRY_AFTER = 5


def _unavailable(engine: str) -> Outage:
    """An engine whose listed errors are all outages: its name and the error's type as detail."""

    def rule(exc: BaseException) -> Unavailable:
        return Unavailable(
            f"{engine} unavailable, retry later", detail=type(exc).__name__, retry_after=RETRY_AFTER
        )

    errors: dict[str, tuple[type[Exception], ...]] = {
        "mongodb": (ServerSelectionTimeoutError, AutoReconnect, ConnectionFailure),
        "redis": (RedisConnectionError, RedisTimeout),
        "elasticsearch": (EsConnectionError, EsTimeout),
    }
    return Outage(engine, errors[engine], rule)


MONGODB = _unavailable("mongodb")
REDIS = _unavailable("redis")
ELASTICSEARCH = _unavailable("elasticsearch")


def answer_engine_outages(app: FastAPI) -> None:
    """Each engine's connection errors escaping a route are its Unavailable, answered by the kit."""
    answer_outages(app, MONGODB, REDIS, ELASTICSEARCH)
