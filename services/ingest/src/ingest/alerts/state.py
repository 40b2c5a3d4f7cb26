"""Alert state in Redis, shared by every instance: since when a threshold holds for a process, the
restart count last seen, and each rule's cooldown per process (so an alert mails once)."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from ingest.keys import RedisKeys


@dataclass(frozen=True)
class Reading:
    """One process's value against one threshold rule, at one receive time."""

    rule: str
    server: str
    process: str
    breached: bool
    ttl_ms: int


class AlertState:
    """The alert keys of keys.py: `alert_since`, `restarts`, `alert_cooldown`."""

    def __init__(self, redis: Redis, keys: RedisKeys):
        self.redis = redis
        self.keys = keys

    async def since(self, readings: list[Reading], now_ms: int) -> list[int | None]:
        """For each reading, since when its threshold has held (started now when it just began;
        None, and forgotten, when it does not hold), in one round trip."""
        out: list[int | None] = [None] * len(readings)
        if not readings:
            return out
        places: list[tuple[int, int]] = []  # reading, index of its GET in the pipeline's results
        async with self.redis.pipeline(transaction=False) as pipe:
            for n, reading in enumerate(readings):
                key = self.keys.alert_since(reading.rule, reading.server, reading.process)
                if reading.breached:
                    pipe.set(key, now_ms, nx=True, px=reading.ttl_ms)
                    places.append((n, len(pipe)))
                    pipe.get(key)
                else:
                    pipe.delete(key)
            results = await pipe.execute()
        for n, index in places:
            out[n] = int(results[index] or now_ms)
        return out

    async def restarts_seen(self, bucket: str, server: str, process: str, count: int) -> int | None:
        """Records a process's restart count; the one recorded before (None the first time)."""
        previous = await self.redis.getset(self.keys.restarts(bucket, server, process), count)
        return int(previous) if previous is not None else None

    async def cool_down(self, rule: str, server: str, process: str, seconds: int) -> bool:
        """Starts a rule's cooldown for a process; False when one is running already."""
        key = self.keys.alert_cooldown(rule, server, process)
        return bool(await self.redis.set(key, "1", nx=True, ex=seconds))
