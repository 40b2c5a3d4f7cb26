"""Daily indices: one per kind, bucket and day, each also reachable as `<prefix>-<kind>-YYYY.MM.DD`.

A bucket's data lives in its own daily indices (`<prefix>-<kind>-<bucket id>-YYYY.MM.DD`) so that
retention deletes whole indices per bucket; every such index carries the alias
`<prefix>-<kind>-YYYY.MM.DD`, the day's index of that kind across buckets.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from functools import lru_cache

from elasticsearch import AsyncElasticsearch, NotFoundError

from ingest.storage.templates import KINDS, template_body

log = logging.getLogger("ingest.storage")


@lru_cache(maxsize=4096)
def day_of(ms: int) -> str:
    """The YYYY.MM.DD of an epoch-milliseconds instant (UTC)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y.%m.%d")


class IndexNames:
    """Index names under one prefix."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._pattern = re.compile(
            rf"^{re.escape(prefix)}-(?P<kind>{'|'.join(KINDS)})-(?P<bucket>[0-9a-f]+)-"
            r"(?P<day>\d{4}\.\d{2}\.\d{2})$"
        )

    def daily(self, kind: str, bucket: str, ms: int) -> str:
        """The index a document of this kind, bucket and instant goes to."""
        return f"{self.prefix}-{kind}-{bucket}-{day_of(ms)}"

    def alias(self, kind: str, ms: int) -> str:
        """The day's index of a kind across buckets (an alias)."""
        return f"{self.prefix}-{kind}-{day_of(ms)}"

    def of_bucket(self, kind: str, bucket: str) -> str:
        """Every daily index of one kind in a bucket (a wildcard, for searches)."""
        return f"{self.prefix}-{kind}-{bucket}-*"

    def parse(self, name: str) -> tuple[str, str, date] | None:
        """(kind, bucket, day) of one of our daily index names, None for any other name."""
        match = self._pattern.match(name)
        if not match:
            return None
        day = datetime.strptime(match["day"], "%Y.%m.%d").date()
        return match["kind"], match["bucket"], day


class IndexManager:
    """Puts the templates and creates each daily index once, with its alias."""

    def __init__(self, es: AsyncElasticsearch, names: IndexNames, replicas: int):
        self.es = es
        self.names = names
        self.replicas = replicas
        self._created: set[str] = set()

    async def put_templates(self) -> None:
        """Installs (or updates) the index template of every kind."""
        for kind in KINDS:
            body = template_body(self.names.prefix, kind, self.replicas)
            await self.es.indices.put_index_template(name=f"{self.names.prefix}-{kind}", **body)

    async def ensure(self, index: str, alias: str) -> None:
        """Creates a daily index with its alias unless this process already did."""
        if index in self._created:
            return
        try:
            await self.es.indices.create(index=index, aliases={alias: {}})
        except Exception as exc:
            if "resource_already_exists_exception" not in str(exc):
                raise
        self._created.add(index)

    def forget(self, index: str) -> None:
        """Makes the next ensure() create the index again."""
        self._created.discard(index)

    async def list_indices(self, pattern: str) -> list[str]:
        """The concrete indices matching a pattern (none is not an error)."""
        try:
            found = await self.es.indices.get(
                index=pattern, expand_wildcards="open,closed", ignore_unavailable=True
            )
        except NotFoundError:
            return []
        return sorted(found.body)

    async def delete(self, indices: list[str]) -> None:
        """Deletes indices by name (never by wildcard), a few at a time."""
        for start in range(0, len(indices), 50):
            chunk = indices[start : start + 50]
            await self.es.indices.delete(index=",".join(chunk), ignore_unavailable=True)
            self._created.difference_update(chunk)
            log.info("deleted indices %s", ", ".join(chunk))

    async def delete_bucket(self, bucket_id: str) -> list[str]:
        """Deletes every daily index of a bucket."""
        indices = await self.list_indices(f"{self.names.prefix}-*-{bucket_id}-*")
        ours = [
            name
            for name in indices
            if (parsed := self.names.parse(name)) and parsed[1] == bucket_id
        ]
        await self.delete(ours)
        return ours
