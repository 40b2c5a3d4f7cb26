"""Issue 14 §2: the protocol both ways between a leader and followers — notify's services, what an
original follower fetches and writes. The leader's own side (the newest config-leader.json, /conf/,
the original's error shape, CORS, YAML served with a warning) is tested in
services/config-leader/tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.config import original_follower

if TYPE_CHECKING:
    from conftest import Cluster


def test_notify_forwards_services_and_only_the_named_services_hooks_run(
    bare_cluster: Cluster,
) -> None:
    cluster = bare_cluster
    log = cluster.root / "restarts.log"
    restart = ["sh", "-c", f'echo "$CONFIG_SERVICES" >> {log}']
    follower = cluster.add_follower(
        "web",
        hooks=[
            {"services": ["core"], "run": restart},
            {"services": ["register"], "run": restart},
            {"match": "nginx/**", "run": ["sh", "-c", f"echo nginx >> {log}"]},
        ],
    )
    cluster.write_leader_config()
    cluster.start_all()
    assert log.read_text() == "nginx\n"  # the first sync wrote nginx/site.conf
    result = cluster.notify(json={"services": ["core", "mail"]})
    assert result["failures"] == []
    [report] = result["successes"]
    assert [hook["cmd"] for hook in report["hooks"]] == [restart]
    assert log.read_text() == "nginx\ncore\n"
    # without services, the file rule alone: nothing changed, nothing runs
    assert cluster.notify()["successes"][0]["hooks"] == []
    assert log.read_text() == "nginx\ncore\n"
    bad = httpx.post(
        f"{follower.url}/notify", headers={"Authorization": follower.key}, json={"services": 3}
    )
    assert bad.status_code == 400 and "services" in bad.json()["error"]["message"]


def test_an_original_follower_writes_only_its_conf_and_templates_folders(
    shared_cluster: Cluster, tmp_path: Path
) -> None:
    # new URL('conf', leaderUrl): only a URL ending with "/" keeps its path
    assert original_follower.conf_url("https://h/config/") == "https://h/config/conf"
    assert original_follower.conf_url("https://h/config") == "https://h/conf"
    follower = shared_cluster.followers[0]
    files = original_follower.fetch_files(shared_cluster.leader.url + "/", follower.key)
    assert sorted(f["path"] for f in files) == [
        "/conf/app.json",
        "/conf/app.yml",
        "/nginx/site.conf",
    ]
    # 1.0.10 writes a file in dataFolder itself or under <folder>/conf/ or <folder>/templates/
    # only: these paths are none of them (Pryv's roles hold <service>/conf/...)
    assert original_follower.write_files(files, str(tmp_path) + "/") == []
