"""A fixed-window call limit kept in Redis, so every instance behind the gateway shares it."""

from __future__ import annotations

import logging
import time

from meridian_kit.errors import ServiceError, Unavailable
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("analytics.ratelimit")


class RateLimited(ServiceError):
    """Too many calls in the current window; retry after `retry_after` seconds."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


async def check_rate(redis: Redis, key: str, *, limit: int, window: int) -> None:
    """Counts one call in the current window; RateLimited past `limit` (0 turns the limit off)."""
    if limit <= 0:
        return
    now = time.time()
    start = int(now // window) * window
    counter = f"{key}:{start}"
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(counter)
            pipe.expire(counter, window + 1)
            calls, _ = await pipe.execute()
    except RedisError as exc:
        log.warning("rate limit store unavailable: %s", exc)
        raise Unavailable("the job broker is not answering, retry later", retry_after=5) from exc
    if int(calls) > limit:
        retry_after = max(1, int(start + window - now + 0.999))
        raise RateLimited(
            f"at most {limit} calls every {window} s; retry in {retry_after} s",
            retry_after=retry_after,
        )
