"""Cuts a file's lines into batches of rows, never splitting one second across two batches."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from kmdb.dealias.ids import MAX_INDEX, MAX_LINE, is_numeric, name_id, ordered_pair, row_base
from kmdb.exports.parse import BadLine, Record, parse_line, property_value
from kmdb.filters.store import Filters
from kmdb.importer.bulk import TEMPLATE_ESCAPES, TEMPLATE_SPECIAL

MAX_VARCHAR = 255
_SECONDS = [f"{second:02d}" for second in range(60)]


@dataclass
class Batch:
    """The rows of consecutive lines first_line..last_line, ending at byte end_offset."""

    first_line: int
    last_line: int = 0
    end_offset: int = 0
    # Events (id, t, key id, user) and properties (id, t, key id, value, user, event id) as
    # LOAD DATA text, a line each, with `%s` where the user id goes (known once the file's people
    # are resolved; every other `%` doubled), and each row's person, in order: text is what
    # spools and formats fastest (writer._rows_text).
    events: list[str] = field(default_factory=list)
    event_persons: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    property_persons: list[str] = field(default_factory=list)
    aliases: list[tuple[int, str, str, str]] = field(default_factory=list)  # (id, name1, name2, t)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, excerpt)
    keys: dict[int, str] = field(default_factory=dict)  # keys first seen in this batch
    persons: set[str] = field(default_factory=set)
    skipped: int = 0
    final: bool = False  # the file's last lines: its commit marks the file done

    @property
    def lines(self) -> int:
        """How many lines the batch covers."""
        return self.last_line - self.first_line + 1


class Batcher:
    """Parses lines into Batches of about batch_size lines."""

    def __init__(self, revision: int, batch_size: int, filters: Filters):
        self.revision, self.batch_size, self.filters = revision, batch_size, filters
        self.key_ids: dict[str, int] = {}
        self._times: dict[int, str] = {}
        self._minutes: dict[int, str] = {}
        self._property_keys: dict[str, str] = {}

    def _time(self, t: int) -> str:
        """The DATETIME text of a unix time (formatted once per minute, cached per second)."""
        text = self._times.get(t)
        if text is None:
            if len(self._times) > 100_000:
                self._times.clear()
                self._minutes.clear()
            minute, second = divmod(t, 60)
            prefix = self._minutes.get(minute)
            if prefix is None:
                prefix = self._minutes[minute] = time.strftime("%Y-%m-%d %H:%M:", time.gmtime(t))
            text = self._times[t] = prefix + _SECONDS[second]
        return text

    def _key(self, batch: Batch, name: str) -> int:
        key = self.key_ids.get(name)
        if key is None:
            key = self.key_ids[name] = name_id(name)
            batch.keys[key] = name
        return key

    def _parse(self, batch: Batch, line_no: int, raw: bytes) -> Record | None:
        """The line's record, or None after noting a bad line in the batch."""
        if line_no > MAX_LINE:
            raise ValueError(f"files past {MAX_LINE} lines are not supported")
        try:
            return parse_line(raw)
        except BadLine as exc:
            excerpt = raw[:200].decode("utf-8", "replace")
            batch.errors.append((line_no, str(exc)[:MAX_VARCHAR], excerpt))
            return None

    def _property_key(self, batch: Batch, key: str) -> str:
        """A property name's key id as row text, "" if the name is not imported (kept per name:
        a file repeats a few names on every line)."""
        text = self._property_keys.get(key)
        if text is None:
            skip = key.startswith("_") or key in self.filters.blacklisted_properties
            text = "" if skip else str(self._key(batch, key[:MAX_VARCHAR]))
            self._property_keys[key] = text
        return text

    def _add(self, batch: Batch, line_no: int, record: Record) -> None:
        """Adds one line's rows, or counts it as skipped by the filters."""
        f = self.filters
        if record.person in f.ignored_users:
            batch.skipped += 1
            return
        base = row_base(self.revision, line_no)
        when = self._time(record.t)
        if record.kind == "alias":
            other = record.name or ""
            if (
                other in f.ignored_users
                or other == record.person
                or (is_numeric(other) and is_numeric(record.person))
            ):
                batch.skipped += 1
                return
            first, second = ordered_pair(record.person, other)
            batch.aliases.append((base, first, second, when))
            batch.persons.update((first, second))
            return
        person = record.person
        event_ref = "\t\\N\n"
        if record.kind == "event":
            name = (record.name or "")[:MAX_VARCHAR]
            if f.whitelisted_events and name not in f.whitelisted_events:
                batch.skipped += 1
                return
            batch.events.append(f"{base}\t{when}\t{self._key(batch, name)}\t%s\n")
            batch.event_persons.append(person)
            event_ref = f"\t{base}\n"
        start = index = 1 if record.kind == "event" else 0
        keys, rows = self._property_keys, batch.properties
        for key, value in record.properties.items():
            if index > MAX_INDEX:
                break
            if not isinstance(value, str):
                value = property_value(value)
                if value is None:
                    continue
            key_id = keys.get(key) or self._property_key(batch, key)
            if not key_id:
                continue
            text = value[:MAX_VARCHAR]
            if TEMPLATE_SPECIAL.search(text):
                text = text.translate(TEMPLATE_ESCAPES)
            rows.append(f"{base | index}\t{when}\t{key_id}\t{text}\t%s{event_ref}")
            index += 1
        batch.property_persons.extend([person] * (index - start))
        if index == 0:
            batch.skipped += 1  # a property set left with no property
            return
        batch.persons.add(person)

    async def batches(
        self, groups: AsyncIterator[tuple[list[bytes], bool]], first_line: int, first_offset: int
    ) -> AsyncIterator[Batch]:
        """Batches from split_lines() groups, numbering lines from first_line, bytes from first_offset."""
        line_no, offset = first_line - 1, first_offset
        batch = Batch(first_line)
        count, last_t = 0, None
        async for group, terminated in groups:
            newline = 1 if terminated else 0
            for raw in group:
                line_no += 1
                offset += len(raw) + newline
                if not line_no & 127:
                    await asyncio.sleep(0)  # let the previous batch's writes go on meanwhile
                record = self._parse(batch, line_no, raw)
                if record is not None:
                    if count >= self.batch_size and record.t != last_t:
                        yield batch
                        batch, count = Batch(line_no), 0
                    last_t = record.t
                    self._add(batch, line_no, record)
                count += 1
                batch.last_line, batch.end_offset = line_no, offset
        if count:
            batch.final = True
            yield batch
