"""Query parameters are parsed strictly: a bad value is a 400 naming it, never a 500 or a 503."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ingest.query.params import MAX_MS, MIN_MS, epoch_ms, interval_ms
from meridian_kit.errors import BadRequest

ROUTES = ("logs", "events", "exceptions", "metrics", "metrics/cpu")


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        ("0", 0),
        ("1700000000000", 1_700_000_000_000),
        ("-1000", -1000),
        ("2026-12-02T10:00:00Z", 1_796_205_600_000),
        ("2026-12-02T11:00:00+01:00", 1_796_205_600_000),
        ("2026-12-02T10:00:00", 1_796_205_600_000),  # no offset: UTC
        ("0001-01-01T00:00:00Z", MIN_MS),
        ("9999-12-31T23:59:59.999Z", MAX_MS),
    ],
)
def test_times_in_range_are_read(value: str, ms: int) -> None:
    assert epoch_ms(value, 0, "to") == ms


@pytest.mark.parametrize(
    "value",
    [
        "\u00b9",  # a superscript one: str.isdigit() says yes, int() says no
        "\u0661\u0662",  # Arabic-Indic digits, which int() would read
        "-99999999999999999999",
        "99999999999999999999",
        str(MAX_MS + 1),
        str(MIN_MS - 1),
        "2026-13-01",
        "\uff12\uff10\uff12\uff16-01-01",  # full-width digits
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "1e3",
    ],
)
def test_bad_times_are_a_400_naming_the_parameter(value: str) -> None:
    with pytest.raises(BadRequest) as refused:
        epoch_ms(value, 0, "to")
    assert refused.value.message.startswith("to: ")
    assert refused.value.detail[0]["field"] == "to"


def test_an_interval_may_not_make_more_points_than_an_answer_holds() -> None:
    assert interval_ms("1m", 0, 3_600_000) == 60_000
    for bad in ("\uff11m", "0m", "1y", "1ms "):
        with pytest.raises(BadRequest):
            interval_ms(bad, 0, 3_600_000)
    with pytest.raises(BadRequest) as too_many:
        interval_ms("1ms", 0, 3_600_000)
    assert too_many.value.detail[0]["field"] == "interval"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=%C2%B9", "to"),
        ("to=-99999999999999999999", "to"),
        ("from=%D9%A1%D9%A2", "from"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
    ],
)
async def test_every_query_route_answers_400_naming_the_parameter(
    anonymous: httpx.AsyncClient,
    bucket: dict[str, Any],
    keys: Any,
    route: str,
    query: str,
    field: str,
) -> None:
    response = await anonymous.get(
        f"/api/buckets/{bucket['id']}/{route}?{query}", headers=keys(bucket)
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(f"{field}: ")
    assert response.json()["detail"][0]["field"] == field


async def test_sizes_offsets_and_intervals_are_bounded(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any
) -> None:
    base = f"/api/buckets/{bucket['id']}"
    for path, field in (
        ("/logs?offset=999999999999999999999", "offset"),
        ("/events?size=1001", "size"),
        ("/logs?offset=9999&size=2", "offset"),
        ("/metrics/cpu?interval=1ms", "interval"),
        ("/metrics/cpu?interval=%EF%BC%91m", "interval"),
        ("/logs?server=" + "x" * 300, "server"),
    ):
        response = await anonymous.get(base + path, headers=keys(bucket))
        assert response.status_code == 400, (path, response.text)
        assert field in response.json()["error"], (path, response.text)
    wide = await anonymous.get(
        base + "/logs?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", headers=keys(bucket)
    )
    assert wide.status_code == 200, wide.text
    assert wide.json()["items"] == []
