"""The admin API against real MongoDB: buckets, users, servers, auth."""

from __future__ import annotations

from typing import Any

import httpx


async def test_admin_needs_the_bearer_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/api/admin/buckets")
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]
    wrong = await anonymous.get("/api/admin/buckets", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"].startswith("wrong credentials")


async def test_bucket_lifecycle(admin: httpx.AsyncClient) -> None:
    created = await admin.post(
        "/api/admin/buckets",
        json={"name": "shop", "retention_days": 3, "alert_emails": ["a@b.test"]},
    )
    assert created.status_code == 201
    bucket = created.json()
    assert set(bucket) >= {
        "id",
        "name",
        "public_key",
        "secret_key",
        "retention_days",
        "alert_emails",
    }
    assert bucket["public_key"] != bucket["secret_key"]
    listed = (await admin.get("/api/admin/buckets")).json()
    assert bucket["id"] in [b["id"] for b in listed]
    read = (await admin.get(f"/api/admin/buckets/{bucket['id']}")).json()
    assert read == bucket
    updated = await admin.patch(
        f"/api/admin/buckets/{bucket['id']}", json={"retention_days": 10, "rotate_keys": True}
    )
    assert updated.status_code == 200
    assert updated.json()["retention_days"] == 10
    assert updated.json()["secret_key"] != bucket["secret_key"]
    assert (await admin.delete(f"/api/admin/buckets/{bucket['id']}")).status_code == 204
    gone = await admin.get(f"/api/admin/buckets/{bucket['id']}")
    assert gone.status_code == 404
    assert "not found" in gone.json()["error"]


async def test_bad_bucket_bodies_name_the_field(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/api/admin/buckets", json={"name": "", "retention_days": 0})
    assert response.status_code == 400
    fields = {d["field"] for d in response.json()["detail"]}
    assert fields == {"name", "retention_days"}
    response = await admin.post("/api/admin/buckets", json={"name": "x", "alert_emails": ["nope"]})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "alert_emails.0"
    assert (await admin.get("/api/admin/buckets/not-an-id")).status_code == 404


async def test_users(admin: httpx.AsyncClient, bucket: dict[str, Any]) -> None:
    email = f"{bucket['name']}@example.test"
    created = await admin.post(
        "/api/admin/users", json={"email": email, "bucket_ids": [bucket["id"]]}
    )
    assert created.status_code == 201
    user = created.json()
    assert user["bucket_ids"] == [bucket["id"]]
    duplicate = await admin.post("/api/admin/users", json={"email": email})
    assert duplicate.status_code == 409
    unknown = await admin.post(
        "/api/admin/users", json={"email": "x" + email, "bucket_ids": ["0" * 24]}
    )
    assert unknown.status_code == 400
    renamed = await admin.patch(f"/api/admin/users/{user['id']}", json={"name": "Ann"})
    assert renamed.json()["name"] == "Ann"
    assert (await admin.delete(f"/api/admin/users/{user['id']}")).status_code == 204
    assert (await admin.get(f"/api/admin/users/{user['id']}")).status_code == 404
