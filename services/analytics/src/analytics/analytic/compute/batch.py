"""Computing many analytics at once, each result equal to computing it alone.

- Analytics that are one metric aggregation over a project's messages in a window (distinct
  counts, message segmentations, aggregations) are grouped by project: one search of the
  project's messages per group, each analytic a `filter` aggregation of its own inside it (its
  window and filters), the searches sent together through `_msearch`. A group whose search fails (an aggregation on a field that cannot be
  aggregated, a shard failure) is computed again one analytic at a time, as alone.
- `new` users or conversations sharing (project, window end) page through the first message of
  each user (conversation) once and count, for each window start, those first seen at or after it.
- The rest (bot `response`, user segmentations, task manager analytics) are computed alone, a few
  at a time. Identical descriptors over the same window are computed once.
"""

from __future__ import annotations

import asyncio
import copy
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from analytics.analytic.compute import Context, compute, with_window_dates
from analytics.analytic.compute.aggregation import aggregation_body, filter_clause, original_shape
from analytics.analytic.compute.count import CONVERSATION, USER, distinct_target
from analytics.analytic.compute.segmentation import (
    message_segments_target,
    profile_fields,
    profiles_at,
)
from analytics.analytic.compute.store import aggregate_each, buckets, window_query
from analytics.analytic.descriptors import (
    AggregationDescriptor,
    AnyDescriptor,
    ConversationCount,
    DialogueCount,
    MessageCount,
    MessageSegmentation,
    UserCount,
    UserSegmentation,
    descriptor_document,
)
from analytics.analytic.results import aggregation_result, count_result, segmentation_result
from analytics.analytic.timewindow import bounds
from analytics.storage.queries import term, time_range

Result = dict[str, Any] | None
Reader = Callable[[dict[str, Any]], Result]

AGGS_PER_SEARCH = 100
SEARCHES_PER_MSEARCH = 20
ALONE_IN_FLIGHT = 4
ENDS_PER_PASS = 8


@dataclass
class _Group:
    """Analytics answered by one search: (analytic position, filters, aggregation, reader)."""

    query: dict[str, Any]
    members: list[tuple[int, list[dict[str, Any]], dict[str, Any], Reader]] = field(
        default_factory=list
    )


def _count_reader(start: datetime | None, end: datetime) -> Reader:
    return lambda answer: count_result(int(answer.get("value") or 0), start, end)


def _segments_reader(start: datetime | None, end: datetime) -> Reader:
    def read(answer: dict[str, Any]) -> Result:
        segments = [(b["key"], b["doc_count"]) for b in answer.get("buckets", [])]
        return segmentation_result(segments, start, end)

    return read


def _aggregation_reader(name: str, start: datetime | None, end: datetime) -> Reader:
    def read(answer: dict[str, Any]) -> Result:
        shaped = original_shape(name, answer)
        return None if shaped is None else aggregation_result(shaped, start, end)

    return read


def _planned(
    ctx: Context, descriptor: AnyDescriptor, start: datetime | None, end: datetime
) -> tuple[str, list[dict[str, Any]], dict[str, Any], Reader] | None:
    """(kind, filters, aggregation, reader) of an analytic one aggregation answers; else None."""
    if isinstance(descriptor, AggregationDescriptor):
        filters = [filter_clause(f) for f in descriptor.filters]
        reader = _aggregation_reader(descriptor.aggregation, start, end)
        return "aggregation", filters, aggregation_body(ctx, descriptor), reader
    if isinstance(descriptor, MessageSegmentation):
        field_name, filters = message_segments_target(descriptor)
        return (
            "plain",
            filters,
            {"terms": {"field": field_name, "size": 100}},
            _segments_reader(start, end),
        )
    if isinstance(descriptor, UserCount | MessageCount | ConversationCount | DialogueCount):
        target = distinct_target(descriptor)
        if target is None:
            return None
        filters, field_name = target
        body = {
            "cardinality": {"field": field_name, "precision_threshold": ctx.precision_threshold}
        }
        return "plain", filters, body, _count_reader(start, end)
    return None


