"""Files the leader stops serving: each follower removes the ones it applied, and only those."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from conftest import Cluster


def test_a_template_removed_on_the_leader_is_removed_from_its_followers(cluster: Cluster) -> None:
    web, other_web, api = cluster.followers
    (web.data / "nginx" / "operator.conf").write_text("# put here by hand, not by the follower\n")
    (cluster.leader.folder / "data" / "web" / "nginx" / "site.conf").unlink()
    result = cluster.notify()
    assert result["failures"] == []
    by_url = {s["url"]: s for s in result["successes"]}
    for follower in (web, other_web):
        report = by_url[follower.url]
        assert report["removed"] == ["/nginx/site.conf"]
        assert report["files"] == [] and report["unchanged"] == 2
        # the hook of the removed file ran, and was told which file changed
        assert [h["files"] for h in report["hooks"]] == [["/nginx/site.conf"]]
        assert (follower.folder / "nginx-hook.log").read_text().splitlines()[-1] == (
            "/nginx/site.conf"
        )
        assert "site.conf" not in "".join(follower.files())
        assert follower.status()["files"] == ["/conf/app.json", "/conf/app.yml"]
    assert by_url[api.url]["removed"] == [] and list(api.files()) == ["env/api.env"]
    assert web.files()["nginx/operator.conf"] == "# put here by hand, not by the follower\n"
    again = httpx.post(f"{web.url}/notify", headers={"Authorization": web.key}, timeout=30)
    assert again.json()["removed"] == [] and again.json()["hooks"] == []


def test_a_follower_down_when_a_file_went_away_removes_it_when_it_comes_back(
    cluster: Cluster,
) -> None:
    """The applied list is kept in the state file: after a restart it still knows its own files."""
    web = cluster.followers[0]
    assert "conf/app.yml" in web.files()
    web.stop()
    (cluster.leader.folder / "data" / "web" / "conf" / "app.yml").unlink()
    web.start()
    web.wait_healthy()
    web.wait_synced()
    assert sorted(web.files()) == ["conf/app.json", "nginx/site.conf"]
    assert web.status()["lastApply"]["removed"] == ["/conf/app.yml"]


def test_a_removal_is_part_of_the_all_or_nothing_apply(cluster: Cluster) -> None:
    """A set that cannot be written leaves the files it would have removed in place."""
    web = cluster.followers[0]
    before = web.files()
    leader_data = cluster.leader.folder / "data" / "web"
    (leader_data / "nginx" / "site.conf").unlink()
    (leader_data / "blocked").mkdir()
    (leader_data / "blocked" / "inside.txt").write_text("needs a folder named blocked\n")
    (web.data / "blocked").write_text("a file where the leader now wants a folder\n")
    result = cluster.notify(json={"roles": ["web"]})
    failed = {f["url"]: f for f in result["failures"]}
    assert web.url in failed and failed[web.url]["status"] == 500, result
    assert "previous files kept" in failed[web.url]["error"]
    assert {k: v for k, v in web.files().items() if k != "blocked"} == before
