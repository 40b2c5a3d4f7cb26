"""Bodies of the imports routes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from kmdb.dealias.ids import MAX_REVISION
from kmdb.fields import Printable, UtcDateTime
from kmdb.files.schemas import FileOut


class ImportRequest(BaseModel):
    """Start an import: probe revisions from min_revision (else after the last known one)."""

    # Strict: "force": "yes" or "min_revision": "7" are refused, as are unknown fields.
    model_config = ConfigDict(strict=True, extra="forbid")

    source: Printable | None = Field(
        None,
        max_length=1024,
        description="s3://bucket[/prefix] or file:///dir; default s3://AWS_BUCKET",
    )
    min_revision: int | None = Field(None, ge=0, le=MAX_REVISION)
    lookahead: int | None = Field(None, ge=1, le=1000)
    force: bool = False


class ImportStartedOut(BaseModel):
    """What an import enqueued."""

    import_id: str
    source: str
    enqueued: list[int]
    resumed: list[int]
    already_done: list[int]


class ImportOut(BaseModel):
    """An import and the progress of each of its files."""

    import_id: str
    source: str
    force: bool
    created_at: UtcDateTime
    files: list[FileOut]
    totals: dict[str, int]


class DayCount(BaseModel):
    """Events on one UTC day."""

    day: dt.date
    count: int


class ImportDaysOut(BaseModel):
    """An import's own events per UTC day: the rows made from its files (days without any left out)."""

    import_id: str
    revisions: int = Field(description="the import's files, whose rows are counted")
    total: int
    days: list[DayCount]
