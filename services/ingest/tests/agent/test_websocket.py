"""The agents' websocket against the real server: keys, frames, patches, commands, limits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from ingest.state import State
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus


def agent_headers(bucket: dict[str, Any], server: str, secret: str | None = None) -> dict[str, str]:
    return {
        "X-KM-PUBLIC": bucket["public_key"],
        "X-KM-SECRET": secret or bucket["secret_key"],
        "X-KM-SERVER": server,
        "X-PM2-VERSION": "6.0.14",
        "X-PROTOCOL-VERSION": "1",
        "User-Agent": "PM2 Agent v2.1.1",
    }


def status(cpu: int, restarts: int = 0) -> dict[str, Any]:
    return {
        "server_name": "ws-1",
        "internal_ip": "10.0.0.1",
        "data": {
            "process": [
                {
                    "name": "api",
                    "pm_id": 0,
                    "pid": 1234,
                    "status": "online",
                    "cpu": cpu,
                    "memory": 50_000_000,
                    "restart_time": restarts,
                    "axm_actions": [{"action_name": "hello", "action_type": "custom", "arity": 1}],
                    "axm_monitor": {"Heap Size": {"value": "12.5", "unit": "MiB"}},
                }
            ],
            "server": {
                "hostname": "host-ws",
                "pm2_version": "6.0.14",
                "pm2_agent_version": "2.1.1",
            },
        },
    }


def own_logging(frame: dict[str, Any]) -> bool:
    """Whether a frame is the server's own periodic startLogging (not a user's command)."""
    return frame["channel"] == "trigger:pm2:action" and frame["payload"] == {
        "method_name": "startLogging",
        "parameters": {},
    }


async def next_frame(ws: ClientConnection, channel: str | None = None) -> dict[str, Any]:
    """The next frame the server sends on `channel` (any channel when None), skipping the server's
    own startLogging unless that is what is asked for."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if own_logging(frame) and channel != "startLogging":
            continue
        if channel in (None, frame["channel"]) or (
            channel == "startLogging" and own_logging(frame)
        ):
            return frame


async def barrier(ws: ClientConnection) -> None:
    """Frames are handled in order: once a malformed one is answered, all before it are done."""
    await ws.send("{barrier")
    frame = await next_frame(ws, "ingest:error")
    assert "not JSON" in frame["payload"]["error"]


async def latest(anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any) -> dict[str, Any]:
    servers = (
        await anonymous.get(f"/api/buckets/{bucket['id']}/servers", headers=keys(bucket))
    ).json()
    return servers[0]


def ws_url(base_url: str) -> str:
    return base_url.replace("http", "ws", 1) + "/interaction"


async def test_bad_keys_are_refused_on_the_upgrade(base_url: str, bucket: dict[str, Any]) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url(base_url), additional_headers=agent_headers(bucket, "x", "bad")):
            pass
    assert refused.value.response.status_code == 401
    assert b"wrong credentials" in refused.value.response.body
    headers = agent_headers(bucket, "x")
    del headers["X-KM-SERVER"]
    with pytest.raises(InvalidStatus) as missing:
        async with connect(ws_url(base_url), additional_headers=headers):
            pass
    assert missing.value.response.status_code == 400


