"""Admin lists come a page at a time: no request lists an unbounded number of buckets or users."""

from __future__ import annotations

import httpx


async def test_buckets_and_users_are_listed_a_bounded_page_at_a_time(
    admin: httpx.AsyncClient,
) -> None:
    made = []
    for n in range(3):
        created = await admin.post("/api/admin/buckets", json={"name": f"page-{n}"})
        assert created.status_code == 201
        made.append(created.json()["id"])
    try:
        every = [b["id"] for b in (await admin.get("/api/admin/buckets")).json()]
        assert every[-3:] == made
        first = (await admin.get("/api/admin/buckets", params={"limit": 2})).json()
        rest = (await admin.get("/api/admin/buckets", params={"offset": 2})).json()
        assert [b["id"] for b in first + rest] == every
        for path in ("/api/admin/buckets", "/api/admin/users", f"/api/buckets/{made[0]}/servers"):
            for params, field in (({"limit": 1001}, "limit"), ({"offset": -1}, "offset")):
                if path.startswith("/api/buckets"):
                    params = {"size" if k == "limit" else k: v for k, v in params.items()}
                    field = "size" if field == "limit" else field
                refused = await admin.get(path, params=params)
                assert refused.status_code == 400, (path, refused.text)
                assert refused.json()["detail"][0]["field"] in (field, f"query.{field}")
    finally:
        for bucket_id in made:
            await admin.delete(f"/api/admin/buckets/{bucket_id}")
