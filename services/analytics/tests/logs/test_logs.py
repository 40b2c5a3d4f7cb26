"""/logs and /log: storing into logging-all (project a field), reading and deleting."""

from __future__ import annotations

from typing import Any

import pytest


def log(**fields: Any) -> dict[str, Any]:
    base = {
        "logId": "l-1",
        "project": "Bot-One",
        "component": "nlu",
        "severity": "INFO",
        "logContent": "parsed",
        "timestamp": "2024-04-10T08:00:00Z",
    }
    return {**base, **fields}


async def test_post_logs_goes_to_the_one_log_index(client, es, indices, refresh):
    logs = [
        log(logId="a", authority="me", botVersion="1.2", metadata={"x": 1}),
        log(logId="b", timestamp="2024-04-11T08:00:00Z"),
    ]
    response = await client.post("/logs", json=logs)
    assert response.status_code == 201
    body = response.json()
    assert (
        body["status"] == "Created: logs stored"
        and body["code"] == 201
        and len(body["traceIds"]) == 2
    )
    stored = await es.get(index=f"{indices.prefix}logging-all", id=body["traceIds"][0])
    assert stored["_source"]["logId"] == "a" and stored["_source"]["botVersion"] == "1.2"
    assert stored["_source"]["project"] == "Bot-One"
    assert await es.exists(index=f"{indices.prefix}logging-all", id=body["traceIds"][1])


async def test_read_and_delete_logs(client, refresh):
    logs = [
        log(
            project="reader",
            logId=f"r{i}",
            severity="ERROR" if i % 2 else "INFO",
            timestamp=f"2024-04-1{i}T08:00:00Z",
        )
        for i in range(4)
    ]
    trace_ids = (await client.post("/logs", json=logs)).json()["traceIds"]
    await refresh()
    window = {
        "project": "reader",
        "fromTime": "2024-04-10T00:00:00Z",
        "toTime": "2024-04-12T23:00:00Z",
    }
    listed = (await client.get("/logs", params=window)).json()
    assert [entry["logId"] for entry in listed] == ["r0", "r1", "r2"]
    assert [
        entry["logId"]
        for entry in (await client.get("/logs", params={**window, "severity": "ERROR"})).json()
    ] == ["r1"]
    one = await client.get("/log", params={"logId": "r3", "project": "reader"})
    assert one.status_code == 200 and one.json()["traceId"] == trace_ids[3]
    assert (await client.get("/log", params={"traceId": trace_ids[0]})).json()["logId"] == "r0"
    assert (await client.delete("/log", params={"traceId": trace_ids[0]})).json()["code"] == 200
    assert (await client.get("/log", params={"traceId": trace_ids[0]})).status_code == 404
    assert (
        await client.delete(
            "/logs",
            params={
                "project": "reader",
                "fromTime": "2024-04-11T00:00:00Z",
                "toTime": "2024-04-11T23:00:00Z",
            },
        )
    ).status_code == 200
    assert [
        entry["logId"]
        for entry in (
            await client.get("/logs", params={**window, "toTime": "2024-04-14T00:00:00Z"})
        ).json()
    ] == ["r2", "r3"]
    assert (await client.delete("/logs", params={"project": "reader"})).status_code == 200
    assert (
        await client.get("/logs", params={**window, "toTime": "2024-04-14T00:00:00Z"})
    ).json() == []


@pytest.mark.parametrize(
    "payload,field",
    [
        ([log(severity="")], "0.severity"),
        ([{k: v for k, v in log().items() if k != "component"}], "0.component"),
        ([log(timestamp="nope")], "0.timestamp"),
    ],
)
async def test_post_logs_rejects_bad_logs(client, payload, field):
    response = await client.post("/logs", json=payload)
    assert response.status_code == 400 and field in response.json()["status"]


async def test_log_lookups_need_their_parameters(client):
    assert (await client.get("/log", params={"logId": "x"})).status_code == 400
    assert (await client.delete("/log")).status_code == 400
    assert (
        await client.get(
            "/logs",
            params={
                "project": "p",
                "fromTime": "2024-04-12T00:00:00Z",
                "toTime": "2024-04-11T00:00:00Z",
            },
        )
    ).status_code == 400
    assert (
        await client.get("/log", params={"logId": "missing", "project": "nobody"})
    ).status_code == 404


async def test_indices_grow_neither_with_projects_nor_with_days(client, es, indices, refresh):
    before = sorted(await es.indices.get(index=f"{indices.prefix}*"))
    logs = [
        log(project=f"many-{n}", logId=f"m{n}", timestamp=f"{1000 + n * 97:04d}-05-20T08:00:00Z")
        for n in range(40)
    ]
    response = await client.post("/logs", json=logs)
    assert response.status_code == 201, response.text
    messages = [
        {
            "messageId": f"m{n}",
            "channel": "web",
            "userId": "u",
            "project": f"many-{n}",
            "type": "request",
            "timestamp": f"{1000 + n * 97:04d}-01-01T00:00:00Z",
        }
        for n in range(40)
    ]
    assert (await client.post("/messages", json=messages)).status_code == 201
    await refresh()
    after = sorted(await es.indices.get(index=f"{indices.prefix}*"))
    assert set(after) - set(before) <= {
        f"{indices.prefix}message-all",
        f"{indices.prefix}logging-all",
    }
    trace_ids = response.json()["traceIds"]
    # A project sees only its own logs, and deleting one log leaves the other projects' alone.
    window = {"fromTime": "1000-01-01T00:00:00Z", "toTime": "9999-01-01T00:00:00Z"}
    mine = (await client.get("/logs", params={**window, "project": "many-7"})).json()
    assert [entry["logId"] for entry in mine] == ["m7"]
    deleted = await client.delete("/log", params={"traceId": trace_ids[7]})
    assert deleted.status_code == 200, deleted.text
    wrong_project = await client.get("/log", params={"traceId": trace_ids[8], "project": "many-9"})
    assert wrong_project.status_code == 404
    assert (await client.delete("/logs", params={"project": "many-8"})).status_code == 200
    left = await es.count(
        index=f"{indices.prefix}logging-all", query={"prefix": {"project.keyword": "many-"}}
    )
    assert left["count"] == 38
