"""Settings migrations on a real leader: listed, applied once as one revision, refused when
a role would not render, and guarded by the operators' permissions."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from leader_process import error_message, operators_leader

PLATFORM = """\
vars:
  MACHINES:
    name: Machines
    settings:
      DOMAIN: {value: example.com, description: public domain}
      PORT: {value: 8443, description: HTTPS port}
      TEMPLATE_VERSION: {value: 1.0.0, description: the template this file follows}
  SERVICES:
    name: Services
    settings:
      URL: {value: "https://api.DOMAIN:PORT/v1"}
      LIMITS: {value: {rps: 10, burst: [20, 40]}}
      FLAGS: {value: [alpha, beta]}
      OLD_FLAG: {value: on-call}
      UNUSED: {value: 1}
"""
TEMPLATE = {
    "vars": {
        "MACHINES": {"name": "Machines", "settings": {"TEMPLATE_VERSION": {"value": "1.2.0"}}},
        "SERVICES": {"name": "Services", "settings": {"NEW_LIMIT": {"value": 5}}},
    },
    "migrations": [
        {
            "versionsFrom": ["1.0.0", "1.0.1"],
            "versionTo": "1.1.0",
            "rename": {"OLD_FLAG": "FEATURE_FLAG"},
        },
        {
            "versionsFrom": ["1.1.0"],
            "versionTo": "1.2.0",
            "remove": ["UNUSED"],
            "set": {"RETRIES": 3},
        },
        {"versionsFrom": ["1.2.0"], "versionTo": "1.3.0", "set": {"LATER": True}},
    ],
}
STEPS = [
    {"versionsFrom": ["1.0.0", "1.0.1"], "versionTo": "1.1.0"},
    {"versionsFrom": ["1.1.0"], "versionTo": "1.2.0"},
]


def platform_and(template: dict) -> Callable[[Path], None]:
    """Writes our platform.yml and `template` as template.yml into the leader's folder."""

    def write(leader_folder: Path) -> None:
        (leader_folder / "platform.yml").write_text(PLATFORM)
        (leader_folder / "template.yml").write_text(yaml.safe_dump(template))

    return write


def test_pending_migrations_are_listed_and_applied_once(tmp_path: Path) -> None:
    config = {"platformSettings": {"platformTemplate": "template.yml"}}
    with operators_leader(tmp_path, platform_and(TEMPLATE), **config) as (setup, api):
        token = api.first_token()
        listed = api.call("GET", "/admin/migrations", token=token)
        assert listed.status_code == 200, listed.text
        assert listed.json() == {
            "migrations": STEPS,
            "platformVersion": "1.0.0",
            "targetVersion": "1.2.0",
        }

        with ThreadPoolExecutor(4) as pool:  # concurrent applies: the steps run once
            answers = list(
                pool.map(
                    lambda _: api.call("POST", "/admin/migrations/apply", token=token), range(4)
                )
            )
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        ran = [a.json() for a in answers if a.json()["migrations"]]
        assert len(ran) == 1
        assert ran[0]["migrations"] == STEPS and ran[0]["version"] == "1.2.0"

        settings = api.call("GET", "/admin/settings", key=api.admin_key).json()["settings"]
        flat = settings["MACHINES"]["settings"] | settings["SERVICES"]["settings"]
        assert flat["TEMPLATE_VERSION"]["value"] == "1.2.0"
        assert flat["FEATURE_FLAG"]["value"] == "on-call"  # renamed, value kept
        assert "OLD_FLAG" not in flat and "UNUSED" not in flat
        assert flat["NEW_LIMIT"]["value"] == 5  # the template's new variable, in its group
        assert settings["RETRIES"] == 3  # set by a step, in no group: added flat
        assert flat["DOMAIN"]["value"] == "example.com"

        assert api.call("GET", "/admin/migrations", token=token).json()["migrations"] == []
        again = api.call("POST", "/admin/migrations/apply", token=token).json()
        assert again == {"migrations": [], "revision": None, "version": "1.2.0"}
        history = api.call("GET", "/admin/settings/history", token=token).json()["revisions"]
        migrations = [r for r in history if r["action"].startswith("migration")]
        assert len(migrations) == 1 and migrations[0]["revision"] == ran[0]["revision"]
        assert setup.leader.popen is not None


def test_a_migration_that_breaks_a_template_is_refused_and_nothing_saved(tmp_path: Path) -> None:
    breaking = {
        **TEMPLATE,
        "migrations": [
            {"versionsFrom": ["1.0.0"], "versionTo": "1.2.0", "set": {"LIMITS": "{not json"}}
        ],
    }
    with operators_leader(
        tmp_path, platform_and(breaking), platformSettings={"platformTemplate": "template.yml"}
    ) as (
        _,
        api,
    ):
        refused = api.call("POST", "/admin/migrations/apply", key=api.admin_key)
        assert refused.status_code == 400, refused.text
        after = api.call("GET", "/admin/migrations", key=api.admin_key).json()
        assert after["platformVersion"] == "1.0.0" and len(after["migrations"]) == 1


def test_migrations_need_their_permissions_and_a_template(tmp_path: Path) -> None:
    with operators_leader(tmp_path, platform_and(TEMPLATE)) as (
        _,
        api,
    ):  # no platformTemplate configured
        reader, password = api.create({"settings": ["read"]})
        token = api.login(reader, password)
        unconfigured = api.call("GET", "/admin/migrations", token=token)
        assert unconfigured.status_code == 409
        assert "platformSettings.platformTemplate" in error_message(unconfigured)
        forbidden = api.call("POST", "/admin/migrations/apply", token=token)
        assert forbidden.status_code == 403
        assert "settings:update" in error_message(forbidden)
        assert api.call("GET", "/admin/migrations").status_code == 401
