"""GET /admin/followers: every follower's state in one answer, an unreachable one saying why."""

from __future__ import annotations

import httpx

from tests.config.conftest import Cluster


def test_followers_status_shows_each_followers_revision_and_an_unreachable_one(
    cluster: Cluster,
) -> None:
    revision = cluster.set_vars(DOMAIN="status.example.com")["revision"]
    cluster.notify()
    answer = cluster.admin("GET", "/admin/followers")
    assert answer.status_code == 200, answer.text
    followers = answer.json()["followers"]
    assert [(f["url"], f["role"]) for f in followers] == [
        (f.url, f.role) for f in cluster.followers
    ]
    for follower in followers:
        assert follower["reachable"] is True, follower
        assert follower["revision"] == revision
        assert follower["lastFetch"]["ok"] is True
        assert follower["files"] > 0
        assert "key" not in str(follower).lower()  # never a follower's key

    cluster.followers[2].stop()
    followers = cluster.admin("GET", "/admin/followers").json()["followers"]
    assert [f["reachable"] for f in followers] == [True, True, False]
    assert "cannot connect" in followers[2]["error"]


def test_followers_status_needs_the_admin_key(cluster: Cluster) -> None:
    answer = httpx.get(f"{cluster.leader.url}/admin/followers", headers={"Authorization": "x"})
    assert answer.status_code == 401
