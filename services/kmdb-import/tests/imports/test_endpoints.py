"""An import through the API (in process, real MariaDB/Redis): started, worked, then read back
through its files, bad lines, event counts and a user's timeline; imported again, forced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

T0 = 1_400_000_000  # 2014-05-13T16:53:20Z


@pytest.fixture
async def client(api_client, tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the right token, allowed to import file:// sources under tmp_path."""
    async with api_client(api_file_sources=str(tmp_path)) as c:
        yield c


async def test_import_progress_errors_counts_and_timeline(client, settings, export, kit: Any):
    url = export(
        {
            140: [
                {"_p": "anon-1", "_t": T0, "_n": "Visited Site", "url": "/"},
                {"_p": "anon-1", "_t": T0 + 60, "_n": "Viewed Product", "sku": "123"},
                b"not json\n",
                {"_p": "anon-1", "_t": T0 + 61, "_p2": "amy@example.com"},
                {"_p": "amy@example.com", "_t": T0 + 86400, "_n": "Visited Site"},
                {"_p": "amy@example.com", "_t": T0 + 86401, "plan": "gold"},
            ],
            141: [b"\n", {"_p": "bob", "_t": T0, "_n": "Visited Site"}],
        }
    )
    r = await client.post("/imports", json={"source": "ftp://example.com/x"})
    assert r.status_code == 400 and r.json()["detail"]["field"] == "source"
    r = await client.post("/imports", json={"source": url, "min_revision": -1})
    assert r.status_code == 400
    r = await client.post("/imports", json={"source": url})
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["enqueued"] == [140, 141]
    queued = (await client.get(f"/imports/{started['import_id']}")).json()
    assert [f["job_status"] for f in queued["files"]] == ["queued", "queued"]

    assert await kit.work(settings) == 0
    done = (await client.get(f"/imports/{started['import_id']}")).json()
    assert [f["status"] for f in done["files"]] == ["done", "done"]
    assert [f["job_status"] for f in done["files"]] == ["complete", "complete"]
    assert done["totals"]["events"] == 4 and done["totals"]["bad_lines"] == 2
    assert done["totals"]["files_done"] == 2
    assert (await client.get("/imports/nope")).status_code == 404

    file = (await client.get("/files/140")).json()
    assert (file["line"], file["events"], file["aliases"]) == (6, 3, 1)
    errors = (await client.get("/files/140/errors")).json()
    assert errors["total"] == 1 and errors["errors"][0]["line"] == 3
    assert errors["errors"][0]["excerpt"] == "not json"
    assert (await client.get("/files/141/errors")).json()["errors"][0]["reason"] == "blank line"
    assert (await client.get("/files/999")).status_code == 404
    assert (await client.get("/files/999/errors")).status_code == 404
    assert len((await client.get("/files", params={"status": "done"})).json()) == 2
    assert (await client.get("/files", params={"limit": 0})).status_code == 400

    counts = (
        await client.get("/stats/events", params={"from": "2014-05-13", "to": "2014-05-14"})
    ).json()
    assert counts == [
        {"day": "2014-05-13", "name": "Viewed Product", "count": 1},
        {"day": "2014-05-13", "name": "Visited Site", "count": 2},
        {"day": "2014-05-14", "name": "Visited Site", "count": 1},
    ]
    one = await client.get(
        "/stats/events", params={"from": "2014-05-13", "to": "2014-05-13", "name": "Viewed Product"}
    )
    assert one.json() == [{"day": "2014-05-13", "name": "Viewed Product", "count": 1}]
    assert (await client.get("/stats/events", params={"from": "2014-05-13"})).status_code == 400
    bad = await client.get("/stats/events", params={"from": "2014-05-14", "to": "2014-05-13"})
    assert bad.status_code == 400 and bad.json()["detail"]["field"] == "to"
    assert (
        await client.get("/stats/events", params={"from": "yesterday", "to": "2014-05-13"})
    ).status_code == 400

    # The same person whichever identity is asked for: the alias re-pointed anon-1's past.
    by_anon = (await client.get("/users/anon-1/timeline")).json()
    by_mail = (await client.get("/users/amy@example.com/timeline")).json()
    assert by_anon == by_mail
    assert by_anon["name"] == "amy@example.com"
    assert by_anon["identities"] == ["amy@example.com", "anon-1"]
    assert [e["name"] for e in by_anon["events"]] == [
        None,
        "Visited Site",
        "Viewed Product",
        "Visited Site",
    ]
    assert by_anon["events"][0]["properties"] == {"plan": "gold"}
    assert by_anon["events"][2]["properties"] == {"sku": "123"}
    limited = (await client.get("/users/anon-1/timeline", params={"limit": 1})).json()
    assert len(limited["events"]) == 1
    r = await client.get("/users/nobody/timeline")
    assert r.status_code == 404 and "nobody" in r.json()["error"]

    again = (await client.post("/imports", json={"source": url, "min_revision": 140})).json()
    assert again["enqueued"] == [] and again["already_done"] == [140, 141]
    forced = (
        await client.post("/imports", json={"source": url, "min_revision": 140, "force": True})
    ).json()
    assert forced["enqueued"] == [140, 141]
    assert await kit.work(settings) == 0
    assert (await client.get("/files/140")).json()["events"] == 3
    assert (await client.get("/users/anon-1/timeline")).json() == by_anon
