"""GET /messages/page: every message once, in order, through any number of pages; the
conversation filter (also on GET /messages); bad cursors and limits named."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

WINDOW = {"fromTime": "2024-01-01T00:00:00Z", "toTime": "2024-12-31T00:00:00Z"}


def message(project: str, i: int, **fields: Any) -> dict[str, Any]:
    base = {
        "type": "request",
        "messageId": f"m-{i:03d}",
        "conversationId": f"c-{i % 3}",
        "channel": "web",
        "userId": f"u-{i % 4}",
        # many share a timestamp: the page boundary falls inside ties
        "timestamp": f"2024-05-{1 + i // 5:02d}T10:00:00Z",
        "project": project,
        "content": {"type": "text", "value": f"text {i}"},
    }
    return {**base, **fields}


@pytest.fixture(scope="module")
async def paged(client, refresh) -> tuple[str, list[dict[str, Any]]]:
    project = f"pg-{uuid.uuid4().hex[:8]}"
    messages = [message(project, i) for i in range(23)]
    # Same user, id and type, 100 µs apart: two trace ids, one sort key but for _seq_no.
    messages += [
        message(project, 90, timestamp="2024-06-01T10:00:00.000100Z", conversationId=None),
        message(project, 90, timestamp="2024-06-01T10:00:00.000200Z", conversationId=None),
    ]
    # An id longer than the keyword sub-field keeps (256): its sort value is missing.
    messages.append(message(project, 91, messageId="x" * 300, timestamp="2024-06-02T10:00:00Z"))
    stored = await client.post("/messages", json=messages)
    assert stored.status_code == 201, stored.text
    await refresh()
    return project, messages


async def walk(client, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    seen: list[dict[str, Any]] = []
    totals: set[int] = set()
    pages = 0
    cursor = None
    while True:
        asked = {**params, **({"cursor": cursor} if cursor else {})}
        answer = await client.get("/messages/page", params=asked)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages += 1
        assert len(body["messages"]) <= params["limit"]
        assert body["totalIsLowerBound"] is False
        totals.add(body["total"])
        seen += body["messages"]
        cursor = body["next"]
        if cursor is None:
            assert totals == {len(seen)}  # every page counts the whole match
            return seen, pages
        assert pages < 100, "the cursor does not advance"


@pytest.mark.parametrize("limit", [1, 4, 5, 1000])
async def test_pages_hold_every_message_once_oldest_first(client, paged, limit):
    project, messages = paged
    seen, pages = await walk(client, {"project": project, **WINDOW, "limit": limit})
    trace_ids = [m["traceId"] for m in seen]
    assert len(trace_ids) == len(set(trace_ids)) == len(messages)
    assert pages == -(-len(messages) // limit) or (limit == 1 and pages == len(messages))
    whole = (await client.get("/messages", params={"project": project, **WINDOW})).json()
    key = [(m["timestamp"], m["userId"], m["messageId"]) for m in whole]
    assert sorted(key) == sorted((m["timestamp"], m["userId"], m["messageId"]) for m in seen)
    moments = [m["timestamp"] for m in seen]
    assert moments == sorted(moments)  # oldest first (all written with the same offset)
    one = await client.get("/message", params={"traceId": seen[0]["traceId"]})
    assert one.json() == seen[0]  # each as stored, with its trace id


async def test_filters_narrow_the_pages(client, paged):
    project, messages = paged
    params = {"project": project, **WINDOW, "limit": 2, "conversationId": "c-1", "userId": "u-1"}
    seen, _ = await walk(client, params)
    expected = {
        m["messageId"]
        for m in messages
        if m.get("conversationId") == "c-1" and m["userId"] == "u-1"
    }
    assert expected and {m["messageId"] for m in seen} == expected


async def test_get_messages_takes_a_conversation_too(client, paged):
    project, messages = paged
    params = {"project": project, **WINDOW, "conversationId": "c-2"}
    found = (await client.get("/messages", params=params)).json()
    assert sorted(m["messageId"] for m in found) == sorted(
        m["messageId"] for m in messages if m.get("conversationId") == "c-2"
    )
    assert all("traceId" not in m for m in found)  # the original's answer, unchanged


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WzEsMl0"}, "cursor"),  # base64 of [1,2]: not a sort key
        ({"cursor": "x" * 3000}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"conversationId": ""}, "conversationId"),
        ({"fromTime": "2025-01-01T00:00:00Z"}, "fromTime"),
    ],
)
async def test_bad_paging_is_a_400_naming_it(client, paged, params, needle):
    project, _ = paged
    answer = await client.get("/messages/page", params={"project": project, **WINDOW, **params})
    assert answer.status_code == 400, answer.text
    assert needle in answer.json()["status"]


async def test_the_count_stops_where_it_is_bounded(client, paged, monkeypatch):
    from analytics.messages import service

    monkeypatch.setattr(service, "COUNT_UP_TO", 5)
    project, _ = paged
    body = (await client.get("/messages/page", params={"project": project, **WINDOW})).json()
    assert body["total"] == 5 and body["totalIsLowerBound"] is True
    assert len(body["messages"]) == 26  # the page itself is not cut by the count
