"""The admin settings routes on a real leader: the admin key, the settings as platform.yml holds
them (grouped or flat, both config-leader.json forms), changes refused listing every error, YAML
served with a warning, history and rollback."""

from __future__ import annotations

import json

import httpx
from leader_process import LeaderSetup, change_saved_by_a_dying_instance, detail_of, message_of


def test_admin_calls_need_the_admin_key(shared_leader: LeaderSetup) -> None:
    url = shared_leader.leader.url
    assert httpx.get(f"{url}/admin/settings").status_code == 401
    follower_key = shared_leader.key_of("web")
    assert httpx.get(f"{url}/admin/settings", params={"auth": follower_key}).status_code == 401
    assert httpx.post(f"{url}/admin/notify", params={"auth": "wrong"}).status_code == 401
    unknown = httpx.get(f"{url}/admin/settings", headers={"Authorization": "wrong"})
    assert unknown.status_code == 401
    assert set(unknown.json()) == {"error"}  # the original's shape
    assert isinstance(unknown.json()["error"]["message"], str)
    settings = httpx.get(f"{url}/admin/settings", params={"auth": shared_leader.admin_key}).json()
    assert settings["revision"] == 1
    # platform.yml is grouped: so is the answer, as the newest original's
    assert settings["form"] == "grouped"
    machines = settings["settings"]["MACHINES"]["settings"]
    assert machines["DOMAIN"]["value"] == "example.com"
    assert machines["PORT"]["description"] == "HTTPS port"
    assert "DB_PASSWORD" not in json.dumps(settings)  # internals stay internal
    assert settings["validation"] == {"errors": [], "warnings": []}


def test_no_admin_key_configured_disables_the_admin_key(bare_leader: LeaderSetup) -> None:
    bare_leader.write_leader_config(adminKey=None)
    bare_leader.start_leader()
    for key in (bare_leader.admin_key, "anything"):
        response = httpx.get(f"{bare_leader.leader.url}/admin/settings", params={"auth": key})
        assert response.status_code == 403
        assert "no adminKey in config-leader.json" in message_of(response)


def test_settings_that_break_a_template_are_refused_listing_every_error(
    leader: LeaderSetup,
) -> None:
    before = leader.leader.folder.joinpath("platform.yml").read_text()
    refused = leader.admin(
        "PUT", "/admin/settings", json={"FLAGS": "[unclosed", "PORT": "A", "A": "PORT"}
    )
    assert refused.status_code == 400
    errors = detail_of(refused)
    assert (
        "variable cycle: A -> PORT -> A" in errors or "variable cycle: PORT -> A -> PORT" in errors
    )
    assert any(e.startswith("/web/conf/app.yml: invalid after rendering") for e in errors)
    assert any(e.startswith("/web/conf/app.json: invalid after rendering") for e in errors)
    assert leader.admin("GET", "/admin/settings").json()["revision"] == 1
    bad_body = leader.admin("PUT", "/admin/settings", content=b"[1, 2]")
    assert bad_body.status_code == 400 and "JSON object" in message_of(bad_body)
    assert leader.leader.folder.joinpath("platform.yml").read_text() == before


def test_the_newest_config_format_and_grouped_settings_in_and_out(
    bare_leader: LeaderSetup,
) -> None:
    folder = bare_leader.leader.folder
    (folder / "conf").mkdir()
    (folder / "platform.yml").rename(folder / "conf" / "platform.yml")
    (folder / "data").rename(folder / "templates")
    bare_leader.write_leader_config()
    config = json.loads(bare_leader.leader.config.read_text())
    del config["dataFolder"]
    config["templatesPath"] = "templates"
    config["platformSettings"] = {
        "platformConfig": "conf/platform.yml",
        "platformTemplate": "conf/template-platform.yml",
    }
    bare_leader.leader.config.write_text(json.dumps(config))
    bare_leader.start_leader()
    web = bare_leader.key_of("web")
    assert json.loads(bare_leader.conf(web)["conf/app.json"])["domain"] == "example.com"

    settings = bare_leader.admin("GET", "/admin/settings").json()
    assert settings["form"] == "grouped"
    assert settings["settings"]["MACHINES"]["name"] == "Machines and platform"
    body = {"MACHINES": {"settings": {"DOMAIN": {"value": "example.org"}, "NEW": {"value": 1}}}}
    put = bare_leader.admin("PUT", "/admin/settings", json=body)
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
    assert json.loads(bare_leader.conf(web)["conf/app.json"])["domain"] == "example.org"
    # a flat body still works on a grouped file
    port = bare_leader.set_vars(PORT=9443)["settings"]["MACHINES"]["settings"]["PORT"]
    assert port["value"] == 9443


