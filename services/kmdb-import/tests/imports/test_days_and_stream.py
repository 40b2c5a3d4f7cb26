"""An import's own events per day and its progress stream (in process, real MariaDB/Redis): the
days count only the rows of the import's files, not another import's on the same days; the stream
sends the progress as it moves, ends with `done`, resumes from Last-Event-ID, keeps the link alive,
ends after its time and refuses streams past its limit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from kmdb.imports import stream
from kmdb.imports.days import revision_ranges
from kmdb.imports.schemas import ImportOut

T0 = 1_400_000_000  # 2014-05-13T16:53:20Z
DAY = 86_400


@pytest.fixture
async def client(api_client, tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the right token, allowed to import file:// sources under tmp_path."""
    async with api_client(api_file_sources=str(tmp_path)) as c:
        yield c


def events_of(body: str) -> list[dict[str, Any]]:
    """The SSE messages of a stream's body: event, id, data (parsed) and comments."""
    found: list[dict[str, Any]] = []
    for block in body.split("\n\n"):
        message: dict[str, Any] = {}
        for line in block.splitlines():
            field, _, value = line.partition(": ")
            if line.startswith(":"):
                message["comment"] = line[1:].strip()
            elif field == "data":
                message["data"] = json.loads(value)
            elif field in ("event", "id", "retry"):
                message[field] = value
        if message:
            found.append(message)
    return found


def test_consecutive_revisions_are_one_id_range() -> None:
    assert revision_ranges([3, 1, 2, 2, 7]) == [
        (revision_ranges([1])[0][0], revision_ranges([3])[0][1]),
        revision_ranges([7])[0],
    ]
    assert revision_ranges([]) == []


async def test_the_days_are_the_imports_own(client, settings, export, kit: Any) -> None:
    url = export(
        {
            140: [
                {"_p": "amy", "_t": T0, "_n": "Visited Site"},
                {"_p": "amy", "_t": T0 + 60, "_n": "Viewed Product"},
                {"_p": "amy", "_t": T0 + DAY, "_n": "Visited Site"},
            ],
            141: [{"_p": "bob", "_t": T0 + 3 * DAY, "_n": "Visited Site"}],
        }
    )
    first = (await client.post("/imports", json={"source": url})).json()
    assert first["enqueued"] == [140, 141]
    assert await kit.work(settings) == 0
    # another import, later, with events on the same days
    url = export({142: [{"_p": "cy", "_t": T0 + 10, "_n": "Visited Site"}] * 1})
    second = (await client.post("/imports", json={"source": url, "min_revision": 142})).json()
    assert second["enqueued"] == [142]
    assert await kit.work(settings) == 0

    days = await client.get(f"/imports/{first['import_id']}/events-per-day")
    assert days.status_code == 200, days.text
    assert days.json() == {
        "import_id": first["import_id"],
        "revisions": 2,
        "total": 4,
        "days": [
            {"day": "2014-05-13", "count": 2},
            {"day": "2014-05-14", "count": 1},
            {"day": "2014-05-16", "count": 1},
        ],
    }
    other = (await client.get(f"/imports/{second['import_id']}/events-per-day")).json()
    assert other["days"] == [{"day": "2014-05-13", "count": 1}] and other["total"] == 1
    # the whole day holds both imports' events
    all_of_it = await client.get("/stats/events", params={"from": "2014-05-13", "to": "2014-05-13"})
    assert sum(c["count"] for c in all_of_it.json()) == 3
    missing = await client.get("/imports/nope/events-per-day")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]


async def test_the_stream_follows_an_import_to_done(client, settings, export, kit: Any) -> None:
    url = export(
        {
            150: [{"_p": "amy", "_t": T0 + i, "_n": "Visited Site"} for i in range(200)],
            151: [{"_p": "bob", "_t": T0 + i, "_n": "Visited Site"} for i in range(200)],
        }
    )
    started = (await client.post("/imports", json={"source": url})).json()
    path = f"/imports/{started['import_id']}/stream"
    assert (await client.get("/imports/nope/stream")).status_code == 404

    async def read_stream() -> httpx.Response:
        return await client.get(path, timeout=120)

    reading = asyncio.create_task(read_stream())
    # the worker starts once the stream has read its first snapshot (both files queued)
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        if stream._open or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.02)
    assert stream._open == 1
    assert await kit.work(settings) == 0
    answer = await asyncio.wait_for(reading, 120)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/event-stream")
    messages = events_of(answer.text)
    assert messages[0] == {"retry": str(stream.RETRY_MS)}
    progress = [m for m in messages if m.get("event") == "progress"]
    assert progress[0]["data"]["files"][0]["status"] == "queued"
    assert [f["status"] for f in progress[-1]["data"]["files"]] == ["done", "done"]
    assert progress[-1]["data"]["totals"]["events"] == 400
    assert len({m["id"] for m in progress}) == len(progress)  # each one a change
    assert messages[-1]["event"] == "done"
    assert messages[-1]["data"] == {"import_id": started["import_id"]}

    # reconnecting with the last id: nothing new to send but that it is done
    again = await client.get(path, headers={"Last-Event-ID": progress[-1]["id"]})
    assert [m.get("event") for m in events_of(again.text)] == [None, "done"]
    # with an older id (or none): the current snapshot at once
    fresh = events_of((await client.get(path, headers={"Last-Event-ID": "old"})).text)
    assert [m.get("event") for m in fresh] == [None, "progress", "done"]
    assert fresh[1]["data"] == progress[-1]["data"]


async def test_the_stream_is_bounded(
    client, settings, export, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = export({160: [{"_p": "amy", "_t": T0, "_n": "Visited Site"}]})
    started = (await client.post("/imports", json={"source": url})).json()
    path = f"/imports/{started['import_id']}/stream"
    # no worker: the import stays queued; the stream keeps the link alive, then ends on time
    monkeypatch.setattr(stream, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(stream, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(stream, "MAX_CONNECTION_SECONDS", 1.0)
    answer = await asyncio.wait_for(client.get(path), 30)
    messages = events_of(answer.text)
    assert [m.get("event") for m in messages if "event" in m] == ["progress"]
    assert {"comment": "keep-alive"} in messages
    assert "event: done" not in answer.text
    ident = next(m["id"] for m in messages if m.get("event") == "progress")
    resumed = events_of((await client.get(path, headers={"Last-Event-ID": ident})).text)
    assert not [m for m in resumed if m.get("event") == "progress"]  # unchanged: not sent again

    monkeypatch.setattr(stream, "MAX_STREAMS", 0)
    full = await client.get(path)
    assert full.status_code == 503 and "progress streams" in full.json()["error"]
    assert full.headers["retry-after"] == "5"


def test_a_big_import_is_read_less_often() -> None:
    def of(files: int) -> Any:
        item = {"revision": 1, "source": "s", "import_id": "i", "status": "queued", "job_id": None}
        counts = dict.fromkeys(("offset", "line", "events", "properties", "aliases"), 0)
        row = {**item, **counts, "skipped": 0, "bad_lines": 0, "length": None, "error": None}
        row |= {"queued_at": None, "started_at": None, "finished_at": None}
        return ImportOut.model_validate(
            {
                "import_id": "i",
                "source": "s",
                "force": False,
                "created_at": "2026-01-01T00:00:00Z",
                "files": [row] * files,
                "totals": {},
            }
        )

    assert stream.poll_interval(of(2)) == stream.POLL_SECONDS
    assert stream.poll_interval(of(500)) == 5 * stream.POLL_SECONDS
    assert stream.poll_interval(of(100_000)) == stream.MAX_POLL_SECONDS
