"""Redis clients from a URL: a plain redis:// URL, or Sentinel's redis+sentinel:// one.

`redis+sentinel://[user:password@]h1:26379,h2:26379,h3:26379/<master>/<db>` names the Sentinels
(comma-separated host:port, port 26379 when left out), the master's name they watch, and the
database (0 when left out); a password is the master's and its replicas'. A client built from it asks
the Sentinels for the current master on each new connection, so after a failover it reconnects to
the promoted replica. Every other URL goes to the library's own `from_url` unchanged.

The asyncio clients keep a task's cancellation: redis-py bounds each write with `asyncio.wait_for`,
which on Python 3.11 returns the write's result and drops a cancellation arriving as the write
completes (CPython gh-86296), so a cancelled consumer loop went on forever. Their connections raise
that cancellation after the write (and drop the connection, whose reply is never read).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, overload
from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.sentinel import Sentinel

if TYPE_CHECKING:
    from arq.connections import RedisSettings

SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379

AsyncRedisT = TypeVar("AsyncRedisT", bound=redis.asyncio.Redis)


@dataclass(frozen=True)
class SentinelUrl:
    """The parts of a redis+sentinel:// URL."""

    sentinels: list[tuple[str, int]]
    master: str
    db: int = 0
    username: str | None = None
    password: str | None = None


def parse_sentinel_url(url: str) -> SentinelUrl | None:
    """The Sentinels, master name and database of a redis+sentinel:// URL; None for any other."""
    parts = urlsplit(url)
    if parts.scheme != SCHEME:
        return None
    hosts = parts.netloc.rpartition("@")[2]
    sentinels = []
    for host in hosts.split(","):
        name, _, port = host.strip().rpartition(":") if ":" in host else (host.strip(), "", "")
        if not name:
            raise ValueError(f"{SCHEME} URL: empty Sentinel host in {hosts!r}")
        try:
            sentinels.append((name, int(port) if port else SENTINEL_PORT))
        except ValueError:
            raise ValueError(f"{SCHEME} URL: bad Sentinel port in {host!r}") from None
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2:
        raise ValueError(
            f"{SCHEME} URL: the path must be /<master name>[/<db>], not {parts.path!r}"
        )
    if len(path) == 2 and not path[1].isdigit():
        raise ValueError(f"{SCHEME} URL: the database must be a number, not {path[1]!r}")
    return SentinelUrl(
        sentinels=sentinels,
        master=unquote(path[0]),
        db=int(path[1]) if len(path) == 2 else 0,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _master_kwargs(target: SentinelUrl, kwargs: dict[str, Any]) -> dict[str, Any]:
    auth = {"username": target.username, "password": target.password}
    return {"db": target.db, **{k: v for k, v in auth.items() if v}, **kwargs}


def _sentinel_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    # The Sentinels get the same socket timeouts as the master: an unreachable one must not hang.
    keys = ("socket_timeout", "socket_connect_timeout")
    return {k: kwargs[k] for k in keys if k in kwargs}


class _KeepsCancellation:
    """Mixed into an asyncio connection class: a cancellation its write swallowed is raised."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        task = asyncio.current_task()
        requested = task.cancelling() if task else 0
        await super().send_packed_command(command, check_health)  # type: ignore[misc]
        if task is not None and task.cancelling() > requested:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            raise asyncio.CancelledError


@functools.cache
def _keeping(base: type) -> type:
    """The connection class `base` with _KeepsCancellation mixed in (one per class)."""
    return type(base.__name__, (_KeepsCancellation, base), {})


def _keeps_cancellation(client: AsyncRedisT) -> AsyncRedisT:
    """The client, its pool making connections of its class with _KeepsCancellation mixed in."""
    pool = client.connection_pool
    pool.connection_class = _keeping(pool.connection_class)  # type: ignore[arg-type] # a class hashes
    return client


@overload
def async_redis(url: str, *, redis_class: type[AsyncRedisT], **kwargs: Any) -> AsyncRedisT: ...
@overload
def async_redis(url: str, **kwargs: Any) -> redis.asyncio.Redis: ...
def async_redis(
    url: str, *, redis_class: type[redis.asyncio.Redis] = redis.asyncio.Redis, **kwargs: Any
) -> redis.asyncio.Redis:
    """An asyncio client (redis_class, e.g. arq's ArqRedis) for the URL; connects lazily."""
    target = parse_sentinel_url(url)
    if target is None:
        return _keeps_cancellation(redis_class.from_url(url, **kwargs))
    sentinel = AsyncSentinel(target.sentinels, sentinel_kwargs=_sentinel_kwargs(kwargs))
    for asked in sentinel.sentinels:  # asked for the master on each new connection
        _keeps_cancellation(asked)
    master = sentinel.master_for(
        target.master, redis_class=redis_class, **_master_kwargs(target, kwargs)
    )
    return _keeps_cancellation(master)


def sync_redis(url: str, **kwargs: Any) -> redis.Redis:
    """A blocking client for the URL; connects lazily."""
    target = parse_sentinel_url(url)
    if target is None:
        return redis.Redis.from_url(url, **kwargs)
    sentinel = Sentinel(target.sentinels, sentinel_kwargs=_sentinel_kwargs(kwargs))
    return sentinel.master_for(target.master, **_master_kwargs(target, kwargs))


def celery_url(url: str) -> tuple[str, dict[str, Any]]:
    """Celery's broker (or result backend) URL and transport options for the URL: Sentinel's as
    `sentinel://h1:26379/db;sentinel://h2:26379/db` with the master's name in the options."""
    target = parse_sentinel_url(url)
    if target is None:
        return url, {}
    auth = ""
    if target.password:
        auth = f"{target.username or ''}:{target.password}@"
    hosts = ";".join(
        f"sentinel://{auth}{host}:{port}/{target.db}" for host, port in target.sentinels
    )
    return hosts, {"master_name": target.master}


def arq_settings(url: str) -> RedisSettings:
    """arq's RedisSettings for the URL (for a worker or create_pool)."""
    from arq.connections import RedisSettings

    target = parse_sentinel_url(url)
    if target is None:
        return RedisSettings.from_dsn(url)
    return RedisSettings(
        host=target.sentinels,
        sentinel=True,
        sentinel_master=target.master,
        database=target.db,
        username=target.username,
        password=target.password,
    )
