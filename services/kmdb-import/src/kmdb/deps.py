"""Dependencies of the routes: the clients the lifespan built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from asyncmy.connection import Connection
from fastapi import Depends, Request
from meridian_kit.errors import Unavailable

from kmdb.db import execute, is_transient
from kmdb.settings import Settings


async def get_conn(request: Request) -> AsyncIterator[Connection]:
    """A pooled MySQL connection reading TIMESTAMPs in UTC; 503 while MySQL is away."""
    try:
        async with request.app.state.pool.acquire() as conn:
            if not getattr(conn, "kmdb_utc", False):  # once per connection of the pool
                await execute(conn, "SET time_zone = '+00:00'")
                conn.kmdb_utc = True
            yield conn
    except Exception as exc:
        if is_transient(exc):
            raise Unavailable("MySQL is unavailable", detail=str(exc), retry_after=5) from None
        raise


def get_settings(request: Request) -> Settings:
    """The service's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


def get_arq(request: Request) -> Any:
    """The arq Redis pool used to enqueue jobs."""
    return request.app.state.arq


def get_s3(request: Request) -> Any:
    """The aiobotocore S3 client."""
    return request.app.state.s3


ConnDep = Annotated[Connection, Depends(get_conn)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ArqDep = Annotated[Any, Depends(get_arq)]
S3Dep = Annotated[Any, Depends(get_s3)]
