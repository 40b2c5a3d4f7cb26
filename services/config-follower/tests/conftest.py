"""config-follower's route tests: a real follower process in a temp folder of its own, fetching
from a scripted leader on a free port (follower_process.py); both stopped by pid afterwards."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from meridian_kit.process_testing import free_port, wait_until

sys.path.insert(0, str(Path(__file__).parent))  # follower_process.py, beside this file

from follower_process import (
    SCRIPTED_LEADER,
    FollowerProcess,
    ScriptedLeader,
    stop,
)


@pytest.fixture
def leader_key() -> str:
    return f"web-key-{secrets.token_hex(12)}"


@pytest.fixture
def scripted_leader(leader_key: str) -> Iterator[ScriptedLeader]:
    port = free_port()
    popen = subprocess.Popen(
        [sys.executable, str(SCRIPTED_LEADER), str(port), leader_key],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{url}/healthz").status_code == 200, "scripted leader")
        yield ScriptedLeader(url)
    finally:
        stop(popen)


@pytest.fixture
def follower(
    tmp_path: Path, scripted_leader: ScriptedLeader, leader_key: str
) -> Iterator[FollowerProcess]:
    """A follower of the scripted leader, started and synced once."""
    (tmp_path / "follower" / "data").mkdir(parents=True)
    process = FollowerProcess(tmp_path / "follower", leader_key, scripted_leader.url, free_port())
    try:
        process.start()
        wait_until(lambda: process.status()["syncedSinceStart"], "follower synced")
        yield process
    finally:
        if process.popen is not None:
            stop(process.popen)
