"""Parsing the query parameters of the read API into a SeriesQuery, each mistake a 400."""

from __future__ import annotations

import datetime as dt

from meridian_kit.errors import BadRequest

from metrics_api.points.service import epoch_ms
from metrics_api.series.service import MAX_SIZE, SeriesQuery, measures_for, metric_table
from metrics_api.series.store import MetricKey

DEFAULT_SPAN = dt.timedelta(hours=24)


def parse_time(value: str | None, name: str) -> dt.datetime | None:
    """An ISO 8601 time (naive means UTC), or None when absent; anything else is a 400."""
    if value is None or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    if "T" in text and " " in text:
        text = text.replace(" ", "+")  # a "+" of the offset, decoded as a space from a query string
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"Invalid {name}", detail={"field": name, "value": value}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_columns(columns: str | None) -> list[str]:
    """The comma-separated column list."""
    return [c.strip() for c in (columns or "").split(",") if c.strip()]


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
) -> SeriesQuery:
    """Validates a data request; defaults: size 1000, the 24 hours up to the end (or now)."""
    spec = metric_table(table)
    measures = measures_for(spec, parse_columns(columns))
    try:
        rows = 1000 if size is None or size == "" else int(size)
    except ValueError:
        raise BadRequest("Invalid size: an integer is expected", detail={"field": "size"}) from None
    if not 1 <= rows <= MAX_SIZE:
        raise BadRequest(f"Invalid size: between 1 and {MAX_SIZE}", detail={"field": "size"})
    end = parse_time(end_timestamp, "end_timestamp") or dt.datetime.now(dt.UTC)
    start = parse_time(start_timestamp, "start_timestamp") or end - DEFAULT_SPAN
    if start >= end:
        raise BadRequest(
            "start_timestamp must be before end_timestamp", detail={"field": "start_timestamp"}
        )
    return SeriesQuery(
        spec,
        MetricKey(environment, application, metric),
        measures,
        epoch_ms(start),
        epoch_ms(end),
        rows,
    )
