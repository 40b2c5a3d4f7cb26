"""This test run's isolation: its index prefix, queue and Redis key prefix, shared by every module."""

from __future__ import annotations

import os
import uuid

RUN = uuid.uuid4().hex[:8]
PREFIX = f"t-{RUN}-"


def overrides() -> dict[str, str]:
    """The env that isolates this test run (given to the app and to every subprocess)."""
    return {
        "ANALYTICS_INDEX_PREFIX": PREFIX,
        "MIGRATION_MANAGER_INDEX": f"{PREFIX}migrations",
        "ANALYTICS_QUEUE": f"analytics-{RUN}",
        "ANALYTICS_REDIS_PREFIX": f"{PREFIX}",
        "ANALYTICS_RETRY_DELAY": "1",
        "ANALYTICS_MAX_RETRIES": "5",
        "ANALYTICS_SCHEDULE_FILE": f"/tmp/{PREFIX}beat-schedule",
    }


def child_env(**extra: str) -> dict[str, str]:
    """os.environ (dev.env included) plus this run's isolation, for subprocesses."""
    return {**os.environ, **overrides(), **extra}
