"""A real config-leader and real config-followers as separate processes on free ports.

`cluster` starts a leader and followers of two roles (two web, one api) from the installed console
scripts, each in its own temp folder, and stops them by pid afterwards. The leader's folder, its
config and the process helpers are config-leader's own test helpers
(services/config-leader/tests/leader_process.py), so both suites start a leader the same way.
Helpers wait for a condition by polling (never asserting on time).
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from meridian_kit.process_testing import free_port, wait_until

LEADER_TESTS = Path(__file__).resolve().parents[2] / "services" / "config-leader" / "tests"
sys.path.insert(0, str(LEADER_TESTS))

from leader_process import (  # noqa: E402
    FIRST_USER,
    PLATFORM_YML,
    STARTUP_DEADLINE,
    TEMPLATES,
    LeaderSetup,
    OperatorsApi,
    Process,
    detail_of,
    error_message,
    message_of,
    operators_leader,
)

__all__ = [
    "FIRST_USER",
    "PLATFORM_YML",
    "STARTUP_DEADLINE",
    "TEMPLATES",
    "Cluster",
    "Follower",
    "OperatorsApi",
    "Process",
    "detail_of",
    "error_message",
    "free_port",
    "message_of",
    "operators_leader",
    "started_cluster",
    "wait_until",
]


@dataclass
class Follower(Process):
    """A follower process, with its role and key."""

    role: str = ""
    key: str = ""

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def files(self) -> dict[str, str]:
        """Every file in its dataFolder, by relative path."""
        return {
            p.relative_to(self.data).as_posix(): p.read_text()
            for p in sorted(self.data.rglob("*"))
            if p.is_file()
        }

    def status(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/status", timeout=5).json()

    def wait_synced(self) -> None:
        wait_until(lambda: self.status()["syncedSinceStart"], f"{self.name} synced")


@dataclass
class Cluster(LeaderSetup):
    """A leader and its followers in one temp folder."""

    followers: list[Follower] = field(default_factory=list)

    def add_follower(
        self, role: str, *, hooks: list[dict[str, Any]] | None = None, register: bool = True
    ) -> Follower:
        """Creates a follower's folder and config (registered in the leader's config)."""
        index = len(self.followers) + 1
        folder = self.root / f"follower-{index}-{role}"
        (folder / "data").mkdir(parents=True)
        follower = Follower(
            f"follower-{index}-{role}",
            "config-follower",
            folder,
            folder / "config-follower.json",
            free_port(),
            role=role,
            key=f"{role}-key-{secrets.token_hex(12)}",
        )
        body = {
            "leader": {"url": self.leader.url, "auth": follower.key},
            "paths": {"dataFolder": "data"},
            "hooks": hooks or [],
            "retry": {"initialSeconds": 0.2, "maxSeconds": 1.0},
        }
        follower.config.write_text(json.dumps(body, indent=2))
        if register:
            self.followers.append(follower)
        return follower

    def followers_config(self) -> dict[str, dict[str, str]]:
        return {
            **super().followers_config(),
            **{f.key: {"url": f.url, "role": f.role} for f in self.followers},
        }

    def start_all(self) -> None:
        """Starts the leader and every follower concurrently, waits until each has synced."""
        self.leader.start()
        for follower in self.followers:
            follower.start()
        self.leader.wait_healthy()
        for follower in self.followers:
            follower.wait_healthy()
            follower.wait_synced()

    def notify(self, **kwargs: Any) -> dict[str, Any]:
        response = self.admin("POST", "/admin/notify", **kwargs)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def processes(self) -> list[Process]:
        return [self.leader, *self.followers]


def started_cluster(root: Path) -> Cluster:
    """A leader and three followers (web, web, api), started and synced."""
    cluster = Cluster(root)
    hooks = [
        {
            "match": "nginx/**",
            "run": ["sh", "-c", 'echo "$CONFIG_CHANGED_FILES" >> ../nginx-hook.log'],
        },
        {
            "match": "conf/*.json",
            "run": ["sh", "-c", 'echo "$CONFIG_CHANGED_FILES" >> ../json-hook.log'],
        },
    ]
    cluster.add_follower("web", hooks=hooks)
    cluster.add_follower("web", hooks=hooks)
    cluster.add_follower("api")
    cluster.write_leader_config()
    try:
        cluster.start_all()
    except BaseException:
        cluster.stop_all()
        raise
    return cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A fresh cluster for a test that changes settings, configs or processes."""
    cluster = started_cluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for a module's tests that leave settings and processes as they found them."""
    cluster = started_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture
def bare_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A leader folder with the standard templates and no follower yet; nothing started."""
    cluster = Cluster(tmp_path / "cluster")
    try:
        yield cluster
    finally:
        cluster.stop_all()
