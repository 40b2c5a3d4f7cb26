"""Leader and followers as processes: each follower gets its role's files, secrets stay stable
across a leader restart, no key reaches a log. (/conf and the admin key alone:
services/config-leader/tests; /notify and /status alone: services/config-follower/tests.)"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import httpx
import yaml

if TYPE_CHECKING:
    from conftest import Cluster


def test_each_follower_gets_its_role_rendered_with_json_typing_recursion_and_yaml(
    shared_cluster: Cluster,
) -> None:
    web1, web2, api = shared_cluster.followers
    secrets = json.loads(shared_cluster.leader.config.read_text())["internals"]
    for web in (web1, web2):
        files = web.files()
        assert sorted(files) == ["conf/app.json", "conf/app.yml", "nginx/site.conf"]
        assert json.loads(files["conf/app.json"]) == {
            "domain": "example.com",
            "port": 8443,
            "url": "https://api.example.com:8443/v1",
            "limits": {"rps": 10, "burst": [20, 40]},
            "secret": secrets["DB_PASSWORD"],
            "lookalike": "MY_DOMAIN_X",
        }
        assert yaml.safe_load(files["conf/app.yml"]) == {
            "domain": "example.com",
            "flags": ["alpha", "beta"],
            "port": 8443,
        }
        assert files["nginx/site.conf"] == (
            "server_name example.com www.example.com;\nlisten 8443 ssl;\n"
        )
    assert api.files() == {
        "env/api.env": (
            "API_URL=https://api.example.com:8443/v1\n"
            f"DATABASE_PASSWORD={secrets['DB_PASSWORD']}\nSESSION={secrets['SESSION_KEY']}\n"
        )
    }


def test_secrets_are_generated_once_and_stable_across_restarts(shared_cluster: Cluster) -> None:
    first = json.loads(shared_cluster.leader.config.read_text())["internals"]
    assert re.fullmatch(r"[0-9a-z]{32}", first["DB_PASSWORD"])
    assert re.fullmatch(r"[0-9a-z]{32}", first["SESSION_KEY"])
    assert first["DB_PASSWORD"] != first["SESSION_KEY"]
    assert first["STATIC"] == "x"
    shared_cluster.leader.stop()
    shared_cluster.leader.start()
    shared_cluster.leader.wait_healthy()
    assert json.loads(shared_cluster.leader.config.read_text())["internals"] == first
    api = shared_cluster.followers[2]
    report = httpx.post(f"{api.url}/notify", headers={"Authorization": api.key}, timeout=30)
    assert report.json()["files"] == []  # same secrets: nothing to rewrite
    assert f"DATABASE_PASSWORD={first['DB_PASSWORD']}" in api.files()["env/api.env"]


def test_keys_never_appear_in_any_log(shared_cluster: Cluster) -> None:
    for follower in shared_cluster.followers:
        httpx.post(f"{follower.url}/notify", params={"auth": follower.key}, timeout=30)
        httpx.post(f"{follower.url}/notify", params={"auth": "wrong-" + follower.key})
    shared_cluster.notify()
    httpx.get(
        f"{shared_cluster.leader.url}/conf", params={"auth": "bad-" + shared_cluster.admin_key}
    )
    keys = [shared_cluster.admin_key, *(f.key for f in shared_cluster.followers)]
    for process in shared_cluster.processes():
        text = process.log_text()
        assert "applied configuration" in text or process is shared_cluster.leader
        for key in keys:
            assert key not in text, f"a key appears in {process.name}'s log"
