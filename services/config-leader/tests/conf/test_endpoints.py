"""GET /conf on a real leader: a known follower key, its own role's files only, with and without
a trailing slash, the original's error shape, a role without a folder, secrets generated once."""

from __future__ import annotations

import json
import re

import httpx
from leader_process import LeaderSetup, message_of


def test_conf_needs_a_known_follower_key_and_gives_its_own_role_only(
    shared_leader: LeaderSetup,
) -> None:
    url = f"{shared_leader.leader.url}/conf"
    assert httpx.get(url).status_code == 401
    unknown = httpx.get(url, headers={"Authorization": "nope"})
    assert unknown.status_code == 401 and "unknown follower key" in message_of(unknown)
    assert set(unknown.json()) == {"error"}  # the original's shape
    assert httpx.get(url, params={"auth": shared_leader.admin_key}).status_code == 401
    by_query = httpx.get(url, params={"auth": shared_leader.key_of("api")}).json()
    assert [f["path"] for f in by_query["files"]] == ["/env/api.env"]
    assert by_query["role"] == "api" and by_query["revision"] == 1
    by_header = httpx.get(url, headers={"Authorization": shared_leader.key_of("web")}).json()
    assert [f["path"] for f in by_header["files"]] == [
        "/conf/app.json",
        "/conf/app.yml",
        "/nginx/site.conf",
    ]


def test_conf_with_and_without_a_trailing_slash(shared_leader: LeaderSetup) -> None:
    key = {"Authorization": shared_leader.key_of("web")}
    slash = httpx.get(f"{shared_leader.leader.url}/conf/", headers=key)
    plain = httpx.get(f"{shared_leader.leader.url}/conf", headers=key)
    assert slash.status_code == plain.status_code == 200
    assert slash.json()["files"] == plain.json()["files"]


def test_each_role_is_rendered_with_json_typing_recursion_and_secrets(
    shared_leader: LeaderSetup,
) -> None:
    secrets = json.loads(shared_leader.leader.config.read_text())["internals"]
    web = shared_leader.conf(shared_leader.key_of("web"))
    assert json.loads(web["conf/app.json"]) == {
        "domain": "example.com",
        "port": 8443,
        "url": "https://api.example.com:8443/v1",
        "limits": {"rps": 10, "burst": [20, 40]},
        "secret": secrets["DB_PASSWORD"],
        "lookalike": "MY_DOMAIN_X",
    }
    assert web["nginx/site.conf"] == "server_name example.com www.example.com;\nlisten 8443 ssl;\n"
    assert shared_leader.conf(shared_leader.key_of("api")) == {
        "env/api.env": (
            "API_URL=https://api.example.com:8443/v1\n"
            f"DATABASE_PASSWORD={secrets['DB_PASSWORD']}\nSESSION={secrets['SESSION_KEY']}\n"
        )
    }


def test_secrets_are_generated_once_and_kept_across_restarts(leader: LeaderSetup) -> None:
    first = json.loads(leader.leader.config.read_text())["internals"]
    assert re.fullmatch(r"[0-9a-z]{32}", first["DB_PASSWORD"])
    assert re.fullmatch(r"[0-9a-z]{32}", first["SESSION_KEY"])
    assert first["DB_PASSWORD"] != first["SESSION_KEY"]
    assert first["STATIC"] == "x"
    served = leader.conf(leader.key_of("api"))
    leader.leader.restart()
    assert json.loads(leader.leader.config.read_text())["internals"] == first
    assert leader.conf(leader.key_of("api")) == served


def test_a_role_without_a_folder_is_a_404(bare_leader: LeaderSetup) -> None:
    ghost = bare_leader.follower_key("ghost")
    bare_leader.write_leader_config()
    bare_leader.start_leader()
    response = httpx.get(f"{bare_leader.leader.url}/conf", headers={"Authorization": ghost})
    assert response.status_code == 404
    assert message_of(response) == "Configuration folder not found for 'ghost'"


def test_keys_never_appear_in_the_log(shared_leader: LeaderSetup) -> None:
    url = shared_leader.leader.url
    keys = [shared_leader.admin_key, *shared_leader.follower_keys]
    for key in keys:
        httpx.get(f"{url}/conf", params={"auth": key})
        httpx.get(f"{url}/conf", params={"auth": "bad-" + key})
        httpx.get(f"{url}/admin/settings", params={"auth": key})
    text = shared_leader.leader.log_text()
    assert text  # the leader logs (its start at least)
    for key in keys:
        assert key not in text
