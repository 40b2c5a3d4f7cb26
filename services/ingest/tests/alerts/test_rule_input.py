"""Alert thresholds are finite and bounded: Infinity, 1e400 and NaN are a 400, not a 500 or 503."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.mark.parametrize("threshold", [b"Infinity", b"-Infinity", b"1e400", b"NaN", b"1e16"])
async def test_a_threshold_that_is_not_a_finite_number_is_a_400(
    admin: httpx.AsyncClient, bucket: dict[str, Any], threshold: bytes
) -> None:
    body = b'{"kind": "metric", "metric": "cpu", "threshold": ' + threshold + b"}"
    rules = f"/api/admin/buckets/{bucket['id']}/alerts"
    response = await admin.post(rules, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "threshold" in response.text
    assert (await admin.get(rules)).json() == []


async def test_a_finite_threshold_is_kept(admin: httpx.AsyncClient, bucket: dict[str, Any]) -> None:
    rules = f"/api/admin/buckets/{bucket['id']}/alerts"
    rule = {"kind": "metric", "metric": "memory", "threshold": 1e12}
    created = await admin.post(rules, json=rule)
    assert created.status_code == 201, created.text
    assert created.json()["threshold"] == 1e12
