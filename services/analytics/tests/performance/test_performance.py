"""/performance: request → response times per message and per conversation."""

from __future__ import annotations

import statistics


def msg(mid, kind, seconds, **extra):
    body = {
        "type": kind,
        "messageId": mid,
        "conversationId": "perf-conv",
        "channel": "web",
        "userId": "pat",
        "timestamp": f"2024-05-20T10:00:{seconds:02d}Z",
        "project": "perf",
        "content": {"type": "text", "value": mid},
    }
    return {**body, **extra}


async def test_message_and_conversation_response_times(client, refresh):
    batch = [
        msg("q1", "request", 0),
        msg("a1", "response", 2, responseTo="q1"),
        msg("a1b", "response", 5, responseTo="q1"),
        msg("q2", "request", 10),
        msg("a2", "response", 13, responseTo="q2"),
        msg("q3", "request", 20),
        msg("n1", "notification", 30),
    ]
    trace = dict(
        zip(
            [m["messageId"] for m in batch],
            (await client.post("/messages", json=batch)).json()["traceIds"],
            strict=True,
        )
    )
    await refresh()
    q1 = (await client.get(f"/performance/message/{trace['q1']}")).json()
    assert q1["type"] == "request" and q1["responseTimeMs"] == 2000
    assert [r["responseTimeMs"] for r in q1["responses"]] == [2000, 5000]
    a2 = (await client.get(f"/performance/message/{trace['a2']}")).json()
    assert a2["request"]["messageId"] == "q2" and a2["responseTimeMs"] == 3000
    q3 = (await client.get(f"/performance/message/{trace['q3']}")).json()
    assert q3["responses"] == [] and q3["responseTimeMs"] is None
    hits = (await client.get("/performance/conversation/perf-conv")).json()
    # The original's answer by default: the conversation's messages as search hits.
    assert [h["_source"]["messageId"] for h in hits] == [m["messageId"] for m in batch]
    assert [h["_id"] for h in hits] == [trace[m["messageId"]] for m in batch]
    summary = {"summary": "true"}
    conversation = (await client.get("/performance/conversation/perf-conv", params=summary)).json()
    assert (
        conversation["messages"] == 7
        and conversation["requests"] == 3
        and conversation["responses"] == 3
    )
    assert conversation["answered"] == 2 and conversation["unanswered"] == 1
    times = [p["responseTimeMs"] for p in conversation["pairs"]]
    assert times == [2000, 3000]
    assert conversation["responseTimeMs"] == {
        "count": 2,
        "min": 2000,
        "max": 3000,
        "avg": 2500,
        "median": statistics.median(times),
    }


async def test_performance_not_found(client):
    assert (await client.get("/performance/message/no-such-trace")).status_code == 404
    unknown = "/performance/conversation/no-such-conversation"
    assert (await client.get(unknown)).json() == []  # the original's answer: no hits
    response = await client.get(unknown, params={"summary": "true"})
    assert response.status_code == 404 and response.json()["code"] == 404
