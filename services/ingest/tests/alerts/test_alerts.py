"""Alert rules fire e-mails through the real SMTP sink, once per cooldown."""

from __future__ import annotations

import asyncio
import email
import os
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from ingest.context import Ingest

SINK = Path(os.environ.get("SMTP_SINK_DIR", ".local/data/smtp"))


def status(cpu: float, restarts: int) -> dict[str, Any]:
    proc = {"name": "api", "pm_id": 0, "cpu": cpu, "memory": 1, "restart_time": restarts}
    return {"data": {"process": [proc], "server": {}}}


def read_sink(address: str) -> list[Message]:
    """Every mail the sink kept for an address."""
    found = []
    for path in sorted(SINK.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        if address in message.get_all("X-Envelope-To", []):
            found.append(message)
    return found


async def mails_to(address: str, count: int, ingest: Ingest) -> list[Message]:
    """The mails the sink kept for an address, once `count` arrived (or the mailer is idle)."""
    found: list[Message] = []
    for _ in range(300):
        found = await asyncio.to_thread(read_sink, address)
        if len(found) >= count and ingest.mailer.queue.empty():
            return found
        await asyncio.sleep(0.1)
    return found


async def test_metric_restart_and_exception_rules_mail_once_per_cooldown(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    bucket: dict[str, Any],
    keys: Any,
    ingest: Ingest,
) -> None:
    rules = f"/api/admin/buckets/{bucket['id']}/alerts"
    for rule in (
        {
            "kind": "metric",
            "metric": "cpu",
            "op": "above",
            "threshold": 50,
            "duration_s": 1,
            "cooldown_s": 600,
        },
        {"kind": "restarts", "process": "api"},
        {"kind": "exception"},
    ):
        created = await admin.post(rules, json=rule)
        assert created.status_code == 201, created.text
    invalid = await admin.post(rules, json={"kind": "metric", "metric": "cpu"})
    assert invalid.status_code == 400
    assert "threshold" in invalid.text

    async def push(*frames: dict[str, Any]) -> None:
        response = await anonymous.post(
            "/api/push", headers=keys(bucket, "al-1"), json=list(frames)
        )
        assert response.status_code == 202

    await push({"channel": "status", "payload": status(80, 0)})  # breach starts: not yet 1 s long
    await asyncio.sleep(1.2)
    await push({"channel": "status", "payload": status(85, 0)})  # held 1 s: fires
    await push({"channel": "status", "payload": status(90, 2)})  # cooling down; 2 restarts: fires
    exception = {
        "data": {"message": "kaboom", "stack": "Error: kaboom\n at y"},
        "process": {"name": "api", "pm_id": 0},
    }
    await push({"channel": "process:exception", "payload": exception})
    mails = await mails_to(bucket["alert_emails"][0], 3, ingest)
    subjects = sorted(m["Subject"] for m in mails)
    assert len(subjects) == 3, subjects
    assert "cpu above 50 for 1s (now 85)" in subjects[0]
    assert "exception: kaboom" in subjects[1]
    assert "restarted 2 time(s), 2 in total" in subjects[2]
    assert all(m["From"] == os.environ.get("SMTP_SENDER", m["From"]) for m in mails)
    body = next(m for m in mails if "kaboom" in m["Subject"]).get_payload()
    assert "Error: kaboom" in str(body)

    listed = (await admin.get(rules)).json()
    assert [r["kind"] for r in listed] == ["metric", "restarts", "exception"]
    assert (await admin.delete(f"{rules}/{listed[0]['id']}")).status_code == 204
    assert (await admin.delete(f"{rules}/{listed[0]['id']}")).status_code == 404
