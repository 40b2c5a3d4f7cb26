"""Queue and job names; KMDB_QUEUE keeps several imports (or test runs) apart on one Redis."""

from __future__ import annotations

import uuid

from kmdb.settings import Settings

FUNCTION = "import_file"


def queue_name(settings: Settings) -> str:
    """The arq queue (a Redis sorted set) of this KMDB_QUEUE."""
    return f"arq:queue:{settings.queue}"


def job_id(settings: Settings, revision: int, generation: int) -> str:
    """The first job of a (revision, generation); a random part keeps old results from clashing."""
    return f"{settings.queue}:rev{revision}:g{generation}:{uuid.uuid4().hex[:8]}:p0"


def next_job_id(current: str) -> str:
    """The id of the job continuing a file after `current` (…:p3 -> …:p4)."""
    stem, _, part = current.rpartition(":p")
    return f"{stem}:p{int(part) + 1}"
