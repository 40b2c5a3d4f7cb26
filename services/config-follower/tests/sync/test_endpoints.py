"""POST /notify and GET /status of a real follower process, fetching from a scripted leader:
the leader key, the optional body, the status, and paths leading out refused."""

from __future__ import annotations

from pathlib import Path

from follower_process import FollowerProcess, ScriptedLeader, stop
from meridian_kit.process_testing import free_port, wait_until


def test_notify_needs_its_leader_key_in_the_originals_error_shape(
    follower: FollowerProcess,
) -> None:
    for answer in (
        follower.notify(),
        follower.notify(headers={"Authorization": "wrong-" + follower.key}),
        follower.notify(params={"auth": "wrong"}),
    ):
        assert answer.status_code == 401, answer.text
        assert set(answer.json()) == {"error"}
        assert isinstance(answer.json()["error"]["message"], str)
    by_header = follower.notify(headers={"Authorization": follower.key})
    assert by_header.status_code == 200, by_header.text
    assert by_header.json() == {
        "files": [],
        "unchanged": 2,
        "removed": [],
        "hooks": [],
        "revision": 7,
    }
    assert follower.notify(params={"auth": follower.key}).status_code == 200
    assert follower.key not in follower.log_text()


def test_a_notify_body_is_optional_and_a_bad_one_is_a_400(follower: FollowerProcess) -> None:
    key = {"Authorization": follower.key}
    assert follower.notify(headers=key, json={"services": ["core"]}).status_code == 200
    for body in ({"services": 3}, [1]):
        bad = follower.notify(headers=key, json=body)
        assert bad.status_code == 400, bad.text
        message = bad.json()["error"]["message"]
        assert "services" in message or "JSON object" in message


def test_status_shows_leader_last_fetch_revision_and_files(
    follower: FollowerProcess, scripted_leader: ScriptedLeader
) -> None:
    status = follower.status()
    assert status["leader"] == scripted_leader.url
    assert status["lastFetch"]["ok"] is True and status["lastFetch"]["at"]
    assert status["revision"] == 7
    assert status["files"] == ["/conf/app.yml", "/nginx/site.conf"]
    assert status["lastApply"]["written"] == ["/conf/app.yml", "/nginx/site.conf"]
    assert follower.files() == {
        "conf/app.yml": "domain: example.com\n",
        "nginx/site.conf": "server_name example.com;\n",
    }


def test_synced_is_reported_only_once_the_first_syncs_hooks_have_run(
    tmp_path: Path, scripted_leader: ScriptedLeader, leader_key: str
) -> None:
    folder = tmp_path / "slow-hook"
    (folder / "data").mkdir(parents=True)
    log = folder / "hook.log"
    slow = {"match": "nginx/**", "run": ["sh", "-c", f"sleep 1; echo reloaded > {log}"]}
    follower = FollowerProcess(folder, leader_key, scripted_leader.url, free_port(), hooks=[slow])
    try:
        follower.start()
        wait_until(lambda: follower.status()["syncedSinceStart"], "follower synced")
        assert log.read_text() == "reloaded\n"  # the hook (nginx reload) ran before "synced"
    finally:
        if follower.popen is not None:
            stop(follower.popen)


def test_traversal_paths_from_a_hostile_leader_are_refused(
    tmp_path: Path, follower: FollowerProcess, scripted_leader: ScriptedLeader
) -> None:
    before = follower.files()
    for case in ("dotdot", "absolute", "nested-dotdot"):
        scripted_leader.pick(case)
        response = follower.notify(headers={"Authorization": follower.key})
        assert response.status_code == 502, case
        assert "refused path" in response.json()["error"]["message"], case
    assert follower.files() == before
    assert not (tmp_path / "escaped.txt").exists()
    assert not (follower.folder / "escaped.txt").exists()
    assert not Path("/tmp/escaped-by-config-test.txt").exists()
    last = follower.status()["lastFetch"]
    assert last["ok"] is False and "refused path" in last["error"], last
