"""Index names: daily `message-YYYY-MM-DD`, `analytic-YYYY-MM-DD`, `logging-<project>-YYYY-MM-DD`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_UNSAFE = re.compile(r'[\\/*?"<>| ,#:]+')


_ZERO = timedelta(0)


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, as Elasticsearch does."""
    # By hand rather than astimezone(): pydantic's parsed tzinfo makes that call slow.
    offset = moment.utcoffset()
    if offset is None or offset == _ZERO:
        return moment.replace(tzinfo=UTC)
    return (moment.replace(tzinfo=None) - offset).replace(tzinfo=UTC)


def safe_project(project: str) -> str:
    """A project name as it may appear inside an index name (lowercase, no reserved characters)."""
    cleaned = _UNSAFE.sub("_", project.lower()).lstrip("-_+.")
    return cleaned or "_"


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

    def log(self, project: str, moment: datetime) -> str:
        """The daily log index of one project."""
        return f"{self.prefix}logging-{safe_project(project)}-{as_utc(moment):%Y-%m-%d}"

    @property
    def messages(self) -> str:
        """Every message index."""
        return f"{self.prefix}message-*"

    @property
    def analytics(self) -> str:
        """Every analytic index."""
        return f"{self.prefix}analytic-*"

    def logs(self, project: str | None = None) -> str:
        """Every log index, or those of one project."""
        if project is None:
            return f"{self.prefix}logging-*"
        return f"{self.prefix}logging-{safe_project(project)}-*"
