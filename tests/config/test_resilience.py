"""Leader restarts and outages, a link in the data folder leading out. (A hostile leader's
traversal paths: services/config-follower/tests/sync.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.config.conftest import message_of

if TYPE_CHECKING:
    from conftest import Cluster, Follower


def stamps(follower: Follower) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(follower.data).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in follower.data.rglob("*")
        if p.is_file()
    }


def test_a_leader_restart_does_not_disturb_applied_files(cluster: Cluster) -> None:
    before = [(f.files(), stamps(f)) for f in cluster.followers]
    cluster.leader.stop()
    for follower in cluster.followers:
        report = httpx.post(
            f"{follower.url}/notify", headers={"Authorization": follower.key}, timeout=30
        )
        assert report.status_code == 503 and "leader" in message_of(report)
        assert follower.status()["lastFetch"]["ok"] is False
    cluster.leader.start()
    cluster.leader.wait_healthy()
    result = cluster.notify()
    assert result["failures"] == []
    assert all(s["files"] == [] and s["hooks"] == [] for s in result["successes"])
    assert [(f.files(), stamps(f)) for f in cluster.followers] == before


def test_a_follower_started_while_the_leader_is_down_retries_then_applies(
    cluster: Cluster,
) -> None:
    web = cluster.followers[0]
    cluster.leader.stop()
    web.stop()
    kept = web.files()
    web.start()
    web.wait_healthy()
    status = cluster.wait_until(lambda: web.status()["lastFetch"], "a failed first fetch")
    assert status["ok"] is False and "leader unreachable" in status["error"]
    assert web.status()["syncedSinceStart"] is False
    assert httpx.get(f"{web.url}/readyz").status_code == 503
    assert web.files() == kept  # serving with the files applied before
    cluster.leader.start()
    cluster.leader.wait_healthy()
    web.wait_synced()  # the backoff loop got through
    assert web.status()["lastFetch"]["ok"] is True
    assert httpx.get(f"{web.url}/readyz").status_code == 200
    assert "initial sync failed" in web.log_text()


def test_a_link_in_the_data_folder_leading_out_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    web = cluster.followers[0]
    outside = tmp_path / "outside"
    outside.mkdir()
    web.stop()
    before = web.files()
    os.rename(web.data / "nginx", tmp_path / "moved-nginx")
    os.symlink(outside, web.data / "nginx")
    cluster.set_vars(DOMAIN="link.example")
    web.start()
    web.wait_healthy()
    response = httpx.post(f"{web.url}/notify", headers={"Authorization": web.key}, timeout=30)
    assert response.status_code == 502
    assert message_of(response) == (
        "leader sent unusable files: refused path '/nginx/site.conf': "
        "a link leads out of dataFolder"
    )
    assert list(outside.iterdir()) == []
    assert {k: v for k, v in web.files().items() if not k.startswith("nginx")} == {
        k: v for k, v in before.items() if not k.startswith("nginx")
    }  # all or nothing: app.json/app.yml were not written either
    result = cluster.notify()
    assert [f["url"] for f in result["failures"]] == [web.url]
    assert "a link leads out of dataFolder" in result["failures"][0]["error"]
