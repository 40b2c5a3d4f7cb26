"""The original's web-service test scenarios (its test/unit/.../ws/resource tests), as black-box
HTTP calls on the running analytics through the gateway, and what its clients send besides."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml
from analytics_polling import eventually, found


def request_message(project: str, user: str, **fields: Any) -> dict[str, Any]:
    return {
        "messageId": f"m-{uuid.uuid4().hex[:8]}",
        "conversationId": None,
        "channel": "channel",
        "userId": user,
        "timestamp": "2021-01-22T17:55:33.429203",
        "content": {"type": "action", "value": "test"},
        "domain": None,
        "intent": None,
        "entities": [],
        "language": None,
        "metadata": {},
        "project": project,
        "type": "request",
        **fields,
    }


@pytest.fixture
async def user(live) -> Any:
    name = f"scn-{uuid.uuid4().hex[:8]}"
    yield name
    await live.delete("/messages", params={"userId": name})


async def test_get_message(live, live_project, user):
    sent = request_message(live_project, user)
    trace_id = (await live.post("/messages", json=[sent])).json()["traceIds"][0]
    got = await found(live, "/message", {"traceId": trace_id})
    assert {k: got[k] for k in sent} == sent and got["traceId"] == trace_id
    ids = {"project": live_project, "messageId": sent["messageId"], "userId": user}
    assert (await live.get("/message", params=ids)).json()["traceId"] == trace_id
    assert (await live.get("/message")).status_code == 400
    assert (await live.get("/message", params={"traceId": "no-such-trace"})).status_code == 404


async def test_delete_message(live, live_project, user):
    ok = {"status": "Ok: message deleted", "code": 200}
    unknown = {"project": live_project, "messageId": "message_id", "userId": user}
    for params in (unknown, {"traceId": "trace_id"}):
        response = await live.delete("/message", params=params)
        assert response.status_code == 200 and response.json() == ok
    assert (await live.delete("/message")).status_code == 400


async def test_post_messages(live, live_project, user):
    response = await live.post("/messages", json=[request_message(live_project, user)])
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "Created: messages stored" and body["code"] == 201
    assert len(body["traceIds"]) == 1
    assert (await live.post("/messages")).status_code == 400
    assert (await live.post("/messages", json=[{"messageId": "message_id"}])).status_code == 400


@pytest.mark.parametrize(
    "extra,status",
    [
        ({}, 200),
        ({"fromTime": None}, 400),
        ({"toTime": None}, 400),
        ({"project": None}, 400),
        ({"userId": "user_id"}, 200),
        ({"channel": "channel"}, 200),
        ({"type": "request"}, 200),
        ({"type": "REQUEST"}, 200),
        ({"maxSize": 1000}, 200),
        ({"maxSize": 0}, 200),
        ({"maxSize": 10001}, 400),
        ({"maxSize": "30.5"}, 400),
        ({"maxSize": "cinque"}, 400),
        ({"fromTime": "2021-02-06T00:00:00"}, 400),
        ({"fromTime": "from_time", "toTime": "to_time"}, 400),
    ],
)
async def test_get_messages(live, live_project, extra, status):
    params = {"project": live_project, "fromTime": "2021-02-04T00:00:00"}
    params["toTime"] = "2021-02-05T00:00:00"
    params = {k: v for k, v in {**params, **extra}.items() if v is not None}
    response = await live.get("/messages", params=params)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json() == []


async def test_what_the_original_accepted_is_accepted(live, live_project, user):
    first = request_message(live_project, user, type="Request")
    first["content"] = {"type": "GENDER", "value": "female"}  # user info, any case
    posted = await live.post("/messages", json=[first])
    assert posted.status_code == 201, posted.text
    stored = await found(live, "/message", {"traceId": posted.json()["traceIds"][0]})
    assert stored["type"] == "request" and stored["content"] == {
        "type": "gender",
        "value": "female",
    }
    # A message read back and posted again, its traceId included: the key is ignored.
    again = await live.post("/messages", json=[stored])
    assert again.status_code == 201 and again.json()["traceIds"] == [stored["traceId"]]
    place = request_message(live_project, user)
    place["content"] = {"type": "Location", "latitude": 120, "longitude": -200}
    assert (await live.post("/messages", json=[place])).status_code == 201


async def test_post_logs_keeps_the_valid_logs_and_names_the_invalid(live, live_project):
    def log(log_id: str, **fields: Any) -> dict[str, Any]:
        base = {
            "logId": log_id,
            "project": live_project,
            "component": "nlu",
            "severity": "WARN",
            "logContent": "c",
            "timestamp": "2024-04-01T00:00:00Z",
        }
        return {**base, **fields}

    batch = [log("good-1"), log("bad", severity=None), log("good-2", colour="blue"), "nope"]
    response = await live.post("/logs", json=batch)
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["traceIds"]) == 2 and body["code"] == 201
    assert [(i["position"], i["logId"]) for i in body["invalid"]] == [(1, "bad"), (3, None)]
    assert "1.severity" in body["invalid"][0]["error"]
    stored = await found(live, "/log", {"traceId": body["traceIds"][1]})
    assert stored["logId"] == "good-2" and "colour" not in stored
    assert (await live.post("/logs", json=[log("x", timestamp="never")])).status_code == 400
    assert (await live.delete("/logs", params={"project": live_project})).status_code == 200


V2_COUNT = {
    "type": "count",
    "timespan": {"type": "moving", "value": "7D"},
    "project": "p",
    "dimension": "user",
    "metric": "total",
}


async def test_get_post_and_delete_analytic(live, live_project):
    descriptor = {**V2_COUNT, "project": live_project}
    created = await live.post("/analytic", json=descriptor)
    assert created.status_code == 200 and set(created.json()) == {"id"}
    analytic_id = created.json()["id"]
    got = (await live.get("/analytic", params={"id": analytic_id})).json()
    assert got == {"id": analytic_id, "descriptor": descriptor, "result": None}  # 7D kept
    assert (await live.get("/analytic")).status_code == 400
    assert (await live.post("/analytic", json={})).status_code == 400
    for _ in range(2):  # the original's test_delete_analytic: 200 {} known or not
        deleted = await live.delete("/analytic", params={"id": analytic_id})
        assert deleted.status_code == 200 and deleted.json() == {}
    assert (await live.get("/analytic", params={"id": analytic_id})).status_code == 404
    assert (await live.delete("/analytic")).status_code == 400


async def test_an_aggregation_without_filters_is_stored_with_an_empty_list(live, live_project):
    descriptor = {
        "type": "AGGREGATION",
        "timespan": {"type": "fixed", "start": "2024-01-01T00:00:00", "end": "2024-02-01T00:00:00"},
        "project": live_project,
        "field": "metadata.score",
        "aggregation": "AVG",
    }
    analytic_id = (await live.post("/analytic", json=descriptor)).json()["id"]
    stored = (await live.get("/analytic", params={"id": analytic_id})).json()["descriptor"]
    assert stored["filters"] == [] and stored["aggregation"] == "avg"
    await live.delete("/analytic", params={"id": analytic_id})


async def test_documentation_is_yaml_text(live):
    response = await live.get("/documentation", headers={"x-wenet-component-apikey": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    document = yaml.safe_load(response.text)
    assert document["openapi"].startswith("3.") and "/messages" in document["paths"]
    assert document["servers"] == [{"url": "/analytics"}]


async def test_1x_routes(live, live_project):
    log = {
        "logId": "click-1",
        "project": live_project,
        "component": "ui",
        "severity": "INFO",
        "logContent": "click",
        "timestamp": "2024-04-01T00:00:00Z",
        "metadata": {"userId": f"{live_project}-u", "eventId": "e-7"},
    }
    batch = [log, {**log, "logId": "click-2"}, {**log, "logId": "click-3", "metadata": {}}]
    assert (await live.post("/v1/logs", json=batch)).json()["code"] == 200

    async def counted() -> Any:
        params = {"userId": f"{live_project}-u"}
        answer = (await live.get("/analytic/usercount", params=params)).json()
        return answer if answer["click"] else None

    assert await eventually(counted) == {
        "type": "click_per_user",
        "user": f"{live_project}-u",
        "click": {"e-7": 2},
        "status": "ok",
        "code": 200,
        "truncated": False,
    }
    per_event = await live.get(
        "/v1/analytic/eventcount", params={"eventId": "e-7", "project": live_project}
    )
    assert per_event.json()["click"] == {f"{live_project}-u": 2}
    assert (await live.get("/analytic/usercount")).status_code == 400
    # A 1.x descriptor: {"staticId"}, read back by staticId in 1.x's names.
    v1 = {
        "type": "analytic",
        "timespan": {"type": "DEFAULT", "value": "30D"},
        "project": live_project,
        "dimension": "user",
        "metric": "u:total",
    }
    static_id = (await live.post("/analytic", json=v1)).json()["staticId"]
    got = (await live.get("/analytic", params={"staticId": static_id})).json()
    assert got["staticId"] == static_id and got["query"]["metric"] == "total"
    assert set(got) == {"staticId", "query", "result"}
    assert (await live.delete("/analytic", params={"staticId": static_id})).json() == {}
    assert (await live.delete("/logs", params={"project": live_project})).status_code == 200


async def test_unknown_analytic_compute_is_answered_as_the_original(live):
    response = await live.post("/analytic/compute", params={"id": "no-such-analytic"})
    assert response.status_code in (200, 429)  # 429: the shared rate window is spent
    if response.status_code == 200:
        assert response.json() == {}


async def computed(live, analytic_id: str) -> dict[str, Any]:
    """Asks the running worker to compute an analytic and waits for its result."""

    async def ask() -> Any:
        response = await live.post("/analytic/compute", params={"id": analytic_id})
        return response.status_code == 200  # 429: the shared rate window is spent, ask again

    assert await eventually(ask, attempts=150, pause=1)

    async def result() -> Any:
        got = (await live.get("/analytic", params={"id": analytic_id})).json()
        return got["result"]

    answer = await eventually(result)
    assert answer, analytic_id
    return answer


async def test_the_running_worker_answers_in_the_original_shapes(live, live_project, user):
    scores = [3, 5, 10]
    batch = [
        request_message(
            live_project, user, timestamp=f"2024-01-0{n + 1}T10:00:00", metadata={"score": s}
        )
        for n, s in enumerate(scores)
    ]
    assert (await live.post("/messages", json=batch)).status_code == 201
    window = {"type": "fixed", "start": "2024-01-01T00:00:00", "end": "2024-02-01T00:00:00"}
    avg = {
        "type": "aggregation",
        "timespan": window,
        "project": live_project,
        "field": "metadata.score",
        "aggregation": "avg",
    }
    tasks = {
        "type": "count",
        "timespan": window,
        "project": live_project,
        "dimension": "task",
        "metric": "active",
    }
    ids = [(await live.post("/analytic", json=d)).json()["id"] for d in (avg, tasks)]
    try:
        average = await computed(live, ids[0])
        assert average["type"] == "aggregation" and average["aggregation"] == {"avg": 6.0}
        assert (average["fromDt"], average["toDt"]) == (window["start"], window["end"])
        no_manager = await computed(live, ids[1])  # the suite configures no task manager
        assert no_manager["count"] is None
        assert "no task manager is configured" in no_manager["error"]
    finally:
        for analytic_id in ids:
            await live.delete("/analytic", params={"id": analytic_id})


def _windows() -> list[dict[str, Any]]:
    """The time windows the original's tests draw (its TimeGenerator), in its to_repr form."""
    now = datetime.now()
    fixed = [
        {"type": "fixed", "start": (now - timedelta(days=d)).isoformat(), "end": now.isoformat()}
        for d in (1, 3, 10, 20, 30)
    ]
    moving = ["1d", "3d", "1w", "2w", "1m", "6m", "1y", "4y", "today", "all"]
    return fixed + [{"type": "moving", "value": v} for v in moving]


@pytest.mark.parametrize("window", _windows(), ids=lambda w: w.get("value", "fixed"))
async def test_post_analytic_with_the_originals_windows(live, live_project, window):
    # UserCountDescriptor(window, project, "total").to_repr(), as test_post_analytic posts it.
    descriptor = {
        "timespan": window,
        "project": live_project,
        "type": "count",
        "dimension": "user",
        "metric": "total",
    }
    created = await live.post("/analytic", json=descriptor)
    assert created.status_code == 200
    analytic_id = created.json()["id"]
    got = (await live.get("/analytic", params={"id": analytic_id})).json()
    assert got == {"id": analytic_id, "descriptor": descriptor, "result": None}
    assert (await live.delete("/analytic", params={"id": analytic_id})).json() == {}
