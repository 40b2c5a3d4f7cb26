"""Datastores that do not answer degrade the service (503 in the original's shape), never crash it.

The engines are made unreachable for this app only (a port nothing listens on), so the shared
Elasticsearch and Redis keep serving everyone else.
"""

from __future__ import annotations

import socket
import uuid

import httpx
from analytics.app import create_app
from analytics.settings import Settings
from analytics.storage.indices import Indices


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _client(settings: Settings):
    app = create_app(settings)
    return app, httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://analytics",
        headers={"X-Api-Key": settings.apikey},
    )


MESSAGE = {
    "type": "request",
    "messageId": "m",
    "channel": "c",
    "userId": "u",
    "project": "p",
    "timestamp": "2024-01-01T00:00:00Z",
    "content": {"type": "text", "value": "hi"},
}


async def test_elasticsearch_unreachable_answers_503(settings):
    down = settings.model_copy(update={"el_port": closed_port(), "es_timeout": 2.0})
    app, client = await _client(down)
    async with app.router.lifespan_context(app), client:
        for method, path, kwargs in [
            ("POST", "/messages", {"json": [MESSAGE]}),
            (
                "GET",
                "/messages",
                {
                    "params": {
                        "project": "p",
                        "fromTime": "2024-01-01T00:00:00",
                        "toTime": "2024-01-02T00:00:00",
                    }
                },
            ),
            ("DELETE", "/messages", {"params": {"userId": "u"}}),
            ("GET", "/analytic", {"params": {"id": "x"}}),
        ]:
            response = await client.request(method, path, **kwargs)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["code"] == 503 and response.headers["Retry-After"]
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and "elasticsearch" in ready.json()["failed"]
        assert (await client.get("/healthz")).status_code == 200
        # Bad input is still a 400, the engine is not even asked.
        assert (await client.post("/messages", json=[{}])).status_code == 400


async def test_job_broker_unreachable_answers_503(settings, client, monkeypatch):
    analytic_id = (
        await client.post(
            "/analytic",
            json={
                "type": "count",
                "project": "p",
                "dimension": "user",
                "metric": "total",
                "timespan": {"type": "moving", "value": "1d"},
            },
        )
    ).json()["id"]
    url = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery lets this variable win over its config
    down = settings.model_copy(update={"broker_url": url})
    app, broken = await _client(down)
    async with app.router.lifespan_context(app), broken:
        response = await broken.post("/analytic/compute", params={"id": analytic_id})
        assert response.status_code == 503 and "job broker" in response.json()["status"]
        assert "redis" in (await broken.get("/readyz")).json()["failed"]


async def test_documents_elasticsearch_refuses_answer_503_and_are_stored_on_retry(settings, es):
    """A bulk whose items Elasticsearch refuses for its own reasons (a read-only-allow-delete
    block: 429 per item) is StoreFailed, an Unavailable: 503 + Retry-After, nothing half-answered;
    the same batch re-sent once the block is gone is stored once."""
    own = settings.model_copy(
        update={"index_prefix": f"{settings.index_prefix}ro{uuid.uuid4().hex[:6]}-"}
    )
    indices = Indices(own.index_prefix)
    log = {
        "logId": "l-1",
        "project": "p",
        "component": "nlu",
        "severity": "INFO",
        "logContent": "m",
        "timestamp": "2024-01-01T00:00:00Z",
    }
    app, client = await _client(own)
    names = [indices.message(), indices.log()]
    try:
        for name in names:
            await es.indices.create(index=name)
        block = {"index.blocks.read_only_allow_delete": True}
        await es.indices.put_settings(index=",".join(names), settings=block)
        async with app.router.lifespan_context(app), client:
            for path, batch, kind in [("/messages", [MESSAGE], "message"), ("/logs", [log], "log")]:
                refused = await client.post(path, json=batch)
                assert refused.status_code == 503, refused.text
                assert refused.headers["Retry-After"] == "5"
                body = refused.json()
                assert body["code"] == 503
                assert body["status"].startswith(
                    f"Service unavailable: could not store 1 of 1 {kind}s"
                )
                assert body["status"].endswith("; retry later")
            unblock = {"index.blocks.read_only_allow_delete": None}
            await es.indices.put_settings(index=",".join(names), settings=unblock)
            for path, batch, name in [
                ("/messages", [MESSAGE], names[0]),
                ("/logs", [log], names[1]),
            ]:
                for _ in range(2):
                    stored = await client.post(path, json=batch)
                    assert stored.status_code == 201, stored.text
                await es.indices.refresh(index=name)
                assert (await es.count(index=name))["count"] == 1
    finally:
        await es.indices.delete(index=",".join(names), ignore_unavailable=True)


async def test_a_refusal_that_is_no_outage_is_a_clear_json_500(settings, es, caplog):
    """An Elasticsearch error that is not an outage (here: sorting on a `timestamp` an index
    maps as text, refused with a 400) is the kit's unhandled-error answer in the
    original's shape — a JSON 500, logged with its cause — while an outage stays a 503."""
    own = settings.model_copy(
        update={"index_prefix": f"{settings.index_prefix}bad{uuid.uuid4().hex[:6]}-"}
    )
    indices = Indices(own.index_prefix)
    await es.indices.create(
        index=indices.message(), mappings={"properties": {"timestamp": {"type": "text"}}}
    )
    app, client = await _client(own)
    window = {"project": "p", "fromTime": "2024-01-01T00:00:00", "toTime": "2024-01-02T00:00:00"}
    try:
        async with app.router.lifespan_context(app), client:
            for path in ("/messages", "/messages/page"):
                answer = await client.get(path, params=window)
                assert answer.status_code == 500, answer.text
                assert answer.json() == {
                    "status": "Internal server error: something went wrong",
                    "code": 500,
                }
                assert "Retry-After" not in answer.headers
            assert any(
                "unhandled error on GET /messages" in r.getMessage() and r.exc_info
                for r in caplog.records
            )
            # the same app still answers what it can
            assert (await client.get("/healthz")).status_code == 200
    finally:
        await es.indices.delete(index=indices.message(), ignore_unavailable=True)
