"""Issue 14 §2: the protocol both ways — notify's services, the newest config-leader.json,
/conf/, the original's error shape, CORS on the admin API, YAML served with a warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.config import original_follower

if TYPE_CHECKING:
    from conftest import Cluster

ADMIN_ORIGIN = "https://admin.example.com"


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


def test_the_newest_config_format_and_grouped_settings_in_and_out(bare_cluster: Cluster) -> None:
    cluster = bare_cluster
    folder = cluster.leader.folder
    (folder / "conf").mkdir()
    (folder / "platform.yml").rename(folder / "conf" / "platform.yml")
    (folder / "data").rename(folder / "templates")
    follower = cluster.add_follower("web")
    cluster.write_leader_config()
    config = json.loads(cluster.leader.config.read_text())
    del config["dataFolder"]
    config["templatesPath"] = "templates"
    config["platformSettings"] = {
        "platformConfig": "conf/platform.yml",
        "platformTemplate": "conf/template-platform.yml",
    }
    cluster.leader.config.write_text(json.dumps(config))
    cluster.start_all()
    assert json.loads(follower.files()["conf/app.json"])["domain"] == "example.com"

    settings = cluster.admin("GET", "/admin/settings").json()
    assert settings["form"] == "grouped"
    assert settings["settings"]["MACHINES"]["name"] == "Machines and platform"
    body = {"MACHINES": {"settings": {"DOMAIN": {"value": "example.org"}, "NEW": {"value": 1}}}}
    put = cluster.admin("PUT", "/admin/settings", json=body)
    assert put.status_code == 200, put.text
    machines = put.json()["settings"]["MACHINES"]["settings"]
    assert machines["DOMAIN"] == {"value": "example.org", "description": "public domain"}
    assert machines["NEW"] == {"value": 1}
    assert put.json()["changes"] == {
        "DOMAIN": {"from": "example.com", "to": "example.org"},
        "NEW": {"to": 1},
    }
    saved = (folder / "conf" / "platform.yml").read_text()
    assert "example.org" in saved and "public domain" in saved  # description kept
    # a flat body still works on a grouped file
    assert cluster.set_vars(PORT=9443)["settings"]["MACHINES"]["settings"]["PORT"]["value"] == 9443


def test_a_flat_platform_file_answers_flat(bare_cluster: Cluster) -> None:
    cluster = bare_cluster
    (cluster.leader.folder / "platform.yml").write_text(
        "vars:\n  DOMAIN: example.com\n  PORT: 8443\n  URL: https://DOMAIN\n"
        "  LIMITS: {rps: 1}\n  FLAGS: [a]\n"
    )
    cluster.add_follower("web")
    cluster.write_leader_config()
    cluster.start_all()
    settings = cluster.admin("GET", "/admin/settings").json()
    assert settings["form"] == "flat"
    assert settings["settings"]["DOMAIN"] == "example.com"
    assert cluster.set_vars(PORT=9443)["settings"]["PORT"] == 9443


def test_conf_with_and_without_a_trailing_slash_and_the_original_error_shape(
    shared_cluster: Cluster,
) -> None:
    leader = shared_cluster.leader.url
    follower = shared_cluster.followers[0]
    slash = httpx.get(f"{leader}/conf/", headers={"Authorization": follower.key})
    plain = httpx.get(f"{leader}/conf", headers={"Authorization": follower.key})
    assert slash.status_code == plain.status_code == 200
    assert slash.json()["files"] == plain.json()["files"]
    # new URL('conf', leaderUrl): only a URL ending with "/" keeps its path
    assert original_follower.conf_url("https://h/config/") == "https://h/config/conf"
    assert original_follower.conf_url("https://h/config") == "https://h/conf"
    for response in (
        httpx.get(f"{leader}/conf", headers={"Authorization": "wrong"}),
        httpx.get(f"{leader}/admin/settings"),
        httpx.post(f"{follower.url}/notify", headers={"Authorization": "wrong"}),
    ):
        assert response.status_code == 401
        assert set(response.json()) == {"error"}
        assert isinstance(response.json()["error"]["message"], str)


def test_cors_preflight_and_answers_for_the_configured_origin_only(
    bare_cluster: Cluster,
) -> None:
    cluster = bare_cluster
    cluster.add_follower("web")
    cluster.write_leader_config(cors={"origins": [ADMIN_ORIGIN]})
    cluster.start_all()
    url = f"{cluster.leader.url}/admin/settings"
    preflight = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": ""}
    allowed = httpx.options(
        url,
        headers={
            **preflight,
            "Origin": ADMIN_ORIGIN,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ADMIN_ORIGIN
    assert "PUT" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    other = httpx.options(
        url,
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "PUT",
        },
    )
    assert "access-control-allow-origin" not in other.headers
    answer = httpx.get(url, headers={"Origin": ADMIN_ORIGIN, "Authorization": cluster.admin_key})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ADMIN_ORIGIN


def test_yaml_that_does_not_parse_is_served_with_a_warning_and_not_newly_broken_by_a_put(
    bare_cluster: Cluster,
) -> None:
    cluster = bare_cluster
    broken = cluster.leader.folder / "data" / "web" / "conf" / "broken.yml"
    broken.write_text("key: [unclosed DOMAIN\n")
    follower = cluster.add_follower("web")
    cluster.write_leader_config()
    cluster.start_all()
    assert follower.files()["conf/broken.yml"] == "key: [unclosed example.com\n"
    validation = cluster.admin("GET", "/admin/settings").json()["validation"]
    assert validation["errors"] == []
    [warning] = validation["warnings"]
    assert warning.startswith("/web/conf/broken.yml: served, but not valid YAML")
    assert "/web/conf/broken.yml" in cluster.leader.log_text()
    # a file broken already does not block other changes; breaking another one is refused
    assert cluster.set_vars(DOMAIN="example.org")["changed"] is True
    refused = cluster.admin("PUT", "/admin/settings", json={"FLAGS": "[x"})
    assert refused.status_code == 400
    assert any(
        line.startswith("/web/conf/app.yml: invalid after rendering")
        for line in refused.json()["error"]["detail"]
    )


def test_an_original_follower_writes_only_its_conf_and_templates_folders(
    shared_cluster: Cluster, tmp_path: Path
) -> None:
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
