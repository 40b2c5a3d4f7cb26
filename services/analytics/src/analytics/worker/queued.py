"""A Redis marker per queued job, so a job already waiting is never queued a second time.

The marker holds the job's id and is set (SET NX, with a TTL) before the job is sent; the job
removes it when it ends (done, the analytic gone, or out of retries), only if it still holds its
own id; the fan-out over every analytic keeps its marker a cool-down longer, so it runs at most
once per cool-down however often it is asked for. A worker that dies mid-job leaves the marker: Celery redelivers the job (acks late), and
it is still the one queued. The TTL only frees a marker whose job was never sent (the sender
died in between).
"""

from __future__ import annotations

import uuid
from typing import Any

# Deletes the key only while it still names this job (a newer job's marker stays).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


# Keeps the key only for a while longer, while it still names this job.
_SETTLE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('expire', KEYS[1], ARGV[2])
end
return 0
"""


def marker_key(prefix: str, job: str) -> str:
    """The marker of one job: `update_analytic:<id>` or `update_analytics:<window type|all>`."""
    return f"{prefix}analytics:queued:{job}"


def new_job_id() -> str:
    """A fresh Celery task id, chosen before sending so the marker can name it."""
    return str(uuid.uuid4())


def release(redis: Any, key: str, job_id: str) -> None:
    """Removes a marker if it still names this job (sync client: called from the worker)."""
    redis.eval(_RELEASE, 1, key, job_id)


def settle(redis: Any, key: str, job_id: str, seconds: int) -> None:
    """Lets a finished job's marker live `seconds` more (a cool-down), or removes it at 0."""
    if seconds <= 0:
        release(redis, key, job_id)
    else:
        redis.eval(_SETTLE, 1, key, job_id, seconds)


async def release_async(redis: Any, key: str, job_id: str) -> None:
    """Removes a marker if it still names this job (async client: called from the API)."""
    await redis.eval(_RELEASE, 1, key, job_id)