class _Batch:
    def __init__(self, ctx: Context, now: datetime):
        self.ctx = ctx
        self.now = now
        self.results: dict[int, Result] = {}
        self.groups: dict[tuple[str, str], _Group] = {}
        self.searched: list[_Group] = []
        self.firsts: dict[tuple[str, datetime, str], list[tuple[int, datetime | None]]] = (
            defaultdict(list)
        )
        self.alone: list[tuple[int, AnyDescriptor]] = []
        self.profile_ends: dict[tuple[str, tuple[str, ...]], set[datetime]] = defaultdict(set)
        self.descriptors: dict[int, AnyDescriptor] = {}

    def add(self, position: int, descriptor: AnyDescriptor) -> None:
        self.descriptors[position] = descriptor
        start, end = bounds(descriptor.timespan, self.now)
        if isinstance(descriptor, UserCount | ConversationCount) and descriptor.metric == "new":
            field_name = USER if isinstance(descriptor, UserCount) else CONVERSATION
            self.firsts[(descriptor.project, end, field_name)].append((position, start))
            return
        if isinstance(descriptor, UserSegmentation):
            fields = tuple(profile_fields(descriptor.metric))
            self.profile_ends[(descriptor.project, fields)].add(end)
        plan = _planned(self.ctx, descriptor, start, end)
        if plan is None:
            self.alone.append((position, descriptor))
            return
        kind, filters, aggregation, reader = plan
        key = (kind, descriptor.project)
        group = self.groups.get(key)
        if group is None or len(group.members) >= AGGS_PER_SEARCH:
            group = self.groups[key] = _Group(term("project.keyword", descriptor.project))
            self.searched.append(group)
        # The documents computing it alone reads: its project's (the search), in its window,
        # passing its filters (its own filter aggregation).
        group.members.append((position, [time_range(start, end), *filters], aggregation, reader))

    def _share_profiles(self) -> None:
        """Each project's profiles at every end its user segmentations need, read in one pass,
        handed to them through ctx.shared (where `_profiles` looks first)."""
        assert self.ctx.shared is not None

        async def pick(read: asyncio.Future[Any], n: int) -> Any:
            return (await read)[n]

        for (project, fields), ends in self.profile_ends.items():
            every = sorted(ends)
            for first in range(0, len(every), ENDS_PER_PASS):
                ordered = every[first : first + ENDS_PER_PASS]
                read = asyncio.ensure_future(profiles_at(self.ctx, project, ordered, list(fields)))
                for n, end in enumerate(ordered):
                    key = ("profiles", project, end, fields)
                    self.ctx.shared[key] = asyncio.ensure_future(pick(read, n))

    async def run(self) -> None:
        slots = asyncio.Semaphore(ALONE_IN_FLIGHT)
        self._share_profiles()

        async def alone(position: int, descriptor: AnyDescriptor) -> None:
            async with slots:
                self.results[position] = await compute(self.ctx, descriptor, self.now)

        async def firsts(key: tuple[str, datetime, str], wanted: list[Any]) -> None:
            async with slots:
                await self._first_seen(key, wanted)

        groups = self.searched
        searches = [
            self._searches(groups[i : i + SEARCHES_PER_MSEARCH])
            for i in range(0, len(groups), SEARCHES_PER_MSEARCH)
        ]
        await asyncio.gather(
            *(alone(p, d) for p, d in self.alone),
            *(firsts(k, w) for k, w in self.firsts.items()),
            *searches,
        )
        retry = [p for p in self.descriptors if p not in self.results]
        await asyncio.gather(*(alone(p, self.descriptors[p]) for p in retry))

    async def _searches(self, groups: list[_Group]) -> None:
        """One `_msearch` of the groups' searches; a failed group is left for computing alone."""
        searches = [
            (
                group.query,
                {
                    f"a{n}": {"filter": {"bool": {"filter": filters}}, "aggs": {"v": aggregation}}
                    for n, (_, filters, aggregation, _) in enumerate(group.members)
                },
            )
            for group in groups
        ]
        answers = await aggregate_each(self.ctx, searches)
        for group, found in zip(groups, answers, strict=True):
            if found is None:
                continue  # computed alone afterwards: the same answer (or none) as alone
            for n, (position, _, _, reader) in enumerate(group.members):
                value = (found.get(f"a{n}") or {}).get("v")
                self.results[position] = reader(value if isinstance(value, dict) else {})

    async def _first_seen(
        self, key: tuple[str, datetime, str], wanted: list[tuple[int, datetime | None]]
    ) -> None:
        """Each value's first message up to the end, paged once for every window start."""
        project, end, field_name = key
        sub = {"first": {"min": {"field": "timestamp"}}}
        firsts: list[float | None] = [
            bucket["first"]["value"]
            async for bucket in buckets(self.ctx, window_query(project, None, end), field_name, sub)
        ]
        for position, start in wanted:
            if start is None:
                count = len(firsts)
            else:
                start_ms = start.timestamp() * 1000
                count = sum(1 for first in firsts if first is not None and first >= start_ms)
            self.results[position] = count_result(count, start, end)


def _same_key(descriptor: AnyDescriptor) -> str:
    return repr(sorted(descriptor_document(descriptor).items(), key=lambda kv: kv[0]))


async def compute_many(
    ctx: Context, descriptors: Sequence[AnyDescriptor], now: datetime | None = None
) -> list[Result]:
    """The result of each analytic, as `compute` gives it alone, computed together."""
    now = now or datetime.now(UTC)
    batch = _Batch(replace(ctx, shared={}), now)
    first_of: dict[str, int] = {}
    same: list[int] = []
    for position, descriptor in enumerate(descriptors):
        key = _same_key(descriptor)
        same.append(first_of.setdefault(key, position))
        if same[-1] == position:
            batch.add(position, descriptor)
    await batch.run()
    out: list[Result] = []
    for position, descriptor in enumerate(descriptors):
        result = batch.results[same[position]]
        if result is not None:
            result = with_window_dates(descriptor, copy.deepcopy(result))
        out.append(result)
    return out
