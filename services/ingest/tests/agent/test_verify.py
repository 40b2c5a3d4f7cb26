"""The handshake as an unmodified PM2 agent performs it."""

from __future__ import annotations

from typing import Any

import httpx
from ingest.settings import Settings


def handshake(bucket: dict[str, Any], machine: str, secret: str | None = None) -> dict[str, Any]:
    return {
        "public_id": bucket["public_key"],
        "private_id": secret or bucket["secret_key"],
        "data": {
            "MACHINE_NAME": machine,
            "PUBLIC_KEY": bucket["public_key"],
            "RECYCLE": False,
            "PM2_VERSION": "6.0.14",
            "MEMORY": 24000,
            "HOSTNAME": "host-1",
            "CPUS": [{"model": "x"}],
        },
    }


async def test_verify_returns_the_endpoints_and_records_the_server(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    bucket: dict[str, Any],
    settings: Settings,
) -> None:
    response = await anonymous.post("/api/node/verifyPM2", json=handshake(bucket, "web-1"))
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "endpoints": {
            "ws": settings.public_url.replace("http", "ws", 1) + "/interaction",
            "web": settings.public_url,
        },
        "active": True,
        "pending": False,
        "disabled": False,
        "new": True,
        "name": bucket["name"],
    }
    again = await anonymous.post("/api/node/verifyPM2", json=handshake(bucket, "web-1"))
    assert again.json()["new"] is False
    servers = (await admin.get(f"/api/admin/buckets/{bucket['id']}/servers")).json()
    assert [(s["machine_name"], s["hostname"], s["pm2_version"], s["online"]) for s in servers] == [
        ("web-1", "host-1", "6.0.14", False)
    ]


async def test_bad_keys_make_the_agent_stop_with_a_message(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any]
) -> None:
    response = await anonymous.post("/api/node/verifyPM2", json=handshake(bucket, "web-1", "wrong"))
    assert response.status_code == 401
    assert response.json() == {
        "active": False,
        "error": True,
        "msg": "wrong credentials: the bucket's secret and public keys given to "
        "`pm2 link <secret> <public>`",
    }
    # whatever the Content-Type, a bad body gets the protocol's answer (the agent stops)
    for content_type in ("application/json", "text/plain"):
        malformed = await anonymous.post(
            "/api/node/verifyPM2", content=b"{nope", headers={"Content-Type": content_type}
        )
        assert malformed.status_code == 400
        assert malformed.json()["active"] is False
        assert "not JSON" in malformed.json()["msg"]
    no_machine = await anonymous.post(
        "/api/node/verifyPM2",
        json={"public_id": bucket["public_key"], "private_id": bucket["secret_key"]},
    )
    assert no_machine.json()["msg"] == "data.MACHINE_NAME must be a non-empty string"


async def test_keys_that_are_not_strings_make_the_agent_stop_not_retry(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any]
) -> None:
    """A 503 without `active` makes an agent retry forever; a refusal makes it stop."""
    for public, secret in (
        ({"$ne": None}, {"$ne": None}),
        (bucket["public_key"], ["x"]),
        (1, bucket["secret_key"]),
        ("p" * 300, bucket["secret_key"]),
    ):
        body = {**handshake(bucket, "web-1"), "public_id": public, "private_id": secret}
        response = await anonymous.post("/api/node/verifyPM2", json=body)
        assert response.status_code == 400, response.text
        assert "Retry-After" not in response.headers
        answer = response.json()
        assert answer["active"] is False and answer["error"] is True
        assert "must be a string" in answer["msg"]
    deep = b'{"public_id": "a", "private_id": "b", "data": ' + b"[" * 300 + b"]" * 300 + b"}"
    for content_type in ("application/json", "text/plain"):
        response = await anonymous.post(
            "/api/node/verifyPM2", content=deep, headers={"Content-Type": content_type}
        )
        assert response.status_code == 400
        assert response.json()["active"] is False
        assert "nested deeper than" in response.json()["msg"]
