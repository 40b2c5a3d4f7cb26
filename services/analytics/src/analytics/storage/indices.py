"""Index names: one daily index per kind (`message-`, `analytic-`, `logging-YYYY-MM-DD`).

The project is a field of each document, never part of an index name, so the number of indices
does not grow with the number of projects (a node holds at most 1,000 shards).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_ZERO = timedelta(0)


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, as Elasticsearch does."""
    # By hand rather than astimezone(): pydantic's parsed tzinfo makes that call slow.
    offset = moment.utcoffset()
    if offset is None or offset == _ZERO:
        return moment.replace(tzinfo=UTC)
    return (moment.replace(tzinfo=None) - offset).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Indices:
    """Every index name the service uses, under one prefix (empty in production)."""

    prefix: str = ""

    def message(self, moment: datetime) -> str:
        """The daily message index a message with this timestamp goes to."""
        return f"{self.prefix}message-{as_utc(moment):%Y-%m-%d}"

    def analytic(self, moment: datetime) -> str:
        """The daily analytic index an analytic created at this moment goes to."""
        return f"{self.prefix}analytic-{as_utc(moment):%Y-%m-%d}"

    def log(self, moment: datetime) -> str:
        """The daily log index a log with this timestamp goes to (every project's)."""
        return f"{self.prefix}logging-{as_utc(moment):%Y-%m-%d}"

    @property
    def messages(self) -> str:
        """Every message index."""
        return f"{self.prefix}message-*"

    @property
    def analytics(self) -> str:
        """Every analytic index."""
        return f"{self.prefix}analytic-*"

    @property
    def logs(self) -> str:
        """Every log index (queries filter on `project`)."""
        return f"{self.prefix}logging-*"

    def legacy_log_index(self, name: str) -> re.Match[str] | None:
        """A per-project index of the old layout (`logging-<project>-<day>`): its project and day."""
        return re.fullmatch(
            rf"{re.escape(self.prefix)}logging-(?P<project>.+)-(?P<day>\d{{4}}-\d{{2}}-\d{{2}})",
            name,
        )