async def test_status_then_patches_are_applied_and_a_bad_patch_asks_a_resend(
    base_url: str,
    anonymous: httpx.AsyncClient,
    bucket: dict[str, Any],
    keys: Any,
    drain: Any,
    ingest: State,
) -> None:
    async with connect(ws_url(base_url), additional_headers=agent_headers(bucket, "ws-1")) as ws:
        command = await next_frame(ws, "startLogging")
        assert command["payload"] == {"method_name": "startLogging", "parameters": {}}
        await ws.send(json.dumps({"channel": "status", "payload": status(5)}))
        patch = [{"op": "replace", "path": "/data/process/0/cpu", "value": 77}]
        await ws.send(json.dumps({"channel": "status:patch", "payload": patch}))
        bad = [{"op": "replace", "path": "/data/process/9/cpu", "value": 1}]
        await ws.send(json.dumps({"channel": "status:patch", "payload": bad}))
        assert (await next_frame(ws))["channel"] == "status:resend"
        # After a resend request, patches are refused until a full status comes.
        await ws.send(json.dumps({"channel": "status:patch", "payload": patch}))
        assert (await next_frame(ws))["channel"] == "status:resend"
        await ws.send(json.dumps({"channel": "status", "payload": status(9)}))
        await ws.send(
            json.dumps(
                {
                    "channel": "process:event",
                    "payload": {
                        "event": "online",
                        "process": {"name": "api", "pm_id": 0},
                        "at": None,
                    },
                }
            )
        )
        await ws.send(json.dumps({"channel": "ping", "payload": {"x": 1}}))
        await barrier(ws)
        server = await latest(anonymous, bucket, keys)
        assert server["online"] is True
        assert server["processes"][0]["cpu"] == 9
        assert server["processes"][0]["metrics"] == {"Heap Size": "12.5"}
    await drain()
    found = await ingest.es.search(
        index=f"{ingest.settings.index_prefix}-status-{bucket['id']}-*",
        size=10,
        sort=[{"cpu": "asc"}],
    )
    assert [h["_source"]["cpu"] for h in found["hits"]["hits"]] == [5, 9, 77]
    events = await anonymous.get(f"/api/buckets/{bucket['id']}/events", headers=keys(bucket))
    assert {(e["channel"], e.get("event")) for e in events.json()["items"]} == {
        ("process:event", "online"),
        ("ping", None),
    }
    server = await latest(anonymous, bucket, keys)
    assert server["online"] is False


async def test_log_streaming_is_asked_before_any_frame_is_answered(
    base_url: str, bucket: dict[str, Any]
) -> None:
    """The server's own startLogging comes first, so an agent (or a test) never takes it for the
    answer to something it sent: it once came late under load and a test's restart waited on it."""
    async with connect(ws_url(base_url), additional_headers=agent_headers(bucket, "ws-0")) as ws:
        await ws.send("{barrier")
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert own_logging(first), first
        assert (await next_frame(ws))["channel"] == "ingest:error"


