"""The leader provides OPERATOR_PUBLIC_KEY to its templates: a follower's env file then carries
the key with which any service checks operators' tokens (meridian_kit.operator_tokens)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from leader_process import FIRST_USER, operators_leader
from meridian_kit.operator_tokens import OperatorTokenError, OperatorTokenVerifier

FOLLOWER_KEY = "follower-key-for-the-public-key-test"


def add_env_template(folder: Path) -> None:
    """A role whose env file names the leader-provided variable (the names differ on purpose)."""
    template = folder / "data" / "svc" / "services" / "metrics-api.env"
    template.parent.mkdir(parents=True)
    template.write_text("MERIDIAN_OPERATOR_PUBLIC_KEY=OPERATOR_PUBLIC_KEY\nOTHER=1\n")


def test_the_rendered_env_file_holds_the_key_that_checks_a_signed_in_token(
    tmp_path: Path,
) -> None:
    followers = {FOLLOWER_KEY: {"url": "http://127.0.0.1:9", "role": "svc"}}
    with operators_leader(tmp_path, add_env_template, followers=followers) as (setup, api):
        conf = httpx.get(f"{setup.leader.url}/conf", headers={"Authorization": FOLLOWER_KEY})
        assert conf.status_code == 200, conf.text
        (env,) = [f["content"] for f in conf.json()["files"] if f["path"].endswith(".env")]
        lines = dict(line.split("=", 1) for line in env.splitlines())
        assert lines["OTHER"] == "1"
        verifier = OperatorTokenVerifier(lines["MERIDIAN_OPERATOR_PUBLIC_KEY"])

        login = api.call(
            "POST", "/auth/login", json={"username": FIRST_USER, "password": api.first_password}
        )
        assert login.status_code == 200, login.text
        operator = verifier.verify(login.json()["token"])
        assert operator.username == FIRST_USER
        assert operator.allows("settings", "update")
        with pytest.raises(OperatorTokenError):
            verifier.verify(login.json()["token"][:-4] + "AAAA")

        # the key is the one the leader publishes
        published = api.call("GET", "/auth/public-key", token=login.json()["token"])
        assert OperatorTokenVerifier(published.json()["publicKey"]).key == verifier.key
