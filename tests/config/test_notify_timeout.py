"""A follower slower than the leader's notify time limit is a failure; the others succeed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Cluster


def test_a_follower_past_the_notify_timeout_is_reported_and_others_succeed(
    bare_cluster: Cluster,
) -> None:
    cluster = bare_cluster
    slow_hook = {"match": "conf/*.json", "run": ["sleep", "6"], "timeoutSeconds": 30}
    slow = cluster.add_follower("web", hooks=[slow_hook])
    fast = cluster.add_follower("api")
    cluster.write_leader_config(notify={"timeoutSeconds": 1.5})
    cluster.start_all()
    cluster.set_vars(DOMAIN="timeout.example")
    result = cluster.notify()
    assert [s["url"] for s in result["successes"]] == [fast.url]
    assert result["failures"] == [
        {"url": slow.url, "role": "web", "error": "no answer within 1.5s"}
    ]
    assert "api.timeout.example" in fast.files()["env/api.env"]
    # the slow follower was not interrupted: its apply and hook finish on their own
    cluster.wait_until(
        lambda: slow.status()["lastApply"]["written"] and slow.status()["revision"] == 2,
        "the slow follower to finish",
    )
    assert json.loads(slow.files()["conf/app.json"])["domain"] == "timeout.example"
