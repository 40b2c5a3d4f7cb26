"""The original's client library, replayed against the running analytics through the gateway.

Each body below is what one of the library's `add_*` methods posts (read from the original's
`memex_logging_lib`: uppercase message types, `intent` with null name and confidence, empty
metadata, buttons as `{type, buttonText, buttonId}`, a carousel "response" posted as a
NOTIFICATION still carrying `responseTo`), with the key in `x-wenet-component-apikey`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from analytics_polling import found

STAMP = "2025-03-04T10:11:12.345678"


def _request(content: dict[str, Any], **base: Any) -> dict[str, Any]:
    return {
        **base,
        "content": content,
        "domain": None,
        "intent": {"name": None, "confidence": None},
        "entities": [],
        "language": None,
        "metadata": {},
        "type": "REQUEST",
    }


def _bot(kind: str, content: dict[str, Any], response_to: str | None, **base: Any) -> dict:
    body = {**base, "content": content, "metadata": {}, "type": kind}
    if response_to is not None:
        body["responseTo"] = response_to
    return body


def _button(text: str, button_id: str | None) -> dict[str, Any]:
    return {"type": "action", "buttonText": text, "buttonId": button_id}


def _card(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "imageUrl": None,
        "subtitle": None,
        "defaultAction": None,
        "buttons": [_button("more", None)],
    }


def library_bodies(project: str, user: str) -> dict[str, dict[str, Any]]:
    """One body per `add_*` method of the original's LoggingUtility."""

    def base(message_id: str) -> dict[str, Any]:
        return {
            "messageId": message_id,
            "channel": "TELEGRAM",
            "userId": user,
            "conversationId": None,
            "timestamp": STAMP,
            "project": project,
        }

    buttons = [_button("yes", "b1"), _button("no", None)]
    return {
        "add_location_request": _request(
            {"type": "location", "latitude": 120.5, "longitude": 11.1}, **base("r-loc")
        ),
        "add_textual_request": _request({"type": "text", "value": "hello"}, **base("r-text")),
        "add_action_request": _request({"type": "action", "value": "/start"}, **base("r-act")),
        "add_attachment_request": _request(
            {"type": "attachment", "uri": "https://x.example/a.png", "alternativeText": None},
            **base("r-att"),
        ),
        "add_textual_response": _bot(
            "RESPONSE", {"type": "text", "value": "hi", "buttons": buttons}, "r-text", **base("a1")
        ),
        "add_attachment_response": _bot(
            "RESPONSE",
            {"type": "attachment", "uri": "u", "alternativeText": "alt", "buttons": []},
            "r-att",
            **base("a2"),
        ),
        "add_quick_reply_response": _bot(
            "RESPONSE", {"type": "multiaction", "buttons": buttons}, "r-act", **base("a3")
        ),
        "add_carousel_response": _bot(
            "NOTIFICATION",
            {"type": "carousel", "cards": [_card("one"), _card("two")]},
            "r-text",
            **base("a4"),
        ),
        "add_textual_notification": _bot(
            "NOTIFICATION", {"type": "text", "value": "ping", "buttons": []}, None, **base("n1")
        ),
        "add_attachment_notification": _bot(
            "NOTIFICATION",
            {"type": "attachment", "uri": "u", "alternativeText": None, "buttons": buttons},
            None,
            **base("n2"),
        ),
        "add_quick_reply_notification": _bot(
            "NOTIFICATION", {"type": "multiaction", "buttons": buttons}, None, **base("n3")
        ),
        # No card that the library accepts: it posts an empty carousel.
        "add_carousel_notification": _bot(
            "NOTIFICATION", {"type": "carousel", "cards": []}, None, **base("n4")
        ),
    }


@pytest.fixture
async def user(live: httpx.AsyncClient) -> AsyncIterator[str]:
    name = f"lib-{uuid.uuid4().hex[:8]}"
    yield name
    assert (await live.delete("/messages", params={"userId": name})).status_code == 200


@pytest.mark.parametrize("method", sorted(library_bodies("p", "u")))
async def test_every_add_method_of_the_library_is_stored(live, live_project, user, method):
    body = library_bodies(live_project, user)[method]
    response = await live.post("/messages", json=[body])
    assert response.status_code == 201, response.text  # what the library checks
    trace_id = response.json()["traceIds"][0]
    stored = await found(live, "/message", {"traceId": trace_id})
    assert stored["traceId"] == trace_id
    assert stored["type"] == body["type"].lower()  # canonical form
    assert stored["content"]["type"] == body["content"]["type"]
    if body["type"] == "NOTIFICATION":
        assert "responseTo" not in stored  # an unknown key for a notification: ignored
    assert stored["messageId"] == body["messageId"]


async def test_the_library_reads_and_deletes_as_it_did(live, live_project, user):
    bodies = library_bodies(live_project, user)
    posted = await live.post("/messages", json=list(bodies.values()))
    assert posted.status_code == 201
    await found(live, "/message", {"traceId": posted.json()["traceIds"][-1]})
    # get_messages: fromTime/toTime in isoformat, type as the caller passes it (REQUEST).
    window = {
        "project": live_project,
        "fromTime": "2025-03-04T00:00:00",
        "toTime": "2025-03-05T00:00:00",
        "userId": user,
    }
    requests = await live.get("/messages", params={**window, "type": "REQUEST", "maxSize": 1000})
    assert requests.status_code == 200
    assert sorted(m["messageId"] for m in requests.json()) == ["r-act", "r-att", "r-loc", "r-text"]
    assert (await live.get("/messages", params={**window, "maxSize": 0})).json() == []
    # get_message_from_message_id_and_user_id / delete_message_from_message_id_and_user_id
    ids = {"project": live_project, "messageId": "r-loc", "userId": user}
    assert (await live.get("/message", params=ids)).json()["content"]["latitude"] == 120.5
    assert (await live.delete("/message", params=ids)).json() == {
        "status": "Ok: message deleted",
        "code": 200,
    }
    assert (await live.get("/message", params=ids)).status_code == 404


async def test_the_library_add_log_reads_the_1x_answer(live, live_project):
    # add_log posts one log and expects 200 with `logId`: the 1.x answer, under /v1.
    log = {
        "logId": "lib-log",
        "project": live_project,
        "component": "bot",
        "authority": None,
        "severity": "INFO",
        "logContent": "started",
        "timestamp": STAMP,
        "botVersion": None,
        "metadata": None,
    }
    response = await live.post("/v1/logs", json=[log])
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["code"] == 200 and len(body["logId"]) == 1
    stored = await found(live, "/log", {"traceId": body["logId"][0]})
    assert stored["logContent"] == "started"
    assert (await live.delete("/logs", params={"project": live_project})).status_code == 200


async def test_the_scripts_path_instance_slash_logger_reaches_analytics(live, live_project, user):
    # The original's scripts build the library with <INSTANCE> + "/logger": the gateway's root
    # route /logger/ passes those paths to analytics as they are.
    instance = str(live.base_url).removesuffix("/analytics").rstrip("/")
    body = library_bodies(live_project, user)["add_textual_request"]
    posted = await live.post(f"{instance}/logger/messages", json=[body])
    assert posted.status_code == 201, posted.text
    trace_id = posted.json()["traceIds"][0]
    stored = await found(live, f"{instance}/logger/message", {"traceId": trace_id})
    assert stored["content"] == {"type": "text", "value": "hello"}
    unauthorized = await live.get(
        f"{instance}/logger/message",
        params={"traceId": trace_id},
        headers={"x-wenet-component-apikey": "wrong"},
    )
    assert unauthorized.status_code == 401
