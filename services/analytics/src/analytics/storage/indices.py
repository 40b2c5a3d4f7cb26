"""Index names: one index per kind, `message-all`, `logging-all`, `analytic-all`.

Neither the project (a field of each document) nor the timestamp (which a client chooses) is
part of an index name, so the number of indices never grows with the input: a node holds at most
1,000 shards, and per-project or per-day indices let one client exhaust them. The patterns
`message-*` etc. also cover the older layouts, until migration 5 has moved them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_ZERO = timedelta(0)
# The suffix of the one index of each kind (the older layouts put a day or a project there).
CURRENT = "all"


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

    def message(self, moment: datetime | None = None) -> str:
        """The index every message goes to (whatever its timestamp)."""
        return f"{self.prefix}message-{CURRENT}"

    def analytic(self, moment: datetime | None = None) -> str:
        """The index every analytic goes to."""
        return f"{self.prefix}analytic-{CURRENT}"

    def log(self, moment: datetime | None = None) -> str:
        """The index every log goes to (every project's, whatever its timestamp)."""
        return f"{self.prefix}logging-{CURRENT}"

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

    def current(self) -> dict[str, str]:
        """The pattern of every index of a kind → the one index of that kind written now."""
        return {
            self.messages: self.message(),
            self.logs: self.log(),
            self.analytics: self.analytic(),
        }
