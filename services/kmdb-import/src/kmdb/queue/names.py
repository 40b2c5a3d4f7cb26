"""Queue and job names; KMDB_QUEUE keeps several imports (or test runs) apart on one Redis."""

from __future__ import annotations

from kmdb.settings import Settings

FUNCTION = "import_file"


def queue_name(settings: Settings) -> str:
    """The arq queue (a Redis sorted set) of this KMDB_QUEUE."""
    return f"arq:queue:{settings.queue}"


def job_id(settings: Settings, revision: int, generation: int, part: int = 0) -> str:
    """One job per (revision, generation, slice): enqueueing it twice is a no-op."""
    return f"{settings.queue}:rev{revision}:g{generation}:p{part}"
