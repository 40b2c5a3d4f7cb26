"""Parsing the query parameters of the read API into a SeriesQuery, as leniently as the original:
a size that is not a number is 1000, one above the bound is the bound, any date dateutil reads is a
date, and a start after the end asks for nothing (not an error)."""

from __future__ import annotations

import datetime as dt

from dateutil import parser as dateutil_parser
from meridian_kit.errors import BadRequest

from metrics_api.points.service import epoch_ms
from metrics_api.schema.tables import TIME_MAX_MS, TIME_MIN_MS
from metrics_api.series.service import MAX_SIZE, SeriesQuery, measures_for, metric_table
from metrics_api.series.store import MetricKey

DEFAULT_SPAN = dt.timedelta(hours=24)
DEFAULT_SIZE = 1000
TIME_MIN = dt.datetime.fromtimestamp(TIME_MIN_MS / 1000, dt.UTC)
TIME_MAX = dt.datetime.fromtimestamp(TIME_MAX_MS / 1000, dt.UTC)


def parse_time(value: str | None, name: str) -> dt.datetime | None:
    """A time in ISO 8601 or any form dateutil reads (naive means UTC), or None when absent;
    anything else is a 400."""
    if value is None or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    if "T" in text and " " in text:
        text = text.replace(" ", "+")  # a "+" of the offset, decoded as a space from a query string
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dateutil_parser.parse(value.strip())
        except (ValueError, OverflowError):
            raise BadRequest(f"Invalid {name}", detail={"field": name, "value": value}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def in_range(when: dt.datetime, name: str) -> None:
    """A time the store can hold (from 1970 to before 2200, UTC), else a 400 naming it."""
    if not TIME_MIN <= when < TIME_MAX:
        raise BadRequest(
            f"{name} is outside the stored range: from {TIME_MIN.isoformat()} to before "
            f"{TIME_MAX.isoformat()}",
            detail={"field": name, "value": when.isoformat()},
        )


def parse_columns(columns: str | None) -> list[str]:
    """The comma-separated column list."""
    return [c.strip() for c in (columns or "").split(",") if c.strip()]


def parse_size(size: str | None) -> int:
    """As the original: not a number is 1000; above the bound is the bound; below 1 is a 400
    (the original fails with a 500 there)."""
    try:
        rows = int(size) if size is not None else DEFAULT_SIZE
    except ValueError:
        rows = DEFAULT_SIZE
    if rows < 1:
        raise BadRequest(f"Invalid size: at least 1 (at most {MAX_SIZE})", detail={"field": "size"})
    return min(rows, MAX_SIZE)


def series_query(
    *,
    table: str,
    environment: str,
    application: str,
    metric: str,
    columns: str | None,
    size: str | None,
    start_timestamp: str | None,
    end_timestamp: str | None,
    names: tuple[str, str] = ("start_timestamp", "end_timestamp"),
) -> SeriesQuery:
    """Validates a data request; defaults: size 1000, the 24 hours up to the end (or now). A start
    after the end gives a query of nothing (start_ms > end_ms), as the original answers no rows."""
    spec = metric_table(table)
    measures = measures_for(spec, parse_columns(columns))
    rows = parse_size(size)
    start_name, end_name = names
    end = parse_time(end_timestamp, end_name) or dt.datetime.now(dt.UTC)
    in_range(end, end_name)
    start = parse_time(start_timestamp, start_name) or max(end - DEFAULT_SPAN, TIME_MIN)
    in_range(start, start_name)
    return SeriesQuery(
        spec,
        MetricKey(environment, application, metric),
        measures,
        epoch_ms(start),
        epoch_ms(end),
        rows,
    )
