"""Hostile input gets a 400 naming the field, never a 500 (issue 11, §2)."""

from __future__ import annotations

import json
from typing import Any

import pytest


def deep(levels: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    current = out
    for _ in range(levels - 1):
        current["a"] = {}
        current = current["a"]
    return out


def message(**fields: Any) -> dict[str, Any]:
    base = {
        "messageId": "h-1",
        "channel": "web",
        "userId": "hostile",
        "timestamp": "2024-02-01T10:00:00Z",
        "project": "hostile",
        "type": "request",
        "content": {"type": "text", "value": "hi"},
    }
    return {**base, **fields}


def log(**fields: Any) -> dict[str, Any]:
    base = {
        "logId": "h-1",
        "project": "hostile",
        "component": "nlu",
        "severity": "INFO",
        "logContent": "x",
        "timestamp": "2024-02-01T10:00:00Z",
    }
    return {**base, **fields}


def count(timespan: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "count",
        "dimension": "user",
        "metric": "total",
        "project": "hostile",
        "timespan": timespan,
    }


def aggregation(value: str) -> str:
    """An aggregation descriptor as raw JSON, its filter value written as given (NaN, 1e400…)."""
    return (
        '{"type": "aggregation", "field": "intent.confidence", "aggregation": "avg",'
        ' "project": "hostile", "timespan": {"type": "moving", "value": "7d"},'
        ' "filters": [{"field": "intent.confidence", "operation": "gr", "value": VALUE}]}'
    ).replace("VALUE", value)


def assert_400_naming(response: Any, needle: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 400 and needle in body["status"], body


async def test_an_empty_analytic_id_is_a_400_naming_it(client):
    for method in ("GET", "DELETE"):
        assert_400_naming(await client.request(method, "/analytic", params={"id": ""}), "id")
    assert_400_naming(await client.post("/analytic/compute", params={"id": ""}), "id")


@pytest.mark.parametrize("offset", ["+19:00", "-23:59", "+18:01"])
async def test_a_timezone_offset_beyond_18_hours_is_a_400(client, offset):
    fixed = {
        "type": "fixed",
        "start": f"2024-01-01T00:00:00{offset}",
        "end": "2024-02-01T00:00:00Z",
    }
    assert_400_naming(await client.post("/analytic", json=count(fixed)), "timespan.fixed.start")
    window = {"project": "p", "fromTime": f"2024-01-01T00:00:00{offset}", "toTime": "2024-02-01"}
    assert_400_naming(await client.get("/messages", params=window), "fromTime")
    assert_400_naming(await client.get("/logs", params=window), "fromTime")
    stamped = await client.post("/messages", json=[message(timestamp=f"2024-01-01T00:00{offset}")])
    assert_400_naming(stamped, "timestamp")


async def test_an_offset_of_18_hours_is_accepted(client):
    fixed = {"type": "fixed", "start": "2024-01-01T00:00:00+18:00", "end": "2024-02-01T00:00:00Z"}
    assert (await client.post("/analytic", json=count(fixed))).status_code == 200


async def test_moments_that_leave_the_calendar_in_utc_are_a_400(client):
    fixed = {"type": "fixed", "start": "0001-01-01T00:00:00+05:00", "end": "2024-02-01T00:00:00Z"}
    assert_400_naming(await client.post("/analytic", json=count(fixed)), "start")
    assert_400_naming(
        await client.post("/logs", json=[log(timestamp="9999-12-31T23:00:00-05:00")]), "timestamp"
    )


@pytest.mark.parametrize("value", ["99999999999y", "9999999d", "5001y"])
async def test_a_moving_window_reaching_before_year_one_is_a_400(client, value):
    response = await client.post("/analytic", json=count({"type": "moving", "value": value}))
    assert_400_naming(response, "timespan.moving")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_non_finite_filter_value_is_a_400(client, value):
    response = await client.post(
        "/analytic", content=aggregation(value), headers={"content-type": "application/json"}
    )
    assert_400_naming(response, "filters.0.value")


async def test_an_integer_filter_value_beyond_64_bits_is_a_400(client):
    response = await client.post(
        "/analytic", content=aggregation(str(2**64)), headers={"content-type": "application/json"}
    )
    assert_400_naming(response, "filters.0.value")


@pytest.mark.parametrize("number", [2**64 + 1, 2**63, -(2**63) - 1, 10**40])
async def test_log_metadata_with_an_integer_beyond_64_bits_is_a_400(client, number):
    response = await client.post("/logs", json=[log(metadata={"n": {"deeper": [number]}})])
    assert_400_naming(response, "0.metadata")
    assert "n.deeper.0" in response.json()["status"]


async def test_log_metadata_with_a_64_bit_integer_is_stored(client):
    response = await client.post("/logs", json=[log(logId="big", metadata={"n": 2**63 - 1})])
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("levels", [17, 40, 260, 300, 900])
async def test_message_metadata_nested_too_deep_is_a_400(client, levels):
    response = await client.post("/messages", json=[message(metadata=deep(levels))])
    assert_400_naming(response, "metadata")
    assert "nested" in response.json()["status"]
    assert len(response.json()["status"]) < 300


async def test_a_body_nested_deeper_than_the_parser_goes_is_a_400(client):
    body = json.dumps([message()])[:-2] + ', "metadata": ' + '{"a": ' * 5000 + "1" + "}" * 5001
    response = await client.post(
        "/messages", content=body + "]", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == 400


async def test_metadata_nested_16_levels_is_stored(client):
    response = await client.post("/messages", json=[message(messageId="d16", metadata=deep(16))])
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("value", ["NaN", "Infinity"])
async def test_non_finite_numbers_anywhere_in_a_message_are_a_400(client, value):
    entity = '[{"type": "city", "value": VALUE, "confidence": 0.5}]'.replace("VALUE", value)
    body = json.dumps([message()])[:-2] + ', "entities": ' + entity + "}]"
    response = await client.post(
        "/messages", content=body, headers={"content-type": "application/json"}
    )
    assert_400_naming(response, "entities.0")


async def test_query_parameters_are_strictly_parsed(client):
    bad = {"project": "p", "fromTime": "yesterday", "toTime": "2024-01-01T00:00:00Z"}
    assert_400_naming(await client.get("/messages", params=bad), "fromTime")
    assert_400_naming(
        await client.get("/messages", params={**bad, "fromTime": "2024-01-01", "maxSize": "1e3"}),
        "maxSize",
    )
    assert_400_naming(await client.delete("/messages", params={"userId": ""}), "userId")
    assert_400_naming(await client.get("/log", params={"traceId": ""}), "traceId")
