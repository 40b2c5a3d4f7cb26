"""Settings changes reaching followers: notify, failures, roles, refusals, rollback, hooks."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx

from tests.config.conftest import message_of

if TYPE_CHECKING:
    from conftest import Cluster


def app_json(cluster: Cluster, index: int) -> dict:
    return json.loads(cluster.followers[index].files()["conf/app.json"])


def test_a_changed_variable_reaches_every_follower_on_notify(cluster: Cluster) -> None:
    changed = cluster.set_vars(DOMAIN="example.org")
    assert changed["revision"] == 2
    assert changed["changes"] == {"DOMAIN": {"from": "example.com", "to": "example.org"}}
    result = cluster.notify()
    assert result["failures"] == []
    assert sorted(s["url"] for s in result["successes"]) == sorted(f.url for f in cluster.followers)
    by_url = {s["url"]: s for s in result["successes"]}
    web, _, api = cluster.followers
    assert sorted(by_url[web.url]["files"]) == [
        "/conf/app.json",
        "/conf/app.yml",
        "/nginx/site.conf",
    ]
    assert by_url[web.url]["revision"] == 2
    assert by_url[api.url]["files"] == ["/env/api.env"]
    assert app_json(cluster, 0)["url"] == "https://api.example.org:8443/v1"
    assert "API_URL=https://api.example.org:8443/v1" in api.files()["env/api.env"]
    assert api.status()["revision"] == 2


def test_notify_with_one_follower_down_reports_it_and_the_rest_succeed(cluster: Cluster) -> None:
    down = cluster.followers[1]
    down.stop()
    cluster.set_vars(PORT=9443)
    result = cluster.notify()
    assert [(f["url"], f["role"]) for f in result["failures"]] == [(down.url, "web")]
    assert "cannot connect" in result["failures"][0]["error"]
    assert len(result["successes"]) == 2
    assert app_json(cluster, 0)["port"] == 9443
    assert app_json(cluster, 1)["port"] == 8443  # the stopped one kept its files
    down.start()
    down.wait_healthy()
    down.wait_synced()  # a follower coming back fetches on its own
    assert app_json(cluster, 1)["port"] == 9443


def test_notify_can_be_narrowed_to_roles(cluster: Cluster) -> None:
    cluster.set_vars(DOMAIN="narrow.example")
    only_api = cluster.notify(json={"roles": ["api"]}, params={"auth": cluster.admin_key})
    assert [s["role"] for s in only_api["successes"]] == ["api"]
    assert app_json(cluster, 0)["domain"] == "example.com"
    unknown = cluster.admin("POST", "/admin/notify", json={"roles": ["api", "nope"]})
    assert unknown.status_code == 400 and message_of(unknown) == "unknown roles: nope"


def test_rollback_restores_the_old_files_on_every_follower(cluster: Cluster) -> None:
    before = [f.files() for f in cluster.followers]
    cluster.set_vars(DOMAIN="new.example", LIMITS={"rps": 1})
    cluster.set_vars(PORT=1443)
    cluster.notify()
    assert [f.files() for f in cluster.followers] != before
    history = cluster.admin("GET", "/admin/settings/history").json()["revisions"]
    assert [(r["revision"], r["action"]) for r in history] == [
        (1, "initial"),
        (2, "update"),
        (3, "update"),
    ]
    assert history[2]["changes"] == {"PORT": {"from": 8443, "to": 1443}}
    rolled = cluster.admin("POST", "/admin/settings/rollback/1")
    assert rolled.status_code == 200
    assert rolled.json()["revision"] == 4
    assert cluster.admin("GET", "/admin/settings/history/4").json()["rollbackOf"] == 1
    result = cluster.notify()
    assert result["failures"] == []
    assert [f.files() for f in cluster.followers] == before
    assert cluster.admin("POST", "/admin/settings/rollback/99").status_code == 404


def test_hooks_run_only_for_changed_files(cluster: Cluster) -> None:
    web = cluster.followers[0]
    nginx_log, json_log = web.folder / "nginx-hook.log", web.folder / "json-hook.log"
    assert nginx_log.read_text() == "/nginx/site.conf\n"  # the first apply at start
    assert json_log.read_text() == "/conf/app.json\n"
    cluster.set_vars(LIMITS={"rps": 99})  # used by app.json only
    result = cluster.notify()
    report = next(s for s in result["successes"] if s["url"] == web.url)
    assert report["files"] == ["/conf/app.json"]
    assert report["unchanged"] == 2
    assert [(h["cmd"][-1].split(">>")[-1].strip(), h["rc"]) for h in report["hooks"]] == [
        ("../json-hook.log", 0)
    ]
    assert nginx_log.read_text() == "/nginx/site.conf\n"
    assert json_log.read_text() == "/conf/app.json\n/conf/app.json\n"
    again = httpx.post(f"{web.url}/notify", headers={"Authorization": web.key}, timeout=30)
    assert again.json()["hooks"] == []  # nothing changed, nothing ran
