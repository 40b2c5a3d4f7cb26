"""Strict parsing of the query API's parameters: a bad value is a 400 naming the parameter.

Times are epoch milliseconds (ASCII digits) or ISO 8601 dates, within years 0001-9999 (the dates
Elasticsearch's `date` type and ISO 8601 both hold); intervals are bounded so a histogram never
has more buckets than an answer may carry.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from meridian_kit.errors import BadRequest

HOUR_MS = 3_600_000
MIN_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z
MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
MAX_POINTS = 10_000  # buckets of a metric histogram
EPOCH_MS = re.compile(r"-?[0-9]+")
INTERVAL_PATTERN = r"^[1-9][0-9]{0,5}(ms|s|m|h|d)$"
INTERVAL = re.compile(r"([1-9][0-9]{0,5})(ms|s|m|h|d)")
UNIT_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": HOUR_MS, "d": 24 * HOUR_MS}

TIME_HELP = "epoch milliseconds (ASCII digits) or ISO 8601, within years 0001-9999"
From = Annotated[
    str | None, Query(alias="from", max_length=64, description=f"{TIME_HELP}; default: to - 1h")
]
To = Annotated[str | None, Query(max_length=64, description=f"{TIME_HELP}; default: now")]
Name = Annotated[str | None, Query(max_length=256)]


def refuse(field: str, message: str) -> BadRequest:
    """A 400 naming the parameter, in the kit's error shape."""
    return BadRequest(f"{field}: {message}", detail=[{"field": field, "message": message}])


def epoch_ms(value: str | None, default: int, field: str) -> int:
    """Epoch milliseconds from a parameter: ASCII digits (ms) or an ISO 8601 date or time."""
    if value is None or value == "":
        return default
    if EPOCH_MS.fullmatch(value):
        ms = int(value) if len(value) <= 17 else MAX_MS + 1
    else:
        if not value.isascii():
            raise refuse(field, f"expected epoch milliseconds or ISO 8601, got {value!r}")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise refuse(field, f"expected epoch milliseconds or ISO 8601, got {value!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            ms = int(moment.timestamp() * 1000)
        except (OverflowError, ValueError):
            raise refuse(field, "outside years 0001-9999") from None
    if not MIN_MS <= ms <= MAX_MS:
        raise refuse(field, f"{value!r} is outside years 0001-9999 ({MIN_MS}..{MAX_MS} ms)")
    return ms


def time_range(start: str | None, end: str | None) -> tuple[int, int]:
    """(from, to) in ms; the last hour by default."""
    to = epoch_ms(end, int(time.time() * 1000), "to")
    frm = epoch_ms(start, max(MIN_MS, to - HOUR_MS), "from")
    if frm > to:
        raise refuse("from", "must not be after `to`")
    return frm, to


def interval_ms(interval: str, frm: int, to: int) -> int:
    """The length of a histogram interval; 400 when it is malformed or makes too many points."""
    match = INTERVAL.fullmatch(interval)
    if match is None:
        raise refuse("interval", f"expected e.g. 30s, 1m, 1h, got {interval!r}")
    step = int(match.group(1)) * UNIT_MS[match.group(2)]
    points = (to - frm) // step + 1
    if points > MAX_POINTS:
        raise refuse(
            "interval",
            f"{interval} over this range makes {points} points, at most {MAX_POINTS}: "
            "widen the interval or narrow from/to",
        )
    return step
