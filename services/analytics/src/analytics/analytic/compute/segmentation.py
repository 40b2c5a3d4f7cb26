"""Segmentation analytics: messages by type or content, users by age or gender."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from analytics.analytic.compute.common import Context, once
from analytics.analytic.compute.count import USER, of_type
from analytics.analytic.compute.store import aggregate, buckets, window_query
from analytics.analytic.descriptors import MessageSegmentation, UserSegmentation
from analytics.analytic.results import segmentation_result
from analytics.storage.queries import time_range

AGE_SEGMENTS = [
    ("0-18", 0, 18),
    ("19-25", 19, 25),
    ("26-35", 26, 35),
    ("36-45", 36, 45),
    ("46-55", 46, 55),
    ("55+", 56, 10_000),
]
GENDERS = ["male", "female", "non-binary", "in-another-way", "prefer-not-to-say"]
_GENDER_ALIASES = {"other": "in-another-way", "not_say": "prefer-not-to-say"}


def message_segments_target(
    descriptor: MessageSegmentation,
) -> tuple[str, list[dict[str, Any]]]:
    """(field, extra filters) a message segmentation counts the values of."""
    if descriptor.metric == "all":
        return "type.keyword", []
    return "content.type.keyword", [of_type("request")]


async def terms_segments(ctx: Context, query: dict[str, Any], field: str) -> list[tuple[str, int]]:
    """(value, document count) for every value of a field."""
    aggs = {"segments": {"terms": {"field": field, "size": 100}}}
    result = (await aggregate(ctx, query, aggs)).get("segments") or {}
    return [(b["key"], b["doc_count"]) for b in result.get("buckets", [])]


def age_on(birth: date, today: date) -> int:
    """Full years between a birth date and today."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_segment(age: int | None) -> str:
    """The segment an age falls in (`unavailable` without one)."""
    if age is None or age < 0:
        return "unavailable"
    return next(name for name, low, high in AGE_SEGMENTS if low <= age <= high)


def gender_segment(value: Any) -> str:
    """The segment a gender value falls in."""
    if not isinstance(value, str):
        return "unavailable"
    key = value.strip().lower().replace("_", "-").replace(" ", "-")
    key = _GENDER_ALIASES.get(key.replace("-", "_"), key)
    return key if key in GENDERS else "unavailable"


def _birth_age(metadata: dict[str, Any], today: date) -> int | None:
    if isinstance(metadata.get("age"), int | float):
        return int(metadata["age"])
    raw = metadata.get("birthDate") or metadata.get("dateOfBirth")
    if isinstance(raw, str):
        try:
            return age_on(date.fromisoformat(raw[:10]), today)
        except ValueError:
            return None
    return None


async def _profiles(
    ctx: Context, project: str, end: datetime, fields: list[str]
) -> dict[str, dict[str, Any]]:
    """Each user's latest profile metadata (any of `fields`) sent up to `end` (in a batch, read
    once for every segmentation of the project ending then)."""
    found: dict[str, dict[str, Any]] = await once(
        ctx,
        ("profiles", project, end, tuple(fields)),
        lambda: _read_profiles(ctx, project, end, fields),
    )
    return found


def profile_fields(metric: str) -> list[str]:
    """The metadata fields a user segmentation reads profiles from."""
    return ["gender"] if metric == "gender" else ["age", "birthDate", "dateOfBirth"]


def _has_profile(fields: list[str]) -> dict[str, Any]:
    return {"bool": {"should": [{"exists": {"field": f"metadata.{f}"}} for f in fields]}}


def _latest(fields: list[str]) -> dict[str, Any]:
    return {
        "latest": {
            "top_hits": {
                "size": 1,
                "sort": [{"timestamp": {"order": "desc"}}],
                "_source": {"includes": [f"metadata.{f}" for f in fields]},
            }
        }
    }


async def profiles_at(
    ctx: Context, project: str, ends: list[datetime], fields: list[str]
) -> list[dict[str, dict[str, Any]]]:
    """What `_read_profiles` answers for each end, paging through the users once."""
    query = window_query(project, None, max(ends), _has_profile(fields))
    sub = {
        f"e{n}": {"filter": time_range(None, end), "aggs": _latest(fields)}
        for n, end in enumerate(ends)
    }
    out: list[dict[str, dict[str, Any]]] = [{} for _ in ends]
    async for bucket in buckets(ctx, query, USER, sub):
        for n, found in enumerate(out):
            at_end = bucket[f"e{n}"]
            if at_end["doc_count"]:
                hits = at_end["latest"]["hits"]["hits"]
                found[bucket["key"]["key"]] = (
                    (hits[0]["_source"].get("metadata") or {}) if hits else {}
                )
    return out


async def _read_profiles(
    ctx: Context, project: str, end: datetime, fields: list[str]
) -> dict[str, dict[str, Any]]:
    exists = _has_profile(fields)
    latest = _latest(fields)
    out: dict[str, dict[str, Any]] = {}
    async for bucket in buckets(ctx, window_query(project, None, end, exists), USER, latest):
        hits = bucket["latest"]["hits"]["hits"]
        out[bucket["key"]["key"]] = (hits[0]["_source"].get("metadata") or {}) if hits else {}
    return out


async def user_segments(
    ctx: Context, descriptor: UserSegmentation, start: datetime | None, end: datetime
) -> list[tuple[str, int]]:
    """Users active in the window by age or gender, from profile data sent in message metadata."""

    async def read_users() -> list[str]:
        query = window_query(descriptor.project, start, end)
        return [b["key"]["key"] async for b in buckets(ctx, query, USER)]

    users: list[str] = await once(ctx, ("users", descriptor.project, start, end), read_users)
    if descriptor.metric == "gender":
        names = [*GENDERS, "unavailable"]
        profiles = await _profiles(ctx, descriptor.project, end, profile_fields("gender"))
        found = [gender_segment(profiles.get(u, {}).get("gender")) for u in users]
    else:
        names = [name for name, _, _ in AGE_SEGMENTS] + ["unavailable"]
        profiles = await _profiles(ctx, descriptor.project, end, profile_fields("age"))
        today = datetime.now(UTC).date()
        found = [age_segment(_birth_age(profiles.get(u, {}), today)) for u in users]
    return [(name, found.count(name)) for name in names]


async def compute_segmentation(
    ctx: Context,
    descriptor: UserSegmentation | MessageSegmentation,
    start: datetime | None,
    end: datetime,
) -> dict[str, Any]:
    """A segmentation result for the descriptor over [start, end]."""
    if isinstance(descriptor, UserSegmentation):
        segments = await user_segments(ctx, descriptor, start, end)
    else:
        field, filters = message_segments_target(descriptor)
        query = window_query(descriptor.project, start, end, *filters)
        segments = await terms_segments(ctx, query, field)
    return segmentation_result(segments, start, end)
