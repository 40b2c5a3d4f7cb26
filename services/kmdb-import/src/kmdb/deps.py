"""Dependencies of the routes, as `Annotated` aliases: the typed state the lifespan built, a
pooled MySQL connection (the primary's, or the read database's for reads that tolerate replica
lag), and the bearer token every guarded route requires."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from arq.connections import ArqRedis
from asyncmy.connection import Connection
from asyncmy.pool import Pool
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from meridian_kit.app import state_dependency
from meridian_kit.auth import (
    bearer_challenge,
    bearer_security,
    operator_of_token,
    require_key,
    write_permission,
)
from meridian_kit.errors import Unavailable
from meridian_kit.outages import Outage

from kmdb.db import execute, is_transient
from kmdb.settings import Settings
from kmdb.sources.s3 import S3Client


@dataclass(frozen=True)
class State:
    """The clients kmdb-api's lifespan builds once and closes on shutdown."""

    settings: Settings
    pool: Pool  # DATABASE_URL: writes, and reads that must see them
    read_pool: Pool  # KMDB_READ_DATABASE_URL (read-only sessions); `pool` itself when unset
    arq: ArqRedis
    s3: S3Client


StateDep = Annotated[State, Depends(state_dependency(State))]  # what the lifespan yielded


def mysql_outage(exc: BaseException) -> Unavailable | None:
    """MySQL away (db.is_transient: connection lost, timeout, server gone) is a 503; any other
    error is not an outage and goes on."""
    if is_transient(exc):
        return Unavailable("MySQL is unavailable", detail=str(exc), retry_after=5)
    return None


def read_database_outage(exc: BaseException) -> Unavailable | None:
    """The read database (KMDB_READ_DATABASE_URL) away is a 503 naming it; no fallback to the
    primary (see the README's "Read replica")."""
    if is_transient(exc):
        return Unavailable(
            "the MySQL read database (KMDB_READ_DATABASE_URL) is unavailable",
            detail=str(exc),
            retry_after=5,
        )
    return None


# The kit's one outage rule for MySQL: is_transient decides, so every exception is looked at.
MYSQL = Outage("MySQL", (Exception,), mysql_outage)
MYSQL_READ = Outage("MySQL read database", (Exception,), read_database_outage)


@asynccontextmanager
async def _pooled(pool: Pool, outage: Outage) -> AsyncIterator[Connection]:
    """A connection of `pool` reading TIMESTAMPs in UTC; `outage` turns the engine away into 503."""
    with outage.guard():
        async with pool.acquire() as conn:
            if not getattr(conn, "kmdb_utc", False):  # once per connection of the pool
                await execute(conn, "SET time_zone = '+00:00'")
                conn.kmdb_utc = True  # type: ignore[attr-defined]  # a mark of our own
            yield conn


async def get_conn(state: StateDep) -> AsyncIterator[Connection]:
    """A pooled connection to the primary (DATABASE_URL); 503 while MySQL is away (MYSQL)."""
    async with _pooled(state.pool, MYSQL) as conn:
        yield conn


async def get_read_conn(state: StateDep) -> AsyncIterator[Connection]:
    """A pooled read-only connection to KMDB_READ_DATABASE_URL (the primary when unset), for
    reads that tolerate replica lag; 503 while it is away (MYSQL_READ)."""
    outage = MYSQL_READ if state.settings.reads_elsewhere else MYSQL
    async with _pooled(state.read_pool, outage) as conn:
        yield conn


def get_settings(state: StateDep) -> Settings:
    """The service's settings."""
    return state.settings


def get_arq(state: StateDep) -> ArqRedis:
    """The arq Redis pool used to enqueue jobs."""
    return state.arq


def get_s3(state: StateDep) -> S3Client:
    """The aiobotocore S3 client."""
    return state.s3


ConnDep = Annotated[Connection, Depends(get_conn)]
ReadConnDep = Annotated[Connection, Depends(get_read_conn)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ArqDep = Annotated[ArqRedis, Depends(get_arq)]
S3Dep = Annotated[S3Client, Depends(get_s3)]

IMPORTS_UPDATE = "imports:update"  # the leader's permission an operator's write needs
_bearer = bearer_security("the service's KMDB_API_TOKEN, or a signed-in operator's token")


async def require_token(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """401 without `Authorization: Bearer <KMDB_API_TOKEN or an operator token>` or with a wrong
    one (a forged/expired operator token says why); 403 if KMDB_API_TOKEN is unset, or for an
    operator's write without imports:update."""
    presented = credentials.credentials if credentials else None
    # an operator's write (start an import, edit a filter table) needs imports:update
    if operator_of_token(presented, "kmdb-import", write_permission(request, IMPORTS_UPDATE)):
        return
    require_key(
        presented,
        settings.api_token,
        credentials="`Authorization: Bearer <KMDB_API_TOKEN or an operator token>`",
        setting="KMDB_API_TOKEN",
        disabled="kmdb API disabled: KMDB_API_TOKEN is not set",
        challenge=bearer_challenge("kmdb-import"),
    )


# A router's dependency: every route under it needs the token.
TokenDep = Depends(require_token)