async def test_malformed_and_oversized_frames(
    base_url: str, bucket: dict[str, Any], ingest: State
) -> None:
    async with connect(ws_url(base_url), additional_headers=agent_headers(bucket, "ws-2")) as ws:
        for raw, reason in (
            ("{nope", "not JSON"),
            ("[1]", "expected an object"),
            ('{"payload": 1}', "`channel` must be a non-empty string"),
            ('{"channel": "status", "payload": 3}', "status: payload must be an object"),
            ('{"channel": "x", "payload": ' + "[" * 300 + "]" * 300 + "}", "nested deeper than 32"),
            ('{"channel": "x", "payload": 1e400}', "payload: not a finite number"),
            ('{"channel": "x", "payload": NaN}', "payload: not a finite number"),
            ('{"channel": "x", "payload": [18446744073709551616]}', "payload.0: integer outside"),
        ):
            await ws.send(raw)
            frame = await next_frame(ws)
            assert frame["channel"] == "ingest:error"
            assert reason in frame["payload"]["error"]
        await ws.send(json.dumps({"channel": "still:alive", "payload": {}}))
        await ws.send(b'{"channel": "binary:ok", "payload": {}}')
        limit = ingest.settings.max_message_bytes
        await ws.send(json.dumps({"channel": "big", "payload": "x" * (limit + 10)}))
        with pytest.raises(ConnectionClosed) as closed:
            await next_frame(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    assert "message too big" in closed.value.rcvd.reason


async def test_a_status_patched_deeper_than_can_be_stored_asks_a_resend(
    base_url: str, bucket: dict[str, Any]
) -> None:
    """Each patch is within the JSON rule, but patches can nest values ever deeper into the kept
    status; once it cannot be stored the frame is refused and a full status asked, the session
    kept (it once closed with 1011 'internal error')."""
    async with connect(ws_url(base_url), additional_headers=agent_headers(bucket, "ws-4")) as ws:
        await ws.send(json.dumps({"channel": "status", "payload": status(1)}))
        value: Any = 1
        for _ in range(25):
            value = [value]  # 25 levels per patch, well within the JSON rule's 32
        path, answers = "/data/deep", []
        for _ in range(20):  # 20 x 25 levels is past what orjson serialises (254)
            patch = [{"op": "add", "path": path, "value": value}]
            await ws.send(json.dumps({"channel": "status:patch", "payload": patch}))
            await ws.send("{barrier")
            while True:  # every answer up to the barrier's
                frame = await next_frame(ws)
                if "not JSON" in frame["payload"].get("error", ""):
                    break
                answers.append(frame)
            if answers:
                break
            path += "/0" * 25
        assert [a["channel"] for a in answers] == ["ingest:error", "status:resend"], answers
        assert "cannot be stored" in answers[0]["payload"]["error"]
        await ws.send(json.dumps({"channel": "status", "payload": status(2)}))
        await barrier(ws)  # still connected, still answering


async def answer_hello_then_restart(ws: ClientConnection) -> None:
    """The agent's side: acks and answers the `hello` action, then the restart."""
    command = await next_frame(ws, "trigger:action")
    assert command["payload"] == {
        "action_name": "hello",
        "process_id": 0,
        "app_name": "api",
        "opts": {"who": "me"},
    }
    ack = {"success": True, "id": 0, "action_name": "hello"}
    await ws.send(json.dumps({"channel": "trigger:action:success", "payload": ack}))
    reply = {
        "data": {"action_name": "hello", "return": {"hi": "me"}},
        "process": {"pm_id": 0, "name": "api"},
        "at": None,
    }
    await ws.send(json.dumps({"channel": "axm:reply", "payload": reply}))
    command = await next_frame(ws, "trigger:pm2:action")
    assert command["payload"] == {"method_name": "restart", "parameters": {"name": "api"}}
    result = {
        "ret": {"err": None, "data": [{}]},
        "meta": {"method_name": "restart", "app_name": "api"},
    }
    await ws.send(json.dumps({"channel": "trigger:pm2:result", "payload": result}))


async def test_commands_reach_the_agent_and_return_its_answers(
    base_url: str, anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, held: Any
) -> None:
    async with connect(ws_url(base_url), additional_headers=agent_headers(bucket, "ws-3")) as ws:
        await ws.send(json.dumps({"channel": "status", "payload": status(1)}))
        await barrier(ws)
        await held(bucket, "ws-3")
        url = f"/api/buckets/{bucket['id']}/servers/ws-3"
        answering = asyncio.create_task(answer_hello_then_restart(ws))
        action = await anonymous.post(
            f"{url}/actions",
            headers=keys(bucket),
            json={"process": "api", "action_name": "hello", "opts": {"who": "me"}},
        )
        assert action.status_code == 200, action.text
        assert [r["channel"] for r in action.json()["replies"]] == [
            "trigger:action:success",
            "axm:reply",
        ]
        assert action.json()["replies"][1]["payload"]["data"]["return"] == {"hi": "me"}
        restart = await anonymous.post(
            f"{url}/pm2",
            headers=keys(bucket),
            json={"method_name": "restart", "parameters": {"name": "api"}},
        )
        agent_failure = answering.exception() if answering.done() else None
        assert restart.status_code == 200, (restart.text, agent_failure)
        assert restart.json()["replies"][0]["payload"]["meta"]["method_name"] == "restart"
        await answering


async def test_commands_refused_or_unanswered(
    base_url: str,
    anonymous: httpx.AsyncClient,
    bucket: dict[str, Any],
    keys: Any,
    ingest: State,
    held: Any,
) -> None:
    async with connect(ws_url(base_url), additional_headers=agent_headers(bucket, "ws-3")) as ws:
        await ws.send(json.dumps({"channel": "status", "payload": status(1)}))
        await barrier(ws)
        await held(bucket, "ws-3")
        url = f"/api/buckets/{bucket['id']}/servers/ws-3"
        undeclared = await anonymous.post(
            f"{url}/actions", headers=keys(bucket), json={"process": "api", "action_name": "nope"}
        )
        assert undeclared.status_code == 404
        assert undeclared.json()["detail"] == {"declared": ["hello"]}
        bound, ingest.commands.timeout = ingest.commands.timeout, 0.5  # nobody answers this ping
        try:
            silent = await anonymous.post(
                f"{url}/pm2", headers=keys(bucket), json={"method_name": "ping", "parameters": {}}
            )
        finally:
            ingest.commands.timeout = bound
        assert silent.status_code == 504
        assert silent.json()["detail"]["replies"] == []
        bad = await anonymous.post(
            f"{url}/pm2", headers=keys(bucket), json={"method_name": "rm -rf"}
        )
        assert bad.status_code == 400
    offline = await anonymous.post(
        f"/api/buckets/{bucket['id']}/servers/nowhere/pm2",
        headers=keys(bucket),
        json={"method_name": "ping"},
    )
    assert offline.status_code == 409
    assert "not connected" in offline.json()["error"]
