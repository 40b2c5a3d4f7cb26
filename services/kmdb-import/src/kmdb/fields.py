"""Request and response bodies."""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kmdb.dealias.ids import MAX_REVISION


class FilterKind(StrEnum):
    """The three filter tables, by their URL names."""

    ignored_users = "ignored-users"
    whitelisted_events = "whitelisted-events"
    blacklisted_properties = "blacklisted-properties"

    @property
    def table(self) -> str:
        """The MySQL table behind this kind."""
        return self.name


class FileStatus(StrEnum):
    """A revision file's state in `dumpfiles`."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


def printable(text: str) -> str:
    """Refuses control characters (newline, NUL, ...) and lone surrogates, which no URL carries."""
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        raise ValueError(f"control character U+{ord(bad):04X} is not allowed")
    return text


Printable = Annotated[str, AfterValidator(printable)]


def as_utc(value: dt.datetime) -> dt.datetime:
    """MySQL's times (DATETIME kept in UTC, TIMESTAMP read in UTC) with their zone said."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


# RFC 3339 in answers ("...Z"): a time without its offset is not a date-time to a client.
UtcDateTime = Annotated[dt.datetime, AfterValidator(as_utc)]


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


class FileOut(BaseModel):
    """One revision file's progress."""

    revision: int
    source: str
    import_id: str | None
    status: str
    job_id: str | None
    job_status: str | None = None
    length: int | None
    offset: int
    line: int
    events: int
    properties: int
    aliases: int
    skipped: int
    bad_lines: int
    error: str | None
    queued_at: UtcDateTime | None
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None


class ImportOut(BaseModel):
    """An import and the progress of each of its files."""

    import_id: str
    source: str
    force: bool
    created_at: UtcDateTime
    files: list[FileOut]
    totals: dict[str, int]


class FileErrorOut(BaseModel):
    """A bad line."""

    line: int
    reason: str
    excerpt: str


class FileErrorsOut(BaseModel):
    """A file's bad lines, by line number."""

    revision: int
    total: int
    errors: list[FileErrorOut]


class FilterIn(BaseModel):
    """A name to add to a filter table."""

    model_config = ConfigDict(strict=True, extra="forbid")

    name: Printable = Field(
        min_length=1, max_length=255, description="any text without control characters"
    )


class FilterOut(BaseModel):
    """One filter entry."""

    name: str
    created_at: UtcDateTime


class EventCount(BaseModel):
    """Events of one name on one day (UTC)."""

    day: dt.date
    name: str
    count: int


class TimelineEvent(BaseModel):
    """One event (or property set, with name null) with its properties."""

    id: int
    t: UtcDateTime
    name: str | None
    properties: dict[str, str | None]


class TimelineOut(BaseModel):
    """A user's events, found by any of their identities."""

    user_id: int
    name: str
    identities: list[str]
    events: list[TimelineEvent]
