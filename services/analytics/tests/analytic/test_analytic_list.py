"""GET /analytic/list: analytics newest first, paged by offset and limit, bounded."""

from __future__ import annotations

import uuid

import pytest


def descriptor(project: str, days: int) -> dict:
    return {
        "type": "count",
        "timespan": {"type": "moving", "value": f"{days}d"},
        "project": project,
        "dimension": "user",
        "metric": "total",
    }


@pytest.fixture(scope="module")
async def listed(client) -> tuple[str, list[str]]:
    project = f"ls-{uuid.uuid4().hex[:8]}"
    ids = []
    for days in range(1, 8):
        created = await client.post("/analytic", json=descriptor(project, days))
        assert created.status_code == 200, created.text
        ids.append(created.json()["id"])
    yield project, ids
    for analytic_id in ids:
        await client.delete("/analytic", params={"id": analytic_id})


async def test_pages_list_a_projects_analytics_newest_first(client, listed):
    project, ids = listed
    seen = []
    for offset in range(0, 10, 3):
        page = await client.get(
            "/analytic/list", params={"project": project, "offset": offset, "limit": 3}
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["total"] == len(ids) and body["offset"] == offset and body["limit"] == 3
        seen += body["analytics"]
    assert [a["id"] for a in seen] == list(reversed(ids))
    newest = seen[0]
    assert newest == {"id": ids[-1], "descriptor": descriptor(project, 7), "result": None}
    one = (await client.get("/analytic", params={"id": ids[0]})).json()
    assert set(one) == {"id", "descriptor", "result"}  # the creation time stays inside


async def test_without_project_every_analytic_counts(client, listed):
    _, ids = listed
    body = (await client.get("/analytic/list", params={"limit": 100})).json()
    assert body["total"] >= len(ids) and len(body["analytics"]) <= 100


async def test_a_deleted_analytic_leaves_the_list(client):
    project = f"ls-{uuid.uuid4().hex[:8]}"
    analytic_id = (await client.post("/analytic", json=descriptor(project, 3))).json()["id"]
    before = (await client.get("/analytic/list", params={"project": project})).json()
    assert [a["id"] for a in before["analytics"]] == [analytic_id]
    await client.delete("/analytic", params={"id": analytic_id})
    after = (await client.get("/analytic/list", params={"project": project})).json()
    assert after == {"total": 0, "offset": 0, "limit": 50, "analytics": []}


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 9990, "limit": 20}, "offset + limit"),
        ({"offset": 10000}, "offset"),
        ({"project": ""}, "project"),
    ],
)
async def test_bad_paging_is_a_400_naming_it(client, params, needle):
    answer = await client.get("/analytic/list", params=params)
    assert answer.status_code == 400, answer.text
    assert needle in answer.json()["status"]


async def test_get_analytic_without_an_id_stays_a_400(client):
    assert (await client.get("/analytic")).status_code == 400  # the original's answer


async def test_a_1x_document_not_yet_migrated_is_listed(client, es, indices):
    project = f"ls-{uuid.uuid4().hex[:8]}"
    query = {"type": "analytic", "project": project, "metric": "u:total"}
    await es.index(
        index=indices.analytic(None),
        id=f"v1-{project}",
        document={"staticId": f"v1-{project}", "query": query, "result": None},
        refresh=True,
    )
    body = (await client.get("/analytic/list", params={"project": project})).json()
    assert body["analytics"] == [{"id": f"v1-{project}", "descriptor": query, "result": None}]
    await client.delete("/analytic", params={"id": f"v1-{project}"})
