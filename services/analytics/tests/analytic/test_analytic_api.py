"""/analytic: create (v2 and v1 forms), read, delete, compute; and their errors."""

from __future__ import annotations

import pytest
import yaml
from analytics.worker.jobs import refresh_analytic

V2 = {
    "type": "count",
    "timespan": {"type": "moving", "value": "30d"},
    "project": "api",
    "dimension": "user",
    "metric": "total",
}


async def test_create_read_delete(client):
    created = await client.post("/analytic", json=V2)
    assert created.status_code == 200
    analytic_id = created.json()["id"]
    got = (await client.get("/analytic", params={"id": analytic_id})).json()
    assert got == {"id": analytic_id, "descriptor": V2, "result": None}
    deleted = await client.delete("/analytic", params={"id": analytic_id})
    assert deleted.status_code == 200 and deleted.json() == {}
    assert (await client.get("/analytic", params={"id": analytic_id})).status_code == 404
    # Deleting an unknown analytic: 200 {} as the original (its test_delete_analytic).
    again = await client.delete("/analytic", params={"id": analytic_id})
    assert again.status_code == 200 and again.json() == {}


@pytest.mark.parametrize(
    "v1,v2",
    [
        (
            {
                "type": "analytic",
                "timespan": {"type": "DEFAULT", "value": "30D"},
                "project": "api",
                "dimension": "user",
                "metric": "u:total",
            },
            {
                "type": "count",
                "timespan": {"type": "moving", "value": "30D"},
                "project": "api",
                "dimension": "user",
                "metric": "total",
            },
        ),
        (
            {
                "type": "analytic",
                "timespan": {"type": "DEFAULT", "value": "TODAY"},
                "project": "api",
                "dimension": "message",
                "metric": "m:from_users",
            },
            {
                "type": "count",
                "timespan": {"type": "moving", "value": "today"},
                "project": "api",
                "dimension": "message",
                "metric": "requests",
            },
        ),
        (
            {
                "type": "analytic",
                "timespan": {
                    "type": "CUSTOM",
                    "start": "2024-01-01T00:00:00",
                    "end": "2024-02-01T00:00:00",
                },
                "project": "api",
                "dimension": "message",
                "metric": "m:segmentation",
            },
            {
                "type": "segmentation",
                "timespan": {
                    "type": "fixed",
                    "start": "2024-01-01T00:00:00",
                    "end": "2024-02-01T00:00:00",
                },
                "project": "api",
                "dimension": "message",
                "metric": "all",
            },
        ),
        (
            {
                "type": "analytic",
                "timespan": {"type": "DEFAULT", "value": "7D"},
                "project": "api",
                "dimension": "message",
                "metric": "r:segmentation",
            },
            {
                "type": "segmentation",
                "timespan": {"type": "moving", "value": "7D"},
                "project": "api",
                "dimension": "message",
                "metric": "requests",
            },
        ),
        (
            {
                "type": "analytic",
                "timespan": {"type": "DEFAULT", "value": "10D"},
                "project": "api",
                "dimension": "user",
                "metric": "g:segmentation",
            },
            {
                "type": "segmentation",
                "timespan": {"type": "moving", "value": "10D"},
                "project": "api",
                "dimension": "user",
                "metric": "gender",
            },
        ),
        (
            {
                "type": "analytic",
                "timespan": {"type": "DEFAULT", "value": "1D"},
                "project": "api",
                "dimension": "conversation",
                "metric": "c:new",
            },
            {
                "type": "count",
                "timespan": {"type": "moving", "value": "1D"},
                "project": "api",
                "dimension": "conversation",
                "metric": "new",
            },
        ),
        (
            {
                "type": "analytic",
                "timespan": {"type": "default", "value": "2w"},
                "project": "api",
                "dimension": "bot",
                "metric": "b:response",
            },
            {
                "type": "count",
                "timespan": {"type": "moving", "value": "2w"},
                "project": "api",
                "dimension": "bot",
                "metric": "response",
            },
        ),
        (
            {
                "type": "aggregation",
                "timespan": {
                    "type": "custom",
                    "start": "2024-01-01T00:00:00",
                    "end": "2024-02-01T00:00:00",
                },
                "project": "api",
                "field": "metadata.score",
                "aggregation": "avg",
            },
            {
                "type": "aggregation",
                "timespan": {
                    "type": "fixed",
                    "start": "2024-01-01T00:00:00",
                    "end": "2024-02-01T00:00:00",
                },
                "project": "api",
                "field": "metadata.score",
                "aggregation": "avg",
                "filters": [],
            },
        ),
    ],
)
async def test_v1_descriptors_are_mapped(client, v1, v2):
    created = (await client.post("/analytic", json=v1)).json()
    # A 1.x descriptor (`type: analytic`) is answered as 1.x did: `{"staticId"}`.
    analytic_id = created["staticId"] if v1["type"] == "analytic" else created["id"]
    assert (await client.get("/analytic", params={"id": analytic_id})).json()["descriptor"] == v2


