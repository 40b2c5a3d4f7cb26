"""Leader and followers as processes: rendered files per role, secrets, keys, admin auth."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import httpx
import yaml

from tests.config.error_bodies import message_of

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


def test_conf_needs_a_known_follower_key_and_gives_its_own_role_only(
    shared_cluster: Cluster,
) -> None:
    web, _, api = shared_cluster.followers
    url = f"{shared_cluster.leader.url}/conf"
    assert httpx.get(url).status_code == 401
    unknown = httpx.get(url, headers={"Authorization": "nope"})
    assert unknown.status_code == 401 and "unknown follower key" in message_of(unknown)
    assert httpx.get(url, params={"auth": shared_cluster.admin_key}).status_code == 401
    by_query = httpx.get(url, params={"auth": api.key}).json()
    assert [f["path"] for f in by_query["files"]] == ["/env/api.env"]
    assert by_query["role"] == "api" and by_query["revision"] == 1
    by_header = httpx.get(url, headers={"Authorization": web.key}).json()
    assert [f["path"] for f in by_header["files"]] == [
        "/conf/app.json",
        "/conf/app.yml",
        "/nginx/site.conf",
    ]


def test_admin_calls_need_the_admin_key(shared_cluster: Cluster) -> None:
    leader = shared_cluster.leader.url
    assert httpx.get(f"{leader}/admin/settings").status_code == 401
    follower_key = shared_cluster.followers[0].key
    assert httpx.get(f"{leader}/admin/settings", params={"auth": follower_key}).status_code == 401
    assert httpx.post(f"{leader}/admin/notify", params={"auth": "wrong"}).status_code == 401
    settings = httpx.get(
        f"{leader}/admin/settings", params={"auth": shared_cluster.admin_key}
    ).json()
    assert settings["revision"] == 1
    # platform.yml is grouped: so is the answer, as the newest original's
    assert settings["form"] == "grouped"
    machines = settings["settings"]["MACHINES"]["settings"]
    assert machines["DOMAIN"]["value"] == "example.com"
    assert machines["PORT"]["description"] == "HTTPS port"
    assert "DB_PASSWORD" not in json.dumps(settings)  # internals stay internal
    assert settings["validation"] == {"errors": [], "warnings": []}


def test_a_role_without_a_folder_is_a_404_and_no_admin_key_disables_admin(
    cluster: Cluster,
) -> None:
    ghost = cluster.add_follower("ghost")
    cluster.write_leader_config(adminKey=None)
    cluster.leader.stop()
    cluster.leader.start()
    cluster.leader.wait_healthy()
    response = httpx.get(f"{cluster.leader.url}/conf", headers={"Authorization": ghost.key})
    assert response.status_code == 404
    assert message_of(response) == "Configuration folder not found for 'ghost'"
    for key in (cluster.admin_key, "anything"):
        response = httpx.get(f"{cluster.leader.url}/admin/settings", params={"auth": key})
        assert response.status_code == 403
        assert "no adminKey in config-leader.json" in message_of(response)


def test_follower_notify_needs_its_leader_key(shared_cluster: Cluster) -> None:
    web, other_web, _ = shared_cluster.followers
    assert httpx.post(f"{web.url}/notify").status_code == 401
    wrong = httpx.post(f"{web.url}/notify", headers={"Authorization": other_web.key})
    assert wrong.status_code == 401 and "wrong credentials" in message_of(wrong)
    assert (
        httpx.post(f"{web.url}/notify", params={"auth": shared_cluster.admin_key}).status_code
        == 401
    )
    ok = httpx.post(f"{web.url}/notify", params={"auth": web.key}, timeout=30)
    assert ok.status_code == 200
    assert ok.json() == {"files": [], "unchanged": 3, "removed": [], "hooks": [], "revision": 1}


def test_status_shows_leader_last_fetch_revision_and_files(shared_cluster: Cluster) -> None:
    status = shared_cluster.followers[2].status()
    assert status["leader"] == shared_cluster.leader.url
    assert status["lastFetch"]["ok"] is True and status["lastFetch"]["at"]
    assert status["revision"] == 1
    assert status["files"] == ["/env/api.env"]
    assert status["lastApply"]["at"] and isinstance(status["lastApply"]["written"], list)


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
