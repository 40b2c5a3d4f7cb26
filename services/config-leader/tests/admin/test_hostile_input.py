"""Hostile input to the leader's admin API: a 400 naming the field, nothing saved, never a 5xx."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from leader_process import detail_of

if TYPE_CHECKING:
    from leader_process import LeaderSetup

DEEP = b'{"DOMAIN": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"PORT": NaN}', "PORT"),
        (b'{"PORT": Infinity}', "PORT"),
        (b'{"PORT": -Infinity}', "PORT"),
        (b'{"URL": {"x": 1e400}}', "URL.x"),
        (b'{"PORT": 184467440737095516160}', "PORT"),
        (b'{"LIMITS": {"rps": [1, -99999999999999999999]}}', "LIMITS.rps.1"),
        (b'{"DOMAIN": "a\\ud800b"}', "DOMAIN"),
        (b'{"DOMAIN": ' + b"[" * 40 + b"]" * 40 + b"}", "DOMAIN.0"),
        (DEEP, "body"),
    ],
)
def test_settings_refuse_what_json_cannot_hold(
    shared_leader: LeaderSetup, body: bytes, field: str
) -> None:
    before = shared_leader.admin("GET", "/admin/settings").json()
    # curl -d sends it form-encoded: the rule holds whatever the Content-Type
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        refused = httpx.put(
            f"{shared_leader.leader.url}/admin/settings",
            content=body,
            headers={"Authorization": shared_leader.admin_key, "content-type": content_type},
            timeout=30,
        )
        assert refused.status_code == 400, refused.text
        (named,) = [d["field"] for d in detail_of(refused)]
        # the kit's JSON rule (application/json) may name the whole body, or a deep path in full
        assert named.startswith(field) or named == "body", named
    assert shared_leader.admin("GET", "/admin/settings").json() == before


@pytest.mark.parametrize("rev", ["0", "-1", "2147483648", "9" * 300])
def test_revision_numbers_are_bounded(shared_leader: LeaderSetup, rev: str) -> None:
    for method, path in (
        ("GET", f"/admin/settings/history/{rev}"),
        ("POST", f"/admin/settings/rollback/{rev}"),
    ):
        answer = shared_leader.admin(method, path)
        assert answer.status_code == 400, answer.text
        assert [d["field"] for d in detail_of(answer)] == ["path.rev"]


def test_history_pages_by_revision(leader: LeaderSetup) -> None:
    leader.set_vars(PORT=1)
    leader.set_vars(PORT=2)
    first = leader.admin("GET", "/admin/settings/history", params={"limit": 2}).json()
    assert [r["revision"] for r in first["revisions"]] == [1, 2]
    rest = leader.admin("GET", "/admin/settings/history", params={"after": 2}).json()
    assert [r["revision"] for r in rest["revisions"]] == [3]