@pytest.mark.parametrize(
    "descriptor,needle",
    [
        ({**V2, "metric": "bogus"}, "metric"),
        ({**V2, "dimension": "planet"}, "type must be count"),
        ({**V2, "type": "histogram"}, "type must be count"),
        ({**V2, "timespan": {"type": "moving", "value": "3x"}}, "timespan"),
        (
            {**V2, "timespan": {"type": "fixed", "start": "2024-02-01T00:00:00"}},
            "timespan.fixed.end",
        ),
        (
            {
                **V2,
                "timespan": {
                    "type": "fixed",
                    "start": "2024-02-01T00:00:00",
                    "end": "2024-01-01T00:00:00",
                },
            },
            "start must not be after end",
        ),
        ({k: v for k, v in V2.items() if k != "project"}, "project"),
        (
            {
                "type": "aggregation",
                "timespan": V2["timespan"],
                "project": "p",
                "field": "x",
                "aggregation": "median",
            },
            "aggregation",
        ),
        (
            {
                "type": "aggregation",
                "timespan": V2["timespan"],
                "project": "p",
                "field": "x",
                "aggregation": "avg",
                "filters": [{"field": "y", "operation": "eq", "value": 1}],
            },
            "filters.0.operation",
        ),
        (
            {
                "type": "analytic",
                "timespan": {"type": "DEFAULT", "value": "30D"},
                "project": "p",
                "dimension": "message",
                "metric": "m:unhandled",
            },
            "metric",
        ),
    ],
)
async def test_create_rejects_bad_descriptors(client, descriptor, needle):
    response = await client.post("/analytic", json=descriptor)
    assert response.status_code == 400
    assert needle in response.json()["status"]


async def test_lookups_need_an_id(client):
    assert (await client.get("/analytic")).status_code == 400
    assert (await client.delete("/analytic")).status_code == 400
    unknown = await client.post("/analytic/compute", params={"id": "missing"})
    assert unknown.status_code == 200 and unknown.json() == {}  # as the original
    assert (
        await client.post("/analytic/compute", params={"timeWindowType": "sliding"})
    ).status_code == 400


async def test_documentation_is_the_openapi_document(client):
    response = await client.get("/documentation")
    assert response.headers["content-type"].startswith("text/plain")
    document = yaml.safe_load(response.text)
    assert document["openapi"].startswith("3.")
    for path in [
        "/messages",
        "/message",
        "/logs",
        "/log",
        "/analytic",
        "/analytic/compute",
        "/performance/message/{trace_id}",
        "/performance/conversation/{conversation_id}",
    ]:
        assert path in document["paths"], path


async def test_a_1x_client_reads_its_analytic_by_static_id(client, settings):
    v1 = {
        "type": "analytic",
        "timespan": {"type": "DEFAULT", "value": "7D"},
        "project": "api-v1",
        "dimension": "message",
        "metric": "m:segmentation",
    }
    created = await client.post("/analytic", json=v1)
    assert set(created.json()) == {"staticId"}
    static_id = created.json()["staticId"]
    await refresh_analytic(settings, static_id)
    got = (await client.get("/analytic", params={"staticId": static_id})).json()
    assert set(got) == {"staticId", "query", "result"}
    assert got["query"]["metric"] == "all" and got["query"]["timespan"]["value"] == "7D"
    # 1.x named a segmentation's segments `counts`; the v2 read keeps `segments`.
    assert got["result"]["type"] == "segmentation" and got["result"]["counts"] == []
    v2 = (await client.get("/analytic", params={"id": static_id})).json()
    assert v2["result"]["segments"] == []
