"""create_service_app(): a FastAPI app with the kit's errors, request ids, health and metrics."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, FastAPI
from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp

from meridian_kit.concurrency import ConcurrencyLimitMiddleware
from meridian_kit.errors import install_error_handlers
from meridian_kit.health import Readiness
from meridian_kit.health import router as health_router
from meridian_kit.json_body import JsonBodyMiddleware, JsonRules
from meridian_kit.keep_alive import KeepAliveAfterErrors
from meridian_kit.observability import expose_prometheus, init_sentry
from meridian_kit.openapi import declare_kit_answers

S = TypeVar("S")
# A service's lifespan: opens its clients, yields its typed state object (or None), closes them.
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


# The one rule for a request id kept from a client, the gateway's too: nginx.conf.j2's map of
# $http_x_request_id holds the same class and length (tests/gateway/test_render.py checks), so the
# gateway's access log and the service's log lines name a request alike.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")


def is_safe_request_id(value: str) -> bool:
    """Keeps a client's or the gateway's request id (not only UUIDs) unless it could forge a log line."""
    return SAFE_REQUEST_ID.fullmatch(value) is not None


class ServiceApp(FastAPI):
    """FastAPI whose stack keeps a connection usable after an unhandled error (keep_alive.py),
    and whose OpenAPI declares what the kit answers itself (openapi.py)."""

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack, wrapped outside its ServerErrorMiddleware."""
        return KeepAliveAfterErrors(super().build_middleware_stack())

    def openapi(self) -> dict[str, Any]:
        """FastAPI's document plus the kit's own answers (503 busy, 400/413 JSON rule, no 422)."""
        if self.openapi_schema is None:
            self.openapi_schema = declare_kit_answers(super().openapi())
        return self.openapi_schema


@asynccontextmanager
async def _no_lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield


def service_state(app: Starlette, kind: type[S]) -> S:
    """The state object the service's lifespan yielded, as its type (a TypeError if it is not)."""
    state = getattr(app.state, "service", None)
    if not isinstance(state, kind):
        raise TypeError(f"the app's state is a {type(state).__name__}, not a {kind.__name__}")
    return state


def state_dependency(kind: type[S]) -> Callable[[HTTPConnection], Awaitable[S]]:
    """A dependency giving routes (and websockets) the service's typed state:
    `StateDep = Annotated[State, Depends(state_dependency(State))]`. It is `async` so FastAPI
    calls it in the event loop (a plain `def` dependency costs a worker-thread hop per request)."""

    async def service_state_of(connection: HTTPConnection) -> S:
        """What the service's lifespan built."""
        return service_state(connection.app, kind)

    return service_state_of


def create_service_app(
    name: str,
    *,
    version: str = "0.1.0",
    description: str = "",
    lifespan: Lifespan | None = None,
    routers: Sequence[APIRouter] = (),
    docs_url: str = "/docs",
    json_rules: JsonRules | None = None,
    raw_json_paths: Sequence[str] = (),
    max_concurrent_requests: int | None = None,
) -> FastAPI:
    """Builds a service's app; its lifespan opens clients, adds checks to app.state.readiness and
    yields the service's typed state object, kept as app.state.service for `service_state()` and
    `state_dependency()`.

    Every JSON body meets the kit's JSON rule (meridian_kit.json_body) before a route sees it,
    except on `raw_json_paths`: routes that answer a bad body in a protocol's own shape and call
    `parse_json` themselves. At most `max_concurrent_requests` (MAX_CONCURRENT_REQUESTS) requests
    run at once, beyond them 503 + Retry-After. An unhandled error answers the JSON 500 and keeps
    the connection.
    """
    init_sentry(name)
    service_lifespan = lifespan or _no_lifespan

    @asynccontextmanager
    async def lifespan_with_readiness(app: FastAPI) -> AsyncIterator[None]:
        app.state.readiness = Readiness()
        async with service_lifespan(app) as state:
            app.state.service = state
            # what start-up built lives as long as the process: keep it out of every collection
            gc.freeze()
            yield

    app = ServiceApp(
        title=name,
        version=version,
        description=description,
        lifespan=lifespan_with_readiness,
        docs_url=docs_url,
    )
    # added first, so they run innermost: the request id and the metrics see their answers
    app.add_middleware(JsonBodyMiddleware, rules=json_rules or JsonRules.from_env(raw_json_paths))
    app.add_middleware(ConcurrencyLimitMiddleware, limit=max_concurrent_requests)
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        update_request_header=True,
        validator=is_safe_request_id,
    )
    install_error_handlers(app)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    expose_prometheus(app)
    return app