def test_a_flat_platform_file_answers_flat(bare_leader: LeaderSetup) -> None:
    (bare_leader.leader.folder / "platform.yml").write_text(
        "vars:\n  DOMAIN: example.com\n  PORT: 8443\n  URL: https://DOMAIN\n"
        "  LIMITS: {rps: 1}\n  FLAGS: [a]\n"
    )
    bare_leader.write_leader_config()
    bare_leader.start_leader()
    settings = bare_leader.admin("GET", "/admin/settings").json()
    assert settings["form"] == "flat"
    assert settings["settings"]["DOMAIN"] == "example.com"
    assert bare_leader.set_vars(PORT=9443)["settings"]["PORT"] == 9443


def test_yaml_that_does_not_parse_is_served_with_a_warning_and_not_newly_broken_by_a_put(
    bare_leader: LeaderSetup,
) -> None:
    broken = bare_leader.leader.folder / "data" / "web" / "conf" / "broken.yml"
    broken.write_text("key: [unclosed DOMAIN\n")
    bare_leader.write_leader_config()
    bare_leader.start_leader()
    assert bare_leader.conf(bare_leader.key_of("web"))["conf/broken.yml"] == (
        "key: [unclosed example.com\n"
    )
    validation = bare_leader.admin("GET", "/admin/settings").json()["validation"]
    assert validation["errors"] == []
    [warning] = validation["warnings"]
    assert warning.startswith("/web/conf/broken.yml: served, but not valid YAML")
    assert "/web/conf/broken.yml" in bare_leader.leader.log_text()
    # a file broken already does not block other changes; breaking another one is refused
    assert bare_leader.set_vars(DOMAIN="example.org")["changed"] is True
    refused = bare_leader.admin("PUT", "/admin/settings", json={"FLAGS": "[x"})
    assert refused.status_code == 400
    assert any(
        line.startswith("/web/conf/app.yml: invalid after rendering")
        for line in refused.json()["error"]["detail"]
    )


def test_history_and_rollback(leader: LeaderSetup) -> None:
    web = leader.key_of("web")
    before = leader.conf(web)
    leader.set_vars(DOMAIN="new.example", LIMITS={"rps": 1})
    leader.set_vars(PORT=1443)
    assert leader.conf(web) != before
    history = leader.admin("GET", "/admin/settings/history").json()["revisions"]
    assert [(r["revision"], r["action"]) for r in history] == [
        (1, "initial"),
        (2, "update"),
        (3, "update"),
    ]
    assert history[2]["changes"] == {"PORT": {"from": 8443, "to": 1443}}
    one = leader.admin("GET", "/admin/settings/history/2").json()
    assert one["settings"]["DOMAIN"] == "new.example" and one["action"] == "update"
    rolled = leader.admin("POST", "/admin/settings/rollback/1")
    assert rolled.status_code == 200
    assert rolled.json()["revision"] == 4
    assert leader.admin("GET", "/admin/settings/history/4").json()["rollbackOf"] == 1
    assert leader.conf(web) == before
    assert leader.admin("POST", "/admin/settings/rollback/99").status_code == 404
    assert leader.admin("GET", "/admin/settings/history/99").status_code == 404


def test_a_put_resent_after_another_instance_died_mid_change_is_in_the_history(
    leader: LeaderSetup,
) -> None:
    """Two instances on one folder: one is killed between saving platform.yml and recording the
    revision; nginx resends the (idempotent) PUT to this one, which finds it saved already. The
    change is answered 200 and must be in the history (test_kill_each saw it lost)."""
    change_saved_by_a_dying_instance(leader.leader.config, {"R2K_1": "v1"})
    resent = leader.set_vars(R2K_1="v1")
    assert resent["changed"] is False  # saved already: this PUT itself changed nothing
    assert resent["settings"]["R2K_1"] == "v1"
    history = leader.admin("GET", "/admin/settings/history").json()["revisions"]
    assert history[-1]["changes"] == {"R2K_1": {"to": "v1"}}, history
    assert history[-1]["action"] == "edited on disk"
    assert resent["revision"] == history[-1]["revision"] == 2
