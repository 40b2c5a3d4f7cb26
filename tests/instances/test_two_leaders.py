"""Two config-leader instances on one folder, and a follower whose `leader.url` lists both (what
`make up CONFIG_LEADER_INSTANCES=2` writes): it fetches from whichever answers.

Real processes on free ports (tests/config's Cluster), nothing of the running suite is touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.config.conftest import Cluster, Process, free_port


@pytest.fixture
def two_leaders(tmp_path: Path) -> Iterator[tuple[Cluster, Process]]:
    cluster = Cluster(tmp_path / "cluster")
    second = Process(
        "leader-2", "config-leader", cluster.leader.folder, cluster.leader.config, free_port()
    )
    try:
        yield cluster, second
    finally:
        second.stop()
        cluster.stop_all()


def test_a_follower_fetches_from_the_leader_instance_that_answers(
    two_leaders: tuple[Cluster, Process],
) -> None:
    cluster, second = two_leaders
    follower = cluster.add_follower("web")
    body = json.loads(follower.config.read_text())
    body["leader"]["url"] = f"{cluster.leader.url}/ {second.url}"  # a trailing slash is dropped
    follower.config.write_text(json.dumps(body))
    cluster.write_leader_config()
    cluster.leader.start()
    cluster.leader.wait_healthy()
    second.start()
    second.wait_healthy()
    follower.start()
    follower.wait_healthy()
    follower.wait_synced()
    assert "domain: example.com\n" in follower.files()["conf/app.yml"]
    assert follower.status()["leader"] == f"{cluster.leader.url} {second.url}"

    # The first instance goes away: a change made and notified through the second still arrives.
    cluster.leader.stop()
    headers = {"Authorization": cluster.admin_key}  # (cluster.admin calls the first instance)
    put = httpx.put(
        f"{second.url}/admin/settings", json={"DOMAIN": "two.example"}, headers=headers, timeout=30
    )
    assert put.status_code == 200, put.text
    notified = httpx.post(f"{second.url}/admin/notify", headers=headers, timeout=30)
    assert notified.status_code == 200, notified.text
    cluster.wait_until(
        lambda: "domain: two.example\n" in follower.files()["conf/app.yml"],
        "the follower applied the change from the second leader instance",
    )


def test_a_leader_url_list_with_a_bad_entry_is_refused(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path / "cluster")
    follower = cluster.add_follower("web")
    body = json.loads(follower.config.read_text())
    body["leader"]["url"] = "http://127.0.0.1:1 ftp://leader"
    follower.config.write_text(json.dumps(body))
    follower.start()
    assert follower.popen is not None
    assert follower.popen.wait(timeout=60) != 0
    assert "http:// or https://" in follower.log_text()
