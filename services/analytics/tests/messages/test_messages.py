"""/messages and /message: storing, searching, reading and deleting, and every error."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


def message(**fields: Any) -> dict[str, Any]:
    base = {
        "type": "request",
        "messageId": f"m-{uuid.uuid4().hex[:8]}",
        "conversationId": "c-1",
        "channel": "telegram",
        "userId": "alice",
        "timestamp": "2024-05-01T10:00:00+00:00",
        "project": "msgs",
        "content": {"type": "text", "value": "hello"},
        "metadata": {"k": "v"},
    }
    return {**base, **fields}


EVERY_CONTENT = [
    message(
        content={"type": "text", "value": "hi"},
        domain="d",
        intent={"name": "greet", "confidence": 0.9},
        entities=[{"type": "city", "value": "Trento", "confidence": 0.5}],
        language="en",
    ),
    message(content={"type": "action", "value": "/start"}),
    message(content={"type": "attachment", "uri": "https://x/y.png", "alternativeText": "y"}),
    message(content={"type": "location", "latitude": 46.07, "longitude": 11.12}),
    message(
        type="response",
        responseTo="m-1",
        content={
            "type": "text",
            "value": "hey",
            "buttons": [{"type": "action", "buttonText": "ok", "buttonId": "1"}],
        },
    ),
    message(
        type="response",
        content={"type": "multiaction", "buttons": [{"buttonText": "a"}, {"buttonText": "b"}]},
    ),
    message(
        type="notification", content={"type": "attachment", "uri": "https://x/z.png", "buttons": []}
    ),
    message(
        type="notification",
        content={"type": "location", "latitude": 1, "longitude": 2, "buttons": []},
    ),
    message(
        type="notification",
        conversationId=None,
        metadata=None,
        content={
            "type": "carousel",
            "cards": [
                {
                    "title": "t",
                    "imageUrl": "https://i",
                    "subtitle": "s",
                    "defaultAction": {"type": "web"},
                    "buttons": [{"buttonText": "go"}],
                }
            ],
        },
    ),
]


async def test_post_every_message_and_content_kind(client, refresh):
    response = await client.post("/messages", json=EVERY_CONTENT)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "Created: messages stored" and body["code"] == 201
    assert len(body["traceIds"]) == len(EVERY_CONTENT) == len(set(body["traceIds"]))
    await refresh()
    for trace_id, sent in zip(body["traceIds"], EVERY_CONTENT, strict=True):
        got = await client.get("/message", params={"traceId": trace_id})
        assert got.status_code == 200
        assert got.json()["traceId"] == trace_id
        assert got.json()["messageId"] == sent["messageId"]
        assert got.json()["content"]["type"] == sent["content"]["type"]


async def test_trace_id_is_the_document_id_in_the_one_message_index(client, es, indices, refresh):
    sent = message(timestamp="2024-05-02T23:30:00-02:00")
    trace_id = (await client.post("/messages", json=[sent])).json()["traceIds"][0]
    document = await es.get(index=f"{indices.prefix}message-all", id=trace_id)
    assert document["_source"]["messageId"] == sent["messageId"]


async def test_sending_a_batch_again_does_not_duplicate(client, refresh):
    batch = [message(userId="dup-user"), message(userId="dup-user")]
    first = (await client.post("/messages", json=batch)).json()["traceIds"]
    again = (await client.post("/messages", json=batch)).json()["traceIds"]
    assert first == again
    await refresh()
    listed = await client.get(
        "/messages",
        params={
            "project": "msgs",
            "userId": "dup-user",
            "fromTime": "2024-01-01T00:00:00",
            "toTime": "2025-01-01T00:00:00",
        },
    )
    assert len(listed.json()) == 2


@pytest.mark.parametrize(
    "payload,field",
    [
        ([message(type="question")], "0"),
        ([message(content={"type": "carousel", "cards": [{"title": "t"}]})], "0.request.content"),
        (
            [message(type="response", content={"type": "action", "value": "x"})],
            "0.response.content",
        ),
        (
            [message(content={"type": "location", "latitude": "north", "longitude": 0})],
            "latitude",
        ),
        ([message(timestamp="yesterday")], "0.request.timestamp"),
        ([{k: v for k, v in message().items() if k != "userId"}], "0.request.userId"),
        (
            [message(), message(type="response", content={"type": "multiaction"})],
            "1.response.content.multiaction.buttons",
        ),
        ({"not": "a list"}, "body"),
    ],
)
async def test_post_rejects_bad_messages_naming_the_field(client, payload, field):
    response = await client.post("/messages", json=payload)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"status", "code"} and body["code"] == 400
    assert field in body["status"]


async def test_post_without_a_body_is_400(client):
    response = await client.post("/messages")
    assert response.status_code == 400 and response.json()["code"] == 400


async def test_every_route_needs_the_api_key(client):
    for method, path in [
        ("POST", "/messages"),
        ("GET", "/messages"),
        ("DELETE", "/messages"),
        ("GET", "/message"),
        ("DELETE", "/message"),
        ("POST", "/logs"),
        ("GET", "/logs"),
        ("GET", "/log"),
        ("GET", "/performance/message/x"),
        ("GET", "/performance/conversation/x"),
        ("POST", "/analytic"),
        ("GET", "/analytic"),
        ("DELETE", "/analytic"),
        ("POST", "/analytic/compute"),
    ]:
        for headers in ({"X-Api-Key": ""}, {"X-Api-Key": "wrong"}):
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path)
            body = response.json()
            assert body["code"] == 401 and body["status"].startswith("Unauthorized: ")
            assert "X-Api-Key" in body["status"]
    assert (await client.get("/healthz", headers={"X-Api-Key": ""})).status_code == 200
    assert (await client.get("/documentation", headers={"X-Api-Key": ""})).status_code == 200


async def test_get_messages_filters_sorts_and_limits(client, refresh):
    batch = [
        message(project="listing", userId="u1", channel="web", timestamp="2024-06-03T10:00:00Z"),
        message(
            project="listing", userId="u1", channel="telegram", timestamp="2024-06-01T10:00:00Z"
        ),
        message(
            project="listing",
            userId="u2",
            type="notification",
            content={"type": "text", "value": "n"},
            timestamp="2024-06-02T10:00:00Z",
        ),
        message(project="listing", userId="u2", timestamp="2024-07-01T10:00:00Z"),
        message(project="elsewhere", userId="u1", timestamp="2024-06-02T10:00:00Z"),
    ]
    assert (await client.post("/messages", json=batch)).status_code == 201
    await refresh()
    june = {
        "project": "listing",
        "fromTime": "2024-06-01T00:00:00Z",
        "toTime": "2024-06-30T23:59:59Z",
    }
    listed = (await client.get("/messages", params=june)).json()
    assert [m["timestamp"][:10] for m in listed] == ["2024-06-01", "2024-06-02", "2024-06-03"]
    assert [
        m["channel"]
        for m in (await client.get("/messages", params={**june, "userId": "u1"})).json()
    ] == ["telegram", "web"]
    assert len((await client.get("/messages", params={**june, "channel": "web"})).json()) == 1
    assert [
        m["userId"]
        for m in (await client.get("/messages", params={**june, "type": "notification"})).json()
    ] == ["u2"]
    assert len((await client.get("/messages", params={**june, "maxSize": 2})).json()) == 2


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"fromTime": "2024-06-01T00:00:00", "toTime": "2024-06-02T00:00:00"}, "project"),
        ({"project": "p", "toTime": "2024-06-02T00:00:00"}, "fromTime"),
        (
            {"project": "p", "fromTime": "2024-06-03T00:00:00", "toTime": "2024-06-02T00:00:00"},
            "fromTime must not be after toTime",
        ),
        (
            {
                "project": "p",
                "fromTime": "2024-06-01T00:00:00",
                "toTime": "2024-06-02T00:00:00",
                "maxSize": 10001,
            },
            "maxSize",
        ),
        ({"project": "p", "fromTime": "soon", "toTime": "2024-06-02T00:00:00"}, "fromTime"),
    ],
)
async def test_get_messages_errors(client, params, needle):
    response = await client.get("/messages", params=params)
    assert response.status_code == 400
    assert needle in response.json()["status"]


async def test_get_and_delete_one_message(client, refresh):
    sent = message(project="single", userId="bob")
    trace_id = (await client.post("/messages", json=[sent])).json()["traceIds"][0]
    await refresh()
    by_ids = await client.get(
        "/message", params={"messageId": sent["messageId"], "userId": "bob", "project": "single"}
    )
    assert by_ids.status_code == 200 and by_ids.json()["traceId"] == trace_id
    assert (
        await client.get("/message", params={"messageId": sent["messageId"], "userId": "bob"})
    ).json()["traceId"] == trace_id
    assert (
        await client.get("/message", params={"messageId": sent["messageId"], "userId": "eve"})
    ).status_code == 404
    deleted = await client.delete("/message", params={"traceId": trace_id})
    assert deleted.json() == {"status": "Ok: message deleted", "code": 200}
    missing = await client.get("/message", params={"traceId": trace_id})
    assert missing.status_code == 404 and missing.json() == {
        "status": "Not found: resource not found",
        "code": 404,
    }
    # Deleting it again: 200 and the same body, as the original (test_delete_message).
    again = await client.delete("/message", params={"traceId": trace_id})
    assert again.status_code == 200 and again.json() == deleted.json()


async def test_delete_one_message_by_message_and_user_id(client, refresh):
    sent = message(project="single", userId="carol")
    await client.post("/messages", json=[sent])
    await refresh()
    response = await client.delete(
        "/message", params={"messageId": sent["messageId"], "userId": "carol", "project": "single"}
    )
    assert response.status_code == 200
    assert (
        await client.get("/message", params={"messageId": sent["messageId"], "userId": "carol"})
    ).status_code == 404


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_one_message_needs_trace_id_or_message_and_user_id(client, method):
    for params in ({}, {"messageId": "m"}, {"userId": "u"}, {"project": "p"}):
        response = await client.request(method, "/message", params=params)
        assert response.status_code == 400 and "traceId" in response.json()["status"]


async def test_delete_a_user_leaves_none_of_their_messages_in_any_index(
    client, es, indices, refresh
):
    days = ["2023-12-31", "2024-01-15", "2024-02-29", "2024-08-01"]
    mine = [
        message(project=p, userId="gone", timestamp=f"{d}T12:00:00Z")
        for d in days
        for p in ("x", "y")
    ]
    others = [message(project="x", userId="stays", timestamp=f"{d}T12:00:00Z") for d in days]
    assert (await client.post("/messages", json=mine + others)).status_code == 201
    # One more in a daily index of the older layout (before migration 5 has moved it).
    older = message(project="x", userId="gone", timestamp="2023-06-01T12:00:00Z")
    await es.index(index=f"{indices.prefix}message-2023-06-01", id="older", document=older)
    mine.append(older)
    await refresh()
    count = lambda user: es.count(index=indices.messages, query={"term": {"userId.keyword": user}})  # noqa: E731
    assert (await count("gone"))["count"] == len(mine)
    response = await client.delete("/messages", params={"userId": "gone"})
    assert response.json() == {"status": "Ok: message deleted", "code": 200}
    assert (await count("gone"))["count"] == 0
    assert (await count("stays"))["count"] == len(others)
    # Also nothing left under any other field spelling: a match on the raw text finds nothing either.
    assert (await es.count(index=indices.messages, query={"match": {"userId": "gone"}}))[
        "count"
    ] == 0
    assert (await client.delete("/messages")).status_code == 400


async def test_naive_and_aware_times_compare_as_utc(client):
    # A naive time is UTC; comparing it with an aware one is not an error (it was a 500).
    base = {"project": "mixed", "fromTime": "2024-06-02T00:00:00"}
    later = await client.get("/messages", params={**base, "toTime": "2024-06-03T00:00:00+02:00"})
    assert later.status_code == 200 and later.json() == []
    earlier = await client.get("/messages", params={**base, "toTime": "2024-06-01T00:00:00Z"})
    assert earlier.status_code == 400 and "fromTime" in earlier.json()["status"]
    logs = await client.get("/logs", params={**base, "toTime": "2024-06-01T00:00:00Z"})
    assert logs.status_code == 400
    window = {"type": "fixed", "start": "2024-06-02T00:00:00", "end": "2024-06-01T00:00:00Z"}
    descriptor = {
        "type": "count",
        "timespan": window,
        "project": "mixed",
        "dimension": "user",
        "metric": "total",
    }
    refused = await client.post("/analytic", json=descriptor)
    assert refused.status_code == 400 and "start must not be after end" in refused.text
