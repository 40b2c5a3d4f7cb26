"""CORS on the admin API: only the origins of `cors.origins` (the original answered any)."""

from __future__ import annotations

import httpx
from leader_process import LeaderSetup

ADMIN_ORIGIN = "https://admin.example.com"


def test_cors_preflight_and_answers_for_the_configured_origin_only(
    bare_leader: LeaderSetup,
) -> None:
    bare_leader.write_leader_config(cors={"origins": [ADMIN_ORIGIN]})
    bare_leader.start_leader()
    url = f"{bare_leader.leader.url}/admin/settings"
    allowed = httpx.options(
        url,
        headers={
            "Origin": ADMIN_ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ADMIN_ORIGIN
    assert "PUT" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    other = httpx.options(
        url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}
    )
    assert "access-control-allow-origin" not in other.headers
    answer = httpx.get(
        url, headers={"Origin": ADMIN_ORIGIN, "Authorization": bare_leader.admin_key}
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ADMIN_ORIGIN
